/**
 * A remote image's filesystem without pulling it: the manifest and config are resolved as a pull does
 * (one platform of an index), each layer's index comes from the cache or from its headers, and the merge
 * gives the listing, each layer's changes and dive's figures.
 */
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import { formatReference, type Reference } from '../registry/reference';
import { hostPlatform } from '../transfer/pull';
import { resolvePull } from '../transfer/pull-resolve';
import { parsePlatformString } from '../transfer/select-image';
import type { IndexCache } from './index-cache';
import { type IndexProgress, indexLayers } from './index-layers';
import type { EntryType, LayerEntry } from './layer-index';
import { DEFAULT_LIMITS, type FileLimits, type LayerRef } from './layer-stream';
import { type ChangeKind, type FsNode, lookup, type MergedImage, mergeLayers } from './merge';

export type FilesClient = Pick<RegistryClient, 'openBlob' | 'getManifest' | 'getConfig'>;

export interface ImageFiles {
  reference: string;
  /** The image manifest's digest (the platform's, for an index). */
  digest: string;
  layers: LayerRef[];
  indexes: LayerEntry[][];
  merged: MergedImage;
  /** Whether `merged` holds each layer's changes (else listFiles merges again when asked for them). */
  withChanges: boolean;
  limits: FileLimits;
}

export interface OpenImageOptions {
  platform?: string;
  cache?: IndexCache;
  limits?: Partial<FileLimits>;
  signal?: AbortSignal;
  onProgress?(p: IndexProgress): void;
  /** Keep each layer's changes (default true); a plain listing needs none. */
  changes?: boolean;
}

/** An image's manifest digest and layers, resolved as a pull does; nothing of the layers is read yet. */
export interface ResolvedFiles {
  reference: string;
  digest: string;
  layers: LayerRef[];
}

export async function resolveImageFiles(
  client: FilesClient,
  reference: Reference,
  opts: { platform?: string; signal?: AbortSignal } = {},
): Promise<ResolvedFiles> {
  const wanted = opts.platform ? parsePlatformString(opts.platform) : hostPlatform();
  const { images } = await resolvePull(client, reference, wanted, false, opts.signal);
  const image = images[0];
  if (!image) {
    throw new LadingError('manifest-unknown', `${formatReference(reference)} has no image to read.`);
  }
  const layers: LayerRef[] = image.manifest.layers.map((descriptor, i) => ({
    repository: reference.repository,
    descriptor,
    number: i + 1,
  }));
  return { reference: formatReference(reference), digest: image.descriptor.digest, layers };
}

export async function openImageFiles(
  client: FilesClient,
  reference: Reference | ResolvedFiles,
  opts: OpenImageOptions = {},
): Promise<ImageFiles> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const resolved = 'layers' in reference ? reference : await resolveImageFiles(client, reference, opts);
  const indexes = await indexLayers(client, resolved.layers, limits, {
    cache: opts.cache,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  return {
    ...resolved,
    indexes,
    merged: mergeLayers(indexes, { changes: opts.changes !== false }),
    withChanges: opts.changes !== false,
    limits,
  };
}

/** One row of `lading ls --json` and of the app's tree. */
export interface FileRow {
  path: string;
  type: EntryType;
  size: number;
  mode: string;
  uid: number;
  gid: number;
  linkTarget?: string;
  layer: number;
  change?: ChangeKind;
}

function row(
  path: string,
  entry: LayerEntry & { type: EntryType },
  layer: number,
  change?: ChangeKind,
): FileRow {
  const r: FileRow = {
    path: `/${path}`,
    type: entry.type,
    size: entry.size,
    mode: entry.mode.toString(8).padStart(4, '0'),
    uid: entry.uid,
    gid: entry.gid,
    layer,
  };
  if (entry.linkTarget !== undefined)
    r.linkTarget = entry.type === 'hardlink' ? `/${entry.linkTarget}` : entry.linkTarget;
  if (change) r.change = change;
  return r;
}

/** "/usr/" → "usr"; "/" → "". */
export function imagePath(path: string): string {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

export function notFound(files: Pick<ImageFiles, 'reference'>, path: string): LadingError {
  return new LadingError('invalid-input', `${files.reference} has no /${path}.`, {
    hint: 'List the directory above it with lading ls to see what is there.',
  });
}

function checkLayer(files: ImageFiles, layer: number): void {
  if (!Number.isInteger(layer) || layer < 1 || layer > files.layers.length) {
    throw new LadingError(
      'invalid-input',
      `${files.reference} has ${files.layers.length} layers; there is no layer ${layer}.`,
      { hint: `Give a layer from 1 to ${files.layers.length} (the order of lading inspect).` },
    );
  }
}

function sortedChildren(node: FsNode): FsNode[] {
  return [...(node.children?.values() ?? [])].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/**
 * Every entry below `path` (the entry itself when it is not a directory), depth first, sorted by name;
 * one row at a time, so that a listing of 100,000 entries is never held whole.
 */
export function* iterTree(
  root: FsNode,
  files: Pick<ImageFiles, 'reference'>,
  path: string,
): Generator<FileRow> {
  const start = lookup(root, path);
  if (!start) throw notFound(files, path);
  if (!start.children) {
    yield row(path, start.entry, start.layer);
    return;
  }
  function* visit(node: FsNode, p: string): Generator<FileRow> {
    for (const child of sortedChildren(node)) {
      const cp = p ? `${p}/${child.name}` : child.name;
      yield row(cp, child.entry, child.layer);
      if (child.children) yield* visit(child, cp);
    }
  }
  yield* visit(start, path);
}

export function listTree(root: FsNode, files: Pick<ImageFiles, 'reference'>, path: string): FileRow[] {
  return [...iterTree(root, files, path)];
}

/**
 * The merged filesystem below `path`; with `layer`, that layer's own changes below it; with `upTo`, the
 * filesystem as it stood after that layer.
 */
export function listFiles(
  files: ImageFiles,
  opts: { path?: string; layer?: number; upTo?: number } = {},
): FileRow[] {
  const path = imagePath(opts.path ?? '/');
  if (opts.layer !== undefined) {
    checkLayer(files, opts.layer);
    const inside = (p: string) => path === '' || p === path || p.startsWith(`${path}/`);
    const merged = files.withChanges ? files.merged : mergeLayers(files.indexes.slice(0, opts.layer));
    return (merged.changes[opts.layer - 1] ?? [])
      .filter((c) => inside(c.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((c) => row(c.path, c.entry, c.change === 'removed' ? (opts.layer as number) : c.layer, c.change));
  }
  if (opts.upTo !== undefined && opts.upTo !== files.layers.length) {
    checkLayer(files, opts.upTo);
    return listTree(mergeLayers(files.indexes.slice(0, opts.upTo)).root, files, path);
  }
  return listTree(files.merged.root, files, path);
}
