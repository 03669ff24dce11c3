/**
 * The upload engine: OCI chunked blob upload (POST, PATCH with Content-Range, PUT ?digest=) that keeps only
 * the in-flight chunk in memory, resumes from the registry's own offset after a dropped connection or 5xx,
 * and cancels the session on abort or digest mismatch. Small blobs go monolithic (POST, PUT with body).
 * This entry drives the passes: upload-session.ts (the session's requests), upload-chunked.ts (PATCH per
 * chunk), upload-streamed.ts (one streaming PATCH); a session lost mid-blob is redone from `reopen`.
 */

import type { Digest, RepositoryName } from './names';
import type { RegistrySession } from './session';
import { cancelled, isAbortError } from './transport';
import { attemptChunked } from './upload-chunked';
import type { BlobSource, UploadBlobOptions, UploadLimits } from './upload-options';
import { SessionLost, UploadSession } from './upload-session';
import { peekSmall, SINGLE_LIMIT, uploadSmall } from './upload-single';
import { attemptStreaming } from './upload-streamed';

export type { BlobSource, UploadBlobOptions, UploadLimits } from './upload-options';

export async function uploadBlob(
  session: RegistrySession,
  repository: RepositoryName,
  source: BlobSource,
  limits: UploadLimits,
  opts: UploadBlobOptions = {},
): Promise<{ digest: Digest; size: number }> {
  if (opts.signal?.aborted) throw cancelled();
  const u = new UploadSession(session, repository, limits, opts);
  const signal = u.signal;
  const streaming = opts.stream === true && opts.reopen !== undefined && limits.maxChunkSize === undefined;
  let data = source;
  let opening: Promise<void> | undefined;
  try {
    // A blob said to be small is read whole first: it can then go in one request, or two. Unless this one
    // is to ask the registry for the one-request upload, its session is opened meanwhile.
    const hint = opts.size ?? opts.sizeHint;
    const support = limits.singlePost;
    if (support && hint !== undefined && hint <= SINGLE_LIMIT) {
      if (support.state === 'no' || support.state === 'asking') {
        opening = u.open();
        // Awaited later; a failure meanwhile must not count as unhandled.
        opening.catch(() => {});
      }
      const peeked = await peekSmall(source);
      if ('whole' in peeked) return await uploadSmall(u, peeked.whole, support, opening);
      data = peeked.source;
    }
    await (opening ?? u.open());
    for (let restarts = 0; ; restarts++) {
      try {
        return await (streaming ? attemptStreaming(u, data) : attemptChunked(u, data));
      } catch (e) {
        // A lost session mid-blob can only be redone from byte 0, which needs the source again.
        if (!(e instanceof SessionLost)) throw e;
        if (!opts.reopen || restarts >= session.retries) throw e.reason;
        await u.restart();
        data = opts.reopen();
      }
    }
  } catch (e) {
    // A session still being opened is cancelled once it is there.
    await opening?.catch(() => {});
    await u.cancel();
    if (isAbortError(e) || signal?.aborted) throw cancelled();
    throw e;
  }
}
