import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RepositorySummary, Visibility } from '../../shared/types';

const VISIBILITIES: Visibility[] = ['public', 'private', 'internal'];

import { ApiError } from '../api';
import { useConnection, useRemoveConnection, useRepositories, useTagCounts } from '../api/queries';
import { EmptyState, Spinner, VisibilityBadge } from '../components/bits';
import { ErrorBox } from '../components/ErrorBox';
import { Breadcrumb } from '../components/ScreenHead';
import { formatDate, formatRelative, plural } from '../lib/format';
import { groupRepositories, type RepoSort, sortRepositories } from '../lib/group';
import { navigate } from '../state/route';
import { useUi } from '../state/ui';

function isCredentialError(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'unauthorized' || error.code === 'denied');
}

import { PushButton } from './PushButton';
import { useSlashToFilter } from './TagsScreen';

const ROW_HEIGHT = 36;

export function RepositoriesScreen({ connectionId }: { connectionId: string }) {
  const connection = useConnection(connectionId);
  const repos = useRepositories(connectionId);
  const filter = useUi((s) => s.repoFilter);
  const setFilter = useUi((s) => s.setRepoFilter);
  const openDialog = useUi((s) => s.openDialog);
  const manual = useUi((s) => s.manualRepositories[connectionId]);
  const [confirmRemove, setConfirmRemove] = useState(false);
  useSlashToFilter('repo-filter');

  const all = useMemo(() => {
    const list: RepositorySummary[] = [...(repos.data?.repositories ?? [])];
    for (const name of manual ?? []) if (!list.some((r) => r.name === name)) list.push({ name });
    return list;
  }, [repos.data, manual]);
  const [visibility, setVisibility] = useState<Visibility | 'all'>('all');
  const visibilities = useMemo(() => VISIBILITIES.filter((v) => all.some((r) => r.visibility === v)), [all]);
  const github = repos.data?.source === 'github';
  const catalog = repos.data?.source === 'catalog';
  const [sort, setSort] = useState<RepoSort>('name');
  // Generic registries: tag counts of the rows on screen, fetched as they scroll into view (a few at a
  // time). Sorted by count, the list orders what is known and asks for nothing more.
  const [visibleNames, setVisibleNames] = useState<string[]>([]);
  const counts = useTagCounts(connectionId, visibleNames, catalog && sort === 'name');
  const shownRepos = visibility === 'all' ? all : all.filter((r) => r.visibility === visibility);
  const countKey = sort === 'tags' ? [...counts].join() : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: counts matter only through countKey
  const rows = useMemo(
    () =>
      sort === 'name'
        ? groupRepositories(shownRepos, filter)
        : sortRepositories(shownRepos, filter, sort, counts),
    [all, filter, visibility, sort, countKey],
  );
  const repoCount = rows.filter((r) => r.type === 'repo').length;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const visibleKey = virtual
    .getVirtualItems()
    .map((item) => rows[item.index])
    .flatMap((r) => (r?.type === 'repo' ? [r.repo.name] : []))
    .join('\n');
  useEffect(() => setVisibleNames(visibleKey ? visibleKey.split('\n') : []), [visibleKey]);

  const remove = useRemoveConnection(connectionId, () => navigate({ screen: 'welcome' }));

  function focusRow(index: number) {
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    virtual.scrollToIndex(clamped);
    requestAnimationFrame(() =>
      scrollRef.current
        ?.querySelector<HTMLElement>(`[data-index="${clamped}"] button, [data-index="${clamped}"]`)
        ?.focus(),
    );
  }

  function onListKey(e: React.KeyboardEvent) {
    const index = Number((e.target as HTMLElement).closest<HTMLElement>('[data-index]')?.dataset.index ?? -1);
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      focusRow(index + 1);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (index <= 0) document.getElementById('repo-filter')?.focus();
      else focusRow(index - 1);
    }
  }

  const manualSource = repos.data?.source === 'manual';

  return (
    <div className="screen repos-screen">
      <header className="screen-head">
        <div>
          <Breadcrumb connectionId={connectionId} />
          <h1>
            {connection?.owner ?? connection?.name ?? 'Repositories'}
            {repos.data && <span className="count-pill">{all.length.toLocaleString()}</span>}
          </h1>
          <p className="sub">
            {connection?.registry}
            {repos.data?.source === 'github' && ' · from the GitHub Packages API'}
            {repos.data?.source === 'catalog' && ' · from the registry catalog'}
            {manualSource && ' · this registry has no catalog: open repositories by name'}
          </p>
        </div>
        <div className="head-actions">
          <button
            type="button"
            className="btn"
            onClick={() => openDialog({ kind: 'open-repository', connectionId })}
          >
            Open repository…
          </button>
          <PushButton />
          <button
            type="button"
            className="btn ghost"
            onClick={() => navigate({ screen: 'add-connection', editId: connectionId })}
          >
            Edit connection
          </button>
          {confirmRemove ? (
            <span className="confirm-inline">
              <button type="button" className="btn danger" onClick={() => remove.mutate()}>
                Remove {connection?.name}
              </button>
              <button type="button" className="btn ghost" onClick={() => setConfirmRemove(false)}>
                Keep
              </button>
            </span>
          ) : (
            <button type="button" className="btn ghost" onClick={() => setConfirmRemove(true)}>
              Remove connection
            </button>
          )}
        </div>
      </header>
      {repos.data?.note && <div className="note">{repos.data.note}</div>}
      {remove.error && <ErrorBox error={remove.error} title="Cannot remove the connection" />}

      <div className="toolbar">
        <input
          id="repo-filter"
          className="filter"
          type="search"
          placeholder="Filter repositories"
          aria-label="Filter repositories"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              focusRow(rows.findIndex((r) => r.type === 'repo'));
            }
            if (e.key === 'Enter') {
              const firstRepo = rows.find((r) => r.type === 'repo');
              if (firstRepo?.type === 'repo')
                navigate({ screen: 'tags', connectionId, repository: firstRepo.repo.name });
            }
          }}
        />
        {filter && (
          <span className="toolbar-info">
            {repoCount.toLocaleString()} of {all.length.toLocaleString()}
          </span>
        )}
        {(github || catalog) && (
          <label className="sort-select">
            <span className="muted small">Sort</span>
            <select
              aria-label="Sort repositories"
              value={sort}
              onChange={(e) => setSort(e.target.value as RepoSort)}
            >
              <option value="name">Name</option>
              <option value="tags">{github ? 'Versions' : 'Tags (counted so far)'}</option>
              {github && <option value="updated">Last push</option>}
            </select>
          </label>
        )}
        {visibilities.length > 0 && (
          <div className="segmented" role="radiogroup" aria-label="Visibility">
            {(['all', ...visibilities] as const).map((v) => (
              // biome-ignore lint/a11y/useSemanticElements: see above
              <button
                key={v}
                type="button"
                role="radio"
                aria-checked={visibility === v}
                onClick={() => setVisibility(v)}
              >
                {v === 'all' ? 'All' : v[0]!.toUpperCase() + v.slice(1)}
              </button>
            ))}
          </div>
        )}
        {repos.data && !repos.data.complete && !repos.error ? (
          <span className="toolbar-info" role="status" aria-label="Loading more repositories">
            <span className="spinner" aria-hidden="true" /> {repos.data.repositories.length.toLocaleString()}{' '}
            so far…
          </span>
        ) : (
          repos.isFetching && <Spinner label="Refreshing repositories" />
        )}
      </div>

      {repos.isLoading && (
        <div className="loading-block">
          <Spinner label="Loading repositories" /> Loading repositories…
        </div>
      )}
      {repos.error && (
        <ErrorBox
          error={repos.error}
          title="Cannot list repositories"
          onRetry={() => repos.refetch()}
          action={
            isCredentialError(repos.error)
              ? {
                  label: 'Edit connection',
                  onClick: () => navigate({ screen: 'add-connection', editId: connectionId }),
                }
              : undefined
          }
        />
      )}
      {repos.data && all.length === 0 && (
        <EmptyState title={manualSource ? 'Open a repository by name' : 'No repositories yet'}>
          {manualSource ? (
            <>
              This registry does not list its repositories. Use “Open repository…” and type a name such as
              library/alpine.
            </>
          ) : (
            <>
              Push an image: drop a docker save or OCI archive anywhere in this window, or use “Push
              archive…”.
            </>
          )}
        </EmptyState>
      )}
      {repos.data && all.length > 0 && rows.length === 0 && (
        <EmptyState title="Nothing matches the filter">
          Clear the filter, or open “{filter}” by name with “Open repository…”.
        </EmptyState>
      )}

      {rows.length > 0 && (
        // biome-ignore lint/a11y/noStaticElementInteractions: arrow-key navigation between the row buttons
        <div className="vlist" ref={scrollRef} onKeyDown={onListKey}>
          <ul className="vlist-inner" style={{ height: virtual.getTotalSize() }} aria-label="Repositories">
            {virtual.getVirtualItems().map((item) => {
              const row = rows[item.index]!;
              const style = { transform: `translateY(${item.start}px)`, height: item.size };
              if (row.type === 'group') {
                return (
                  <li
                    key={`g:${row.namespace}`}
                    data-index={item.index}
                    className="vrow group-row"
                    style={style}
                  >
                    <span className="group-name">{row.namespace || '(top level)'}</span>
                    <span className="group-count">{row.count}</span>
                  </li>
                );
              }
              const short = row.namespace ? row.repo.name.slice(row.namespace.length + 1) : row.repo.name;
              return (
                <li key={row.repo.name} data-index={item.index} className="vrow" style={style}>
                  <button
                    type="button"
                    className="repo-row"
                    aria-label={row.repo.name}
                    onClick={() => navigate({ screen: 'tags', connectionId, repository: row.repo.name })}
                  >
                    <span className="repo-name">
                      {row.namespace && <span className="repo-ns">{row.namespace}/</span>}
                      {short}
                    </span>
                    <VisibilityBadge visibility={row.repo.visibility} />
                    {row.repo.versionCount !== undefined ? (
                      <span className="repo-meta">{plural(row.repo.versionCount, 'version')}</span>
                    ) : catalog && counts.has(row.repo.name) ? (
                      <span className="repo-meta">{plural(counts.get(row.repo.name)!, 'tag')}</span>
                    ) : catalog && sort === 'name' ? (
                      <span className="repo-meta">
                        <span className="skeleton short" aria-hidden="true" />
                      </span>
                    ) : null}
                    {row.repo.updatedAt && (
                      <span className="repo-meta" title={formatDate(row.repo.updatedAt)}>
                        pushed {formatRelative(row.repo.updatedAt)}
                      </span>
                    )}
                    {row.repo.linkedRepository && (
                      <span className="repo-meta">{row.repo.linkedRepository}</span>
                    )}
                    <span className="chevron" aria-hidden="true">
                      ›
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
