import type { ErrorInfo } from '../../shared/types';

/** A failed call, as react-query sees it: the main process's code, one-line message and what to do. */
export class ApiError extends Error {
  readonly code: ErrorInfo['code'];
  readonly hint: string | undefined;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.hint = info.hint;
  }
}

/** Anything thrown, as an ErrorInfo a person can read. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof ApiError) return { code: error.code, message: error.message, hint: error.hint };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
