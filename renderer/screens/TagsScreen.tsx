import { useEffect, useMemo, useRef, useState } from 'react';
import { useConnection, useJobs, useTagDetails, useTags } from '../api/queries';
import { EmptyState, Spinner } from '../components/bits';
import { ErrorBox } from '../components/ErrorBox';
import { Breadcrumb } from '../components/ScreenHead';
import { isGithub } from '../lib/github';
import { tagsByDigest } from '../lib/tags';
import { navigate } from '../state/route';
import { useUi } from '../state/ui';
import { GithubPackagePanel, GithubVersions } from './GithubPanels';
import { PushButton } from './PushButton';
import { TagTable } from './TagTable';

/** `/` focuses the filter from anywhere on the screen (unless typing in a field). */
export function useSlashToFilter(inputId: string) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable="true"], [role="dialog"]')) return;
      e.preventDefault();
      document.getElementById(inputId)?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [inputId]);
}

/** What the last delete started here removes, then removed (or why it could not), until dismissed. */
function DeleteNoticeBar({ connectionId, repository }: { connectionId: string; repository: string }) {
  const notice = useUi((s) => s.deleteNotice);
  const setNotice = useUi((s) => s.setDeleteNotice);
  const { data: jobs } = useJobs();
  if (!notice || notice.connectionId !== connectionId || notice.repository !== repository) return null;
  const job = jobs?.find((j) => j.id === notice.jobId);
  const state = job?.state ?? 'queued';
  const text =
    state === 'done'
      ? `Deleted ${notice.what} from ${repository}.`
      : state === 'failed'
        ? `Could not delete ${notice.what}: ${job?.error?.message ?? 'the job failed'}`
        : state === 'cancelled'
          ? `The delete of ${notice.what} was cancelled.`
          : `Deleting ${notice.what}…`;
  return (
    <div
      className={`notice-bar ${state === 'failed' ? 'is-error' : state === 'done' ? 'is-ok' : ''}`}
      role="status"
      aria-label="Delete result"
    >
      {state === 'queued' || state === 'running' ? <Spinner label="Deleting" /> : null}
      <span>{text}</span>
      <span className="spacer" />
      <button type="button" className="btn icon" aria-label="Dismiss" onClick={() => setNotice(null)}>
        ✕
      </button>
    </div>
  );
}

