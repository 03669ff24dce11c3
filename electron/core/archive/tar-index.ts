import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { LadingError } from '../registry/errors';
import { checkEntryPath, resolveLink } from './entry-path';
import { validHeaderChecksum } from './sniff';

/**
 * Indexes an uncompressed tar by reading only its 512-byte headers and seeking over the data, so a 5 GB
 * archive is indexed in milliseconds and each layer can later be streamed from its offset in place.
 * (tar-stream would read every data byte to find the next header; it is used for compressed archives,
 * which have to be read front to back anyway.) Handles ustar, pax ('x') and GNU long names ('L'/'K'),
 * and base-256 sizes.
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface TarEntry {
  /** Normalised path: no leading "./" or "/", no trailing "/". */
  name: string;
  type: TarEntryType;
  size: number;
  /** Offset of the first data byte in the tar file. */
  offset: number;
  linkname?: string;
}

export interface TarIndex {
  path: string;
  fileSize: number;
  entries: Map<string, TarEntry>;
}

const BLOCK = 512;

function cString(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

function parseSize(buf: Buffer): number {
  const field = buf.subarray(124, 136);
  if ((field[0] ?? 0) & 0x80) {
    // GNU base-256: big-endian binary after the marker bit.
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = cString(buf, 124, 12).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number.parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

function typeOf(flag: string): TarEntryType {
  if (flag === '0' || flag === '\0' || flag === '' || flag === '7') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'link';
  return 'other';
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  // Not zero-filled: only the bytes read are returned.
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * Reads a tar's headers through a window of up to 1 MiB, so the headers of small entries (a docker save of
 * many small layers) come from one read instead of one thread-pool round trip each.
 */
class HeaderReader {
  private window: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(private readonly fh: FileHandle) {}

  async read(position: number, length: number): Promise<Buffer> {
    const end = this.start + this.window.length;
    if (position < this.start || position + length > end) {
      this.window = await readAt(this.fh, position, Math.max(length, HEADER_WINDOW));
      this.start = position;
    }
    const from = position - this.start;
    return this.window.subarray(from, Math.min(from + length, this.window.length));
  }
}

const HEADER_WINDOW = 1024 * 1024;

function truncated(path: string): LadingError {
  return new LadingError(
    'archive-invalid',
    `The archive ${path} is truncated (an entry runs past the end of the file).`,
    {
      hint: 'Copy or save the archive again; the file is incomplete.',
    },
  );
}

/** Runs `fn` with `handle` when given (left open: it is the caller's), else with the file opened for it. */
async function withFile<T>(path: string, handle: FileHandle | undefined, fn: (fh: FileHandle) => Promise<T>) {
  const fh = handle ?? (await open(path, 'r'));
  try {
    return await fn(fh);
  } finally {
    if (!handle) await fh.close();
  }
}

/** Indexes the tar at `path`; reads through `handle` when given, else opens the file itself. */
export function indexTar(path: string, handle?: FileHandle): Promise<TarIndex> {
  return withFile(path, handle, async (fh) => {
    const fileSize = (await fh.stat()).size;
    const reader = new HeaderReader(fh);
    const entries = new Map<string, TarEntry>();
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    for (;;) {
      if (pos >= fileSize) break; // tolerate a missing end-of-archive marker
      const header = await reader.read(pos, BLOCK);
      if (header.length < BLOCK) throw truncated(path);
      if (header.every((b) => b === 0)) break;
      if (!validHeaderChecksum(header)) {
        throw new LadingError(
          'archive-invalid',
          `${path} is not a valid tar archive (bad header at byte ${pos}).`,
          {
            hint: 'Give a file written by docker save, skopeo, podman or buildah (optionally gzip/zstd-compressed).',
          },
        );
      }
      const flag = String.fromCharCode(header[156] ?? 0);
      const size = pax.size !== undefined ? Number(pax.size) : parseSize(header);
      const dataOffset = pos + BLOCK;
      const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (dataOffset + size > fileSize) throw truncated(path);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        // Metadata (long names, pax records) is small; a huge one is a broken or hostile archive.
        if (size > HEADER_WINDOW) {
          throw new LadingError(
            'archive-invalid',
            `${path} has a tar metadata entry of ${size} bytes at byte ${pos} (at most ${HEADER_WINDOW} expected).`,
            { hint: 'Give a file written by docker save, skopeo, podman or buildah.' },
          );
        }
        const data = await reader.read(dataOffset, size);
        if (flag === 'x') pax = { ...pax, ...parsePax(data) };
        else if (flag === 'L') longName = cString(data, 0, data.length);
        else if (flag === 'K') longLink = cString(data, 0, data.length);
        pos = next;
        continue;
      }
      const prefix =
        header.subarray(257, 262).toString('latin1') === 'ustar' ? cString(header, 345, 155) : '';
      const rawName =
        pax.path ?? longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
      const linkname = pax.linkpath ?? longLink ?? cString(header, 157, 100);
      const type = typeOf(flag);
      const name = checkEntryPath(rawName, path);
      if (type === 'symlink' || type === 'link') resolveLink(name, linkname, type, path);
      if (name !== '')
        entries.set(name, { name, type, size: type === 'file' ? size : 0, offset: dataOffset, linkname });
      pax = {};
      longName = undefined;
      longLink = undefined;
      pos = next;
    }
    if (entries.size === 0) {
      throw new LadingError('archive-invalid', `The archive ${path} contains no files.`, {
        hint: 'Give a file written by docker save, skopeo, podman or buildah.',
      });
    }
    return { path, fileSize, entries };
  });
}

/** Follows symlinks/hard links inside the archive to the regular file they name. */
export function lookupFile(index: TarIndex, name: string): TarEntry | undefined {
  let current = index.entries.get(name);
  for (let depth = 0; current && depth < 16; depth++) {
    if (current.type === 'file') return current;
    if (current.type !== 'symlink' && current.type !== 'link') return undefined;
    current = index.entries.get(resolveLink(current.name, current.linkname ?? '', current.type, index.path));
  }
  return undefined;
}

/** An entry's bytes; read through `handle` when given (an open archive's own), else a handle of its own. */
export function readEntry(index: TarIndex, entry: TarEntry, handle?: FileHandle): Promise<Buffer> {
  return withFile(index.path, handle, async (fh) => {
    const buf = await readAt(fh, entry.offset, entry.size);
    if (buf.length < entry.size) throw truncated(index.path);
    return buf;
  });
}

/** Streams one entry's bytes straight from the archive file. */
export function openEntry(index: TarIndex, entry: TarEntry, highWaterMark = 1 << 20): Readable {
  if (entry.size === 0) return Readable.from([]);
  return createReadStream(index.path, {
    start: entry.offset,
    end: entry.offset + entry.size - 1,
    highWaterMark,
  });
}
