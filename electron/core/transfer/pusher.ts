/**
 * One push's shared state (options, cancel signal, progress, warnings, the compression slot) and the
 * decisions every layer asks of it: the preflight rules, reuse of a blob the registry has, media types.
 */
import type { ArchiveLayer, ArchiveManifestImage } from '../archive/formats';
import { LadingError } from '../registry/errors';
import { MediaType } from '../registry/mediatypes';
import { digestName, type RepositoryName } from '../registry/names';
import { knownBlobs } from './blob-cache';
import { garbageCollector } from './memory';
import { ProgressTracker } from './progress';
import { type Compression, type PushOptions, targetTag } from './push-options';
import { streamUploads } from './push-tuning';
import type { Selection } from './select-image';

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
  /** No limit from now on: every waiter goes, and every later acquire. */
  open(): void {
    this.free = Number.POSITIVE_INFINITY;
    for (const next of this.waiting.splice(0)) next();
  }
}

export function cancelledError(signal: AbortSignal | undefined): LadingError {
  const reason = signal?.reason;
  if (reason instanceof LadingError) return reason;
  return new LadingError('cancelled', 'The push was cancelled.');
}

export class Pusher {
  readonly warnings: string[] = [];
  readonly tracker: ProgressTracker;
  readonly repo: RepositoryName;
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
  readonly compressSlot: Semaphore;

  constructor(readonly opts: PushOptions) {
    this.tracker = new ProgressTracker(opts.onProgress);
    this.compressSlot = new Semaphore(streamUploads(opts.client) ? 1 : 2);
    this.repo = opts.target.repository;
    this.signal = opts.signal
      ? AbortSignal.any([opts.signal, this.controller.signal])
      : this.controller.signal;
  }

  /**
   * A layer's upload could not keep up with its compressor (push-tuning.ts, LINK_BOUND_AFTER_MS): the link,
   * not the CPU, sets the pace, so large layers no longer wait for one another's compression.
   */
  linkBound(): void {
    this.isLinkBound = true;
    this.compressSlot.open();
  }

  /** Set by linkBound(). */
  isLinkBound = false;

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
    if (await client.blobExists(this.repo, digestName(digest), { signal: this.signal })) return 'exists';
    for (const from of knownBlobs.repositoriesWith(target.registry, digest)) {
      if (from === this.repo) continue;
      try {
        if (await client.mountBlob(this.repo, digestName(digest), from, { signal: this.signal }))
          return 'mounted';
      } catch {
        // A failed mount only means a normal upload.
      }
    }
    return undefined;
  }

  layerMediaType(storedAs: ArchiveLayer['storedAs'], original?: string): string {
    if (storedAs === 'gzip') return original?.includes('gzip') ? original : MediaType.ociLayerGzip;
    if (storedAs === 'zstd') return MediaType.ociLayerZstd;
    if (this.compression === 'gzip') return MediaType.ociLayerGzip;
    if (this.compression === 'zstd') return MediaType.ociLayerZstd;
    return MediaType.ociLayer;
  }
}
