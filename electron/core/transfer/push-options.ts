/**
 * What a push is asked to do and what it answers (re-exported by push.ts, the public entry), plus the
 * work items the push modules pass between them.
 */
import type { Readable } from 'node:stream';
import type { ArchiveIndexImage, ArchiveLayer, ArchiveManifestImage } from '../archive/formats';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import type { Descriptor, ImageIndex } from '../registry/manifest';
import type { Reference } from '../registry/reference';
import type { ProgressListener } from './progress';

export type Compression = 'gzip' | 'zstd' | 'none';

/** The client calls a push needs (RegistryClient has them all). */
export type PushClient = Pick<RegistryClient, 'blobExists' | 'mountBlob' | 'uploadBlob' | 'putManifest'> &
  Partial<Pick<RegistryClient, 'ping'>>;

export interface PushOptions {
  /** The archive file; with `archiveStream`, only the archive's name in messages (docker-daemon:app:1). */
  archivePath: string;
  /**
   * The archive's bytes as a stream, read once front to back through the streamed path (an engine's
   * `docker save`, never written to disk). Destroyed when the push fails or is cancelled.
   */
  archiveStream?: Readable;
  target: Reference;
  /** Which image of a multi-image archive (RepoTag / ref name). */
  image?: string;
  /** One platform of a multi-platform archive (OS/ARCH[/VARIANT]). */
  platform?: string;
  compression?: Compression;
  /** Layers in flight at once (default 3; small layers take a tenth of a slot, see layerWeight). */
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

/** What became of one layer: the descriptor the manifest lists, and how it got there. */
export interface LayerOutcome {
  descriptor: Descriptor;
  state: PushedLayer['state'];
}

/** One layer's work item: where its bytes come from and what the archive says about it. */
export interface LayerJob {
  layer: ArchiveLayer;
  progress: number;
  archive: string;
}

export function targetTag(target: Reference, picked: { names: string[] }): string {
  if (target.tag) return target.tag;
  if (target.digest) {
    throw new LadingError('invalid-reference', 'A push needs a tag, not a digest, in the target reference.', {
      hint: 'Write the target as REGISTRY/REPOSITORY:TAG.',
    });
  }
  const own = picked.names.find((n) => /:[^/]+$/.test(n));
  return own ? own.slice(own.lastIndexOf(':') + 1) : 'latest';
}

/** The platform images a selection pushes: the picked child, every child of an index, or the one image. */
export function imagesToPush(sel: {
  image: ArchiveManifestImage | ArchiveIndexImage;
  child?: ArchiveManifestImage;
}): ArchiveManifestImage[] {
  if (sel.child) return [sel.child];
  return sel.image.kind === 'index' ? sel.image.children : [sel.image];
}
