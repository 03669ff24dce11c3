/**
 * Push an image archive to a registry. Plain tars are indexed and every layer streamed from its offset
 * (several layers at once); gzip/zstd-compressed tars are streamed once, each layer handled as it passes.
 * Uncompressed layers are compressed on the way (parallel gzip, or zstd), their diff_id checked in the
 * same pass; compressed blobs go up as they are. The manifest is PUT only after every blob is in the
 * registry and every check passed, so a failed or cancelled push never creates a tag.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { pipeline, Readable } from 'node:stream';
import type {
  ArchiveContents,
  ArchiveIndexImage,
  ArchiveLayer,
  ArchiveManifestImage,
} from '../archive/formats';
import { readArchiveContents } from '../archive/formats';
import {
  type EntryReader,
  openIndexedArchive,
  probeArchive,
  scanCompressedArchive,
} from '../archive/open-archive';
import { createZstdCompressOrThrow, decompressorFor } from '../archive/sniff';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import type { Descriptor, ImageIndex, ImageManifest } from '../registry/manifest';
import { isNonDistributable, MediaType } from '../registry/mediatypes';
import type { Reference } from '../registry/reference';
import { knownBlobs } from './blob-cache';
import { gzipParallel } from './gzip-parallel';
import { garbageCollector } from './memory';
import { type ProgressListener, ProgressTracker } from './progress';
import { readAhead } from './read-ahead';
import { runLimited, SLOT_SHARES } from './run-limited';
import { type Selection, selectImage } from './select-image';

export type Compression = 'gzip' | 'zstd' | 'none';

/** The client calls a push needs (RegistryClient has them all). */
export type PushClient = Pick<RegistryClient, 'blobExists' | 'mountBlob' | 'uploadBlob' | 'putManifest'> &
  Partial<Pick<RegistryClient, 'ping'>>;

export interface PushOptions {
  archivePath: string;
  target: Reference;
  /** Which image of a multi-image archive (RepoTag / ref name). */
  image?: string;
  /** One platform of a multi-platform archive (OS/ARCH[/VARIANT]). */
  platform?: string;
  compression?: Compression;
  /** Layers in flight at once (default 3; small layers take a quarter of a slot, see layerWeight). */
  concurrency?: number;
  client: PushClient;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Called as soon as a warning is known (before the upload starts where possible). */
  onWarning?: (message: string) => void;
  /**
   * The target registry's own rules (e.g. GitHub's, which the caller gets from `pushWithGitHubRules`), run
   * once the archive's manifests and configs are read and before any blob upload of a plain tar (a
   * compressed archive is streamed, so its layers may already be up, but never the tag). Errors refuse the
   * push; warnings go to onWarning and the result. None: no rules beyond the registry's own answers.
   */
  preflight?: PushPreflight;
}

/** What a push is about to send, for a `preflight` check. */
export interface PushPlan {
  target: Reference;
  /** The tag the push will set (the target's, else the archive's own, else `latest`). */
  tag: string;
  /** The platform images going up (one, or every child of an index). */
  images: ArchiveManifestImage[];
  /** The index, when a whole multi-platform image is pushed. */
  index?: ImageIndex;
}

export type PushPreflight = (plan: PushPlan) => { errors: string[]; warnings: string[] };

export interface PushedLayer {
  digest: string;
  size: number;
  mediaType: string;
  state: 'exists' | 'mounted' | 'done' | 'foreign';
}

export interface PushResult {
  /** Digest of the manifest (or index) the tag now points at. */
  digest: string;
  tag: string;
  mediaType: string;
  layers: PushedLayer[];
  warnings: string[];
}

/**
 * PATCH size for layer uploads (the engine caps it at a registry's limit, 4 MiB on ghcr.io). Each PATCH
 * is a round trip the layer's upload waits on, so bigger is faster; the engine holds about two chunks per
 * layer in flight, so bigger also costs memory. 8 MiB was the best trade measured here.
 */
