/**
 * Decouples a producer from a consumer that pauses. The upload engine stops pulling while each PATCH is
 * answered, and a pull writes to disk in bursts; without a buffer the compressor (or the download) would
 * idle meanwhile. Pulling starts at once (so the next layer of a pull can download while the current one
 * is written), up to `maxBytes` ahead; errors reach the consumer in order; `return()` (a consumer that
 * stops, or the owner cancelling) stops the producer.
 */
/** "Most of the time" for `backlog`. */
const MOSTLY = 0.6;

export function readAhead(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  /**
   * `reached` is called once the producer has waited on a full buffer for `waitedMs` in all, and for most of
   * the time since the buffer first filled: the consumer, not the producer, sets the pace (a consumer that
   * only pauses now and then does not). From then on at most `keep` bytes (default `maxBytes`) are read ahead.
   */
  backlog?: { waitedMs: number; reached: () => void; keep?: number },
): AsyncIterableIterator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let done = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const iterator = source[Symbol.asyncIterator]();

  let waited = 0;
  let firstFull: number | undefined;
  const pump = (async () => {
    try {
      while (!stopped) {
        if (queued >= maxBytes) {
          const since = performance.now();
          firstFull ??= since;
          await new Promise<void>((r) => {
            wakeProducer = r;
          });
          const now = performance.now();
          waited += now - since;
          if (backlog && waited >= backlog.waitedMs && waited >= MOSTLY * (now - firstFull)) {
            backlog.reached();
            maxBytes = backlog.keep ?? maxBytes;
            backlog = undefined;
          }
          continue;
        }
        const r = await iterator.next();
        if (r.done) break;
        queue.push(r.value);
        queued += r.value.length;
        wakeConsumer?.();
      }
    } catch (e) {
      failure = { error: e };
    } finally {
      done = true;
      wakeConsumer?.();
    }
  })();

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    stopped = true;
    queue.length = 0;
    wakeProducer?.();
    await pump;
    if (failure === undefined) await iterator.return?.();
  };

  const self: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => self,
    async next(): Promise<IteratorResult<Uint8Array>> {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        const chunk = queue.shift();
        if (chunk) {
          queued -= chunk.length;
          const w = wakeProducer;
          wakeProducer = undefined;
          w?.();
          return { done: false, value: chunk };
        }
        if (failure) {
          closed = true;
          throw failure.error;
        }
        if (done) {
          closed = true;
          return { done: true, value: undefined };
        }
        await new Promise<void>((r) => {
          wakeConsumer = r;
        });
        wakeConsumer = undefined;
      }
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      await close();
      return { done: true, value: undefined };
    },
  };
  return self;
}
