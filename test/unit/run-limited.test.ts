import { describe, expect, it } from 'vitest';
import { layerWeight } from '../../electron/core/transfer/push';
import { runLimited, SLOT_SHARES } from '../../electron/core/transfer/run-limited';

/** Items that finish when told to, recording how many ran at once. */
function harness() {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const finishers = new Map<number, () => void>();
  const fn = (item: { id: number; fail?: boolean }) => {
    running++;
    peak = Math.max(peak, running);
    started.push(item.id);
    return new Promise<number>((resolve, reject) => {
      finishers.set(item.id, () => {
        running--;
        if (item.fail) reject(new Error(`item ${item.id} failed`));
        else resolve(item.id * 10);
      });
    });
  };
  const finish = async (id: number) => {
    finishers.get(id)?.();
    // Let the runner see the finished item and start the next ones.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { fn, finish, started, peak: () => peak };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runLimited (the layer queue of a push)', () => {
  it('runs light items SLOT_SHARES to a slot and heavy ones a slot each, in order, with results in order', async () => {
    const h = harness();
    const light = SLOT_SHARES + 2;
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
    const items = [
      ...Array.from({ length: light }, (_, i) => ({ id: i, w: 1 })),
      { id: light, w: SLOT_SHARES },
      { id: light + 1, w: 1 },
    ];
    const done = runLimited(
      items,
      1,
      (it) => it.w,
      (it) => h.fn(it),
      () => {},
    );
    await tick();
    expect(h.started).toEqual(ids(SLOT_SHARES));
    await h.finish(0);
    expect(h.started).toEqual(ids(SLOT_SHARES + 1));
    for (const id of ids(SLOT_SHARES + 1).slice(1)) await h.finish(id);
    await tick();
    expect(h.started).toEqual(ids(light));
    // The heavy item needs the whole slot: it waits for the last light one, and the one after waits behind it.
    await h.finish(light - 1);
    await tick();
    expect(h.started).toEqual(ids(light + 1));
    await h.finish(light);
    await tick();
    await h.finish(light + 1);
    expect(await done).toEqual(ids(light + 2).map((i) => i * 10));
    expect(h.peak()).toBe(SLOT_SHARES);
  });

  it('stops starting items after the first failure and reports it once', async () => {
    const h = harness();
    const errors: unknown[] = [];
    const items = Array.from({ length: 6 }, (_, i) => ({ id: i, fail: i === 1 }));
    const done = runLimited(
      items,
      1,
      () => SLOT_SHARES / 2,
      (it) => h.fn(it),
      (e) => errors.push(e),
    );
    done.catch(() => {});
    await tick();
    expect(h.started).toEqual([0, 1]);
    await h.finish(1);
    await tick();
    await h.finish(0);
    await expect(done).rejects.toThrow('item 1 failed');
    expect(h.started).toEqual([0, 1]);
    expect(errors).toHaveLength(1);
  });

  it('weighs layers by size: up to 1 MiB is one share of a slot', () => {
    expect(layerWeight(200_000)).toBe(1);
    expect(layerWeight(1024 * 1024)).toBe(1);
    expect(layerWeight(1024 * 1024 + 1)).toBe(SLOT_SHARES);
  });
});