const UPLOAD_CHUNK = 8 * 1024 * 1024;

/** UPLOAD_CHUNK, or the client's own chunk size when that is smaller (a client set up for a picky registry). */
function uploadChunk(client: PushClient): number {
  const own = (client as { chunkSize?: number }).chunkSize;
  return typeof own === 'number' && own > 0 ? Math.min(own, UPLOAD_CHUNK) : UPLOAD_CHUNK;
}

/**
 * Whether layers go up in one streaming PATCH each (the engine's `stream`): for a client with the default
 * chunk size or larger and no PATCH size cap. A client configured with small chunks (a picky registry, the
 * fault tests) keeps the chunked upload with its resume from the registry's offset.
 */
function streamUploads(client: PushClient): boolean {
  const c = client as { chunkSize?: number; maxChunkSize?: number };
  return c.maxChunkSize === undefined && (c.chunkSize === undefined || c.chunkSize >= 16 * 1024 * 1024);
}

/** Compressed bytes buffered ahead of the upload engine per layer. */
const READ_AHEAD = 8 * 1024 * 1024;

/** Layers above this size take a compression slot. */
const LARGE_LAYER = 16 * 1024 * 1024;

/** A counting semaphore (FIFO). */
class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

interface LayerOutcome {
  descriptor: Descriptor;
  state: PushedLayer['state'];
}

function cancelledError(signal: AbortSignal | undefined): LadingError {
  const reason = signal?.reason;
  if (reason instanceof LadingError) return reason;
  return new LadingError('cancelled', 'The push was cancelled.');
}

function diffIdMismatch(archive: string, path: string, expected: string, actual: string): LadingError {
  return new LadingError(
    'archive-invalid',
    `The archive ${archive}: layer ${path} does not match its diff_id (config says ${expected}, content is ${actual}).`,
    { hint: 'The archive is damaged or was edited; save the image again.' },
  );
}

function targetTag(target: Reference, picked: { names: string[] }): string {
  if (target.tag) return target.tag;
  if (target.digest) {
    throw new LadingError('invalid-reference', 'A push needs a tag, not a digest, in the target reference.', {
      hint: 'Write the target as REGISTRY/REPOSITORY:TAG.',
    });
  }
  const own = picked.names.find((n) => /:[^/]+$/.test(n));
  return own ? own.slice(own.lastIndexOf(':') + 1) : 'latest';
}

/** One layer's work item: where its bytes come from and what the archive says about it. */
interface LayerJob {
  layer: ArchiveLayer;
  progress: number;
  archive: string;
}

class Pusher {
  readonly warnings: string[] = [];
  readonly tracker: ProgressTracker;
  readonly repo: string;
  private readonly controller = new AbortController();
  readonly signal: AbortSignal;
  /** Shared by all layers in flight: a minor GC every 8 MiB read (a full one every 128 MiB) keeps dead buffers from piling up. */
  readonly collect = garbageCollector({ trim: true });
  /**
   * How many large layers are compressed at once: the compressor already uses every core for one layer.
   * With streaming uploads one is enough (nothing waits on round trips; a second only added ~20 MB of
   * buffers); with chunked uploads a second layer overlaps the first one's PATCH round trips. Small layers
   * and as-is uploads are not limited.
   */
  private readonly compressSlot: Semaphore;

  constructor(readonly opts: PushOptions) {
    this.tracker = new ProgressTracker(opts.onProgress);
    this.compressSlot = new Semaphore(streamUploads(opts.client) ? 1 : 2);
    this.repo = opts.target.repository;
    this.signal = opts.signal
      ? AbortSignal.any([opts.signal, this.controller.signal])
      : this.controller.signal;
  }

  get compression(): Compression {
    return this.opts.compression ?? 'gzip';
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.opts.onWarning?.(message);
  }

  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  checkAborted(): void {
    if (this.signal.aborted) throw cancelledError(this.signal);
  }

