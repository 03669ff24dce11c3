/**
 * A large blob downloaded over several connections at once, as byte ranges, and handed on in order. Over a
 * wide-area link one TCP stream gets a share of the link (a CDN-fronted registry caps each connection), so a
 * pull of one large layer at a time used a quarter of it; `streams` ranges in flight fill it. Memory stays
 * at `streams` × `segmentBytes` whatever the blob's size. The digest is checked over the bytes in order, as
 * openBlob does, and a drop inside a range resumes that range alone.
 */
import { Readable } from 'node:stream';
import { type OpenBlobOptions, openBlob } from './blob-download';
import { algorithmOf, createDigester, digestMismatch } from './digest';
import { LadingError } from './errors';
import { header } from './headers';
import type { Descriptor } from './manifest';
import type { RepositoryName } from './names';
import { operationScope } from './scope';
import { type RegistrySession, v2Path } from './session';
import { abandonBody, isAbortError, isTransientNetworkError, type Response, sleep } from './transport';

/** A response that is not the range asked for: the server does not serve ranges (200) or served another. */
class NoRanges extends Error {}

export async function openBlobRanged(
  session: RegistrySession,
  repository: RepositoryName,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  opts: OpenBlobOptions,
): Promise<Readable> {
  const { size } = descriptor;
  const streams = opts.streams ?? 1;
  const seg = Math.max(64 * 1024, opts.segmentBytes ?? 4 * 1024 * 1024);
  if (opts.offset || streams < 2 || size < 2 * seg) return openBlob(session, repository, descriptor, opts);
  const scopes = [operationScope(repository, 'pull')];
  const what = `blob ${descriptor.digest}`;
  const segments = Math.ceil(size / seg);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const cancelled = () => new LadingError('cancelled', 'The download was cancelled.');

  async function request(from: number, to: number): Promise<Response> {
    const res = await session.send(
      {
        method: 'GET',
        url: v2Path(repository, `blobs/${descriptor.digest}`),
        headers: { range: `bytes=${from}-${to}` },
        signal: stop.signal,
      },
      scopes,
    );
    if (res.status === 206) {
      const cr = header(res.headers, 'content-range');
      const m = cr ? /bytes\s+(\d+)-(\d+)/.exec(cr) : null;
      if (m && Number(m[1]) === from && Number(m[2]) === to) return res;
    } else if (res.status !== 200) {
      throw await session.error(res, scopes, { what: `download ${what}`, notFound: 'blob-unknown' });
    }
    abandonBody(res);
    throw new NoRanges();
  }

  /** One range into its own buffer; a dropped connection resumes where the range got to. */
  async function fetchSegment(i: number, first?: Response): Promise<Buffer> {
    const start = i * seg;
    const end = Math.min(size, start + seg) - 1;
    const buf = Buffer.allocUnsafe(end - start + 1);
    let got = 0;
    let res = first ?? (await request(start, end));
    for (let resumes = 0; ; ) {
      try {
        for await (const piece of res.body) {
          const chunk = piece as Buffer;
          if (got + chunk.length > buf.length) {
            abandonBody(res);
            throw new LadingError(
              'protocol-error',
              `${session.registry} sent more than the range asked of ${what}.`,
            );
          }
          chunk.copy(buf, got);
          got += chunk.length;
        }
        if (got === buf.length) return buf;
      } catch (e) {
        if (e instanceof LadingError) throw e;
        if (isAbortError(e) || stop.signal.aborted) throw cancelled();
        if (
          !isTransientNetworkError(e) &&
          !(e instanceof Error && /terminated|closed|aborted/i.test(e.message))
        )
          throw e;
      }
      if (++resumes > session.retries) {
        throw new LadingError(
          'unreachable',
          `The connection to ${session.registry} kept dropping while downloading ${what}.`,
          {
            hint: 'Check the network and try again.',
          },
        );
      }
      await sleep(session.transport.backoffMs(resumes), stop.signal);
      res = await request(start + got, end);
    }
  }

  // The first range is asked for now, so that 404/401 reject here, and a server without ranges is found out
  // before any byte is handed on: then the blob comes as one stream, as openBlob fetches it.
  let first: Response;
  try {
    first = await request(0, seg - 1);
  } catch (e) {
    opts.signal?.removeEventListener('abort', onAbort);
    if (e instanceof NoRanges) return openBlob(session, repository, descriptor, opts);
    throw e;
  }

  async function* generate(): AsyncGenerator<Buffer> {
    const digester = createDigester(algorithmOf(descriptor.digest));
    const inFlight = new Map<number, Promise<Buffer>>();
    let launched = 0;
    const launch = () => {
      while (launched < segments && inFlight.size < streams) {
        const i = launched++;
        const p = fetchSegment(i, i === 0 ? first : undefined);
        p.catch(() => {}); // awaited in order below
        inFlight.set(i, p);
      }
    };
    let delivered = 0;
    try {
      for (let i = 0; i < segments; i++) {
        launch();
        let buf: Buffer;
        try {
          buf = await (inFlight.get(i) as Promise<Buffer>);
        } catch (e) {
          if (e instanceof NoRanges)
            throw new LadingError(
              'protocol-error',
              `${session.registry} stopped serving byte ranges of ${what}.`,
              {
                hint: 'Try again.',
              },
            );
          throw e;
        }
        inFlight.delete(i);
        digester.hash.update(buf);
        delivered += buf.length;
        opts.onProgress?.(delivered);
        yield buf;
      }
      const actual = digester.digest();
      if (actual !== descriptor.digest) throw digestMismatch(what, descriptor.digest, actual);
    } finally {
      // A consumer that stops early, a failure or a cancel: the other ranges are not wanted.
      stop.abort();
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  return Readable.from(generate(), { objectMode: false });
}
