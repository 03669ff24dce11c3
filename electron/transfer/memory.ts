/**
 * Keeps a long transfer's memory flat. Streaming moves every byte through short-lived Buffers (compressor
 * outputs, download pieces, decompressed data); V8 frees their memory only at a GC, and it schedules one for
 * external memory roughly every 64 MB allocated, so a fast transfer carries ~100 MB of dead buffers.
 * Collecting as bytes flow keeps the peak near the live working set. Most rounds are a minor GC (a
 * scavenge, ~1 ms: the dead buffers are young); a full GC, which walks the whole heap (~30 ms with the CLI
 * loaded; one every 16 MiB cost a second per 512 MiB), runs only every `fullEvery` rounds for buffers that
 * lived long enough to be promoted. `gc` is exposed at run time with the standard `--expose-gc` flag; where
 * that is refused it does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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

/**
 * Returns a counter: call it with the bytes just processed; every `everyBytes` it runs a minor GC, and
 * every `fullEvery`-th time a full one.
 */
export function garbageCollector(everyBytes = 16 * 1024 * 1024, fullEvery = 8): (bytes: number) => void {
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
  };
}
