import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadingError } from '../../electron/core/registry/errors';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { pushArchive } from '../../electron/core/transfer/push';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { skopeoCopy, skopeoInspect, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { buildSampleImage, clientFor, listDir, readLayoutImage, tagsOf, tempDir } from './archive-fixtures';

describe('push: an upload interrupted mid-layer', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'basic' });
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(async () => {
    await closeGzipPool();
    await proxy?.stop();
    await registry?.stop();
  });

  it('resumes from the registry Range and completes', async () => {
    const image = await buildSampleImage('big', 5_000_000);
    const src = await readLayoutImage(image);
    const dir = await tempDir();
    const file = join(dir, 'big.tar');
    await writeArchive(image, 'docker-archive', file, { refName: 'big/app:1' });
    // Drop the connection 1.5 MB into the second PATCH of the big layer (1 MiB chunks).
    proxy.rules.push({ match: { method: 'PATCH' }, kind: 'drop-request-after', bytes: 300_000, times: 1 });
    const client = clientFor(registry, { baseUrl: proxy.url, chunkSize: 1024 * 1024 });
    const result = await pushArchive({
      archivePath: file,
      target: parseReference(`${registry.host}/resume/app:1`),
      client,
      concurrency: 1,
    });
    expect(proxy.requests.some((r) => r.fault === 'drop-request-after')).toBe(true);
    const raw = await skopeoInspect(`docker://${registry.host}/resume/app:1`, {
      raw: true,
      creds: registry.user,
    });
    expect(raw.config.digest).toBe(src.manifest.config.digest);
    expect(result.layers.map((l) => l.state)).toEqual(['done', 'done']);
    // skopeo unpacks every layer and checks it against the diff_ids.
    await skopeoCopy(`docker://${registry.host}/resume/app:1`, `docker-archive:${join(dir, 'back.tar')}`, {
      srcCreds: registry.user,
    });
  });

  it('completes when the connection drops in a later chunk (session redone from the archive)', async () => {
    const image = await buildSampleImage('later', 5_000_000);
    const src = await readLayoutImage(image);
    const dir = await tempDir();
    const file = join(dir, 'later.tar');
    await writeArchive(image, 'docker-archive', file, { refName: 'later/app:1' });
    proxy.requests.length = 0;
    // The first PATCH goes through (a zero-length stall), the second is cut 200 kB in.
    proxy.rules.push({ match: { method: 'PATCH' }, kind: 'stall', ms: 0, times: 1 });
    proxy.rules.push({ match: { method: 'PATCH' }, kind: 'drop-request-after', bytes: 200_000, times: 1 });
    const client = clientFor(registry, { baseUrl: proxy.url, chunkSize: 1024 * 1024 });
    await pushArchive({
      archivePath: file,
      target: parseReference(`${registry.host}/resume/later:1`),
      client,
      concurrency: 1,
    });
    expect(proxy.requests.some((r) => r.fault === 'drop-request-after')).toBe(true);
    const raw = await skopeoInspect(`docker://${registry.host}/resume/later:1`, {
      raw: true,
      creds: registry.user,
    });
    expect(raw.config.digest).toBe(src.manifest.config.digest);
    await skopeoCopy(`docker://${registry.host}/resume/later:1`, `docker-archive:${join(dir, 'back.tar')}`, {
      srcCreds: registry.user,
    });
  });
});

describe('push: cancellation', () => {
  it('stops mid-upload with a cancelled error and leaves no tag', async () => {
    const registry = await startRegistry({ mode: 'open' });
    const proxy = await startFaultProxy(registry.url);
    try {
      const image = await buildSampleImage('cancel', 5_000_000);
      const dir = await tempDir();
      const file = join(dir, 'cancel.tar');
      await writeArchive(image, 'docker-archive', file, { refName: 'cancel/app:1' });
      // Slow PATCHes so the abort lands while bytes are moving.
      proxy.rules.push({ match: { method: 'PATCH' }, kind: 'stall', ms: 300, times: 100 });
      const controller = new AbortController();
      const err = await pushArchive({
        archivePath: file,
        target: parseReference(`${registry.host}/cancel/app:1`),
        client: clientFor(registry, { baseUrl: proxy.url, chunkSize: 1024 * 1024 }),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytesDone > 0) controller.abort();
        },
      }).then(
        () => undefined,
        (e) => e as LadingError,
      );
      expect(err).toBeInstanceOf(LadingError);
      expect(err?.code).toBe('cancelled');
      expect(await tagsOf(registry, 'cancel/app')).toEqual([]);
      expect(await listDir(dir)).toEqual(['cancel.tar']);
    } finally {
      await proxy.stop();
      await registry.stop();
    }
  });
});
