/**
 * The engine's chunked pass: the source regrouped into chunks of the session's size, each sent as a PATCH
 * with Content-Range (resumable from the registry's offset); a blob that fits one chunk goes in one PUT.
 */

import type { Digest } from './names';
import { cancelled } from './transport';
import { type BlobSource, uploadDigester } from './upload-options';
import type { UploadSession } from './upload-session';

/**
 * Regroups arbitrary source pieces into chunks of `size` bytes; `last` tells whether more data follows.
 * Each byte is copied once, into the chunk being filled (a producer may reuse its buffer for the next
 * piece while we still hold this one), so a large upload churns one chunk of memory per chunk sent
 * (plus one growing copy at the start).
 */
async function* rechunk(
  source: BlobSource,
  size: () => number,
): AsyncGenerator<{ chunk: Buffer; last: boolean }> {
  // The first buffer starts small and grows to the chunk size, so a small blob does not reserve a chunk.
  let chunk = Buffer.allocUnsafe(Math.min(size(), 64 * 1024));
  let fill = 0;
  // A full chunk is held back until more bytes arrive, so the final chunk is recognisable.
  let full: Buffer | undefined;
  for await (const piece of source) {
    let off = 0;
    while (off < piece.byteLength) {
      if (full) {
        yield { chunk: full, last: false };
        full = undefined;
      }
      if (fill === chunk.length && chunk.length < size()) {
        const grown = Buffer.allocUnsafe(Math.min(size(), chunk.length * 4));
        chunk.copy(grown, 0, 0, fill);
        chunk = grown;
      }
      const n = Math.min(chunk.length - fill, piece.byteLength - off);
      chunk.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === chunk.length && chunk.length >= size()) {
        full = chunk;
        chunk = Buffer.allocUnsafe(size());
        fill = 0;
      }
    }
  }
  if (full && fill === 0) {
    yield { chunk: full, last: true };
    return;
  }
  if (full) yield { chunk: full, last: false };
  yield { chunk: chunk.subarray(0, fill), last: true };
}

/** One pass over the source in the current session. */
export async function attemptChunked(
  u: UploadSession,
  data: BlobSource,
): Promise<{ digest: Digest; size: number }> {
  const { signal, opts } = u;
  const digester = uploadDigester(opts);
  let total = 0;
  for await (const { chunk, last } of rechunk(data, () => u.chunkSize)) {
    if (signal?.aborted) throw cancelled();
    digester.hash.update(chunk);
    // Awaited inside the loop: the source is closed only once the PUT is done.
    if (last && total === 0) return await u.putSmall(chunk, digester.digest());
    if (chunk.length > 0) {
      await u.sendChunk(chunk, total);
      total += chunk.length;
      opts.onProgress?.(total);
    }
  }
  return u.finish(digester.digest(), total);
}
