import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LadingError } from '../../electron/core/registry/errors';
import { repositoryName } from '../../electron/core/registry/names';
import { clientFor, readAll, registrySuite } from '../support/clients';
import { sha256 } from '../support/digest';
import { startFaultProxy } from '../support/fault-proxy';

const MiB = 1024 * 1024;

async function* pieces(data: Buffer, size = 300_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('upload engine: one streaming PATCH per blob (stream: true)', () => {
  const suite = registrySuite({ mode: 'open' });

  it('uploads a large blob in a single PATCH and a small one in a single PUT', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const big = randomBytes(20 * MiB + 777);
      const r = await client.uploadBlob(repositoryName('stream/big'), pieces(big), {
        stream: true,
        reopen: () => pieces(big),
      });
      expect(r).toEqual({ digest: sha256(big), size: big.length });
      expect(proxy.requests.filter((q) => q.method === 'PATCH')).toHaveLength(1);
      const back = await readAll(
        await suite.client.openBlob(repositoryName('stream/big'), { digest: r.digest, size: big.length }),
      );
      expect(sha256(back)).toBe(sha256(big));
      const small = randomBytes(1000);
      const s = await client.uploadBlob(repositoryName('stream/small'), pieces(small), {
        stream: true,
        reopen: () => pieces(small),
      });
      expect(s.digest).toBe(sha256(small));
      expect(proxy.requests.filter((q) => q.method === 'PATCH')).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });

  it('a connection dropped mid-PATCH redoes the blob from the source in a fresh session', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url, retryBaseMs: 20 });
      const data = randomBytes(9 * MiB);
      proxy.rules.push({ kind: 'drop-request-after', bytes: 3 * MiB, match: { method: 'PATCH' }, times: 2 });
      let reopened = 0;
      const r = await client.uploadBlob(repositoryName('stream/dropped'), pieces(data), {
        stream: true,
        reopen: () => {
          reopened++;
          return pieces(data);
        },
      });
      expect(reopened).toBe(2);
      expect(r.digest).toBe(sha256(data));
      const back = await readAll(
        await suite.client.openBlob(repositoryName('stream/dropped'), {
          digest: r.digest,
          size: data.length,
        }),
      );
      expect(sha256(back)).toBe(sha256(data));
    } finally {
      await proxy.stop();
    }
  });

  it('an error of the source itself is reported as is and the session cancelled', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const failing = async function* (): AsyncGenerator<Uint8Array> {
        yield randomBytes(2 * MiB);
        throw new LadingError('archive-invalid', 'layer does not match its diff_id');
      };
      const e = await client
        .uploadBlob(repositoryName('stream/failing'), failing(), { stream: true, reopen: failing })
        .then(
          () => undefined,
          (err) => err as LadingError,
        );
      expect(e?.code).toBe('archive-invalid');
      expect(proxy.requests.some((q) => q.method === 'DELETE')).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('upload engine: streaming PATCH with Docker token auth', () => {
  const suite = registrySuite({ mode: 'token' });

  it('streams a blob with a bearer token and reads it back', async () => {
    const user = suite.registry.user as { username: string; password: string };
    const client = clientFor(suite.registry, { credentials: user });
    const data = randomBytes(6 * MiB + 5);
    const r = await client.uploadBlob(repositoryName('stream/token'), pieces(data), {
      stream: true,
      reopen: () => pieces(data),
    });
    expect(r.digest).toBe(sha256(data));
    const back = await readAll(
      await client.openBlob(repositoryName('stream/token'), { digest: r.digest, size: data.length }),
    );
    expect(sha256(back)).toBe(sha256(data));
  });
});
