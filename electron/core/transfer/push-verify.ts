/**
 * The push's content checks: a layer must hash to the diff_id its config names. Compressed blobs are
 * checked the same way on both paths (indexed and streamed), by decompressing a copy as they go up.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { decompressorFor } from '../archive/sniff';
import { LadingError } from '../registry/errors';

export function diffIdMismatch(archive: string, path: string, expected: string, actual: string): LadingError {
  return new LadingError(
    'archive-invalid',
    `The archive ${archive}: layer ${path} does not match its diff_id (config says ${expected}, content is ${actual}).`,
    { hint: 'The archive is damaged or was edited; save the image again.' },
  );
}

/** What a compressed blob's check needs to know and report. */
export interface CompressedCheck {
  archive: string;
  /** How the error names the blob (e.g. `layer blobs/sha256/…`). */
  what: string;
  storedAs: 'gzip' | 'zstd';
  /** Bytes of the blob read so far. */
  onRead: (bytesRead: number) => void;
  /** The blob's diff_id, once all of it decompressed; a throw here fails the upload before its final PUT. */
  onDiffId: (diffId: string) => void;
}

/**
 * Passes a compressed blob's bytes through unchanged while a decompressed copy is hashed; data that does
 * not decompress is `archive-invalid`. The decompressor is set up at once, `open` called on the first read.
 */
export function verifyCompressed(
  open: () => AsyncIterable<Uint8Array>,
  check: CompressedCheck,
): AsyncGenerator<Uint8Array> {
  const decompress = decompressorFor(check.storedAs) as NodeJS.ReadWriteStream;
  const hash = createHash('sha256');
  decompress.on('data', (c: Buffer) => hash.update(c));
  const ended = once(decompress, 'end');
  ended.catch(() => {});
  return (async function* verified(): AsyncGenerator<Uint8Array> {
    let read = 0;
    try {
      for await (const chunk of open()) {
        read += chunk.length;
        check.onRead(read);
        if (!decompress.write(chunk)) await once(decompress, 'drain');
        yield chunk;
      }
      decompress.end();
      await ended;
    } catch (e) {
      if (e instanceof LadingError) throw e;
      throw new LadingError(
        'archive-invalid',
        `The archive ${check.archive}: ${check.what} is not valid ${check.storedAs} data.`,
        {
          hint: 'The archive is damaged; save the image again.',
          cause: e,
        },
      );
    }
    check.onDiffId(`sha256:${hash.digest('hex')}`);
  })();
}
