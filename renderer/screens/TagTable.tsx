// biome-ignore-all lint/a11y/useSemanticElements: a virtualised ARIA grid; <table> rows cannot be absolutely positioned
// biome-ignore-all lint/a11y/useFocusableInteractive: the grid itself is focusable and moves aria-activedescendant between rows

import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { Connection, TagDetail } from '../../shared/types';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';
import { RowMenu } from '../components/RowMenu';
import { copyText } from '../lib/clipboard';
import { formatBytes, formatDate, formatRelative, shortDigest } from '../lib/format';
import { pullCommand } from '../lib/reference';
import { buildTagRows, clickSelection, digestHue, type TagRow, type TagSortKey } from '../lib/tags';
import { useUi } from '../state/ui';

const ROW_HEIGHT = 34;

function Platforms({ detail }: { detail?: TagDetail }) {
  if (!detail) return <span className="muted">…</span>;
  if (detail.platforms.length === 0) return <span className="muted">—</span>;
  const shown = detail.platforms.slice(0, 3);
  return (
    <span className="platforms" title={detail.platforms.join(', ')}>
      {shown.map((p) => (
        <span key={p} className="chip">
          {p.replace(/^linux\//, '')}
        </span>
      ))}
      {detail.platforms.length > 3 && <span className="chip more">+{detail.platforms.length - 3}</span>}
    </span>
  );
}

export interface TagTableProps {
  connection: Connection;
  repository: string;
  tags: string[];
  details: Map<string, TagDetail>;
  onOpen(tag: string): void;
  onDelete(tags: string[]): void;
  onPull(tag: string): void;
  onRetag(tag: string): void;
  /** "Copy to…" another repository or registry (in the row's More actions menu). */
  onCopy?(tag: string): void;
}

export function TagTable({
  connection,
  repository,
  tags,
  details,
  onOpen,
  onDelete,
  onPull,
  onRetag,
  onCopy,
}: TagTableProps) {
  const filter = useUi((s) => s.tagFilter);
  const sort = useUi((s) => s.tagSort);
  const setSort = useUi((s) => s.setTagSort);
  const selection = useUi((s) => s.selection);
  const anchor = useUi((s) => s.selectionAnchor);
  const setSelection = useUi((s) => s.setSelection);
  const toast = useUi((s) => s.toast);
  const [descending, setDescending] = useState(true);
  // The cursor follows a tag, not a position: created dates arrive in the background and re-sort the
  // rows, and Enter or Delete must still act on the tag the user moved to.
  const [activeTag, setActiveTag] = useState<string | null>(null);

  const rows = useMemo(
    () => buildTagRows(tags, details, filter, sort, sort === 'created' ? descending : !descending),
    [tags, details, filter, sort, descending],
  );
  const order = useMemo(() => rows.map((r) => r.tag), [rows]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
  });

  const active = Math.max(0, activeTag === null ? -1 : order.indexOf(activeTag));

  function moveActive(index: number, extend: boolean) {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActiveTag(order[next] ?? null);
    virtual.scrollToIndex(next);
    if (extend) {
      const key = order[next]!;
      setSelection(
        clickSelection(order, selection, anchor ?? order[active] ?? key, key, { shift: true, toggle: false })
          .selection,
      );
    }
  }

  function onKeyDown(e: React.KeyboardEvent) {
    if ((e.target as HTMLElement).closest('button, input, a')) {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    }
    const row = rows[active];
    const mod = e.ctrlKey || e.metaKey;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        moveActive(active + 1, e.shiftKey);
        break;
      case 'ArrowUp':
        e.preventDefault();
        moveActive(active - 1, e.shiftKey);
        break;
      case 'Home':
        e.preventDefault();
        moveActive(0, e.shiftKey);
        break;
      case 'End':
        e.preventDefault();
        moveActive(rows.length - 1, e.shiftKey);
        break;
      case 'PageDown':
        e.preventDefault();
        moveActive(active + 15, e.shiftKey);
        break;
      case 'PageUp':
        e.preventDefault();
        moveActive(active - 15, e.shiftKey);
        break;
      case 'Enter':
        if (row) {
          e.preventDefault();
          onOpen(row.tag);
        }
        break;
      case ' ':
        if (row) {
          e.preventDefault();
          setSelection(
            clickSelection(order, selection, anchor, row.tag, { shift: false, toggle: true }).selection,
            row.tag,
          );
        }
        break;
      case 'Delete':
      case 'Backspace':
        if (selection.size > 0 || row) {
          e.preventDefault();
          onDelete(selection.size > 0 ? [...selection] : [row!.tag]);
        }
        break;
      case 'a':
        if (mod) {
          e.preventDefault();
          setSelection(new Set(order), order[0] ?? null);
        }
        break;
      case 'c':
        if (mod && row && !window.getSelection()?.toString()) {
          e.preventDefault();
          const cmd = pullCommand(connection.registry, repository, row.tag);
          void copyText(cmd).then(() => toast(`Copied: ${cmd}`));
        }
        break;
      case 'Escape':
        if (selection.size > 0) setSelection(new Set(), null);
        break;
    }
  }

  function onRowClick(e: React.MouseEvent, index: number, row: TagRow) {
    setActiveTag(order[index] ?? null);
    const next = clickSelection(order, selection, anchor, row.tag, {
      shift: e.shiftKey,
      toggle: e.ctrlKey || e.metaKey,
    });
    setSelection(next.selection, next.anchor);
  }

  function sortBy(key: TagSortKey) {
    if (sort === key) setDescending((d) => !d);
    else {
      setSort(key);
      setDescending(true);
    }
  }
  const ariaSort = (key: TagSortKey) =>
    sort === key ? ((sort === 'created' ? descending : !descending) ? 'descending' : 'ascending') : 'none';
  const activeRow = rows[active];

  return (
    <div
      className="tag-grid"
      role="grid"
      aria-label={`Tags of ${repository}`}
      aria-rowcount={rows.length + 1}
      aria-multiselectable="true"
      tabIndex={0}
      aria-activedescendant={activeRow ? `tag-row-${active}` : undefined}
      onKeyDown={onKeyDown}
    >
      <div className="tag-head" role="row" aria-rowindex={1}>
        <span role="columnheader" className="c-check">
          <input
            type="checkbox"
            aria-label="Select all shown tags"
            checked={
              rows.length > 0 && selection.size >= rows.length && rows.every((r) => selection.has(r.tag))
            }
            onChange={(e) => setSelection(e.target.checked ? new Set(order) : new Set(), null)}
          />
        </span>
        <span role="columnheader" className="c-tag" aria-sort={ariaSort('name')}>
          <button type="button" className="sort" onClick={() => sortBy('name')}>
            Tag {sort === 'name' ? (descending ? '↑' : '↓') : ''}
          </button>
        </span>
        <span role="columnheader" className="c-digest">
          Digest
        </span>
        <span role="columnheader" className="c-platforms">
          Platforms
        </span>
        <span role="columnheader" className="c-size">
          Size
        </span>
        <span role="columnheader" className="c-created" aria-sort={ariaSort('created')}>
          <button type="button" className="sort" onClick={() => sortBy('created')}>
            Created {sort === 'created' ? (descending ? '↓' : '↑') : ''}
          </button>
        </span>
        <span role="columnheader" className="c-actions">
          <span className="sr-only">Actions</span>
        </span>
      </div>
      <div className="tag-body" ref={scrollRef}>
        {rows.length === 0 && filter && (
          <div className="no-match">
            No tag matches “{filter}”. Filter words match tag names; four or more hex digits match a digest.
          </div>
        )}
        <div className="vlist-inner" style={{ height: virtual.getTotalSize() }}>
          {virtual.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            const d = row.detail;
            const selected = selection.has(row.tag);
            const hue = d ? digestHue(d.digest) : 0;
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: keys are handled by the grid
              <div
                key={row.tag}
                id={`tag-row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={selected}
                data-index={item.index}
                className={`tag-row grp-${row.groupPosition}${selected ? ' selected' : ''}${item.index === active ? ' active' : ''}`}
                style={
                  {
                    transform: `translateY(${item.start}px)`,
                    height: item.size,
                    '--digest-hue': hue,
                  } as React.CSSProperties
                }
                onClick={(e) => onRowClick(e, item.index, row)}
                onDoubleClick={() => onOpen(row.tag)}
              >
                <span role="gridcell" className="c-check">
                  <input
                    type="checkbox"
                    aria-label={`Select ${row.tag}`}
                    checked={selected}
                    onClick={(e) => e.stopPropagation()}
                    onChange={() =>
                      setSelection(
                        clickSelection(order, selection, anchor, row.tag, { shift: false, toggle: true })
                          .selection,
                        row.tag,
                      )
                    }
                  />
                </span>
                <span role="gridcell" className="c-tag">
                  <button
                    type="button"
                    className="link tag-name"
                    onClick={(e) => {
                      e.stopPropagation();
                      onOpen(row.tag);
                    }}
                  >
                    {row.tag}
                  </button>
                  {d?.isIndex && <span className="chip index">index</span>}
                </span>
                <span role="gridcell" className="c-digest">
                  {d ? (
                    <>
                      <span className="digest-dot" aria-hidden="true" />
                      <code title={d.digest}>{shortDigest(d.digest)}</code>
                      <CopyButton text={d.digest} label={`Copy digest of ${row.tag}`} />
                      {row.siblings > 1 && (
                        <span className="siblings" title={`${row.siblings} tags point at this digest`}>
                          ×{row.siblings}
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="skeleton" />
                  )}
                </span>
                <span role="gridcell" className="c-platforms">
                  <Platforms detail={d} />
                </span>
                <span role="gridcell" className="c-size">
                  {d ? formatBytes(d.size) : <span className="skeleton short" />}
                </span>
                <span role="gridcell" className="c-created" title={formatDate(d?.created)}>
                  {d ? formatRelative(d.created) : <span className="skeleton short" />}
                </span>
                <span role="gridcell" className="c-actions">
                  {/* Narrow windows: one "More actions" button instead of four (CSS picks which shows). */}
                  <RowMenu
                    label={`More actions for ${row.tag}`}
                    actions={[
                      {
                        label: `Copy pull command for ${row.tag}`,
                        run: () => void copyText(pullCommand(connection.registry, repository, row.tag)),
                      },
                      { label: `Pull ${row.tag}`, run: () => onPull(row.tag) },
                      { label: `Re-tag ${row.tag}`, run: () => onRetag(row.tag) },
                      ...(onCopy ? [{ label: `Copy ${row.tag} to…`, run: () => onCopy(row.tag) }] : []),
                      { label: `Delete ${row.tag}`, run: () => onDelete([row.tag]), danger: true },
                    ]}
                  />
                  <CopyButton
                    text={pullCommand(connection.registry, repository, row.tag)}
                    label={`Copy pull command for ${row.tag}`}
                  >
                    <Icon name="terminal" />
                  </CopyButton>
                  <button
                    type="button"
                    className="btn icon"
                    aria-label={`Pull ${row.tag}`}
                    title="Pull to a file"
                    onClick={(e) => {
                      e.stopPropagation();
                      onPull(row.tag);
                    }}
                  >
                    <Icon name="download" />
                  </button>
                  <button
                    type="button"
                    className="btn icon"
                    aria-label={`Re-tag ${row.tag}`}
                    title="Add, move or copy this tag"
                    onClick={(e) => {
                      e.stopPropagation();
                      onRetag(row.tag);
                    }}
                  >
                    <Icon name="tag" />
                  </button>
                  {onCopy && (
                    <button
                      type="button"
                      className="btn icon"
                      aria-label={`Copy ${row.tag} to…`}
                      title="Copy to another repository or registry"
                      onClick={(e) => {
                        e.stopPropagation();
                        onCopy(row.tag);
                      }}
                    >
                      <Icon name="send" />
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn icon danger-icon"
                    aria-label={`Delete ${row.tag}`}
                    title="Delete"
                    onClick={(e) => {
                      e.stopPropagation();
                      onDelete([row.tag]);
                    }}
                  >
                    <Icon name="trash" />
                  </button>
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
