import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Bridge, startBridge } from '../../electron/app/bridge/server';
import { createServices, type Services } from '../../electron/app/services';
import { MemorySecretStore } from '../../electron/core/connections/secret-store';
import {
  BRIDGE_FILENAME_HEADER,
  BRIDGE_TOKEN_HEADER,
  BRIDGE_WS_PROTOCOL_PREFIX,
} from '../../shared/bridge-protocol';

let dir: string;
let services: Services;
let bridge: Bridge;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-bridge-'));
  const rendererDir = join(dir, 'renderer');
  await import('node:fs/promises').then((fs) => fs.mkdir(rendererDir));
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Lading</title>');
  services = await createServices({
    dataDir: dir,
    secretStore: new MemorySecretStore(),
    mode: 'bridge',
    tempDir: dir,
  });
  bridge = await startBridge({ services, rendererDir, maxUploadBytes: 1024 * 1024 });
});
afterAll(async () => {
  await bridge?.close();
  await services?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** A raw request, so the test controls the Host header (fetch does not let it be set). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? '127.0.0.1',
        port: bridge.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${bridge.port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const call = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${bridge.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token, ...headers },
    body: JSON.stringify(body),
  });

describe('browser bridge', () => {
  it('prints a loopback URL carrying the secret in the fragment', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/#token=${bridge.token}`);
    expect(bridge.token.length).toBeGreaterThanOrEqual(32);
  });

  it('listens on 127.0.0.1 only and refuses to bind elsewhere', async () => {
    expect((bridge.server.address() as { address: string }).address).toBe('127.0.0.1');
    await expect(startBridge({ services, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'invalid-input' });
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await expect(raw('/', { host: external.address })).rejects.toThrow();
    }
  });

  it('answers calls with the secret', async () => {
    const res = await call('app.info', {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, value: { mode: 'bridge' } });
  });

  it('refuses API requests without the secret (401)', async () => {
    const noToken = await fetch(`${bridge.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await call('app.info', {}, { [BRIDGE_TOKEN_HEADER]: 'wrong' })).status).toBe(401);
    expect((await fetch(`${bridge.origin}/api/upload`, { method: 'POST', body: 'x' })).status).toBe(401);
    expect((await fetch(`${bridge.origin}/api/download/x`)).status).toBe(401);
    expect((await fetch(`${bridge.origin}/api/events`)).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) and foreign origins', async () => {
    const rebound = await raw('/api/call/app.info', {
      method: 'POST',
      headers: {
        host: `evil.example:${bridge.port}`,
        'content-type': 'application/json',
        [BRIDGE_TOKEN_HEADER]: bridge.token,
      },
      body: '{}',
    });
    expect(rebound.status).toBe(403);
    expect((await raw('/', { headers: { host: 'evil.example' } })).status).toBe(403);
    const crossOrigin = await call('app.info', {}, { origin: 'https://evil.example' });
    expect(crossOrigin.status).toBe(403);
  });

  it('refuses non-JSON and oversized call bodies', async () => {
    const form = await fetch(`${bridge.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', [BRIDGE_TOKEN_HEADER]: bridge.token },
      body: '{}',
    });
    expect(form.status).toBe(415);
    const big = await call('connections.save', { name: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  it('validates requests like every transport', async () => {
    const res = await call('connections.remove', { nope: true });
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('serves the renderer with the strict CSP', async () => {
    const res = await fetch(`${bridge.origin}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<title>Lading</title>');
    // SPA route falls back to index.html; traversal stays inside the renderer dir.
    expect((await fetch(`${bridge.origin}/repositories/x`)).status).toBe(200);
    expect((await raw('/../../etc/passwd')).body).not.toContain('root:');
    expect((await raw('/%2e%2e/%2e%2e/etc/passwd')).body).not.toContain('root:');
    // Malformed escapes are client errors, not crashes.
    expect((await raw('/%E0%A4%A')).status).toBe(400);
    const badName = await raw('/api/call/%E0%A4%A', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token },
      body: '{}',
    });
    expect(JSON.parse(badName.body)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('streams an upload to a temp file, and bounds its size', async () => {
    const bytes = Buffer.alloc(300_000, 7);
    const res = await fetch(`${bridge.origin}/api/upload`, {
      method: 'POST',
      headers: {
        [BRIDGE_TOKEN_HEADER]: bridge.token,
        [BRIDGE_FILENAME_HEADER]: encodeURIComponent('my app.tar'),
      },
      body: bytes,
    });
    const body = (await res.json()) as { ok: boolean; value: { uploadId: string } };
    expect(body.ok).toBe(true);
    const upload = services.context.uploads.get(body.value.uploadId);
    expect(upload.fileName).toBe('my app.tar');
    expect(upload.path.startsWith(services.context.uploads.dir)).toBe(true);
    expect((await readFile(upload.path)).equals(bytes)).toBe(true);
    await services.context.uploads.release(body.value.uploadId);
    expect(await readdir(services.context.uploads.dir)).toEqual([]);

    const tooBig = await fetch(`${bridge.origin}/api/upload`, {
      method: 'POST',
      headers: { [BRIDGE_TOKEN_HEADER]: bridge.token },
      body: Buffer.alloc(2 * 1024 * 1024),
    });
    expect(tooBig.status).toBe(413);
    expect(await readdir(services.context.uploads.dir)).toEqual([]);
  });

  it('sends events over an authenticated WebSocket and rejects others', async () => {
    const wsUrl = `ws://127.0.0.1:${bridge.port}/api/events`;
    const ws = new WebSocket(wsUrl, [`${BRIDGE_WS_PROTOCOL_PREFIX}${bridge.token}`]);
    const messages: Array<{ event: string; payload: unknown }> = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        messages.push(JSON.parse(d.toString()));
        resolve();
      });
      ws.on('error', reject);
    });
    services.events.emit('jobs.removed', { ids: ['a'] });
    await new Promise((r) => setTimeout(r, 100));
    expect(messages.map((m) => m.event)).toEqual(['bridge.ready', 'jobs.removed']);
    ws.close();

    // The other way to authenticate: the token as the first message.
    const ws2 = new WebSocket(wsUrl);
    await new Promise((r) => ws2.on('open', r));
    ws2.send(JSON.stringify({ token: bridge.token }));
    const first = await new Promise<string>((r) => ws2.on('message', (d) => r(d.toString())));
    expect(JSON.parse(first).event).toBe('bridge.ready');
    ws2.close();

    // And the token in the query, as the renderer's transport sends it.
    const ws3 = new WebSocket(`${wsUrl}?token=${bridge.token}`);
    const third = await new Promise<string>((r) => ws3.on('message', (d) => r(d.toString())));
    expect(JSON.parse(third).event).toBe('bridge.ready');
    ws3.close();

    const bad = new WebSocket(wsUrl);
    await new Promise((r) => bad.on('open', r));
    bad.send(JSON.stringify({ token: 'wrong' }));
    const code = await new Promise<number>((r) => bad.on('close', (c) => r(c)));
    expect(code).toBe(4401);

    const foreign = new WebSocket(wsUrl, [`${BRIDGE_WS_PROTOCOL_PREFIX}${bridge.token}`], {
      headers: { origin: 'https://evil.example' },
    });
    await expect(
      new Promise((resolve, reject) => foreign.on('open', resolve).on('error', reject)),
    ).rejects.toThrow();
  });

  it('streams events over SSE too', async () => {
    const controller = new AbortController();
    const res = await fetch(`${bridge.origin}/api/events`, {
      headers: { [BRIDGE_TOKEN_HEADER]: bridge.token },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read();
    services.events.emit('jobs.removed', { ids: ['b'] });
    const { value } = await reader.read();
    expect(Buffer.from(value!).toString()).toContain('"jobs.removed"');
    controller.abort();
  });
});

describe('bridge downloads: one-time tickets, never the secret in a URL', () => {
  const ticketFor = (
    jobId: string,
    headers: Record<string, string> = { [BRIDGE_TOKEN_HEADER]: bridge.token },
  ) =>
    fetch(`${bridge.origin}/api/download-ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ jobId }),
    });
  const ticket = async (jobId: string, on = bridge) => {
    const res = await fetch(`${on.origin}/api/download-ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: on.token },
      body: JSON.stringify({ jobId }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { value: { ticket: string } }).value.ticket;
  };
  const download = (jobId: string, query: string, on = bridge) =>
    fetch(`${on.origin}/api/download/${encodeURIComponent(jobId)}${query}`);

  beforeAll(async () => {
    for (const id of ['job-a', 'job-b']) {
      const path = join(dir, `${id}.tar`);
      await writeFile(path, `contents of ${id}`);
      services.context.downloads.set(id, { path, fileName: `${id}.tar` });
    }
  });

  it('hands out tickets only with the secret header, and only for a pulled file', async () => {
    expect((await ticketFor('job-a', {})).status).toBe(401);
    expect((await ticketFor('job-a', { [BRIDGE_TOKEN_HEADER]: 'wrong' })).status).toBe(401);
    const missing = await ticketFor('no-such-job');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ ok: false, error: { code: 'file-error' } });
  });

  it('serves the file once per ticket; a reused ticket is refused', async () => {
    const t = await ticket('job-a');
    expect(t).not.toContain(bridge.token);
    const first = await download('job-a', `?ticket=${t}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-disposition')).toContain('job-a.tar');
    expect(await first.text()).toBe('contents of job-a');
    const again = await download('job-a', `?ticket=${t}`);
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ ok: false, error: { code: 'denied' } });
  });

  it("refuses a ticket for another job's file, and spends it", async () => {
    const t = await ticket('job-a');
    expect((await download('job-b', `?ticket=${t}`)).status).toBe(403);
    expect((await download('job-a', `?ticket=${t}`)).status).toBe(403);
  });

  it('refuses the session secret in a download URL, even alongside a good ticket', async () => {
    expect((await download('job-a', `?token=${bridge.token}`)).status).toBe(403);
    expect((await download('job-a', `?ticket=${bridge.token}`)).status).toBe(403);
    const t = await ticket('job-a');
    expect((await download('job-a', `?ticket=${t}&token=${bridge.token}`)).status).toBe(403);
    // ...and that ticket is spent with it.
    expect((await download('job-a', `?ticket=${t}`)).status).toBe(403);
    // Without a ticket at all: unauthorised, with a hint to click Download.
    const bare = await download('job-a', '');
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ error: { code: 'unauthorized', hint: expect.any(String) } });
  });

  it('answers GET only, and a HEAD or POST does not spend the ticket', async () => {
    const t = await ticket('job-b');
    const head = await fetch(`${bridge.origin}/api/download/job-b?ticket=${t}`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    const post = await fetch(`${bridge.origin}/api/download/job-b?ticket=${t}`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await download('job-b', `?ticket=${t}`)).status).toBe(200);
  });

  it('keeps a bounded number of outstanding tickets, dropping the oldest', async () => {
    const first = await ticket('job-a');
    for (let i = 0; i < 256; i++) await ticket('job-a');
    expect((await download('job-a', `?ticket=${first}`)).status).toBe(403);
    const last = await ticket('job-a');
    expect((await download('job-a', `?ticket=${last}`)).status).toBe(200);
  });

  it('refuses an expired ticket', async () => {
    const short = await startBridge({ services, ticketTtlMs: 50 });
    try {
      const t = await ticket('job-b', short);
      await new Promise((r) => setTimeout(r, 120));
      expect((await download('job-b', `?ticket=${t}`, short)).status).toBe(403);
      const fresh = await ticket('job-b', short);
      expect((await download('job-b', `?ticket=${fresh}`, short)).status).toBe(200);
    } finally {
      await short.close();
    }
  });
});
