/**
 * One upload session of the engine and its requests: POST to open it, PATCH a chunk (resuming from the
 * registry's own offset after a drop or 5xx), PUT a small blob whole, the closing `PUT ?digest=`, and
 * DELETE to cancel. A session the registry lost surfaces as SessionLost, which upload.ts redoes.
 */
import { digestMismatch } from './digest';
import { LadingError } from './errors';
import { header, parseUploadRange } from './headers';
import type { Digest } from './names';
import { operationScope } from './scope';
import { type RegistrySession, v2Path } from './session';
import { cancelled, isAbortError, type Response, sleep } from './transport';
import type { UploadBlobOptions, UploadLimits } from './upload-options';

export const OCTET = 'application/octet-stream';

/** Resolves a Location header against the URL that returned it (relative or absolute, used verbatim). */
export function locationOf(res: Response, fallback: URL): URL {
  const loc = header(res.headers, 'location');
  return loc ? new URL(loc, res.url) : fallback;
}

function withDigest(location: URL, digest: string): URL {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u;
}

/**
 * The registry no longer knows the upload session: BLOB_UPLOAD_UNKNOWN (ghcr forgets sessions now and
 * then), or a 404 BLOB_UPLOAD_INVALID (distribution, for a session it cancelled after a broken PATCH).
 */
export function sessionGone(error: LadingError): boolean {
  return (
    error.registryCode === 'BLOB_UPLOAD_UNKNOWN' ||
    (error.status === 404 && error.registryCode === 'BLOB_UPLOAD_INVALID')
  );
}

/** The session is gone mid-blob: only a redo from byte 0 (the caller's `reopen`) can recover. */
export class SessionLost extends Error {
  constructor(readonly reason: LadingError) {
    super(reason.message);
  }
}

export class UploadSession {
  readonly scopes: string[];
  readonly signal: AbortSignal | undefined;
  /** The registry's PATCH size cap (infinite without one). */
  private readonly max: number;
  /** Bytes per PATCH; raised to the registry's OCI-Chunk-Min-Length when it asks for more. */
  chunkSize: number;
  /** Where the next request of this session goes (each answer may move it). */
  location: URL | undefined;

  constructor(
    readonly session: RegistrySession,
    readonly repository: string,
    limits: UploadLimits,
    readonly opts: UploadBlobOptions,
  ) {
    this.scopes = [operationScope(repository, 'push')];
    this.signal = opts.signal;
    this.max = limits.maxChunkSize ?? Number.POSITIVE_INFINITY;
    this.chunkSize = Math.max(1, Math.min(opts.chunkSize ?? limits.chunkSize, this.max));
  }

  async open(): Promise<void> {
    const { session, scopes, repository } = this;
    const res = await session.send(
      {
        method: 'POST',
        url: v2Path(repository, 'blobs/uploads/'),
        headers: { 'content-length': '0' },
        signal: this.signal,
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
    this.location = locationOf(res, res.url);
    const minChunk = Number(header(res.headers, 'oci-chunk-min-length'));
    if (Number.isFinite(minChunk) && minChunk > this.chunkSize) this.chunkSize = Math.min(minChunk, this.max);
  }

  async cancel(): Promise<void> {
    if (!this.location) return;
    try {
      const res = await this.session.send({ method: 'DELETE', url: this.location, retries: 0 }, this.scopes);
      await res.body.dump().catch(() => {});
    } catch {
      // Best effort: the registry expires abandoned sessions anyway.
    }
  }

  /** A new session in place of this one (the old one cancelled). */
  async restart(): Promise<void> {
    await this.cancel();
    await this.open();
  }

  /** GET the upload's status: the next byte the registry expects, or SessionLost. */
  private async queryOffset(acknowledged: number): Promise<number> {
    const { session, scopes, repository } = this;
    const res = await session.send({ method: 'GET', url: this.location as URL, signal: this.signal }, scopes);
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
    if (header(res.headers, 'location')) this.location = locationOf(res, this.location as URL);
    const range = header(res.headers, 'range');
    // distribution writes "0-0" for an empty upload as well as for one byte; nothing acknowledged means empty.
    if (range && /^(bytes=)?0-0$/.test(range.trim()) && acknowledged === 0) return 0;
    return parseUploadRange(range) ?? 0;
  }

  /** Sends one chunk, resuming from the registry's offset after drops and 5xx. */
  async sendChunk(chunk: Buffer, chunkStart: number): Promise<void> {
    const { session, scopes, repository, signal } = this;
    let sent = 0;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        const res = await session.send(
          {
            method: 'PATCH',
            url: this.location as URL,
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
          this.location = locationOf(res, this.location as URL);
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
        offset = await this.queryOffset(chunkStart);
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
        await this.restart();
        sent = 0;
        continue;
      }
      sent = offset - chunkStart;
      if (sent === chunk.length) return;
    }
  }

  /** Refuses data that hashes other than the caller said it would. */
  checkExpected(digest: string): void {
    if (this.opts.expectedDigest && this.opts.expectedDigest !== digest)
      throw digestMismatch('uploaded data', this.opts.expectedDigest, digest);
  }

  /** Refuses a source that produced other than the `size` the caller gave. */
  checkSize(total: number): void {
    const expected = this.opts.size;
    if (expected !== undefined && expected !== total) {
      throw new LadingError(
        'invalid-input',
        `The blob source produced ${total} bytes but ${expected} were expected.`,
      );
    }
  }

  /** A blob that fits one chunk, whole: checked, sent in one PUT, reported as acknowledged. */
  async putSmall(bytes: Buffer, digest: Digest): Promise<{ digest: Digest; size: number }> {
    this.checkExpected(digest);
    await this.putWhole(bytes, digest);
    this.opts.onProgress?.(bytes.length);
    return { digest, size: bytes.length };
  }

  /** Monolithic upload for data that fits one chunk; a failed PUT gets a fresh session (the data is in memory). */
  private async putWhole(chunk: Buffer, digest: string): Promise<void> {
    const { session, scopes, repository, signal } = this;
    for (let attempt = 0; ; attempt++) {
      let failure: LadingError;
      try {
        const res = await session.send(
          {
            method: 'PUT',
            url: withDigest(this.location as URL, digest),
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
      await this.restart();
    }
  }

  /**
   * Both upload paths end the same way: check what was sent against what the caller expected, then close the
   * session with an empty `PUT ?digest=`.
   */
  async finish(digest: Digest, total: number): Promise<{ digest: Digest; size: number }> {
    const { session, scopes, repository } = this;
    this.checkExpected(digest);
    this.checkSize(total);
    const res = await session.send(
      {
        method: 'PUT',
        url: withDigest(this.location as URL, digest),
        headers: { 'content-length': '0' },
        signal: this.signal,
      },
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
  }
}
