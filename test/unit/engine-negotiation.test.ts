/**
 * Version negotiation's refusals, against a stand-in socket (a real engine of these versions cannot run
 * here); the real engine's side is test/integration/engines.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareApi, EngineClient, MAX_API } from '../../electron/core/engines/engine-client';
import { errorOf } from '../support/clients';

const dir = mkdtempSync(join(tmpdir(), 'lading-negotiate-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function engineAnswering(name: string, apiVersion: string, minApi: string): Promise<string> {
  const socketPath = join(dir, `${name}.sock`);
  const server = createServer((req, res) => {
    res.setHeader('api-version', apiVersion);
    if (req.url === '/_ping') return res.end('OK');
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        Version: 'x',
        ApiVersion: apiVersion,
        MinAPIVersion: minApi,
        Os: 'linux',
        Arch: 'arm64',
        url: req.url,
      }),
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(socketPath, r));
  return socketPath;
}

describe('API version negotiation', () => {
  it('compares versions numerically', () => {
    expect(compareApi('1.9', '1.40')).toBeLessThan(0);
    expect(compareApi('1.41', '1.41')).toBe(0);
    expect(compareApi('2.0', '1.47')).toBeGreaterThan(0);
  });

  it('uses the lower of the two maxima', async () => {
    const socketPath = await engineAnswering('new', '1.52', '1.44');
    const engine = await EngineClient.connect({ kind: 'docker', socketPath, source: 'test' });
    expect(engine.info).toMatchObject({ apiVersion: MAX_API, os: 'linux', arch: 'arm64' });
    await engine.close();
  });

  it('refuses an engine too old, and one that no longer speaks our versions', async () => {
    const old = await engineAnswering('old', '1.30', '1.12');
    const e = await errorOf(EngineClient.connect({ kind: 'docker', socketPath: old, source: 'test' }));
    expect(e.code).toBe('unsupported');
    expect(e.message).toContain('speaks Docker API 1.30; Lading needs 1.40');
    expect(e.hint).toMatch(/Upgrade Docker/);
    const future = await engineAnswering('future', '1.60', '1.50');
    const f = await errorOf(EngineClient.connect({ kind: 'docker', socketPath: future, source: 'test' }));
    expect(f.message).toContain('needs Docker API 1.50 or newer');
  });
});
