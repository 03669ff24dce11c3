/**
 * Token scopes (distribution `docs/spec/auth/scope.md`): `resourcetype[(class)]:resourcename:action[,action]`.
 * The resource name may itself contain `host:port/`, so the actions are split off at the LAST colon.
 */
export type RepositoryAction = 'pull' | 'push' | 'delete';

export const CATALOG_SCOPE = 'registry:catalog:*';

export interface Scope {
  resourceType: string;
  resourceClass?: string;
  resourceName: string;
  actions: string[];
}

/** What each client operation needs. Distribution maps GET/HEAD→pull, POST/PUT/PATCH→pull+push, DELETE→delete. */
export const OPERATION_ACTIONS = {
  pull: ['pull'],
  push: ['pull', 'push'],
  delete: ['pull', 'delete'],
  /** untag with the dummy-manifest technique: push a throwaway manifest, then delete it. */
  untag: ['pull', 'push', 'delete'],
} as const satisfies Record<string, readonly RepositoryAction[]>;

export type Operation = keyof typeof OPERATION_ACTIONS;

export function repositoryScope(repository: string, actions: readonly RepositoryAction[]): string {
  return `repository:${repository}:${[...new Set(actions)].join(',')}`;
}

export function operationScope(repository: string, operation: Operation): string {
  return repositoryScope(repository, OPERATION_ACTIONS[operation]);
}

export function parseScope(s: string): Scope | undefined {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const typePart = s.slice(0, first);
  const resourceName = s.slice(first + 1, last);
  const actions = s
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (resourceName === '') return undefined;
  const m = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/i.exec(typePart);
  if (!m) return undefined;
  const scope: Scope = { resourceType: m[1] as string, resourceName, actions };
  if (m[2]) scope.resourceClass = m[2];
  return scope;
}

export function formatScope(scope: Scope): string {
  const type = scope.resourceClass ? `${scope.resourceType}(${scope.resourceClass})` : scope.resourceType;
  return `${type}:${scope.resourceName}:${scope.actions.join(',')}`;
}

/** Space-separated scopes, as in a challenge's `scope` parameter. Unparseable entries are dropped. */
export function parseScopes(s: string | undefined): Scope[] {
  if (!s) return [];
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map(parseScope)
    .filter((x): x is Scope => x !== undefined);
}

/** Union of actions per resource; resources keep the order they first appear in. */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Scope>();
  const passthrough: string[] = [];
  for (const raw of scopes) {
    const parsed = parseScope(raw);
    if (!parsed) {
      if (!passthrough.includes(raw)) passthrough.push(raw);
      continue;
    }
    const key = `${parsed.resourceType}(${parsed.resourceClass ?? ''}):${parsed.resourceName}`;
    const existing = byResource.get(key);
    if (existing) {
      for (const a of parsed.actions) if (!existing.actions.includes(a)) existing.actions.push(a);
    } else {
      byResource.set(key, { ...parsed, actions: [...new Set(parsed.actions)] });
    }
  }
  return [...[...byResource.values()].map(formatScope), ...passthrough];
}

/** True when every action of `wanted` is covered by `have` (same resource). */
export function scopeCovers(have: readonly string[], wanted: string): boolean {
  const w = parseScope(wanted);
  if (!w) return have.includes(wanted);
  const merged = mergeScopes(have).map(parseScope);
  const match = merged.find(
    (s) =>
      s !== undefined &&
      s.resourceType === w.resourceType &&
      s.resourceName === w.resourceName &&
      (s.resourceClass ?? '') === (w.resourceClass ?? ''),
  );
  return !!match && w.actions.every((a) => match.actions.includes(a) || match.actions.includes('*'));
}

/**
 * Adds the scopes a challenge asked for, putting the missing ones FIRST (go-containerregistry does this
 * because some registries only honour the first scope), then merges.
 */
export function withChallengeScopes(current: readonly string[], challenged: readonly string[]): string[] {
  const missing = challenged.filter((c) => !scopeCovers(current, c));
  return mergeScopes([...missing, ...current]);
}

/** Stable key for a token cache: the sorted, merged scope set. */
export function scopeKey(scopes: readonly string[]): string {
  return mergeScopes(scopes)
    .map((s) => {
      const p = parseScope(s);
      return p ? formatScope({ ...p, actions: [...p.actions].sort() }) : s;
    })
    .sort()
    .join(' ');
}
