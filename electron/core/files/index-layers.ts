/**
 * Every layer's index, from the cache or by streaming the blob's headers (bodies skipped), with progress
 * in compressed bytes, cancel, and the entry bound applied across the image.
 */
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

/** One layer's entries, streamed from the registry. `budget` is how many entries it may still add. */
export async function indexLayer(
  client: BlobClient,
  layer: LayerRef,
  limits: FileLimits,
  budget: number,
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
      if (entries.length >= budget) throw tooManyEntries(what, limits);
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

/** The indexes of `layers`, bottom first. */
export async function indexLayers(
  client: BlobClient,
  layers: LayerRef[],
  limits: FileLimits,
  opts: IndexOptions = {},
): Promise<LayerEntry[][]> {
  const bytesTotal = layers.reduce((n, l) => n + l.descriptor.size, 0);
  let before = 0;
  let count = 0;
  const out: LayerEntry[][] = [];
  const report = (bytesDone: number, layersDone: number) =>
    opts.onProgress?.({ bytesDone, bytesTotal, layersDone, layers: layers.length });
  for (const [i, layer] of layers.entries()) {
    if (opts.signal?.aborted) throw cancelled();
    let entries = await opts.cache?.get(layer.descriptor.digest);
    if (entries && count + entries.length > limits.maxEntries) throw tooManyEntries(`Layer ${i + 1}`, limits);
    if (!entries) {
      const start = before;
      entries = await indexLayer(client, layer, limits, limits.maxEntries - count, {
        signal: opts.signal,
        onBytes: (n) => report(start + n, i),
      });
      await opts.cache?.put(layer.descriptor.digest, entries);
    }
    count += entries.length;
    before += layer.descriptor.size;
    out.push(entries);
    report(before, i + 1);
  }
  return out;
}
