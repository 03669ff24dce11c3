import { type ChildProcess, spawn } from 'node:child_process';

/** The result of a finished command: its exit code and both output streams as text. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion without a shell (arguments are never re-parsed) and throws an error that
 * carries the command line and the tail of its stderr when it exits non-zero, so a failing test says why.
 */
export async function run(
  command: string,
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {},
): Promise<CommandResult> {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? notInstalled(command) : err),
    );
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  const result = {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
  if (code !== 0 && !opts.allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${code}: ${tail(result.stderr || result.stdout)}`,
    );
  }
  return result;
}

/** The error for a missing system tool, naming the Debian package that provides it. */
export function notInstalled(command: string): Error {
  return new Error(
    `${command} is not installed (the tests drive Debian's docker-registry, skopeo, umoci and openssl): ` +
      'run `npm test` as root, or apt-get install docker-registry skopeo umoci openssl',
  );
}

/** The last few lines of a log, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// Cleanup of what the helpers leave behind (temp dirs, background processes) when a test forgets stop().
// Vitest ends its worker processes with SIGTERM, which skips 'exit' handlers, so inside vitest the
// cleanup runs as a file-level afterAll; elsewhere (tsx scripts, bench) on process exit.
type Cleanup = () => void | Promise<void>;
const cleanups = new Set<Cleanup>();

async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      await fn();
    } catch {
      // best effort: one failing cleanup must not keep the others from running
    }
  }
}

if (process.env.VITEST) {
  const { afterAll } = await import('vitest');
  afterAll(runCleanups);
}
process.once('exit', () => {
  // Only synchronous work is possible here; every cleanup starts its synchronous part.
  for (const fn of cleanups) void fn();
});

/** Registers `fn` to run at the end of the test file (or process); returns a function that unregisters it. */
export function onCleanup(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills `child` (SIGKILL) at the end of the test file or process unless it already exited. */
export function trackChild(child: ChildProcess): void {
  const forget = onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.once('exit', forget);
}

/** Stops a background process: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function killChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
