/**
 * The engine's streaming pass (`stream`): the whole blob as ONE PATCH with a chunked body, as docker and
 * skopeo send it. Any failure mid-body loses the session (SessionLost: redone from `reopen`).
 */
import { Readable } from 'node:stream';
import { LadingError } from './errors';
import type { Digest } from './names';
import {
  cancelled,
  connectionError,
  isAbortError,
  isTransientNetworkError,
  type Response,
} from './transport';
import { type BlobSource, uploadDigester } from './upload-options';
import { locationOf, OCTET, SessionLost, sessionGone, type UploadSession } from './upload-session';

/** Below this a streamed blob goes in one PUT (as the chunked path does for data that fits a chunk). */
const STREAM_SMALL = 1024 * 1024;

/** One pass over the source as one streaming PATCH. */
export async function attemptStreaming(
  u: UploadSession,
  data: BlobSource,
): Promise<{ digest: Digest; size: number }> {
  const { session, scopes, repository, signal, opts } = u;
  const digester = uploadDigester(opts);
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
    return u.putSmall(whole, digester.digest());
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
        url: u.location as URL,
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
  u.location = locationOf(res, u.location as URL);
  return u.finish(digester.digest(), total);
}
