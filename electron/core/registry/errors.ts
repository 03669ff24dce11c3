/**
 * One error type for every failure Lading reports. `code` is stable (scripts and the renderer switch on it),
 * `message` says what went wrong in one line, `hint` says what the user can do about it.
 * Messages and hints must never contain secrets (passwords, tokens, Authorization headers).
 */
import type { ErrorCode, MainErrorInfo } from '../../../shared/errors';

export type { ErrorCode } from '../../../shared/errors';

export interface LadingErrorOptions {
  hint?: string;
  /** HTTP status, when the error came from a response. */
  status?: number;
  /** Registry error code(s) from an `{"errors":[...]}` body, e.g. DENIED, MANIFEST_UNKNOWN. */
  registryCode?: string;
  /** For `denied`: the token scope that was asked for, and the GitHub PAT scope that would grant it. */
  scope?: string;
  patScope?: string;
  /** Whether retrying the same request may succeed (drives the retry policy). */
  temporary?: boolean;
  /** Seconds the server asked us to wait (Retry-After). */
  retryAfter?: number;
  cause?: unknown;
}

export class LadingError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly status?: number;
  readonly registryCode?: string;
  readonly scope?: string;
  readonly patScope?: string;
  readonly temporary: boolean;
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: LadingErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LadingError';
    this.code = code;
    this.hint = options.hint;
    this.status = options.status;
    this.registryCode = options.registryCode;
    this.scope = options.scope;
    this.patScope = options.patScope;
    this.temporary = options.temporary ?? false;
    this.retryAfter = options.retryAfter;
  }

  /** The shape that crosses process boundaries (IPC, bridge, CLI --json). */
  toInfo(): MainErrorInfo {
    return this.hint
      ? { code: this.code, message: this.message, hint: this.hint }
      : { code: this.code, message: this.message };
  }
}

export function isLadingError(e: unknown): e is LadingError {
  return e instanceof LadingError;
}

/** Turn anything thrown into an ErrorInfo fit for a user: unknown errors become `internal` without stack traces. */
export function toErrorInfo(e: unknown): MainErrorInfo {
  if (e instanceof LadingError) return e.toInfo();
  if (e instanceof Error && e.name === 'AbortError')
    return { code: 'cancelled', message: 'The operation was cancelled.' };
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    message: `Unexpected error: ${message}`,
    hint: 'Run again with --debug for details.',
  };
}
