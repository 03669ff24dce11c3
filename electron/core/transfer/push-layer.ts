/**
 * One blob of a push: a layer (reused if the registry has it, else compressed on the way and checked
 * against its diff_id, or uploaded as stored) or an image config.
 */
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import type { ArchiveManifestImage } from '../archive/formats';
import type { EntryReader } from '../archive/open-archive';
import { createZstdCompressOrThrow } from '../archive/sniff';
import type { Descriptor } from '../registry/manifest';
import { SINGLE_LIMIT } from '../registry/upload-single';
import { knownBlobs } from './blob-cache';
import { gzipParallel } from './gzip-parallel';
import type { LayerJob, LayerOutcome } from './push-options';
import {
  LARGE_LAYER,
  LINK_BOUND_AFTER_MS,
  LINK_BOUND_READ_AHEAD,
  READ_AHEAD,
  streamUploads,
  uploadChunk,
} from './push-tuning';
import { diffIdMismatch, verifyCompressed } from './push-verify';
import type { Pusher } from './pusher';
import { readAhead } from './read-ahead';

/** Pushes one layer; `open` yields its bytes as stored in the archive (called only if an upload is needed). */
export async function pushLayer(
  p: Pusher,
  job: LayerJob,
  open: () => AsyncIterable<Uint8Array>,
  openReader?: () => EntryReader,
): Promise<LayerOutcome> {
  const { layer, progress } = job;

  p.checkAborted();
  if (layer.storedAs === 'foreign') {
    p.tracker.finish(progress, 'exists');
    return { descriptor: layer.source as Descriptor, state: 'foreign' };
  }
  if (layer.storedAs === 'gzip' || layer.storedAs === 'zstd') return pushCompressed(p, job, open);

  // An uncompressed layer: its compressed digest is unknown until compressed, unless we pushed it before.
  const mediaType = p.layerMediaType(layer.storedAs);
  const diffIdKnown = layer.diffId !== '';
  const known = diffIdKnown ? knownBlobs.compressedFor(layer.diffId, p.compression) : undefined;
  if (known) {
    const state = await p.reuse(known.digest);
    if (state) {
      p.tracker.finish(progress, state);
      return { descriptor: { mediaType, digest: known.digest, size: known.size }, state };
    }
  }
  if (p.compression === 'none' && diffIdKnown) {
    const state = await p.reuse(layer.diffId);
    if (state) {
      p.tracker.finish(progress, state);
      return { descriptor: { mediaType, digest: layer.diffId, size: layer.size }, state };
    }
  }
  const bigCompress = p.compression !== 'none' && layer.size > LARGE_LAYER;
  // Taken when the layer's compression starts (its upload session is opened meanwhile); freed once the
  // layer's input has all been read (its last blocks are still deflating and its upload finishing), so the
  // next layer's compression overlaps this one's tail, or once the push is bound by the link, not the CPU
  // (push-tuning.ts, LINK_BOUND_AFTER_MS), so every layer's upload is under way at once.
  const slot = bigCompress ? slotHolder(p) : { take: async () => {}, release: () => {} };
  try {
    return await compressAndUpload(p, job, open, openReader, mediaType, diffIdKnown, slot);
  } finally {
    slot.release();
  }
}

interface Slot {
  take(): Promise<void>;
  release(): void;
}

/** One layer's hold on the push's compression slot: taken again if the upload redoes the layer. */
function slotHolder(p: Pusher): Slot {
  let held = false;
  return {
    async take() {
      if (held) return;
      await p.compressSlot.acquire();
      held = true;
    },
    release() {
      if (held) p.compressSlot.release();
      held = false;
    },
  };
}

/** `body`, started only once the slot is taken. */
async function* afterSlot(slot: Slot, body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  await slot.take();
  yield* body;
}