export function TagsScreen({ connectionId, repository }: { connectionId: string; repository: string }) {
  const connection = useConnection(connectionId);
  const tags = useTags(connectionId, repository);
  const [refresh, setRefresh] = useState(0);
  const details = useTagDetails(connectionId, repository, tags.data, refresh);
  const filter = useUi((s) => s.tagFilter);
  const setFilter = useUi((s) => s.setTagFilter);
  const selection = useUi((s) => s.selection);
  const setSelection = useUi((s) => s.setSelection);
  const openDialog = useUi((s) => s.openDialog);
  const [tab, setTab] = useState<'tags' | 'versions'>('tags');
  const gridWrap = useRef<HTMLDivElement>(null);
  useSlashToFilter(tab === 'versions' ? 'versions-filter' : 'tag-filter');

  const total = tags.data?.length ?? 0;
  const loaded = total - details.pending;
  const digests = useMemo(() => tagsByDigest(details.details).size, [details.details]);
  const github = connection ? isGithub(connection) : false;
  const selectedDigests = useMemo(() => {
    const set = new Set<string>();
    for (const t of selection) {
      const d = details.details.get(t)?.digest;
      if (d) set.add(d);
    }
    return [...set];
  }, [selection, details.details]);

  const open = (tag: string) => navigate({ screen: 'image', connectionId, repository, reference: tag });
  const askDelete = (list: string[]) =>
    openDialog({ kind: 'delete', connectionId, repository, tags: list, digests: [] });

  return (
    <div className="screen tags-screen">
      <header className="screen-head">
        <div>
          <Breadcrumb connectionId={connectionId} repository={repository} />
          <h1>
            {repository}
            {tags.data && (
              <span className="count-pill" title={`${digests} distinct digests`}>
                {total.toLocaleString()} {total === 1 ? 'tag' : 'tags'}
              </span>
            )}
          </h1>
          {connection && github && <GithubPackagePanel connection={connection} packageName={repository} />}
        </div>
        <div className="head-actions">
          <PushButton />
          <button
            type="button"
            className="btn"
            disabled={!tags.data || total === 0}
            title="Copy every tag, or those matching a pattern, to another repository or registry"
            onClick={() => openDialog({ kind: 'sync', connectionId, repository })}
          >
            Sync repository to…
          </button>
          <button
            type="button"
            className="btn"
            // GitHub lists untagged versions, so a package without tags may still have something to clean up.
            disabled={!tags.data || (total === 0 && !github)}
            title="Delete old tags and images by rules (keep patterns, the newest N, an age), with a preview first"
            onClick={() => openDialog({ kind: 'cleanup', connectionId, repository })}
          >
            Clean up…
          </button>
          <button
            type="button"
            className="btn ghost"
            onClick={() => {
              void tags.refetch();
              setRefresh((r) => r + 1);
            }}
            aria-label="Refresh tags"
          >
            Refresh
          </button>
        </div>
      </header>

      <DeleteNoticeBar connectionId={connectionId} repository={repository} />

      {github && (
        <div className="tabs" role="tablist" aria-label="Repository views">
          <button type="button" role="tab" aria-selected={tab === 'tags'} onClick={() => setTab('tags')}>
            Tags
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'versions'}
            onClick={() => setTab('versions')}
          >
            Versions
          </button>
        </div>
      )}

      {tab === 'versions' && connection ? (
        <GithubVersions connection={connection} packageName={repository} />
      ) : (
        <>
          <div className="toolbar">
            <input
              id="tag-filter"
              className="filter"
              type="search"
              placeholder="Filter tags  ( / )"
              aria-label="Filter tags"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'ArrowDown' || e.key === 'Enter') {
                  e.preventDefault();
                  gridWrap.current?.querySelector<HTMLElement>('[role="grid"]')?.focus();
                }
                if (e.key === 'Escape') setFilter('');
              }}
            />
            {tags.data && details.pending > 0 && (
              <span className="toolbar-info loading-details" role="status">
                <Spinner label="Loading tag details" /> details {loaded.toLocaleString()} /{' '}
                {total.toLocaleString()}
                <span className="mini-bar" aria-hidden="true">
                  <span style={{ width: `${total ? (100 * loaded) / total : 0}%` }} />
                </span>
              </span>
            )}
            {tags.isFetching && !tags.isLoading && <Spinner label="Refreshing tags" />}
            <span className="spacer" />
            {selection.size > 0 && (
              <span className="selection-bar" aria-live="polite">
                <span>{selection.size.toLocaleString()} selected</span>
                <button
                  type="button"
                  className="btn small"
                  onClick={() =>
                    openDialog({ kind: 'copy', connectionId, repository, references: [...selection] })
                  }
                >
                  Copy {selection.size === 1 ? 'tag' : `${selection.size.toLocaleString()} tags`} to…
                </button>
                <button type="button" className="btn danger small" onClick={() => askDelete([...selection])}>
                  Delete {selection.size === 1 ? 'tag' : `${selection.size.toLocaleString()} tags`}…
                </button>
                {selectedDigests.length > 0 && (
                  <button
                    type="button"
                    className="btn ghost small danger-text"
                    title="Delete the images themselves, with every tag that points at them"
                    onClick={() =>
                      openDialog({
                        kind: 'delete',
                        connectionId,
                        repository,
                        tags: [],
                        digests: selectedDigests,
                      })
                    }
                  >
                    Delete {selectedDigests.length === 1 ? 'image' : `${selectedDigests.length} images`}…
                  </button>
                )}
                <button
                  type="button"
                  className="btn ghost small"
                  onClick={() => setSelection(new Set(), null)}
                >
                  Clear selection
                </button>
              </span>
            )}
          </div>

          {details.error && (
            <ErrorBox
              error={details.error}
              title="Some tag details could not be loaded"
              onRetry={() => tags.refetch()}
            />
          )}
          {tags.isLoading && (
            <div className="loading-block">
              <Spinner label="Loading tags" /> Loading every page of tags…
            </div>
          )}
          {tags.error && (
            <ErrorBox error={tags.error} title="Cannot list tags" onRetry={() => tags.refetch()} />
          )}
          {tags.data && total === 0 && (
            <EmptyState title="This repository has no tags">
              {github ? (
                <>
                  Its untagged versions, if any, are listed under{' '}
                  <button type="button" className="link" onClick={() => setTab('versions')}>
                    Versions
                  </button>
                  , where they can be deleted. To give it a tag, drop an image archive on the window or use
                  Push archive….
                </>
              ) : (
                <>
                  A registry's API lists tags only: manifests left without a tag cannot be listed here (the
                  registry's own garbage collection removes them). To give this repository a tag, drop an
                  image archive on the window or use Push archive….
                </>
              )}
            </EmptyState>
          )}
          {tags.data && total > 0 && connection && (
            <div className="grid-wrap" ref={gridWrap}>
              <TagTable
                connection={connection}
                repository={repository}
                tags={tags.data}
                details={details.details}
                onOpen={open}
                onDelete={askDelete}
                onPull={(tag) => openDialog({ kind: 'pull', connectionId, repository, reference: tag })}
                onRetag={(tag) => openDialog({ kind: 'retag', connectionId, repository, reference: tag })}
                onCopy={(tag) => openDialog({ kind: 'copy', connectionId, repository, references: [tag] })}
              />
            </div>
          )}
          <div className="keys-hint" aria-hidden="true">
            <kbd>↑</kbd>
            <kbd>↓</kbd> move · <kbd>Enter</kbd> open · <kbd>Space</kbd> select · <kbd>Shift</kbd>/
            <kbd>Ctrl</kbd>+click range · <kbd>/</kbd> filter · <kbd>Del</kbd> delete · <kbd>Ctrl</kbd>+
            <kbd>C</kbd> copy pull command
          </div>
        </>
      )}
    </div>
  );
}
