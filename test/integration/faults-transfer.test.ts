/**
 * Faults injected for real into whole pushes and pulls (pushArchive / pullImage through the fault proxy in
 * front of a real docker-registry): a push survives drops mid-layer; a pull survives drops mid-blob and writes
 * its file only when complete; cancelled or failed transfers leave no tag, no partial file and no open upload
 * session; hostile registries get nothing written.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { LadingError } from '../../electron/core/registry/errors';
import { repositoryName } from '../../electron/core/registry/names';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { pullImage } from '../../electron/core/transfer/pull';
import { pushArchive } from '../../electron/core/transfer/push';
import { errorOf } from '../support/clients';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { HOSTILE, startHostileRegistry } from '../support/hostile-registry';
import { type BuiltImage, buildImage, pushImage, skopeoInspect, writeArchive } from '../support/images';
import { timed } from '../support/memory';
import { startRegistry, type TestRegistry } from '../support/registry';

const MiB = 1024 * 1024;
const UPLOAD = /\/blobs\/uploads\//;

let registry: TestRegistry;
let proxy: FaultProxy;
let image: BuiltImage;
let archive: string;
let dir: string;

/**
 * A docker archive of an image no other test pushed: the push pipeline remembers blobs it has pushed (and
 * mounts or skips them), so a test that must see uploads happen needs layers of its own.
 */
async function freshArchive(name: string): Promise<string> {
  const built = await buildImage({
    layers: [{ 'c.bin': randomBytes(10 * MiB) }, { 'd.bin': randomBytes(6 * MiB) }],
  });
  const file = join(dir, `${name}.tar`);
  await writeArchive(built, 'docker-archive', file, { refName: `faults/${name}:1` });
  return file;
}

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  proxy = await startFaultProxy(registry.url);
  dir = await mkdtemp(join(tmpdir(), 'lading-faults-transfer-'));
  // Two incompressible layers of 10 MiB: several 4 MiB chunks each.
  image = await buildImage({
    layers: [{ 'a.bin': randomBytes(10 * MiB) }, { 'b.bin': randomBytes(10 * MiB) }],
    labels: { 'org.example.test': 'faults' },
  });
  archive = join(dir, 'image.tar');
  await writeArchive(image, 'docker-archive', archive, { refName: 'faults/app:1' });
  await pushImage(registry, image, 'faults/source:1');
});

