/**
 * Runs the real `lading` CLI as a child process (tsx on the TypeScript entry), with a private HOME,
 * DOCKER_CONFIG and XDG_RUNTIME_DIR so the machine's own logins are never read or written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../support/exec';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const ENTRY = join(ROOT, 'electron/app/cli/main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliSandbox {
  home: string;
  dockerConfig: string;
  env: NodeJS.ProcessEnv;
  lading(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** lading with `--json`, parsed; fails the test with stderr when the command fails. */
  json<T = unknown>(args: string[], opts?: { input?: string }): Promise<T>;
  cleanup(): Promise<void>;
}

export async function cliSandbox(): Promise<CliSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'lading-cli-'));
  const home = join(dir, 'home');
  const dockerConfig = join(dir, 'docker');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    DOCKER_CONFIG: dockerConfig,
    XDG_RUNTIME_DIR: join(dir, 'run'),
    TMPDIR: process.env.TMPDIR,
  };
  const lading = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    run(TSX, [ENTRY, ...args], {
      cwd: ROOT,
      env: { ...env, ...opts.env },
      input: opts.input ?? '',
      allowFailure: true,
    });
  return {
    home,
    dockerConfig,
    env,
    lading,
    async json<T>(args: string[], opts: { input?: string } = {}) {
      const r = await lading([...args, '--json'], opts);
      if (r.code !== 0) throw new Error(`lading ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The shape every failure must have: one `lading:` line, an optional `hint:` line, no stack trace. */
export function expectOneLineError(stderr: string): { message: string; hint?: string } {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length < 1 || lines.length > 2 || !lines[0]?.startsWith('lading: ')) {
    throw new Error(`expected a one-line error, got:\n${stderr}`);
  }
  if (lines[1] !== undefined && !lines[1].startsWith('hint: '))
    throw new Error(`second line is not a hint:\n${stderr}`);
  if (/\n\s+at /.test(stderr)) throw new Error(`stack trace in output:\n${stderr}`);
  return { message: lines[0].slice('lading: '.length), hint: lines[1]?.slice('hint: '.length) };
}

/**
 * A real `docker-credential-test` executable speaking the helper protocol, keeping its store in a JSON file
 * ($FAKE_HELPER_STORE) and its call log in $FAKE_HELPER_LOG, so tests can see what Lading asked for.
 */
export const FAKE_HELPER = `#!/usr/bin/env node
const fs = require('node:fs');
const store = process.env.FAKE_HELPER_STORE;
const action = process.argv[2];
const input = fs.readFileSync(0, 'utf8');
fs.appendFileSync(process.env.FAKE_HELPER_LOG, action + ' ' + (action === 'store' ? JSON.parse(input).ServerURL : input) + '\\n');
const data = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
const save = () => fs.writeFileSync(store, JSON.stringify(data));
if (action === 'get') {
  const e = data[input];
  if (!e) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
  process.stdout.write(JSON.stringify({ ServerURL: input, Username: e.u, Secret: e.s }));
} else if (action === 'store') {
  const c = JSON.parse(input);
  // A broken helper that echoes what it was given: Lading must not show the secret in its error.
  if (process.env.FAKE_HELPER_FAIL_STORE) { process.stderr.write('cannot store ' + input + ' (' + c.Secret + ')\\n'); process.exit(1); }
  data[c.ServerURL] = { u: c.Username, s: c.Secret }; save();
} else if (action === 'erase') {
  if (!data[input]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
  delete data[input]; save();
} else if (action === 'list') {
  const out = {}; for (const [k, v] of Object.entries(data)) out[k] = v.u;
  process.stdout.write(JSON.stringify(out));
} else { process.exit(2); }
`;
