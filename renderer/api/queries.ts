/**
 * Remote data as react-query hooks. Keys are arrays starting with the call's subject, made only by `keys`
 * (a `…Of` key is the prefix that matches every query of one connection, for invalidation).
 */

import {
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQueries,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { isDigestReference } from '../../shared/reference-grammar';
import type { Job, RepositoriesResult, TagDetail } from '../../shared/types';
import { call, getApi } from './index';

export const keys = {
  connections: ['connections'] as const,
  discover: ['discover'] as const,
  repositories: (connectionId: string) => ['repositories', connectionId] as const,
  tags: (connectionId: string, repository: string) => ['tags', connectionId, repository] as const,
  tagsOf: (connectionId: string) => ['tags', connectionId] as const,
  tagDetails: (connectionId: string, repository: string) => ['tagDetails', connectionId, repository] as const,
  inspect: (connectionId: string, repository: string, reference: string, platform?: string) =>
    ['inspect', connectionId, repository, reference, platform ?? ''] as const,
  jobs: ['jobs'] as const,
  /** What a sync would change (`registry.syncPlan`), for the sync dialog's preview. */
  syncPlan: (
    source: { connectionId: string; repository: string },
    target: { connectionId: string; repository: string },
    tags: string,
  ) =>
    [
      'syncPlan',
      source.connectionId,
      source.repository,
      target.connectionId,
      target.repository,
      tags,
    ] as const,
  /** What a clean-up would delete (`registry.prunePlan`), for the clean-up dialog's preview. */
  prunePlan: (connectionId: string, repository: string, rules: string) =>
    ['prunePlan', connectionId, repository, rules] as const,
  githubPackage: (connectionId: string, name: string) => ['github.package', connectionId, name] as const,
  githubVersions: (connectionId: string, name: string, state: 'active' | 'deleted') =>
    ['github.versions', connectionId, name, state] as const,
  githubVersionsOf: (connectionId: string) => ['github.versions', connectionId] as const,
  /** Whether a target tag exists (push, re-tag and copy dialogs; `components/TagCheck.tsx`). */
  tagCheck: (connectionId: string | undefined, repository: string, tag: string) =>
    ['tagCheck', connectionId, repository, tag] as const,
  tagChecksOf: (connectionId: string) => ['tagCheck', connectionId] as const,
  /** A dropped or picked archive, read once (push dialog). */
  archive: (itemKey: string) => ['archive', itemKey] as const,
  appInfo: ['app.info'] as const,
  /** The local engines and their images (`engines.list`). */
  engines: ['engines'] as const,
  /** An image's files (`files.list`): `view` is "final", "upTo:N" or "layer:N". */
  files: (connectionId: string, repository: string, reference: string, view: string) =>
    ['files', connectionId, repository, reference, view] as const,
  filesSummary: (connectionId: string, repository: string, reference: string) =>
    ['files.summary', connectionId, repository, reference] as const,
};

export function useAppInfo() {
  return useQuery({ queryKey: keys.appInfo, queryFn: () => call('app.info', {}), staleTime: Infinity });
}

/**
 * The local engines (Docker's, Podman's) with their images, or why each cannot be used. `poll`: asked
 * again every 15 s while shown (the user builds, pulls and starts engines outside Lading); otherwise (the
 * sidebar's counts) only when the window gets focus, since a list inspects every image.
 */
export function useEngines(options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: keys.engines,
    queryFn: () => call('engines.list', {}),
    staleTime: 10_000,
    refetchInterval: options.poll ? 15_000 : false,
    refetchOnWindowFocus: true,
  });
}

export function useConnections() {
  return useQuery({ queryKey: keys.connections, queryFn: () => call('connections.list', {}) });
}

/** Removes a saved connection; the list is fetched again before `onRemoved` runs. */
export function useRemoveConnection(id: string, onRemoved: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => call('connections.remove', { id }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keys.connections });
      onRemoved();
    },
  });
}

export function useConnection(id: string | undefined) {
  const { data } = useConnections();
  return data?.find((c) => c.id === id);
}

