import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LadingError } from '../registry/errors';
import { crc32Combine } from './crc32-combine';

/**
 * pigz-style parallel gzip: the input is cut into blocks, each block is deflated (raw, primed with the
 * previous block's last 32 KiB as dictionary, ended with a sync flush so it stops on a byte boundary) in
 * a worker thread, and the pieces are concatenated in order behind one gzip header, with the CRC-32 joined
 * from the per-block CRCs. The result is ONE ordinary gzip member that any gunzip reads.
 *
 * Blocks that look incompressible (byte entropy of a sample near 8 bits) are stored (deflate level 0),
 * which costs a copy instead of a futile deflate; already-compressed files inside layers are common.
 *
 * The worker is an inline CommonJS script (`eval: true`) so it runs unchanged under tsx, vitest, the
 * esbuild bundles and Electron, with no separate file to locate at run time.
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

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const SAMPLE = 4096;
function looksIncompressible(buf) {
  if (buf.length < 4 * SAMPLE) return false;
  const counts = new Uint32Array(256);
  const step = Math.floor((buf.length - SAMPLE) / 3);
  let n = 0;
  for (let w = 0; w < 4; w++) {
    const start = w * step;
    for (let i = start; i < start + SAMPLE; i++) counts[buf[i]]++;
    n += SAMPLE;
  }
  let h = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i];
    if (c) { const p = c / n; h -= p * Math.log2(p); }
  }
  return h > 7.9;
}
parentPort.on('message', (m) => {
  try {
    const input = Buffer.from(m.input, 0, m.length);
    const stored = looksIncompressible(input);
    // One output chunk big enough for the worst case, so zlib neither grows nor concatenates buffers.
    const chunkSize = Math.max(65536, input.length + (input.length >> 6) + 1024);
    const opts = { level: stored ? 0 : m.level, memLevel: 9, chunkSize, finishFlush: m.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
    if (m.dict && !stored) opts.dictionary = Buffer.from(m.dict);
    const out = zlib.deflateRawSync(input, opts);
    const crc = zlib.crc32(input);
    // Both buffers are transferred (not copied): the output as the whole chunk zlib wrote into, the input
    // back for reuse, so this isolate keeps no garbage between blocks.
    const ab = out.buffer;
    const transfer = ab === m.input ? [ab] : [ab, m.input];
    parentPort.postMessage({ id: m.id, out: ab, outOffset: out.byteOffset, outLength: out.byteLength, input: m.input, crc, stored }, transfer);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface BlockResult {
  out: Buffer;
  /** The input block's memory, handed back for reuse. */
  input?: ArrayBuffer;
  crc: number;
  stored: boolean;
}

interface Job {
  msg: { id: number; input: ArrayBuffer; length: number; dict?: ArrayBuffer; level: number; last: boolean };
  resolve(r: BlockResult): void;
  reject(e: Error): void;
}

/** A shared pool: every layer compressing at once draws on the same threads, one per core. */
class DeflatePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly busy = new Map<Worker, Job>();
  private nextId = 1;

  constructor(private readonly size: number) {}

  run(
    input: ArrayBuffer,
    length: number,
    dict: ArrayBuffer | undefined,
    level: number,
    last: boolean,
  ): Promise<BlockResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msg: { id: this.nextId++, input, length, dict, level, last }, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on(
      'message',
      (m: {
        id: number;
        out?: ArrayBuffer;
        outOffset?: number;
        outLength?: number;
        input?: ArrayBuffer;
        crc?: number;
        stored?: boolean;
        error?: string;
      }) => {
        const job = this.busy.get(w);
        this.busy.delete(w);
        this.idle.push(w);
        if (job) {
          if (m.error !== undefined || !m.out)
            job.reject(new LadingError('internal', `gzip worker failed: ${m.error}`));
          else
            job.resolve({
              out: Buffer.from(m.out, m.outOffset ?? 0, m.outLength ?? m.out.byteLength),
              input: m.input,
              crc: m.crc ?? 0,
              stored: m.stored ?? false,
            });
        }
        this.pump();
      },
    );
    w.on('error', (e) => {
      const job = this.busy.get(w);
      this.busy.delete(w);
      const i = this.all.indexOf(w);
      if (i >= 0) this.all.splice(i, 1);
      job?.reject(new LadingError('internal', `gzip worker crashed: ${e.message}`));
      this.pump();
    });
    this.all.push(w);
    return w;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.all.length < this.size) w = this.spawn();
      if (!w) break;
      const job = this.queue.shift() as Job;
      this.busy.set(w, job);
      w.ref();
      const transfer: ArrayBuffer[] = job.msg.dict ? [job.msg.input, job.msg.dict] : [job.msg.input];
      w.postMessage(job.msg, transfer);
    }
    // Idle workers must not keep a finished CLI process alive.
    for (const w of this.idle) w.unref();
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}

let pool: DeflatePool | undefined;

function workerCount(): number {
  return Math.max(1, availableParallelism());
}

function sharedPool(): DeflatePool {
  pool ??= new DeflatePool(workerCount());
  return pool;
}

/** Stops the worker threads (tests, app shutdown). A later call starts new ones. */
export async function closeGzipPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
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
  const p = sharedPool();
  // One block per core plus one being filled keeps every worker busy; more would only hold memory.
  const maxInFlight = workerCount() + 2;
  const spare: ArrayBuffer[] = [];
  const inFlight: { promise: Promise<BlockResult>; length: number; settled: boolean }[] = [];
  let crc = 0;
  let prevTail: Buffer | undefined;
  // A small layer gets a block its size, not a whole block (the hint is only a first guess).
  let block = Buffer.allocUnsafeSlow(
    opts.sizeHint !== undefined ? Math.max(1024, Math.min(blockSize, opts.sizeHint + 1)) : blockSize,
  );
  let fill = 0;

  const submit = (last: boolean) => {
    const length = fill;
    opts.onBlock?.(block.subarray(0, length));
    // The previous block's tail, in its own ArrayBuffer so it can be transferred, not cloned.
    const dict = prevTail?.buffer as ArrayBuffer | undefined;
    if (length >= DICT) {
      prevTail = Buffer.allocUnsafeSlow(DICT);
      block.copy(prevTail, 0, length - DICT, length);
    } else {
      prevTail = undefined;
    }
    const promise = p.run(block.buffer as ArrayBuffer, length, dict, level, last);
    const item = { promise, length, settled: false };
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
    block = reuse ? Buffer.from(reuse) : Buffer.allocUnsafeSlow(blockSize);
  };
  const take = async (): Promise<Buffer> => {
    const head = inFlight.shift() as { promise: Promise<BlockResult>; length: number };
    const r = await head.promise;
    if (r.input && r.input.byteLength === blockSize) spare.push(r.input);
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
