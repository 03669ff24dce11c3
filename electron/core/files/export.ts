/**
 * The merged filesystem as one tar (`crane export`): every layer is streamed bottom first and each entry
 * that survives in the merge is copied with its header fields and bytes. Written to a temp file beside the
 * target and renamed at the end, so a failed or cancelled export leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Header, type Pack, pack } from 'tar-stream';
import { LadingError } from '../registry/errors';
import type { ImageFiles } from './image-files';
import { cancelled, type IndexProgress } from './index-layers';
import type { EntryType } from './layer-index';
import { type BlobClient, openLayerTar } from './layer-stream';
import { lookup, walk } from './merge';
import { hardlinkSource, openEntryBody } from './read-file';
import { TarReader } from './tar-reader';

type Headers = Parameters<Pack['entry']>[0];

const TAR_TYPES: Record<EntryType, Header['type']> = {
  file: 'file',
  directory: 'directory',
  symlink: 'symlink',
  hardlink: 'link',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

export async function exportImageFiles(
  client: BlobClient,
  files: ImageFiles,
  outputPath: string,
  opts: { signal?: AbortSignal; onProgress?(p: IndexProgress): void } = {},
): Promise<{ entries: number; bytes: number }> {
  // Which (layer, ordinal) pairs the merged filesystem keeps.
  const keep = files.layers.map(() => new Set<number>());
  walk(files.merged.root, '', (n, p) => {
    if (p !== '' && n.layer > 0) keep[n.layer - 1]?.add(n.entry.ordinal);
  });
  const tmp = join(dirname(outputPath), `.${basename(outputPath)}.${randomBytes(4).toString('hex')}.tmp`);
  const out = pack();
  const written = pipeline(out, createWriteStream(tmp, { flags: 'wx' }));
  written.catch(() => {});
  let entries = 0;
  let bytes = 0;
  const bytesTotal = files.layers.reduce((n, l) => n + l.descriptor.size, 0);
  let before = 0;
  try {
    for (const [i, layer] of files.layers.entries()) {
      const wanted = keep[i] as Set<number>;
      const byOrdinal = new Map((files.indexes[i] ?? []).map((e) => [e.ordinal, e]));
      const start = before;
      const { tar, what, close } = await openLayerTar(client, layer, files.limits, {
        signal: opts.signal,
        onBytes: (n) =>
          opts.onProgress?.({ bytesDone: start + n, bytesTotal, layersDone: i, layers: files.layers.length }),
      });
      try {
        const reader = new TarReader(tar, what);
        for (let ordinal = 0; ; ordinal++) {
          if (opts.signal?.aborted) throw cancelled();
          const h = await reader.next();
          if (!h) break;
          if (!wanted.has(ordinal)) continue;
          const entry = byOrdinal.get(ordinal);
          if (!entry || entry.type === 'whiteout' || entry.type === 'opaque') continue;
          const header: Headers = {
            name: entry.path,
            type: TAR_TYPES[entry.type],
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            uname: h.uname,
            gname: h.gname,
            mtime: new Date(entry.mtime * 1000),
            size: entry.type === 'file' ? entry.size : 0,
            devmajor: h.devmajor,
            devminor: h.devminor,
          };
          if (entry.linkTarget !== undefined) header.linkname = entry.linkTarget;
          if (h.pax) header.pax = h.pax;
          let body: AsyncIterable<Buffer> = reader.body();
          if (entry.type === 'hardlink') {
            // A hard link whose file a later layer replaced keeps the old bytes on disk; the export has no
            // such file to link to, so it gets those bytes as a file of its own.
            const source = hardlinkSource(files, entry, i + 1);
            const final = lookup(files.merged.root, source.entry.path);
            if (final?.layer === source.layer && final.entry.ordinal === source.entry.ordinal) {
              header.linkname = source.entry.path;
            } else {
              Object.assign(header, {
                type: 'file',
                size: source.entry.size,
                mode: source.entry.mode,
                linkname: undefined,
              });
              body = await openEntryBody(client, files, source, opts.signal);
            }
          }
          const sink = out.entry(header);
          for await (const piece of body) {
            if (!sink.write(piece)) await new Promise<void>((r) => sink.once('drain', () => r()));
            bytes += piece.length;
          }
          // streamx types ask for a value; end() without one ends the entry as Node streams do.
          (sink.end as unknown as () => void).call(sink);
          entries++;
        }
      } finally {
        close();
      }
      before += layer.descriptor.size;
    }
    out.finalize();
    await written;
    await rename(tmp, outputPath);
  } catch (e) {
    out.destroy();
    await written.catch(() => {});
    await rm(tmp, { force: true });
    if (opts.signal?.aborted) throw cancelled();
    if (e instanceof LadingError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) {
      throw new LadingError('file-error', `Cannot write ${outputPath}: ${code}.`, {
        hint: 'Check that the directory exists and is writable.',
      });
    }
    throw e;
  }
  return { entries, bytes };
}
