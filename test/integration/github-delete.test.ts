/**
 * GitHub deletes that must not lose data (issue #11): the token's scopes are checked before anything
 * changes, a tag delete that fails after its tag was moved onto a placeholder puts the tag back and removes
 * the placeholder where it can, and a version whose role cannot be read is not deleted. Real docker-registry
 * behind the ghcr-like front, the GitHub stand-in (validated against GitHub's OpenAPI description).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubHandlers } from '../../electron/app/services/github-handlers';
import { deleteOnGitHub } from '../../electron/core/github/index';
import { RegistryClient } from '../../electron/core/registry/client';
import { LadingError } from '../../electron/core/registry/errors';
import { manifestReference, repositoryName, tagName } from '../../electron/core/registry/names';
import { tagImage } from '../../electron/core/registry/tagging';
import type { Connection } from '../../shared/types';
import { type GhcrLikeFront, startGhcrLikeFront } from '../support/github-ghcr-like';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-standin';
import { buildImage, buildMultiPlatform, pushImage } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

let registry: TestRegistry;
let standIn: GitHubStandIn;
let front: GhcrLikeFront;
let connection: Connection;
let repoCount = 0;

function client(): RegistryClient {
  return new RegistryClient({ registry: front.host, insecure: true, credentials: registry.user, retries: 0 });
}

async function caught(p: Promise<unknown>): Promise<LadingError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LadingError) return e;
    throw e;
  }
  throw new Error('expected a LadingError');
}

/** A fresh package `acme/<name>` whose one version carries the tags 1.0 and latest. */
async function sharedTags(): Promise<{ repository: string; name: string; digest: string }> {
  const name = `shared-${++repoCount}`;
  const repository = `acme/${name}`;
  await tagImage(
    client(),
    { repository: repositoryName('acme/base'), reference: manifestReference('1.0') },
    { repository: repositoryName(repository), tag: tagName('1.0') },
  );
  const { digest } = await tagImage(
    client(),
    { repository: repositoryName('acme/base'), reference: manifestReference('1.0') },
    { repository: repositoryName(repository), tag: tagName('latest') },
  );
  return { repository, name, digest };
}

function active(name: string) {
  return (standIn.findPackage('acme', name)?.versions ?? []).filter((v) => !v.deletedAt);
}

function writesSince(mark: number) {
  return standIn.requests.slice(mark).filter((r) => r.method !== 'GET');
}

beforeAll(async () => {
  registry = await startRegistry({ mode: 'token' });
  standIn = await startGitHubStandIn({
    owners: [{ login: 'acme', type: 'Organization' }],
    registry,
    tokens: {
      // A fine-grained token (no X-OAuth-Scopes) of a user who is no admin of the packages.
      noAdmin: { login: 'noadmin', scopes: null, denyDelete: true },
    },
  });
  front = await startGhcrLikeFront({ registry, standIn });
  connection = {
    id: 'gh',
    name: 'acme on ghcr',
    kind: 'ghcr',
    registry: front.host,
    insecure: true,
    hasSecret: true,
    credentialSource: 'saved',
    owner: 'acme',
    ownerType: 'org',
    githubApiUrl: standIn.apiUrl,
    createdAt: new Date().toISOString(),
  };
  const base = await buildImage({ layers: [{ 'app.txt': 'delete safety\n' }] });
  await pushImage(front.registry, base, 'acme/base:1.0');
});

afterEach(() => {
  expect(standIn.violations).toEqual([]);
  front.faults.manifestPut = undefined;
  front.faults.garbleManifest = undefined;
  standIn.faults.hideVersion = undefined;
  standIn.faults.failVersionDelete = undefined;
});

afterAll(async () => {
  await front?.stop();
  await standIn?.stop();
  await registry?.stop();
});

