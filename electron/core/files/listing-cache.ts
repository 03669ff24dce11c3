/**
 * The merged listing of an image, cached by its manifest digest beside the layer indexes (same bounded
 * directory, same eviction): a second `lading ls` reads one small file and merges nothing. It is stored as
 * the very JSON `lading ls --json` prints (FileRow[], two-space indent, depth first as iterTree gives the
 * rows), so the listing is written out as bytes, unparsed; a directory's subtree is one run of elements.
 */
import { createGzip, gunzipSync } from 'node:zlib';
import { type FileRow, notFound } from './image-files';
import type { IndexCache } from './index-cache';

/** Bumped whenever FileRow or the text's form changes, so old listings are simply not found. */
const KIND = 'listing-v2';

/** One element of the printed array, as JSON.stringify(rows, null, 2) writes it; with its separator. */
export function jsonElement(row: FileRow, first: boolean): string {
  return `${first ? '[\n' : ',\n'}  ${JSON.stringify(row, null, 2).replace(/\n/g, '\n  ')}`;
}

/** What closes the array jsonElement began ("[]" when there was no element). */
export function jsonEnd(empty: boolean): string {
  return empty ? '[]\n' : '\n]\n';
}

/** Takes the printed text as it is written and stores it gzipped (on libuv's pool) once it is whole. */
export class ListingWriter {
  private readonly gzip = createGzip({ level: 1 });
  private readonly chunks: Buffer[] = [];
  private pending = '';

  constructor(
    private readonly cache: IndexCache,
    private readonly digest: string,
  ) {
    this.gzip.on('data', (c: Buffer) => this.chunks.push(c));
  }

  write(text: string): void {
    // In pieces of 64 KiB: a zlib write per row would be one thread-pool round trip per row.
    this.pending += text;
    if (this.pending.length > 64 * 1024) {
      this.gzip.write(this.pending);
      this.pending = '';
    }
  }

  /** Call once the text is whole (it ends with jsonEnd). */
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

export interface CachedListing {
  /** Exactly what `lading ls --json` prints for the path. */
  json: Buffer;
  rows(): FileRow[];
}

const ELEMENT_END = Buffer.from('\n  }');

/**
 * The cached listing below `path` ("" for the root, as imagePath gives it), or undefined when the image's
 * listing is not cached (or unreadable). Like iterTree: a non-directory lists itself; a missing path throws.
 */
export async function readListing(
  cache: IndexCache,
  digest: string,
  reference: string,
  path: string,
): Promise<CachedListing | undefined> {
  const data = await cache.load(cache.recordFile(KIND, digest));
  if (!data) return undefined;
  let all: Buffer;
  try {
    all = gunzipSync(data);
  } catch {
    return undefined;
  }
  const whole = all.toString('latin1', 0, 2) === '[]' || all.toString('latin1', 0, 2) === '[\n';
  if (!whole || !all.toString('latin1', all.length - 2).endsWith(']\n')) return undefined;
  const json = path === '' ? all : below(all, reference, path);
  return { json, rows: () => JSON.parse(json.toString('utf8')) as FileRow[] };
}

function below(all: Buffer, reference: string, path: string): Buffer {
  const self = `/${path}`;
  // An element's first line holds its path; JSON.stringify escapes it as the writer did.
  const at = all.indexOf(`\n  {\n    "path": ${JSON.stringify(self)},\n`);
  if (at === -1) throw notFound({ reference }, path);
  const start = at + 1;
  const end = all.indexOf(ELEMENT_END, start) + ELEMENT_END.length;
  const entry = JSON.parse(all.toString('utf8', start, end)) as FileRow;
  const wrap = (from: number, to: number) =>
    Buffer.concat([Buffer.from('[\n'), all.subarray(from, to), Buffer.from('\n]\n')]);
  if (entry.type !== 'directory') return wrap(start, end);
  // Its subtree follows it, one element after another, while their paths start with "/path/".
  const inside = Buffer.from(`  {\n    "path": ${JSON.stringify(`${self}/`).slice(0, -1)}`);
  let last = end;
  for (let next = end + 2; next < all.length; ) {
    if (all.compare(inside, 0, inside.length, next, next + inside.length) !== 0) break;
    last = all.indexOf(ELEMENT_END, next) + ELEMENT_END.length;
    next = last + 2;
  }
  return last === end ? Buffer.from('[]\n') : wrap(end + 2, last);
}
