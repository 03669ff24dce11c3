/**
 * The upload engine: OCI chunked blob upload (POST, PATCH with Content-Range, PUT ?digest=) that keeps only
 * the in-flight chunk in memory, resumes from the registry's own offset after a dropped connection or 5xx,
 * and cancels the session on abort or digest mismatch. Small blobs go monolithic (POST, PUT with body).
 */
import { createDigester, digestMismatch } from './digest';
import { LadingError } from './errors';
import { header, parseUploadRange } from './headers';
import { operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import { cancelled, isAbortError, type Response, sleep } from './transport';

export interface UploadBlobOptions extends CallOptions {
  /** When given, the upload is refused (and the session cancelled) if the data hashes differently. */
  expectedDigest?: string;
  /** Total size when known: lets small blobs go in one request. */
  size?: number;
  /** Bytes the registry has acknowledged so far. */
  onProgress?(bytesAcknowledged: number): void;
  chunkSize?: number;
}

export interface UploadLimits {
  chunkSize: number;
  maxChunkSize?: number;
}

const OCTET = 'application/octet-stream';

/** Blob data: a stream or any (async) iterable of byte chunks. */
export type BlobSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Regroups arbitrary source pieces into chunks of `size` bytes; `last` tells whether more data follows. */
async function* rechunk(
  source: BlobSource,
  size: () => number,
): AsyncGenerator<{ chunk: Buffer; last: boolean }> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    if (piece.byteLength === 0) continue;
    parts.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    held += piece.byteLength;
    // Emit a full chunk only once we know more bytes follow it, so the final chunk is recognisable.
    while (held > size()) {
      const all = Buffer.concat(parts, held);
      const n = size();
      yield { chunk: Buffer.from(all.subarray(0, n)), last: false };
      const rest = all.subarray(n);
      parts = rest.length ? [rest] : [];
      held = rest.length;
    }
  }
  yield { chunk: Buffer.concat(parts, held), last: true };
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

  // Start the session.
  const start = await session.send(
    {
      method: 'POST',
      url: v2Path(repository, 'blobs/uploads/'),
      headers: { 'content-length': '0' },
      signal,
      idempotent: true,
    },
    scopes,
  );
  if (start.status !== 202 && start.status !== 201)
    throw await session.error(start, scopes, { what: `start upload to ${repository}` });
  await start.body.dump().catch(() => {});
  let location = locationOf(start, start.url);
  if (!header(start.headers, 'location')) {
    throw new LadingError(
      'protocol-error',
      `${session.registry} started an upload without a Location header.`,
    );
  }
  const minChunk = Number(header(start.headers, 'oci-chunk-min-length'));
  if (Number.isFinite(minChunk) && minChunk > chunkSize) chunkSize = Math.min(minChunk, max);

  const cancelSession = async () => {
    try {
      const res = await session.send({ method: 'DELETE', url: location, retries: 0 }, scopes);
      await res.body.dump().catch(() => {});
    } catch {
      // Best effort: the registry expires abandoned sessions anyway.
    }
  };

  const digester = createDigester('sha256');
  let acknowledged = 0;

  /** GET the upload's status: the next byte the registry expects (its Range end + 1). */
  const queryOffset = async (): Promise<number> => {
    const res = await session.send({ method: 'GET', url: location, signal }, scopes);
    await res.body.dump().catch(() => {});
    if (res.status !== 204 && res.status !== 202 && res.status !== 200) {
      throw new LadingError(
        'server-error',
        `${session.registry} lost the upload session for ${repository} (status check answered ${res.status}).`,
        {
          hint: 'Start the push again.',
          status: res.status,
        },
      );
    }
    if (header(res.headers, 'location')) location = locationOf(res, location);
    return parseUploadRange(header(res.headers, 'range')) ?? 0;
  };

  /** Sends one chunk, resuming from the registry's offset after drops and 5xx. */
  const sendChunk = async (chunk: Buffer, chunkStart: number): Promise<void> => {
    let sent = 0;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        const body = chunk.subarray(sent);
        const res = await session.send(
          {
            method: 'PATCH',
            url: location,
            headers: {
              'content-type': OCTET,
              'content-range': `${chunkStart + sent}-${chunkStart + chunk.length - 1}`,
            },
            body,
            signal,
            retries: 0,
          },
          scopes,
        );
        if (res.status === 202 || res.status === 204) {
          await res.body.dump().catch(() => {});
          location = locationOf(res, location);
          return;
        }
        if (res.status !== 416 && res.status < 500)
          throw await session.error(res, scopes, { what: `upload chunk to ${repository}` });
        failure = await session.error(res, scopes, { what: `upload chunk to ${repository}` });
      } catch (e) {
        if (isAbortError(e) || signal?.aborted) throw cancelled();
        if (!(e instanceof LadingError) || !e.temporary) throw e;
        failure = e;
      }
      if (attempt >= session.retries) throw failure;
      await sleep(session.transport.backoffMs(attempt + 1), signal);
      // Ask the registry how much it kept; it may have stored part of the chunk before the drop.
      const offset = await queryOffset();
      if (offset < chunkStart || offset > chunkStart + chunk.length) {
        throw new LadingError(
          'server-error',
          `${session.registry} reports upload offset ${offset}, outside the chunk being resent (${chunkStart}-${chunkStart + chunk.length - 1}).`,
          {
            hint: 'Start the push again.',
          },
        );
      }
      sent = offset - chunkStart;
      if (sent === chunk.length) return;
    }
  };

  try {
    let total = 0;
    for await (const { chunk, last } of rechunk(source, () => chunkSize)) {
      if (signal?.aborted) throw cancelled();
      digester.hash.update(chunk);
      if (last && total === 0) {
        // Everything fits in one request: monolithic PUT with the body.
        total = chunk.length;
        const digest = digester.digest();
        if (opts.expectedDigest && opts.expectedDigest !== digest)
          throw digestMismatch('uploaded data', opts.expectedDigest, digest);
        const res = await session.send(
          {
            method: 'PUT',
            url: withDigest(location, digest),
            headers: { 'content-type': OCTET },
            body: chunk,
            signal,
          },
          scopes,
        );
        if (res.status !== 201 && res.status !== 204 && res.status !== 202)
          throw await session.error(res, scopes, { what: `upload blob to ${repository}` });
        await res.body.dump().catch(() => {});
        opts.onProgress?.(total);
        return { digest, size: total };
      }
      if (chunk.length > 0) {
        await sendChunk(chunk, total);
        total += chunk.length;
        acknowledged = total;
        opts.onProgress?.(acknowledged);
      }
    }
    const digest = digester.digest();
    if (opts.expectedDigest && opts.expectedDigest !== digest)
      throw digestMismatch('uploaded data', opts.expectedDigest, digest);
    if (opts.size !== undefined && opts.size !== total) {
      throw new LadingError(
        'invalid-input',
        `The blob source produced ${total} bytes but ${opts.size} were expected.`,
      );
    }
    const res = await session.send(
      { method: 'PUT', url: withDigest(location, digest), headers: { 'content-length': '0' }, signal },
      scopes,
    );
    if (res.status !== 201 && res.status !== 204 && res.status !== 202)
      throw await session.error(res, scopes, { what: `finish upload to ${repository}` });
    await res.body.dump().catch(() => {});
    return { digest, size: total };
  } catch (e) {
    await cancelSession();
    if (isAbortError(e) || signal?.aborted) throw cancelled();
    throw e;
  }
}
