/**
 * A small blob (up to SINGLE_LIMIT) in as few round trips as the registry allows: the distribution spec's
 * monolithic POST (`POST /blobs/uploads/?digest=` with the body, one request) where the registry takes it,
 * else POST then PUT with the body (two). Whether a registry takes it is learnt once per client: the first
 * small blob asks, the others go the two-request way until the answer is in. A registry without it answers
 * 202 and opens an ordinary session (distribution 2.8 ignores the body), which the PUT then uses, so the
 * question costs one small body's bytes, never a round trip; any other refusal falls back to a plain POST.
 */
import { digestMismatch } from './digest';
import { header, parseUploadRange } from './headers';
import type { Digest } from './names';
import { v2Path } from './session';
import { type BlobSource, uploadDigester } from './upload-options';
import { locationOf, OCTET, type UploadSession } from './upload-session';

/** Blobs up to this size are read whole before the upload starts (as upload-streamed's one-PUT limit). */
export const SINGLE_LIMIT = 1024 * 1024;

/** Whether this registry commits a blob on a POST with `?digest=` and the body (learnt by the first try). */
export interface SinglePostSupport {
  state: 'unknown' | 'asking' | 'yes' | 'no';
}

type Peeked = { whole: Buffer } | { source: BlobSource };

/**
 * Reads `source` up to SINGLE_LIMIT bytes: the whole blob when it ends by then, else a source that yields
 * what was read and then the rest.
 */
export async function peekSmall(source: BlobSource): Promise<Peeked> {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  const head: Uint8Array[] = [];
  let bytes = 0;
  while (bytes <= SINGLE_LIMIT) {
    const r = await iterator.next();
    if (r.done) return { whole: Buffer.concat(head, bytes) };
    head.push(r.value);
    bytes += r.value.byteLength;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      head.length = 0;
      for (;;) {
        const r = await iterator.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { source: replay() };
}

/** Uploads a blob held whole in memory; `u` has no session yet unless `opening` (opened here when needed). */
export async function uploadSmall(
  u: UploadSession,
  bytes: Buffer,
  support: SinglePostSupport,
  /** The session, when it was opened while the blob was read (this blob does not ask). */
  opening?: Promise<void>,
): Promise<{ digest: Digest; size: number }> {
  const digester = uploadDigester(u.opts);
  digester.hash.update(bytes);
  const digest = digester.digest();
  u.checkExpected(digest);
  u.checkSize(bytes.length);
  if (opening) await opening;
  else if (support.state === 'yes' || support.state === 'unknown') {
    const asking = support.state === 'unknown';
    if (asking) support.state = 'asking';
    let answer: SingleAnswer;
    try {
      answer = await postWhole(u, bytes, digest);
    } catch (e) {
      if (asking) support.state = 'unknown';
      throw e;
    }
    if (answer === 'created') {
      support.state = 'yes';
      u.opts.onProgress?.(bytes.length);
      return { digest, size: bytes.length };
    }
    support.state = 'no';
    if (answer === 'refused') await u.open();
    // A session that kept the body as its first chunk (the spec lets a registry do so) only needs closing.
    else if (answer === 'kept') return u.finish(digest, bytes.length);
  } else await u.open();
  return u.putSmall(bytes, digest);
}

type SingleAnswer = 'created' | 'session' | 'kept' | 'refused';

/**
 * The monolithic POST: created (201), an ordinary session opened instead (202; `kept` when it holds the body
 * already), or refused (other 4xx).
 */
async function postWhole(u: UploadSession, bytes: Buffer, digest: Digest): Promise<SingleAnswer> {
  const { session, scopes, repository, signal } = u;
  const url = session.transport.resolve(v2Path(repository, 'blobs/uploads/'));
  url.searchParams.set('digest', digest);
  const res = await session.send(
    {
      method: 'POST',
      url,
      headers: { 'content-type': OCTET },
      body: bytes,
      signal,
      // Content-addressed: sending the same bytes under the same digest again changes nothing.
      idempotent: true,
    },
    scopes,
  );
  if (res.status === 201) {
    await res.body.dump().catch(() => {});
    const stored = header(res.headers, 'docker-content-digest');
    if (stored && stored !== digest)
      throw digestMismatch(`The blob uploaded to ${repository}`, digest, stored);
    return 'created';
  }
  if (res.status === 202 && header(res.headers, 'location')) {
    await res.body.dump().catch(() => {});
    u.location = locationOf(res, res.url);
    // distribution writes 0-0 for an empty session, so one byte kept cannot be told from none.
    const kept = bytes.length > 1 && parseUploadRange(header(res.headers, 'range')) === bytes.length;
    return kept ? 'kept' : 'session';
  }
  // Auth is settled by now (send re-authenticates on 401); a real refusal will come again from the plain POST.
  if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403) {
    await res.body.dump().catch(() => {});
    return 'refused';
  }
  throw await session.error(res, scopes, { what: `upload blob to ${repository}` });
}
