/**
 * The Docker Engine API over the engine's socket (Docker's or Podman's compatible one), with undici: the
 * API version negotiated from /_ping and /version as the docker CLI does, then the few calls Lading needs
 * (list, inspect, save, load, tag). No docker CLI involved.
 */
import type { Readable } from 'node:stream';
import { LadingError } from '../registry/errors';
import { Agent, type Dispatcher, request } from '../registry/undici-core';
import {
  dockerEndpoint,
  type EndpointEnv,
  type EngineEndpoint,
  type EngineKind,
  endpointLabel,
  engineEndpoints,
  podmanEndpoints,
} from './endpoint';
import {
  engineTooNew,
  engineTooOld,
  imageNotLocal,
  noEngine,
  socketDenied,
  systemCode,
} from './engine-errors';

/** The API versions Lading speaks: 1.40 (Docker 19.03) has every call used here. */
export const MIN_API = '1.40';
export const MAX_API = '1.47';

export interface EngineInfo {
  kind: EngineKind;
  endpoint: EngineEndpoint;
  /** The negotiated API version, e.g. "1.41". */
  apiVersion: string;
  /** The engine's own version ("20.10.24", "5.2.0"). */
  version: string;
  /** The engine's OS and architecture, as a platform (linux/amd64): what it pulls by default. */
  os: string;
  arch: string;
}

function versionParts(v: string): [number, number] {
  const [a, b] = v.split('.').map((n) => Number.parseInt(n, 10));
  return [a ?? 0, b ?? 0];
}

export function compareApi(a: string, b: string): number {
  const [a1, a2] = versionParts(a);
  const [b1, b2] = versionParts(b);
  return a1 - b1 || a2 - b2;
}

interface Answer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

/** The engine's error text: `{"message"}` (Docker) or `{"cause","message"}` (Podman), else the body. */
async function errorText(body: Answer['body']): Promise<string> {
  const text = (await body.text().catch(() => '')).trim();
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {}
  return text.slice(0, 300) || 'no details';
}

export class EngineClient {
  private constructor(
    private readonly agent: Agent,
    readonly info: EngineInfo,
  ) {}

  /** Connects to one endpoint and negotiates the API version. */
  static async connect(endpoint: EngineEndpoint, signal?: AbortSignal): Promise<EngineClient> {
    const agent = new Agent({
      connections: 4,
      keepAliveTimeout: 5_000,
      connect: endpoint.socketPath ? { socketPath: endpoint.socketPath, timeout: 5_000 } : { timeout: 5_000 },
    });
    try {
      const origin = endpoint.origin ?? 'http://localhost';
      const ping = await raw(agent, origin, endpoint, { method: 'GET', path: '/_ping', signal });
      await ping.body.text().catch(() => '');
      const header = ping.headers['api-version'];
      const engineMax = (Array.isArray(header) ? header[0] : header) ?? MIN_API;
      if (compareApi(engineMax, MIN_API) < 0) throw engineTooOld(endpoint, engineMax, MIN_API);
      const apiVersion = compareApi(engineMax, MAX_API) > 0 ? MAX_API : engineMax;
      const v = await raw(agent, origin, endpoint, {
        method: 'GET',
        path: `/v${apiVersion}/version`,
        signal,
      });
      if (v.status !== 200)
        throw new LadingError(
          'protocol-error',
          `The engine's /version answered ${v.status}: ${await errorText(v.body)}.`,
        );
      const version = (await v.body.json()) as {
        Version?: string;
        MinAPIVersion?: string;
        Os?: string;
        Arch?: string;
        Components?: { Name?: string }[];
      };
      if (version.MinAPIVersion && compareApi(version.MinAPIVersion, apiVersion) > 0)
        throw engineTooNew(endpoint, version.MinAPIVersion, MAX_API);
      // Podman's compat /version names a "Podman Engine" component; a Docker context may point at Podman.
      const podman =
        endpoint.kind === 'podman' || !!version.Components?.some((c) => /podman/i.test(c.Name ?? ''));
      return new EngineClient(agent, {
        kind: podman ? 'podman' : 'docker',
        endpoint,
        apiVersion,
        version: version.Version ?? '?',
        os: version.Os ?? 'linux',
        arch: version.Arch ?? 'amd64',
      });
    } catch (e) {
      await agent.close().catch(() => {});
      throw e;
    }
  }

  get label(): string {
    return this.info.kind === 'podman' ? 'Podman' : 'Docker';
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }

  /** One versioned call; a connection failure becomes the engine error that says what to do. */
  async call(
    method: Dispatcher.HttpMethod,
    path: string,
    opts: {
      query?: Record<string, string>;
      body?: Readable;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      /** A save or a load: no timeouts between bytes. */
      long?: boolean;
    } = {},
  ): Promise<Answer> {
    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    return raw(this.agent, this.info.endpoint.origin ?? 'http://localhost', this.info.endpoint, {
      method,
      path: `/v${this.info.apiVersion}${path}${qs}`,
      body: opts.body,
      headers: opts.headers,
      signal: opts.signal,
      // Saves and loads of large images take their time between bytes (the engine compresses or unpacks).
      ...(opts.long
        ? { headersTimeout: 0, bodyTimeout: 0 }
        : { headersTimeout: 60_000, bodyTimeout: 60_000 }),
    });
  }

