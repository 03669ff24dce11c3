import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadingError } from '../../electron/core/registry/errors';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { pullImage } from '../../electron/core/transfer/pull';
import { pushArchive } from '../../electron/core/transfer/push';
import { startFaultProxy } from '../support/fault-proxy';
import { type BuiltImage, buildMultiPlatform, pushImage, skopeoCopy, skopeoInspect } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  buildSampleImage,
  clientFor,
  type LayoutImage,
  listDir,
  readLayoutImage,
  tempDir,
} from './archive-fixtures';

let registry: TestRegistry;
let image: BuiltImage;
let source: LayoutImage;

beforeAll(async () => {
  registry = await startRegistry({ mode: 'basic' });
  image = await buildSampleImage('v1', 2_000_000);
  source = await readLayoutImage(image);
  await pushImage(registry, image, 'src/app:1.0');
});
afterAll(async () => {
  await closeGzipPool();
  await registry?.stop();
});

const ref = (r: string) => parseReference(`${registry.host}/${r}`);

describe('pull', () => {
  it('writes a docker archive that skopeo reads and converts (layers decompressed, RepoTags set)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'app.tar');
    let last: { bytesDone: number; bytesTotal: number } | undefined;
    const result = await pullImage({
      client: clientFor(registry),
      reference: ref('src/app:1.0'),
      outputPath: file,
      format: 'docker',
      onProgress: (p) => {
        last = p;
      },
    });
    expect(result.digest).toBe(source.manifestDigest);
    expect(await listDir(dir)).toEqual(['app.tar']);
    expect(last?.bytesDone).toBe(last?.bytesTotal);
    const inspected = await skopeoInspect(`docker-archive:${file}`);
    expect(inspected.RepoTags).toEqual([]); // skopeo lists RepoTags of the registry; the archive's are below
    const raw = await skopeoInspect(`docker-archive:${file}`, { raw: true });
    expect(raw.config.digest).toBe(source.manifest.config.digest);
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(source.config.rootfs.diff_ids);
    await skopeoCopy(`docker-archive:${file}`, `oci:${join(dir, 'layout')}:x`);
    const { indexTar, lookupFile, readEntry } = await import('../../electron/core/archive/tar-index');
    const idx = await indexTar(file);
    const manifest = JSON.parse((await readEntry(idx, lookupFile(idx, 'manifest.json')!)).toString());
    expect(manifest[0].RepoTags).toEqual([`${registry.host}/src/app:1.0`]);
    expect(lookupFile(idx, 'repositories')).toBeDefined();
  });

  it('writes an OCI archive with the original blobs', async () => {
    const dir = await tempDir();
    const file = join(dir, 'app-oci.tar');
    await pullImage({
      client: clientFor(registry),
      reference: ref('src/app:1.0'),
      outputPath: file,
      format: 'oci',
    });
    const raw = await skopeoInspect(`oci-archive:${file}`, { raw: true });
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(
      source.manifest.layers.map((l) => l.digest),
    );
    expect(raw.config.digest).toBe(source.manifest.config.digest);
  });

  it('picks a platform of an index, or keeps the whole index in an OCI archive', async () => {
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      tag: 'multi',
    });
    await pushImage(registry, multi, 'src/multi:1', { all: true });
    const dir = await tempDir();
    const arm = join(dir, 'arm.tar');
    const r = await pullImage({
      client: clientFor(registry),
      reference: ref('src/multi:1'),
      outputPath: arm,
      platform: 'linux/arm64',
    });
    expect(r.platforms).toEqual(['linux/arm64/v8']);
    const cfg = await skopeoInspect(`docker-archive:${arm}`, { config: true });
    expect(cfg.architecture).toBe('arm64');
    const all = join(dir, 'all.tar');
    const whole = await pullImage({
      client: clientFor(registry),
      reference: ref('src/multi:1'),
      outputPath: all,
      format: 'oci',
      allPlatforms: true,
    });
    expect(whole.platforms).toHaveLength(2);
    const raw = await skopeoInspect(`oci-archive:${all}`, { raw: true });
    expect(raw.manifests).toHaveLength(2);
  });

  it('round-trips: pull to a docker archive, push it back, same config and diff_ids', async () => {
    const dir = await tempDir();
    const file = join(dir, 'rt.tar');
    await pullImage({ client: clientFor(registry), reference: ref('src/app:1.0'), outputPath: file });
    const pushed = await pushArchive({
      archivePath: file,
      target: ref('roundtrip/app:2'),
      client: clientFor(registry),
    });
    const raw = await skopeoInspect(`docker://${registry.host}/roundtrip/app:2`, {
      raw: true,
      creds: registry.user,
    });
    expect(raw.config.digest).toBe(source.manifest.config.digest);
    expect(pushed.layers).toHaveLength(2);
  });

  it('leaves nothing behind when the image does not exist, or the pull is cancelled', async () => {
    const dir = await tempDir();
    await expect(
      pullImage({
        client: clientFor(registry),
        reference: ref('src/app:nope'),
        outputPath: join(dir, 'x.tar'),
      }),
    ).rejects.toBeInstanceOf(LadingError);
    expect(await listDir(dir)).toEqual([]);
    // A slow blob download through the fault proxy, cancelled once bytes flow.
    const proxy = await startFaultProxy(registry.url);
    proxy.rules.push({
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      kind: 'trickle',
      bytesPerSecond: 300_000,
      times: 20,
    });
    const controller = new AbortController();
    const p = pullImage({
      client: clientFor(registry, { baseUrl: proxy.url }),
      reference: ref('src/app:1.0'),
      outputPath: join(dir, 'y.tar'),
      signal: controller.signal,
      onProgress: (ev) => {
        if (ev.bytesDone > 0) controller.abort();
      },
    });
    const err = await p.then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(LadingError);
    expect((err as LadingError).code).toBe('cancelled');
    expect(await listDir(dir)).toEqual([]);
    await proxy.stop();
  });

  it('refuses a directory that does not exist', async () => {
    const dir = await tempDir();
    const err = await pullImage({
      client: clientFor(registry),
      reference: ref('src/app:1.0'),
      outputPath: join(dir, 'no/such/x.tar'),
    }).then(
      () => undefined,
      (e) => e as LadingError,
    );
    expect(err?.code).toBe('file-error');
  });
});
