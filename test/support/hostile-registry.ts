/**
 * A loopback "registry" that misbehaves on purpose, one misbehaviour per repository, so the hardening tests
 * can show the client refuses bad data within bounded time and memory. It speaks just enough of the OCI
 * Distribution API (manifests, blobs, tags, catalog, a token endpoint) to get a client to the point where
 * the misbehaviour matters. Everything that could be huge (tag lists, endless bodies, gzip bombs) is
 * generated on the fly with backpressure, never held in memory.
 *
 * A second loopback server plays "another host": redirect target and token realm. It records every request
 * it gets, with its Authorization header, so tests can prove credentials never followed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { Agent } from 'undici';
import { sha256 } from './digest';
import { run } from './exec';
import { layerTar } from './images';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** One repository per misbehaviour. Unless said otherwise a repository serves the good image as `latest`. */
export const HOSTILE = {
  /** Behaves: the reference image (manifest, config, one layer). */
  good: 'hostile/good',
  /** `latest` and the good manifest's digest answer a tampered manifest labelled with the good digest. */
  manifestMismatch: 'hostile/manifest-mismatch',
  /** Good manifest; the layer blob's bytes (same length) do not hash to its digest. */
  blobMismatch: 'hostile/blob-mismatch',
  /** Good manifest; the config blob does not hash to its digest. */
  configMismatch: 'hostile/config-mismatch',
  /** Tag `declared`: a 5 MiB manifest with Content-Length; tag `chunked`: the same without a length. */
  hugeManifest: 'hostile/huge-manifest',
  /** tags/list streams millions of tags in one response (never held in memory). */
  manyTags: 'hostile/many-tags',
  /** tags/list pages whose `Link: rel="next"` leads back to pages already seen. */
  linkLoop: 'hostile/link-loop',
  /** Manifests and blobs redirect a → b → a. */
  redirectLoop: 'hostile/redirect-loop',
  /** Manifests and blobs redirect to /chain/1, /chain/2, ... without end (no URL repeats). */
  redirectChain: 'hostile/redirect-chain',
  /** Blobs redirect (307) to the other host, which serves the right bytes and records Authorization. */
  redirectOtherHost: 'hostile/redirect-other-host',
  /** Manifest, blobs and tags/list answer 200 and never stop sending. */
  endless: 'hostile/endless',
  /** Manifest, blobs and tags/list answer 200 with an HTML page (a captive portal / web server). */
  html: 'hostile/html',
  /** Everything answers 502 with an HTML page. */
  htmlError: 'hostile/html-error',
  /** A manifest whose only layer is a valid gzip (right digest) that inflates to `gzipBombBytes`. */
  gzipBomb: 'hostile/gzip-bomb',
} as const;

export type HostileRepository = (typeof HOSTILE)[keyof typeof HOSTILE];

/**
 * How the registry authenticates:
 * - none: open;
 * - basic: `WWW-Authenticate: Basic`, the configured user/password required everywhere;
 * - bearer-cross-host: the token realm is on the other host (which issues tokens and records Authorization);
 * - bearer-plain-http: the token realm is plain HTTP (on the other host's port) while the registry may be HTTPS;
 * - challenge-loop: a same-host realm issues tokens, but every request is answered 401 with a fresh challenge;
 * - token-html: a same-host realm that answers an HTML page instead of a token.
 */
export type HostileAuth =
  | 'none'
  | 'basic'
  | 'bearer-cross-host'
  | 'bearer-plain-http'
  | 'challenge-loop'
  | 'token-html';

