/**
 * The `lading` CLI against a real docker-registry without auth: listings past one page, inspect compared
 * with skopeo, platforms of an index, tag and delete semantics, and the error shapes scripts rely on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  buildMultiPlatform,
  pushImage,
  seedRepositories,
  seedTags,
  skopeoInspect,
} from '../support/images';
import { freePort } from '../support/net';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let registry: TestRegistry;
let cli: CliSandbox;

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  cli = await cliSandbox();
});

afterAll(async () => {
  await registry?.stop();
  await cli?.cleanup();
});

interface InspectJson {
  digest: string;
  mediaType: string;
  manifests?: Array<{ digest: string; platform?: { os: string; architecture: string } }>;
  index?: { digest: string };
  labels?: Record<string, string>;
  layers?: Array<{ digest: string }>;
  os?: string;
  architecture?: string;
}

describe('listings', () => {
  it('catalog returns every repository past the first page', async () => {
    const names = Array.from({ length: 105 }, (_, i) => `many/repo-${String(i).padStart(3, '0')}`);
    await seedRepositories(registry, names);
    const all = await cli.json<string[]>(['catalog', registry.host]);
    expect(all.filter((n) => n.startsWith('many/')).sort()).toEqual(names);
    const paged = await cli.json<string[]>(['catalog', registry.host, '--page-size', '40']);
    expect(paged.sort()).toEqual(all.sort());

    const text = await cli.lading(['catalog', registry.host]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(all.length);
  });

  it('tags returns every tag past the first page', async () => {
    const tags = Array.from({ length: 130 }, (_, i) => `t${i}`);
    await seedTags(registry, 'pages/app', tags);
    const listed = await cli.json<string[]>(['tags', `${registry.host}/pages/app`]);
    expect([...listed].sort()).toEqual([...tags].sort());
  });

  it('reports an unknown repository with exit 4', async () => {
    const r = await cli.lading(['tags', `${registry.host}/does/not-exist`]);
    expect(r.code).toBe(4);
    expectOneLineError(r.stderr);
  });

  it('reports an unreachable registry with exit 5 and one line', async () => {
    const port = await freePort();
    const r = await cli.lading(['tags', `127.0.0.1:${port}/app`]);
    expect(r.code).toBe(5);
    expectOneLineError(r.stderr);
    expect(r.stdout).toBe('');
  });
});

describe('inspect', () => {
  it('matches skopeo inspect: digest, layers and labels', async () => {
    const image = await buildImage({
      layers: [{ 'a.txt': 'first\n' }, { 'b.txt': 'second\n' }],
      labels: { 'org.opencontainers.image.description': 'CLI test image', team: 'lading' },
    });
    await pushImage(registry, image, 'inspect/single:1.0');
    const info = await cli.json<InspectJson>(['inspect', `${registry.host}/inspect/single:1.0`]);
    const skopeo = await skopeoInspect(`docker://${registry.host}/inspect/single:1.0`);
    expect(info.digest).toBe(skopeo.Digest);
    expect(info.layers?.map((l) => l.digest)).toEqual(skopeo.Layers);
    expect(info.labels).toEqual(skopeo.Labels);

    const text = await cli.lading(['inspect', `${registry.host}/inspect/single:1.0`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(skopeo.Digest);
    expect(text.stdout).toContain('team=lading');
    expect(text.stdout).toMatch(/Layers:/);

    const raw = await cli.lading(['inspect', `${registry.host}/inspect/single:1.0`, '--raw']);
    expect(JSON.parse(raw.stdout)).toEqual(
      await skopeoInspect(`docker://${registry.host}/inspect/single:1.0`, { raw: true }),
    );
  });

  it('lists the platforms of an index and picks one with --platform', async () => {
    const image = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      tag: 'multi',
    });
    await pushImage(registry, image, 'inspect/multi:2.0', { all: true });
    const index = await skopeoInspect(`docker://${registry.host}/inspect/multi:2.0`, { raw: true });
    const armDigest = index.manifests.find(
      (m: { platform: { architecture: string } }) => m.platform.architecture === 'arm64',
    ).digest;

    const info = await cli.json<InspectJson>(['inspect', `${registry.host}/inspect/multi:2.0`]);
    expect(info.manifests?.map((m) => m.digest)).toEqual(
      index.manifests.map((m: { digest: string }) => m.digest),
    );

    const arm = await cli.json<InspectJson>([
      'inspect',
      `${registry.host}/inspect/multi:2.0`,
      '--platform',
      'linux/arm64',
    ]);
    expect(arm.digest).toBe(armDigest);
    expect(arm.architecture).toBe('arm64');

    const text = await cli.lading(['inspect', `${registry.host}/inspect/multi:2.0`]);
    expect(text.stdout).toContain('linux/arm64/v8');
    expect(text.stdout).toContain('linux/amd64');
  });
});

describe('tag and delete', () => {
  it('refuses delete without --yes when stdin is not a terminal, and deletes nothing', async () => {
    await seedTags(registry, 'del/refuse', ['keep']);
    const r = await cli.lading(['delete', `${registry.host}/del/refuse:keep`]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr).hint).toContain('--yes');
    expect(await cli.json<string[]>(['tags', `${registry.host}/del/refuse`])).toEqual(['keep']);
  });

  it('deleting a tag keeps the sibling tags of the same image', async () => {
    await seedTags(registry, 'del/tag', ['a', 'b']);
    const r = await cli.lading(['delete', `${registry.host}/del/tag:a`, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await cli.json<string[]>(['tags', `${registry.host}/del/tag`])).toEqual(['b']);
    const again = await cli.lading(['delete', `${registry.host}/del/tag:a`, '--yes']);
    expect(again.code).toBe(4);
    expectOneLineError(again.stderr);
  });

  it('deleting a digest removes every tag on it and lists them', async () => {
    await seedTags(registry, 'del/digest', ['x', 'y']);
    const { Digest } = await skopeoInspect(`docker://${registry.host}/del/digest:x`);
    const result = await cli.json<{ removedTags: string[] }>([
      'delete',
      `${registry.host}/del/digest@${Digest}`,
      '--yes',
    ]);
    expect([...result.removedTags].sort()).toEqual(['x', 'y']);
    const tags = await cli.lading(['tags', `${registry.host}/del/digest`, '--json']);
    // Distribution keeps an empty repository (tags: null → []) or reports it unknown; both mean no tags.
    if (tags.code === 0) expect(JSON.parse(tags.stdout)).toEqual([]);
    else expect(tags.code).toBe(4);
  });

  it('tags within a repository and across repositories of the same registry', async () => {
    await seedTags(registry, 'tag/src', ['1.0']);
    const { Digest } = await skopeoInspect(`docker://${registry.host}/tag/src:1.0`);

    const same = await cli.json<{ digest: string }>(['tag', `${registry.host}/tag/src:1.0`, 'latest']);
    expect(same.digest).toBe(Digest);
    expect((await cli.json<string[]>(['tags', `${registry.host}/tag/src`])).sort()).toEqual([
      '1.0',
      'latest',
    ]);

    const other = await cli.lading(['tag', `${registry.host}/tag/src:1.0`, `${registry.host}/tag/dst:2.0`]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain(`${registry.host}/tag/dst:2.0`);
    expect((await skopeoInspect(`docker://${registry.host}/tag/dst:2.0`)).Digest).toBe(Digest);

    const cross = await cli.lading(['tag', `${registry.host}/tag/src:1.0`, 'ghcr.io/acme/app:1']);
    expect(cross.code).toBe(2);
    expect(expectOneLineError(cross.stderr).message).toContain('Cannot tag across registries');
  });
});