describe('a tag delete checks the token before changing anything', () => {
  it('write:packages without delete:packages: refused naming delete:packages; nothing moved', async () => {
    const { repository, name, digest } = await sharedTags();
    const mark = standIn.requests.length;
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.pusher,
        client: client(),
        repository,
        tags: ['latest'],
      }),
    );
    expect(err.code).toBe('denied');
    expect(err.message).toContain('delete:packages');
    expect(err.message).not.toContain('write:packages');
    expect(err.patScope).toBe('delete:packages');
    expect(writesSince(mark)).toEqual([]);
    expect(
      (await client().headManifest(repositoryName(repository), manifestReference('latest')))?.digest,
    ).toBe(digest);
    expect(active(name).map((v) => v.tags.sort())).toEqual([['1.0', 'latest']]);
  });

  it.each([
    ['ghcr', 'container'],
    ['github-docker', 'docker'],
    ['ghes', 'container'],
  ] as const)(
    'read:packages only on a %s host: refused up front naming delete:packages and write:packages',
    async (kind, packageType) => {
      // No registry is reachable here: the refusal must come before any registry call.
      const name = `readonly-${kind}`;
      standIn.addPackage({
        owner: 'acme',
        name,
        packageType,
        versions: [{ digest: `sha256:${'a'.repeat(63)}${kind.length}`, tags: ['1.0', 'latest'] }],
      });
      const registryHost = kind === 'ghes' ? 'containers.ghes.invalid' : '127.0.0.1:1';
      const mark = standIn.requests.length;
      const err = await caught(
        deleteOnGitHub({
          connection: { ...connection, kind, registry: registryHost },
          token: standIn.tokens.reader,
          client: new RegistryClient({ registry: registryHost, insecure: true, retries: 0 }),
          repository: `acme/${name}`,
          tags: ['latest'],
        }),
      );
      expect(err.code).toBe('denied');
      expect(err.message).toContain('delete:packages');
      expect(err.message).toContain('write:packages');
      if (kind === 'github-docker') expect(err.message).toContain('repo');
      expect(`${err.message} ${err.hint}`).not.toMatch(/administrator/);
      expect(writesSince(mark)).toEqual([]);
    },
  );

  it('read:packages only, a tag alone on its version: refused naming delete:packages', async () => {
    const name = `shared-${++repoCount}`;
    await tagImage(
      client(),
      { repository: repositoryName('acme/base'), reference: manifestReference('1.0') },
      { repository: repositoryName(`acme/${name}`), tag: tagName('only') },
    );
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.reader,
        client: client(),
        repository: `acme/${name}`,
        tags: ['only'],
      }),
    );
    expect(err).toMatchObject({ code: 'denied', patScope: 'delete:packages' });
    expect(active(name).map((v) => v.tags)).toEqual([['only']]);
  });
});

describe('a tag delete that fails after the tag moved puts it back', () => {
  it('placeholder PUT refused: the tag stays, no version appears', async () => {
    const { repository, name, digest } = await sharedTags();
    front.faults.manifestPut = (repo) => (repo === repository ? 'refuse' : undefined);
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.admin,
        client: client(),
        repository,
        tags: ['latest'],
      }),
    );
    expect(err.message).toMatch(/tag is back on/);
    expect(
      (await client().headManifest(repositoryName(repository), manifestReference('latest')))?.digest,
    ).toBe(digest);
    expect(active(name)).toEqual([expect.objectContaining({ digest, tags: ['1.0', 'latest'] })]);
  });

  it('placeholder PUT stored but its answer lost: the tag goes back, the placeholder version is removed', async () => {
    const { repository, name, digest } = await sharedTags();
    let first = true;
    // Only the placeholder's PUT loses its answer (the restore's PUT goes through).
    front.faults.manifestPut = (repo) => {
      const fault = repo === repository && first ? 'lose-answer' : undefined;
      first = false;
      return fault;
    };
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.admin,
        client: client(),
        repository,
        tags: ['latest'],
      }),
    );
    expect(err.message).toMatch(/tag is back on/);
    front.faults.manifestPut = undefined;
    expect(
      (await client().headManifest(repositoryName(repository), manifestReference('latest')))?.digest,
    ).toBe(digest);
    expect(active(name)).toEqual([expect.objectContaining({ digest, tags: ['1.0', 'latest'] })]);
    const gone = (standIn.findPackage('acme', name)?.versions ?? []).filter((v) => v.deletedAt);
    expect(gone).toHaveLength(1);
    expect(gone[0]?.digest).not.toBe(digest);
  });

  it('placeholder never listed: the tag goes back, and the hint names the placeholder to remove later', async () => {
    const { repository, name, digest } = await sharedTags();
    standIn.faults.hideVersion = (v) => active(name).includes(v) && v.digest !== digest;
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.admin,
        client: client(),
        repository,
        tags: ['latest'],
        settleTimeoutMs: 300,
      }),
    );
    expect(err.code).toBe('server-error');
    expect(err.message).toMatch(/tag is back on/);
    expect(
      (await client().headManifest(repositoryName(repository), manifestReference('latest')))?.digest,
    ).toBe(digest);
    standIn.faults.hideVersion = undefined;
    const versions = active(name);
    const placeholder = versions.find((v) => v.digest !== digest);
    expect(versions.find((v) => v.digest === digest)?.tags.sort()).toEqual(['1.0', 'latest']);
    expect(placeholder?.tags).toEqual([]);
    expect(err.hint).toContain(`lading gh delete-version acme/${name} ${placeholder?.digest}`);
  });

  it('version DELETE refused after the move (no scopes to check): the tag goes back, the leftover is named', async () => {
    const { repository, name, digest } = await sharedTags();
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.noAdmin,
        client: client(),
        repository,
        tags: ['latest'],
      }),
    );
    expect(err.code).toBe('denied');
    expect(err.message).toMatch(/tag is back on/);
    expect(
      (await client().headManifest(repositoryName(repository), manifestReference('latest')))?.digest,
    ).toBe(digest);
    const versions = active(name);
    expect(versions.find((v) => v.digest === digest)?.tags.sort()).toEqual(['1.0', 'latest']);
    const placeholder = versions.find((v) => v.digest !== digest);
    expect(placeholder?.tags).toEqual([]);
    expect(err.hint).toContain(`lading gh delete-version acme/${name} ${placeholder?.digest}`);
  });

  it('version DELETE failing once after the move: the tag goes back and the placeholder is removed', async () => {
    const { repository, name, digest } = await sharedTags();
    let failures = 0;
    standIn.faults.failVersionDelete = (v) => v.digest !== digest && failures++ === 0;
    const err = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.admin,
        client: client(),
        repository,
        tags: ['latest'],
      }),
    );
    expect(err.code).toBe('server-error');
    expect(
      (await client().headManifest(repositoryName(repository), manifestReference('latest')))?.digest,
    ).toBe(digest);
    expect(active(name)).toEqual([expect.objectContaining({ digest, tags: ['1.0', 'latest'] })]);
  });
});

