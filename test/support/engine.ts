/**
 * A real Docker Engine private to one test file: Debian's dockerd on its own data root, exec root and
 * socket (vfs storage, no networking, so it needs no kernel modules), stopped by its PID. Needs root.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { killChild, onCleanup, run, tail, trackChild } from './exec';
import { sleep } from './net';

export interface TestEngine {
  /** The engine's socket and DOCKER_HOST for it. */
  socket: string;
  host: string;
  /** Runs the docker CLI against this engine. */
  docker(args: string[], opts?: { allowFailure?: boolean }): ReturnType<typeof run>;
  logFile: string;
  stop(): Promise<void>;
}

/** Why the engine tests cannot run here, or undefined when they can. */
export function engineUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'dockerd needs root (run the tests as root)';
  const onPath = (cmd: string) =>
    (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
  if (!onPath('dockerd') || !onPath('docker'))
    return 'dockerd or docker is not installed (apt-get install docker.io)';
  return undefined;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * `socket`: where the engine listens, when an app under test was already told (its DOCKER_HOST names a
 * socket that nothing answers on until the engine starts); by default one in the engine's own directory.
 */
export async function startEngine(opts: { socket?: string } = {}): Promise<TestEngine> {
  // A short path: unix socket paths are limited to 107 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'lading-dockerd-'));
  const socket = opts.socket ?? join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const log = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      'dockerd',
      [
        '--data-root',
        join(dir, 'root'),
        '--exec-root',
        join(dir, 'exec'),
        '--storage-driver',
        'vfs',
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--host',
        `unix://${socket}`,
        '--pidfile',
        join(dir, 'docker.pid'),
      ],
      { stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
  trackChild(child);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forget = onCleanup(removeDir);
  const host = `unix://${socket}`;
  const docker = (args: string[], opts: { allowFailure?: boolean } = {}) =>
    run('docker', ['-H', host, ...args], { ...opts, env: { ...process.env, DOCKER_CONFIG: dir } });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dockerd exited: ${tail(await readFile(logFile, 'utf8'))}`);
    if (existsSync(socket) && (await docker(['version'], { allowFailure: true })).code === 0) break;
    if (Date.now() > deadline) {
      await killChild(child);
      throw new Error(`dockerd did not start: ${tail(await readFile(logFile, 'utf8'))}`);
    }
    await sleep(100);
  }
  return {
    socket,
    host,
    docker,
    logFile,
    stop: async () => {
      // By its PID (the pidfile's, which is the child's): dockerd stops its own containerd on SIGTERM.
      await killChild(child, 10_000);
      removeDir();
      if (opts.socket) rmSync(opts.socket, { force: true });
      forget();
    },
  };
}

/** A Podman API service private to one test file (its own storage, vfs), or why it cannot run here. */
export function podmanUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the Podman service is started as root here';
  const onPath = (cmd: string) =>
    (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
  if (!onPath('podman')) return 'podman is not installed (apt-get install podman)';
  return undefined;
}

export interface TestPodman {
  socket: string;
  host: string;
  /** Runs podman against this service's storage. */
  podman(args: string[], opts?: { allowFailure?: boolean }): ReturnType<typeof run>;
  stop(): Promise<void>;
}

/** `socket`: where the service listens (its directory is made), as for `startEngine`. */
export async function startPodman(opts: { socket?: string } = {}): Promise<TestPodman> {
  const dir = await mkdtemp(join(tmpdir(), 'lading-podman-'));
  const socket = opts.socket ?? join(dir, 'podman.sock');
  if (opts.socket) mkdirSync(dirname(opts.socket), { recursive: true });
  const logFile = join(dir, 'podman.log');
  const storage = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'run'),
    '--storage-driver',
    'vfs',
    '--tmpdir',
    join(dir, 'tmp'),
  ];
  const log = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn('podman', [...storage, 'system', 'service', '--time=0', `unix://${socket}`], {
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  trackChild(child);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forget = onCleanup(removeDir);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!existsSync(socket)) {
    if (child.exitCode !== null) throw new Error(`podman exited: ${tail(await readFile(logFile, 'utf8'))}`);
    if (Date.now() > deadline) {
      await killChild(child);
      throw new Error(`podman system service did not start: ${tail(await readFile(logFile, 'utf8'))}`);
    }
    await sleep(50);
  }
  return {
    socket,
    host: `unix://${socket}`,
    podman: (args, opts = {}) => run('podman', [...storage, ...args], opts),
    stop: async () => {
      await killChild(child, 10_000);
      removeDir();
      if (opts.socket) rmSync(opts.socket, { force: true });
      forget();
    },
  };
}