  /** A JSON call that must answer 200; 404 means the image is not there. */
  async json<T>(
    path: string,
    opts: { query?: Record<string, string>; signal?: AbortSignal; image?: string } = {},
  ): Promise<T> {
    const r = await this.call('GET', path, opts);
    if (r.status === 404 && opts.image) {
      await r.body.text().catch(() => '');
      throw imageNotLocal(opts.image, this.label);
    }
    if (r.status !== 200) throw await this.failure(r, `GET ${path}`);
    return (await r.body.json()) as T;
  }

  /** The error for a non-2xx answer. */
  async failure(r: Answer, what: string): Promise<LadingError> {
    const text = await errorText(r.body);
    return new LadingError(
      r.status >= 500 ? 'server-error' : 'protocol-error',
      `The ${this.label} engine refused ${what} (${r.status}): ${text}`,
      { status: r.status },
    );
  }
}

async function raw(
  agent: Agent,
  origin: string,
  endpoint: EngineEndpoint,
  opts: Omit<Dispatcher.RequestOptions, 'origin'>,
): Promise<Answer> {
  try {
    const r = await request(agent, { origin, ...opts, headers: { host: 'localhost', ...opts.headers } });
    return { status: r.statusCode, headers: r.headers, body: r.body };
  } catch (e) {
    const code = systemCode(e);
    if (code === 'EACCES' || code === 'EPERM') throw socketDenied(endpoint);
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK' || code === 'ECONNRESET')
      throw new EngineMissing(
        endpoint,
        code === 'ENOENT' ? 'no such socket' : code === 'ECONNREFUSED' ? 'nothing listening' : code,
      );
    if (
      e instanceof LadingError ||
      (e as Error)?.name === 'AbortError' ||
      (opts.signal as AbortSignal | undefined)?.aborted
    )
      throw e;
    // Timeouts and broken connections: the engine is there but not answering.
    throw new LadingError(
      'unreachable',
      `The engine at ${endpointLabel(endpoint)} did not answer: ${(e as Error)?.message ?? String(e)}.`,
      { hint: 'Check that the engine is running and responsive (docker info), then try again.', cause: e },
    );
  }
}

/** Nothing answers at an endpoint; openEngine collects these into one "no engine" error. */
export class EngineMissing extends LadingError {
  constructor(
    readonly endpoint: EngineEndpoint,
    readonly why: string,
  ) {
    super('unreachable', `No engine at ${endpointLabel(endpoint)}: ${why}.`);
  }
}

/**
 * The first engine that answers, in the order engineEndpoints gives (the docker CLI's, then Podman's);
 * when none does, one error naming every socket tried. A permission or version problem stops the search:
 * the user has an engine there and needs to fix that one.
 */
export async function openEngine(
  opts: EndpointEnv & { kind?: EngineKind; signal?: AbortSignal } = {},
): Promise<EngineClient> {
  const tried: { endpoint: EngineEndpoint; why: string }[] = [];
  for (const endpoint of engineEndpoints(opts)) {
    try {
      return await EngineClient.connect(endpoint, opts.signal);
    } catch (e) {
      if (!(e instanceof EngineMissing)) throw e;
      tried.push({ endpoint, why: e.why });
    }
  }
  throw noEngine(tried);
}

/** One engine endpoint found, connected or with the reason it could not be. */
export interface FoundEngine {
  endpoint: EngineEndpoint;
  client?: EngineClient;
  error?: LadingError;
}

/**
 * Every engine this machine has, for a list of them: the docker CLI's endpoint (shown even when nothing
 * answers there, with why) and each Podman socket that exists. The caller closes the clients.
 */
export async function findEngines(opts: EndpointEnv & { signal?: AbortSignal } = {}): Promise<FoundEngine[]> {
  const found: FoundEngine[] = [];
  const endpoints = podmanEndpoints(opts);
  try {
    endpoints.unshift(dockerEndpoint(opts));
  } catch (e) {
    // A bad DOCKER_HOST or context: said so, and Podman's sockets are still worth listing.
    if (!(e instanceof LadingError)) throw e;
    found.push({ endpoint: { kind: 'docker', source: 'DOCKER_HOST or docker context' }, error: e });
  }
  return Promise.all(
    endpoints.map(async (endpoint): Promise<FoundEngine> => {
      try {
        return { endpoint, client: await EngineClient.connect(endpoint, opts.signal) };
      } catch (e) {
        if (!(e instanceof LadingError)) throw e;
        return { endpoint, error: e instanceof EngineMissing ? noEngine([{ endpoint, why: e.why }]) : e };
      }
    }),
  ).then((list) => [...found, ...list]);
}