export interface HostileRegistryOptions {
  auth?: HostileAuth;
  /** For `basic` (and accepted by the token realms): the credentials the registry wants. */
  username?: string;
  password?: string;
  /**
   * Serve HTTPS with a throwaway CA. Use `dispatcher` (trusts the CA) to reach it. With `hostnames`, the
   * servers are named `registry.hostile.test` / `auth.elsewhere.test` (another site): not loopback names, so the
   * client applies the rules it uses for real remote registries; `dispatcher` resolves them to loopback.
   */
  tls?: boolean;
  /** Or names of one's own (plain HTTP only: the test CA does not cover them), resolved to loopback too. */
  hostnames?: boolean | { registry: string; other: string };
  /** Whether the other host speaks TLS (default: same as `tls`, except plain HTTP for `bearer-plain-http`). */
  otherTls?: boolean;
  /** Entries in the `many-tags` list (default 3,000,000, about 36 MB of JSON). */
  manyTagsCount?: number;
  /** Uncompressed size of the gzip-bomb layer (default 2 GiB; about 2 MB compressed). */
  gzipBombBytes?: number;
  /** An endless body is cut (socket destroyed) after this many bytes, so a broken client still ends (default 2 GiB). */
  endlessCapBytes?: number;
  /** How `/v2/_catalog` behaves (default: a normal list of the hostile repositories). */
  catalog?: 'normal' | 'link-loop' | 'millions' | 'html' | 'endless';
}

export interface HostileRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  authorization?: string;
}

export interface OtherHost {
  url: string;
  host: string;
  /** Every request the other host received, with its Authorization header if any. */
  requests: HostileRequest[];
}

/** The valid image the hostile registry serves where it is not misbehaving. */
export interface HostileImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  layer: Buffer;
  layerDigest: string;
}

export interface HostileRegistry {
  /** 'http(s)://HOST:PORT' */
  url: string;
  /** 'HOST:PORT' (what a user would type as the registry) */
  host: string;
  /** The credentials `basic` wants (the token realms accept any). */
  username: string;
  password: string;
  other: OtherHost;
  requests: HostileRequest[];
  image: HostileImage;
  /** The digest of the gzip-bomb layer and its manifest. */
  bomb: { manifestDigest: string; layerDigest: string; uncompressedBytes: number };
  /** Text that appears in every HTML page served; it must never reach an error message. */
  htmlMarker: string;
  /** PEM of the CA that signed the TLS certificate (tls only). */
  ca?: string;
  /** An undici dispatcher that trusts `ca` and resolves `*.test` names to loopback. */
  dispatcher: Agent;
  stop(): Promise<void>;
}

const HTML_MARKER = 'hostile-html-marker-7f3a';
const HTML_PAGE = `<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>${HTML_MARKER}</h1><p>This is a web server, not a registry.</p><script>alert(1)</script></body></html>`;

/** The 512-byte tar header of one regular file of `size` bytes. */
async function tarHeader(name: string, size: number): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise<Buffer>((resolve) => {
    tar.on('data', (c: unknown) => {
      if (!Buffer.isBuffer(c)) return;
      chunks.push(c);
      total += c.length;
      if (total >= 512) {
        resolve(Buffer.concat(chunks).subarray(0, 512));
        tar.destroy();
      }
    });
    tar.on('error', () => {});
    tar.entry({ name, size, mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') });
  });
}

function imageManifest(
  config: Buffer,
  layers: Array<{ data?: Buffer; digest: string; size: number }>,
  extra = {},
) {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
      ...extra,
    }),
  );
}

function imageConfig(diffIds: string[], labels: Record<string, string> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: labels },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'hostile-registry' }],
    }),
  );
}

async function buildGoodImage(): Promise<HostileImage> {
  const tar = await layerTar(
    { 'hello.txt': 'hello from the hostile registry\n' },
    new Date('2024-01-01T00:00:00Z'),
  );
  const layer = gzipSync(tar);
  const config = imageConfig([sha256(tar)], { 'org.example.fixture': 'hostile' });
  const manifest = imageManifest(config, [{ digest: sha256(layer), size: layer.length }]);
  return {
    manifest,
    manifestDigest: sha256(manifest),
    config,
    configDigest: sha256(config),
    layer,
    layerDigest: sha256(layer),
  };
}

/**
 * A gzip stream (several members; any gunzip reads them as one) of a tar holding one file of zeros, so a tar
 * reader sees a valid entry it must inflate to get past. Members of 16 MiB of zeros compress about 1000:1.
 */
