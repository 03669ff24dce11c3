/**
 * The upload engine: OCI chunked blob upload (POST, PATCH with Content-Range, PUT ?digest=) that keeps only
 * the in-flight chunk in memory, resumes from the registry's own offset after a dropped connection or 5xx,
 * and cancels the session on abort or digest mismatch. Small blobs go monolithic (POST, PUT with body).
 */
import { Readable } from 'node:stream';
import { createDigester, digestMismatch } from './digest';
import { LadingError } from './errors';
import { header, parseUploadRange } from './headers';
import { operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import {
  cancelled,
  connectionError,
  isAbortError,
  isTransientNetworkError,
  type Response,
  sleep,
} from './transport';

export interface UploadBlobOptions extends CallOptions {
  /** When given, the upload is refused (and the session cancelled) if the data hashes differently. */
  expectedDigest?: string;
  /** Total size when known: what the source produced is checked against it. (Data that fits one chunk always goes in a single PUT.) */
  size?: number;
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
}

export interface UploadLimits {
  chunkSize: number;
  maxChunkSize?: number;
}

const OCTET = 'application/octet-stream';

/** Blob data: a stream or any (async) iterable of byte chunks. */
export type BlobSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

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

/** Resolves a Location header against the URL that returned it (relative or absolute, used verbatim). */
function locationOf(res: Response, fallback: URL): URL {
  const loc = header(res.headers, 'location');
  return loc ? new URL(loc, res.url) : fallback;
}

function withDigest(location: URL, digest: string): URL {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u;
}

/** The registry dropped the upload session (distribution 2.8 does this after a partial PATCH). */
/**
 * The registry no longer knows the upload session: BLOB_UPLOAD_UNKNOWN (ghcr forgets sessions now and
 * then), or a 404 BLOB_UPLOAD_INVALID (distribution, for a session it cancelled after a broken PATCH).
 */
function sessionGone(error: LadingError): boolean {
  return (
    error.registryCode === 'BLOB_UPLOAD_UNKNOWN' ||
    (error.status === 404 && error.registryCode === 'BLOB_UPLOAD_INVALID')
  );
}

class SessionLost extends Error {
  constructor(readonly reason: LadingError) {
    super(reason.message);
  }
}

export async function uploadBlob(
  session: RegistrySession,
  repository: string,
  source: BlobSource,
  limits: UploadLimits,
  opts: UploadBlobOptions = {},
): Promise<{ digest: string; size: number }> {
  const scopes = [operationScope(repository, 'push')];
  const signal = opts.signal;
  if (signal?.aborted) throw cancelled();
  const max = limits.maxChunkSize ?? Number.POSITIVE_INFINITY;
  let chunkSize = Math.max(1, Math.min(opts.chunkSize ?? limits.chunkSize, max));
  let location: URL | undefined;

  const openSession = async (): Promise<void> => {
    const res = await session.send(
      {
        method: 'POST',
        url: v2Path(repository, 'blobs/uploads/'),
        headers: { 'content-length': '0' },
        signal,
        idempotent: true,
      },
      scopes,
    );
    if (res.status !== 202 && res.status !== 201)
      throw await session.error(res, scopes, { what: `start upload to ${repository}` });
    await res.body.dump().catch(() => {});
    if (!header(res.headers, 'location')) {
      throw new LadingError(
        'protocol-error',
        `${session.registry} started an upload without a Location header.`,
      );
    }
    location = locationOf(res, res.url);
    const minChunk = Number(header(res.headers, 'oci-chunk-min-length'));
    if (Number.isFinite(minChunk) && minChunk > chunkSize) chunkSize = Math.min(minChunk, max);
  };

  const cancelSession = async () => {
    if (!location) return;
    try {
      const res = await session.send({ method: 'DELETE', url: location, retries: 0 }, scopes);
      await res.body.dump().catch(() => {});
    } catch {
      // Best effort: the registry expires abandoned sessions anyway.
    }
  };

  /** GET the upload's status: the next byte the registry expects, or SessionLost. */
  const queryOffset = async (acknowledged: number): Promise<number> => {
    const res = await session.send({ method: 'GET', url: location as URL, signal }, scopes);
    await res.body.dump().catch(() => {});
    if (res.status !== 204 && res.status !== 202 && res.status !== 200) {
      throw new SessionLost(
        new LadingError(
          'server-error',
          `${session.registry} lost the upload session for ${repository} (status check answered ${res.status}).`,
          {
            hint: 'Start the push again.',
            status: res.status,
            temporary: true,
          },
        ),
      );
    }
    if (header(res.headers, 'location')) location = locationOf(res, location as URL);
    const range = header(res.headers, 'range');
    // distribution writes "0-0" for an empty upload as well as for one byte; nothing acknowledged means empty.
    if (range && /^(bytes=)?0-0$/.test(range.trim()) && acknowledged === 0) return 0;
    return parseUploadRange(range) ?? 0;
  };

  /** Sends one chunk, resuming from the registry's offset after drops and 5xx. */
  const sendChunk = async (chunk: Buffer, chunkStart: number): Promise<void> => {
    let sent = 0;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        const res = await session.send(
          {
            method: 'PATCH',
            url: location as URL,
            headers: {
              'content-type': OCTET,
              'content-range': `${chunkStart + sent}-${chunkStart + chunk.length - 1}`,
            },
            body: chunk.subarray(sent),
            signal,
            retries: 0,
          },
          scopes,
        );
        if (res.status === 202 || res.status === 204) {
          await res.body.dump().catch(() => {});
          location = locationOf(res, location as URL);
          return;
        }
        const error = await session.error(res, scopes, { what: `upload chunk to ${repository}` });
        // A session the registry dropped meanwhile (distribution cancels one whose PATCH broke off, and
        // may do so just after answering our status check): ask again, and redo the blob if it is gone.
        if (res.status !== 416 && res.status < 500 && !sessionGone(error)) throw error;
        failure = error;
      } catch (e) {
        if (isAbortError(e) || signal?.aborted) throw cancelled();
        if (!(e instanceof LadingError) || !e.temporary) throw e;
        failure = e;
      }
      if (attempt >= session.retries) throw failure;
      await sleep(session.transport.backoffMs(attempt + 1), signal);
      // Ask the registry how much it kept; it may have stored part of the chunk before the drop.
      let offset: number | undefined;
      try {
        offset = await queryOffset(chunkStart);
      } catch (e) {
        if (!(e instanceof SessionLost)) throw e;
      }
      if (offset === undefined || offset < chunkStart || offset > chunkStart + chunk.length) {
        // The session is gone or unusable. From the first chunk we still hold every byte: start over here.
        if (chunkStart !== 0) {
          throw new SessionLost(
            new LadingError(
              'server-error',
              `${session.registry} dropped the upload session for ${repository} after ${chunkStart} bytes.`,
              {
                hint: 'Start the push again.',
                temporary: true,
              },
            ),
          );
        }
        await cancelSession();
        await openSession();
        sent = 0;
        continue;
      }
      sent = offset - chunkStart;
      if (sent === chunk.length) return;
    }
  };

  /** Monolithic upload for data that fits one chunk; a failed PUT gets a fresh session (the data is in memory). */
  const putWhole = async (chunk: Buffer, digest: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      let failure: LadingError;
      try {
        const res = await session.send(
          {
            method: 'PUT',
            url: withDigest(location as URL, digest),
            headers: { 'content-type': OCTET },
            body: chunk,
            signal,
            retries: 0,
          },
          scopes,
        );
        if (res.status === 201 || res.status === 204 || res.status === 202) {
          await res.body.dump().catch(() => {});
          return;
        }
        failure = await session.error(res, scopes, { what: `upload blob to ${repository}` });
      } catch (e) {
        if (isAbortError(e) || signal?.aborted) throw cancelled();
        if (!(e instanceof LadingError)) throw e;
        failure = e;
      }
      // 5xx, drops, or a session the registry forgot or cancelled (ghcr's transient BLOB_UPLOAD_UNKNOWN,
      // distribution's 404 BLOB_UPLOAD_INVALID): the data is in memory, so a new session and again.
      const retryable = failure.temporary || sessionGone(failure);
      if (!retryable || attempt >= session.retries) throw failure;
      await sleep(session.transport.backoffMs(attempt + 1), signal);
      await cancelSession();
      await openSession();
    }
  };

  /** One pass over the source in the current session. */
  /**
   * Both upload paths end the same way: check what was sent against what the caller expected, then close the
   * session with an empty `PUT ?digest=`.
   */
  const finishUpload = async (digest: string, total: number): Promise<{ digest: string; size: number }> => {
    if (opts.expectedDigest && opts.expectedDigest !== digest)
      throw digestMismatch('uploaded data', opts.expectedDigest, digest);
    if (opts.size !== undefined && opts.size !== total) {
      throw new LadingError(
        'invalid-input',
        `The blob source produced ${total} bytes but ${opts.size} were expected.`,
      );
    }
    const res = await session.send(
      { method: 'PUT', url: withDigest(location as URL, digest), headers: { 'content-length': '0' }, signal },
      scopes,
    );
    if (res.status !== 201 && res.status !== 204 && res.status !== 202) {
      const error = await session.error(res, scopes, { what: `finish upload to ${repository}` });
      // A session gone at the very end (ghcr forgets one now and then, distribution cancels one): redo the
      // blob if we can.
      if (sessionGone(error)) throw new SessionLost(error);
      throw error;
    }
    await res.body.dump().catch(() => {});
    return { digest, size: total };
  };

  const attemptUpload = async (data: BlobSource): Promise<{ digest: string; size: number }> => {
    const digester = createDigester('sha256');
    let total = 0;
    for await (const { chunk, last } of rechunk(data, () => chunkSize)) {
      if (signal?.aborted) throw cancelled();
      digester.hash.update(chunk);
      if (last && total === 0) {
        const digest = digester.digest();
        if (opts.expectedDigest && opts.expectedDigest !== digest)
          throw digestMismatch('uploaded data', opts.expectedDigest, digest);
        await putWhole(chunk, digest);
        opts.onProgress?.(chunk.length);
        return { digest, size: chunk.length };
      }
      if (chunk.length > 0) {
        await sendChunk(chunk, total);
        total += chunk.length;
        opts.onProgress?.(total);
      }
    }
    return finishUpload(digester.digest(), total);
  };

  /** Below this a streamed blob goes in one PUT (as the chunked path does for data that fits a chunk). */
  const STREAM_SMALL = 1024 * 1024;

  /** One pass over the source as one streaming PATCH (opts.stream). Any failure mid-body loses the session. */
  const attemptStreaming = async (data: BlobSource): Promise<{ digest: string; size: number }> => {
    const digester = createDigester('sha256');
    const iterator =
      Symbol.asyncIterator in data
        ? (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (data as Iterable<Uint8Array>)[Symbol.iterator]();
    // Peek far enough to tell a small blob (one PUT) from a large one.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < STREAM_SMALL) {
      const r = await iterator.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(Buffer.from(r.value));
      headBytes += r.value.byteLength;
    }
    if (ended) {
      const whole = Buffer.concat(head);
      digester.hash.update(whole);
      const digest = digester.digest();
      if (opts.expectedDigest && opts.expectedDigest !== digest)
        throw digestMismatch('uploaded data', opts.expectedDigest, digest);
      await putWhole(whole, digest);
      opts.onProgress?.(whole.length);
      return { digest, size: whole.length };
    }
    let total = 0;
    // An error of the source itself (a diff_id check, a read failure) is reported as is, not as the
    // network error undici turns it into.
    let sourceError: { error: unknown } | undefined;
    // Only errors of the source's own next() count: a socket error also reaches this generator (the
    // stream is destroyed with it) and must stay a network error.
    const nextPiece = async (): Promise<IteratorResult<Uint8Array>> => {
      try {
        return await iterator.next();
      } catch (e) {
        sourceError = { error: e };
        throw e;
      }
    };
    const pieces = async function* (): AsyncGenerator<Uint8Array> {
      for (const piece of head) {
        digester.hash.update(piece);
        total += piece.byteLength;
        yield piece;
      }
      head.length = 0;
      for (;;) {
        const r = await nextPiece();
        if (r.done) break;
        if (signal?.aborted) throw cancelled();
        digester.hash.update(r.value);
        total += r.value.byteLength;
        opts.onProgress?.(total);
        yield r.value;
      }
    };
    let bodySent = false;
    const bodyStream = Readable.from(pieces(), { objectMode: false, highWaterMark: 1024 * 1024 });
    let res: Response;
    try {
      res = await session.send(
        {
          method: 'PATCH',
          url: location as URL,
          headers: { 'content-type': OCTET },
          // A factory because the transport only takes streams that way. The stream can be sent once: a
          // second call (the authenticator retrying after a 401) fails as a lost session, so the blob is
          // redone from `reopen` with the fresh credentials.
          body: () => {
            if (bodySent) {
              throw new LadingError(
                'server-error',
                `${session.registry} refused the upload of a blob mid-way.`,
                {
                  temporary: true,
                },
              );
            }
            bodySent = true;
            return bodyStream;
          },
          signal,
          retries: 0,
        },
        scopes,
      );
    } catch (e) {
      if (sourceError) throw sourceError.error;
      if (isAbortError(e) || signal?.aborted) throw cancelled();
      if (e instanceof LadingError && e.temporary) throw new SessionLost(e);
      // A socket error while the body streams (undici reports it raw): the session is lost with it.
      if (!(e instanceof LadingError) && isTransientNetworkError(e))
        throw new SessionLost(connectionError(e, session.registry));
      throw e;
    }
    if (sourceError) throw sourceError.error;
    if (res.status !== 202 && res.status !== 204) {
      const error = await session.error(res, scopes, { what: `upload blob to ${repository}` });
      if (error.temporary || res.status === 416 || sessionGone(error)) throw new SessionLost(error);
      throw error;
    }
    await res.body.dump().catch(() => {});
    location = locationOf(res, location as URL);
    return finishUpload(digester.digest(), total);
  };

  const streaming = opts.stream === true && opts.reopen !== undefined && limits.maxChunkSize === undefined;
  await openSession();
  let data = source;
  try {
    for (let restarts = 0; ; restarts++) {
      try {
        return await (streaming ? attemptStreaming(data) : attemptUpload(data));
      } catch (e) {
        // A lost session mid-blob can only be redone from byte 0, which needs the source again.
        if (!(e instanceof SessionLost)) throw e;
        if (!opts.reopen || restarts >= session.retries) throw e.reason;
        await cancelSession();
        await openSession();
        data = opts.reopen();
      }
    }
  } catch (e) {
    await cancelSession();
    if (isAbortError(e) || signal?.aborted) throw cancelled();
    throw e;
  }
}
