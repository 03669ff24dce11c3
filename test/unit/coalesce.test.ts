import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../electron/core/transfer/coalesce';

async function* from(pieces: Uint8Array[]) {
  for (const p of pieces) yield p;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(Buffer.from(c)); // copies: batches are not reused, but be strict
  return out;
}

describe('coalesce (socket pieces into decompressor-sized batches)', () => {
  it('keeps every byte in order; all batches full but the last', async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => randomBytes((i * 37) % 300));
    const out = await collect(coalesce(from(pieces), 1000));
    expect(Buffer.concat(out)).toEqual(Buffer.concat(pieces));
    for (const b of out.slice(0, -1)) expect(b.length).toBe(1000);
    expect(out.at(-1)?.length).toBeLessThanOrEqual(1000);
  });

  it('passes a large piece through when no batch is open, and splits one that arrives mid-batch', async () => {
    const big = randomBytes(2500);
    const passed = await collect(coalesce(from([big]), 1000));
    expect(passed).toEqual([big]);

    const small = randomBytes(10);
    const split = await collect(coalesce(from([small, big]), 1000));
    expect(split.map((b) => b.length)).toEqual([1000, 1000, 510]);
    expect(Buffer.concat(split)).toEqual(Buffer.concat([small, big]));
  });

  it('yields nothing for an empty source or empty pieces', async () => {
    expect(await collect(coalesce(from([]), 1000))).toEqual([]);
    expect(await collect(coalesce(from([new Uint8Array(0), new Uint8Array(0)]), 1000))).toEqual([]);
  });

  it('passes a source error on (bytes still in the open batch go with it: the pull fails anyway)', async () => {
    async function* failing() {
      yield randomBytes(10);
      throw new Error('connection reset');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const c of coalesce(failing(), 1000)) seen.push(c.length);
      })(),
    ).rejects.toThrow('connection reset');
    expect(seen).toEqual([]);
  });
});
