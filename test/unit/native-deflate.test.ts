import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nativeDeflate, nativeDeflateBlock } from '../../electron/core/transfer/native-deflate';

// The ISA-L addon is optional (built only where libisal-dev is installed); gzip-parallel's own tests cover
// whichever deflater this machine has. These check the addon's block contract directly when it is here.
const native = nativeDeflate();

function text(n: number, seed: number): Buffer {
  const words = ['layer', 'registry', 'manifest', 'digest', 'lading', 'blob', 'config', '\n', 'tag'];
  const out: string[] = [];
  let x = seed;
  let len = 0;
  while (len < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = words[x % words.length] as string;
    out.push(w, ' ');
    len += w.length + 1;
  }
  return Buffer.from(out.join('')).subarray(0, n);
}

describe.runIf(native)('native deflate (ISA-L)', () => {
  it('chains sync-flushed and stored blocks primed with the previous tail into one raw deflate stream, and a CRC-32 per block', async () => {
    if (!native) return;
    const blocks = [
      text(300_000, 1),
      randomBytes(200_000),
      text(70_001, 2),
      Buffer.from('x'),
      text(40_000, 3),
    ];
    const pieces: Buffer[] = [];
    let dict: Buffer | undefined;
    for (const [i, b] of blocks.entries()) {
      const { out, crc } = await nativeDeflateBlock(
        native,
        b,
        dict,
        i === 1 ? -1 : 2,
        i === blocks.length - 1,
      );
      expect(crc).toBe(crc32(b));
      pieces.push(out);
      dict = b.length >= 32768 ? Buffer.from(b.subarray(b.length - 32768)) : undefined;
    }
    expect(inflateRawSync(Buffer.concat(pieces)).equals(Buffer.concat(blocks))).toBe(true);
  });

  it('ends an empty stream and compresses text at least as well as zlib level 1', async () => {
    if (!native) return;
    const empty = await nativeDeflateBlock(native, Buffer.alloc(0), undefined, 2, true);
    expect(inflateRawSync(empty.out).length).toBe(0);
    expect(empty.crc).toBe(0);
    const emptyStored = await nativeDeflateBlock(native, Buffer.alloc(0), undefined, -1, true);
    expect(inflateRawSync(emptyStored.out).length).toBe(0);
    const t = text(1 << 20, 9);
    const { out } = await nativeDeflateBlock(native, t, undefined, 2, true);
    expect(inflateRawSync(out).equals(t)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(deflateRawSync(t, { level: 1 }).length);
  });

  it('rejects a non-Buffer input', () => {
    if (!native) return;
    expect(() => native.deflateBlock('no' as unknown as Buffer, undefined, 1, true, () => {})).toThrow(
      /Buffer/,
    );
  });
});
