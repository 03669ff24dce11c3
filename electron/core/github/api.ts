/**
 * The GitHub REST client (octokit) and the translation of its failures into LadingErrors that say what
 * GitHub refused and what to do about it: a missing token scope, an organization that forbids classic
 * tokens, SAML SSO, rate limits, a package that does not exist.
 */
import { Octokit } from '@octokit/rest';
import { LadingError } from '../registry/errors';

const API_VERSION = '2022-11-28';
const REQUEST_TIMEOUT_MS = 30_000;
const RETRIES = 2;
const TRANSIENT_STATUS = new Set([502, 503, 504]);

export interface GitHubApiOptions {
  /** REST base, e.g. https://api.github.com or https://HOST/api/v3. */
  apiUrl: string;
  token?: string;
  /** For tests or proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** First retry delay for transient failures (tests shorten it). */
  retryDelayMs?: number;
}

export type GitHubApi = Octokit;

export function createGitHubApi(opts: GitHubApiOptions): GitHubApi {
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const baseFetch = opts.fetch ?? globalThis.fetch;
  // Octokit has no timeout of its own; a hung API server must not hang a listing forever.
  const timedFetch: typeof fetch = (input, init) => {
    const signals = [AbortSignal.timeout(REQUEST_TIMEOUT_MS)];
    if (init?.signal) signals.push(init.signal);
    if (opts.signal) signals.push(opts.signal);
    return baseFetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
  // GETs are safe to repeat: retry GitHub's transient 502/503/504 and dropped connections a few times.
  const retryingFetch: typeof fetch = async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET') return timedFetch(input, init);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await timedFetch(input, init);
        if (attempt > RETRIES || !TRANSIENT_STATUS.has(res.status)) return res;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        const aborted = opts.signal?.aborted || init?.signal?.aborted;
        if (attempt > RETRIES || aborted) throw e;
      }
      await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));
    }
  };
  return new Octokit({
    baseUrl: opts.apiUrl.replace(/\/+$/, ''),
    auth: opts.token,
    userAgent: 'lading',
    headers: { 'x-github-api-version': API_VERSION },
    request: { fetch: retryingFetch },
    // Octokit logs deprecation notices and 404s with console; Lading reports errors itself.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

/** The parts of an octokit RequestError this module reads (kept structural so any thrown value is safe). */
interface RequestErrorLike {
  status?: number;
  message?: string;
  name?: string;
  response?: { status: number; headers: Record<string, string | undefined>; data?: unknown };
}

export function githubMessageOf(e: unknown): string {
  const data = (e as RequestErrorLike)?.response?.data;
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return typeof data === 'string' && data.length < 300 ? data : ((e as RequestErrorLike)?.message ?? '');
}

/** The HTTP status of a GitHub API failure, or undefined when no response came back. */
export function githubStatusOf(e: unknown): number | undefined {
  return (e as RequestErrorLike)?.response?.status;
}

const SCOPE_RE = /You need at least ([\w:]+) scope/i;
const CLASSIC_FORBIDDEN_RE = /forbids access via a personal access tokens? \(classic\)/i;

/** The scope a 403 says is missing ("You need at least read:packages scope to list packages."). */
export function missingScopeFromMessage(message: string): string | undefined {
  return SCOPE_RE.exec(message)?.[1];
}

export interface ErrorContext {
  /** What was being done, for the message: "list the packages of acme". */
  action: string;
  /** The PAT scope this call needs, named when GitHub refuses it. */
  scope?: string;
  /** What a 404 means here: "Package acme/app was not found". */
  notFound?: string;
}

/** Turns an octokit failure into a LadingError (LadingErrors and cancellations pass through unchanged). */
export function toGitHubError(e: unknown, ctx: ErrorContext): unknown {
  if (e instanceof LadingError) return e;
  const err = e as RequestErrorLike;
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') {
    if (err.name === 'TimeoutError') {
      return new LadingError('unreachable', `GitHub did not answer in time while trying to ${ctx.action}.`, {
        hint: 'Check the network and the API URL, then try again.',
        temporary: true,
        cause: e,
      });
    }
    return e;
  }
  const response = err?.response;
  if (!response) {
    const reason = err?.message ?? String(e);
    return new LadingError('unreachable', `Could not reach the GitHub API to ${ctx.action}: ${reason}.`, {
      hint: 'Check the network, and for GitHub Enterprise Server the API URL (https://HOST/api/v3).',
      temporary: true,
      cause: e,
    });
  }
  const status = response.status;
  const headers = response.headers ?? {};
  const message = githubMessageOf(e);
  const quoted = message ? ` GitHub said: "${message.slice(0, 300)}"` : '';

  if (status === 401) {
    return new LadingError('unauthorized', `GitHub rejected the token (401) while trying to ${ctx.action}.`, {
      hint: 'The token is wrong, expired or revoked. Create a classic personal access token with the read:packages scope (and write:packages / delete:packages to push / delete).',
      status,
    });
  }
  if ((status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || status === 429)) {
    const reset = Number(headers['x-ratelimit-reset']);
    const retryAfter =
      Number(headers['retry-after']) ||
      (reset ? Math.max(1, reset - Math.floor(Date.now() / 1000)) : undefined);
    return new LadingError(
      'rate-limited',
      `GitHub's API rate limit was reached while trying to ${ctx.action}.`,
      {
        hint: retryAfter ? `Try again in ${Math.ceil(retryAfter / 60)} minute(s).` : 'Try again later.',
        status,
        temporary: true,
        retryAfter,
      },
    );
  }
  if (status === 403) {
    if (CLASSIC_FORBIDDEN_RE.test(message)) {
      return new LadingError(
        'denied',
        `The organization forbids classic personal access tokens, and GitHub Packages accepts no other kind of token: cannot ${ctx.action}.${quoted}`,
        {
          hint: 'Ask an organization owner to allow classic tokens (Organization settings → Personal access tokens), or manage the package from a GitHub Actions workflow with GITHUB_TOKEN.',
          status,
        },
      );
    }
    if (headers['x-github-sso']) {
      return new LadingError(
        'denied',
        `The organization uses SAML single sign-on and the token is not authorized for it: cannot ${ctx.action}.`,
        {
          hint: 'On GitHub, open Settings → Developer settings → Personal access tokens, choose "Configure SSO" next to the token and authorize the organization.',
          status,
        },
      );
    }
    const missing = missingScopeFromMessage(message) ?? missingFromHeaders(headers, ctx.scope);
    if (missing) {
      return new LadingError('denied', `The token lacks the ${missing} scope needed to ${ctx.action}.`, {
        hint: `Create a classic personal access token with ${scopeListFor(missing)} (github.com → Settings → Developer settings → Personal access tokens (classic)).`,
        status,
        patScope: missing,
      });
    }
    return new LadingError('denied', `GitHub refused to ${ctx.action} (403).${quoted}`, {
      hint: 'Deleting and restoring need admin rights on the package (and, for an organization, on the organization); check your role on the package settings page.',
      status,
    });
  }
  if (status === 404) {
    return new LadingError(
      'name-unknown',
      `${ctx.notFound ?? 'Not found'} (GitHub answered 404 while trying to ${ctx.action}).`,
      {
        hint: 'Check the owner and package name. GitHub also answers 404 when the token cannot see a private package: it needs read:packages and access to the package.',
        status,
      },
    );
  }
  if (status === 400 || status === 422) {
    return new LadingError(
      'invalid-input',
      `GitHub refused the request to ${ctx.action} (${status}).${quoted}`,
      { status },
    );
  }
  if (status >= 500) {
    return new LadingError('server-error', `GitHub failed (${status}) while trying to ${ctx.action}.`, {
      hint: "This is on GitHub's side; try again in a moment (https://www.githubstatus.com).",
      status,
      temporary: true,
    });
  }
  return new LadingError(
    'protocol-error',
    `Unexpected answer ${status} from GitHub while trying to ${ctx.action}.${quoted}`,
    { status },
  );
}

function missingFromHeaders(
  headers: Record<string, string | undefined>,
  needed: string | undefined,
): string | undefined {
  if (!needed) return undefined;
  const granted = parseScopes(headers['x-oauth-scopes']);
  if (granted === undefined) return undefined;
  return hasScope(granted, needed) ? undefined : needed;
}

/** "read:packages" → "read:packages"; "delete:packages" → "read:packages and delete:packages". */
function scopeListFor(missing: string): string {
  if (missing === 'delete:packages' || missing === 'write:packages') return `read:packages and ${missing}`;
  return missing;
}

/** `X-OAuth-Scopes: repo, read:packages` → ['repo', 'read:packages']; undefined when the header is absent. */
export function parseScopes(header: string | undefined | null): string[] | undefined {
  if (header === undefined || header === null) return undefined;
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Whether granted scopes include `needed`, following GitHub's scope hierarchy: write:packages implies
 * read:packages; `repo` is not implied by anything here.
 */
export function hasScope(granted: string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  if (needed === 'read:packages') return granted.includes('write:packages');
  return false;
}

/** Runs an API call and rethrows failures as LadingErrors. */
export async function callGitHub<T>(ctx: ErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toGitHubError(e, ctx);
  }
}
