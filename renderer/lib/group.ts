/** Grouping and filtering of repository names, kept pure for tests and for 10,000 entries. */
import type { RepositorySummary } from '../../shared/types';

export type RepoRow =
  | { type: 'group'; namespace: string; count: number }
  | { type: 'repo'; repo: RepositorySummary; namespace: string };

export function namespaceOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i);
}

/** Case-insensitive substring match on every space-separated word. */
export function matchesFilter(text: string, filter: string): boolean {
  if (!filter) return true;
  const lower = text.toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .every((word) => lower.includes(word));
}

export type RepoSort = 'name' | 'tags' | 'updated';

/** What a row is sorted by beyond its summary: the tag counts loaded so far (generic registries). */
export type TagCounts = ReadonlyMap<string, number>;

/** The number a repository's "Tags" column shows: GitHub's version count, else a loaded tag count. */
export function tagCountOf(repo: RepositorySummary, counts: TagCounts): number | undefined {
  return repo.versionCount ?? counts.get(repo.name);
}

/**
 * The list sorted by tag count (most first) or last push (newest first), flat: namespace headers belong
 * to the alphabetical list. Repositories whose number is not known yet come after, by name.
 */
export function sortRepositories(
  repos: RepositorySummary[],
  filter: string,
  sort: Exclude<RepoSort, 'name'>,
  counts: TagCounts,
): RepoRow[] {
  const key = (r: RepositorySummary): number | undefined => {
    if (sort === 'tags') return tagCountOf(r, counts);
    const t = r.updatedAt ? Date.parse(r.updatedAt) : Number.NaN;
    return Number.isNaN(t) ? undefined : t;
  };
  return repos
    .filter((r) => matchesFilter(r.name, filter))
    .map((repo) => ({ repo, k: key(repo) }))
    .sort((a, b) => {
      if (a.k !== undefined && b.k !== undefined && a.k !== b.k) return b.k - a.k;
      if ((a.k === undefined) !== (b.k === undefined)) return a.k === undefined ? 1 : -1;
      return a.repo.name.localeCompare(b.repo.name);
    })
    .map(({ repo }) => ({ type: 'repo', repo, namespace: '' }));
}

/** Rows for the virtual list: a header per namespace (only when there is more than one), then its repos. */
export function groupRepositories(repos: RepositorySummary[], filter: string): RepoRow[] {
  const groups = new Map<string, RepositorySummary[]>();
  for (const repo of repos) {
    if (!matchesFilter(repo.name, filter)) continue;
    const ns = namespaceOf(repo.name);
    let list = groups.get(ns);
    if (!list) {
      list = [];
      groups.set(ns, list);
    }
    list.push(repo);
  }
  const namespaces = [...groups.keys()].sort((a, b) => a.localeCompare(b));
  const rows: RepoRow[] = [];
  const showHeaders = namespaces.length > 1;
  for (const ns of namespaces) {
    const list = groups.get(ns)!.sort((a, b) => a.name.localeCompare(b.name));
    if (showHeaders) rows.push({ type: 'group', namespace: ns, count: list.length });
    for (const repo of list) rows.push({ type: 'repo', repo, namespace: ns });
  }
  return rows;
}
