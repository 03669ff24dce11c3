/**
 * Regroups a stream's pieces into batches of `size` bytes (the last one shorter). A piece that arrives
 * while no batch is open and is at least `size` long passes as it is; everything else is copied into the
 * open batch. For consumers whose cost is per piece rather than per byte: a zlib stream makes a thread-pool
 * round trip for every write, and a download arrives in socket reads of up to 64 KiB.
 */
export async function* coalesce(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let batch: Buffer | undefined;
  let fill = 0;
  for await (const piece of source) {
    if (fill === 0 && piece.byteLength >= size) {
      yield piece;
      continue;
    }
    let off = 0;
    while (off < piece.byteLength) {
      batch ??= Buffer.allocUnsafe(size);
      const n = Math.min(size - fill, piece.byteLength - off);
      batch.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === size) {
        yield batch;
        batch = undefined;
        fill = 0;
      }
    }
  }
  if (batch && fill > 0) yield batch.subarray(0, fill);
}
