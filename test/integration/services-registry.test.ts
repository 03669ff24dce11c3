/**
 * The services against a real docker-registry (token auth, like ghcr and Docker Hub): what the renderer does
 * through `window.lading`, called through `dispatch` exactly as the IPC and bridge transports call it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, dispatch } from '../../electron/app/services';
import { createRegistryClient, registryPortFor } from '../../electron/app/services/dependencies';
import { EncryptedFileSecretStore } from '../../electron/core/connections/secret-store';
import { buildImage, buildMultiPlatform, pushImage, seedTags, skopeoInspect } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';

let registry: TestRegistry;
let sandbox: TestServices;
let connectionId: string;
const { call, ok } = callers(() => sandbox.services);

const LONG = 'x'.repeat(600);

beforeAll(async () => {
  registry = await startRegistry({ mode: 'token' });
  sandbox = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-services-', encryptedSecrets: true });
  const app = await buildImage({
    layers: [{ 'app/a.txt': 'a\n' }, { 'app/b.txt': 'b\n' }],
    labels: {
      'org.opencontainers.image.title': 'App',
      'org.opencontainers.image.description': LONG,
      'org.opencontainers.image.source': 'http://example.com/app',
    },
    created: '2024-03-01T10:00:00Z',
    entrypoint: ['/app/run'],
    env: ['MODE=prod'],
    workdir: '/app',
  });
  await pushImage(registry, app, 'team/app:1.0');
  await pushImage(registry, app, 'team/app:stable');
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  await pushImage(registry, multi, 'team/multi:latest', { all: true });
  await seedTags(
    registry,
    'team/many',
    Array.from({ length: 30 }, (_, i) => `v${i}`),
  );
});

afterAll(async () => {
  await sandbox?.dispose();
  await registry?.stop();
});

describe('services against a real registry', () => {
  it('verifies a draft: wrong password is reported, right one passes', async () => {
    const base = { name: 'Test', kind: 'generic' as const, registry: registry.host, insecure: true };
    const bad = await ok('connections.verify', {
      draft: { ...base, username: registry.user!.username, secret: 'wrong-password' },
    });
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((c) => c.name === 'Authenticate')).toMatchObject({ ok: false });
    const good = await ok('connections.verify', {
      draft: { ...base, username: registry.user!.username, secret: registry.user!.password },
    });
    expect(good).toMatchObject({ ok: true, authScheme: 'bearer', missingScopes: [] });
    expect(good.summary).toContain(registry.user!.username);
  });

  it('saves a connection and lists repositories from the catalog', async () => {
    const saved = await ok('connections.save', connectionTo(registry, 'Test'));
    connectionId = saved.id;
    expect(saved).toMatchObject({ hasSecret: true, credentialSource: 'saved' });
    expect(await ok('connections.verify', { id: connectionId })).toMatchObject({ ok: true });
    const repos = await ok('registry.repositories', { connectionId });
    expect(repos.source).toBe('catalog');
    expect(repos.repositories.map((r) => r.name).sort()).toEqual(['team/app', 'team/many', 'team/multi']);
  });

  it('lists every tag and their details', async () => {
    const tags = await ok('registry.tags', { connectionId, repository: 'team/many' });
    expect(tags).toHaveLength(30);
    const details = await ok('registry.tagDetails', {
      connectionId,
      repository: 'team/app',
      tags: ['1.0', 'stable', 'gone'],
    });
    expect(details.map((d) => d.tag)).toEqual(['1.0', 'stable']);
    const raw = await skopeoInspect(`docker://${registry.host}/team/app:1.0`, {
      raw: true,
      creds: registry.user,
    });
    const expectedSize =
      raw.config.size + raw.layers.reduce((n: number, l: { size: number }) => n + l.size, 0);
    expect(details[0]).toMatchObject({
      isIndex: false,
      platforms: ['linux/amd64'],
      size: expectedSize,
      created: '2024-03-01T10:00:00Z',
    });
    expect(details[0]!.digest).toBe(details[1]!.digest);

    const [multi] = await ok('registry.tagDetails', {
      connectionId,
      repository: 'team/multi',
      tags: ['latest'],
    });
    expect(multi).toMatchObject({ isIndex: true, platforms: ['linux/amd64', 'linux/arm64/v8'] });
    expect(multi!.size).toBeGreaterThan(0);
    expect(multi!.created).toBeDefined();
  });

  it('inspects an image like skopeo, with label warnings', async () => {
    const inspected = await ok('registry.inspect', {
      connectionId,
      repository: 'team/app',
      reference: '1.0',
    });
    const sk = await skopeoInspect(`docker://${registry.host}/team/app:1.0`, { creds: registry.user });
    expect(inspected.digest).toBe(sk.Digest);
    expect(inspected.layers!.map((l) => l.digest)).toEqual(sk.Layers);
    expect(inspected.labels).toEqual(sk.Labels);
    expect(inspected.layers![0]!.createdBy).toBe('lading-test layer 0');
    expect(inspected).toMatchObject({
      entrypoint: ['/app/run'],
      workingDir: '/app',
      os: 'linux',
      architecture: 'amd64',
    });
    expect(inspected.env).toContain('MODE=prod');
    expect(JSON.parse(inspected.rawManifest).layers).toHaveLength(2);
    expect(JSON.parse(inspected.rawConfig!).config.Entrypoint).toEqual(['/app/run']);
    const keys = inspected.warnings.map((w) => w.key);
    expect(keys).toContain('org.opencontainers.image.description');
    expect(keys).toContain('org.opencontainers.image.source');
  });

  it('inspects an index and one of its platforms', async () => {
    const index = await ok('registry.inspect', {
      connectionId,
      repository: 'team/multi',
      reference: 'latest',
    });
    expect(index.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(index.manifests).toHaveLength(2);
    expect(index.warnings.map((w) => w.message).join()).toMatch(/no description annotation/);
    const arm = await ok('registry.inspect', {
      connectionId,
      repository: 'team/multi',
      reference: 'latest',
      platform: 'linux/arm64',
    });
    expect(arm).toMatchObject({ architecture: 'arm64', index: { digest: index.digest } });
    expect(arm.digest).toBe(index.manifests![1]!.digest);
  });

  it('tags and deletes through jobs; a deleted tag leaves its sibling', async () => {
    const { jobId: tagJob } = await ok('jobs.tag', {
      connectionId,
      source: { repository: 'team/app', reference: '1.0' },
      target: { repository: 'team/copy', tag: 'copied' },
    });
    const tagged = await sandbox.services.context.jobs.wait(tagJob);
    expect(tagged).toMatchObject({ state: 'done', kind: 'tag' });
    expect(await ok('registry.tags', { connectionId, repository: 'team/copy' })).toEqual(['copied']);

    const { jobId: delJob } = await ok('jobs.delete', {
      connectionId,
      repository: 'team/app',
      tags: ['stable'],
      digests: [],
    });
    const deleted = await sandbox.services.context.jobs.wait(delJob);
    expect(deleted).toMatchObject({ state: 'done' });
    expect(await ok('registry.tags', { connectionId, repository: 'team/app' })).toEqual(['1.0']);

    const jobs = await ok('jobs.list', {});
    expect(jobs.map((j) => j.id)).toEqual(expect.arrayContaining([tagJob, delJob]));
    await ok('jobs.clear', {});
    expect(await ok('jobs.list', {})).toEqual([]);
  });

  it('caches manifests and configs by digest: reopening a tag list only HEADs', async () => {
    const counts = { head: 0, get: 0, config: 0 };
    const counted = await createServices({
      dataDir: sandbox.dir,
      secretStore: new EncryptedFileSecretStore(sandbox.dir),
      mode: 'bridge',
      tempDir: sandbox.dir,
      dependencies: {
        registryFor: (access) => {
          const port = registryPortFor(createRegistryClient(access));
          return {
            ...port,
            headManifest: (...a) => {
              counts.head++;
              return port.headManifest(...a);
            },
            getManifest: (...a) => {
              counts.get++;
              return port.getManifest(...a);
            },
            getConfig: (...a) => {
              counts.config++;
              return port.getConfig(...a);
            },
          };
        },
      },
    });
    try {
      const tags = Array.from({ length: 30 }, (_, i) => `v${i}`);
      const first = await dispatch(counted.handlers, 'registry.tagDetails', {
        connectionId,
        repository: 'team/many',
        tags,
      });
      expect(first.ok && first.value).toHaveLength(30);
      // 30 tags on one digest: the manifest and the config are fetched once, even in parallel.
      expect(counts.head).toBe(30);
      expect(counts.get).toBe(1);
      expect(counts.config).toBe(1);
      const before = { ...counts };
      await dispatch(counted.handlers, 'registry.tagDetails', {
        connectionId,
        repository: 'team/many',
        tags,
      });
      expect(counts.get).toBe(before.get);
      expect(counts.config).toBe(before.config);
    } finally {
      await counted.dispose();
    }
  });

  it('reports a missing repository as a typed error', async () => {
    const result = await call('registry.tags', {
      connectionId,
      repository: 'team/nope',
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'name-unknown' } });
  });

  it('falls back to manual repository entry when the catalog is refused', async () => {
    const reader = await ok('connections.save', connectionTo(registry, 'Reader', registry.reader));
    const repos = await ok('registry.repositories', { connectionId: reader.id });
    // The reader may pull but not list the catalog: a manual listing with a note, not an error.
    expect(repos).toMatchObject({ source: 'manual', repositories: [] });
    expect(repos.note).toMatch(/may not list the catalog.*Type a repository name/);
    expect(await ok('registry.tags', { connectionId: reader.id, repository: 'team/app' })).toContain('1.0');
    // Wrong credentials are an error, not a missing catalog.
    const wrong = await ok('connections.save', {
      name: 'Wrong',
      kind: 'generic',
      registry: registry.host,
      insecure: true,
      username: registry.user!.username,
      secret: 'not-the-password',
    });
    const failed = await call('registry.repositories', {
      connectionId: wrong.id,
    });
    expect(failed).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });
});