/** More catalog pages than this (of up to 1,000 each) is a registry paging in circles. */
const MAX_REPOSITORY_PAGES = 10_000;

export interface RepositoryList extends RepositoriesResult {
  /** False while later catalog pages are still being fetched. */
  complete: boolean;
}

/**
 * The repository list, shown from the first catalog page on: the rest are fetched one after another in the
 * background (a registry with 20,000 repositories sends 20 pages), so the first rows appear at once.
 */
export function useRepositories(connectionId: string) {
  const query = useInfiniteQuery({
    queryKey: keys.repositories(connectionId),
    queryFn: ({ pageParam }) =>
      call('registry.repositories', { connectionId, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last, pages, _lastParam, params) =>
      last.next && !params.includes(last.next) && pages.length < MAX_REPOSITORY_PAGES ? last.next : undefined,
    staleTime: 30_000,
  });
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);

  const pages = query.data?.pages;
  const data = useMemo((): RepositoryList | undefined => {
    const first = pages?.[0];
    if (!pages || !first) return undefined;
    const last = pages[pages.length - 1]!;
    const looped = last.next !== undefined && !hasNextPage;
    return {
      source: first.source,
      repositories: pages.length === 1 ? first.repositories : pages.flatMap((p) => p.repositories),
      note: looped
        ? `${first.note ? `${first.note} ` : ''}The registry's catalog pages lead back to a page already read: the list may be incomplete.`
        : first.note,
      complete: !hasNextPage,
    };
  }, [pages, hasNextPage]);
  return { ...query, data };
}

