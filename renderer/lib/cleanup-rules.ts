/**
 * The clean-up dialog's form as typed, checked field by field the way `pruneRules` on the main side
 * refuses it, and turned into the `registry.prunePlan` / `jobs.prune` request.
 */
import type { CallRequest } from '../../shared/contract';
import { durationMs } from '../../shared/durations';
import { patternError } from './patterns';

export interface CleanupForm {
  match: string;
  /** One pattern per line. */
  keep: string;
  keepLast: string;
  olderThan: string;
  untagged: boolean;
  keepReferrers: boolean;
}

export const DEFAULT_CLEANUP: CleanupForm = {
  match: '',
  keep: '^latest$',
  keepLast: '10',
  olderThan: '',
  untagged: false,
  keepReferrers: false,
};

export type CleanupErrors = Partial<Record<'match' | 'keep' | 'keepLast' | 'olderThan' | 'rules', string>>;

export const keepPatterns = (keep: string) =>
  keep
    .split('\n')
    .map((k) => k.trim())
    .filter(Boolean);

export function cleanupErrors(f: CleanupForm): CleanupErrors {
  const errors: CleanupErrors = {};
  const match = patternError(f.match.trim());
  if (match) errors.match = match;
  const keep = keepPatterns(f.keep)
    .map((k) => [k, patternError(k)] as const)
    .find(([, e]) => e);
  if (keep) errors.keep = `${keep[0]}: ${keep[1]}`;
  const n = f.keepLast.trim();
  if (n && !(/^\d+$/.test(n) && Number(n) <= 100_000))
    errors.keepLast = 'A whole number of images, 0 or more (e.g. 10).';
  if (f.olderThan.trim() && durationMs(f.olderThan) === undefined)
    errors.olderThan = 'A number and a unit, e.g. 30d, 12h, 2w or 90m (s, m, h, d, w).';
  if (!f.match.trim() && keepPatterns(f.keep).length === 0 && !n && !f.olderThan.trim())
    errors.rules =
      'No rule says what to keep, so every tag would go: give a tag pattern, a keep pattern, keep-last or older-than.';
  return errors;
}

export function cleanupRequest(
  connectionId: string,
  repository: string,
  f: CleanupForm,
): CallRequest<'registry.prunePlan'> {
  const keep = keepPatterns(f.keep);
  return {
    connectionId,
    repository,
    ...(f.match.trim() ? { match: f.match.trim() } : {}),
    ...(keep.length ? { keep } : {}),
    ...(f.keepLast.trim() ? { keepLast: Number(f.keepLast.trim()) } : {}),
    ...(f.olderThan.trim() ? { olderThan: f.olderThan.trim() } : {}),
    ...(f.untagged ? { untagged: true } : {}),
    ...(f.keepReferrers ? { keepReferrers: true } : {}),
  };
}
