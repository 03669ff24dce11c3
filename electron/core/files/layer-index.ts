/**
 * One layer's own entries, read from its tar headers: normalised paths, types, sizes, modes, owners,
 * times and link targets, with OCI whiteouts kept as entries of their own for the merge to apply.
 */
import { LadingError } from '../registry/errors';
import type { FileLimits } from './layer-stream';
import type { RawHeader } from './tar-reader';

export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'character-device'
  | 'block-device'
  | 'fifo';

export interface LayerEntry {
  /** Normalised, relative to the root: "etc/os-release" (the root itself is never an entry). */
  path: string;
  /** `whiteout`: `.wh.NAME` removing `path` from lower layers; `opaque`: `path` hides its lower children. */
  type: EntryType | 'whiteout' | 'opaque';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** A symlink's target as written; a hardlink's target path, normalised like `path`. */
  linkTarget?: string;
  /** Position among the layer's tar entries (metadata entries not counted), to find it again. */
  ordinal: number;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** "./a//b/" → "a/b"; null for the root; an error for a path that climbs out of it. */
export function normalisePath(raw: string, what: string): string | null {
  // The usual "a/b" or "a/b/" (what every tool writes) needs no splitting.
  if (raw !== '' && raw[0] !== '/' && raw[0] !== '.' && !raw.includes('//') && !raw.includes('/.')) {
    return raw.endsWith('/') ? raw.slice(0, -1) : raw;
  }
  const parts: string[] = [];
  for (const p of raw.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) {
        throw new LadingError(
          'archive-invalid',
          `${what} has an entry outside the root: ${raw.slice(0, 200)}`,
          {
            hint: 'Refusing an unsafe layer; the image was not built by a normal tool.',
          },
        );
      }
      parts.pop();
      continue;
    }
    parts.push(p);
  }
  return parts.length ? parts.join('/') : null;
}

function tooLong(what: string, kind: string, bytes: number, limits: FileLimits): LadingError {
  return new LadingError(
    'too-large',
    `${what} has a ${kind} of ${bytes} bytes (at most ${limits.maxPathBytes} are allowed).`,
    { hint: 'No real filesystem has such paths: the layer is broken or hostile.' },
  );
}

/** The entry a header describes, or null for ones that change nothing (the root, aufs metadata). */
export function entryOf(h: RawHeader, ordinal: number, what: string, limits: FileLimits): LayerEntry | null {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short names need no count (this runs once per entry).
  if (h.name.length * 3 > limits.maxPathBytes) {
    const nameBytes = Buffer.byteLength(h.name);
    if (nameBytes > limits.maxPathBytes) throw tooLong(what, 'path', nameBytes, limits);
  }
  if (h.linkname.length * 3 > limits.maxPathBytes) {
    const linkBytes = Buffer.byteLength(h.linkname);
    if (linkBytes > limits.maxPathBytes) throw tooLong(what, 'link target', linkBytes, limits);
  }
  const path = normalisePath(h.name, what);
  if (path === null) return null;
  const slash = path.lastIndexOf('/');
  const base = slash === -1 ? path : path.slice(slash + 1);
  const dir = slash === -1 ? '.' : path.slice(0, slash);
  const common = { size: 0, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: h.mtime, ordinal };
  if (base === OPAQUE) return dir === '.' ? null : { ...common, path: dir, type: 'opaque' };
  if (base.startsWith(WHITEOUT)) {
    const name = base.slice(WHITEOUT.length);
    // ".wh." alone is invalid, ".wh..wh.*" is aufs bookkeeping: neither removes anything.
    if (name === '' || name.startsWith(WHITEOUT)) return null;
    return { ...common, path: dir === '.' ? name : `${dir}/${name}`, type: 'whiteout' };
  }
  const type = TYPES[h.typeflag];
  if (!type) return null; // vendor extensions (GNU sparse 'S' aside, which real layers do not use)
  const entry: LayerEntry = {
    path,
    type,
    size: type === 'file' ? h.size : 0,
    mode: common.mode,
    uid: h.uid,
    gid: h.gid,
    mtime: h.mtime,
    ordinal,
  };
  if (type === 'symlink') entry.linkTarget = h.linkname;
  if (type === 'hardlink') {
    const target = normalisePath(h.linkname, what);
    if (target === null || target === path) {
      throw new LadingError('archive-invalid', `${what} has a hard link to itself or the root: /${path}`, {
        hint: 'Refusing a broken layer; rebuild the image.',
      });
    }
    entry.linkTarget = target;
  }
  return entry;
}
