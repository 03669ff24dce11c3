// biome-ignore-all lint/a11y/useSemanticElements: a virtualised list; rows are absolutely positioned
/**
 * The image page's Files tab: the image's filesystem read from its layers without pulling it (files.list),
 * as a virtualised tree with sizes, or one layer's changes; a path filter, the wasted-space list
 * (files.summary) and Download file for a regular file of the final filesystem.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { FileRowInfo } from '../../../shared/files';
import { call, getApi } from '../../api';
import { type FilesView, useFilesList, useFilesSummary } from '../../api/queries';
import { Spinner } from '../../components/bits';
import { ErrorBox } from '../../components/ErrorBox';
import { buildTree, type TreeItem, visibleItems } from '../../lib/file-tree';
import { formatBytes } from '../../lib/format';
import { useUi } from '../../state/ui';

const ROW_HEIGHT = 28;
const CHANGE_MARK = { added: 'A', modified: 'M', removed: 'R' } as const;

export interface FilesProps {
  connectionId: string;
  repository: string;
  /** A tag or the image manifest's digest (a platform's, for an index). */
  reference: string;
  layerCount: number;
  view: FilesView;
  onView(view: FilesView): void;
}

function viewValue(view: FilesView): string {
  return view.kind === 'final' ? 'final' : `${view.kind}:${view.layer}`;
}

function parseView(value: string): FilesView {
  const [kind, n] = value.split(':');
  if (kind === 'layer' || kind === 'upTo') return { kind, layer: Number(n) };
  return { kind: 'final' };
}

/** Electron: a save dialog, then files.save to that path. Bridge: files.save, then its download link. */
async function downloadFile(props: FilesProps, row: FileRowInfo): Promise<void> {
  const toast = useUi.getState().toast;
  const name = row.path.split('/').at(-1) || 'file';
  const image = {
    connectionId: props.connectionId,
    repository: props.repository,
    reference: props.reference,
  };
  try {
    const saved = await call('dialog.saveFile', { defaultName: name });
    if (saved.supported && !saved.path) return;
    const result = await call('files.save', { ...image, file: row.path, path: saved.path ?? undefined });
    const url = result.downloadId ? getApi().downloadUrl?.(result.downloadId) : undefined;
    if (url) {
      // The bridge transport turns a click on a download link into a one-time-ticket download.
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
    } else toast(`Saved ${row.path} (${formatBytes(result.bytes)})`);
  } catch (e) {
    const err = e as { message?: string; hint?: string };
    toast(`${err.message ?? 'The file could not be saved.'} ${err.hint ?? ''}`.trim(), 'error');
  }
}

function Row({
  item,
  isOpen,
  flat,
  max,
  canDownload,
  onToggle,
  onDownload,
}: {
  item: TreeItem;
  isOpen: boolean;
  flat: boolean;
  max: number;
  canDownload: boolean;
  onToggle(): void;
  onDownload(): void;
}) {
  const { row } = item;
  const isDir = row.type === 'directory';
  // A flat list (a layer's changes, a filter) has no directory totals: bars are each entry's own size.
  const bytes = flat ? row.size : item.total;
  return (
    <div
      className={`file-row${row.change ? ` change-${row.change}` : ''}`}
      role="listitem"
      data-path={row.path}
    >
      <span className="file-name" style={{ paddingLeft: flat ? 0 : `${item.depth * 1.1}rem` }}>
        {isDir && !flat ? (
          <button
            type="button"
            className="btn icon tiny"
            aria-expanded={isOpen}
            aria-label={`${isOpen ? 'Collapse' : 'Expand'} ${row.path}`}
            onClick={onToggle}
          >
            {isOpen ? '▾' : '▸'}
          </button>
        ) : (
          <span className="file-toggle-space" />
        )}
        {row.change && (
          <span className={`change-mark ${row.change}`} title={row.change}>
            {CHANGE_MARK[row.change]}
          </span>
        )}
        <span className={`file-label type-${row.type}`} title={row.path}>
          {flat ? row.path : item.name}
          {isDir ? '/' : ''}
        </span>
        {row.linkTarget && <span className="muted"> → {row.linkTarget}</span>}
      </span>
      <span className="num">
        {isDir && !flat ? formatBytes(item.total) : row.type === 'file' ? formatBytes(row.size) : ''}
      </span>
      <span className="bar-col">
        <span className="bar" style={{ width: `${Math.max(1, (100 * bytes) / max)}%` }} />
      </span>
      <span className="muted mono">
        {row.mode} {row.uid}:{row.gid}
      </span>
      <span className="muted" title={`Written by layer ${row.layer}`}>
        L{row.layer}
      </span>
      <span className="actions">
        {canDownload && (row.type === 'file' || row.type === 'hardlink') && (
          <button
            type="button"
            className="btn small"
            onClick={onDownload}
            aria-label={`Download ${row.path}`}
          >
            Download
          </button>
        )}
      </span>
    </div>
  );
}

