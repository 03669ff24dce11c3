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

/** A browser upload's temp file, as core errors name it (`…/uploads/<id>.upload`). */
const UPLOAD_PATH = /\S*[\\/]uploads[\\/][A-Za-z0-9_-]{8,64}\.upload/g;

/** `text` with any upload temp path replaced by the name of the file the user dropped. */
export function nameTheUpload(text: string, fileName: string): string {
  return text.replace(UPLOAD_PATH, fileName);
}

/** The error with the upload's temp path replaced by the dropped file's name (message and hint). */
export function withFileName(error: unknown, fileName: string): unknown {
  if (!(error instanceof ApiError)) return error;
  return new ApiError({
    code: error.code,
    message: nameTheUpload(error.message, fileName),
    hint: error.hint === undefined ? undefined : nameTheUpload(error.hint, fileName),
  });
}
