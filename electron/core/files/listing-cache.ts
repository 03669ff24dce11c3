/**
 * The merged listing of an image, cached by its manifest digest beside the layer indexes (same bounded
 * directory, same eviction): a second `lading ls` reads one small file and merges nothing. One compact
 * FileRow JSON per line, depth first as iterTree gives them, so a directory's subtree is one run of lines.
 */
import { createGzip, gunzipSync } from 'node:zlib';
import { type FileRow, notFound } from './image-files';
import type { IndexCache } from './index-cache';

/** Bumped whenever FileRow or the line format changes, so old listings are simply not found. */
const KIND = 'listing-v1';
const HEADER = 'lading-listing 1';

/** Collects rows as they are listed and stores them gzipped (on libuv's pool) once the listing is whole. */
export class ListingWriter {
  private readonly gzip = createGzip({ level: 1 });
  private readonly chunks: Buffer[] = [];
  private pending = `${HEADER}\n`;

  constructor(
    private readonly cache: IndexCache,
    private readonly digest: string,
  ) {
    this.gzip.on('data', (c: Buffer) => this.chunks.push(c));
  }

  add(row: FileRow): void {
    this.pending += `${JSON.stringify(row)}\n`;
    if (this.pending.length > 64 * 1024) {
      this.gzip.write(this.pending);
      this.pending = '';
    }
  }

  async finish(): Promise<void> {
    const ended = new Promise<void>((resolve, reject) => {
      this.gzip.on('end', resolve);
      this.gzip.on('error', reject);
    });
    this.gzip.end(this.pending);
    await ended;
    await this.cache.store(this.cache.recordFile(KIND, this.digest), Buffer.concat(this.chunks));
  }
}

/**
 * The cached listing below `path` ("" for the root, as imagePath gives it), or undefined when the image's
 * listing is not cached (or unreadable). Like iterTree: a non-directory lists itself; a missing path throws.
 */
export async function readListing(
  cache: IndexCache,
  digest: string,
  reference: string,
  path: string,
): Promise<Iterable<FileRow> | undefined> {
  const data = await cache.load(cache.recordFile(KIND, digest));
  if (!data) return undefined;
  let text: string;
  try {
    text = gunzipSync(data).toString('utf8');
  } catch {
    return undefined;
  }
  if (!text.startsWith(`${HEADER}\n`) || !text.endsWith('\n')) return undefined;
  return rowsBelow(text, HEADER.length + 1, reference, path);
}

function* rowsBelow(text: string, from: number, reference: string, path: string): Generator<FileRow> {
  const self = `/${path}`;
  const prefix = path === '' ? '/' : `${self}/`;
  // The line of `path` itself starts so (the writer's JSON.stringify escapes the same way): found unparsed.
  const selfStart = `{"path":${JSON.stringify(self)},`;
  let found = path === '';
  for (let at = from; at < text.length; ) {
    const end = text.indexOf('\n', at);
    if (!found && !text.startsWith(selfStart, at)) {
      at = end + 1;
      continue;
    }
    const row = JSON.parse(text.slice(at, end)) as FileRow;
    at = end + 1;
    if (!found) {
      found = true;
      if (row.type !== 'directory') {
        yield row;
        return;
      }
      continue;
    }
    if (!row.path.startsWith(prefix)) return; // past the subtree: depth first keeps it in one run
    yield row;
  }
  if (!found) throw notFound({ reference }, path);
}
