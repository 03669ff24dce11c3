/**
 * What every command needs besides its arguments: where to write, stdin, the environment, the Ctrl-C
 * signal, the global flags, and a RegistryClient with this machine's credentials. main.ts sets one context
 * per run; commands read it with `cliContext()` (commander's `register(program)` has no room to pass it).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { machineCredentials } from '../../core/credentials/index';
import type { LoginHints } from '../../core/registry/auth';
import { RegistryClient } from '../../core/registry/client';
import type { Credential, CredentialProvider } from '../../core/registry/credential-types';
import { LadingError } from '../../core/registry/errors';
import { registryHostname } from '../../core/registry/reference';

export interface CliIo {
  stdout: (text: string) => void;
  /** Bytes to stdout (`lading cat`), resolved once written; without it they go through `stdout` as UTF-8. */
  stdoutBytes?: (bytes: Uint8Array) => Promise<void>;
  stderr: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  /** Whether stdin is an interactive terminal (confirmation prompts need one). */
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export interface CliContext {
  io: CliIo;
  /** Aborted on Ctrl-C; pass it to every long operation. */
  signal: AbortSignal;
}

/** The flags defined on the root program, visible to every command. */
export interface GlobalOptions {
  insecure?: boolean;
  debug?: boolean;
  username?: string;
  passwordStdin?: boolean;
  /** Send credentials to a token realm on another site (off by default). */
  allowCrossHostRealm?: boolean;
}

let current: CliContext | undefined;

export function setCliContext(ctx: CliContext | undefined): void {
  current = ctx;
}

export function cliContext(): CliContext {
  if (!current) throw new LadingError('internal', 'The CLI context was used before main.ts set it.');
  return current;
}

/** Writes one line (or several) to stdout. */
export function print(text = ''): void {
  cliContext().io.stdout(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a value as pretty JSON to stdout: the `--json` output of every command. */
export function printJson(value: unknown): void {
  cliContext().io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a note for the person at the terminal to stderr (never mixed into stdout, which scripts read). */
export function note(text: string): void {
  cliContext().io.stderr(text.endsWith('\n') ? text : `${text}\n`);
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Registries named in LADING_INSECURE_REGISTRIES (comma-separated `host[:port]`), lowercased. */
export function insecureRegistries(env: NodeJS.ProcessEnv): Set<string> {
  return new Set(
    (env.LADING_INSECURE_REGISTRIES ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Plain HTTP (and no TLS checks) for this registry: `--insecure`, or listed by host:port or by host. */
export function isInsecure(registry: string, globals: GlobalOptions, env: NodeJS.ProcessEnv): boolean {
  if (globals.insecure) return true;
  const listed = insecureRegistries(env);
  return listed.has(registry.toLowerCase()) || listed.has(registryHostname(registry));
}

/** All of stdin as text (for `--password-stdin`), with one trailing newline removed. */
export async function readStdinText(): Promise<string> {
  const { io } = cliContext();
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

let stdinPassword: Promise<string> | undefined;

/** The password given on stdin, read once per run and never echoed. */
export async function passwordFromStdin(): Promise<string> {
  stdinPassword ??= readStdinText();
  const password = await stdinPassword;
  if (password === '') {
    throw new LadingError('invalid-input', 'No password was given on stdin.', {
      hint: 'Pipe it in, e.g. `printf %s "$TOKEN" | lading ... --password-stdin`.',
    });
  }
  return password;
}

/** The credentials a command should use: `--username` + `--password-stdin`, else this machine's logins. */
export async function credentialsFor(cmd: Command): Promise<Credential | CredentialProvider> {
  const globals = globalOptions(cmd);
  if (globals.passwordStdin && !globals.username) {
    throw new LadingError('invalid-input', '--password-stdin needs --username.', {
      hint: 'Add -u USER, or drop --password-stdin to use your docker/podman login.',
    });
  }
  if (globals.username) {
    if (!globals.passwordStdin) {
      throw new LadingError(
        'invalid-input',
        '--username needs --password-stdin (passwords are never taken as arguments).',
        {
          hint: 'Pipe the password in: `printf %s "$TOKEN" | lading ... -u USER --password-stdin`.',
        },
      );
    }
    return { username: globals.username, password: await passwordFromStdin() };
  }
  return machineCredentials({ env: cliContext().io.env });
}

/** `unauthorized` hints that name the command to run. */
export const cliLoginHints: LoginHints = {
  rejected: (registry) =>
    `Log in again (lading login ${registry}); the password or token may be wrong, expired or revoked.`,
  missing: (registry) => `Log in first (lading login ${registry}).`,
};

/**
 * A RegistryClient for one registry with the run's credentials and insecure setting (`insecure: true` adds
 * to `--insecure`/LADING_INSECURE_REGISTRIES, e.g. for an `http://` registry argument).
 */
export async function registryClient(
  cmd: Command,
  registry: string,
  opts: { insecure?: boolean } = {},
): Promise<RegistryClient> {
  const { io } = cliContext();
  return new RegistryClient({
    registry,
    insecure: opts.insecure === true || isInsecure(registry, globalOptions(cmd), io.env),
    credentials: await credentialsFor(cmd),
    allowCrossHostRealm: globalOptions(cmd).allowCrossHostRealm === true,
    loginHints: cliLoginHints,
  });
}

/**
 * Asks a yes/no question on the terminal (default no). Without a terminal there is nobody to ask, so the
 * caller's `refusal` is thrown instead: scripts must say --yes.
 */
export async function confirm(question: string, refusal: LadingError): Promise<boolean> {
  const { io, signal } = cliContext();
  if (!io.stdinIsTTY) throw refusal;
  const rl = createInterface({ input: io.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Resets per-run state (tests run the CLI many times in one process). */
export function resetRunState(): void {
  stdinPassword = undefined;
}

/**
 * Reads a password on the terminal without echoing it (the `docker login` prompt). Only for a TTY stdin;
 * Ctrl-C cancels.
 */
export async function promptHidden(question: string): Promise<string> {
  const { io } = cliContext();
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!io.stdinIsTTY || typeof stdin.setRawMode !== 'function') {
    throw new LadingError('invalid-input', 'Cannot ask for a password: stdin is not a terminal.', {
      hint: 'Pipe it in with --password-stdin.',
    });
  }
  io.stderr(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new LadingError('cancelled', 'Login cancelled.'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    io.stderr('\n');
  }
}