describe('a version whose role cannot be read is not deleted', () => {
  let multiChild: { id: number; digest: string };
  beforeAll(async () => {
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      tag: '1.0',
    });
    await pushImage(front.registry, multi, 'acme/multi:1.0', { all: true });
    const child = active('multi').find((v) => v.tags.length === 0);
    multiChild = { id: child?.id as number, digest: child?.digest as string };
  });

  function handlers(reader: () => RegistryClient) {
    return githubHandlers({
      getConnection: async () => connection,
      getSecret: async () => standIn.tokens.admin,
      clientFor: () => reader(),
    });
  }

  it('github.deleteVersion: an unreachable registry refuses the untagged platform manifest', async () => {
    const unreachable = () => new RegistryClient({ registry: '127.0.0.1:1', insecure: true, retries: 0 });
    const err = await caught(
      handlers(unreachable)['github.deleteVersion']({
        connectionId: 'gh',
        packageName: 'acme/multi',
        versionId: multiChild.id,
      }),
    );
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/Cannot tell whether untagged version/);
    expect(active('multi').map((v) => v.id)).toContain(multiChild.id);
  });

  it('github.deleteVersion and digest deletes: an index that does not parse refuses too', async () => {
    front.faults.garbleManifest = (repo, ref) => repo === 'acme/multi' && ref !== multiChild.digest;
    const err = await caught(
      handlers(client)['github.deleteVersion']({
        connectionId: 'gh',
        packageName: 'acme/multi',
        versionId: multiChild.id,
      }),
    );
    expect(err.code).toBe('conflict');
    const viaDigest = await caught(
      deleteOnGitHub({
        connection,
        token: standIn.tokens.admin,
        client: client(),
        repository: 'acme/multi',
        digests: [multiChild.digest],
      }),
    );
    expect(viaDigest.code).toBe('conflict');
    expect(active('multi').map((v) => v.id)).toContain(multiChild.id);
  });

  it('github.deleteVersion names delete:packages before reading the registry', async () => {
    const err = await caught(
      githubHandlers({
        getConnection: async () => connection,
        getSecret: async () => standIn.tokens.pusher,
        clientFor: () => client(),
      })['github.deleteVersion']({ connectionId: 'gh', packageName: 'acme/multi', versionId: multiChild.id }),
    );
    expect(err).toMatchObject({ code: 'denied', patScope: 'delete:packages' });
  });
});
