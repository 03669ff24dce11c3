/**
 * A loopback front for the real test `docker-registry` (token mode) that behaves like ghcr.io where ghcr
 * differs from distribution:
 *
 * - `GET /v2/_catalog` → 404 UNSUPPORTED (ghcr has no catalog; the REST API lists packages);
 * - manifest `DELETE` → `405 {"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`;
 * - `GET /v2/<name>/referrers/<digest>` → 404 MANIFEST_UNKNOWN (clients fall back to `sha256-…` tags);
 * - every manifest PUT becomes a package version in the GitHub stand-in (tags move between versions as on
 *   ghcr), and deleting / restoring a version through the API deletes / re-puts the manifest in the
 *   backing registry, so the registry and the API always agree.
 *
 * Everything else (token auth, pulls, uploads) is forwarded unchanged to the real registry.
 */
import { createHash } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type GitHubStandIn,
  type StandInOwner,
  type StandInPackageSeed,
  type StandInVersion,
  startGitHubStandIn,
} from './github-standin';
import { authorizationFor, startRegistry, type TestRegistry } from './registry';

export interface GhcrLikeFront {
  /** '127.0.0.1:PORT': use as the registry host of a ghcr-kind connection (insecure: plain HTTP). */
  host: string;
  url: string;
  /** The registry with `host`/`url` pointing at the front, for test helpers such as pushImage(). */
  registry: TestRegistry;
  faults: FrontFaults;
  stop(): Promise<void>;
}

/** Faults a test can switch on in the front (all off by default). */
export interface FrontFaults {
  /**
   * A manifest PUT: `refuse` answers 500 without storing it; `lose-answer` stores it, then answers 500 (the
   * client cannot tell whether the push happened).
   */
  manifestPut?: (repository: string, reference: string) => 'refuse' | 'lose-answer' | undefined;
  /** A manifest GET answered with a body that is not JSON (an index Lading cannot parse). */
  garbleManifest?: (repository: string, reference: string) => boolean;
}

