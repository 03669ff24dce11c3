/**
 * A loopback front for a real docker-registry that adds the OCI 1.1 referrers API distribution 2.8 lacks:
 * manifests PUT through it with a `subject` are remembered (and answered with `OCI-Subject`), and
 * `GET /v2/<name>/referrers/<digest>` lists them, `pageSize` at a time with `Link` paging, honouring
 * `artifactType` (with `OCI-Filters-Applied`). Everything else is passed through untouched.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './exec';

interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersFront {
  url: string;
  host: string;
  /** Referrers per subject, as the front will list them. */
  referrers: Map<string, Entry[]>;
  /** Entries per page (default 2, so paging is exercised). */
  pageSize: number;
  /** Requests to the referrers route, for assertions. */
  referrerRequests: string[];
  /** When set, every page's Link points here instead (a hostile or broken registry). */
  nextLinkOverride?: string;
  stop(): Promise<void>;
}

export async function startReferrersFront(target: string): Promise<ReferrersFront> {
  const upstream = new URL(target);
  const front: ReferrersFront = {
    url: '',
    host: '',
    referrers: new Map(),
    pageSize: 2,
    referrerRequests: [],
    stop: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const m = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      front.referrerRequests.push(url.pathname + url.search);
      const type = url.searchParams.get('artifactType');
      const all = (front.referrers.get(m[2] as string) ?? []).filter((e) => !type || e.artifactType === type);
      const start = Number(url.searchParams.get('last') ?? 0);
      const page = all.slice(start, start + front.pageSize);
      const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
      if (type) headers['oci-filters-applied'] = 'artifactType';
      if (start + front.pageSize < all.length) {
        const next = new URLSearchParams(url.searchParams);
        next.set('last', String(start + front.pageSize));
        headers.link = `<${front.nextLinkOverride ?? `${url.pathname}?${next}`}>; rel="next"`;
      }
      res.writeHead(200, headers);
      res.end(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: page,
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const subject =
        req.method === 'PUT' && /\/manifests\//.test(url.pathname) ? subjectOf(body) : undefined;
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (ur) => {
          const headers = { ...ur.headers };
          if (subject && ur.statusCode === 201) {
            remember(front, subject, body);
            headers['oci-subject'] = subject.digest;
          }
          res.writeHead(ur.statusCode ?? 502, headers);
          ur.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  front.host = `127.0.0.1:${port}`;
  front.url = `http://${front.host}`;
  front.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  onCleanup(() => front.stop());
  return front;
}

function subjectOf(body: Buffer): { digest: string } | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { subject?: { digest?: string } };
    return typeof doc.subject?.digest === 'string' ? { digest: doc.subject.digest } : undefined;
  } catch {
    return undefined;
  }
}

function remember(front: ReferrersFront, subject: { digest: string }, body: Buffer): void {
  const doc = JSON.parse(body.toString('utf8')) as {
    mediaType?: string;
    artifactType?: string;
    config?: { mediaType?: string };
    annotations?: Record<string, string>;
  };
  const entry: Entry = {
    mediaType: doc.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    size: body.length,
    artifactType: doc.artifactType ?? doc.config?.mediaType,
  };
  if (doc.annotations) entry.annotations = doc.annotations;
  const list = front.referrers.get(subject.digest) ?? [];
  if (!list.some((e) => e.digest === entry.digest)) list.push(entry);
  front.referrers.set(subject.digest, list);
}
