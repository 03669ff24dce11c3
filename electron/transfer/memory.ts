/**
 * Keeps a long transfer's memory flat. Streaming moves every byte through short-lived Buffers (worker
 * outputs, upload chunks, decompressed data); V8 frees their memory only at a GC, and it schedules one for
 * external memory roughly every 64 MB allocated, so a fast transfer carries ~100 MB of dead buffers.
 * Collecting after every `everyBytes` processed keeps the peak near the live working set. `gc` is exposed
 * at run time with the standard `--expose-gc` flag; where that is refused it does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | null | undefined;

function gc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  try {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (typeof existing === 'function') {
      gcFn = existing;
    } else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  } catch {
    gcFn = null;
  }
  return gcFn;
}

/** Returns a counter: call it with the bytes just processed; it collects garbage every `everyBytes`. */
export function garbageCollector(everyBytes = 64 * 1024 * 1024): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < everyBytes) return;
    since = 0;
    gc()?.();
  };
}
