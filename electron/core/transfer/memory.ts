/**
 * Keeps a long transfer's memory flat. Streaming moves every byte through short-lived Buffers (compressor
 * outputs, download pieces, decompressed data); V8 frees their memory only at a GC, and it schedules one for
 * external memory roughly every 64 MB allocated, so a fast transfer carries ~100 MB of dead buffers.
 * Collecting as bytes flow keeps the peak near the live working set. Most rounds are a minor GC (a
 * scavenge, ~1 ms: the dead buffers are young); a full GC, which walks the whole heap (~30 ms with the CLI
 * loaded; one every 16 MiB cost a second per 512 MiB), runs only every `fullEvery` rounds for buffers that
 * lived long enough to be promoted. Rounds every 8 MiB instead of 16 took ~15 MB off the peak of a
 * 512 MiB push or pull for no measurable CPU. `gc` is exposed at run time with the standard `--expose-gc` flag; where
 * that is refused it does nothing. Where the native helper is installed (native-deflate.ts), each round
 * also returns glibc's freed pages to the system.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nativeDeflate } from './native-deflate';

type GcFunction = (options?: { type?: 'minor' | 'major' }) => void;

let gcFn: GcFunction | null | undefined;

function gc(): GcFunction | null {
  if (gcFn !== undefined) return gcFn;
  try {
    const existing = (globalThis as { gc?: GcFunction }).gc;
    if (typeof existing === 'function') {
      gcFn = existing;
    } else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as GcFunction;
    }
  } catch {
    gcFn = null;
  }
  return gcFn;
}

export interface CollectorOptions {
  /** Bytes between GC rounds (default 8 MiB: each round is a ~1 ms scavenge, and the dead buffers of a
   * round are what the peak carries on top of the live ones). */
  everyBytes?: number;
  /** Every how many rounds the GC is a full one (default 16, so every 128 MiB). */
  fullEvery?: number;
  /**
   * Also hand glibc's freed pages back to the system after each round (the native helper's trimMemory,
   * where installed). Worth it for a push, whose compressor output is allocated on pool threads and freed
   * on the main thread (glibc keeps ~20 MB of such memory otherwise); a pull's pieces are reused in place
   * and re-faulting trimmed pages there cost more system time than the megabytes it saved.
   */
  trim?: boolean;
}

/**
 * Returns a counter: call it with the bytes just processed; every `everyBytes` it runs a minor GC, and
 * every `fullEvery`-th time a full one.
 */
export function garbageCollector(opts: CollectorOptions = {}): (bytes: number) => void {
  const everyBytes = opts.everyBytes ?? 8 * 1024 * 1024;
  const fullEvery = opts.fullEvery ?? 16;
  let since = 0;
  let rounds = 0;
  return (bytes) => {
    since += bytes;
    if (since < everyBytes) return;
    since = 0;
    rounds++;
    const collect = gc();
    if (!collect) return;
    if (rounds % fullEvery === 0) collect();
    else collect({ type: 'minor' });
    // Looked up here, not when the counter is made: loading the addon is start-up time a small push feels.
    if (opts.trim) nativeDeflate()?.trimMemory?.();
  };
}