  /** Refusals and warnings that must come before any upload. */
  preflight(sel: Selection, images: ArchiveManifestImage[]): void {
    const registry = this.opts.target.registry;
    const rules = this.opts.preflight?.({
      target: this.opts.target,
      tag: targetTag(this.opts.target, sel.image),
      images,
      index: sel.image.kind === 'index' && !sel.child ? sel.image.parsed : undefined,
    });
    if (rules?.errors.length) {
      throw new LadingError(
        'invalid-input',
        `${registry} would refuse this push: ${rules.errors.join(' ')}`,
        {
          hint: 'Fix the target reference or the image as described, then push again.',
        },
      );
    }
    for (const w of rules?.warnings ?? []) this.warn(w);
  }

  /** HEAD, then mount from a repository we know has it. Returns the state if no upload is needed. */
  async reuse(digest: string): Promise<'exists' | 'mounted' | undefined> {
    const { client, target } = this.opts;
    if (await client.blobExists(this.repo, digest, { signal: this.signal })) return 'exists';
    for (const from of knownBlobs.repositoriesWith(target.registry, digest)) {
      if (from === this.repo) continue;
      try {
        if (await client.mountBlob(this.repo, digest, from, { signal: this.signal })) return 'mounted';
      } catch {
        // A failed mount only means a normal upload.
      }
    }
    return undefined;
  }

  /** Pushes one layer; `open` yields its bytes as stored in the archive (called only if an upload is needed). */
  async pushLayer(
    job: LayerJob,
    open: () => AsyncIterable<Uint8Array>,
    openReader?: () => EntryReader,
  ): Promise<LayerOutcome> {
    const { layer, progress } = job;

    this.checkAborted();
    if (layer.storedAs === 'foreign') {
      this.tracker.finish(progress, 'exists');
      return { descriptor: layer.source as Descriptor, state: 'foreign' };
    }
    if (layer.storedAs === 'gzip' || layer.storedAs === 'zstd') return this.pushCompressed(job, open);

    // An uncompressed layer: its compressed digest is unknown until compressed, unless we pushed it before.
    const mediaType = this.layerMediaType(layer.storedAs);
    const diffIdKnown = layer.diffId !== '';
    const known = diffIdKnown ? knownBlobs.compressedFor(layer.diffId, this.compression) : undefined;
    if (known) {
      const state = await this.reuse(known.digest);
      if (state) {
        this.tracker.finish(progress, state);
        return { descriptor: { mediaType, digest: known.digest, size: known.size }, state };
      }
    }
    if (this.compression === 'none' && diffIdKnown) {
      const state = await this.reuse(layer.diffId);
      if (state) {
        this.tracker.finish(progress, state);
        return { descriptor: { mediaType, digest: layer.diffId, size: layer.size }, state };
      }
    }
    const bigCompress = this.compression !== 'none' && layer.size > LARGE_LAYER;
    // The slot is freed once the layer's input has all been read (its last blocks are still deflating and
    // its upload finishing), so the next layer's compression overlaps this one's tail.
    let release = () => {};
    if (bigCompress) {
      await this.compressSlot.acquire();
      let held = true;
      release = () => {
        if (held) this.compressSlot.release();
        held = false;
      };
    }
    try {
      return await this.compressAndUpload(job, open, openReader, mediaType, diffIdKnown, release);
    } finally {
      release();
    }
  }

