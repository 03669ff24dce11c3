/** The stand-in's schema check itself: it must reject what GitHub would never send. */
import { describe, expect, it } from 'vitest';
import { matchTemplate, validateGitHubResponse } from '../support/github-openapi';

const pkg = {
  id: 1,
  name: 'app',
  package_type: 'container',
  visibility: 'private',
  url: 'https://api.github.com/orgs/acme/packages/container/app',
  html_url: 'https://github.com/orgs/acme/packages/container/package/app',
  version_count: 1,
  created_at: '2024-01-01T00:00:00Z',
  updated_at: '2024-01-01T00:00:00Z',
  owner: null,
  repository: null,
};

describe('GitHub OpenAPI validation', () => {
  it('matches paths with percent-encoded package names to one template', () => {
    expect(matchTemplate('/orgs/acme/packages/container/tools%2Flint/versions')).toBe(
      '/orgs/{org}/packages/{package_type}/{package_name}/versions',
    );
    expect(matchTemplate('/user/packages')).toBe('/user/packages');
  });

  it('accepts a valid package list and rejects bad shapes', () => {
    expect(validateGitHubResponse('GET', '/orgs/acme/packages', 200, [pkg])).toBeUndefined();
    expect(
      validateGitHubResponse('GET', '/orgs/acme/packages', 200, [{ ...pkg, visibility: 'internal' }])?.errors,
    ).toMatch(/allowed values/);
    expect(
      validateGitHubResponse('GET', '/orgs/acme/packages', 200, [{ ...pkg, created_at: 'yesterday' }])
        ?.errors,
    ).toMatch(/date-time/);
    expect(validateGitHubResponse('GET', '/orgs/acme/packages', 200, [{ id: 1 }])?.errors).toMatch(
      /required property 'name'/,
    );
  });

  it('checks versions, errors and bodies the description does not allow', () => {
    const version = {
      id: 5,
      name: `sha256:${'a'.repeat(64)}`,
      url: 'u',
      package_html_url: 'h',
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      metadata: { package_type: 'container', container: { tags: ['1'] } },
    };
    expect(
      validateGitHubResponse('GET', '/orgs/acme/packages/container/app/versions', 200, [version]),
    ).toBeUndefined();
    expect(
      validateGitHubResponse('GET', '/orgs/acme/packages/container/app/versions', 200, [
        { ...version, metadata: { package_type: 'container', container: {} } },
      ]),
    ).toBeDefined();
    expect(
      validateGitHubResponse('GET', '/orgs/acme/packages', 403, {
        message: 'You need at least read:packages scope to list packages.',
      }),
    ).toBeUndefined();
    expect(validateGitHubResponse('GET', '/orgs/acme/packages', 403, { message: 5 })).toBeDefined();
    expect(
      validateGitHubResponse('DELETE', '/orgs/acme/packages/container/app/versions/5', 204, {
        unexpected: true,
      }),
    ).toBeDefined();
  });
});