export function Files(props: FilesProps) {
  const { connectionId, repository, reference, layerCount, view, onView } = props;
  const list = useFilesList(connectionId, repository, reference, view);
  const summary = useFilesSummary(connectionId, repository, reference);
  const [filter, setFilter] = useState('');
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const flat = view.kind === 'layer';
  const layerNumbers = useMemo(() => Array.from({ length: layerCount }, (_, i) => i + 1), [layerCount]);
  const items = useMemo(() => (list.data ? buildTree(list.data.rows) : []), [list.data]);
  const shown = useMemo(
    () => (flat ? visibleItems(items, new Set(), filter || '/') : visibleItems(items, expanded, filter)),
    [items, expanded, filter, flat],
  );
  const listFlat = flat || filter.trim() !== '';
  const max = useMemo(() => {
    let m = 1;
    for (const i of items) m = Math.max(m, listFlat ? i.row.size : i.depth === 0 ? i.total : 0);
    return m;
  }, [items, listFlat]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const toggle = (path: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  return (
    <div className="files-tab">
      <div className="toolbar">
        <label className="inline-field">
          Show{' '}
          <select
            aria-label="Filesystem to show"
            value={viewValue(view)}
            onChange={(e) => onView(parseView(e.target.value))}
          >
            <option value="final">Final filesystem</option>
            {layerNumbers.map((n) => (
              <option key={`l${n}`} value={`layer:${n}`}>
                Layer {n}: its changes
              </option>
            ))}
            {layerNumbers.slice(0, -1).map((n) => (
              <option key={`u${n}`} value={`upTo:${n}`}>
                Up to layer {n}
              </option>
            ))}
          </select>
        </label>
        <input
          className="filter"
          type="search"
          placeholder="Filter paths"
          aria-label="Filter paths"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        {list.data && (
          <span className="muted" aria-live="polite">
            {shown.length.toLocaleString()} of {items.length.toLocaleString()} entries
          </span>
        )}
      </div>
      {list.isLoading && (
        <div className="loading-block">
          <Spinner label="Reading layers" /> Reading the layers' file lists…
        </div>
      )}
      {list.error && (
        <ErrorBox error={list.error} title="Cannot read the image's files" onRetry={() => list.refetch()} />
      )}
      {list.data && (
        <div className="vlist files-list" ref={scrollRef} role="list" aria-label="Files">
          <div className="vlist-inner" style={{ height: virtual.getTotalSize() }}>
            {virtual.getVirtualItems().map((v) => {
              const item = shown[v.index] as TreeItem;
              return (
                <div
                  key={item.row.path}
                  className="vrow"
                  style={{ height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                >
                  <Row
                    item={item}
                    isOpen={expanded.has(item.row.path)}
                    flat={listFlat}
                    max={max}
                    canDownload={view.kind === 'final'}
                    onToggle={() => toggle(item.row.path)}
                    onDownload={() => void downloadFile(props, item.row)}
                  />
                </div>
              );
            })}
          </div>
        </div>
      )}
      {summary.data && (
        <section className="card files-summary" aria-labelledby="wasted-h">
          <h2 id="wasted-h">
            Wasted space <span className="count-pill">{formatBytes(summary.data.wastedBytes)}</span>
            <span className="card-right">
              efficiency {(summary.data.efficiency * 100).toFixed(1)}% ·{' '}
              {formatBytes(summary.data.finalBytes)} of {formatBytes(summary.data.totalBytes)} in the final
              filesystem
            </span>
          </h2>
          {summary.data.largestWasted.length === 0 ? (
            <p className="muted">No layer overwrites or removes what an earlier one wrote.</p>
          ) : (
            <table className="table wasted">
              <thead>
                <tr>
                  <th>Path</th>
                  <th className="num">Size</th>
                  <th>Written by</th>
                </tr>
              </thead>
              <tbody>
                {summary.data.largestWasted.map((w) => (
                  <tr key={`${w.path}-${w.layer}`}>
                    <td>
                      <code>{w.path}</code>
                    </td>
                    <td className="num">{formatBytes(w.bytes)}</td>
                    <td>
                      <button
                        type="button"
                        className="btn small ghost"
                        onClick={() => onView({ kind: 'layer', layer: w.layer })}
                      >
                        layer {w.layer}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}