  private async compressAndUpload(
    job: LayerJob,
    open: () => AsyncIterable<Uint8Array>,
    openReader: (() => EntryReader) | undefined,
    mediaType: string,
    diffIdKnown: boolean,
    inputRead: () => void,
  ): Promise<LayerOutcome> {
    const { layer, progress } = job;
    const { client, target } = this.opts;
    this.checkAborted();
    this.tracker.update(progress, { state: this.compression === 'none' ? 'uploading' : 'compressing' });
    const tracker = this.tracker;
    const archive = job.archive;
    const collect = this.collect;
    const compression = this.compression;
    const signal = this.signal;
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
            inputRead();
          },
        });
      } else if (compression === 'gzip')
        body = gzipParallel(verified(), { signal, sizeHint: layer.size || undefined });
      else if (compression === 'zstd') body = throughStream(verified(), createZstdCompressOrThrow());
      else return verified();
      // Keep compressing while the engine waits for each PATCH answer.
      return readAhead(body, READ_AHEAD);
    };
    const body = makeBody();
    const result = await client
      .uploadBlob(this.repo, body, {
        signal: this.signal,
        chunkSize: uploadChunk(client),
        stream: streamUploads(client),
        expectedDigest: this.compression === 'none' && diffIdKnown ? layer.diffId : undefined,
        size: this.compression === 'none' ? layer.size : undefined,
        onProgress: (acked) => {
          if (acked > 0) tracker.update(progress, { state: 'uploading' });
        },
        // Only an archive read in place can be read again; a streamed one is gone once read.
        reopen: openReader ? makeBody : undefined,
      })
      // Stops a read-ahead that is still running when the upload failed early.
      .finally(() => (body as Partial<AsyncIterator<Uint8Array>>).return?.());
    knownBlobs.record(target.registry, this.repo, result.digest);
    if (this.compression !== 'none') knownBlobs.recordCompressed(layer.diffId, this.compression, result);
    this.tracker.finish(progress, 'done');
    return { descriptor: { mediaType, digest: result.digest, size: result.size }, state: 'done' };
  }

  /** A blob already compressed in the archive: uploaded as is, its diff_id checked by decompressing a copy. */
  private async pushCompressed(job: LayerJob, open: () => AsyncIterable<Uint8Array>): Promise<LayerOutcome> {
    const { layer, progress } = job;
    const { client, target } = this.opts;
    const mediaType = this.layerMediaType(layer.storedAs, layer.source?.mediaType);
    const fromName = layer.path?.match(/^blobs\/sha256\/([a-f0-9]{64})$/)?.[1];
    const expected = layer.source?.digest ?? (fromName ? `sha256:${fromName}` : undefined);
    if (expected) {
      const state = await this.reuse(expected);
      if (state) {
        this.tracker.finish(progress, state);
        return { descriptor: { ...layer.source, mediaType, digest: expected, size: layer.size }, state };
      }
    }
    this.tracker.update(progress, { state: 'uploading' });
    const decompress = decompressorFor(layer.storedAs === 'zstd' ? 'zstd' : 'gzip') as NodeJS.ReadWriteStream;
    const hash = createHash('sha256');
    decompress.on('data', (c: Buffer) => hash.update(c));
    const decompressed = once(decompress, 'end');
    decompressed.catch(() => {});
    let read = 0;
    const tracker = this.tracker;
    const archive = job.archive;
    async function* verified(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of open()) {
          read += chunk.length;
          tracker.update(progress, { bytesDone: read });
          if (!decompress.write(chunk)) await once(decompress, 'drain');
          yield chunk;
        }
        decompress.end();
        await decompressed;
      } catch (e) {
        if (e instanceof LadingError) throw e;
        throw new LadingError(
          'archive-invalid',
          `The archive ${archive}: layer ${layer.path} is not valid ${layer.storedAs} data.`,
          {
            hint: 'The archive is damaged; save the image again.',
            cause: e,
          },
        );
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== layer.diffId) throw diffIdMismatch(archive, layer.path ?? '?', layer.diffId, actual);
    }
    const result = await client.uploadBlob(this.repo, verified(), {
      signal: this.signal,
      chunkSize: uploadChunk(client),
      expectedDigest: expected,
      size: layer.size,
    });
    knownBlobs.record(target.registry, this.repo, result.digest);
    this.tracker.finish(progress, 'done');
    return {
      descriptor: { ...layer.source, mediaType, digest: result.digest, size: result.size },
      state: 'done',
    };
  }

  layerMediaType(storedAs: ArchiveLayer['storedAs'], original?: string): string {
    if (storedAs === 'gzip') return original?.includes('gzip') ? original : MediaType.ociLayerGzip;
    if (storedAs === 'zstd') return MediaType.ociLayerZstd;
    if (this.compression === 'gzip') return MediaType.ociLayerGzip;
    if (this.compression === 'zstd') return MediaType.ociLayerZstd;
    return MediaType.ociLayer;
  }

  /** Uploads the config blob (HEAD first). */
  async pushConfig(img: ArchiveManifestImage): Promise<void> {
    const { client, target } = this.opts;
    if (await this.reuse(img.configDigest)) return;
    await client.uploadBlob(this.repo, once1(img.configBytes), {
      signal: this.signal,
      expectedDigest: img.configDigest,
      size: img.configBytes.length,
    });
    knownBlobs.record(target.registry, this.repo, img.configDigest);
  }
}