/** Runs at most `max` tasks at once; a task whose signal was aborted while it waited does not run. */
export function limiter(max: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (running >= max) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Tag counts in the repository list: at most this many tag lists are asked for at once. */
export const TAG_COUNT_CONCURRENCY = 4;
const tagCountLimit = limiter(TAG_COUNT_CONCURRENCY);

/**
 * Tag counts of the repositories on screen (generic registries: one tag list each, fetched lazily for
 * visible rows only, a few at a time; rows scrolled away before their turn are skipped). The lists land in
 * the tag screen's cache, so opening a counted repository is instant.
 */
export function useTagCounts(connectionId: string, names: string[], enabled: boolean): Map<string, number> {
  const queryClient = useQueryClient();
  const results = useQueries({
    queries: (enabled ? names : []).map((repository) => ({
      queryKey: keys.tags(connectionId, repository),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        tagCountLimit(() => call('registry.tags', { connectionId, repository }), signal),
      staleTime: 60_000,
      retry: false,
    })),
  });
  const counts = new Map<string, number>();
  // Counts already known stay shown (and sortable) after their rows scroll away.
  for (const q of queryClient.getQueryCache().findAll({ queryKey: keys.tagsOf(connectionId) })) {
    const data = q.state.data as string[] | undefined;
    const repository = q.queryKey[2];
    if (Array.isArray(data) && typeof repository === 'string') counts.set(repository, data.length);
  }
  results.forEach((r, i) => {
    if (r.data) counts.set(names[i]!, r.data.length);
  });
  return counts;
}

export function useTags(connectionId: string, repository: string) {
  return useQuery({
    queryKey: keys.tags(connectionId, repository),
    queryFn: () => call('registry.tags', { connectionId, repository }),
    staleTime: 15_000,
  });
}

/** How many tagDetails calls run at once, and how many tags each asks about (the contract caps it at 100). */
export const DETAIL_BATCH = 100;
export const DETAIL_CONCURRENCY = 3;

export interface TagDetailsState {
  details: Map<string, TagDetail>;
  /** Tags whose details have not arrived yet. */
  pending: number;
  error: Error | null;
}

/**
 * Loads the details of every tag in batches in the background, a few batches at a time, and keeps them in
 * the react-query cache so reopening a repository is instant. The main process caches configs by digest,
 * so a refresh only costs manifest requests.
 *
 * When the tag list changes (a refetch on focus found new tags), only the new tags are fetched; tags already
 * known are re-checked (a tag may have moved) when the screen opens and when `refresh` changes.
 */
export function useTagDetails(
  connectionId: string,
  repository: string,
  tags: string[] | undefined,
  refresh: number,
): TagDetailsState {
  const queryClient = useQueryClient();
  const key = keys.tagDetails(connectionId, repository);
  const [state, setState] = useState<TagDetailsState>(() => ({
    details: queryClient.getQueryData<Map<string, TagDetail>>(key) ?? new Map(),
    pending: tags?.length ?? 0,
    error: null,
  }));
  const run = useRef(0);
  const refreshedFor = useRef<number | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` derives from connectionId and repository
  useEffect(() => {
    if (!tags) return;
    const runId = ++run.current;
    const recheckKnown = refreshedFor.current !== refresh;
    refreshedFor.current = refresh;
    const cached = queryClient.getQueryData<Map<string, TagDetail>>(key) ?? new Map<string, TagDetail>();
    // Tags already known are shown at once and refreshed last; unknown ones are fetched first.
    const known = new Set(cached.keys());
    const order = [
      ...tags.filter((t) => !known.has(t)),
      ...(recheckKnown ? tags.filter((t) => known.has(t)) : []),
    ];
    const fresh = new Map<string, TagDetail>();
    for (const t of tags) {
      const d = cached.get(t);
      if (d) fresh.set(t, d);
    }
    let pending = order.filter((t) => !known.has(t)).length;
    setState({ details: new Map(fresh), pending, error: null });
    queryClient.setQueryData(key, fresh);

    const batches: string[][] = [];
    for (let i = 0; i < order.length; i += DETAIL_BATCH) batches.push(order.slice(i, i + DETAIL_BATCH));
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    // A failed batch is said until the next run, even after the other batches arrive.
    let failure: Error | null = null;
    const flush = () => {
      flushTimer = null;
      if (run.current !== runId) return;
      setState({ details: new Map(fresh), pending, error: failure });
      queryClient.setQueryData(key, new Map(fresh));
    };
    // At most DETAIL_CONCURRENCY batches in flight, in order; leaving the screen aborts those not started.
    const stop = new AbortController();
    const limit = limiter(DETAIL_CONCURRENCY);
    const load = async (batch: string[]) => {
      try {
        const result = await limit(
          () => call('registry.tagDetails', { connectionId, repository, tags: batch }),
          stop.signal,
        );
        for (const d of result) {
          if (!known.has(d.tag)) pending--;
          fresh.set(d.tag, d);
        }
        for (const t of batch) if (!result.some((d) => d.tag === t) && !known.has(t)) pending--;
      } catch (error) {
        if (!stop.signal.aborted && run.current === runId) {
          failure = error as Error;
          setState((s) => ({ ...s, error: failure }));
        }
        return;
      }
      // Coalesce renders: many batches finishing together cause one re-render.
      if (!flushTimer) flushTimer = setTimeout(flush, 50);
    };
    void Promise.all(batches.map(load)).then(() => {
      if (flushTimer) clearTimeout(flushTimer);
      flush();
    });
    return () => {
      stop.abort();
      if (flushTimer) clearTimeout(flushTimer);
      // Leaving the repository stops the background load; what arrived so far stays cached.
      if (run.current === runId) {
        run.current++;
        queryClient.setQueryData(key, new Map(fresh));
      }
    };
  }, [connectionId, repository, tags, refresh, queryClient]);

  return state;
}

export function useInspect(
  connectionId: string,
  repository: string,
  reference: string,
  platform?: string,
  options: { enabled?: boolean } = {},
) {
  return useQuery({
    queryKey: keys.inspect(connectionId, repository, reference, platform),
    enabled: options.enabled ?? true,
    queryFn: () => call('registry.inspect', { connectionId, repository, reference, platform }),
    // A digest never changes; a tag may move.
    staleTime: isDigestReference(reference) ? Infinity : 15_000,
  });
}

export function useJobs() {
  return useQuery({ queryKey: keys.jobs, queryFn: () => call('jobs.list', {}), refetchOnWindowFocus: true });
}

const LONG_JOB_MS = 10_000;

function notifyFinished(job: Job): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (document.hasFocus()) return;
  new Notification(job.state === 'done' ? 'Lading: done' : 'Lading: failed', {
    body: job.state === 'done' ? (job.resultMessage ?? job.title) : (job.error?.message ?? job.title),
  });
}

/**
 * Keeps the jobs list current from events and refreshes what a finished job changed (tags, repositories).
 * `onFinished` gets every job that reaches a final state while the app is open.
 */
export function subscribeJobs(
  queryClient: QueryClient,
  onFinished: (job: Job, long: boolean) => void,
): () => void {
  const api = getApi();
  const offUpdated = api.on('jobs.updated', (job) => {
    const previous = queryClient.getQueryData<Job[]>(keys.jobs)?.find((j) => j.id === job.id);
    queryClient.setQueryData<Job[]>(keys.jobs, (jobs = []) => {
      const i = jobs.findIndex((j) => j.id === job.id);
      if (i < 0) return [...jobs, job];
      const copy = jobs.slice();
      copy[i] = job;
      return copy;
    });
    const final = job.state === 'done' || job.state === 'failed' || job.state === 'cancelled';
    if (final && previous?.state !== job.state) {
      const started = Date.parse(job.startedAt ?? job.createdAt);
      const long = Date.now() - started > LONG_JOB_MS;
      if (job.state === 'done') {
        void queryClient.invalidateQueries({ queryKey: keys.tagsOf(job.connectionId) });
        void queryClient.invalidateQueries({ queryKey: keys.repositories(job.connectionId) });
        void queryClient.invalidateQueries({ queryKey: keys.githubVersionsOf(job.connectionId) });
        // A tag the job wrote is no longer "new" to the next dialog that checks it.
        void queryClient.invalidateQueries({ queryKey: keys.tagChecksOf(job.connectionId) });
        // A pull may have loaded an image into a local engine.
        if (job.kind === 'pull') void queryClient.invalidateQueries({ queryKey: keys.engines });
      }
      if (long) notifyFinished(job);
      onFinished(job, long);
    }
  });
  const offRemoved = api.on('jobs.removed', ({ ids }) => {
    queryClient.setQueryData<Job[]>(keys.jobs, (jobs = []) => jobs.filter((j) => !ids.includes(j.id)));
  });
  return () => {
    offUpdated();
    offRemoved();
  };
}

/** Restores a deleted GitHub package version: its versions and the tag list are asked again. */
export function useRestoreVersion(connectionId: string, packageName: string, onRestored: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (versionId: number) =>
      call('github.restoreVersion', { connectionId, packageName, versionId }),
    onSuccess: () => {
      onRestored();
      void queryClient.invalidateQueries({ queryKey: keys.githubVersionsOf(connectionId) });
      void queryClient.invalidateQueries({ queryKey: keys.tagsOf(connectionId) });
    },
  });
}

/** Which filesystem the Files tab shows: the final one, the one after layer N, or layer N's own changes. */
export type FilesView =
  | { kind: 'final' }
  | { kind: 'upTo'; layer: number }
  | { kind: 'layer'; layer: number };

export function filesViewKey(view: FilesView): string {
  return view.kind === 'final' ? 'final' : `${view.kind}:${view.layer}`;
}

/** `reference` is a tag or an image manifest's digest (a platform's, for an index). */
export function useFilesList(connectionId: string, repository: string, reference: string, view: FilesView) {
  return useQuery({
    queryKey: keys.files(connectionId, repository, reference, filesViewKey(view)),
    queryFn: () =>
      call('files.list', {
        connectionId,
        repository,
        reference,
        ...(view.kind === 'layer' ? { layer: view.layer } : view.kind === 'upTo' ? { upTo: view.layer } : {}),
      }),
    staleTime: isDigestReference(reference) ? Infinity : 60_000,
  });
}

export function useFilesSummary(connectionId: string, repository: string, reference: string) {
  return useQuery({
    queryKey: keys.filesSummary(connectionId, repository, reference),
    queryFn: () => call('files.summary', { connectionId, repository, reference }),
    staleTime: isDigestReference(reference) ? Infinity : 60_000,
  });
}
