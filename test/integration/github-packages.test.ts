/**
 * GitHub Packages end to end: the GitHub REST stand-in (every response validated against GitHub's OpenAPI
 * description) in front of the real docker-registry behaving like ghcr.io (no catalog, manifest DELETE
 * refused, token auth). Images are built by umoci and pushed by skopeo through the ghcr-like front.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubHandlers } from '../../electron/app/services/github-handlers';
import { checkGitHubToken, deleteOnGitHub, listGitHubRepositories } from '../../electron/core/github/index';
import { RegistryClient } from '../../electron/core/registry/client';
import { LadingError } from '../../electron/core/registry/errors';
import { digestName, manifestReference, repositoryName } from '../../electron/core/registry/names';
import type { Connection } from '../../shared/types';
import { run } from '../support/exec';
import { type GhcrLikeFront, startGhcrLikeFront } from '../support/github-ghcr-like';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-standin';
import { buildImage, buildMultiPlatform, pushImage, skopeoInspect } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

let registry: TestRegistry;
let standIn: GitHubStandIn;
let front: GhcrLikeFront;
let connection: Connection;

function client(): RegistryClient {
  return new RegistryClient({ registry: front.host, insecure: true, credentials: registry.user, retries: 0 });
}

function handlers(token = standIn.tokens.admin) {
  return githubHandlers({
    getConnection: async () => connection,
    getSecret: async () => token,
    clientFor: () => client(),
  });
}

async function registryTags(repository: string): Promise<string[]> {
  return (await client().tags(repositoryName(repository))).sort();
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

beforeAll(async () => {
  registry = await startRegistry({ mode: 'token', anonymousPull: ['acme/public-'] });
  standIn = await startGitHubStandIn({
    owners: [
      { login: 'acme', type: 'Organization' },
      { login: 'strict-corp', type: 'Organization', forbidsClassicTokens: true },
    ],
    registry,
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

  const app = await buildImage({
    layers: [{ 'app.txt': 'app v1\n' }],
    labels: { 'org.opencontainers.image.source': 'https://github.com/acme/app' },
  });
  await pushImage(front.registry, app, 'acme/app:1.0');
  await pushImage(front.registry, app, 'acme/app:latest');
  const tool = await buildImage({ layers: [{ 'tool.txt': 'public tool\n' }] });
  await pushImage(front.registry, tool, 'acme/public-tool:1');
  standIn.setVisibility('acme', 'public-tool', 'public');
  const lint = await buildImage({ layers: [{ 'lint.txt': 'lint\n' }] });
  await pushImage(front.registry, lint, 'acme/tools/lint:2');
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    tag: '1.0',
  });
  await pushImage(front.registry, multi, 'acme/multi:1.0', { all: true });
  // A linked repository, as GitHub sets from org.opencontainers.image.source on a package's creation.
  const pkg = standIn.findPackage('acme', 'app');
  if (pkg) pkg.repository = 'acme/app';
});

afterEach(() => {
  // Every response the stand-in sent fits GitHub's OpenAPI description.
  expect(standIn.violations).toEqual([]);
});

afterAll(async () => {
  await front?.stop();
  await standIn?.stop();
  await registry?.stop();
});

describe('the ghcr-like front', () => {
  it('has no catalog and refuses manifest DELETE like ghcr.io', async () => {
    const err = await caught(client().catalog());
    expect(err.status).toBe(404);
    const digest = (await client().headManifest(repositoryName('acme/app'), manifestReference('1.0')))
      ?.digest as string;
    const del = await caught(client().deleteManifest(repositoryName('acme/app'), digestName(digest)));
    expect(del.status).toBe(405);
    expect(del.code).toBe('unsupported');
  });
});

describe('packages and versions', () => {
  it("lists an organization's packages with visibility, repository link and version count", async () => {
    const result = await listGitHubRepositories(connection, standIn.tokens.admin);
    expect(result.source).toBe('github');
    const byName = Object.fromEntries(result.repositories.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual([
      'acme/app',
      'acme/multi',
      'acme/public-tool',
      'acme/tools/lint',
    ]);
    expect(byName['acme/app']).toMatchObject({
      visibility: 'private',
      versionCount: 1,
      linkedRepository: 'acme/app',
    });
    expect(byName['acme/public-tool']?.visibility).toBe('public');
    expect(byName['acme/multi']?.versionCount).toBe(3);
    expect(byName['acme/app']?.htmlUrl).toBe('https://github.com/orgs/acme/packages/container/package/app');
  });

  it('lists the versions (tags) of a package, names with "/" percent-encoded', async () => {
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/app',
      state: 'active',
    });
    expect(versions).toHaveLength(1);
    expect(versions[0]?.tags.sort()).toEqual(['1.0', 'latest']);
    expect(versions[0]?.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(versions[0]?.role).toBe('image');

    const lint = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/tools/lint',
      state: 'active',
    });
    expect(lint[0]?.tags).toEqual(['2']);
    // The app passes the registry path; a name with a slash is always OWNER/PACKAGE, so `tools/lint` alone
    // names the owner `tools` (a bare name without any slash is a package of the connection's owner).
    const notAcme = await caught(
      handlers()['github.versions']({ connectionId: 'gh', packageName: 'tools/lint', state: 'active' }),
    );
    expect(notAcme.message).toMatch(/tools/);
    expect(
      standIn.requests.some(
        (r) => r.url.includes('/packages/container/tools%2Flint/versions') && r.status === 200,
      ),
    ).toBe(true);
    // GitHub (and the stand-in) answer 404 when the slash is not encoded.
    const raw = await fetch(`${standIn.apiUrl}/orgs/acme/packages/container/tools/lint/versions`, {
      headers: { authorization: `token ${standIn.tokens.admin}` },
    });
    expect(raw.status).toBe(404);
  });

  it('maps untagged platform manifests to their tagged index', async () => {
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/multi',
      state: 'active',
    });
    const index = versions.find((v) => v.tags.includes('1.0'));
    expect(index?.role).toBe('index');
    const children = versions.filter((v) => v.role === 'platform-child');
    expect(children.map((c) => c.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const c of children) expect(c.parents).toEqual([index?.digest]);
  });

  it('shows visibility, the settings link and whether an anonymous pull works', async () => {
    const app = await handlers()['github.package']({ connectionId: 'gh', packageName: 'acme/app' });
    expect(app).toMatchObject({
      name: 'app',
      visibility: 'private',
      linkedRepository: 'acme/app',
      settingsUrl: 'https://github.com/orgs/acme/packages/container/app/settings',
      anonymousPull: false,
    });
    const tool = await handlers()['github.package']({ connectionId: 'gh', packageName: 'acme/public-tool' });
    expect(tool).toMatchObject({ visibility: 'public', anonymousPull: true });
    const lint = await handlers()['github.package']({ connectionId: 'gh', packageName: 'acme/tools/lint' });
    expect(lint.settingsUrl).toBe('https://github.com/orgs/acme/packages/container/tools%2Flint/settings');
  });
});

describe('deleting and restoring', () => {
  it('refuses to delete a platform child of a tagged index, naming the tag', async () => {
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/multi',
      state: 'active',
    });
    const child = versions.find((v) => v.role === 'platform-child');
    const err = await caught(
      handlers()['github.deleteVersion']({
        connectionId: 'gh',
        packageName: 'acme/multi',
        versionId: child?.id as number,
      }),
    );
    expect(err.code).toBe('conflict');
    expect(err.message).toContain('1.0');
    expect(err.message).toMatch(/linux\/(amd64|arm64)/);
    // Nothing was deleted: the index still pulls every platform.
    await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${registry.user?.username}:${registry.user?.password}`,
      `docker://${front.host}/acme/multi:1.0`,
    ]);
  });

  it('deletes a tag while its sibling tag survives (and still pulls)', async () => {
    const before = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/app',
      state: 'active',
    });
    const original = before[0]?.digest;
    const result = await deleteOnGitHub({
      connection,
      token: standIn.tokens.admin,
      client: client(),
      repository: 'acme/app',
      tags: ['latest'],
    });
    expect(result.removedTags).toEqual(['latest']);
    expect(await registryTags('acme/app')).toEqual(['1.0']);
    const after = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/app',
      state: 'active',
    });
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ digest: original, tags: ['1.0'] });
    // The sibling pulls (skopeo copies every blob).
    const out = `oci:${registry.storageDir}/../pulled:app`;
    await run('skopeo', [
      'copy',
      '--insecure-policy',
      '--src-tls-verify=false',
      '--src-creds',
      `${registry.user?.username}:${registry.user?.password}`,
      `docker://${front.host}/acme/app:1.0`,
      out,
    ]);
    const inspected = await skopeoInspect(`docker://${front.host}/acme/app:1.0`, { creds: registry.user });
    expect(inspected.Digest).toBe(original);
    // The throwaway version that carried the tag is in the deleted list.
    const deleted = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/app',
      state: 'deleted',
    });
    expect(deleted.map((v) => v.digest)).not.toContain(original);
    expect(deleted).toHaveLength(1);
  });

  it('deletes a version through the API and restores it (the registry follows)', async () => {
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/tools/lint',
      state: 'active',
    });
    const id = versions[0]?.id as number;
    const removed = await handlers()['github.deleteVersion']({
      connectionId: 'gh',
      packageName: 'acme/tools/lint',
      versionId: id,
    });
    expect(removed.removedTags).toEqual(['2']);
    expect(
      await client().headManifest(repositoryName('acme/tools/lint'), manifestReference('2')),
    ).toBeUndefined();
    const deleted = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/tools/lint',
      state: 'deleted',
    });
    expect(deleted.map((v) => v.id)).toContain(id);
    expect(deleted[0]?.deletedAt).toBeTruthy();

    await handlers()['github.restoreVersion']({
      connectionId: 'gh',
      packageName: 'acme/tools/lint',
      versionId: id,
    });
    expect(
      (await client().headManifest(repositoryName('acme/tools/lint'), manifestReference('2')))?.digest,
    ).toBe(versions[0]?.digest);
    const active = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/tools/lint',
      state: 'active',
    });
    expect(active[0]).toMatchObject({ id, tags: ['2'] });
  });

  it('deletes a digest through the API and reports its tags', async () => {
    const tool = await buildImage({ layers: [{ 'x.txt': 'digest delete\n' }] });
    await pushImage(front.registry, tool, 'acme/scratch:a');
    await pushImage(front.registry, tool, 'acme/scratch:b');
    const digest = (await client().headManifest(repositoryName('acme/scratch'), manifestReference('a')))
      ?.digest as string;
    const result = await deleteOnGitHub({
      connection,
      token: standIn.tokens.admin,
      client: client(),
      repository: 'acme/scratch',
      digests: [digest],
    });
    expect(result.removedTags.sort()).toEqual(['a', 'b']);
    expect(
      await client().headManifest(repositoryName('acme/scratch'), manifestReference('a')),
    ).toBeUndefined();
  });
});

describe('Docker schema 2 images and registry sync', () => {
  it('deletes one tag of a Docker v2 schema 2 image while its sibling survives', async () => {
    const img = await buildImage({ layers: [{ 'v2.txt': 'docker schema 2\n' }] });
    await pushImage(front.registry, img, 'acme/legacy-format:a', { format: 'v2s2' });
    await pushImage(front.registry, img, 'acme/legacy-format:b', { format: 'v2s2' });
    const digest = (await client().headManifest(repositoryName('acme/legacy-format'), manifestReference('b')))
      ?.digest;
    const result = await deleteOnGitHub({
      connection,
      token: standIn.tokens.admin,
      client: client(),
      repository: 'acme/legacy-format',
      tags: ['a'],
    });
    expect(result.removedTags).toEqual(['a']);
    expect(await registryTags('acme/legacy-format')).toEqual(['b']);
    expect(
      (await client().headManifest(repositoryName('acme/legacy-format'), manifestReference('b')))?.digest,
    ).toBe(digest);
  });

  it('deletes one tag of a Docker manifest list while its sibling (and the platforms) survive', async () => {
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      tag: 'x',
    });
    await pushImage(front.registry, multi, 'acme/list:x', { all: true, format: 'v2s2' });
    await pushImage(front.registry, multi, 'acme/list:y', { all: true, format: 'v2s2' });
    const head = await client().headManifest(repositoryName('acme/list'), manifestReference('y'));
    expect(head?.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    await deleteOnGitHub({
      connection,
      token: standIn.tokens.admin,
      client: client(),
      repository: 'acme/list',
      tags: ['x'],
    });
    expect(await registryTags('acme/list')).toEqual(['y']);
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/list',
      state: 'active',
    });
    expect(versions.map((v) => v.role).sort()).toEqual(['index', 'platform-child', 'platform-child']);
    await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${registry.user?.username}:${registry.user?.password}`,
      `docker://${front.host}/acme/list:y`,
    ]);
  });

  it('syncs versions from images pushed straight to the registry', async () => {
    const img = await buildImage({ layers: [{ 'direct.txt': 'pushed around the front\n' }] });
    await pushImage(registry, img, 'acme/direct:9');
    expect(standIn.findPackage('acme', 'direct')).toBeUndefined();
    await standIn.syncFromRegistry();
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/direct',
      state: 'active',
    });
    expect(versions).toEqual([expect.objectContaining({ tags: ['9'], role: 'image' })]);
    // Syncing again changes nothing.
    await standIn.syncFromRegistry();
    expect(standIn.findPackage('acme', 'direct')?.versions).toHaveLength(1);
  });
});

describe('token scopes and GitHub refusals', () => {
  it('reads X-OAuth-Scopes and names what is missing', async () => {
    const admin = await checkGitHubToken(standIn.apiUrl, standIn.tokens.admin);
    expect(admin).toMatchObject({ login: 'octocat', missing: [], scopesReported: true });
    const reader = await checkGitHubToken(standIn.apiUrl, standIn.tokens.reader);
    expect(reader.missing).toEqual(['write:packages', 'delete:packages']);
    expect(reader.message).toContain('delete:packages');
    const legacy = await checkGitHubToken(standIn.apiUrl, standIn.tokens.reader, { kind: 'github-docker' });
    expect(legacy.missing).toContain('repo');
    const fine = await checkGitHubToken(standIn.apiUrl, standIn.tokens.fineGrained);
    expect(fine.scopesReported).toBe(false);
    expect(fine.message).toMatch(/classic/);
  });

  it('a token without delete:packages cannot delete, and the message names the scope', async () => {
    const versions = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/public-tool',
      state: 'active',
    });
    const err = await caught(
      handlers(standIn.tokens.reader)['github.deleteVersion']({
        connectionId: 'gh',
        packageName: 'acme/public-tool',
        versionId: versions[0]?.id as number,
      }),
    );
    expect(err.code).toBe('denied');
    expect(err.message).toContain('delete:packages');
    expect(err.patScope).toBe('delete:packages');
  });

  it('a token without read:packages cannot list, and a bad token is unauthorized', async () => {
    const denied = await caught(listGitHubRepositories(connection, standIn.tokens.noPackages));
    expect(denied.code).toBe('denied');
    expect(denied.message).toContain('read:packages');
    const bad = await caught(listGitHubRepositories(connection, 'ghp_not-a-real-token'));
    expect(bad.code).toBe('unauthorized');
  });

  it('says so when an organization forbids classic tokens', async () => {
    const err = await caught(
      listGitHubRepositories({ ...connection, owner: 'strict-corp' }, standIn.tokens.admin),
    );
    expect(err.code).toBe('denied');
    expect(err.message).toMatch(/forbids classic personal access tokens/);
  });

  it('a package that does not exist is name-unknown', async () => {
    const err = await caught(handlers()['github.package']({ connectionId: 'gh', packageName: 'acme/nope' }));
    expect(err.code).toBe('name-unknown');
  });
});

describe('pagination', () => {
  it('follows Link headers through every page, and GitHub refuses per_page*page > 10000', async () => {
    const versions = Array.from({ length: 250 }, (_, i) => ({
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      tags: [`v${i}`],
    }));
    standIn.addPackage({ owner: 'acme', name: 'many', visibility: 'public', versions });
    for (let i = 0; i < 120; i++)
      standIn.addPackage({ owner: 'acme', name: `bulk-${i}`, visibility: 'private' });
    const before = standIn.requests.length;
    const listed = await handlers()['github.versions']({
      connectionId: 'gh',
      packageName: 'acme/many',
      state: 'active',
    });
    expect(listed).toHaveLength(250);
    const pages = standIn.requests
      .slice(before)
      .filter((r) => r.url.includes('/packages/container/many/versions'));
    expect(pages).toHaveLength(3);
    // The package list a page (of 100) at a time, as the app shows it: the cursor leads through every page.
    const first = await listGitHubRepositories(connection, standIn.tokens.admin);
    expect(first.repositories).toHaveLength(100);
    expect(first.next).toBe('page:2');
    expect(first.note).toMatch(/packages of acme, from the GitHub API/);
    const names = first.repositories.map((r) => r.name);
    let pagesRead = 1;
    for (let cursor = first.next; cursor; pagesRead++) {
      const page = await listGitHubRepositories(connection, standIn.tokens.admin, { cursor });
      expect(page.note).toBeUndefined();
      names.push(...page.repositories.map((r) => r.name));
      cursor = page.next;
    }
    const acmeContainers = standIn.packages.filter(
      (p) => p.owner === 'acme' && p.packageType === 'container',
    );
    expect(acmeContainers.length).toBeGreaterThan(120);
    expect(new Set(names).size).toBe(acmeContainers.length);
    expect(pagesRead).toBe(Math.ceil(acmeContainers.length / 100));
    for (const forged of ['page:0', 'page:abc', '/orgs/other/packages', 'page:1?x=1']) {
      const bad = await caught(listGitHubRepositories(connection, standIn.tokens.admin, { cursor: forged }));
      expect(bad.code).toBe('invalid-input');
    }

    const tooFar = await fetch(
      `${standIn.apiUrl}/orgs/acme/packages?package_type=container&per_page=100&page=101`,
      {
        headers: { authorization: `token ${standIn.tokens.admin}` },
      },
    );
    expect(tooFar.status).toBe(400);
  });
});
