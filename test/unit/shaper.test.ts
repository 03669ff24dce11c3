/**
 * The bench's wide-area shaper (bench/shaper.ts) really delays and caps: lower bounds only (a loaded
 * machine can only make things slower), and every byte arrives in order.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mbit, type Shaper, startShaper } from '../../bench/shaper';

let sink: Server;
let sinkPort = 0;

beforeAll(async () => {
  // Answers each connection with the sha256 of everything it received, then closes.
  sink = createServer((s) => {
    const h = createHash('sha256');
    s.on('data', (d) => h.update(d));
    s.on('end', () => s.end(h.digest('hex')));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkPort = (sink.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => sink.close(() => r())));

function send(port: number, data: Buffer): Promise<{ ms: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const s = connect(port, '127.0.0.1', () => s.end(data));
    let reply = '';
    s.on('data', (d) => {
      reply += d.toString();
    });
    s.on('end', () => resolve({ ms: performance.now() - started, reply }));
    s.on('error', reject);
  });
}

async function withShaper<T>(opts: Parameters<typeof startShaper>[1], fn: (s: Shaper) => Promise<T>) {
  const shaper = await startShaper(`127.0.0.1:${sinkPort}`, opts);
  try {
    return await fn(shaper);
  } finally {
    await shaper.close();
  }
}

describe('the WAN shaper', () => {
  it('caps one stream at its rate and delivers every byte in order', async () => {
    const data = randomBytes(1024 * 1024);
    const { ms, reply } = await withShaper(
      { delayMs: 5, linkBytesPerSec: mbit(1000), streamBytesPerSec: mbit(16) },
      (s) => send(s.port, data),
    );
    expect(reply).toBe(createHash('sha256').update(data).digest('hex'));
    // 1 MiB at 2 MB/s: at least ~0.5 s.
    expect(ms).toBeGreaterThan(450);
  });

  it('adds the one-way delay in each direction', async () => {
    const { ms } = await withShaper(
      { delayMs: 60, linkBytesPerSec: mbit(1000), streamBytesPerSec: mbit(1000) },
      (s) => send(s.port, Buffer.from('ping')),
    );
    // Connect (no shaping of the handshake) then request and reply, each 60 ms one way.
    expect(ms).toBeGreaterThan(115);
  });

  it('shares the link cap between connections', async () => {
    const data = randomBytes(512 * 1024);
    const { ms } = await withShaper(
      { delayMs: 1, linkBytesPerSec: mbit(16), streamBytesPerSec: mbit(1000) },
      async (s) => {
        const started = performance.now();
        await Promise.all([send(s.port, data), send(s.port, data), send(s.port, data), send(s.port, data)]);
        return { ms: performance.now() - started };
      },
    );
    // 2 MiB over a shared 2 MB/s link: at least ~1 s, although each stream alone could go faster.
    expect(ms).toBeGreaterThan(900);
  });

  it('forwards to loopback only', async () => {
    await expect(
      startShaper('10.0.0.1:80', { delayMs: 0, linkBytesPerSec: 1, streamBytesPerSec: 1 }),
    ).rejects.toThrow(/loopback only/);
  });
});