async function compressAndUpload(
  p: Pusher,
  job: LayerJob,
  open: () => AsyncIterable<Uint8Array>,
  openReader: (() => EntryReader) | undefined,
  mediaType: string,
  diffIdKnown: boolean,
  slot: Slot,
): Promise<LayerOutcome> {
  const { layer, progress } = job;
  const { client, target } = p.opts;
  p.checkAborted();
  p.tracker.update(progress, { state: p.compression === 'none' ? 'uploading' : 'compressing' });
  const tracker = p.tracker;
  const archive = job.archive;
  const collect = p.collect;
  const compression = p.compression;
  const signal = p.signal;
  // Builds the layer's upload body from the start: used once, and again if the registry drops the upload
  // session mid-blob (the archive is re-read; parallel gzip output is deterministic, so same digest).
  const makeBody = (): AsyncIterable<Uint8Array> => {
    const hash = createHash('sha256');
    let read = 0;
    const count = (n: number) => {
      read += n;
      collect(n);
      tracker.update(progress, { bytesDone: read });
    };
    // Thrown before the upload's final PUT, so a mismatching layer is never committed.
    const check = () => {
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== layer.diffId) throw diffIdMismatch(archive, layer.path ?? '?', layer.diffId, actual);
    };
    async function* verified(): AsyncGenerator<Uint8Array> {
      for await (const chunk of open()) {
        hash.update(chunk);
        count(chunk.length);
        yield chunk;
      }
      check();
    }
    let body: AsyncIterable<Uint8Array>;
    if (compression === 'gzip' && openReader) {
      // Read the layer straight into the compressor's blocks; hash and count each block on the way.
      body = gzipParallel(openReader(), {
        signal,
        sizeHint: layer.size,
        onBlock: (block) => {
          hash.update(block);
          count(block.length);
        },
        onEnd: () => {
          check();
          slot.release();
        },
      });
    } else if (compression === 'gzip')
      body = gzipParallel(verified(), { signal, sizeHint: layer.size || undefined });
    else if (compression === 'zstd') body = throughStream(verified(), createZstdCompressOrThrow());
    else return verified();
    // Keep compressing while the engine waits for each PATCH answer. Once the compressor has waited on the
    // upload long enough, the link sets the pace: every large layer may compress at once (push-tuning.ts).
    return readAhead(afterSlot(slot, body), p.isLinkBound ? LINK_BOUND_READ_AHEAD : READ_AHEAD, {
      waitedMs: LINK_BOUND_AFTER_MS,
      reached: () => {
        p.linkBound();
        slot.release();
      },
      keep: LINK_BOUND_READ_AHEAD,
    });
  };
  const body = makeBody();
  const result = await client
    .uploadBlob(p.repo, body, {
      signal: p.signal,
      chunkSize: uploadChunk(client),
      stream: streamUploads(client),
      expectedDigest: p.compression === 'none' && diffIdKnown ? layer.diffId : undefined,
      size: p.compression === 'none' ? layer.size : undefined,
      // A small layer is compressed whole before its upload starts, to go in one or two requests.
      sizeHint: layer.size || undefined,
      onProgress: (acked) => {
        if (acked > 0) tracker.update(progress, { state: 'uploading' });
      },
      // Only an archive read in place can be read again; a streamed one is gone once read.
      reopen: openReader ? makeBody : undefined,
    })
    // Stops a read-ahead that is still running when the upload failed early.
    .finally(() => (body as Partial<AsyncIterator<Uint8Array>>).return?.());
  knownBlobs.record(target.registry, p.repo, result.digest);
  if (p.compression !== 'none') knownBlobs.recordCompressed(layer.diffId, p.compression, result);
  p.tracker.finish(progress, 'done');
  return { descriptor: { mediaType, digest: result.digest, size: result.size }, state: 'done' };
}

/** A blob already compressed in the archive: uploaded as is, its diff_id checked by decompressing a copy. */
async function pushCompressed(
  p: Pusher,
  job: LayerJob,
  open: () => AsyncIterable<Uint8Array>,
): Promise<LayerOutcome> {
  const { layer, progress } = job;
  const { client, target } = p.opts;
  const mediaType = p.layerMediaType(layer.storedAs, layer.source?.mediaType);
  const fromName = layer.path?.match(/^blobs\/sha256\/([a-f0-9]{64})$/)?.[1];
  const expected = layer.source?.digest ?? (fromName ? `sha256:${fromName}` : undefined);
  if (expected) {
    const state = await p.reuse(expected);
    if (state) {
      p.tracker.finish(progress, state);
      return { descriptor: { ...layer.source, mediaType, digest: expected, size: layer.size }, state };
    }
  }
  p.tracker.update(progress, { state: 'uploading' });
  const tracker = p.tracker;
  const archive = job.archive;
  const verified = verifyCompressed(open, {
    archive,
    what: `layer ${layer.path}`,
    storedAs: layer.storedAs === 'zstd' ? 'zstd' : 'gzip',
    onRead: (read) => tracker.update(progress, { bytesDone: read }),
    onDiffId: (actual) => {
      if (actual !== layer.diffId) throw diffIdMismatch(archive, layer.path ?? '?', layer.diffId, actual);
    },
  });
  const result = await client.uploadBlob(p.repo, verified, {
    signal: p.signal,
    chunkSize: uploadChunk(client),
    expectedDigest: expected,
    size: layer.size,
  });
  knownBlobs.record(target.registry, p.repo, result.digest);
  p.tracker.finish(progress, 'done');
  return {
    descriptor: { ...layer.source, mediaType, digest: result.digest, size: result.size },
    state: 'done',
  };
}

/**
 * Uploads the config blob. No HEAD first unless another repository may hold it (then a mount may do): the
 * upload of a few KiB answers the question itself, while a HEAD before it is a round trip every push waits on.
 */
export async function pushConfig(p: Pusher, img: ArchiveManifestImage): Promise<void> {
  const { client, target } = p.opts;
  const elsewhere = knownBlobs.repositoriesWith(target.registry, img.configDigest).length > 0;
  if ((elsewhere || img.configBytes.length > SINGLE_LIMIT) && (await p.reuse(img.configDigest))) return;
  await client.uploadBlob(p.repo, once1(img.configBytes), {
    signal: p.signal,
    expectedDigest: img.configDigest,
    size: img.configBytes.length,
  });
  knownBlobs.record(target.registry, p.repo, img.configDigest);
}

/** A buffer as a one-chunk source. */
export async function* once1(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Pipes an async iterable through a Node transform stream, propagating errors both ways. */
function throughStream(
  source: AsyncIterable<Uint8Array>,
  transform: NodeJS.ReadWriteStream,
): AsyncIterable<Uint8Array> {
  return pipeline(
    Readable.from(source, { objectMode: false }),
    transform,
    () => {},
  ) as unknown as AsyncIterable<Uint8Array>;
}
