import { describe, expect, it } from 'vitest';
import { readAhead } from '../../electron/core/transfer/read-ahead';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* source(n: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array(size);
}

describe('readAhead backlog: when the consumer, not the producer, sets the pace', () => {
  it('a consumer slower than the producer all along is reported once, and the buffer shrinks to `keep`', async () => {
    let reached = 0;
    let peak = 0;
    let queued = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const c of source(40, 100)) {
        queued += c.length;
        peak = Math.max(peak, queued);
        yield c;
      }
    }
    const it = readAhead(counted(), 1000, { waitedMs: 40, reached: () => reached++, keep: 300 });
    let peakAfter = 0;
    let drained = false;
    for await (const c of it) {
      queued -= c.length;
      // Once the backlog is down to `keep`, it stays there.
      if (reached && queued <= 300) drained = true;
      if (drained) peakAfter = Math.max(peakAfter, queued);
      await sleep(5);
    }
    expect(drained).toBe(true);
    expect(reached).toBe(1);
    expect(peak).toBeLessThanOrEqual(1100);
    // Once reached, at most `keep` (plus the piece being read) waits.
    expect(peakAfter).toBeLessThanOrEqual(400);
  });

  it('a consumer that keeps up but for short pauses now and then is not (the producer waited, not most of the time)', async () => {
    let reached = 0;
    async function* slowSource(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 80; i++) {
        await sleep(2);
        yield new Uint8Array(100);
      }
    }
    const it = readAhead(slowSource(), 300, { waitedMs: 20, reached: () => reached++ });
    let n = 0;
    for await (const _ of it) {
      // A 10 ms pause every 20 pieces: the buffer fills and the producer waits, then the consumer catches up.
      if (++n % 20 === 0) await sleep(10);
    }
    expect(n).toBe(80);
    expect(reached).toBe(0);
  });
});
