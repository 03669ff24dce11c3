/**
 * Exit codes scripts can rely on. They group error codes by what a script would do about them:
 * fix the command line (2), fix credentials (3), give up on a missing thing (4), retry later (5).
 */
import type { ErrorCode } from '../../core/registry/errors';

export const EXIT_OK = 0;
export const EXIT_GENERIC = 1;
export const EXIT_USAGE = 2;
export const EXIT_AUTH = 3;
export const EXIT_NOT_FOUND = 4;
export const EXIT_UNREACHABLE = 5;
/** 128 + SIGINT, as shells report a Ctrl-C. */
export const EXIT_CANCELLED = 130;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid-input':
    case 'invalid-reference':
      return EXIT_USAGE;
    case 'unauthorized':
    case 'denied':
      return EXIT_AUTH;
    case 'name-unknown':
    case 'manifest-unknown':
    case 'blob-unknown':
      return EXIT_NOT_FOUND;
    case 'unreachable':
      return EXIT_UNREACHABLE;
    case 'cancelled':
      return EXIT_CANCELLED;
    default:
      return EXIT_GENERIC;
  }
}
