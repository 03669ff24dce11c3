import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32Combine } from '../../electron/core/transfer/crc32-combine';
import { closeGzipPool, type GzipStats, gzipParallel } from '../../electron/core/transfer/gzip-parallel';

async function gzipAll(
  chunks: Uint8Array[],
  blockSize?: number,
  sizeHint?: number,
): Promise<{ out: Buffer; stats: GzipStats }> {
  const stats: GzipStats = { bytesIn: 0, bytesOut: 0, storedBlocks: 0, blocks: 0 };
  async function* src() {
    yield* chunks;
  }
  const parts: Buffer[] = [];
  for await (const p of gzipParallel(src(), { blockSize, sizeHint }, stats)) parts.push(p);
  return { out: Buffer.concat(parts), stats };
}

function text(n: number): Buffer {
  const words = ['layer', 'registry', 'manifest', 'digest', 'lading', 'blob', 'config', '\n'];
  const out: string[] = [];
  let len = 0;
  let i = 0;
  while (len < n) {
    const w = words[(i * 7 + (i >> 3)) % words.length] as string;
    out.push(w, ' ');
    len += w.length + 1;
    i++;
  }
  return Buffer.from(out.join('')).subarray(0, n);
}

afterAll(() => closeGzipPool());

describe('crc32Combine', () => {
  it('equals the CRC of the concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const joined = crc32Combine(crc32(a), crc32(b), b.length);
        expect(joined).toBe(crc32(Buffer.concat([a, b])));
      }),
      { numRuns: 200 },
    );
  });
});

describe('gzipParallel', () => {
  it('produces one valid gzip stream for empty input', async () => {
    const { out } = await gzipAll([]);
    expect(gunzipSync(out).length).toBe(0);
  });

  it('round-trips mixed random and text data across block boundaries', async () => {
    const data = Buffer.concat([
      text(300_000),
      randomBytes(200_000),
      text(70_001),
      randomBytes(65_536 * 3 + 5),
    ]);
    // odd chunk sizes so blocks are filled from several chunks
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 12_345) chunks.push(data.subarray(i, i + 12_345));
    const { out, stats } = await gzipAll(chunks, 64 * 1024);
    expect(gunzipSync(out).equals(data)).toBe(true);
    expect(stats.bytesIn).toBe(data.length);
    expect(stats.bytesOut).toBe(out.length);
    expect(stats.storedBlocks).toBeGreaterThan(0); // random blocks were stored, not deflated
    expect(stats.storedBlocks).toBeLessThan(stats.blocks);
  });

  it('is deterministic (same digest for the same layer)', async () => {
    const data = Buffer.concat([text(500_000), randomBytes(100_000)]);
    const a = await gzipAll([data], 128 * 1024);
    const b = await gzipAll([data.subarray(0, 1000), data.subarray(1000)], 128 * 1024);
    expect(a.out.equals(b.out)).toBe(true);
  });

  it('round-trips whatever the size hint says (too small, exact, too large)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 50_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        async (d, hint) => {
          const { out } = await gzipAll([d], 16_384, hint);
          expect(gunzipSync(out).equals(Buffer.from(d))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('round-trips arbitrary inputs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 100_000 }),
        fc.integer({ min: 1, max: 40_000 }),
        async (d, bs) => {
          const { out } = await gzipAll([d], bs);
          expect(gunzipSync(out).equals(Buffer.from(d))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});
