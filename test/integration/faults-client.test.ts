/**
 * Network faults injected for real between the registry client and a real docker-registry (through
 * test/support/fault-proxy.ts): dropped connections mid-upload and mid-download, 429/5xx with Retry-After,
 * resets, stalls, a token revoked mid-upload, and cancellation that closes the registry's upload session.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { digestName, repositoryName } from '../../electron/core/registry/names';
import { errorOf, readAll } from '../support/clients';
import { sha256 } from '../support/digest';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startRegistry, type TestRegistry } from '../support/registry';

const MiB = 1024 * 1024;

/** Yields `data` in 64 KiB pieces, the way a file or compressor stream would. */
async function* pieces(data: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
}

const PATCH = /\/blobs\/uploads\//;

describe('faults between the client and an open registry', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let direct: RegistryClient;
  let viaProxy: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
    proxy = await startFaultProxy(registry.url);
    direct = new RegistryClient({ registry: registry.host });
    viaProxy = new RegistryClient({ registry: proxy.host, retryBaseMs: 20, chunkSize: 8 * MiB });
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  function resetProxy(): void {
    proxy.rules.length = 0;
    proxy.requests.length = 0;
  }

  /** The blob as the registry stores it, fetched without the proxy and verified. */
  async function stored(repository: string, digest: string, size: number): Promise<Buffer> {
    return readAll(await direct.openBlob(repositoryName(repository), { digest, size }));
  }

  it('an upload whose connection drops before the chunk reaches the registry resumes from its Range', async () => {
    resetProxy();
    const data = randomBytes(20 * MiB);
    proxy.rules.push({ kind: 'reset', match: { method: 'PATCH', path: PATCH } });
    const result = await viaProxy.uploadBlob(repositoryName('faults/upload-reset'), pieces(data), {
      expectedDigest: sha256(data),
    });
    expect(result).toEqual({ digest: sha256(data), size: data.length });
    const faulted = proxy.requests.findIndex((r) => r.fault === 'reset');
    expect(faulted).toBeGreaterThan(0);
    // Then the client asked the registry how far the upload got (GET on the upload URL → 204 with Range).
    expect(proxy.requests[faulted + 1]).toMatchObject({ method: 'GET', status: 204 });
    expect((await stored('faults/upload-reset', result.digest, result.size)).equals(data)).toBe(true);
  });

  it('an upload survives several drops within one chunk', { timeout: 60_000 }, async () => {
    resetProxy();
    const data = randomBytes(12 * MiB);
    const client = new RegistryClient({
      registry: proxy.host,
      retryBaseMs: 20,
      chunkSize: 12 * MiB - 1,
      retries: 5,
    });
    proxy.rules.push({ kind: 'reset', match: { method: 'PATCH', path: PATCH }, times: 3 });
    const result = await client.uploadBlob(repositoryName('faults/upload-resets'), pieces(data));
    expect(result.digest).toBe(sha256(data));
    expect(proxy.requests.filter((r) => r.fault === 'reset')).toHaveLength(3);
    expect((await stored('faults/upload-resets', result.digest, result.size)).equals(data)).toBe(true);
  });

  // distribution 2.8 keeps the bytes of a broken PATCH but then refuses (and cancels) the session for any
  // request carrying the last `_state` it handed out ("upload resumed at wrong offset"), so a drop in the
  // middle of a PATCH body cannot be resumed within the session: the blob is redone in a new session.
  it('a drop mid-body in the first chunk is recovered in a fresh session', async () => {
    resetProxy();
    const data = randomBytes(20 * MiB);
    proxy.rules.push({ kind: 'drop-request-after', bytes: 3 * MiB, match: { method: 'PATCH', path: PATCH } });
    const result = await viaProxy.uploadBlob(repositoryName('faults/upload-drop'), pieces(data));
    expect(result.digest).toBe(sha256(data));
    expect((await stored('faults/upload-drop', result.digest, result.size)).equals(data)).toBe(true);
  });

  it('several drops mid-body in later chunks: redone from the source, right digest', {
    timeout: 60_000,
  }, async () => {
    resetProxy();
    const data = randomBytes(24 * MiB);
    let reopened = 0;
    let patches = 0;
    const rule = {
      kind: 'drop-request-after' as const,
      bytes: 2 * MiB,
      match: { method: 'PATCH', path: PATCH },
      times: 2,
    };
    const client = new RegistryClient({
      registry: proxy.host,
      retryBaseMs: 20,
      chunkSize: 8 * MiB,
      retries: 4,
    });
    const result = await client.uploadBlob(repositoryName('faults/upload-drops'), pieces(data), {
      onProgress: (n) => {
        // Arm the fault once a first chunk has been acknowledged, so it hits a later chunk.
        if (n > 0 && n < data.length && patches++ === 0) proxy.rules.push(rule);
      },
      reopen: () => {
        reopened++;
        return pieces(data);
      },
    });
    expect(result.digest).toBe(sha256(data));
    expect(proxy.requests.filter((r) => r.fault === 'drop-request-after')).toHaveLength(2);
    expect(reopened).toBeGreaterThanOrEqual(1);
    expect((await stored('faults/upload-drops', result.digest, result.size)).equals(data)).toBe(true);
  });

  it('a drop mid-body in a later chunk without a way to reread the source: clear error, nothing stored', async () => {
    resetProxy();
    const data = randomBytes(24 * MiB);
    let armed = false;
    const e = await errorOf(
      viaProxy.uploadBlob(repositoryName('faults/upload-lost'), pieces(data), {
        onProgress: () => {
          if (armed) return;
          armed = true;
          proxy.rules.push({
            kind: 'drop-request-after',
            bytes: 2 * MiB,
            match: { method: 'PATCH', path: PATCH },
          });
        },
      }),
    );
    expect(e.message).toContain('faults/upload-lost');
    expect(e.message.split('\n')).toHaveLength(1);
    expect(await direct.blobExists(repositoryName('faults/upload-lost'), digestName(sha256(data)))).toBe(
      false,
    );
    // The engine cancelled the session it had opened.
    expect(proxy.requests.some((r) => r.method === 'DELETE' && PATCH.test(r.path))).toBe(true);
  });

  it('a download whose connection drops mid-blob resumes with Range and verifies the digest', async () => {
    const data = randomBytes(6 * MiB);
    const { digest } = await direct.uploadBlob(repositoryName('faults/download'), pieces(data));
    resetProxy();
    proxy.rules.push({
      kind: 'drop-response-after',
      bytes: 1 * MiB,
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      times: 2,
    });
    const got = await readAll(
      await viaProxy.openBlob(repositoryName('faults/download'), { digest, size: data.length }),
    );
    expect(got.equals(data)).toBe(true);
    const blobGets = proxy.requests.filter((r) => r.method === 'GET' && /\/blobs\/sha256:/.test(r.path));
    expect(blobGets.map((r) => r.fault ?? r.status)).toEqual([
      'drop-response-after',
      'drop-response-after',
      206,
    ]);
  });

  describe('a large blob as several byte ranges at once', () => {
    const ranged = { streams: 4, segmentBytes: 1 * MiB };
    const blobGets = () =>
      proxy.requests.filter((r) => r.method === 'GET' && /\/blobs\/sha256:/.test(r.path));
    const BLOB = /\/blobs\/sha256:/;

    it('a fast stream carries the whole blob: one request', async () => {
      const data = randomBytes(9 * MiB);
      const { digest } = await direct.uploadBlob(repositoryName('faults/ranged-fast'), pieces(data));
      resetProxy();
      const got = await readAll(
        await viaProxy.openBlob(repositoryName('faults/ranged-fast'), { digest, size: data.length }, ranged),
      );
      expect(got.equals(data)).toBe(true);
      expect(blobGets().map((r) => r.status)).toEqual([206]);
    });

    it('a slow stream hands the rest to ranges, assembled in order and verified', async () => {
      const data = randomBytes(9 * MiB + 12345);
      const { digest } = await direct.uploadBlob(repositoryName('faults/ranged'), pieces(data));
      resetProxy();
      proxy.rules.push({ kind: 'trickle', bytesPerSecond: 4 * MiB, match: { path: BLOB } });
      const seen: number[] = [];
      const got = await readAll(
        await viaProxy.openBlob(
          repositoryName('faults/ranged'),
          { digest, size: data.length },
          { ...ranged, onProgress: (n) => seen.push(n) },
        ),
      );
      expect(got.equals(data)).toBe(true);
      // The first stream (trickled) gave the first 2 MiB or a little more; the other ~7 MiB came as 1 MiB ranges.
      const gets = blobGets();
      expect(gets[0]?.fault).toBe('trickle');
      expect(gets.length).toBeGreaterThanOrEqual(1 + 7);
      expect(seen.at(-1)).toBe(data.length);
      expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    });

    it('a drop on the first stream or in a range resumes; the digest still holds', async () => {
      const data = randomBytes(6 * MiB);
      const { digest } = await direct.uploadBlob(repositoryName('faults/ranged-drop'), pieces(data));
      resetProxy();
      proxy.rules.push({ kind: 'drop-response-after', bytes: 300 * 1024, match: { path: BLOB }, times: 2 });
      const got = await readAll(
        await viaProxy.openBlob(repositoryName('faults/ranged-drop'), { digest, size: data.length }, ranged),
      );
      expect(got.equals(data)).toBe(true);
      expect(blobGets().filter((r) => r.fault === 'drop-response-after')).toHaveLength(2);
    });

    it('a server that ignores Range gets the blob as one stream', async () => {
      const data = randomBytes(5 * MiB);
      const { digest } = await direct.uploadBlob(repositoryName('faults/ranged-none'), pieces(data));
      resetProxy();
      proxy.rules.push({ kind: 'ignore-range', match: { path: BLOB }, times: Number.POSITIVE_INFINITY });
      const got = await readAll(
        await viaProxy.openBlob(repositoryName('faults/ranged-none'), { digest, size: data.length }, ranged),
      );
      expect(got.equals(data)).toBe(true);
      // The first answer came back whole (200): dropped unread, then one plain GET.
      expect(blobGets()).toHaveLength(2);
      expect(blobGets()[1]?.status).toBe(200);
    });

    it('an unknown blob is refused before any byte; a cancel stops every range', async () => {
      const data = randomBytes(4 * MiB);
      const { digest } = await direct.uploadBlob(repositoryName('faults/ranged-bad'), pieces(data));
      resetProxy();
      const wrong = { digest: digestName(`sha256:${'0'.repeat(64)}`), size: data.length };
      expect(
        (await errorOf(viaProxy.openBlob(repositoryName('faults/ranged-bad'), wrong, ranged))).code,
      ).toBe('blob-unknown');
      const controller = new AbortController();
      proxy.rules.push({
        kind: 'trickle',
        bytesPerSecond: 256 * 1024,
        match: { path: BLOB },
        times: Number.POSITIVE_INFINITY,
      });
      const stream = await viaProxy.openBlob(
        repositoryName('faults/ranged-bad'),
        { digest, size: data.length },
        { ...ranged, signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 300);
      expect((await errorOf(readAll(stream))).code).toBe('cancelled');
    });
  });

  it('429 and 503 are retried, honouring Retry-After', async () => {
    await direct.uploadBlob(repositoryName('faults/retry'), pieces(Buffer.from('x')));
    resetProxy();
    proxy.rules.push({ kind: 'status', status: 429, retryAfter: 1, match: { path: /\/tags\/list/ } });
    proxy.rules.push({ kind: 'status', status: 503, retryAfter: 1, match: { path: /\/tags\/list/ } });
    const t0 = Date.now();
    const tags = await errorOf(viaProxy.tags(repositoryName('faults/retry')));
    // The repository has no tags (a blob only): the registry answers NAME_UNKNOWN once the faults have passed.
    expect(tags.code).toBe('name-unknown');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list')).map((r) => r.status)).toEqual([
      429, 503, 404,
    ]);
  });

  it('gives up after the retry limit with a clear rate-limited / server-error', async () => {
    resetProxy();
    proxy.rules.push({ kind: 'status', status: 429, match: { path: /\/tags\/list/ }, times: 100 });
    const limited = await errorOf(viaProxy.tags(repositoryName('faults/retry')));
    expect(limited.code).toBe('rate-limited');
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list'))).toHaveLength(viaProxy.retries + 1);

    resetProxy();
    proxy.rules.push({ kind: 'status', status: 502, match: { path: /\/tags\/list/ }, times: 100 });
    const server = await errorOf(viaProxy.tags(repositoryName('faults/retry')));
    expect(server.code).toBe('server-error');
    expect(server.message).toContain('502');
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list'))).toHaveLength(viaProxy.retries + 1);
  });

  it('connection resets are retried, then reported as unreachable', async () => {
    resetProxy();
    proxy.rules.push({ kind: 'reset', match: { path: /\/tags\/list/ }, times: 2 });
    await errorOf(viaProxy.tags(repositoryName('faults/retry'))).then((e) =>
      expect(e.code).toBe('name-unknown'),
    );

    resetProxy();
    proxy.rules.push({ kind: 'reset', match: { path: /\/tags\/list/ }, times: 100 });
    const e = await errorOf(viaProxy.tags(repositoryName('faults/retry')));
    expect(e.code).toBe('unreachable');
    expect(e.message).toContain(proxy.host);
  });

  it('a stalled registry can be cancelled promptly', async () => {
    resetProxy();
    proxy.rules.push({ kind: 'stall', ms: 20_000, match: { path: /\/tags\/list/ } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const t0 = Date.now();
    const e = await errorOf(viaProxy.tags(repositoryName('faults/retry'), { signal: controller.signal }));
    expect(e.code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a trickling download can be cancelled promptly', async () => {
    const data = randomBytes(2 * MiB);
    const { digest } = await direct.uploadBlob(repositoryName('faults/trickle'), pieces(data));
    resetProxy();
    proxy.rules.push({
      kind: 'trickle',
      bytesPerSecond: 64 * 1024,
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
    });
    const controller = new AbortController();
    const stream = await viaProxy.openBlob(
      repositoryName('faults/trickle'),
      { digest, size: data.length },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 400);
    const t0 = Date.now();
    const e = await errorOf(readAll(stream));
    expect(e.code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('cancelling an upload cancels the registry upload session (DELETE on the upload URL)', async () => {
    resetProxy();
    const controller = new AbortController();
    const data = randomBytes(24 * MiB);
    const e = await errorOf(
      viaProxy.uploadBlob(repositoryName('faults/cancel'), pieces(data), {
        signal: controller.signal,
        onProgress: (n) => {
          if (n >= 8 * MiB) controller.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
    const del = proxy.requests.find((r) => r.method === 'DELETE' && PATCH.test(r.path));
    expect(del, 'DELETE of the upload session').toBeDefined();
    expect(del?.status).toBe(204);
    // The session is gone: asking for its status is BLOB_UPLOAD_UNKNOWN.
    const res = await fetch(`${registry.url}${del?.path}`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    expect(await direct.blobExists(repositoryName('faults/cancel'), digestName(sha256(data)))).toBe(false);
  });
});

describe('a token revoked mid-upload', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;

  beforeAll(async () => {
    registry = await startRegistry({ mode: 'token' });
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it('is refreshed and the upload continues', { timeout: 60_000 }, async () => {
    const user = registry.user!;
    const client = new RegistryClient({
      registry: proxy.host,
      credentials: { username: user.username, password: user.password },
      retryBaseMs: 50,
      chunkSize: 2 * MiB,
    });
    const data = randomBytes(10 * MiB);
    let revoked = false;
    registry.issuer!.requests.length = 0;
    // The source pauses after 5 MiB (between two PATCHes, none in flight) while the issuer revokes every
    // token and the registry restarts; the next PATCH carries a token the registry no longer accepts.
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < data.length; i += 64 * 1024) {
        if (i >= 5 * MiB && !revoked) {
          revoked = true;
          await registry.issuer!.revokeAll();
        }
        yield data.subarray(i, i + 64 * 1024);
      }
    }
    const result = await client.uploadBlob(repositoryName('faults/token'), source());
    expect(revoked).toBe(true);
    expect(result.digest).toBe(sha256(data));
    // A 401 came back for the old token, and a second token was fetched for the same scope.
    expect(proxy.requests.some((r) => r.status === 401 && r.method !== 'GET')).toBe(true);
    expect(registry.issuer!.requests.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    const direct = new RegistryClient({
      registry: registry.host,
      credentials: { username: user.username, password: user.password },
    });
    expect(
      (
        await readAll(
          await direct.openBlob(repositoryName('faults/token'), { digest: result.digest, size: result.size }),
        )
      ).equals(data),
    ).toBe(true);
  });
  it('a token that expires mid-upload (short expires_in) is fetched again before it is used', {
    timeout: 60_000,
  }, async () => {
    const user = registry.user!;
    registry.issuer!.setTtl(2);
    try {
      const client = new RegistryClient({
        registry: proxy.host,
        credentials: { username: user.username, password: user.password },
        retryBaseMs: 50,
        chunkSize: 1 * MiB,
      });
      const data = randomBytes(4 * MiB);
      proxy.rules.length = 0;
      // Each PATCH waits 700 ms, so the 2 s token runs out (with the client's safety margin) mid-upload.
      proxy.rules.push({ kind: 'stall', ms: 700, match: { method: 'PATCH', path: PATCH }, times: 100 });
      registry.issuer!.requests.length = 0;
      const result = await client.uploadBlob(repositoryName('faults/token-ttl'), pieces(data));
      expect(result.digest).toBe(sha256(data));
      expect(
        registry.issuer!.requests.filter((r) => r.status === 200 && r.user === user.username).length,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      registry.issuer!.setTtl(300);
      proxy.rules.length = 0;
    }
  });
});
