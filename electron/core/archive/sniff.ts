import * as zlib from 'node:zlib';
import { LadingError } from '../registry/errors';

/** What the first bytes of a file or blob say it is. */
export type ContentKind = 'gzip' | 'zstd' | 'tar' | 'empty' | 'unknown';

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Magic-byte sniffing: gzip 1f 8b, zstd 28 b5 2f fd, tar "ustar" at offset 257 (or a valid v7 header). */
export function sniff(head: Uint8Array): ContentKind {
  if (head.length === 0) return 'empty';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  if (head.length >= 512) {
    const magic = Buffer.from(head.subarray(257, 262)).toString('latin1');
    if (magic === 'ustar') return 'tar';
    if (validHeaderChecksum(head.subarray(0, 512))) return 'tar';
  }
  return 'unknown';
}

/** The tar header checksum: the byte sum of the header with the checksum field read as spaces. */
export function validHeaderChecksum(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  return Number.parseInt(field, 8) === sum;
}

/** zlib's zstd support arrived in Node 22.15 / 23.8; Electron's Node may lack it. */
export function zstdAvailable(): boolean {
  return typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
}

export function createZstdDecompressOrThrow(): NodeJS.ReadWriteStream {
  if (!zstdAvailable()) {
    throw new LadingError(
      'unsupported',
      `zstd needs Node 22.15 or newer; this is Node ${process.versions.node}.`,
      {
        hint: 'Decompress the archive first (zstd -d FILE) or run Lading with a newer Node.',
      },
    );
  }
  return zlib.createZstdDecompress();
}

export function createZstdCompressOrThrow(): NodeJS.ReadWriteStream {
  if (!zstdAvailable()) {
    throw new LadingError(
      'unsupported',
      `zstd compression needs Node 22.15 or newer; this is Node ${process.versions.node}.`,
      { hint: 'Use --compression gzip.' },
    );
  }
  return zlib.createZstdCompress();
}

/** A decompressor for a sniffed kind; null when the bytes are not compressed. */
export function decompressorFor(kind: ContentKind): NodeJS.ReadWriteStream | null {
  if (kind === 'gzip') return zlib.createGunzip();
  if (kind === 'zstd') return createZstdDecompressOrThrow();
  return null;
}
