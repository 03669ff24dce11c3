/**
 * What a classic personal access token may do with GitHub Packages, read from `X-OAuth-Scopes`, so Lading
 * can name a missing scope before the user hits it:
 *   read:packages to browse, write:packages to push, delete:packages to delete (and restore needs write),
 *   plus `repo` for the legacy docker.pkg.github.com registry, whose permissions are repository-scoped.
 */
import type { ConnectionKind } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import {
  createGitHubApi,
  githubMessageOf,
  githubStatusOf,
  hasScope,
  parseScopes,
  toGitHubError,
} from './api';

export type PackageAction = 'browse' | 'push' | 'delete' | 'restore';

/** The classic PAT scopes an action needs on a registry of this kind. */
export function scopesFor(action: PackageAction, kind: ConnectionKind = 'ghcr'): string[] {
  const base: Record<PackageAction, string[]> = {
    browse: ['read:packages'],
    push: ['read:packages', 'write:packages'],
    delete: ['read:packages', 'delete:packages'],
    restore: ['read:packages', 'write:packages'],
  };
  const scopes = [...base[action]];
  if (kind === 'github-docker') scopes.push('repo');
  return scopes;
}

/** The scopes from `needed` that `granted` does not cover. */
export function missingScopes(granted: string[], needed: string[]): string[] {
  return needed.filter((s) => !hasScope(granted, s));
}

export interface TokenCheck {
  /** The token's classic scopes (X-OAuth-Scopes); empty when GitHub reports none. */
  scopes: string[];
  /** False when GitHub sent no X-OAuth-Scopes (fine-grained, GitHub App or Actions tokens). */
  scopesReported: boolean;
  /** Package scopes (for browse, push and delete on this kind of registry) the token lacks. */
  missing: string[];
  login?: string;
  /** One sentence for the user, e.g. "Signed in as octocat; can browse and push, cannot delete (needs delete:packages)." */
  message: string;
}

export interface CheckTokenOptions {
  kind?: ConnectionKind;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/**
 * Asks GitHub who the token belongs to and which scopes it carries (`GET /user`, header X-OAuth-Scopes).
 * Throws a LadingError when the token is rejected (401) or GitHub cannot be reached.
 */
export async function checkGitHubToken(
  apiUrl: string,
  token: string,
  opts: CheckTokenOptions = {},
): Promise<TokenCheck> {
  const kind = opts.kind ?? 'ghcr';
  const all = [
    ...new Set([...scopesFor('browse', kind), ...scopesFor('push', kind), ...scopesFor('delete', kind)]),
  ];
  const api = createGitHubApi({ apiUrl, token, fetch: opts.fetch, signal: opts.signal });
  let login: string | undefined;
  let header: string | undefined;
  try {
    const res = await api.rest.users.getAuthenticated();
    login = res.data.login;
    header = res.headers['x-oauth-scopes'];
  } catch (e) {
    // GitHub Actions' GITHUB_TOKEN and GitHub App tokens cannot read /user ("Resource not accessible by
    // integration"): the token is valid but has no classic scopes to report.
    if (githubStatusOf(e) === 403 && /not accessible by integration/i.test(githubMessageOf(e))) {
      return {
        scopes: [],
        scopesReported: false,
        missing: [],
        message:
          'This is a GitHub App or Actions token: it reports no scopes, so Lading cannot tell in advance what it may do with packages.',
      };
    }
    throw toGitHubError(e, { action: 'check the token' });
  }
  const scopes = parseScopes(header);
  if (scopes === undefined) {
    return {
      scopes: [],
      scopesReported: false,
      missing: all,
      login,
      message: `Signed in as ${login}, but the token reports no classic scopes (a fine-grained token?). GitHub Packages accepts only classic personal access tokens with read:packages / write:packages / delete:packages.`,
    };
  }
  const missing = missingScopes(scopes, all);
  return { scopes, scopesReported: true, missing, login, message: summarize(login, scopes, kind) };
}

function summarize(login: string | undefined, scopes: string[], kind: ConnectionKind): string {
  const can: string[] = [];
  const cannot: string[] = [];
  const actions: Array<[PackageAction, string]> = [
    ['browse', 'browse'],
    ['push', 'push'],
    ['delete', 'delete'],
  ];
  for (const [action, verb] of actions) {
    const lacking = missingScopes(scopes, scopesFor(action, kind));
    if (lacking.length === 0) can.push(verb);
    else cannot.push(`${verb} (needs ${lacking.join(' and ')})`);
  }
  const who = login ? `Signed in as ${login}` : 'Token accepted';
  if (cannot.length === 0) return `${who}; can ${joinWords(can)} packages.`;
  if (can.length === 0) return `${who}; cannot ${joinWords(cannot)} packages.`;
  return `${who}; can ${joinWords(can)}, cannot ${joinWords(cannot)}.`;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Fails early, with the scope named, when a token's known scopes cannot do `action`. Unknown scopes (no
 * header) let the call go ahead: GitHub's own answer is then reported.
 */
export function requireScopes(
  granted: string[] | undefined,
  action: PackageAction,
  kind: ConnectionKind,
): void {
  if (granted === undefined) return;
  const lacking = missingScopes(granted, scopesFor(action, kind));
  if (lacking.length === 0) return;
  throw new LadingError(
    'denied',
    `The token lacks the ${lacking.join(' and ')} scope${lacking.length > 1 ? 's' : ''} needed to ${action} packages.`,
    {
      hint: `Create a classic personal access token with ${scopesFor(action, kind).join(', ')} (github.com → Settings → Developer settings → Personal access tokens (classic)).`,
      patScope: lacking[0],
    },
  );
}

/**
 * The registry kind whose scope rules apply to a session: legacy `docker` packages (docker.pkg.github.com,
 * docker.HOST on GHES) are repository-scoped and also need `repo`.
 */
export function scopeKindFor(connection: { kind: ConnectionKind }, packageType: string): ConnectionKind {
  return packageType === 'docker' ? 'github-docker' : connection.kind;
}

/**
 * Before a delete changes anything: refuses (denied, naming every scope to add) when the token's known
 * scopes cannot do all of `actions`. `purpose` ends the sentence: "to delete the tag old of acme/app".
 * Unknown scopes (no X-OAuth-Scopes: fine-grained, App, Actions tokens) cannot be checked and pass.
 */
export function requireScopesToChange(
  granted: string[] | undefined,
  actions: PackageAction[],
  kind: ConnectionKind,
  purpose: string,
  why = '',
): void {
  if (granted === undefined) return;
  const needed = [...new Set(actions.flatMap((a) => scopesFor(a, kind)))];
  const lacking = missingScopes(granted, needed);
  if (lacking.length === 0) return;
  throw new LadingError(
    'denied',
    `The token lacks the ${joinWords(lacking)} scope${lacking.length > 1 ? 's' : ''} needed ${purpose}${why}; nothing was changed.`,
    {
      hint: `Add ${joinWords(lacking)} to the token, or create a classic personal access token with ${needed.join(', ')} (github.com → Settings → Developer settings → Personal access tokens (classic)).`,
      patScope: lacking[0],
    },
  );
}
