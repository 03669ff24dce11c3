/**
 * Two start-up savings lean on undici's internals (issue #13 asks that such a trick fail loudly on upgrade):
 * the registry transport loads undici's Agent and request API by file path (electron/core/registry/
 * undici-core.ts, ~100 ms less per `lading` call than the package index on this machine), and the CLI bundle
 * makes undici's node:http2 require lazy (scripts/cli-bundle.mjs). These tests fail when an undici upgrade
 * moves or changes either.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent, request } from '../../electron/core/registry/undici-core';

const require = createRequire(import.meta.url);

describe('undici internals Lading relies on', () => {
  it('the deep-imported Agent is the class undici exports', () => {
    expect(Agent).toBe((require('undici') as { Agent: unknown }).Agent);
  });

  it('the deep-imported request API answers a real request', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent();
    try {
      const { port } = server.address() as AddressInfo;
      const res = await request(agent, { origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('ok');
    } finally {
      await agent.close();
      server.close();
    }
  });

  it("undici's HTTP/2 client still requires node:http2 the way the CLI bundle rewrites it", () => {
    const file = join(require.resolve('undici/package.json'), '..', 'lib/dispatcher/client-h2.js');
    expect(readFileSync(file, 'utf8')).toContain("http2 = require('node:http2')");
  });
});
