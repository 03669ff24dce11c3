import { describe, expect, it } from 'vitest';
import { readAhead } from '../../electron/core/transfer/read-ahead';

async function collect(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of it) out.push(c[0] as number);
  return out;
}

describe('readAhead (between the compressor and the upload engine)', () => {
  it('passes every chunk in order', async () => {
    async function* src() {
      for (let i = 0; i < 50; i++) yield new Uint8Array([i, 0, 0]);
    }
    expect(await collect(readAhead(src(), 10))).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('delivers a producer error after the chunks before it', async () => {
    async function* src() {
      yield new Uint8Array([1]);
      throw new Error('boom');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const c of readAhead(src(), 100)) seen.push(c[0] as number);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
  });

  it('stops the producer when the consumer stops, and never holds more than the limit', async () => {
    let produced = 0;
    let finished = false;
    async function* src() {
      try {
        for (;;) {
          produced++;
          yield new Uint8Array(10);
        }
      } finally {
        finished = true;
      }
    }
    let n = 0;
    for await (const _ of readAhead(src(), 50)) {
      if (++n === 3) break;
      await new Promise((r) => setTimeout(r, 5));
      expect(produced - n).toBeLessThanOrEqual(6);
    }
    expect(finished).toBe(true);
  });
});
