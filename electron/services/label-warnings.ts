/**
 * The metadata checks GitHub's package page implies: it shows `org.opencontainers.image.description` (up to
 * 512 characters), `licenses` (up to 256), links `source`, and for a multi-platform image reads the
 * description from the index's annotations only.
 */
import type { z } from 'zod';
import type { LabelWarningSchema } from '../../shared/types';

type LabelWarning = z.infer<typeof LabelWarningSchema>;

const DESCRIPTION = 'org.opencontainers.image.description';
const LICENSES = 'org.opencontainers.image.licenses';
const SOURCE = 'org.opencontainers.image.source';

export function labelWarnings(opts: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  isIndex: boolean;
}): LabelWarning[] {
  const warnings: LabelWarning[] = [];
  const meta = { ...(opts.labels ?? {}), ...(opts.annotations ?? {}) };
  const description = meta[DESCRIPTION];
  if (description !== undefined && description.length > 512) {
    warnings.push({
      key: DESCRIPTION,
      message: `The description is ${description.length} characters; GitHub shows at most 512.`,
    });
  }
  const licenses = meta[LICENSES];
  if (licenses !== undefined && licenses.length > 256) {
    warnings.push({
      key: LICENSES,
      message: `The licenses value is ${licenses.length} characters; GitHub accepts at most 256.`,
    });
  }
  const source = meta[SOURCE];
  if (source !== undefined && !/^https:\/\//i.test(source)) {
    warnings.push({ key: SOURCE, message: 'The source is not an https URL; GitHub will not link it.' });
  }
  if (opts.isIndex && !opts.annotations?.[DESCRIPTION]) {
    warnings.push({
      key: DESCRIPTION,
      message:
        'This multi-platform image has no description annotation on its index; GitHub shows no description for it.',
    });
  }
  return warnings;
}
