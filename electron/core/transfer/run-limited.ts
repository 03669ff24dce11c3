/**
 * A first-come work queue with a weighted limit, for the layers of a push: `limit` slots, each of
 * SLOT_SHARES shares, an item taking as many shares as its weight (push-tuning.ts: a small layer one
 * share, a large one a whole slot).
 */

/** Shares in one slot of the limit: the lightest item takes one. */
export const SLOT_SHARES = 10;

/**
 * Runs `fn` over items in order, with at most `limit` slots in use, an item taking `weight(item)` of
 * `SLOT_SHARES` shares of a slot; the first failure aborts the rest. Strictly first-come: a large item
 * waiting for room holds back the small ones behind it (no starvation, and the archive is read in order).
 */
export async function runLimited<T, R>(
  items: T[],
  limit: number,
  weight: (item: T) => number,
  fn: (item: T, i: number) => Promise<R>,
  onError: (e: unknown) => void,
): Promise<R[]> {
  const capacity = Math.max(1, limit) * SLOT_SHARES;
  const results: R[] = new Array(items.length);
  let failed: unknown;
  let used = 0;
  const running = new Set<Promise<void>>();
  for (let i = 0; i < items.length && failed === undefined; i++) {
    const item = items[i] as T;
    const w = Math.min(capacity, Math.max(1, weight(item)));
    // Wait for room: any finished item may free enough.
    while (used + w > capacity && failed === undefined) await Promise.race(running);
    if (failed !== undefined) break;
    used += w;
    const run: Promise<void> = fn(item, i).then(
      (r) => {
        results[i] = r;
      },
      (e: unknown) => {
        if (failed === undefined) {
          failed = e;
          onError(e);
        }
      },
    );
    const tracked = run.finally(() => {
      used -= w;
      running.delete(tracked);
    });
    running.add(tracked);
  }
  await Promise.all(running);
  if (failed !== undefined) throw failed;
  return results;
}
