import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import {
  mediaTypeOf,
  nextLink,
  parseLinks,
  parseRetryAfter,
  parseUploadRange,
} from '../../electron/core/registry/headers';
import { repositoryName } from '../../electron/core/registry/names';
import { connectionError, readBytes, readJson, Transport } from '../../electron/core/registry/transport';

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('parses seconds and HTTP dates, capped and never negative', () => {
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('100000', now)).toBe(60);
    expect(parseRetryAfter('100000', now, 10)).toBe(10);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('Link', () => {
  it('finds rel="next" relative and absolute', () => {
    const base = 'http://127.0.0.1:5000/v2/a/tags/list?n=2';
    expect(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"', base)?.href).toBe(
      'http://127.0.0.1:5000/v2/a/tags/list?last=b&n=2',
    );
    expect(nextLink('<https://other.example/v2/_catalog?last=x>; rel=next', base)?.href).toBe(
      'https://other.example/v2/_catalog?last=x',
    );
    expect(nextLink('</first>; rel="first", </n>; rel="next"', base)?.pathname).toBe('/n');
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('</prev>; rel="prev"', base)).toBeUndefined();
  });
  it('parses several rels and parameters', () => {
    expect(parseLinks('<a>; title="x, y"; rel="next last"')).toEqual([{ url: 'a', rel: ['next', 'last'] }]);
  });
});

describe('other headers', () => {
  it('parses upload ranges in both spellings', () => {
    expect(parseUploadRange('0-1023')).toBe(1024);
    expect(parseUploadRange('bytes=0-99')).toBe(100);
    expect(parseUploadRange('junk')).toBeUndefined();
  });
  it('strips content-type parameters', () => {
    expect(mediaTypeOf('application/vnd.oci.image.manifest.v1+json; charset=utf-8')).toBe(
      'application/vnd.oci.image.manifest.v1+json',
    );
    expect(mediaTypeOf(undefined)).toBeUndefined();
  });
  it('names the cause of connection errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const e = connectionError(refused, '127.0.0.1:1');
    expect(e.code).toBe('unreachable');
    expect(e.message).toBe('Cannot reach 127.0.0.1:1: connection refused.');
    const dns = connectionError(
      Object.assign(new Error('x'), { cause: { code: 'ENOTFOUND' } }),
      'nope.invalid',
    );
    expect(dns.message).toMatch(/DNS/);
    expect(
      connectionError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'h').message,
    ).toMatch(/TLS/);
  });
});

type Seen = { path: string; authorization?: string };
async function server(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(() => r()));
    },
  };
}