async function* once1(bytes: Buffer): AsyncGenerator<Uint8Array> {
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

/** Layers up to this size (as stored in the archive) are small: their upload is round trips, not bytes. */
const SMALL_LAYER = 1024 * 1024;

/**
 * How much of one `concurrency` slot a layer takes. A small layer is a POST and a PUT whose time is the
 * registry's answer, not bandwidth or CPU, so four of them share a slot: with the default 3, twelve small
 * layers are in flight (docker pushes 5 layers at once, skopeo 6, whatever their size). An image of many
 * small layers then waits on round trips four times less; large layers keep the plain limit.
 */
export function layerWeight(size: number): number {
  return size <= SMALL_LAYER ? 1 : SLOT_SHARES;
}

// ---- manifests --------------------------------------------------------------------------------------------

function sameDescriptor(a: Descriptor | undefined, b: Descriptor): boolean {
  return !!a && a.digest === b.digest && a.size === b.size && a.mediaType === b.mediaType;
}

/** The manifest to PUT for an image: the archive's own bytes when nothing changed, else a new one. */
function buildManifest(
  img: ArchiveManifestImage,
  layers: LayerOutcome[],
): { bytes: Buffer; mediaType: string } {
  if (img.manifest && layers.every((l, i) => sameDescriptor(img.manifest?.parsed.layers[i], l.descriptor))) {
    const mt = img.manifest.parsed.mediaType ?? img.manifest.descriptor.mediaType ?? MediaType.ociManifest;
    return { bytes: img.manifest.bytes, mediaType: mt };
  }
  const dockerStyle =
    img.origin === 'docker' &&
    layers.every(
      (l) => l.descriptor.mediaType.endsWith('gzip') || isNonDistributable(l.descriptor.mediaType),
    );
  const config: Descriptor = {
    mediaType: dockerStyle ? MediaType.dockerConfig : (img.configMediaType ?? MediaType.ociConfig),
    digest: img.configDigest,
    size: img.configBytes.length,
  };
  const layerDescs = layers.map((l) => {
    if (l.state === 'foreign') return l.descriptor;
    const d: Descriptor = {
      mediaType: dockerStyle ? MediaType.dockerLayerGzip : l.descriptor.mediaType,
      digest: l.descriptor.digest,
      size: l.descriptor.size,
    };
    if (!dockerStyle && l.descriptor.annotations) d.annotations = l.descriptor.annotations;
    return d;
  });
  const mediaType = dockerStyle ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest: ImageManifest = { schemaVersion: 2, mediaType, config, layers: layerDescs };
  if (!dockerStyle && img.manifest?.parsed.annotations)
    manifest.annotations = img.manifest.parsed.annotations;
  return { bytes: Buffer.from(JSON.stringify(manifest)), mediaType };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// ---- the pipeline -----------------------------------------------------------------------------------------

function imagesToPush(sel: {
  image: ArchiveManifestImage | ArchiveIndexImage;
  child?: ArchiveManifestImage;
}): ArchiveManifestImage[] {
  if (sel.child) return [sel.child];
  return sel.image.kind === 'index' ? sel.image.children : [sel.image];
}

async function finishPush(
  p: Pusher,
  sel: Selection,
  outcomes: Map<ArchiveManifestImage, LayerOutcome[]>,
  configsPushed = false,
): Promise<PushResult> {
  const { client } = p.opts;
  const tag = targetTag(p.opts.target, sel.image);
  const pushed = imagesToPush(sel);
  if (!configsPushed) for (const img of pushed) await p.pushConfig(img);
  p.checkAborted();
  const built = new Map<ArchiveManifestImage, { bytes: Buffer; mediaType: string; digest: string }>();
  for (const img of pushed) {
    const m = buildManifest(img, outcomes.get(img) ?? []);
    built.set(img, { ...m, digest: sha256(m.bytes) });
  }
  let final: { bytes: Buffer; mediaType: string; digest: string };
  if (sel.image.kind === 'index' && !sel.child) {
    const index = sel.image;
    // Children first, by digest: the registry checks that an index's children exist.
    for (const img of pushed) {
      const m = built.get(img) as { bytes: Buffer; mediaType: string; digest: string };
      p.checkAborted();
      await client.putManifest(p.repo, m.digest, m.bytes, m.mediaType, { signal: p.signal });
    }
    const unchanged =
      index.missing.length === 0 &&
      pushed.every((img) => built.get(img)?.digest === img.manifest?.descriptor.digest);
    if (unchanged) {
      final = {
        bytes: index.bytes,
        mediaType: index.parsed.mediaType ?? MediaType.ociIndex,
        digest: index.descriptor.digest,
      };
    } else {
      if (index.missing.length > 0) {
        p.warn(
          `The archive lacks ${index.missing.length} of the index's platforms; the pushed index lists only the ${pushed.length} present.`,
        );
      }
      const manifests: Descriptor[] = [];
      for (const d of index.parsed.manifests) {
        const img = pushed.find((c) => c.manifest?.descriptor.digest === d.digest);
        if (!img) continue;
        const m = built.get(img) as { bytes: Buffer; mediaType: string; digest: string };
        manifests.push({ ...d, mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
      }
      const rebuilt: ImageIndex = {
        ...index.parsed,
        mediaType: index.parsed.mediaType ?? MediaType.ociIndex,
        manifests,
      };
      const bytes = Buffer.from(JSON.stringify(rebuilt));
      final = { bytes, mediaType: rebuilt.mediaType as string, digest: sha256(bytes) };
    }
  } else {
    final = built.get(pushed[0] as ArchiveManifestImage) as {
      bytes: Buffer;
      mediaType: string;
      digest: string;
    };
  }
  p.checkAborted();
  const { digest } = await client.putManifest(p.repo, tag, final.bytes, final.mediaType, {
    signal: p.signal,
  });
  p.tracker.flush();
  const layers: PushedLayer[] = pushed.flatMap((img) =>
    (outcomes.get(img) ?? []).map((o) => ({
      digest: o.descriptor.digest,
      size: o.descriptor.size,
      mediaType: o.descriptor.mediaType,
      state: o.state,
    })),
  );
  return { digest: digest || final.digest, tag, mediaType: final.mediaType, layers, warnings: p.warnings };
}

export async function pushArchive(opts: PushOptions): Promise<PushResult> {
  const p = new Pusher(opts);
  const archive = opts.archivePath;
  // Meet the registry while the archive is read: the first connection and the /v2/ ping that settles the
  // auth scheme would otherwise be a serial round trip before the first upload (a tenth of a small push).
  // Read-only; if it fails, the first real request meets the same failure and reports it.
  opts.client.ping?.({ signal: p.signal }).catch(() => {});
  try {
    const storage = await probeArchive(archive);
    if (storage === 'tar') {
      const opened = await openIndexedArchive(archive);
      try {
        const sel = selectImage(opened.contents, archive, opts.image, opts.platform);
        const images = imagesToPush(sel);
        p.preflight(sel, images);
        const jobs: { img: ArchiveManifestImage; job: LayerJob }[] = [];
        // A layer shared by several platforms is pushed once.
        const byKey = new Map<string, Promise<LayerOutcome>>();
        for (const img of images) {
          for (const layer of img.layers) {
            jobs.push({
              img,
              job: {
                layer,
                archive,
                progress: p.tracker.addLayer(layer.source?.digest ?? layer.diffId, layer.size),
              },
            });
          }
        }
        // The configs go up alongside the layers (they are known already), not in a round-trip chain after
        // them. Whichever fails first (a config or a layer) stops the other and is the error reported.
        let firstError: unknown;
        const fail = (e: unknown) => {
          if (firstError === undefined) firstError = e;
          p.abort(e);
        };
        const configs = Promise.all(images.map((img) => p.pushConfig(img))).then(() => {}, fail);
        const outcomes = await runLimited(
          jobs,
          opts.concurrency ?? 3,
          ({ job }) => layerWeight(job.layer.size),
          ({ job }) => {
            const key = `${job.layer.path}|${job.layer.diffId}`;
            let pending = byKey.get(key);
            if (!pending) {
              const path = job.layer.path as string;
              pending = p.pushLayer(
                job,
                () => opened.open(path),
                () => opened.reader(path),
              );
              byKey.set(key, pending);
            } else {
              pending.then(
                () => p.tracker.finish(job.progress, 'exists'),
                () => {},
              );
            }
            return pending.catch((e) => {
              p.tracker.finish(job.progress, 'failed');
              throw e;
            });
          },
          fail,
        ).catch(async (e: unknown) => {
          await configs;
          throw firstError ?? e;
        });
        await configs;
        if (firstError !== undefined) throw firstError;
        const byImage = new Map<ArchiveManifestImage, LayerOutcome[]>();
        jobs.forEach(({ img }, i) => {
          const list = byImage.get(img) ?? [];
          list.push(outcomes[i] as LayerOutcome);
          byImage.set(img, list);
        });
        return await finishPush(p, sel, byImage, true);
      } finally {
        await opened.close();
      }
    }
    return await pushStreamed(p, storage);
  } catch (e) {
    p.tracker.flush();
    if (p.signal.aborted && opts.signal?.aborted) throw cancelledError(opts.signal);
    throw e;
  }
}

/**
 * A compressed archive is read once, front to back: every large entry is pushed as it streams past (the
 * metadata naming it may come later), then the metadata decides which of them form the image.
 */
async function pushStreamed(p: Pusher, storage: 'gzip' | 'zstd'): Promise<PushResult> {
  const archive = p.opts.archivePath;
  const streamed = new Map<
    string,
    { outcome: LayerOutcome; diffId: string; storedAs: ArchiveLayer['storedAs'] }
  >();
  const files = await scanCompressedArchive(
    archive,
    storage,
    async (entry) => {
      if (entry.kind !== 'tar' && entry.kind !== 'gzip' && entry.kind !== 'zstd') return; // not a layer
      const storedAs = entry.kind === 'tar' ? 'tar' : entry.kind;
      const progress = p.tracker.addLayer(entry.name, entry.size);
      // The diff_id is not known yet: hash what streams by and compare once the config has been read.
      let diffId = '';
      const layer: ArchiveLayer = { path: entry.name, diffId: '', size: entry.size, storedAs };
      const job: LayerJob = { layer, progress, archive };
      const hashed = async function* (): AsyncGenerator<Uint8Array> {
        const hash = createHash('sha256');
        for await (const c of entry.body) {
          hash.update(c);
          yield c;
        }
        diffId = `sha256:${hash.digest('hex')}`;
        layer.diffId = diffId;
      };
      // Skip the in-pipeline diff_id check (diffId unknown); it is done below against the config.
      const outcome = await pushUnchecked(p, job, hashed, storedAs);
      streamed.set(entry.name, {
        outcome,
        diffId: storedAs === 'tar' ? layer.diffId : outcome.diffId,
        storedAs,
      });
    },
    p.signal,
  );
  const contents: ArchiveContents = await readArchiveContents(files);
  const sel = selectImage(contents, archive, p.opts.image, p.opts.platform);
  const images = imagesToPush(sel);
  p.preflight(sel, images);
  const byImage = new Map<ArchiveManifestImage, LayerOutcome[]>();
  for (const img of images) {
    const list: LayerOutcome[] = [];
    for (const layer of img.layers) {
      if (layer.storedAs === 'foreign') {
        list.push({ descriptor: layer.source as Descriptor, state: 'foreign' });
        continue;
      }
      const seen = streamed.get(files.resolve(layer.path as string));
      if (seen) {
        if (seen.diffId !== layer.diffId)
          throw diffIdMismatch(archive, layer.path as string, layer.diffId, seen.diffId);
        list.push(seen.outcome);
        continue;
      }
      // A small layer kept in memory during the scan.
      const bytes = await files.read(layer.path as string);
      const progress = p.tracker.addLayer(layer.diffId, bytes.length);
      list.push(await p.pushLayer({ layer, progress, archive }, () => once1(bytes)));
    }
    byImage.set(img, list);
  }
  return finishPush(p, sel, byImage);
}

/** Pushes a streamed entry whose diff_id is learnt from the stream and checked against the config later. */
async function pushUnchecked(
  p: Pusher,
  job: LayerJob,
  hashed: () => AsyncGenerator<Uint8Array>,
  storedAs: ArchiveLayer['storedAs'],
): Promise<LayerOutcome & { diffId: string }> {
  const layer = job.layer;
  if (storedAs === 'tar') {
    // hashed() sets layer.diffId when the stream ends, so pushLayer's end-of-stream check passes here;
    // the real check against the config happens once the metadata has been read.
    const outcome = await p.pushLayer(job, hashed);
    return { ...outcome, diffId: layer.diffId };
  }
  // A compressed blob: upload as is; hash the decompressed bytes on the side to learn its diff_id.
  const decompress = decompressorFor(storedAs === 'zstd' ? 'zstd' : 'gzip') as NodeJS.ReadWriteStream;
  const hash = createHash('sha256');
  decompress.on('data', (c: Buffer) => hash.update(c));
  const ended = once(decompress, 'end');
  ended.catch(() => {});
  let computed = '';
  let read = 0;
  const source = async function* (): AsyncGenerator<Uint8Array> {
    try {
      for await (const c of hashed()) {
        read += c.length;
        p.tracker.update(job.progress, { bytesDone: read });
        if (!decompress.write(c)) await once(decompress, 'drain');
        yield c;
      }
      decompress.end();
      await ended;
    } catch (e) {
      if (e instanceof LadingError) throw e;
      throw new LadingError(
        'archive-invalid',
        `The archive ${job.archive}: ${layer.path} is not valid ${storedAs} data.`,
        {
          hint: 'The archive is damaged; save the image again.',
          cause: e,
        },
      );
    }
    computed = `sha256:${hash.digest('hex')}`;
  };
  const { client, target } = p.opts;
  p.tracker.update(job.progress, { state: 'uploading' });
  const fromName = layer.path?.match(/^blobs\/sha256\/([a-f0-9]{64})$/)?.[1];
  const result = await client.uploadBlob(p.repo, source(), {
    signal: p.signal,
    chunkSize: uploadChunk(client),
    expectedDigest: fromName ? `sha256:${fromName}` : undefined,
    size: layer.size,
  });
  knownBlobs.record(target.registry, p.repo, result.digest);
  p.tracker.finish(job.progress, 'done');
  return {
    descriptor: { mediaType: p.layerMediaType(storedAs), digest: result.digest, size: result.size },
    state: 'done',
    diffId: computed,
  };
}
