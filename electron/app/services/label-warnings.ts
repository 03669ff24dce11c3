/**
 * The metadata warnings inspect shows: GitHub's package-page rules (description ≤ 512 characters, licenses
 * ≤ 256, source an https URL, a multi-platform image's description on its index), from the same rule
 * function the push checks use (`githubLabelWarnings` in electron/core/github/push-rules.ts).
 */
import type { z } from 'zod';
import type { LabelWarningSchema } from '../../../shared/types';
import { githubLabelWarnings } from '../../core/github/index';

type LabelWarning = z.infer<typeof LabelWarningSchema>;

export function labelWarnings(opts: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  isIndex: boolean;
}): LabelWarning[] {
  return githubLabelWarnings(
    opts.isIndex
      ? { labels: opts.labels, indexAnnotations: opts.annotations ?? {} }
      : { labels: opts.labels, manifestAnnotations: opts.annotations },
  );
}
