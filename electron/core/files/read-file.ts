/**
 * One file of a remote image: the path is resolved in the merged filesystem (directory symlinks on the way
 * always, a final symlink only when asked, both within the image), a hard link to the copy it names, and
 * then only the layer holding the bytes is streamed, up to that entry.
 */
import { LadingError } from '../registry/errors';
import { type ImageFiles, imagePath } from './image-files';
import { cancelled } from './index-layers';
import type { EntryType, LayerEntry } from './layer-index';
import { type BlobClient, openLayerTar } from './layer-stream';
import { type FsNode, lookup, mergeLayers } from './merge';
import { TarReader } from './tar-reader';

/** Linux's bound on symlinks followed in one lookup (ELOOP). */
const MAX_SYMLINKS = 40;
const MAX_HARDLINKS = 16;

function loop(files: ImageFiles, path: string, kind: string): LadingError {
  return new LadingError('archive-invalid', `/${path} in ${files.reference} is a ${kind} loop.`, {
    hint: 'The image links the path back to itself; there is no file to read.',
  });
}

/** The node `path` names, following symlinks within the image. */
export function resolvePath(
  files: ImageFiles,
  root: FsNode,
  raw: string,
  followLast: boolean,
): { node: FsNode; path: string } {
  let pending = imagePath(raw).split('/').filter(Boolean);
  const done: string[] = [];
  let node = root;
  let hops = 0;
  while (pending.length) {
    const part = pending.shift() as string;
    if (part === '..') {
      done.pop();
      node = lookup(root, done.join('/')) ?? root;
      continue;
    }
    const child = node.children?.get(part);
    const here = [...done, part].join('/');
    if (!child) {
      throw new LadingError('invalid-input', `${files.reference} has no /${here}.`, {
        hint: 'List the directory above it with lading ls to see what is there.',
      });
    }
    const isLast = pending.length === 0;
    if (child.entry.type === 'symlink' && (!isLast || followLast)) {
      if (++hops > MAX_SYMLINKS) throw loop(files, imagePath(raw), 'symlink');
      const target = child.entry.linkTarget ?? '';
      const parts = target.split('/').filter((p) => p !== '' && p !== '.');
      if (target.startsWith('/')) {
        done.length = 0;
        node = root;
      }
      pending = [...parts, ...pending];
      continue;
    }
    if (!isLast && !child.children) {
      throw new LadingError('invalid-input', `/${here} in ${files.reference} is not a directory.`);
    }
    done.push(part);
    node = child;
  }
  return { node, path: done.join('/') };
}

/** The layer and entry whose tar body holds a hard link's bytes. */
export function hardlinkSource(
  files: ImageFiles,
  entry: LayerEntry,
  layer: number,
  seen = 0,
): { entry: LayerEntry; layer: number } {
  if (entry.type !== 'hardlink') return { entry, layer };
  if (seen >= MAX_HARDLINKS) throw loop(files, entry.path, 'hard link');
  const target = entry.linkTarget as string;
  const own = files.indexes[layer - 1] ?? [];
  for (let i = own.length - 1; i >= 0; i--) {
    const e = own[i] as LayerEntry;
    if (e.path === target && e.ordinal < entry.ordinal && e.type !== 'whiteout' && e.type !== 'opaque')
      return hardlinkSource(files, e, layer, seen + 1);
  }
  const below = lookup(mergeLayers(files.indexes.slice(0, layer - 1)).root, target);
  if (!below) {
    throw new LadingError(
      'archive-invalid',
      `/${entry.path} in ${files.reference} is a hard link to /${target}, which the image does not have.`,
      { hint: 'The layer is broken; rebuild the image.' },
    );
  }
  return hardlinkSource(files, below.entry, below.layer, seen + 1);
}

export interface FileContent {
  path: string;
  size: number;
  /** Octal, of the entry holding the bytes (a hard link's target's, as a filesystem shows it). */
  mode: string;
  /** The bytes; read it once. */
  body: AsyncIterable<Buffer>;
}

export async function readImageFile(
  client: BlobClient,
  files: ImageFiles,
  path: string,
  opts: { follow?: boolean; signal?: AbortSignal } = {},
): Promise<FileContent> {
  const { node, path: resolved } = resolvePath(files, files.merged.root, path, opts.follow === true);
  const type: EntryType = node.entry.type;
  if (type === 'symlink') {
    throw new LadingError('invalid-input', `/${resolved} is a symlink to ${node.entry.linkTarget}.`, {
      hint: 'Ask to follow symlinks (lading cat --follow) to read what it points to.',
    });
  }
  if (type !== 'file' && type !== 'hardlink') {
    const what = type === 'directory' ? 'a directory' : `a ${type.replace('-', ' ')}`;
    throw new LadingError('invalid-input', `/${resolved} in ${files.reference} is ${what}, not a file.`, {
      hint: type === 'directory' ? `List it with lading ls ${files.reference} /${resolved}.` : undefined,
    });
  }
  const source = hardlinkSource(files, node.entry, node.layer);
  if (source.entry.type !== 'file') {
    throw new LadingError(
      'invalid-input',
      `/${resolved} is a hard link to /${source.entry.path}, which is not a file.`,
    );
  }
  const body = await openEntryBody(client, files, source, opts.signal);
  return {
    path: `/${resolved}`,
    size: source.entry.size,
    mode: source.entry.mode.toString(8).padStart(4, '0'),
    body,
  };
}

/** The bytes of one layer entry: its layer streamed up to it, then its body; the download ends after it. */
export async function openEntryBody(
  client: BlobClient,
  files: ImageFiles,
  source: { entry: LayerEntry; layer: number },
  signal?: AbortSignal,
): Promise<AsyncIterable<Buffer>> {
  const layer = files.layers[source.layer - 1];
  if (!layer) throw new LadingError('internal', `No layer ${source.layer} for /${source.entry.path}.`);
  const { tar, what, close } = await openLayerTar(client, layer, files.limits, { signal });
  const reader = new TarReader(tar, what);
  try {
    for (let ordinal = 0; ordinal < source.entry.ordinal; ordinal++) {
      if (signal?.aborted) throw cancelled();
      if (!(await reader.next())) break;
    }
    const h = await reader.next();
    if (!h) throw new LadingError('archive-invalid', `${what} ended before /${source.entry.path}.`);
  } catch (e) {
    close();
    throw e;
  }
  return (async function* () {
    try {
      yield* reader.body();
    } finally {
      close();
    }
  })();
}
