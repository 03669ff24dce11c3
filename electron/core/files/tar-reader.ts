/**
 * A streaming tar reader for layer blobs: headers are parsed here (ustar, pax 'x'/'g', GNU 'L'/'K',
 * base-256 numbers) and bodies are skipped by counting, never copied, so indexing a layer costs its
 * decompression only. tar-stream buffers pax records of any size before it says anything, which a hostile
 * layer turns into unbounded memory; this reader refuses metadata over MAX_META_BYTES first.
 */
import { LadingError } from '../registry/errors';

const BLOCK = 512;
const NO_RECORDS: Readonly<Record<string, string>> = Object.freeze({});
/** Pax keys that land in the header's own fields. */
const FOLDED = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'mtime', 'uname', 'gname']);
/** Long names and pax records are small; anything bigger is a broken or hostile layer. */
export const MAX_META_BYTES = 1024 * 1024;

export interface RawHeader {
  /** As written in the tar (pax/GNU long names applied), not yet normalised. */
  name: string;
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Pax records other than the ones folded into the fields above (xattrs, for export). */
  pax?: Record<string, string>;
}

function cString(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

function numberField(buf: Buffer, start: number, len: number): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian binary after the marker bit.
    let n = first & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + (buf[start + i] ?? 0);
    return n;
  }
  // Octal digits, possibly space-padded and NUL- or space-terminated (read without making strings: this
  // runs eight times per header).
  let n = 0;
  let i = start;
  const end = start + len;
  while (i < end && buf[i] === 0x20) i++;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
  }
  return n;
}

/** The header checksum: all 512 bytes summed with the checksum field counted as spaces. */
function checksumMatches(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i] as number;
  for (let i = 148; i < 156; i++) sum += 0x20 - (block[i] as number);
  const c = block[148] as number;
  // An empty field (all NUL or spaces) is no checksum at all.
  if (c !== 0x20 && (c < 0x30 || c > 0x37)) return false;
  return numberField(block, 148, 8) === sum;
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

/** Pulls exact byte counts out of a stream of chunks of any size. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.source.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length));
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const parts: Buffer[] = [];
    let want = Math.min(n, this.buffered);
    while (want > 0) {
      const c = this.chunks[0] as Buffer;
      const take = Math.min(want, c.length - this.head);
      parts.push(c.subarray(this.head, this.head + take));
      this.consume(take);
      want -= take;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Up to n bytes from what is buffered (reading more when nothing is), without copying. */
  async piece(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(1))) return undefined;
    const c = this.chunks[0] as Buffer;
    const take = Math.min(n, c.length - this.head);
    const out = c.subarray(this.head, this.head + take);
    this.consume(take);
    return out;
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill(1))) break;
      const c = this.chunks[0] as Buffer;
      const take = Math.min(left, c.length - this.head);
      this.consume(take);
      left -= take;
    }
    return n - left;
  }

  private consume(n: number): void {
    this.head += n;
    this.buffered -= n;
    if (this.head === (this.chunks[0] as Buffer).length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Reads one tar front to back: `next()` gives each entry's header (metadata entries folded in), then the
 * caller either reads `body()` or leaves it; the next `next()` skips whatever was not read.
 */
export class TarReader {
  private readonly queue: ByteQueue;
  private bodyLeft = 0;
  private pad = 0;
  /** Global pax records ('g') apply to every later entry. */
  private global: Record<string, string> = {};
  private hasGlobal = false;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly what: string,
  ) {
    this.queue = new ByteQueue(source[Symbol.asyncIterator]());
  }

  private truncated(): LadingError {
    return new LadingError('archive-invalid', `${this.what} is truncated (a tar entry runs past its end).`, {
      hint: 'The registry holds an incomplete layer; push the image again.',
    });
  }

  async next(): Promise<RawHeader | null> {
    if ((await this.queue.skip(this.bodyLeft + this.pad)) < this.bodyLeft) throw this.truncated();
    this.bodyLeft = 0;
    this.pad = 0;
    let pax: Record<string, string> = {};
    let paxSeen = false;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await this.queue.read(BLOCK);
      // A missing end-of-archive marker is tolerated, as tar does.
      if (block.length === 0) return null;
      if (block.length < BLOCK) throw this.truncated();
      if (block.every((b) => b === 0)) return null;
      if (!checksumMatches(block)) {
        throw new LadingError('archive-invalid', `${this.what} is not a valid tar (a header is corrupt).`, {
          hint: 'The layer blob is not a tar archive; the image may be broken.',
        });
      }
      const typeflag = String.fromCharCode(block[156] ?? 0);
      const headerSize = numberField(block, 124, 12);
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (headerSize > MAX_META_BYTES) {
          throw new LadingError(
            'too-large',
            `${this.what} has a tar metadata entry of ${headerSize} bytes (at most ${MAX_META_BYTES} are read).`,
            { hint: 'Such long names or attributes only come from a broken or hostile layer.' },
          );
        }
        const data = await this.queue.read(headerSize);
        if (data.length < headerSize) throw this.truncated();
        await this.queue.skip(padding(headerSize));
        if (typeflag === 'x') {
          pax = { ...pax, ...parsePax(data) };
          paxSeen = true;
        } else if (typeflag === 'g') {
          this.global = { ...this.global, ...parsePax(data) };
          this.hasGlobal = true;
        } else if (typeflag === 'L') longName = cString(data, 0, data.length);
        else longLink = cString(data, 0, data.length);
        continue;
      }
      const records = this.hasGlobal || paxSeen ? { ...this.global, ...pax } : NO_RECORDS;
      const ustar = block.subarray(257, 262).toString('latin1') === 'ustar';
      const prefix = ustar ? cString(block, 345, 155) : '';
      const short = cString(block, 0, 100);
      const size = records.size !== undefined ? Number(records.size) : headerSize;
      const header: RawHeader = {
        name: records.path ?? longName ?? (prefix ? `${prefix}/${short}` : short),
        typeflag,
        size: Number.isFinite(size) && size >= 0 ? size : 0,
        mode: numberField(block, 100, 8),
        uid: records.uid !== undefined ? Number(records.uid) : numberField(block, 108, 8),
        gid: records.gid !== undefined ? Number(records.gid) : numberField(block, 116, 8),
        mtime: records.mtime !== undefined ? Math.floor(Number(records.mtime)) : numberField(block, 136, 12),
        linkname: records.linkpath ?? longLink ?? cString(block, 157, 100),
        uname: records.uname ?? cString(block, 265, 32),
        gname: records.gname ?? cString(block, 297, 32),
        devmajor: numberField(block, 329, 8),
        devminor: numberField(block, 337, 8),
      };
      if (records !== NO_RECORDS) {
        const extra = Object.entries(records).filter(([k]) => !FOLDED.has(k));
        if (extra.length) header.pax = Object.fromEntries(extra);
      }
      // Only regular files (and contiguous ones) carry data; a hardlink's size field is ignored, as tar does.
      const hasData = typeflag === '0' || typeflag === '\0' || typeflag === '7' || typeflag === '';
      this.bodyLeft = hasData ? header.size : 0;
      this.pad = hasData ? padding(header.size) : 0;
      if (!hasData) header.size = 0;
      return header;
    }
  }

  /** The current entry's data, as pieces of what was read (not copied). */
  async *body(): AsyncGenerator<Buffer> {
    while (this.bodyLeft > 0) {
      const piece = await this.queue.piece(Math.min(this.bodyLeft, 1024 * 1024));
      if (!piece) throw this.truncated();
      this.bodyLeft -= piece.length;
      yield piece;
    }
  }
}
