import { availableParallelism } from 'node:os';
import * as zlib from 'node:zlib';
import { LadingError } from '../registry/errors';
import { crc32Combine } from './crc32-combine';
import { nativeDeflate, nativeDeflateBlock } from './native-deflate';

/**
 * pigz-style parallel gzip: the input is cut into blocks, each block is deflated (raw, primed with the
 * previous block's last 32 KiB as dictionary, ended with a sync flush so it stops on a byte boundary) in
 * libuv's thread pool, and the pieces are concatenated in order behind one gzip header, with the CRC-32 joined
 * from the per-block CRCs. The result is ONE ordinary gzip member that any gunzip reads.
 *
 * Blocks that look incompressible (byte entropy of a sample near 8 bits) are framed as stored blocks on the
 * main thread, a copy instead of a futile deflate; already-compressed files inside layers are common.
 */

export interface GzipParallelOptions {
  /** zlib level for compressible blocks (default 1: the layer push is usually bound by CPU, not network). */
  level?: number;
  /** Uncompressed bytes per block (default 1 MiB). */
  blockSize?: number;
  signal?: AbortSignal;
  /** Expected input size, when known: a small input then gets one small block. */
  sizeHint?: number;
  /** Sees every block of input, in order, before it goes to a worker (hashing, progress). */
  onBlock?: (data: Buffer) => void;
  /** Called once all input was read, before the last output; throwing here fails the stream. */
  onEnd?: () => void;
}

/**
 * A source that reads straight into the compressor's block buffers (a file at an offset), sparing a copy
 * and an allocation per chunk. `readInto` returns 0 at the end.
 */
export interface BlockReader {
  readInto(buf: Buffer, offset: number, length: number): Promise<number>;
}

export interface GzipStats {
  /** Uncompressed bytes read. */
  bytesIn: number;
  /** Compressed bytes produced (header and trailer included). */
  bytesOut: number;
  /** Blocks stored because they looked incompressible. */
  storedBlocks: number;
  blocks: number;
}

const SAMPLE = 4096;

/** Byte entropy of four spread samples near 8 bits: the block is stored, not deflated. */
function looksIncompressible(buf: Buffer): boolean {
  if (buf.length < 4 * SAMPLE) return false;
  const counts = new Uint32Array(256);
  const step = Math.floor((buf.length - SAMPLE) / 3);
  let n = 0;
  for (let w = 0; w < 4; w++) {
    const start = w * step;
    for (let i = start; i < start + SAMPLE; i++)
      counts[buf[i] as number] = (counts[buf[i] as number] as number) + 1;
    n += SAMPLE;
  }
  let h = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i] as number;
    if (c) {
      const p = c / n;
      h -= p * Math.log2(p);
    }
  }
  return h > 7.9;
}

/** Largest stored deflate block (LEN is 16 bits). */
const MAX_STORED = 65535;

/**
 * Raw deflate stored blocks holding `input` (RFC 1951 3.2.4): per block a header byte (BFINAL, BTYPE 00),
 * LEN and its complement, then the bytes. Byte-aligned like a sync-flushed block, so the next block (or the
 * gzip trailer) follows directly; BFINAL is set on the last block of the stream. `input` is not empty.
 */
function storedBlocks(input: Buffer, last: boolean): Buffer {
  const count = Math.ceil(input.length / MAX_STORED);
  const out = Buffer.allocUnsafe(input.length + 5 * count);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const start = i * MAX_STORED;
    const len = Math.min(MAX_STORED, input.length - start);
    out[o] = last && i === count - 1 ? 1 : 0;
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    input.copy(out, o + 5, start, start + len);
    o += 5 + len;
  }
  return out;
}

interface BlockResult {
  out: Buffer;
  crc: number;
  stored: boolean;
}

/**
 * Deflates blocks on libuv's thread pool (zlib's async API), at most one per core at once. Threads of the
 * pool, not worker isolates: no V8 heap per thread (~20 MB each), no start-up, no messages; the pool's
 * other threads stay free for the file reads that feed the blocks.
 */
class DeflateQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run(input: Buffer, dict: Buffer | undefined, level: number, last: boolean): Promise<BlockResult> {
    const stored = looksIncompressible(input);
    // Level 1 (the default) goes to ISA-L's igzip when it is installed: its level 2 costs a quarter of
    // zlib level 1's CPU for a slightly smaller output, and the addon also does the CRC and the framing
    // of incompressible blocks on the pool thread, leaving the main thread to hashing and I/O.
    const native = level === 1 ? nativeDeflate() : null;
    // Without it, incompressible data is framed as stored blocks right here: a copy, cheaper than a zlib
    // stream's set-up and a trip through the thread pool.
    if (stored && !native) return { out: storedBlocks(input, last), crc: zlib.crc32(input), stored };
    if (this.running >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      if (native) {
        const r = await nativeDeflateBlock(native, input, dict, stored ? -1 : 2, last).catch((e: unknown) => {
          throw new LadingError('internal', `gzip failed: ${e instanceof Error ? e.message : String(e)}`);
        });
        return { out: r.out, crc: r.crc, stored };
      }
      const crc = zlib.crc32(input);
      // Output chunk: half the input fits what deflate makes of data that passed the entropy check (text
      // comes out at ~35%) in one piece; rarer worse cases take a few chunks joined. A worst-case chunk per
      // block would double the external memory churned, and with it V8's full GCs.
      const chunkSize = Math.max(65536, (input.length >> 1) + 1024);
      const opts: zlib.ZlibOptions = {
        level,
        memLevel: 9,
        chunkSize,
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      };
      if (dict) opts.dictionary = dict;
      const out = await new Promise<Buffer>((resolve, reject) =>
        zlib.deflateRaw(input, opts, (e, r) => (e ? reject(e) : resolve(r))),
      ).catch((e: unknown) => {
        throw new LadingError('internal', `gzip failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      return { out, crc, stored: false };
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

let queue: DeflateQueue | undefined;

let cores: number | undefined;

/** Read once: libuv re-reads the cgroup's CPU quota files on every call (twice per layer otherwise). */
function workerCount(): number {
  cores ??= Math.max(1, availableParallelism());
  return cores;
}

function sharedQueue(): DeflateQueue {
  queue ??= new DeflateQueue(workerCount());
  return queue;
}

/** Kept for callers that tidy up after tests: there are no threads of our own to stop any more. */
export async function closeGzipPool(): Promise<void> {
  queue = undefined;
}

const DICT = 32 * 1024;

function gzipHeader(): Buffer {
  // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (unix): reproducible output for identical input.
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
}

/**
 * Compresses `source` into one gzip stream using all cores. `stats` is filled in as it goes (read it
 * after the iteration ends). Output order equals input order; at most 2 blocks per core are in flight.
 */
export async function* gzipParallel(
  source: AsyncIterable<Uint8Array> | BlockReader,
  opts: GzipParallelOptions = {},
  stats: GzipStats = { bytesIn: 0, bytesOut: 0, storedBlocks: 0, blocks: 0 },
): AsyncGenerator<Buffer> {
  const level = opts.level ?? 1;
  const blockSize = opts.blockSize ?? 1 << 20;
  const p = sharedQueue();
  // One block per core plus one being filled keeps every worker busy; more would only hold memory.
  const maxInFlight = workerCount() + 2;
  // Input blocks whose deflate finished, for reuse (so a long layer allocates only a few blocks).
  const spare: Buffer[] = [];
  const inFlight: { promise: Promise<BlockResult>; length: number; settled: boolean; input: Buffer }[] = [];
  let crc = 0;
  let prevTail: Buffer | undefined;
  // A small layer gets a block its size, not a whole block (the hint is only a first guess).
  let block: Buffer = Buffer.allocUnsafeSlow(
    opts.sizeHint !== undefined ? Math.max(1024, Math.min(blockSize, opts.sizeHint + 1)) : blockSize,
  );
  let fill = 0;

  const submit = (last: boolean) => {
    const length = fill;
    opts.onBlock?.(block.subarray(0, length));
    // The previous block's tail, copied: that block may be refilled before this one is deflated.
    const dict = prevTail;
    if (length >= DICT) {
      prevTail = Buffer.allocUnsafeSlow(DICT);
      block.copy(prevTail, 0, length - DICT, length);
    } else {
      prevTail = undefined;
    }
    const input = block;
    const promise = p.run(input.subarray(0, length), dict, level, last);
    const item = { promise, length, settled: false, input };
    // Errors surface when the block is awaited in order.
    promise.then(
      () => {
        item.settled = true;
      },
      () => {
        item.settled = true;
      },
    );
    inFlight.push(item);
    stats.bytesIn += length;
    stats.blocks++;
    fill = 0;
    if (last) return;
    const reuse = spare.pop();
    block = reuse ?? Buffer.allocUnsafeSlow(blockSize);
  };
  const take = async (): Promise<Buffer> => {
    const head = inFlight.shift() as { promise: Promise<BlockResult>; length: number; input: Buffer };
    const r = await head.promise;
    if (head.input.length === blockSize) spare.push(head.input);
    crc = crc32Combine(crc, r.crc, head.length);
    if (r.stored) stats.storedBlocks++;
    stats.bytesOut += r.out.length;
    return r.out;
  };

  const header = gzipHeader();
  stats.bytesOut += header.length;
  yield header;
  const checkAbort = () => {
    if (opts.signal?.aborted)
      throw opts.signal.reason ?? new LadingError('cancelled', 'The operation was cancelled.');
  };
  if ('readInto' in source) {
    for (;;) {
      checkAbort();
      const n = await source.readInto(block, fill, block.length - fill);
      if (n === 0) break;
      fill += n;
      if (fill === block.length) {
        submit(false);
        while (inFlight.length >= maxInFlight) yield await take();
      }
      while (inFlight[0]?.settled) yield await take();
    }
  } else {
    for await (const chunk of source) {
      if (opts.signal?.aborted)
        throw opts.signal.reason ?? new LadingError('cancelled', 'The operation was cancelled.');
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(block.length - fill, chunk.length - off);
        block.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === block.length) {
          submit(false);
          while (inFlight.length >= maxInFlight) yield await take();
        }
      }
      // Hand finished blocks on as soon as they are ready, so compression overlaps the upload.
      while (inFlight[0]?.settled) yield await take();
    }
  }
  submit(true);
  opts.onEnd?.();
  while (inFlight.length > 0) yield await take();
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(stats.bytesIn % 2 ** 32, 4);
  stats.bytesOut += trailer.length;
  yield trailer;
}
