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