afterAll(async () => {
  closeGzipPool();
  await proxy?.stop();
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function resetProxy(): void {
  proxy.rules.length = 0;
  proxy.requests.length = 0;
}

function viaProxy(opts: { chunkSize?: number } = {}): RegistryClient {
  return new RegistryClient({ registry: proxy.host, retryBaseMs: 20, chunkSize: opts.chunkSize ?? 4 * MiB });
}

const direct = () => new RegistryClient({ registry: registry.host });

async function tagsOf(repository: string): Promise<string[]> {
  try {
    return await direct().tags(repositoryName(repository));
  } catch (e) {
    if (e instanceof LadingError && e.code === 'name-unknown') return [];
    throw e;
  }
}

describe('push through a flaky network', () => {
  it('a push whose connection drops mid-layer (several times) finishes with the right digests', {
    timeout: 120_000,
  }, async () => {
    resetProxy();
    // The first PATCH (a layer's first chunk) goes through (a zero-length stall); the next two are cut
    // mid-body. Set up front, not from a progress event: a fast push can finish a layer between two
    // (throttled) progress reports.
    proxy.rules.push({ kind: 'stall', ms: 0, match: { method: 'PATCH', path: UPLOAD }, times: 1 });
    proxy.rules.push({
      kind: 'drop-request-after',
      bytes: 1 * MiB,
      match: { method: 'PATCH', path: UPLOAD },
      times: 2,
    });
    const result = await pushArchive({
      archivePath: archive,
      target: parseReference(`${proxy.host}/faults/pushed:1`),
      client: viaProxy(),
      concurrency: 1,
    });
    expect(proxy.requests.filter((r) => r.fault === 'drop-request-after')).toHaveLength(2);
    const raw = await skopeoInspect(`docker://${registry.host}/faults/pushed:1`, { raw: true });
    const config = await skopeoInspect(`docker://${registry.host}/faults/pushed:1`, { config: true });
    const sourceConfig = await skopeoInspect(image.ref, { config: true });
    expect(config.rootfs.diff_ids).toEqual(sourceConfig.rootfs.diff_ids);
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(result.layers.map((l) => l.digest));
    // skopeo reading every blob back verifies their digests.
    const out = join(dir, 'readback');
    await import('../support/images').then((m) =>
      m.skopeoCopy(`docker://${registry.host}/faults/pushed:1`, `dir:${out}`),
    );
  });

  it('429 and 5xx during a push are retried honouring Retry-After', { timeout: 60_000 }, async () => {
    const retriedArchive = await freshArchive('retried');
    resetProxy();
    proxy.rules.push({
      kind: 'status',
      status: 503,
      retryAfter: 1,
      match: { method: 'PATCH', path: UPLOAD },
    });
    proxy.rules.push({
      kind: 'status',
      status: 429,
      retryAfter: 1,
      match: { method: 'PUT', path: /\/manifests\// },
    });
    const t0 = Date.now();
    await pushArchive({
      archivePath: retriedArchive,
      target: parseReference(`${proxy.host}/faults/retried:1`),
      client: viaProxy(),
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(proxy.requests.filter((r) => r.fault === 'status').map((r) => r.status)).toEqual([503, 429]);
    expect(await tagsOf('faults/retried')).toEqual(['1']);
  });

  it('a push that keeps failing ends with a clear error, no tag and its upload sessions cancelled', {
    timeout: 60_000,
  }, async () => {
    const failingArchive = await freshArchive('failing');
    resetProxy();
    proxy.rules.push({ kind: 'status', status: 502, match: { method: 'PATCH', path: UPLOAD }, times: 1000 });
    const e = await errorOf(
      pushArchive({
        archivePath: failingArchive,
        target: parseReference(`${proxy.host}/faults/failing:1`),
        client: viaProxy(),
      }),
    );
    expect(e.code).toBe('server-error');
    expect(e.message).toContain('502');
    expect(await tagsOf('faults/failing')).toEqual([]);
    expect(proxy.requests.some((r) => r.method === 'PUT' && /\/manifests\//.test(r.path))).toBe(false);
    expect(proxy.requests.some((r) => r.method === 'DELETE' && UPLOAD.test(r.path) && r.status === 204)).toBe(
      true,
    );
  });

  it('a cancelled push leaves no tag and cancels its upload sessions (DELETE on the upload URL)', {
    timeout: 60_000,
  }, async () => {
    const cancelArchive = await freshArchive('cancelled');
    resetProxy();
    // Slow PATCHes, so the abort lands while bytes are moving (a fast push could otherwise finish first).
    proxy.rules.push({ kind: 'stall', ms: 300, match: { method: 'PATCH', path: UPLOAD }, times: 100 });
    const controller = new AbortController();
    const e = await errorOf(
      pushArchive({
        archivePath: cancelArchive,
        target: parseReference(`${proxy.host}/faults/cancelled:1`),
        client: viaProxy(),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.layers.some((l) => l.state === 'uploading')) controller.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
    // Give the best-effort DELETEs a moment to land.
    for (let i = 0; i < 50 && !proxy.requests.some((r) => r.method === 'DELETE'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const deletes = proxy.requests.filter((r) => r.method === 'DELETE' && UPLOAD.test(r.path));
    const sessions = new Set(deletes.map((r) => r.path.split('?')[0]));
    expect(deletes.length).toBeGreaterThan(0);
    // 204: cancelled. 404: distribution had already cancelled it itself (a PATCH cut short by the abort
    // leaves the session's offset behind its `_state`, and distribution cancels such a session on sight).
    expect(deletes.every((r) => r.status === 204 || r.status === 404)).toBe(true);
    // Every upload session the push opened was cancelled.
    const opened = proxy.requests
      .filter((r) => r.method === 'PATCH' && UPLOAD.test(r.path))
      .map((r) => r.path.split('?')[0]);
    for (const path of opened) expect(sessions.has(path), `session ${path} cancelled`).toBe(true);
    expect(await tagsOf('faults/cancelled')).toEqual([]);
    expect(proxy.requests.some((r) => r.method === 'PUT' && /\/manifests\//.test(r.path))).toBe(false);
  });
});

describe('pull through a flaky network', () => {
  it('a pull whose connection drops mid-blob resumes and verifies; the file appears only when complete', {
    timeout: 60_000,
  }, async () => {
    resetProxy();
    const out = join(dir, 'pulled.tar');
    proxy.rules.push({
      kind: 'drop-response-after',
      bytes: 3 * MiB,
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      times: 3,
    });
    let sawPartial = false;
    await pullImage({
      client: viaProxy(),
      reference: parseReference(`${proxy.host}/faults/source:1`),
      outputPath: out,
      format: 'docker',
      onProgress: (p) => {
        // The target must not exist while any layer is still being fetched (a temp file is used).
        if (p.layers.some((l) => l.state !== 'done') && existsSync(out)) sawPartial = true;
      },
    });
    expect(sawPartial, 'the target file existed before the pull completed').toBe(false);
    expect(proxy.requests.filter((r) => r.fault === 'drop-response-after')).toHaveLength(3);
    // Each drop was followed by a Range request (206) or a restart of the blob (200); either way verified.
    const last = proxy.requests.filter((r) => /\/blobs\/sha256:/.test(r.path) && r.fault === undefined);
    expect(last.every((r) => r.status === 200 || r.status === 206)).toBe(true);
    const pulled = await skopeoInspect(`docker-archive:${out}`, { config: true });
    const sourceConfig = await skopeoInspect(image.ref, { config: true });
    expect(pulled.rootfs.diff_ids).toEqual(sourceConfig.rootfs.diff_ids);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/pulled\.tar\..+/));
  });

  it('a cancelled pull leaves no file, not even a temporary one', { timeout: 60_000 }, async () => {
    resetProxy();
    const pullDir = await mkdtemp(join(dir, 'cancel-'));
    const out = join(pullDir, 'cancelled.tar');
    proxy.rules.push({
      kind: 'trickle',
      bytesPerSecond: 512 * 1024,
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      times: 10,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 800);
    const t0 = Date.now();
    const e = await errorOf(
      pullImage({
        client: viaProxy(),
        reference: parseReference(`${proxy.host}/faults/source:1`),
        outputPath: out,
        signal: controller.signal,
      }),
    );
    expect(e.code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await readdir(pullDir)).toEqual([]);
  });

  it('a pull that keeps failing leaves no file and says why', { timeout: 60_000 }, async () => {
    resetProxy();
    const pullDir = await mkdtemp(join(dir, 'fail-'));
    const out = join(pullDir, 'failed.tar');
    proxy.rules.push({ kind: 'reset', match: { method: 'GET', path: /\/blobs\/sha256:/ }, times: 1000 });
    const e = await errorOf(
      pullImage({
        client: viaProxy(),
        reference: parseReference(`${proxy.host}/faults/source:1`),
        outputPath: out,
      }),
    );
    expect(e.code).toBe('unreachable');
    expect(await readdir(pullDir)).toEqual([]);
  });
});

describe('pull from a hostile registry', () => {
  it('a blob that does not match its digest: refused, nothing written, the digest named', async () => {
    const h = await startHostileRegistry();
    try {
      const pullDir = await mkdtemp(join(dir, 'hostile-'));
      for (const format of ['docker', 'oci'] as const) {
        const e = await errorOf(
          pullImage({
            client: new RegistryClient({ registry: h.host, retryBaseMs: 5 }),
            reference: parseReference(`${h.host}/${HOSTILE.blobMismatch}:latest`),
            outputPath: join(pullDir, `out-${format}.tar`),
            format,
          }),
        );
        expect(e.code).toBe('digest-mismatch');
        expect(e.message).toContain(h.image.layerDigest);
      }
      const m = await errorOf(
        pullImage({
          client: new RegistryClient({ registry: h.host }),
          reference: parseReference(`${h.host}/${HOSTILE.manifestMismatch}:latest`),
          outputPath: join(pullDir, 'manifest.tar'),
        }),
      );
      expect(m.code).toBe('digest-mismatch');
      expect(await readdir(pullDir)).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('a gzip-bomb layer: bounded memory, a clear error, nothing written', { timeout: 120_000 }, async () => {
    const h = await startHostileRegistry({ gzipBombBytes: 256 * MiB });
    try {
      const pullDir = await mkdtemp(join(dir, 'bomb-'));
      const { value: e, growth } = await timed(() =>
        errorOf(
          pullImage({
            client: new RegistryClient({ registry: h.host }),
            reference: parseReference(`${h.host}/${HOSTILE.gzipBomb}:latest`),
            outputPath: join(pullDir, 'bomb.tar'),
            format: 'docker',
          }),
        ),
      );
      // The layer inflates to something other than the config's diff_id: refused once seen.
      expect(e.code).toBe('digest-mismatch');
      expect(e.message).toContain(h.bomb.layerDigest);
      expect(growth).toBeLessThan(200 * MiB);
      expect(await readdir(pullDir)).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
