/**
 * Where the local engines listen, found as the docker CLI finds its own: DOCKER_HOST, else DOCKER_CONTEXT or
 * the config's `currentContext` (its endpoint in contexts/meta/<sha256(name)>/meta.json), else the default
 * socket; Podman's Docker-compatible sockets are another engine. Nothing here connects: see engine-client.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LadingError } from '../registry/errors';

export type EngineKind = 'docker' | 'podman';

/** One place an engine may listen. */
export interface EngineEndpoint {
  kind: EngineKind;
  /** A unix socket or Windows named pipe path; absent for tcp. */
  socketPath?: string;
  /** For tcp: `http://host:port`. */
  origin?: string;
  /** What chose it, for messages: "DOCKER_HOST", "docker context desktop-linux", "default socket". */
  source: string;
}

export interface EndpointEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

const DEFAULT_UNIX = '/var/run/docker.sock';
const DEFAULT_PIPE = '\\\\.\\pipe\\docker_engine';

/** Where an endpoint is, for messages: the socket path or the tcp origin. */
export function endpointLabel(e: EngineEndpoint): string {
  return e.socketPath ?? e.origin ?? '?';
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** A docker host URL (`unix://`, `npipe://`, `tcp://` on loopback) as an endpoint. */
export function parseDockerHost(host: string, source: string, kind: EngineKind = 'docker'): EngineEndpoint {
  const bad = (why: string, hint: string) =>
    new LadingError('invalid-input', `${source} is ${JSON.stringify(host)}: ${why}.`, { hint });
  const m = /^([a-z]+):\/\/(.*)$/i.exec(host.trim());
  if (!m)
    throw bad('not a docker host URL', 'Write it as unix:///path/to/docker.sock or tcp://127.0.0.1:2375.');
  const scheme = (m[1] as string).toLowerCase();
  const rest = m[2] as string;
  if (scheme === 'unix') {
    if (!rest.startsWith('/'))
      throw bad('a unix socket needs an absolute path', 'Write unix:///path/to/docker.sock.');
    return { kind, socketPath: rest, source };
  }
  if (scheme === 'npipe') {
    // npipe:////./pipe/docker_engine is the pipe \\.\pipe\docker_engine.
    const path = rest.replace(/^\/+/, '').replace(/\//g, '\\');
    return { kind, socketPath: `\\\\${path}`, source };
  }
  if (scheme === 'tcp' || scheme === 'http') {
    const hostPort = rest.replace(/\/.*$/, '');
    const hostOnly = hostPort.replace(/:\d+$/, '');
    // Without TLS the engine is root on the machine to anyone who can reach the port: loopback only.
    if (!isLoopback(hostOnly))
      throw bad(
        'Lading talks to a tcp engine on this machine (loopback) only',
        "Use the engine's unix socket, or forward it to 127.0.0.1 (e.g. ssh -L 2375:/var/run/docker.sock host).",
      );
    const port = /:\d+$/.test(hostPort) ? '' : ':2375';
    return { kind, origin: `http://${hostPort}${port}`, source };
  }
  throw bad(
    `Lading does not speak ${scheme}:// to engines`,
    'Use a unix:// socket, npipe:// on Windows, or a loopback tcp:// address.',
  );
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The docker CLI's endpoint for this environment (one: the docker CLI talks to one engine at a time). */
export function dockerEndpoint(opts: EndpointEnv = {}): EngineEndpoint {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  if (env.DOCKER_HOST) return parseDockerHost(env.DOCKER_HOST, 'DOCKER_HOST');
  const configDir = env.DOCKER_CONFIG || join(opts.home ?? (env.HOME || homedir()), '.docker');
  let context = env.DOCKER_CONTEXT;
  let from = 'DOCKER_CONTEXT';
  if (!context) {
    const config = readJson(join(configDir, 'config.json')) as { currentContext?: unknown } | undefined;
    if (typeof config?.currentContext === 'string') context = config.currentContext;
    from = `currentContext in ${join(configDir, 'config.json')}`;
  }
  if (context && context !== 'default') {
    const dir = createHash('sha256').update(context).digest('hex');
    const metaPath = join(configDir, 'contexts', 'meta', dir, 'meta.json');
    const meta = readJson(metaPath) as { Endpoints?: { docker?: { Host?: unknown } } } | undefined;
    const host = meta?.Endpoints?.docker?.Host;
    if (typeof host !== 'string')
      throw new LadingError('invalid-input', `The docker context "${context}" (${from}) has no endpoint.`, {
        hint: `Check ${metaPath}, or run docker context use default.`,
      });
    return parseDockerHost(host, `docker context ${context}`);
  }
  return platform === 'win32'
    ? { kind: 'docker', socketPath: DEFAULT_PIPE, source: 'default pipe' }
    : { kind: 'docker', socketPath: DEFAULT_UNIX, source: 'default socket' };
}

/** Podman's Docker-compatible sockets, rootless first; only those that exist (the service may be off). */
export function podmanEndpoints(opts: EndpointEnv & { all?: boolean } = {}): EngineEndpoint[] {
  const env = opts.env ?? process.env;
  const paths: string[] = [];
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  paths.push('/run/podman/podman.sock');
  return paths
    .filter((p) => opts.all || existsSync(p))
    .map((p) => ({ kind: 'podman' as const, socketPath: p, source: 'podman socket' }));
}

/**
 * The endpoints to try, in order: the docker CLI's, then Podman's. An explicit choice (DOCKER_HOST, a
 * context) still comes first; `kind` keeps only one engine's.
 */
export function engineEndpoints(opts: EndpointEnv & { kind?: EngineKind } = {}): EngineEndpoint[] {
  const list: EngineEndpoint[] = [];
  if (opts.kind !== 'podman') list.push(dockerEndpoint(opts));
  if (opts.kind !== 'docker') list.push(...podmanEndpoints({ ...opts, all: opts.kind === 'podman' }));
  return list;
}
