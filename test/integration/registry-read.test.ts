import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { inspectImage } from '../../electron/core/registry/inspect';
import { digestName, manifestReference, repositoryName } from '../../electron/core/registry/names';
import { errorOf, registrySuite } from '../support/clients';
import {
  buildImage,
  buildMultiPlatform,
  pushImage,
  seedRepositories,
  seedTags,
  skopeoInspect,
} from '../support/images';
import { freePort } from '../support/net';

describe('registry client read paths (open registry)', () => {
  const suite = registrySuite({ mode: 'open' });

  it('pings', async () => {
    expect(await suite.client.ping()).toEqual({ scheme: 'none' });
  });

  it('lists every tag and repository past 100 entries across pages', async () => {
    const tags = Array.from({ length: 130 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    await seedTags(suite.registry, 'many/tags', tags);
    const pages: string[][] = [];
    const listed = await suite.client.tags(repositoryName('many/tags'), {
      pageSize: 25,
      onPage: (p) => pages.push(p),
    });
    expect([...listed].sort()).toEqual([...tags].sort());
    expect(new Set(listed).size).toBe(listed.length);

    const repos = Array.from({ length: 105 }, (_, i) => `cat/r${String(i).padStart(3, '0')}`);
    await seedRepositories(suite.registry, repos);
    const catalogPages: string[][] = [];
    const all = await suite.client.catalog({ pageSize: 20, onPage: (p) => catalogPages.push(p) });
    expect(catalogPages.length).toBeGreaterThan(5);
    for (const r of [...repos, 'many/tags']) expect(all).toContain(r);
    expect(new Set(all).size).toBe(all.length);

    // A page at a time with cursors (what the UI does), in pages of 1,000 by default.
    const first = await suite.client.catalogPage({ pageSize: 40 });
    expect(first.repositories).toHaveLength(40);
    expect(first.next).toMatch(/^\/v2\/_catalog\?/);
    const paged = [...first.repositories];
    for (let cursor = first.next; cursor; ) {
      const page = await suite.client.catalogPage({ cursor });
      paged.push(...page.repositories);
      cursor = page.next;
    }
    expect(paged).toEqual(all);
    expect((await suite.client.catalogPage()).repositories).toEqual(all);
    // More than the registry allows per page (distribution caps n at 1,000 with a 400): its own page size then.
    const capped = await suite.client.catalogPage({ pageSize: 5000 });
    expect(capped.repositories.length).toBeGreaterThan(0);
    expect(capped.repositories).toEqual(all.slice(0, capped.repositories.length));
    await expect(suite.client.catalogPage({ cursor: 'http://127.0.0.9:1/v2/_catalog' })).rejects.toThrow(
      /cursor is not a page of this registry/,
    );
  });

  it('inspects an image exactly as skopeo sees it', async () => {
    const image = await buildImage({
      layers: [{ 'a.txt': 'first layer\n' }, { 'b/c.txt': 'second layer\n' }],
      labels: { 'org.opencontainers.image.source': 'https://example.com/x', team: 'core' },
      entrypoint: ['/bin/app'],
      env: ['A=1'],
      workdir: '/work',
    });
    await pushImage(suite.registry, image, 'inspect/app:1.0');
    const ours = await inspectImage(suite.client, repositoryName('inspect/app'), manifestReference('1.0'));
    const ref = `docker://${suite.registry.host}/inspect/app:1.0`;
    const skopeo = await skopeoInspect(ref);
    const raw = await skopeoInspect(ref, { raw: true });
    const config = await skopeoInspect(ref, { config: true });
    expect(ours.digest).toBe(skopeo.Digest);
    expect(ours.layers?.map((l) => l.digest)).toEqual(skopeo.Layers);
    expect(ours.labels).toEqual(skopeo.Labels);
    expect(ours.architecture).toBe(skopeo.Architecture);
    expect(ours.os).toBe(skopeo.Os);
    expect(ours.created).toBe(config.created);
    expect(ours.config?.digest).toBe(raw.config.digest);
    expect(ours.mediaType).toBe(raw.mediaType ?? 'application/vnd.oci.image.manifest.v1+json');
    expect(ours.entrypoint).toEqual(['/bin/app']);
    expect(ours.env).toEqual(config.config.Env);
    expect(ours.workingDir).toBe('/work');
    expect(ours.history).toEqual(config.history);
    expect(ours.totalSize).toBe(
      raw.config.size + raw.layers.reduce((n: number, l: { size: number }) => n + l.size, 0),
    );

    const m = await suite.client.getManifest(repositoryName('inspect/app'), manifestReference('1.0'));
    expect(JSON.parse(m.bytes.toString())).toEqual(raw);
    const byDigest = await suite.client.getManifest(repositoryName('inspect/app'), m.digest);
    expect(byDigest.bytes.equals(m.bytes)).toBe(true);
    expect(await suite.client.headManifest(repositoryName('inspect/app'), manifestReference('1.0'))).toEqual({
      digest: m.digest,
      mediaType: m.mediaType,
      size: m.size,
    });
    const cfg = await suite.client.getConfig(repositoryName('inspect/app'), raw.config);
    expect(cfg.config.config?.Labels).toEqual(skopeo.Labels);
    expect(await suite.client.blobExists(repositoryName('inspect/app'), raw.layers[0].digest)).toBe(true);
    expect(
      await suite.client.blobExists(repositoryName('inspect/app'), digestName(`sha256:${'0'.repeat(64)}`)),
    ).toBe(false);
  });

  it('reads Docker v2 schema 2 images as well as OCI ones', async () => {
    const image = await buildImage({ layers: [{ 'd.txt': 'docker format\n' }], labels: { fmt: 'v2s2' } });
    await pushImage(suite.registry, image, 'inspect/docker:1', { format: 'v2s2' });
    const ours = await inspectImage(suite.client, repositoryName('inspect/docker'), manifestReference('1'));
    const skopeo = await skopeoInspect(`docker://${suite.registry.host}/inspect/docker:1`);
    expect(ours.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(ours.config?.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(ours.digest).toBe(skopeo.Digest);
    expect(ours.labels).toEqual({ fmt: 'v2s2' });
  });

  it('lists the platforms of an index and resolves one with --platform', async () => {
    const image = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      indexAnnotations: { 'org.opencontainers.image.description': 'multi' },
    });
    await pushImage(suite.registry, image, 'multi/app:1', { all: true });
    const index = await inspectImage(suite.client, repositoryName('multi/app'), manifestReference('1'));
    expect(index.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(index.manifests).toHaveLength(2);
    expect(index.annotations?.['org.opencontainers.image.description']).toBe('multi');
    const raw = await skopeoInspect(`docker://${suite.registry.host}/multi/app:1`, { raw: true });

    const arm = await inspectImage(suite.client, repositoryName('multi/app'), manifestReference('1'), {
      platform: 'linux/arm64',
    });
    expect(arm.index?.digest).toBe(index.digest);
    expect(arm.architecture).toBe('arm64');
    const armEntry = raw.manifests.find(
      (m: { platform: { architecture: string } }) => m.platform.architecture === 'arm64',
    );
    expect(arm.digest).toBe(armEntry.digest);
    const skopeoArm = await skopeoInspect(`docker://${suite.registry.host}/multi/app@${armEntry.digest}`);
    expect(arm.layers?.map((l) => l.digest)).toEqual(skopeoArm.Layers);

    const e = await errorOf(
      inspectImage(suite.client, repositoryName('multi/app'), manifestReference('1'), {
        platform: 'linux/s390x',
      }),
    );
    expect(e.code).toBe('invalid-input');
    expect(e.message).toContain('linux/amd64, linux/arm64/v8');
  });

  it('reports unknown repositories and tags specifically', async () => {
    expect((await errorOf(suite.client.tags(repositoryName('does/not-exist')))).code).toBe('name-unknown');
    await seedTags(suite.registry, 'known/repo', ['a']);
    const e = await errorOf(
      suite.client.getManifest(repositoryName('known/repo'), manifestReference('nope')),
    );
    expect(e.code).toBe('manifest-unknown');
    expect(
      await suite.client.headManifest(repositoryName('known/repo'), manifestReference('nope')),
    ).toBeUndefined();
  });

  it('reports an unreachable registry with the host and the cause', async () => {
    const port = await freePort();
    const closed = new RegistryClient({ registry: `127.0.0.1:${port}`, retryBaseMs: 10 });
    const e = await errorOf(closed.tags(repositoryName('a/b')));
    expect(e.code).toBe('unreachable');
    expect(e.message).toBe(`Cannot reach 127.0.0.1:${port}: connection refused.`);
  });
});
