import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestName, manifestReference, repositoryName, tagName } from '../../electron/core/registry/names';
import { deleteDigest, deleteTag, tagImage, tagsForDigest } from '../../electron/core/registry/tagging';
import { clientFor, errorOf, readAll, registrySuite } from '../support/clients';
import { sha256 } from '../support/digest';
import { startFaultProxy } from '../support/fault-proxy';
import { buildImage, buildMultiPlatform, pushImage, skopeoCopy, skopeoInspect } from '../support/images';

const MiB = 1024 * 1024;

/** The error body distribution answers for an upload session it cancelled (after a broken PATCH). */
const BLOB_UPLOAD_INVALID = '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"blob upload invalid"}]}';

/** Yields `data` in uneven pieces, as a file or network stream would. */
async function* pieces(data: Buffer, size = 300_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('registry client write paths (open registry)', () => {
  const suite = registrySuite({ mode: 'open' });

  it('uploads a ~20 MiB blob in several chunks and reads it back verified', async () => {
    const data = randomBytes(20 * MiB + 12345);
    const acknowledged: number[] = [];
    const result = await suite.client.uploadBlob(repositoryName('up/big'), pieces(data), {
      chunkSize: 4 * MiB,
      expectedDigest: sha256(data),
      onProgress: (n) => acknowledged.push(n),
    });
    expect(result).toEqual({ digest: sha256(data), size: data.length });
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    expect(acknowledged.at(-1)).toBe(data.length);
    const back = await readAll(
      await suite.client.openBlob(repositoryName('up/big'), { digest: result.digest, size: data.length }),
    );
    expect(back.equals(data)).toBe(true);
  });

  it('uploads a small blob in one request and refuses a wrong expected digest', async () => {
    const data = Buffer.from('small blob\n');
    expect(await suite.client.uploadBlob(repositoryName('up/small'), [data], { size: data.length })).toEqual({
      digest: sha256(data),
      size: data.length,
    });
    expect(await suite.client.blobExists(repositoryName('up/small'), digestName(sha256(data)))).toBe(true);
    const e = await errorOf(
      suite.client.uploadBlob(repositoryName('up/small'), [Buffer.from('other')], {
        expectedDigest: sha256(data),
      }),
    );
    expect(e.code).toBe('digest-mismatch');
  });

  it('fails a download whose bytes do not match the digest', async () => {
    const data = Buffer.from('real content');
    const { digest } = await suite.client.uploadBlob(repositoryName('up/verify'), [data]);
    const wrongSize = await suite.client.openBlob(repositoryName('up/verify'), { digest, size: 4 });
    expect((await errorOf(readAll(wrongSize))).code).toBe('too-large');
  });

  it('resumes an upload after the connection drops mid-chunk', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 20 });
      proxy.rules.push({ kind: 'drop-request-after', bytes: 1 * MiB + 777, match: { method: 'PATCH' } });
      const data = randomBytes(10 * MiB + 99);
      const result = await viaProxy.uploadBlob(repositoryName('up/resumed'), pieces(data), {
        chunkSize: 4 * MiB,
      });
      expect(result.digest).toBe(sha256(data));
      expect(proxy.requests.some((r) => r.fault === 'drop-request-after')).toBe(true);
      const back = await readAll(
        await suite.client.openBlob(repositoryName('up/resumed'), {
          digest: result.digest,
          size: data.length,
        }),
      );
      expect(sha256(back)).toBe(sha256(data));
    } finally {
      await proxy.stop();
    }
  });

  it('recovers from a 5xx on a later chunk by asking the registry for its offset', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 20 });
      const data = randomBytes(9 * MiB);
      let armed = false;
      const result = await viaProxy.uploadBlob(repositoryName('up/flaky'), pieces(data), {
        chunkSize: 4 * MiB,
        onProgress: () => {
          if (armed) return;
          armed = true; // fail the second chunk
          proxy.rules.push({ kind: 'status', status: 503, match: { method: 'PATCH' } });
        },
      });
      expect(result.digest).toBe(sha256(data));
      const statusChecks = proxy.requests.filter(
        (r) => r.method === 'GET' && /blobs\/uploads\//.test(r.path),
      );
      expect(statusChecks).toHaveLength(1);
      expect(statusChecks[0]?.status).toBe(204);
      expect(proxy.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });

  it('redoes a blob from the start when the registry drops the session mid-blob and the source can reopen', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 20 });
      const data = randomBytes(9 * MiB);
      let armed = false;
      const result = await viaProxy.uploadBlob(repositoryName('up/reopened'), pieces(data), {
        chunkSize: 4 * MiB,
        reopen: () => pieces(data),
        onProgress: () => {
          if (armed) return;
          armed = true;
          proxy.rules.push({ kind: 'drop-request-after', bytes: 2 * MiB, match: { method: 'PATCH' } });
        },
      });
      expect(result.digest).toBe(sha256(data));
      const back = await readAll(
        await suite.client.openBlob(repositoryName('up/reopened'), {
          digest: result.digest,
          size: data.length,
        }),
      );
      expect(sha256(back)).toBe(sha256(data));
    } finally {
      await proxy.stop();
    }
  });

  it('gives up on a chunk that keeps failing with server-error and cancels the session', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 5 });
      proxy.rules.push({ kind: 'status', status: 502, times: 100, match: { method: 'PATCH' } });
      const e = await errorOf(
        viaProxy.uploadBlob(repositoryName('up/failing'), pieces(randomBytes(5 * MiB)), {
          chunkSize: 2 * MiB,
        }),
      );
      expect(e.code).toBe('server-error');
      expect(e.message).toContain('502');
      expect(proxy.requests.filter((r) => r.method === 'PATCH')).toHaveLength(4);
      expect(proxy.requests.some((r) => r.method === 'DELETE' && r.status === 204)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('redoes a blob whose session the registry forgot at the final PUT (BLOB_UPLOAD_UNKNOWN)', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 5 });
      const forgotten = {
        kind: 'status' as const,
        status: 404,
        body: '{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown to registry"}]}',
        match: { method: 'PUT', path: /blobs\/uploads\// },
      };
      proxy.rules.push(forgotten);
      const small = Buffer.from('monolithic blob');
      expect((await viaProxy.uploadBlob(repositoryName('up/forgot'), [small])).digest).toBe(sha256(small));

      proxy.rules.push({ ...forgotten });
      const big = randomBytes(5 * MiB);
      const result = await viaProxy.uploadBlob(repositoryName('up/forgot'), pieces(big), {
        chunkSize: 2 * MiB,
        reopen: () => pieces(big),
      });
      expect(result.digest).toBe(sha256(big));
      expect(await suite.client.blobExists(repositoryName('up/forgot'), result.digest)).toBe(true);
      expect(proxy.requests.filter((r) => r.method === 'POST')).toHaveLength(4);
    } finally {
      await proxy.stop();
    }
  });

  it('redoes a blob whose session the registry dropped mid-blob (404 BLOB_UPLOAD_INVALID on a PATCH)', async () => {
    // distribution cancels a session whose PATCH broke off, sometimes only after answering the status check
    // that preceded our retry: the next PATCH then meets a 404 BLOB_UPLOAD_INVALID.
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 5 });
      proxy.rules.push({ match: { method: 'PATCH' }, kind: 'stall', ms: 0, times: 1 });
      proxy.rules.push({
        kind: 'status',
        status: 404,
        body: BLOB_UPLOAD_INVALID,
        match: { method: 'PATCH' },
      });
      // ... and the status check that follows says the session is gone.
      proxy.rules.push({
        kind: 'status',
        status: 404,
        body: '{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown to registry"}]}',
        match: { method: 'GET', path: /blobs\/uploads\// },
      });
      const big = randomBytes(5 * MiB);
      const result = await viaProxy.uploadBlob(repositoryName('up/dropped'), pieces(big), {
        chunkSize: 2 * MiB,
        reopen: () => pieces(big),
      });
      expect(result.digest).toBe(sha256(big));
      expect(await suite.client.blobExists(repositoryName('up/dropped'), result.digest)).toBe(true);
      // The second chunk met the dropped session; the blob was redone in a new one.
      expect(proxy.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.stop();
    }
  });

  it.each([
    {
      what: 'uploads a small blob again in a new session when its PUT',
      repo: 'up/put-invalid',
      put: /blobs\/uploads\//,
      size: 100 * 1024,
      chunked: false,
    },
    {
      what: 'redoes a chunked blob whose closing PUT',
      repo: 'up/close-invalid',
      put: /blobs\/uploads\/.*digest=/,
      size: 5 * MiB,
      chunked: true,
    },
  ])('$what meets a cancelled session (404 BLOB_UPLOAD_INVALID)', async ({ repo, put, size, chunked }) => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 5 });
      proxy.rules.push({
        kind: 'status',
        status: 404,
        body: BLOB_UPLOAD_INVALID,
        match: { method: 'PUT', path: put },
      });
      const data = randomBytes(size);
      const result = await viaProxy.uploadBlob(
        repositoryName(repo),
        pieces(data),
        chunked ? { chunkSize: 2 * MiB, reopen: () => pieces(data) } : {},
      );
      expect(result.digest).toBe(sha256(data));
      expect(await suite.client.blobExists(repositoryName(repo), result.digest)).toBe(true);
      expect(proxy.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
  });

  it('cancels the upload session when aborted', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 20 });
      const controller = new AbortController();
      const data = randomBytes(6 * MiB);
      const e = await errorOf(
        viaProxy.uploadBlob(repositoryName('up/aborted'), pieces(data), {
          chunkSize: 2 * MiB,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      );
      expect(e.code).toBe('cancelled');
      expect(proxy.requests.some((r) => r.method === 'DELETE' && /blobs\/uploads\//.test(r.path))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('resumes a download after the connection drops mid-blob', async () => {
    const data = randomBytes(3 * MiB);
    const { digest } = await suite.client.uploadBlob(repositoryName('up/download'), pieces(data));
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 20 });
      proxy.rules.push({
        kind: 'drop-response-after',
        bytes: MiB,
        match: { method: 'GET', path: /\/blobs\/sha256/ },
      });
      const back = await readAll(
        await viaProxy.openBlob(repositoryName('up/download'), { digest, size: data.length }),
      );
      expect(back.equals(data)).toBe(true);
      expect(proxy.requests.filter((r) => /\/blobs\/sha256/.test(r.path)).length).toBe(2);
    } finally {
      await proxy.stop();
    }
  });

  it('deletes one tag and keeps a sibling tag on the same manifest', async () => {
    const image = await buildImage({ layers: [{ 'f.txt': 'delete me\n' }] });
    await pushImage(suite.registry, image, 'del/app:keep');
    const m = await suite.client.getManifest(repositoryName('del/app'), manifestReference('keep'));
    await suite.client.putManifest(
      repositoryName('del/app'),
      manifestReference('gone'),
      m.bytes,
      m.mediaType,
    );
    expect((await tagsForDigest(suite.client, repositoryName('del/app'), m.digest)).sort()).toEqual([
      'gone',
      'keep',
    ]);

    await deleteTag(suite.client, repositoryName('del/app'), tagName('gone'));
    expect(await suite.client.tags(repositoryName('del/app'))).toEqual(['keep']);
    expect(
      (await suite.client.getManifest(repositoryName('del/app'), manifestReference('keep'))).digest,
    ).toBe(m.digest);
    const inspected = await skopeoInspect(`docker://${suite.registry.host}/del/app:keep`);
    expect(inspected.Digest).toBe(m.digest);
    await skopeoCopy(`docker://${suite.registry.host}/del/app:keep`, `oci:${image.layoutDir}:pulled`);
    expect((await errorOf(deleteTag(suite.client, repositoryName('del/app'), tagName('gone')))).code).toBe(
      'manifest-unknown',
    );
  });

  it('deletes the manifest when the tag is its only one', async () => {
    const image = await buildImage({ layers: [{ 'f.txt': 'lonely\n' }] });
    await pushImage(suite.registry, image, 'del/lonely:only');
    const m = await suite.client.getManifest(repositoryName('del/lonely'), manifestReference('only'));
    await deleteTag(suite.client, repositoryName('del/lonely'), tagName('only'));
    expect(await suite.client.headManifest(repositoryName('del/lonely'), m.digest)).toBeUndefined();
  });

  it('deletes a digest and reports the tags that pointed at it', async () => {
    const image = await buildImage({ layers: [{ 'f.txt': 'by digest\n' }] });
    await pushImage(suite.registry, image, 'del/digest:a');
    const m = await suite.client.getManifest(repositoryName('del/digest'), manifestReference('a'));
    await suite.client.putManifest(
      repositoryName('del/digest'),
      manifestReference('b'),
      m.bytes,
      m.mediaType,
    );
    const other = await buildImage({ layers: [{ 'f.txt': 'other\n' }] });
    await pushImage(suite.registry, other, 'del/digest:c');
    const { removedTags } = await deleteDigest(suite.client, repositoryName('del/digest'), m.digest);
    expect(removedTags.sort()).toEqual(['a', 'b']);
    expect(await suite.client.tags(repositoryName('del/digest'))).toEqual(['c']);
    expect(await suite.client.headManifest(repositoryName('del/digest'), m.digest)).toBeUndefined();
  });

  it('tags within a repository byte-for-byte', async () => {
    const image = await buildImage({ layers: [{ 'f.txt': 'same repo\n' }] });
    await pushImage(suite.registry, image, 'tag/same:1');
    const src = await suite.client.getManifest(repositoryName('tag/same'), manifestReference('1'));
    const result = await tagImage(
      suite.client,
      { repository: repositoryName('tag/same'), reference: manifestReference('1') },
      { repository: repositoryName('tag/same'), tag: tagName('stable') },
    );
    expect(result).toEqual({ digest: src.digest, mountedBlobs: 0 });
    expect(
      (await suite.client.getManifest(repositoryName('tag/same'), manifestReference('stable'))).bytes.equals(
        src.bytes,
      ),
    ).toBe(true);
  });

  it('tags into another repository by mounting blobs', async () => {
    const image = await buildImage({ layers: [{ 'a.txt': 'one\n' }, { 'b.txt': 'two\n' }] });
    await pushImage(suite.registry, image, 'tag/src:1');
    const src = await suite.client.getManifest(repositoryName('tag/src'), manifestReference('1'));
    const result = await tagImage(
      suite.client,
      { repository: repositoryName('tag/src'), reference: manifestReference('1') },
      { repository: repositoryName('tag/dst'), tag: tagName('promoted') },
    );
    expect(result).toEqual({ digest: src.digest, mountedBlobs: 3 });
    const inspected = await skopeoInspect(`docker://${suite.registry.host}/tag/dst:promoted`);
    expect(inspected.Digest).toBe(src.digest);
  });

  it('tags a multi-platform index into another repository', async () => {
    const image = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    await pushImage(suite.registry, image, 'tag/multi:1', { all: true });
    const src = await suite.client.getManifest(repositoryName('tag/multi'), manifestReference('1'));
    const result = await tagImage(
      suite.client,
      { repository: repositoryName('tag/multi'), reference: manifestReference('1') },
      { repository: repositoryName('tag/multi-copy'), tag: tagName('1') },
    );
    expect(result.digest).toBe(src.digest);
    expect(result.mountedBlobs).toBeGreaterThanOrEqual(4);
    const raw = await skopeoInspect(`docker://${suite.registry.host}/tag/multi-copy:1`, { raw: true });
    for (const child of raw.manifests) {
      const inspected = await skopeoInspect(`docker://${suite.registry.host}/tag/multi-copy@${child.digest}`);
      expect(inspected.Digest).toBe(child.digest);
    }
  });
});
