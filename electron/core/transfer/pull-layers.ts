/**
 * A pull's layer bytes: downloads requested ahead of the one being written (bounded buffers, so the
 * registry, decompression and the disk work at the same time), and a layer decompressed with its diff_id
 * checked on the way to the docker archive.
 */
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createZstdDecompressOrThrow, sniff } from '../archive/sniff';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import type { Descriptor } from '../registry/manifest';
import type { RepositoryName } from '../registry/names';
import { coalesce } from './coalesce';
import { garbageCollector } from './memory';
import type { ProgressTracker } from './progress';
import { readAhead } from './read-ahead';

/** Bytes buffered ahead per stage (download of the next layer, decompressed data before the disk). */
export const PREFETCH_BYTES = 2 * 1024 * 1024;

/**
 * Compressed bytes handed to the decompressor at once (see decompressedLayer). Measured on the bench's
 * 512 MiB pull: 64 KiB pieces 1.45 s, 256 KiB 1.39 s, 512 KiB 1.34 s (+7 MiB peak), 1 MiB 1.33 s (+17 MiB).
 */
const INFLATE_BATCH = 512 * 1024;

/**
 * A layer of 8 MiB or more whose first stream is slow goes on as RANGE_STREAMS byte ranges of RANGE_BYTES at
 * once (registry/blob-download-ranged.ts): over a wide-area link each connection gets a share (a CDN caps
 * every stream), and the archive is written one layer at a time.
 */
const RANGED_FROM = 8 * 1024 * 1024;
const RANGE_STREAMS = 4;
const RANGE_BYTES = 4 * 1024 * 1024;

/** Layers requested ahead of the one being written: at most this many, buffering at most AHEAD_BYTES. */
const AHEAD_LAYERS = 32;
const AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * One per process: a minor GC every 8 MiB written keeps dead buffers from piling up (see memory.ts). A
 * full one only every 256 MiB: a forced full GC sets off more of V8's own (62 full GCs on the bench's
 * 512 MiB pull with one every 128 MiB, 40 with one every 256 MiB; ~0.2-0.4 s less CPU) for ~3 MB more peak.
 */
const collect = garbageCollector({ fullEvery: 32 });

/** Streams a layer blob (`blobSize` bytes) decompressed, checking the result against its diff_id. */
export async function* decompressedLayer(
  blob: AsyncIterable<Uint8Array>,
  blobSize: number,
  mediaType: string,
  diffId: string,
  what: string,
): AsyncGenerator<Uint8Array> {
  const it = blob[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Uint8Array = first.done ? new Uint8Array(0) : first.value;
  const kind = sniff(head);
  const rest = (async function* () {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  let source: AsyncIterable<Uint8Array> = rest;
  if (kind === 'gzip' || kind === 'zstd' || mediaType.endsWith('gzip') || mediaType.endsWith('zstd')) {
    const dec =
      kind === 'zstd' || mediaType.endsWith('zstd')
        ? createZstdDecompressOrThrow()
        : // 1 MiB output pieces: a quarter of the allocations, hashing calls and tar writes of 256 KiB
          // (~10% faster on a 512 MiB pull).
          createGunzip({ chunkSize: 1024 * 1024 });
    // The blob's pieces (socket reads of up to 64 KiB) go to the decompressor in batches: each write to a
    // zlib stream is a thread-pool round trip, ~5,000 of them for a 340 MiB download. A small blob gets a
    // batch of its own size.
    const batches = coalesce(rest, Math.max(1, Math.min(INFLATE_BATCH, blobSize)));
    source = pipeline(Readable.from(batches), dec, () => {}) as unknown as AsyncIterable<Uint8Array>;
  }
  const hash = createHash('sha256');
  for await (const chunk of source) {
    hash.update(chunk);
    collect(chunk.length);
    yield chunk;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== diffId) {
    throw new LadingError(
      'digest-mismatch',
      `${what} decompresses to ${actual}, but the image config says ${diffId}.`,
      {
        hint: 'The image in the registry is inconsistent; re-push it.',
      },
    );
  }
}

/**
 * Each layer is downloaded into a bounded buffer while the previous one is still being written. `close`
 * ends every prefetch still open (on any exit of the pull).
 */
export class LayerFetcher {
  private readonly prefetched = new Map<string, Promise<AsyncIterableIterator<Uint8Array>>>();

  constructor(
    private readonly client: Pick<RegistryClient, 'openBlob'>,
    private readonly repo: RepositoryName,
    private readonly tracker: ProgressTracker,
    private readonly layerProgress: Map<string, number>,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private prefetch(layer: Descriptor | undefined): void {
    if (!layer || this.prefetched.has(layer.digest)) return;
    const idx = this.layerProgress.get(layer.digest) as number;
    const tracker = this.tracker;
    const p = this.client
      .openBlob(this.repo, layer, {
        signal: this.signal,
        ...(layer.size >= RANGED_FROM ? { streams: RANGE_STREAMS, segmentBytes: RANGE_BYTES } : {}),
        onProgress: (n) => tracker.update(idx, { bytesDone: n }),
      })
      .then((blob) => readAhead(blob, PREFETCH_BYTES));
    p.catch(() => {});
    this.prefetched.set(layer.digest, p);
  }

  /**
   * Small layers are requested many ahead, in one wave: each is a round trip (a few ms on loopback, one
   * RTT over a wide-area link), and in waves of six 30 small layers took five RTTs through the bench's cdn
   * profile. A large layer (PREFETCH_BYTES or more) counts as the whole budget, so it stays one ahead.
   */
  prefetchAfter(layers: Descriptor[], at: number): void {
    let bytes = 0;
    for (let j = at + 1; j < layers.length && j <= at + AHEAD_LAYERS; j++) {
      const l = layers[j] as Descriptor;
      bytes += l.size >= PREFETCH_BYTES ? AHEAD_BYTES : l.size;
      if (j > at + 1 && bytes > AHEAD_BYTES) break;
      this.prefetch(l);
    }
  }

  /** The layer's bytes, from its prefetch (started now if it was not). */
  async download(layer: Descriptor): Promise<AsyncIterable<Uint8Array>> {
    const idx = this.layerProgress.get(layer.digest) as number;
    this.tracker.update(idx, { state: 'downloading' });
    this.prefetch(layer);
    return (await this.prefetched.get(layer.digest)) as AsyncIterable<Uint8Array>;
  }

  async close(): Promise<void> {
    for (const p of this.prefetched.values()) await p.then((it) => it.return?.()).catch(() => {});
  }
}