describe('Transport against local HTTP servers', () => {
  it('follows redirects but sends Authorization only to the registry host', async () => {
    const storage = await server((_req, res) => res.end('blob-bytes'));
    const registry = await server((_req, res) => {
      res.writeHead(307, { location: `${storage.url}/signed?x=1` });
      res.end();
    });
    try {
      const t = new Transport({ baseUrl: registry.url, retryBaseMs: 1 });
      const res = await t.send({
        method: 'GET',
        url: '/v2/a/blobs/sha256:x',
        authorization: 'Bearer secret',
      });
      expect(await res.body.text()).toBe('blob-bytes');
      expect(registry.seen[0]?.authorization).toBe('Bearer secret');
      expect(storage.seen[0]?.authorization).toBeUndefined();
      expect(res.url.href).toBe(`${storage.url}/signed?x=1`);
    } finally {
      await storage.close();
      await registry.close();
    }
  });

  it('keeps token-realm credentials on the realm host and refuses to replay a secret body elsewhere', async () => {
    const elsewhere = await server((_req, res) => res.end('{}'));
    const realm = await server((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/token` });
      res.end();
    });
    try {
      const t = new Transport({ baseUrl: 'http://127.0.0.1:1' });
      const res = await t.send({
        method: 'GET',
        url: `${realm.url}/token`,
        authorization: 'Basic c2VjcmV0',
        authorizationHost: new URL(realm.url).host,
      });
      await res.body.dump();
      expect(realm.seen[0]?.authorization).toBe('Basic c2VjcmV0');
      expect(elsewhere.seen[0]?.authorization).toBeUndefined();
      const post = t.send({
        method: 'POST',
        url: `${realm.url}/token`,
        body: 'refresh_token=x',
        secretBody: true,
      });
      await expect(post).rejects.toMatchObject({ code: 'protocol-error' });
      expect(elsewhere.seen).toHaveLength(1);
    } finally {
      await elsewhere.close();
      await realm.close();
    }
  });

  it('detects redirect loops', async () => {
    const s = await server((req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
      res.end();
    });
    try {
      const t = new Transport({ baseUrl: s.url });
      await expect(t.send({ method: 'GET', url: '/a' })).rejects.toMatchObject({ code: 'protocol-error' });
    } finally {
      await s.close();
    }
  });

  it('retries a reset connection for idempotent requests only', async () => {
    let calls = 0;
    const s = await server((req, res) => {
      calls++;
      if (calls === 1) req.socket.destroy();
      else res.end('{"ok":true}');
    });
    try {
      const t = new Transport({ baseUrl: s.url, retryBaseMs: 1 });
      const res = await t.send({ method: 'GET', url: '/x' });
      expect((await readJson(res, 100)).value).toEqual({ ok: true });
      expect(calls).toBe(2);
      calls = 0;
      await expect(t.send({ method: 'PATCH', url: '/x', body: Buffer.from('d') })).rejects.toMatchObject({
        code: 'unreachable',
      });
      expect(calls).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('bounds JSON reads and refuses HTML', async () => {
    const s = await server((req, res) => {
      if (req.url === '/big') res.end(JSON.stringify({ x: 'y'.repeat(5000) }));
      else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      }
    });
    try {
      const t = new Transport({ baseUrl: s.url });
      await expect(readJson(await t.send({ method: 'GET', url: '/big' }), 1000)).rejects.toMatchObject({
        code: 'too-large',
      });
      const html = readJson(await t.send({ method: 'GET', url: '/html' }), 1000, 'tag list');
      await expect(html).rejects.toMatchObject({ code: 'protocol-error' });
      await expect(html).rejects.not.toThrow(/login/);
    } finally {
      await s.close();
    }
  });
});

describe('Transport against a registry that stops answering', () => {
  /** Accepts TCP connections and never writes a byte: the silent registry that used to block for 300 s. */
  async function silentServer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    let connections = 0;
    const s = createTcpServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const { port } = s.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      connections: () => connections,
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise((r) => s.close(() => r()));
      },
    };
  }

  it('gives up on missing headers after headersTimeoutMs, retrying idempotent requests only', async () => {
    const s = await silentServer();
    try {
      const t = new Transport({ baseUrl: s.url, retries: 2, retryBaseMs: 1, headersTimeoutMs: 150 });
      const started = Date.now();
      const get = t.send({ method: 'GET', url: '/v2/' });
      await expect(get).rejects.toMatchObject({ code: 'unreachable', temporary: true });
      await expect(get).rejects.toThrow(/stopped answering/);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(s.connections()).toBe(3);
      const post = t.send({ method: 'POST', url: '/v2/a/blobs/uploads/' });
      await expect(post).rejects.toMatchObject({ code: 'unreachable' });
      expect(s.connections()).toBe(4);
    } finally {
      await s.close();
    }
  });

  it('gives up on a body that stalls for bodyTimeoutMs (a gap, not a total limit)', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      // Slow but steady chunks (each gap under the limit) are fine; then the body stops.
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < 5) res.write('x'.repeat(10));
        sent++;
      }, 60);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const t = new Transport({ baseUrl: s.url, bodyTimeoutMs: 200 });
      const res = await t.send({ method: 'GET', url: '/v2/_catalog' });
      const started = Date.now();
      const read = readBytes(res, 10_000, 'repository list');
      await expect(read).rejects.toMatchObject({ code: 'unreachable' });
      await expect(read).rejects.toThrow(/stopped answering/);
      // Five chunks 60 ms apart outlast one 200 ms limit: the timer restarts with each chunk.
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await s.close();
    }
  });

  it('takes the timeouts from RegistryClientOptions', async () => {
    const s = await silentServer();
    try {
      const client = new RegistryClient({
        registry: new URL(s.url).host,
        insecure: true,
        retries: 0,
        headersTimeoutMs: 100,
      });
      await expect(client.tags(repositoryName('library/alpine'))).rejects.toMatchObject({
        code: 'unreachable',
        message: expect.stringMatching(/stopped answering/),
      });
      expect(s.connections()).toBe(1);
    } finally {
      await s.close();
    }
  });
});
