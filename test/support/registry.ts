import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { killChild, notInstalled, onCleanup, tail, trackChild } from './exec';
import { freePort, sleep } from './net';
import { startTokenIssuer, type TestUser, type TokenIssuer } from './token-issuer';

export type { TestUser, TokenIssuer } from './token-issuer';

/** open: no auth; basic: htpasswd; token: Docker token auth through a test issuer. */
export type RegistryMode = 'open' | 'basic' | 'token';

/** A real Debian `docker-registry` (distribution 2.8) on 127.0.0.1, private to one test. */
export interface TestRegistry {
  mode: RegistryMode;
  /** '127.0.0.1:PORT' */
  host: string;
  /** 'http://127.0.0.1:PORT' */
  url: string;
  /** basic/token: a user with full rights (pull, push, delete, catalog). */
  user?: TestUser;
  /** token mode: a user who may only pull. */
  reader?: TestUser;
  issuer?: TokenIssuer;
  storageDir: string;
  /** The registry's own log (level error), for debugging a failing test. */
  logFile: string;
  /** Restarts the registry process on the same port and storage (e.g. to reload the token trust bundle). */
  restart(): Promise<void>;
  /** Kills the process and the issuer, removes the temp dirs. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  mode: RegistryMode;
  /** token mode: repository name prefixes pullable without credentials. */
  anonymousPull?: string[];
  /** token mode: token lifetime in seconds (default 300). */
  tokenTtlSeconds?: number;
  /** storage.delete.enabled (default true); false makes every manifest and blob DELETE answer 405. */
  deleteEnabled?: boolean;
}

const READY_TIMEOUT_MS = 15_000;

function configYaml(opts: {
  port: number;
  storageDir: string;
  auth: string;
  deleteEnabled: boolean;
}): string {
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${opts.storageDir}
  delete:
    enabled: ${opts.deleteEnabled}
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${opts.port}
  secret: ${randomBytes(16).toString('hex')}
health:
  storagedriver:
    enabled: false
${opts.auth}`;
}

function randomUser(name: string): TestUser {
  return { username: name, password: `pw-${randomBytes(9).toString('base64url')}` };
}

async function waitForReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(
        `docker-registry exited (${child.exitCode ?? child.signalCode}) before serving ${url}:\n${tail(log)}`,
      );
    }
    try {
      // Any HTTP answer (200 or 401) means the registry is serving.
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(
        `docker-registry did not answer ${url}/v2/ within ${READY_TIMEOUT_MS} ms:\n${tail(log)}`,
      );
    }
    await sleep(50);
  }
}

export async function startRegistry(opts: StartRegistryOptions): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), `lading-registry-${opts.mode}-`));
  const storageDir = join(dir, 'storage');
  await mkdir(storageDir);
  const logFile = join(dir, 'registry.log');
  const configFile = join(dir, 'config.yml');

  let user: TestUser | undefined;
  let reader: TestUser | undefined;
  let issuer: TokenIssuer | undefined;
  let auth = '';
  let child: ChildProcess | undefined;
  let port = 0;
  let stopped = false;

  if (opts.mode === 'basic') {
    user = randomUser('lading');
    const htpasswd = join(dir, 'htpasswd');
    // distribution accepts only bcrypt entries in htpasswd files.
    await writeFile(htpasswd, `${user.username}:${bcrypt.hashSync(user.password, 4)}\n`);
    auth = `auth:\n  htpasswd:\n    realm: lading-test\n    path: ${htpasswd}\n`;
  } else if (opts.mode === 'token') {
    user = randomUser('lading');
    reader = randomUser('reader');
    issuer = await startTokenIssuer({
      dir,
      user,
      reader,
      anonymousPull: opts.anonymousPull ?? [],
      ttlSeconds: opts.tokenTtlSeconds ?? 300,
      onRevoke: () => restart(),
    });
    auth = `auth:\n  token:\n    realm: ${issuer.realm}\n    service: ${issuer.service}\n    issuer: ${issuer.issuer}\n    rootcertbundle: ${issuer.rootCertBundle}\n`;
  }

  async function launch(): Promise<void> {
    const fd = openSync(logFile, 'a');
    try {
      // docker-registry reads every REGISTRY_* variable as configuration (REGISTRY_AUTH_FILE, which Podman
      // users often set, overrides `auth` and makes it exit), so none reach it.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
      child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', fd, fd], env });
    } finally {
      closeSync(fd);
    }
    trackChild(child);
    const spawnFailed = new Promise<never>((_, reject) =>
      child!.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? notInstalled('docker-registry') : err),
      ),
    );
    spawnFailed.catch(() => {}); // observed through the race below
    await Promise.race([waitForReady(`http://127.0.0.1:${port}`, child, logFile), spawnFailed]);
  }

  async function restart(): Promise<void> {
    if (child) await killChild(child);
    await launch();
  }

  const forgetCleanup = onCleanup(() => stop());
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    forgetCleanup();
    if (child) await killChild(child);
    await issuer?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  // The free port can be taken between probing and binding; try a few times before giving up.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    await writeFile(
      configFile,
      configYaml({ port, storageDir, auth, deleteEnabled: opts.deleteEnabled ?? true }),
    );
    try {
      await launch();
      break;
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < 4 && /address already in use/.test(log)) continue;
      await stop();
      throw err;
    }
  }

  const host = `127.0.0.1:${port}`;
  return {
    mode: opts.mode,
    host,
    url: `http://${host}`,
    user,
    reader,
    issuer,
    storageDir,
    logFile,
    restart,
    stop,
  };
}

/** One access entry for a token, as in the token spec's `access` claim. */
export interface AccessRequest {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/**
 * The Authorization header value a test helper needs to call the registry's HTTP API directly with full
 * rights (basic: the user's credentials; token: a token minted by the issuer), or undefined when open.
 */
export function authorizationFor(registry: TestRegistry, access: AccessRequest[]): string | undefined {
  if (registry.mode === 'basic' && registry.user) {
    return `Basic ${Buffer.from(`${registry.user.username}:${registry.user.password}`).toString('base64')}`;
  }
  if (registry.mode === 'token' && registry.issuer) {
    return `Bearer ${registry.issuer.mintToken(access, registry.user?.username)}`;
  }
  return undefined;
}
