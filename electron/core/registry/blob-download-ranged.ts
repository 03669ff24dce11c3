/**
 * A large blob downloaded over several connections at once, as byte ranges, and handed on in order. Over a
 * wide-area link one TCP stream gets a share of the link (a CDN-fronted registry caps each connection), so a
 * pull of one large layer at a time used a quarter of it. The blob starts as one stream; when its first
 * PROBE_BYTES arrive slower than FAST_STREAM, the rest comes as `streams` ranges in flight at once (on a
 * local or uncapped link one stream is faster and lighter). Memory stays at `streams` × `segmentBytes`
 * whatever the blob's size; the digest is checked over the bytes in order, as openBlob does; a drop inside a
 * range resumes that range alone.
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

/** Bytes read on one stream before it is judged. */
const PROBE_BYTES = 2 * 1024 * 1024;
/** A stream at least this fast carries the whole blob: ranges pay off only where each connection is capped. */
const FAST_STREAM = 32 * 1024 * 1024;
/** When a client's stream was last judged slow: for a while its next large blobs start as ranges, unprobed. */
const slowLinks = new WeakMap<RegistrySession, number>();
const SLOW_VERDICT_MS = 5 * 60_000;

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

  /**
   * One range, as the pieces the socket gave (no copy: they go on as they are, which keeps them as short-lived
   * as a single stream's); a dropped connection resumes where the range got to.
   */
  async function fetchRange(start: number, end: number, opened?: Response): Promise<Buffer[]> {
    const length = end - start + 1;
    const pieces: Buffer[] = [];
    let got = 0;
    let res = opened ?? (await request(start, end));
    for (let resumes = 0; ; ) {
      try {
        for await (const piece of res.body) {
          const chunk = piece as Buffer;
          if (got + chunk.length > length) {
            abandonBody(res);
            throw new LadingError(
              'protocol-error',
              `${session.registry} sent more than the range asked of ${what}.`,
            );
          }
          pieces.push(chunk);
          got += chunk.length;
        }
        if (got === length) return pieces;
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

  // The whole blob is asked for as one range now, so that 404/401 reject here and a server without ranges
  // (200) is found out before any byte is handed on: that one gets the plain single stream of openBlob.
  const knownSlow =
    performance.now() - (slowLinks.get(session) ?? Number.NEGATIVE_INFINITY) < SLOW_VERDICT_MS;
  let whole: Response;
  try {
    whole = await request(0, knownSlow ? seg - 1 : size - 1);
  } catch (e) {
    opts.signal?.removeEventListener('abort', onAbort);
    if (e instanceof NoRanges) return openBlob(session, repository, descriptor, opts);
    throw e;
  }

  async function* generate(): AsyncGenerator<Buffer> {
    const digester = createDigester(algorithmOf(descriptor.digest));
    let delivered = 0;
    const take = (piece: Buffer) => {
      digester.hash.update(piece);
      delivered += piece.length;
      opts.onProgress?.(delivered);
    };
    try {
      // 1. One stream, timed by the waits on the network alone (not while the consumer holds the bytes):
      //    fast enough, it carries the whole blob, as on a local or uncapped link.
      let waited = 0;
      let decided = false;
      const body = whole.body[Symbol.asyncIterator]();
      try {
        while (!knownSlow && delivered < size) {
          const t = performance.now();
          const r = await body.next();
          waited += performance.now() - t;
          if (r.done) break;
          const piece = r.value as Buffer;
          if (delivered + piece.length > size) {
            abandonBody(whole);
            throw new LadingError(
              'too-large',
              `${what} is larger than the ${size} bytes its descriptor says.`,
            );
          }
          take(piece);
          yield piece;
          if (!decided && delivered >= PROBE_BYTES) {
            decided = true;
            const bytesPerSec = delivered / Math.max(waited / 1000, 1e-3);
            if (bytesPerSec < FAST_STREAM && size - delivered >= 2 * seg) {
              slowLinks.set(session, performance.now());
              abandonBody(whole);
              break;
            }
          }
        }
      } catch (e) {
        if (e instanceof LadingError) throw e;
        if (isAbortError(e) || stop.signal.aborted) throw cancelled();
        if (
          !isTransientNetworkError(e) &&
          !(e instanceof Error && /terminated|closed|aborted/i.test(e.message))
        )
          throw e;
        // A drop: the rest comes as ranges, which resume on their own.
      }

      // 2. The rest as ranges, `streams` at once, handed on in order.
      const from = delivered;
      const segments = Math.ceil((size - from) / seg);
      const inFlight = new Map<number, Promise<Buffer[]>>();
      let launched = 0;
      const launch = () => {
        while (launched < segments && inFlight.size < streams) {
          const i = launched++;
          const start = from + i * seg;
          // A known-slow link asked for its first range already (`whole` is that range).
          const p = fetchRange(
            start,
            Math.min(size, start + seg) - 1,
            knownSlow && i === 0 ? whole : undefined,
          );
          p.catch(() => {}); // awaited in order below
          inFlight.set(i, p);
        }
      };
      for (let i = 0; i < segments; i++) {
        launch();
        let pieces: Buffer[];
        try {
          pieces = await (inFlight.get(i) as Promise<Buffer[]>);
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
        for (const piece of pieces) {
          take(piece);
          yield piece;
        }
      }
      const actual = digester.digest();
      if (actual !== descriptor.digest) throw digestMismatch(what, descriptor.digest, actual);
    } finally {
      // A consumer that stops early, a failure or a cancel: the other ranges are not wanted.
      stop.abort();
      abandonBody(whole);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  return Readable.from(generate(), { objectMode: false });
}
