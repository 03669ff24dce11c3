import { describe, expect, it } from 'vitest';
import {
  hasScope,
  missingScopeFromMessage,
  parseScopes,
  toGitHubError,
} from '../../electron/core/github/api';
import { missingScopes, requireScopes, scopesFor } from '../../electron/core/github/scopes';
import { LadingError } from '../../electron/core/registry/errors';

function httpError(status: number, message: string, headers: Record<string, string> = {}) {
  return {
    name: 'HttpError',
    status,
    message,
    response: { status, headers, data: { message, documentation_url: 'https://docs.github.com' } },
  };
}

function mapped(e: unknown): LadingError {
  const out = toGitHubError(e, {
    action: 'list the packages of acme',
    scope: 'read:packages',
    notFound: 'acme was not found',
  });
  expect(out).toBeInstanceOf(LadingError);
  return out as LadingError;
}

describe('GitHub API errors', () => {
  it('401 is unauthorized and never echoes the token', () => {
    const e = mapped(httpError(401, 'Bad credentials'));
    expect(e.code).toBe('unauthorized');
    expect(e.hint).toMatch(/classic personal access token/);
  });

  it('403 "You need at least … scope" names the scope', () => {
    const e = mapped(httpError(403, 'You need at least delete:packages scope to delete a package version.'));
    expect(e.code).toBe('denied');
    expect(e.message).toContain('delete:packages');
    expect(e.patScope).toBe('delete:packages');
    expect(e.hint).toContain('read:packages and delete:packages');
  });

  it('403 without a message still names the scope from X-OAuth-Scopes', () => {
    const e = mapped(httpError(403, 'Forbidden', { 'x-oauth-scopes': 'repo' }));
    expect(e.patScope).toBe('read:packages');
  });

  it('organizations forbidding classic tokens say so', () => {
    const e = mapped(
      httpError(
        403,
        '`acme` forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.',
      ),
    );
    expect(e.code).toBe('denied');
    expect(e.message).toMatch(/forbids classic personal access tokens/);
    expect(e.hint).toMatch(/allow classic tokens/);
  });

  it('SAML SSO, rate limits, 404, 5xx and network failures', () => {
    expect(
      mapped(
        httpError(403, 'Resource protected by organization SAML enforcement.', {
          'x-github-sso': 'required',
        }),
      ).message,
    ).toMatch(/SAML/);
    const limited = mapped(
      httpError(403, 'API rate limit exceeded', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 120),
      }),
    );
    expect(limited.code).toBe('rate-limited');
    expect(limited.retryAfter).toBeGreaterThan(60);
    expect(mapped(httpError(404, 'Not Found')).code).toBe('name-unknown');
    const server = mapped(httpError(502, 'Bad gateway'));
    expect(server.code).toBe('server-error');
    expect(server.temporary).toBe(true);
    const net = mapped({ name: 'HttpError', status: 500, message: 'connect ECONNREFUSED 127.0.0.1:1' });
    expect(net.code).toBe('unreachable');
  });
});

describe('token scopes', () => {
  it('parses X-OAuth-Scopes and applies write ⇒ read', () => {
    expect(parseScopes('repo, read:packages')).toEqual(['repo', 'read:packages']);
    expect(parseScopes('')).toEqual([]);
    expect(parseScopes(undefined)).toBeUndefined();
    expect(hasScope(['write:packages'], 'read:packages')).toBe(true);
    expect(hasScope(['delete:packages'], 'read:packages')).toBe(false);
    expect(
      missingScopeFromMessage("You need at least read:packages scope to get a package's versions."),
    ).toBe('read:packages');
  });

  it('knows what each action needs, with repo for docker.pkg.github.com', () => {
    expect(scopesFor('browse')).toEqual(['read:packages']);
    expect(scopesFor('delete')).toEqual(['read:packages', 'delete:packages']);
    expect(scopesFor('push', 'github-docker')).toEqual(['read:packages', 'write:packages', 'repo']);
    expect(missingScopes(['write:packages'], scopesFor('delete'))).toEqual(['delete:packages']);
    expect(() => requireScopes(['read:packages'], 'push', 'ghcr')).toThrow(/write:packages/);
    expect(() => requireScopes(undefined, 'push', 'ghcr')).not.toThrow();
  });
});

describe('GitHub API client', () => {
  it('retries a GET on 502/503 and a dropped connection, not a DELETE', async () => {
    const { createGitHubApi } = await import('../../electron/core/github/api');
    const answers: Array<number | 'drop'> = [503, 'drop', 200];
    const seen: string[] = [];
    const fetch = (async (url: string, init?: RequestInit) => {
      seen.push(`${init?.method} ${url}`);
      const next = answers.shift() ?? 204;
      if (next === 'drop') throw new TypeError('fetch failed');
      return new Response(next === 204 ? null : JSON.stringify(next === 200 ? [] : { message: 'busy' }), {
        status: next,
        headers: { 'content-type': 'application/json' },
      });
    }) as unknown as typeof globalThis.fetch;
    const api = createGitHubApi({ apiUrl: 'http://127.0.0.1:9', token: 't', fetch, retryDelayMs: 1 });
    const res = await api.rest.packages.listPackagesForOrganization({
      org: 'acme',
      package_type: 'container',
    });
    expect(res.data).toEqual([]);
    expect(seen).toHaveLength(3);

    answers.push(503);
    await expect(
      api.rest.packages.deletePackageVersionForOrg({
        org: 'acme',
        package_type: 'container',
        package_name: 'a',
        package_version_id: 1,
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(4);
  });
});
