/**
 * Every layer's index, from the cache or by streaming the blob's headers (bodies skipped), with progress
 * in compressed bytes, cancel, and the entry bound applied across the image.
 */
import { availableParallelism } from 'node:os';
import { LadingError } from '../registry/errors';
import type { IndexCache } from './index-cache';
import { entryOf, type LayerEntry } from './layer-index';
import { type BlobClient, type FileLimits, type LayerRef, openLayerTar } from './layer-stream';
import { TarReader } from './tar-reader';

export interface IndexProgress {
  /** Compressed bytes of the layers read so far (cached layers count as read). */
  bytesDone: number;
  bytesTotal: number;
  layersDone: number;
  layers: number;
}

export interface IndexOptions {
  cache?: IndexCache;
  signal?: AbortSignal;
  onProgress?(p: IndexProgress): void;
}

export function cancelled(): LadingError {
  return new LadingError('cancelled', 'Reading the image files was cancelled.');
}

function tooManyEntries(what: string, limits: FileLimits): LadingError {
  return new LadingError(
    'too-large',
    `${what} brings the image past ${limits.maxEntries} filesystem entries; stopped there.`,
    { hint: 'No real image has that many files: the layer is broken or hostile.' },
  );
}

/** Entries indexed so far across an image's layers (several are read at once). */
interface EntryBudget {
  count: number;
}

/** One layer's entries, streamed from the registry; each counts against `budget`. */
export async function indexLayer(
  client: BlobClient,
  layer: LayerRef,
  limits: FileLimits,
  budget: EntryBudget,
  opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
): Promise<LayerEntry[]> {
  const { tar, what, close } = await openLayerTar(client, layer, limits, opts);
  const entries: LayerEntry[] = [];
  try {
    const reader = new TarReader(tar, what);
    for (let ordinal = 0; ; ordinal++) {
      if (opts.signal?.aborted) throw cancelled();
      const h = await reader.next();
      if (!h) break;
      const e = entryOf(h, ordinal, what, limits);
      if (!e) continue;
      if (++budget.count > limits.maxEntries) throw tooManyEntries(what, limits);
      entries.push(e);
    }
    // Read to the end so that openBlob checks the blob's digest (the index is only cached once it has).
    for await (const _ of tar) {
      // trailing zero blocks
    }
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled();
    throw e;
  } finally {
    close();
  }
  return entries;
}

/**
 * Layers read at once: decompression runs on libuv's thread pool, so layers inflate side by side on
 * several cores (one gunzip stream is bound to one).
 */
const PARALLEL_LAYERS = Math.max(1, Math.min(4, availableParallelism()));

/** The indexes of `layers`, bottom first. */
export async function indexLayers(
  client: BlobClient,
  layers: LayerRef[],
  limits: FileLimits,
  opts: IndexOptions = {},
): Promise<LayerEntry[][]> {
  const bytesTotal = layers.reduce((n, l) => n + l.descriptor.size, 0);
  const done = new Array<number>(layers.length).fill(0);
  let layersDone = 0;
  const report = () =>
    opts.onProgress?.({
      bytesDone: done.reduce((a, b) => a + b, 0),
      bytesTotal,
      layersDone,
      layers: layers.length,
    });
  const budget: EntryBudget = { count: 0 };
  const out: LayerEntry[][] = new Array(layers.length);
  const failure = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, failure.signal]) : failure.signal;
  let next = 0;
  const worker = async () => {
    while (next < layers.length) {
      const i = next++;
      const layer = layers[i] as LayerRef;
      if (signal.aborted) return;
      let entries = await opts.cache?.get(layer.descriptor.digest);
      if (entries) {
        budget.count += entries.length;
        if (budget.count > limits.maxEntries) throw tooManyEntries(`Layer ${i + 1}`, limits);
      } else {
        entries = await indexLayer(client, layer, limits, budget, {
          signal,
          onBytes: (n) => {
            done[i] = n;
            report();
          },
        });
        await opts.cache?.put(layer.descriptor.digest, entries);
      }
      out[i] = entries;
      done[i] = layer.descriptor.size;
      layersDone++;
      report();
    }
  };
  if (opts.signal?.aborted) throw cancelled();
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(PARALLEL_LAYERS, layers.length) }, () =>
      worker().catch((e) => {
        // One layer's failure stops the others at once.
        failure.abort();
        throw e;
      }),
    ),
  );
  if (opts.signal?.aborted) throw cancelled();
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    // The first real error, not the cancellations it caused in the other layers.
    const real = results.find(
      (r) => r.status === 'rejected' && !(r.reason instanceof LadingError && r.reason.code === 'cancelled'),
    ) as PromiseRejectedResult | undefined;
    throw (real ?? failed).reason;
  }
  return out;
}