const MANIFEST_RE = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const REFERRERS_RE = /^\/v2\/(.+)\/referrers\/([^/]+)$/;
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function errorJson(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startGhcrLikeFront(opts: {
  registry: TestRegistry;
  standIn: GitHubStandIn;
}): Promise<GhcrLikeFront> {
  const target = new URL(opts.registry.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  /** `repository@digest` → manifest bytes and media type, saved when a version is deleted. */
  const deleted = new Map<string, { bytes: Buffer; mediaType: string }>();
  const faults: FrontFaults = {};

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    body?: Buffer,
    onDone?: (status: number, headers: IncomingMessage['headers']) => void,
    loseAnswer = false,
  ): void {
    // The Host header stays the front's, so the registry's absolute Locations point back at the front.
    const upstream = request({
      agent,
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    upstream.on('response', (up) => {
      onDone?.(up.statusCode ?? 0, up.headers);
      if (loseAnswer) {
        up.resume();
        return errorJson(res, 500, 'UNKNOWN', 'ghcr-like front: answer lost (test fault)');
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) errorJson(res, 502, 'UNAVAILABLE', 'ghcr-like front: upstream error');
      else res.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path === '/v2/_catalog') {
      req.resume();
      return errorJson(res, 404, 'UNSUPPORTED', 'The operation is unsupported.');
    }
    if (REFERRERS_RE.test(path)) {
      req.resume();
      return errorJson(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    }
    const manifest = MANIFEST_RE.exec(path);
    if (manifest && req.method === 'DELETE') {
      req.resume();
      return errorJson(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
    }
    if (manifest && req.method === 'GET') {
      const [, repository, reference] = manifest as unknown as [string, string, string];
      if (faults.garbleManifest?.(repository, reference)) {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
        return res.end('{"schemaVersion": 2, "manifests": [');
      }
    }
    if (manifest && req.method === 'PUT') {
      const [, repository, reference] = manifest as unknown as [string, string, string];
      const fault = faults.manifestPut?.(repository, reference);
      if (fault === 'refuse') {
        req.resume();
        return errorJson(res, 500, 'UNKNOWN', 'ghcr-like front: manifest PUT refused (test fault)');
      }
      void readBody(req).then((body) =>
        forward(
          req,
          res,
          body,
          (status, headers) => {
            if (status !== 201) return;
            const digest =
              (headers['docker-content-digest'] as string | undefined) ??
              `sha256:${createHash('sha256').update(body).digest('hex')}`;
            let children: string[] = [];
            try {
              const doc = JSON.parse(body.toString('utf8')) as { manifests?: Array<{ digest: string }> };
              children = (doc.manifests ?? []).map((m) => m.digest);
            } catch {
              // not JSON: the registry would have refused it
            }
            opts.standIn.recordPush(repository, reference, digest, children);
          },
          fault === 'lose-answer',
        ),
      );
      return;
    }
    forward(req, res);
  });

  async function registryFetch(
    path: string,
    repository: string,
    actions: string[],
    init: RequestInit = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    const auth = authorizationFor(opts.registry, [{ type: 'repository', name: repository, actions }]);
    if (auth) headers.set('authorization', auth);
    return fetch(`${opts.registry.url}${path}`, { ...init, headers });
  }

  opts.standIn.linkRegistry({
    async versionDeleted(repository: string, version: StandInVersion) {
      const got = await registryFetch(`/v2/${repository}/manifests/${version.digest}`, repository, ['pull'], {
        headers: { accept: ACCEPT },
      });
      if (got.status === 200) {
        deleted.set(`${repository}@${version.digest}`, {
          bytes: Buffer.from(await got.arrayBuffer()),
          mediaType: got.headers.get('content-type') ?? 'application/vnd.oci.image.manifest.v1+json',
        });
      } else {
        await got.arrayBuffer();
      }
      const del = await registryFetch(
        `/v2/${repository}/manifests/${version.digest}`,
        repository,
        ['pull', 'delete'],
        { method: 'DELETE' },
      );
      await del.arrayBuffer();
      if (del.status !== 202 && del.status !== 404)
        throw new Error(`ghcr-like front: deleting ${repository}@${version.digest} → ${del.status}`);
    },
    async versionRestored(repository: string, version: StandInVersion) {
      const saved = deleted.get(`${repository}@${version.digest}`);
      if (!saved) return;
      for (const reference of [version.digest, ...version.tags]) {
        const put = await registryFetch(
          `/v2/${repository}/manifests/${reference}`,
          repository,
          ['pull', 'push'],
          {
            method: 'PUT',
            headers: { 'content-type': saved.mediaType },
            body: new Uint8Array(saved.bytes),
          },
        );
        await put.arrayBuffer();
        if (put.status !== 201)
          throw new Error(`ghcr-like front: restoring ${repository}:${reference} → ${put.status}`);
      }
      deleted.delete(`${repository}@${version.digest}`);
    },
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  return {
    host,
    url,
    registry: { ...opts.registry, host, url },
    faults,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

export interface GhcrLikeWorld {
  registry: TestRegistry;
  standIn: GitHubStandIn;
  front: GhcrLikeFront;
  /** One login for both sides, like a real PAT: the registry user, whose password is also a GitHub token
   *  with every package scope (login = the registry username, member of every organization). */
  username: string;
  token: string;
  /** A ConnectionInput for `connections.save` (kind ghcr, the front as registry, the stand-in as API). */
  connectionInput: {
    name: string;
    kind: 'ghcr';
    registry: string;
    insecure: boolean;
    username: string;
    secret: string;
    owner: string;
    ownerType: 'org';
    githubApiUrl: string;
  };
  stop(): Promise<void>;
}

/**
 * Everything a GitHub test or e2e needs in one call: a token-auth docker-registry, the GitHub stand-in and
 * the ghcr-like front, with one login that works for both the registry and the API. Push images with
 * `pushImage(world.front.registry, image, 'acme/app:1.0')`; they appear as package versions (new packages
 * are private; `world.standIn.setVisibility('acme', 'app', 'public')` to change that).
 */
export async function startGhcrLikeWorld(
  opts: {
    owner?: string;
    owners?: StandInOwner[];
    packages?: StandInPackageSeed[];
    anonymousPull?: string[];
  } = {},
): Promise<GhcrLikeWorld> {
  const owner = opts.owner ?? 'acme';
  const registry = await startRegistry({ mode: 'token', anonymousPull: opts.anonymousPull });
  const user = registry.user as { username: string; password: string };
  const standIn = await startGitHubStandIn({
    owners: [{ login: owner, type: 'Organization' }, ...(opts.owners ?? [])],
    packages: opts.packages,
    registry,
    tokens: {
      registryUser: {
        login: user.username,
        scopes: ['repo', 'read:packages', 'write:packages', 'delete:packages'],
        value: user.password,
      },
    },
  });
  const front = await startGhcrLikeFront({ registry, standIn });
  return {
    registry,
    standIn,
    front,
    username: user.username,
    token: user.password,
    connectionInput: {
      name: `${owner} (ghcr-like)`,
      kind: 'ghcr',
      registry: front.host,
      insecure: true,
      username: user.username,
      secret: user.password,
      owner,
      ownerType: 'org',
      githubApiUrl: standIn.apiUrl,
    },
    async stop() {
      await front.stop();
      await standIn.stop();
      await registry.stop();
    },
  };
}
