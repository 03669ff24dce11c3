/**
 * The error codes both sides agree on. `code` is stable (scripts and the renderer switch on it), `message`
 * says what went wrong in one line, `hint` what to do. Main-side failures are `LadingError`s with one of
 * ERROR_CODES; the renderer's transports add their own few, for when the main process cannot be reached.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'invalid-reference', // a reference, repository name or tag that does not follow the grammar
  'invalid-input', // any other bad input (CLI flags, IPC payloads)
  'unauthorized', // no or wrong credentials
  'denied', // credentials valid but lacking a permission / token scope
  'name-unknown', // repository does not exist
  'manifest-unknown', // tag or digest does not exist
  'blob-unknown',
  'unsupported', // the registry does not support the operation (e.g. ghcr manifest DELETE, no _catalog)
  'rate-limited',
  'unreachable', // DNS, connection refused, TLS, timeouts
  'digest-mismatch',
  'too-large', // a response over a safety bound (manifest > 4 MiB, endless body, ...)
  'protocol-error', // the registry answered something that is not the protocol (bad JSON, redirect loop, ...)
  'server-error', // 5xx after retries
  'archive-invalid', // an image archive that cannot be read or does not verify
  'file-error', // local file problems (missing, unwritable)
  'conflict', // e.g. refusing to delete a platform child of an index
  'not-verified', // no signature of an image verifies with the keys given
  'cancelled',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The renderer's own: the bridge is down, refused the page's secret, or answered something else. */
export const TRANSPORT_ERROR_CODES = [
  'bridge-unreachable',
  'bridge-unauthorized',
  'bridge-protocol',
] as const;
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

export const ErrorInfoSchema = z.object({
  code: z.enum([...ERROR_CODES, ...TRANSPORT_ERROR_CODES]),
  message: z.string(),
  hint: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;
/** What the main process reports: an ErrorInfo whose code is one of its own. */
export type MainErrorInfo = ErrorInfo & { code: ErrorCode };
