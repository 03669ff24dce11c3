import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { repositoryName } from '../../electron/core/registry/names';
import { clientFor, errorOf, readAll, registrySuite } from '../support/clients';
import { sha256 } from '../support/digest';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';

/** The upload requests a client sent: method, whether it carried ?digest=, in order. */
const uploads = (proxy: FaultProxy) =>
  proxy.requests
    .filter((q) => q.path.includes('/blobs/uploads/'))
    .map((q) => `${q.method}${q.path.includes('digest=') ? ' ?digest' : ''} ${q.status}`);

describe('small blobs: the one-request upload where the registry takes it (upload-single.ts)', () => {
  const suite = registrySuite({ mode: 'open' });

  async function expectStored(repo: string, data: Buffer, digest: string): Promise<void> {
    expect(digest).toBe(sha256(data));
    const back = await readAll(
      await suite.client.openBlob(repositoryName(repo), { digest: digest as never, size: data.length }),
    );
    expect(sha256(back)).toBe(digest);
  }

  it('distribution answers a POST with ?digest= and the body with a session: the PUT goes there, later blobs do not ask again', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const first = randomBytes(50_000);
      const r1 = await client.uploadBlob(repositoryName('single/plain'), [first], { size: first.length });
      await expectStored('single/plain', first, r1.digest);
      // The question cost no round trip: the 202's session took the PUT.
      expect(uploads(proxy)).toEqual(['POST ?digest 202', 'PUT ?digest 201']);
      expect(client.singlePost.state).toBe('no');
      const second = randomBytes(70_000);
      const r2 = await client.uploadBlob(repositoryName('single/plain'), [second], { size: second.length });
      await expectStored('single/plain', second, r2.digest);
      expect(uploads(proxy).slice(2)).toEqual(['POST 202', 'PUT ?digest 201']);
    } finally {
      await proxy.stop();
    }
  });

  it('a registry that takes it commits each small blob in one request, and the digest it checked is the data', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    proxy.rules.push({ kind: 'single-post', match: { method: 'POST', path: /\?digest=/ }, times: Infinity });
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const blobs = [randomBytes(1000), randomBytes(300_000), Buffer.alloc(0)];
      for (const data of blobs) {
        const r = await client.uploadBlob(repositoryName('single/one'), [data], { size: data.length });
        await expectStored('single/one', data, r.digest);
      }
      expect(uploads(proxy)).toEqual(['POST ?digest 201', 'POST ?digest 201', 'POST ?digest 201']);
      expect(client.singlePost.state).toBe('yes');
      // The registry verifies the digest named in the POST: bytes that do not match it are refused.
      const res = await fetch(`${proxy.url}/v2/single/one/blobs/uploads/?digest=sha256:${'0'.repeat(64)}`, {
        method: 'POST',
        body: randomBytes(100),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('DIGEST_INVALID');
    } finally {
      await proxy.stop();
    }
  });

  it('a registry that refuses the POST with a body gets a plain POST and the PUT, once asked', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    proxy.rules.push({
      kind: 'status',
      status: 415,
      match: { method: 'POST', path: /\?digest=/ },
      times: Infinity,
      body: JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'no body on POST' }] }),
    });
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      for (const n of [2000, 4000]) {
        const data = randomBytes(n);
        const r = await client.uploadBlob(repositoryName('single/refused'), [data], { size: data.length });
        await expectStored('single/refused', data, r.digest);
      }
      expect(uploads(proxy)).toEqual([
        'POST ?digest 415',
        'POST 202',
        'PUT ?digest 201',
        'POST 202',
        'PUT ?digest 201',
      ]);
      expect(client.singlePost.state).toBe('no');
    } finally {
      await proxy.stop();
    }
  });

  it('while the first small blob asks, the others go the two-request way (one body sent on a guess at most)', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const blobs = Array.from({ length: 8 }, () => randomBytes(20_000));
      const results = await Promise.all(
        blobs.map((data) => client.uploadBlob(repositoryName('single/many'), [data], { size: data.length })),
      );
      for (const [i, r] of results.entries()) await expectStored('single/many', blobs[i] as Buffer, r.digest);
      expect(uploads(proxy).filter((u) => u.startsWith('POST ?digest'))).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });

  it('a registry whose 201 names another digest is a digest mismatch, and a short source is refused before sending', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    proxy.rules.push({
      kind: 'status',
      status: 201,
      match: { method: 'POST', path: /\?digest=/ },
      headers: { 'docker-content-digest': `sha256:${'1'.repeat(64)}` },
      body: '',
    });
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const data = randomBytes(500);
      const e = await errorOf(
        client.uploadBlob(repositoryName('single/lies'), [data], { size: data.length }),
      );
      expect(e.code).toBe('digest-mismatch');
      expect(e.message).toContain(sha256(data));
      const short = await errorOf(client.uploadBlob(repositoryName('single/lies'), [data], { size: 501 }));
      expect(short.code).toBe('invalid-input');
      expect(short.message).toBe('The blob source produced 500 bytes but 501 were expected.');
    } finally {
      await proxy.stop();
    }
  });

  it('a blob said to be small that is not goes through the session with every byte (the peeked head replayed)', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = clientFor(suite.registry, { baseUrl: proxy.url });
      const data = randomBytes(3 * 1024 * 1024 + 5);
      const pieces = function* () {
        for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
      };
      const r = await client.uploadBlob(repositoryName('single/grown'), pieces(), { sizeHint: 10_000 });
      await expectStored('single/grown', data, r.digest);
      expect(uploads(proxy).some((u) => u.includes('?digest') && u.startsWith('POST'))).toBe(false);
    } finally {
      await proxy.stop();
    }
  });
});
