/** What the upload engine takes: the blob's data and the caller's options (re-exported by upload.ts). */
import { createDigester } from './digest';
import { type Digest, digestName } from './names';
import type { CallOptions } from './session';
import type { SinglePostSupport } from './upload-single';

/** Blob data: a stream or any (async) iterable of byte chunks. */
export type BlobSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface UploadBlobOptions extends CallOptions {
  /** When given, the upload is refused (and the session cancelled) if the data hashes differently. */
  expectedDigest?: string;
  /** Total size when known: what the source produced is checked against it. (Data that fits one chunk always goes in a single PUT.) */
  size?: number;
  /**
   * About how many bytes the source will produce, when `size` is not known exactly (a layer's size before
   * compression): at most upload-single's limit, the blob is read whole first and sent in one or two requests.
   */
  sizeHint?: number;
  /** Bytes the registry has acknowledged so far. */
  onProgress?(bytesAcknowledged: number): void;
  chunkSize?: number;
  /**
   * Produces the same data again from the start. Lets the engine redo a blob whose upload session the
   * registry dropped mid-way (distribution 2.8 cancels a session after a partial PATCH); without it only a
   * failure in the first chunk can be recovered. Progress may go back to 0 when this happens.
   */
  reopen?: () => BlobSource;
  /**
   * Send the blob in ONE streaming PATCH (no Content-Range, chunked encoding), as docker and skopeo do: no
   * round trip per chunk for the producer to wait on, and no chunk held in memory. A connection dropped
   * mid-PATCH cannot resume from an offset (distribution drops a session after a partial PATCH anyway), so
   * the blob is redone from `reopen`. Ignored without `reopen` and for registries with a PATCH size cap
   * (ghcr.io): those keep the chunked path with its resume.
   */
  stream?: boolean;
  /**
   * The source checks the data against `expectedDigest` as it flows and fails the stream on a mismatch (a
   * registry blob from `openBlob`): the engine does not hash it a second time. The final PUT still names
   * the digest, which the registry verifies.
   */
  sourceVerified?: boolean;
}

/** The engine's digester: a real hash, or the expected digest as is when the source verifies it already. */
export function uploadDigester(opts: UploadBlobOptions): {
  hash: { update(data: Uint8Array): unknown };
  digest(): Digest;
} {
  const known = opts.sourceVerified ? opts.expectedDigest : undefined;
  if (known) {
    const digest = digestName(known);
    return { hash: { update: () => undefined }, digest: () => digest };
  }
  return createDigester('sha256');
}

export interface UploadLimits {
  chunkSize: number;
  maxChunkSize?: number;
  /** What the client learnt of the registry's one-request upload (upload-single.ts); none: never tried. */
  singlePost?: SinglePostSupport;
}
