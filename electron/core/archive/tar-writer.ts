/**
 * A tar writer over a file handle that can write an entry whose size is only known at its end: the header
 * is written as a placeholder, the data streamed behind it, then the header rewritten in place. Pulls use
 * this to decompress a layer straight into the archive (its uncompressed size is not in any manifest)
 * without a temporary copy. tar-stream's packer needs the size up front, hence this small writer.
 */
import type { FileHandle } from 'node:fs/promises';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777; // 8 GiB - 1: larger sizes use GNU base-256

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value.slice(0, length), offset, length, 'utf8');
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** A ustar header (name ≤ 100 bytes, or split into prefix/name at a slash up to 255 bytes). */
export function tarHeader(
  name: string,
  size: number,
  type: 'file' | 'directory' | 'symlink' = 'file',
  linkname = '',
): Buffer {
  const h = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`tar entry name too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  writeString(h, 0, 100, base);
  writeOctal(h, 100, 8, type === 'directory' ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  if (size > MAX_OCTAL_SIZE) {
    h[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else {
    writeOctal(h, 124, 12, size);
  }
  writeOctal(h, 136, 12, 0);
  h.fill(0x20, 148, 156);
  h[156] = (type === 'directory' ? '5' : type === 'symlink' ? '2' : '0').charCodeAt(0);
  writeString(h, 157, 100, linkname);
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'root');
  writeString(h, 297, 32, 'root');
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

export class TarFileWriter {
  private pos = 0;

  constructor(private readonly fh: FileHandle) {}

  get bytesWritten(): number {
    return this.pos;
  }

  private async write(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, this.pos);
      off += bytesWritten;
      this.pos += bytesWritten;
    }
  }

  /** Writes several buffers at the current position in one call, without joining them first. */
  private async writeMany(bufs: Buffer[]): Promise<void> {
    let rest = bufs;
    while (rest.length > 0) {
      const { bytesWritten } = await this.fh.writev(rest, this.pos);
      this.pos += bytesWritten;
      let n = bytesWritten;
      const left: Buffer[] = [];
      for (const b of rest) {
        if (n >= b.length) {
          n -= b.length;
          continue;
        }
        left.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
      rest = left;
    }
  }

  private async pad(size: number): Promise<void> {
    const rem = size % BLOCK;
    if (rem) await this.write(Buffer.alloc(BLOCK - rem));
  }

  async addBuffer(name: string, data: Buffer): Promise<void> {
    await this.write(tarHeader(name, data.length));
    await this.write(data);
    await this.pad(data.length);
  }

  async addDirectory(name: string): Promise<void> {
    await this.write(tarHeader(name.endsWith('/') ? name : `${name}/`, 0, 'directory'));
  }

  /**
   * Streams an entry of unknown (or expected) size; returns its size. Small chunks are gathered into
   * 1 MiB writes. With `expectedSize`, a different length is an error.
   */
  async addStream(name: string, source: AsyncIterable<Uint8Array>, expectedSize?: number): Promise<number> {
    const headerAt = this.pos;
    await this.write(Buffer.alloc(BLOCK));
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of source) {
      pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += chunk.byteLength;
      size += chunk.byteLength;
      if (pendingBytes >= 1 << 20 || pending.length >= 512) {
        await this.writeMany(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pendingBytes > 0) await this.writeMany(pending);
    if (expectedSize !== undefined && size !== expectedSize) {
      throw new Error(`${name}: expected ${expectedSize} bytes, got ${size}`);
    }
    await this.pad(size);
    const header = tarHeader(name, size);
    await this.fh.write(header, 0, BLOCK, headerAt);
    return size;
  }

  /** Two zero blocks end the archive. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
  }
}
