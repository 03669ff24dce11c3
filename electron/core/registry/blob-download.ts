/**
 * Streamed blob download: verifies the digest and size as bytes flow, follows redirects to storage hosts
 * without Authorization (the transport's job), and resumes with `Range` when a connection drops mid-blob.
 */
import { Readable } from 'node:stream';
import { algorithmOf, createDigester, digestMismatch } from './digest';
import { LadingError } from './errors';
import { header } from './headers';
import type { Descriptor } from './manifest';
import type { RepositoryName } from './names';
import { operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import { abandonBody, isAbortError, isTransientNetworkError, type Response, sleep } from './transport';

export interface OpenBlobOptions extends CallOptions {
  onProgress?(bytesSoFar: number): void;
  /**
   * Start at this byte (resuming a partial file). The digest cannot be checked without the earlier bytes, so
   * only the size is enforced; the caller verifies the whole file.
   */
  offset?: number;
  /** How many times a dropped connection is resumed. Default: the client's retry count. */
  resumeRetries?: number;
  /** A large blob as this many byte ranges at once (blob-download-ranged.ts); default 1, one stream. */
  streams?: number;
  /** Bytes per range when `streams` > 1; default 4 MiB. */
  segmentBytes?: number;
}

export async function openBlob(
  session: RegistrySession,
  repository: RepositoryName,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  opts: OpenBlobOptions = {},
): Promise<Readable> {
  const scopes = [operationScope(repository, 'pull')];
  const startOffset = opts.offset ?? 0;
  const verify = startOffset === 0;
  const digester = createDigester(algorithmOf(descriptor.digest));
  const what = `blob ${descriptor.digest}`;
  const maxResumes = opts.resumeRetries ?? session.retries;

  /** GET from `delivered`; a server that ignores Range (200) gets `skip` set so already-delivered bytes are dropped. */
  async function fetchFrom(delivered: number): Promise<{ res: Response; skip: number }> {
    const headers: Record<string, string> = {};
    if (delivered > 0) headers.range = `bytes=${delivered}-`;
    const res = await session.send(
      { method: 'GET', url: v2Path(repository, `blobs/${descriptor.digest}`), headers, signal: opts.signal },
      scopes,
    );
    if (res.status === 206) {
      const cr = header(res.headers, 'content-range');
      const start = cr ? Number(/bytes\s+(\d+)-/.exec(cr)?.[1]) : delivered;
      if (start !== delivered) {
        abandonBody(res);
        throw new LadingError(
          'protocol-error',
          `${session.registry} answered a range request for ${what} with the wrong range.`,
        );
      }
      return { res, skip: 0 };
    }
    if (res.status === 200) return { res, skip: delivered };
    if (res.status === 416 && delivered >= descriptor.size) {
      await res.body.dump().catch(() => {});
      return { res, skip: -1 };
    }
    throw await session.error(res, scopes, { what: `download ${what}`, notFound: 'blob-unknown' });
  }

  // The first request runs now so that 404/401 reject openBlob() itself rather than the stream.
  let current = await fetchFrom(startOffset);

  async function* generate(): AsyncGenerator<Buffer> {
    let delivered = startOffset;
    let resumes = 0;
    while (true) {
      let skip = current.skip;
      try {
        if (skip >= 0) {
          for await (const piece of current.res.body) {
            let buf = piece as Buffer;
            if (skip > 0) {
              const drop = Math.min(skip, buf.length);
              skip -= drop;
              buf = buf.subarray(drop);
              if (buf.length === 0) continue;
            }
            if (delivered + buf.length > descriptor.size) {
              abandonBody(current.res);
              throw new LadingError(
                'too-large',
                `${what} is larger than the ${descriptor.size} bytes its descriptor says.`,
                {
                  hint: 'The registry served more data than expected; the image may be corrupt.',
                },
              );
            }
            if (verify) digester.hash.update(buf);
            delivered += buf.length;
            opts.onProgress?.(delivered);
            yield buf;
          }
        }
      } catch (e) {
        if (e instanceof LadingError && !e.temporary) throw e;
        if (isAbortError(e) || opts.signal?.aborted)
          throw new LadingError('cancelled', 'The download was cancelled.');
        if (
          !isTransientNetworkError(e) &&
          !(e instanceof Error && /terminated|closed|aborted/i.test(e.message))
        )
          throw e;
        if (++resumes > maxResumes) {
          throw new LadingError(
            'unreachable',
            `The connection to ${session.registry} kept dropping while downloading ${what}.`,
            {
              hint: 'Check the network and try again.',
              cause: e,
            },
          );
        }
        await sleep(session.transport.backoffMs(resumes), opts.signal);
        current = await fetchFrom(delivered);
        continue;
      }
      if (delivered < descriptor.size) {
        // The body ended early without an error: treat like a drop and resume.
        if (++resumes > maxResumes) {
          throw new LadingError(
            'protocol-error',
            `${what} ended after ${delivered} of ${descriptor.size} bytes.`,
          );
        }
        current = await fetchFrom(delivered);
        continue;
      }
      if (verify) {
        const actual = digester.digest();
        if (actual !== descriptor.digest) throw digestMismatch(what, descriptor.digest, actual);
      }
      return;
    }
  }

  return Readable.from(generate(), { objectMode: false });
}

/** Reads a whole (small) blob into memory, verified and bounded by `maxBytes`. */
export async function readBlob(
  session: RegistrySession,
  repository: RepositoryName,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  maxBytes: number,
  opts: CallOptions = {},
): Promise<Buffer> {
  if (descriptor.size > maxBytes) {
    throw new LadingError(
      'too-large',
      `blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${maxBytes}-byte limit for this read.`,
    );
  }
  const stream = await openBlob(session, repository, descriptor, opts);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
