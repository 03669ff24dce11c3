/**
 * The Docker credential helper protocol: `docker-credential-NAME get|store|erase|list`, one request on
 * stdin, one answer on stdout. Helpers are run directly (no shell) with a timeout; what they print is never
 * put in an error message, since `get` answers carry secrets.
 */
import { spawn } from 'node:child_process';
import { LadingError } from '../registry/errors';

/** What `get` answers, and what `store` takes. */
export interface HelperCredential {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** The username helpers use to say that `Secret` is an identity (refresh) token, not a password. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Errors that mean "the helper program is not installed" (a stale credsStore is common after uninstalls). */
const missingHelperErrors = new WeakSet<object>();

export function isHelperMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && missingHelperErrors.has(e);
}

/** Helpers may ask the OS keychain, which can show a prompt; give them time, but not forever. */
export const HELPER_TIMEOUT_MS = 30_000;

export interface HelperRunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

interface HelperResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The helper executable's name for a config value such as `desktop` or `osxkeychain`. */
export function helperProgram(name: string): string {
  if (!HELPER_NAME.test(name)) {
    throw new LadingError(
      'invalid-input',
      `The credential helper name "${name}" is not a valid program name.`,
      {
        hint: 'Fix the credsStore / credHelpers entry in your Docker config.json.',
      },
    );
  }
  return `docker-credential-${name}`;
}

function runHelper(
  name: string,
  action: string,
  input: string,
  opts: HelperRunOptions,
): Promise<HelperResult> {
  const program = helperProgram(name);
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? HELPER_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {
      // A helper that exits without reading stdin is judged by its exit code, not by EPIPE.
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        const missing = new LadingError(
          'file-error',
          `The Docker credential helper ${program} was not found on PATH.`,
          {
            hint: `Install ${program}, or remove it from credsStore / credHelpers in your Docker config.json.`,
            cause: e,
          },
        );
        missingHelperErrors.add(missing);
        reject(missing);
      } else {
        reject(new LadingError('file-error', `Could not run ${program}: ${e.message}`, { cause: e }));
      }
    });
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && code === null) {
        reject(
          new LadingError('file-error', `The Docker credential helper ${program} did not answer in time.`, {
            hint: 'Unlock your keychain or check the helper, then try again.',
          }),
        );
        return;
      }
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(input);
  });
}

/** Helpers say "credentials not found in native keychain" (exit 1) when they hold nothing for a server. */
function isNotFound(r: HelperResult): boolean {
  return /credentials not found/i.test(r.stdout) || /credentials not found/i.test(r.stderr);
}

/** Words long and random enough to be a token or password (PATs, base64, JWTs). */
const SECRET_LIKE = /[A-Za-z0-9_+/=.~-]{20,}/g;

/**
 * One line of a helper's diagnostic with anything that may be the secret taken out: the secrets this call
 * handled, and every long token-like word (a helper may echo what it was given or read).
 */
export function redactHelperLine(line: string, known: readonly string[] = []): string {
  let out = line;
  for (const secret of known) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(SECRET_LIKE, '[redacted]');
}

function helperFailure(
  name: string,
  action: string,
  r: HelperResult,
  known: readonly string[] = [],
): LadingError {
  // A failed call's stderr is meant as a diagnostic, but helpers may echo their input: keep one short,
  // redacted line. A failed get's stdout may hold a credential, so it is never shown.
  const raw = (r.stderr.trim() || (action === 'get' ? '' : r.stdout.trim())).split('\n')[0] ?? '';
  const detail = redactHelperLine(raw, known).slice(0, 200);
  return new LadingError(
    'file-error',
    `docker-credential-${name} ${action} failed (exit ${r.code})${detail ? `: ${detail}` : ''}.`,
    { hint: 'Check that the credential helper works: run it by hand, or unlock your keychain.' },
  );
}

/** `get`: the stored credential for a server URL, or undefined when the helper holds none. */
export async function helperGet(
  name: string,
  serverUrl: string,
  opts: HelperRunOptions = {},
): Promise<HelperCredential | undefined> {
  const r = await runHelper(name, 'get', serverUrl, opts);
  if (r.code !== 0) {
    if (isNotFound(r)) return undefined;
    throw helperFailure(name, 'get', r);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new LadingError('protocol-error', `docker-credential-${name} get did not answer JSON.`, {
      hint: 'Check the credential helper; it may be an incompatible version.',
    });
  }
  const p = parsed as Partial<HelperCredential> | null;
  if (!p || typeof p.Secret !== 'string' || p.Secret === '') return undefined;
  return {
    ServerURL: String(p.ServerURL ?? serverUrl),
    Username: String(p.Username ?? ''),
    Secret: p.Secret,
  };
}

/** `store`: save a credential. */
export async function helperStore(
  name: string,
  cred: HelperCredential,
  opts: HelperRunOptions = {},
): Promise<void> {
  const r = await runHelper(name, 'store', JSON.stringify(cred), opts);
  if (r.code !== 0) throw helperFailure(name, 'store', r, [cred.Secret]);
}

/** `erase`: remove a credential; erasing one that is not there is not an error. */
export async function helperErase(
  name: string,
  serverUrl: string,
  opts: HelperRunOptions = {},
): Promise<boolean> {
  const r = await runHelper(name, 'erase', serverUrl, opts);
  if (r.code !== 0) {
    if (isNotFound(r)) return false;
    throw helperFailure(name, 'erase', r);
  }
  return true;
}

/** `list`: server URL → username, no secrets. */
export async function helperList(name: string, opts: HelperRunOptions = {}): Promise<Record<string, string>> {
  const r = await runHelper(name, 'list', '', { timeoutMs: 10_000, ...opts });
  if (r.code !== 0) throw helperFailure(name, 'list', r);
  try {
    const parsed = JSON.parse(r.stdout || '{}') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : '';
    return out;
  } catch {
    throw new LadingError('protocol-error', `docker-credential-${name} list did not answer JSON.`);
  }
}
