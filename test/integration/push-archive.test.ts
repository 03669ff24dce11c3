import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType } from '../../electron/core/registry/mediatypes';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import type { TransferProgress } from '../../electron/core/transfer/progress';
import { pushArchive } from '../../electron/core/transfer/push';
import {
  type BuiltImage,
  buildMultiPlatform,
  skopeoCopy,
  skopeoInspect,
  writeArchive,
} from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  buildSampleImage,
  clientFor,
  compressFile,
  handlesOn,
  type LayoutImage,
  readLayoutImage,
  tempDir,
  writeDocker25Archive,
  writeTar,
} from './archive-fixtures';

let image: BuiltImage;
let source: LayoutImage;
let dir: string;
let dockerArchive: string;
let ociArchive: string;

beforeAll(async () => {
  dir = await tempDir();
  image = await buildSampleImage('v1');
  source = await readLayoutImage(image);
  dockerArchive = join(dir, 'docker.tar');
  ociArchive = join(dir, 'oci.tar');
  await writeArchive(image, 'docker-archive', dockerArchive, { refName: 'sample/app:v1' });
  await writeArchive(image, 'oci-archive', ociArchive, { refName: 'sample/app:v1' });
});

afterAll(() => closeGzipPool());

/** Checks what skopeo reads back: same config digest and diff_ids, as many layers, the expected types. */
async function expectPushed(
  registry: TestRegistry,
  ref: string,
  opts: { mediaType?: string; layerDigests?: string[] } = {},
) {
  const url = `docker://${registry.host}/${ref}`;
  const raw = await skopeoInspect(url, { raw: true, creds: registry.user });
  const config = await skopeoInspect(url, { config: true, creds: registry.user });
  expect(raw.config.digest).toBe(source.manifest.config.digest);
  expect(config.rootfs.diff_ids).toEqual(source.config.rootfs.diff_ids);
  expect(raw.layers).toHaveLength(source.manifest.layers.length);
  if (opts.mediaType) expect(raw.mediaType).toBe(opts.mediaType);
  if (opts.layerDigests)
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(opts.layerDigests);
  return raw;
}

describe.each(['open', 'basic', 'token'] as const)('push to a %s registry', (mode) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode });
  });
  afterAll(() => registry?.stop());

  it('pushes a docker-archive as a Docker v2 image that skopeo reads and unpacks', async () => {
    const events: TransferProgress[] = [];
    const result = await pushArchive({
      archivePath: dockerArchive,
      target: parseReference(`${registry.host}/sample/app:1.0`),
      client: clientFor(registry),
      onProgress: (p) => events.push(p),
    });
    expect(result.tag).toBe('1.0');
    expect(result.mediaType).toBe(MediaType.dockerManifest);
    const raw = await expectPushed(registry, 'sample/app:1.0', { mediaType: MediaType.dockerManifest });
    expect(raw.layers.every((l: { mediaType: string }) => l.mediaType === MediaType.dockerLayerGzip)).toBe(
      true,
    );
    const last = events.at(-1) as TransferProgress;
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.layers.every((l) => l.state === 'done')).toBe(true);
    // skopeo decompresses every layer and checks it against the diff_ids when writing a docker archive.
    const out = await tempDir();
    await skopeoCopy(`docker://${registry.host}/sample/app:1.0`, `docker-archive:${join(out, 'back.tar')}`, {
      srcCreds: registry.user,
    });
  });

  it('pushes an oci-archive unchanged (same manifest digest as the source)', async () => {
    const result = await pushArchive({
      archivePath: ociArchive,
      target: parseReference(`${registry.host}/sample/oci:1.0`),
      client: clientFor(registry),
    });
    expect(result.digest).toBe(source.manifestDigest);
    await expectPushed(registry, 'sample/oci:1.0', {
      layerDigests: source.manifest.layers.map((l) => l.digest),
    });
  });
});