export async function buildGzipBomb(uncompressedBytes: number): Promise<{ blob: Buffer; digest: string }> {
  const member = 16 * 1024 * 1024;
  const count = Math.max(1, Math.ceil(uncompressedBytes / member));
  const zeros = gzipSync(Buffer.alloc(member), { level: 9 });
  const header = gzipSync(await tarHeader('bomb.bin', count * member));
  const blob = Buffer.concat([header, ...Array.from({ length: count }, () => zeros)]);
  return { blob, digest: sha256(blob) };
}

async function makeCertificate(): Promise<{ key: string; cert: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lading-hostile-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=hostile.test',
    '-addext',
    'subjectAltName=DNS:registry.hostile.test,DNS:auth.elsewhere.test,DNS:localhost,IP:127.0.0.1,IP:127.0.0.2',
  ]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), dir };
}

/** Writes `chunk` repeatedly with backpressure until the client goes away or `cap` bytes were sent. */
async function writeForever(res: ServerResponse, chunk: Buffer, cap: number): Promise<void> {
  let sent = 0;
  while (!res.destroyed && sent < cap) {
    sent += chunk.length;
    if (!res.write(chunk)) await drainOrClose(res);
  }
  res.destroy();
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Streams `{"name":…,"tags":["t-0000000",…]}` with `count` entries, 10,000 per write. */
async function writeManyTags(res: ServerResponse, name: string, count: number, key = 'tags'): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(`{"name":${JSON.stringify(name)},"${key}":[`);
  const batch = 10_000;
  for (let start = 0; start < count && !res.destroyed; start += batch) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      parts.push(`${i === 0 ? '' : ','}"t-${String(i).padStart(7, '0')}"`);
    }
    if (!res.write(parts.join(''))) await drainOrClose(res);
  }
  if (!res.destroyed) res.end(']}');
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ code, message }] });
}

