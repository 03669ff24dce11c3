/**
 * Owners and hosts against the GitHub stand-in alone: organizations, the token's own account (`/user/…`),
 * other users (`/users/…`), owner type discovery, and a GitHub Enterprise Server API base (`/api/v3`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubHandlers } from '../../electron/app/services/github-handlers';
import { listGitHubRepositories } from '../../electron/core/github/index';
import { LadingError } from '../../electron/core/registry/errors';
import type { Connection } from '../../shared/types';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-standin';

let ghes: GitHubStandIn;

/** A registry that cannot be reached (the hosts in these tests do not exist). */
const offline = () => ({
  getManifest: async (): Promise<never> => {
    throw new LadingError('unreachable', 'Could not reach the registry.');
  },
  putManifest: async (): Promise<never> => {
    throw new LadingError('unreachable', 'Could not reach the registry.');
  },
});

function connection(over: Partial<Connection>): Connection {
  return {
    id: 'c',
    name: 'ghes',
    kind: 'ghes',
    registry: 'containers.git.example.test',
    insecure: false,
    hasSecret: true,
    credentialSource: 'saved',
    githubApiUrl: ghes.apiUrl,
    createdAt: '2024-01-01T00:00:00Z',
    ...over,
  };
}

beforeAll(async () => {
  ghes = await startGitHubStandIn({
    pathPrefix: '/api/v3',
    owners: [
      { login: 'platform', type: 'Organization' },
      { login: 'someone', type: 'User' },
    ],
    packages: [
      {
        owner: 'platform',
        name: 'base',
        visibility: 'public',
        versions: [{ digest: `sha256:${'1'.repeat(64)}`, tags: ['1'] }],
      },
      {
        owner: 'octocat',
        name: 'mine',
        visibility: 'private',
        versions: [{ digest: `sha256:${'2'.repeat(64)}`, tags: ['dev'] }],
      },
      { owner: 'someone', name: 'shared', visibility: 'public' },
      { owner: 'someone', name: 'secret', visibility: 'private' },
      {
        owner: 'platform',
        name: 'tool',
        packageType: 'docker',
        repository: 'platform/infra',
        versions: [{ digest: `sha256:${'3'.repeat(64)}`, tags: ['v1'] }],
      },
    ],
  });
});

afterEach(() => {
  expect(ghes.violations).toEqual([]);
});

afterAll(async () => {
  await ghes?.stop();
});

describe('owners', () => {
  it("lists a GHES organization's packages under /api/v3", async () => {
    const result = await listGitHubRepositories(
      connection({ owner: 'platform', ownerType: 'org' }),
      ghes.tokens.admin,
    );
    expect(result.repositories.map((r) => r.name)).toEqual(['platform/base']);
    expect(ghes.requests.at(-1)?.url).toMatch(/^\/api\/v3\/orgs\/platform\/packages\?/);
  });

  it("lists the token's own packages through /user (private ones included)", async () => {
    const before = ghes.requests.length;
    const result = await listGitHubRepositories(
      connection({ owner: 'octocat', ownerType: 'user' }),
      ghes.tokens.admin,
    );
    expect(result.repositories).toEqual([
      expect.objectContaining({ name: 'octocat/mine', visibility: 'private' }),
    ]);
    expect(ghes.requests.slice(before).some((r) => r.url.startsWith('/api/v3/user/packages?'))).toBe(true);
    // No owner on the connection: the token's own account.
    const self = await listGitHubRepositories(connection({}), ghes.tokens.admin);
    expect(self.repositories.map((r) => r.name)).toEqual(['octocat/mine']);
  });

  it("lists another user's visible packages through /users/{username}", async () => {
    const result = await listGitHubRepositories(
      connection({ owner: 'someone', ownerType: 'user' }),
      ghes.tokens.admin,
    );
    expect(result.repositories.map((r) => r.name)).toEqual(['someone/shared']);
  });

  it('asks GitHub whether an owner is an organization or a user when the connection does not say', async () => {
    const h = githubHandlers({
      getConnection: async () => connection({}),
      getSecret: async () => ghes.tokens.admin,
      // containers.git.example.test does not exist: reads fail as they would offline.
      clientFor: () => ({
        getManifest: async () => {
          throw new LadingError('unreachable', 'Could not reach containers.git.example.test.');
        },
        putManifest: async () => {
          throw new LadingError('unreachable', 'Could not reach containers.git.example.test.');
        },
      }),
    });
    const base = await h['github.package']({ connectionId: 'c', packageName: 'platform/base' });
    expect(base.settingsUrl).toBe('https://github.com/orgs/platform/packages/container/base/settings');
    expect(ghes.requests.some((r) => r.url === '/api/v3/users/platform')).toBe(true);
    const shared = await h['github.package']({ connectionId: 'c', packageName: 'someone/shared' });
    expect(shared.settingsUrl).toBe('https://github.com/users/someone/packages/container/shared/settings');
    // The registry host does not resolve: whether anonymous pulls work is unknown, not false.
    expect(shared.anonymousPull).toBeNull();
    const versions = await h['github.versions']({
      connectionId: 'c',
      packageName: 'octocat/mine',
      state: 'active',
    });
    expect(versions).toEqual([expect.objectContaining({ tags: ['dev'], role: 'unknown' })]);
  });

  it('lists legacy docker.pkg.github.com packages as OWNER/REPOSITORY/IMAGE (package_type=docker)', async () => {
    const legacy = connection({
      kind: 'github-docker',
      registry: 'docker.pkg.github.com',
      owner: 'platform',
      ownerType: 'org',
    });
    const result = await listGitHubRepositories(legacy, ghes.tokens.admin);
    expect(result.repositories).toEqual([
      expect.objectContaining({ name: 'platform/infra/tool', linkedRepository: 'platform/infra' }),
    ]);
    expect(ghes.requests.at(-1)?.url).toContain('package_type=docker');
    const h = githubHandlers({
      getConnection: async () => legacy,
      getSecret: async () => ghes.tokens.admin,
      clientFor: offline,
    });
    const versions = await h['github.versions']({
      connectionId: 'c',
      packageName: 'platform/infra/tool',
      state: 'active',
    });
    expect(versions).toEqual([expect.objectContaining({ tags: ['v1'], role: 'unknown' })]);
    const pkg = await h['github.package']({ connectionId: 'c', packageName: 'platform/infra/tool' });
    // docker.pkg.github.com never serves anonymous pulls.
    expect(pkg).toMatchObject({ name: 'tool', anonymousPull: false });
  });
});