describe('push: formats and options (open registry)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
  });
  afterAll(() => registry?.stop());
  const target = (ref: string) => parseReference(`${registry.host}/${ref}`);

  it('pushes a Docker 25+ archive (OCI layout with uncompressed layers)', async () => {
    const file = join(dir, 'docker25.tar');
    await writeDocker25Archive(image, file, 'sample/app:v1');
    const result = await pushArchive({
      archivePath: file,
      target: target('d25/app:1'),
      client: clientFor(registry),
    });
    expect(result.mediaType).toBe(MediaType.dockerManifest);
    await expectPushed(registry, 'd25/app:1');
    // The archive's one shared handle is closed when the push ends.
    expect(await handlesOn(file)).toBe(0);
  });

  it('pushes a containerd-store archive, its compressed blobs as they are', async () => {
    const file = join(dir, 'containerd.tar');
    await writeDocker25Archive(image, file, 'sample/app:v1', { containerd: true });
    await pushArchive({ archivePath: file, target: target('ctrd/app:1'), client: clientFor(registry) });
    await expectPushed(registry, 'ctrd/app:1', { layerDigests: source.manifest.layers.map((l) => l.digest) });
  });

  it.each(['gzip', 'zstd'] as const)(
    'pushes a %s-compressed docker archive (streamed once)',
    async (kind) => {
      const copy = join(dir, `docker-${kind}.tar`);
      await writeArchive(image, 'docker-archive', copy, { refName: 'sample/app:v1' });
      const file = await compressFile(copy, kind);
      await pushArchive({ archivePath: file, target: target(`comp/${kind}:1`), client: clientFor(registry) });
      await expectPushed(registry, `comp/${kind}:1`);
    },
  );

  it('pushes a zstd-compressed oci-archive', async () => {
    const copy = join(dir, 'oci-copy.tar');
    await writeArchive(image, 'oci-archive', copy, { refName: 'sample/app:v1' });
    const file = await compressFile(copy, 'zstd');
    const result = await pushArchive({
      archivePath: file,
      target: target('comp/oci:1'),
      client: clientFor(registry),
    });
    expect(result.digest).toBe(source.manifestDigest);
  });

  it.each(['zstd', 'none'] as const)(
    'compresses layers with --compression %s (OCI media types)',
    async (compression) => {
      const result = await pushArchive({
        archivePath: dockerArchive,
        target: target(`compression/${compression}:1`),
        client: clientFor(registry),
        compression,
      });
      const raw = await expectPushed(registry, `compression/${compression}:1`, {
        mediaType: MediaType.ociManifest,
      });
      const want = compression === 'zstd' ? MediaType.ociLayerZstd : MediaType.ociLayer;
      expect(raw.layers.every((l: { mediaType: string }) => l.mediaType === want)).toBe(true);
      if (compression === 'none')
        expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(source.config.rootfs.diff_ids);
      expect(result.warnings).toEqual([]);
    },
  );

  it('skips blobs the registry already has and mounts from another repository', async () => {
    await pushArchive({ archivePath: ociArchive, target: target('reuse/a:1'), client: clientFor(registry) });
    const again = await pushArchive({
      archivePath: ociArchive,
      target: target('reuse/a:2'),
      client: clientFor(registry),
    });
    expect(again.layers.map((l) => l.state)).toEqual(['exists', 'exists']);
    const mounted = await pushArchive({
      archivePath: ociArchive,
      target: target('reuse/b:1'),
      client: clientFor(registry),
    });
    expect(mounted.layers.map((l) => l.state)).toEqual(['mounted', 'mounted']);
  });

  it('pushes a whole multi-platform index, or one platform on request', async () => {
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      tag: 'multi',
    });
    const file = join(dir, 'multi.tar');
    await skopeoCopy(multi.ref, `oci-archive:${file}:multi/app:1`, { all: true });
    const whole = await pushArchive({
      archivePath: file,
      target: target('multi/app:all'),
      client: clientFor(registry),
    });
    expect(whole.mediaType).toBe(MediaType.ociIndex);
    const raw = await skopeoInspect(`docker://${registry.host}/multi/app:all`, { raw: true });
    expect(raw.manifests).toHaveLength(2);
    const one = await pushArchive({
      archivePath: file,
      target: target('multi/app:arm'),
      client: clientFor(registry),
      platform: 'linux/arm64',
    });
    expect(one.mediaType).toBe(MediaType.ociManifest);
    const arm = await skopeoInspect(`docker://${registry.host}/multi/app:arm`, { config: true });
    expect(arm.architecture).toBe('arm64');
  });

  it('picks one image of a multi-image archive with --image, and lists the choices without it', async () => {
    const file = join(dir, 'two.tar');
    const other = await buildSampleImage('v2', 1000);
    const a = await readLayoutImage(image);
    const b = await readLayoutImage(other);
    // A docker save of two images: both configs and layers, one manifest.json listing both.
    const { gunzipSync } = await import('node:zlib');
    const entries = [] as { name: string; content: Buffer | string }[];
    const manifest = [] as unknown[];
    for (const [name, img] of [
      ['sample/one:1', a],
      ['sample/two:1', b],
    ] as const) {
      const cfg = `${img.manifest.config.digest.slice(7)}.json`;
      entries.push({ name: cfg, content: img.configBytes });
      const layers = img.layerBlobs.map((blob, i) => {
        const path = `${name.replace(/[/:]/g, '_')}_${i}/layer.tar`;
        entries.push({ name: path, content: gunzipSync(blob) });
        return path;
      });
      manifest.push({ Config: cfg, RepoTags: [name], Layers: layers });
    }
    entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
    await writeTar(file, entries);
    await expect(
      pushArchive({ archivePath: file, target: target('many/x:1'), client: clientFor(registry) }),
    ).rejects.toThrow(/holds 2 images.*sample\/one:1, sample\/two:1/);
    const r = await pushArchive({
      archivePath: file,
      target: target('many/x:1'),
      client: clientFor(registry),
      image: 'sample/two:1',
    });
    const cfg = await skopeoInspect(`docker://${registry.host}/many/x:1`, { raw: true });
    expect(cfg.config.digest).toBe(b.manifest.config.digest);
    expect(r.tag).toBe('1');
  });
});