function sendHtml(res: ServerResponse, status: number): void {
  const body = Buffer.from(HTML_PAGE);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

function sendBytes(
  res: ServerResponse,
  method: string,
  body: Buffer,
  headers: Record<string, string>,
  length = body.length,
): void {
  res.writeHead(200, { ...headers, 'content-length': length });
  if (method === 'HEAD') res.end();
  else res.end(body);
}

interface Listening {
  server: Server;
  port: number;
  sockets: Set<Socket>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  address: string,
  tls?: { key: string; cert: string },
): Promise<Listening> {
  const server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler)
    : createHttpServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

export async function startHostileRegistry(opts: HostileRegistryOptions = {}): Promise<HostileRegistry> {
  const auth = opts.auth ?? 'none';
  const username = opts.username ?? 'hostile-user';
  const password = opts.password ?? `hostile-pw-${randomBytes(6).toString('hex')}`;
  const manyTagsCount = opts.manyTagsCount ?? 3_000_000;
  const endlessCap = opts.endlessCapBytes ?? 2 * 1024 ** 3;
  const catalogMode = opts.catalog ?? 'normal';
  const otherTls = opts.otherTls ?? (auth === 'bearer-plain-http' ? false : !!opts.tls);
  const tlsMaterial = opts.tls || otherTls ? await makeCertificate() : undefined;

  const image = await buildGoodImage();
  const bombBytes = opts.gzipBombBytes ?? 2 * 1024 ** 3;
  const bomb = await buildGzipBomb(bombBytes);
  const bombConfig = imageConfig([sha256('not the real diff id of the bomb')]);
  const bombManifest = imageManifest(bombConfig, [{ digest: bomb.digest, size: bomb.blob.length }]);
  const tamperedManifest = imageManifest(
    image.config,
    [{ digest: image.layerDigest, size: image.layer.length }],
    {
      annotations: { 'org.example.tampered': 'yes' },
    },
  );
  const tamperedLayer = Buffer.from(image.layer);
  for (let i = 20; i < tamperedLayer.length; i++) tamperedLayer[i] = (tamperedLayer[i] ?? 0) ^ 0xff;
  const tamperedConfig = Buffer.from(image.config.toString('utf8').replace('"hostile"', '"evil!!!"'));
  const hugePad = 'x'.repeat(5 * 1024 * 1024);
  const hugeManifest = imageManifest(
    image.config,
    [{ digest: image.layerDigest, size: image.layer.length }],
    {
      annotations: { pad: hugePad },
    },
  );
  const hugeManifestDigest = sha256(hugeManifest);

  const requests: HostileRequest[] = [];
  const otherRequests: HostileRequest[] = [];
  const tokens = new Set<string>();
  const names =
    typeof opts.hostnames === 'object'
      ? opts.hostnames
      : opts.hostnames
        ? { registry: 'registry.hostile.test', other: 'auth.elsewhere.test' }
        : { registry: '127.0.0.1', other: auth === 'bearer-plain-http' ? '127.0.0.1' : '127.0.0.2' };
  let registryBase = '';
  let otherBase = '';

  function issueToken(res: ServerResponse) {
    const token = `hostile-token-${randomBytes(8).toString('hex')}`;
    tokens.add(token);
    sendJson(res, 200, { token, expires_in: 300 });
  }

  function challenge(): string | undefined {
    switch (auth) {
      case 'basic':
        return 'Basic realm="hostile"';
      case 'bearer-cross-host':
      case 'bearer-plain-http':
        return `Bearer realm="${otherBase}/token",service="hostile"`;
      case 'challenge-loop':
      case 'token-html':
        return `Bearer realm="${registryBase}/token",service="hostile"`;
      default:
        return undefined;
    }
  }

  /** True when the request may proceed; otherwise a 401 with the challenge has been sent. */
  function authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const given = req.headers.authorization;
    let ok: boolean;
    if (auth === 'none') ok = true;
    else if (auth === 'basic')
      ok = given === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    else if (auth === 'challenge-loop') ok = false;
    else ok = !!given?.startsWith('Bearer ') && tokens.has(given.slice(7));
    if (ok) return true;
    const headers: Record<string, string> = {};
    const ch = challenge();
    if (ch) headers['www-authenticate'] = ch;
    sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, headers);
    return false;
  }

  function serveManifest(
    res: ServerResponse,
    method: string,
    body: Buffer,
    digest: string,
    chunked = false,
  ): void {
    const headers = { 'content-type': OCI_MANIFEST, 'docker-content-digest': digest };
    if (chunked) {
      res.writeHead(200, headers);
      if (method === 'HEAD') return void res.end();
      // Several writes so the client sees a streamed body without a length.
      for (let i = 0; i < body.length; i += 256 * 1024) res.write(body.subarray(i, i + 256 * 1024));
      res.end();
      return;
    }
    sendBytes(res, method, body, headers);
  }

  function manifestRoute(repo: string, ref: string, method: string, res: ServerResponse) {
    const known = (digest: string, tags: string[]) => tags.includes(ref) || ref === digest;
    switch (repo) {
      case HOSTILE.manifestMismatch:
        if (known(image.manifestDigest, ['latest']))
          return serveManifest(res, method, tamperedManifest, image.manifestDigest);
        break;
      case HOSTILE.hugeManifest:
        if (known(hugeManifestDigest, ['declared']))
          return serveManifest(res, method, hugeManifest, hugeManifestDigest);
        if (ref === 'chunked') return serveManifest(res, method, hugeManifest, hugeManifestDigest, true);
        break;
      case HOSTILE.endless:
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': image.manifestDigest });
        if (method === 'HEAD') return void res.end();
        res.write('{"schemaVersion":2,"annotations":{"a":"');
        void writeForever(res, Buffer.alloc(64 * 1024, 'a'), endlessCap);
        return;
      case HOSTILE.gzipBomb:
        if (known(sha256(bombManifest), ['latest']))
          return serveManifest(res, method, bombManifest, sha256(bombManifest));
        break;
      default:
        if (known(image.manifestDigest, ['latest']))
          return serveManifest(res, method, image.manifest, image.manifestDigest);
    }
    sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest unknown: ${repo}:${ref}`);
  }

  function blobRoute(repo: string, digest: string, method: string, res: ServerResponse) {
    const headers = (d: string) => ({
      'content-type': 'application/octet-stream',
      'docker-content-digest': d,
    });
    if (repo === HOSTILE.endless) {
      res.writeHead(200, headers(digest));
      if (method === 'HEAD') return void res.end();
      void writeForever(res, Buffer.alloc(64 * 1024, 7), endlessCap);
      return;
    }
    if (repo === HOSTILE.redirectOtherHost && method === 'GET') {
      res.writeHead(307, { location: `${otherBase}/blobs/${digest}?signature=abc` });
      return void res.end();
    }
    if (repo === HOSTILE.gzipBomb) {
      if (digest === bomb.digest) return sendBytes(res, method, bomb.blob, headers(digest));
      if (digest === sha256(bombConfig)) return sendBytes(res, method, bombConfig, headers(digest));
    }
    if (digest === image.layerDigest) {
      const body = repo === HOSTILE.blobMismatch ? tamperedLayer : image.layer;
      return sendBytes(res, method, body, headers(digest));
    }
    if (digest === image.configDigest) {
      const body = repo === HOSTILE.configMismatch ? tamperedConfig : image.config;
      return sendBytes(res, method, body, headers(digest));
    }
    sendError(res, 404, 'BLOB_UNKNOWN', `blob unknown: ${digest}`);
  }

  function tagsRoute(repo: string, url: URL, res: ServerResponse) {
    if (repo === HOSTILE.manyTags) return void writeManyTags(res, repo, manyTagsCount);
    if (repo === HOSTILE.endless) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"name":"${repo}","tags":["a"`);
      void writeForever(res, Buffer.from(',"endless-tag"'.repeat(4096)), endlessCap);
      return;
    }
    if (repo === HOSTILE.linkLoop) {
      // Page 1 (no `last`) links to page 2; page 2 links back to page 1 and to itself on alternate calls,
      // so the sequence of URLs never ends unless the client notices a page it has already seen.
      const last = url.searchParams.get('last');
      if (!last) {
        return sendJson(
          res,
          200,
          { name: repo, tags: ['a', 'b'] },
          { link: `</v2/${repo}/tags/list?last=b>; rel="next"` },
        );
      }
      return sendJson(
        res,
        200,
        { name: repo, tags: ['c', 'd'] },
        { link: `</v2/${repo}/tags/list>; rel="next"` },
      );
    }
    sendJson(res, 200, { name: repo, tags: ['latest'] });
  }

  function catalogRoute(url: URL, res: ServerResponse) {
    switch (catalogMode) {
      case 'link-loop':
        if (!url.searchParams.get('last'))
          return sendJson(
            res,
            200,
            { repositories: ['hostile/a', 'hostile/b'] },
            { link: '</v2/_catalog?last=hostile/b>; rel="next"' },
          );
        return sendJson(res, 200, { repositories: ['hostile/c'] }, { link: '</v2/_catalog>; rel="next"' });
      case 'millions':
        return void writeManyTags(res, 'catalog', manyTagsCount, 'repositories');
      case 'html':
        return sendHtml(res, 200);
      case 'endless':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"repositories":["a"');
        void writeForever(res, Buffer.from(',"endless/repo"'.repeat(4096)), endlessCap);
        return;
      default:
        return sendJson(res, 200, { repositories: Object.values(HOSTILE).sort() });
    }
  }

  function handleRegistry(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    requests.push({ method, path, authorization: req.headers.authorization });
    req.resume();
    const url = new URL(path, 'http://x');
    const p = url.pathname;

    if (p === '/token' && (auth === 'challenge-loop' || auth === 'token-html')) {
      if (auth === 'token-html') return sendHtml(res, 200);
      return issueToken(res);
    }
    const redirect = /^\/redirect\/(a|b|chain\/\d+)$/.exec(p);
    if (redirect) {
      const where = redirect[1]!;
      const next =
        where === 'a'
          ? '/redirect/b'
          : where === 'b'
            ? '/redirect/a'
            : `/redirect/chain/${Number(where.slice(6)) + 1}`;
      res.writeHead(302, { location: next });
      return void res.end();
    }
    if (!p.startsWith('/v2/')) return sendError(res, 404, 'NOT_FOUND', 'not found');
    if (!authorized(req, res)) return;
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    if (p === '/v2/') return sendJson(res, 200, {});
    if (p === '/v2/_catalog') return catalogRoute(url, res);

    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(p);
    if (!m) return sendError(res, 404, 'NOT_FOUND', 'not found');
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (!(Object.values(HOSTILE) as string[]).includes(repo))
      return sendError(res, 404, 'NAME_UNKNOWN', `repository ${repo} not known`);
    if (repo === HOSTILE.htmlError) return sendHtml(res, 502);
    if (repo === HOSTILE.html) return sendHtml(res, 200);
    if (method !== 'GET' && method !== 'HEAD')
      return sendError(res, 405, 'UNSUPPORTED', 'this registry is read-only');
    if (kind !== 'tags' && (repo === HOSTILE.redirectLoop || repo === HOSTILE.redirectChain)) {
      res.writeHead(302, { location: repo === HOSTILE.redirectLoop ? '/redirect/a' : '/redirect/chain/1' });
      return void res.end();
    }
    if (kind === 'manifests') return manifestRoute(repo, decodeURIComponent(ref), method, res);
    if (kind === 'blobs') return blobRoute(repo, decodeURIComponent(ref), method, res);
    if (kind === 'tags' && ref === 'list') return tagsRoute(repo, url, res);
    sendError(res, 404, 'NOT_FOUND', 'not found');
  }

  function handleOther(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    otherRequests.push({ method, path, authorization: req.headers.authorization });
    req.resume();
    const url = new URL(path, 'http://x');
    if (url.pathname === '/token') return issueToken(res);
    const blob = /^\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (blob && blob[1] === image.layerDigest) return sendBytes(res, method, image.layer, {});
    if (blob && blob[1] === image.configDigest) return sendBytes(res, method, image.config, {});
    sendError(res, 404, 'NOT_FOUND', 'not found');
  }

  const guard =
    (h: (req: IncomingMessage, res: ServerResponse) => void) =>
    (req: IncomingMessage, res: ServerResponse) => {
      try {
        h(req, res);
      } catch {
        res.destroy();
      }
    };
  const registry = await listen(guard(handleRegistry), '127.0.0.1', opts.tls ? tlsMaterial : undefined);
  // Without host names the other host is another loopback address; with them (or for the plain-HTTP realm,
  // which reuses the registry's name) it is another port, which is another host all the same.
  const otherAddress = opts.hostnames || auth === 'bearer-plain-http' ? '127.0.0.1' : '127.0.0.2';
  const other = await listen(guard(handleOther), otherAddress, otherTls ? tlsMaterial : undefined);
  const host = `${names.registry}:${registry.port}`;
  const otherHost = `${names.other}:${other.port}`;
  registryBase = `${opts.tls ? 'https' : 'http'}://${host}`;
  // The plain-HTTP realm keeps the registry's host name so only the scheme (and port) differ.
  otherBase =
    auth === 'bearer-plain-http'
      ? `http://${names.registry}:${other.port}`
      : `${otherTls ? 'https' : 'http'}://${otherHost}`;

  const dispatcher = new Agent({
    connect: {
      ca: tlsMaterial?.cert,
      // `*.test` names are ones the client treats as remote; they all live on loopback.
      lookup: (hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
        const named = hostname.endsWith('.test') || hostname === names.registry || hostname === names.other;
        const address = named ? '127.0.0.1' : hostname;
        if (options?.all) cb(null, [{ address, family: 4 }]);
        else cb(null, address, 4);
      },
    } as Agent.Options['connect'],
  });

  return {
    url: registryBase,
    host,
    username,
    password,
    other: { url: otherBase, host: new URL(otherBase).host, requests: otherRequests },
    requests,
    image,
    bomb: { manifestDigest: sha256(bombManifest), layerDigest: bomb.digest, uncompressedBytes: bombBytes },
    htmlMarker: HTML_MARKER,
    ca: tlsMaterial?.cert,
    dispatcher,
    async stop() {
      for (const l of [registry, other]) {
        for (const s of l.sockets) s.destroy();
        await new Promise<void>((resolve) => l.server.close(() => resolve()));
      }
      await dispatcher.close().catch(() => {});
      if (tlsMaterial) await rm(tlsMaterial.dir, { recursive: true, force: true });
    },
  };
}
