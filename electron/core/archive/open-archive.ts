import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { LadingError } from '../registry/errors';
import { checkEntryPath, resolveLink } from './entry-path';
import { type ArchiveContents, type ArchiveFiles, readArchiveContents } from './formats';
import { type ContentKind, decompressorFor, sniff } from './sniff';
import { indexTar, lookupFile, openEntry, readEntry, type TarIndex } from './tar-index';

/** How an archive file is stored on disk: a plain tar (read in place) or a compressed one (streamed once). */
export type ArchiveStorage = 'tar' | 'gzip' | 'zstd';

/** Entries up to this size are kept in memory while streaming a compressed archive (metadata, tiny layers). */
export const SMALL_ENTRY = 1 << 20;

export async function probeArchive(path: string): Promise<ArchiveStorage> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile())
      throw new LadingError('file-error', `${path} is not a file.`, {
        hint: 'Give the path of an image archive (.tar, .tar.gz, .tar.zst).',
      });
    size = st.size;
  } catch (e) {
    if (e instanceof LadingError) throw e;
    throw new LadingError(
      'file-error',
      `Cannot read the archive ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
      {
        hint: 'Check the path.',
        cause: e,
      },
    );
  }
  if (size === 0) {
    throw new LadingError('archive-invalid', `The archive ${path} is an empty file.`, {
      hint: 'Save the image again.',
    });
  }
  const fh = await open(path, 'r');
  const head = Buffer.alloc(512);
  try {
    await fh.read(head, 0, 512, 0);
  } finally {
    await fh.close();
  }
  const kind = sniff(size < 512 ? head.subarray(0, size) : head);
  if (kind === 'gzip' || kind === 'zstd' || kind === 'tar') return kind;
  throw new LadingError(
    'archive-invalid',
    `${path} is not a tar archive (nor a gzip- or zstd-compressed one).`,
    {
      hint: 'Give a file written by docker save, skopeo copy (docker-archive:/oci-archive:), podman or buildah.',
    },
  );
}

/** An uncompressed archive, indexed; its layers are streamed from their offsets. */
export interface IndexedArchive {
  storage: 'tar';
  path: string;
  index: TarIndex;
  files: ArchiveFiles;
  contents: ArchiveContents;
  open(entryPath: string): Readable;
  /** Reads an entry by positional reads into the caller's buffers (no per-chunk allocation). */
  reader(entryPath: string): EntryReader;
  /** Closes the archive's file handle; the readers end with it. */
  close(): Promise<void>;
}

/** Positional reads of one entry through the archive's handle (nothing to close: the archive closes it). */
export interface EntryReader {
  readInto(buf: Buffer, offset: number, length: number): Promise<number>;
}

/** The files of an indexed tar; read through `handle` when given (the open archive's), else one per read. */
export function filesOfIndex(index: TarIndex, handle?: FileHandle): ArchiveFiles {
  const entry = (p: string) => lookupFile(index, p);
  return {
    name: index.path,
    has: (p) => entry(p) !== undefined,
    size: (p) => entry(p)?.size,
    read: async (p) => {
      const e = entry(p);
      if (!e) throw new LadingError('archive-invalid', `The archive ${index.path}: ${p} is missing.`);
      if (e.size > 64 << 20)
        throw new LadingError('too-large', `The archive ${index.path}: ${p} is too large to be metadata.`);
      return readEntry(index, e, handle);
    },
    kind: async (p) => {
      const e = entry(p);
      if (!e) return 'unknown';
      const head = await readEntry(index, { ...e, size: Math.min(e.size, 512) }, handle);
      return sniff(head);
    },
  };
}

/**
 * Indexes a plain tar and reads its images. The file is opened once for all of it: the index, the metadata,
 * every layer's sniff and every layer reader share one handle (positional reads), instead of an open/close
 * round trip through the thread pool per read, which was a measurable part of pushing many small layers.
 * The caller closes it.
 */
export async function openIndexedArchive(path: string): Promise<IndexedArchive> {
  const fh = await open(path, 'r');
  try {
    const index = await indexTar(path, fh);
    const files = filesOfIndex(index, fh);
    const contents = await readArchiveContents(files);
    return {
      storage: 'tar',
      path,
      index,
      files,
      contents,
      open: (p) => {
        const e = lookupFile(index, p);
        if (!e) throw new LadingError('archive-invalid', `The archive ${path}: ${p} is missing.`);
        return openEntry(index, e);
      },
      reader: (p) => {
        const e = lookupFile(index, p);
        if (!e) throw new LadingError('archive-invalid', `The archive ${path}: ${p} is missing.`);
        let pos = e.offset;
        const end = e.offset + e.size;
        return {
          readInto: async (buf, offset, length) => {
            const want = Math.min(length, end - pos);
            if (want <= 0) return 0;
            const { bytesRead } = await fh.read(buf, offset, want, pos);
            if (bytesRead === 0)
              throw new LadingError('archive-invalid', `The archive ${path} is truncated (${p} ends early).`);
            pos += bytesRead;
            return bytesRead;
          },
        };
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** A large entry met while streaming a compressed archive: its bytes must be consumed before the next. */
export interface StreamedEntry {
  name: string;
  size: number;
  kind: ContentKind;
  /** The entry's bytes, first chunk included. */
  body: AsyncIterable<Uint8Array>;
}

/** What a stream scan saw: small files kept in memory, large ones by size and kind. */
export interface ScannedFiles extends ArchiveFiles {
  small: Map<string, Buffer>;
  large: Map<string, { size: number; kind: ContentKind }>;
  /** The regular file a path names once links are followed. */
  resolve(path: string): string;
}

function translateStreamError(path: string, e: unknown): unknown {
  if (e instanceof LadingError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return e;
  const msg = String(err?.message ?? e);
  if (/unexpected end|premature|truncated|Unexpected end/i.test(msg) || err?.code === 'Z_BUF_ERROR') {
    return new LadingError(
      'archive-invalid',
      `The archive ${path} is truncated (the compressed stream ends early).`,
      {
        hint: 'Copy or save the archive again; the file is incomplete.',
        cause: e,
      },
    );
  }
  return new LadingError('archive-invalid', `The archive ${path} cannot be read: ${msg.split('\n')[0]}.`, {
    hint: 'Give a gzip- or zstd-compressed tar written by docker save, skopeo or podman.',
    cause: e,
  });
}

async function* withHead(
  head: Uint8Array | undefined,
  rest: AsyncIterator<Uint8Array>,
): AsyncIterable<Uint8Array> {
  if (head) yield head;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/**
 * Streams a gzip/zstd-compressed archive once: small entries are kept, each large entry is handed to
 * `onLarge` (which must consume it) in archive order. Links are resolved against what was seen.
 */
export function scanCompressedArchive(
  path: string,
  storage: 'gzip' | 'zstd',
  onLarge: (entry: StreamedEntry) => Promise<void>,
  signal?: AbortSignal,
): Promise<ScannedFiles> {
  return scanArchiveStream(
    path,
    createReadStream(path, { highWaterMark: 1 << 20 }),
    storage,
    onLarge,
    signal,
  );
}

/**
 * The same scan over an archive that is only a stream (an engine's `docker save`), plain or compressed;
 * `path` only names it in messages. The source is destroyed on any failure.
 */
export async function scanArchiveStream(
  path: string,
  source: Readable,
  storage: ArchiveStorage,
  onLarge: (entry: StreamedEntry) => Promise<void>,
  signal?: AbortSignal,
): Promise<ScannedFiles> {
  const small = new Map<string, Buffer>();
  const large = new Map<string, { size: number; kind: ContentKind }>();
  const links = new Map<string, string>();
  const extract = tar.extract();
  const decompress = storage === 'tar' ? undefined : (decompressorFor(storage) as NodeJS.ReadWriteStream);
  const piped = decompress
    ? pipeline(source, decompress, extract, { signal })
    : pipeline(source, extract, { signal });
  const feeding = piped.catch((e) => {
    throw translateStreamError(path, e);
  });
  let entries = 0;
  const consuming = (async () => {
    for await (const entry of extract) {
      entries++;
      const h = entry.header;
      const name = checkEntryPath(h.name, path);
      if (h.type === 'symlink' || h.type === 'link') {
        links.set(name, resolveLink(name, h.linkname ?? '', h.type, path));
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const size = h.size ?? 0;
      const it = entry[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      if (size <= SMALL_ENTRY) {
        const parts: Uint8Array[] = [];
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          parts.push(r.value);
        }
        small.set(name, Buffer.concat(parts));
        continue;
      }
      // The sniff needs a whole tar header: from a socket (an engine's save) the first piece can be shorter.
      const pieces: Uint8Array[] = [];
      let got = 0;
      while (got < 512) {
        const r = await it.next();
        if (r.done) break;
        pieces.push(r.value);
        got += r.value.length;
      }
      const head = pieces.length === 0 ? undefined : pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
      const kind = sniff(head ?? new Uint8Array());
      large.set(name, { size, kind });
      const body = withHead(head, it);
      await onLarge({ name, size, kind, body });
      // Whatever the handler left unread is drained so the tar stream can move on.
      for (;;) {
        const r = await it.next();
        if (r.done) break;
      }
    }
  })();
  try {
    await Promise.all([feeding, consuming]);
  } catch (e) {
    source.destroy();
    throw translateStreamError(path, e);
  }
  if (entries === 0) {
    throw new LadingError('archive-invalid', `The archive ${path} contains no files.`, {
      hint: 'Save the image again.',
    });
  }
  const resolve = (p: string): string => {
    let cur = p;
    for (let i = 0; i < 16 && links.has(cur); i++) cur = links.get(cur) as string;
    return cur;
  };
  return {
    name: path,
    small,
    large,
    resolve,
    has: (p) => small.has(resolve(p)) || large.has(resolve(p)),
    size: (p) => small.get(resolve(p))?.length ?? large.get(resolve(p))?.size,
    read: async (p) => {
      const buf = small.get(resolve(p));
      if (!buf)
        throw new LadingError(
          'archive-invalid',
          `The archive ${path}: ${p} is missing or too large to be metadata.`,
        );
      return buf;
    },
    kind: async (p) => {
      const buf = small.get(resolve(p));
      if (buf) return sniff(buf.subarray(0, 512));
      return large.get(resolve(p))?.kind ?? 'unknown';
    },
  };
}
