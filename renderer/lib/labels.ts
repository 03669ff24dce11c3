/**
 * What GitHub's package page reads from an image, and where it falls short: description ≤ 512 characters,
 * licenses ≤ 256, and for a multi-platform image the description must be an index annotation.
 */
import type { ImageInspect } from '../../shared/types';

export const LABEL = {
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  licenses: 'org.opencontainers.image.licenses',
  source: 'org.opencontainers.image.source',
  version: 'org.opencontainers.image.version',
  revision: 'org.opencontainers.image.revision',
  url: 'org.opencontainers.image.url',
  documentation: 'org.opencontainers.image.documentation',
  vendor: 'org.opencontainers.image.vendor',
  created: 'org.opencontainers.image.created',
} as const;

export interface PackageMetadata {
  title?: string;
  description?: string;
  licenses?: string;
  source?: string;
  warnings: { key: string; message: string }[];
  /** All labels and annotations, the above excluded, with where each came from. */
  others: { key: string; value: string; from: 'label' | 'annotation' }[];
}

const SHOWN = new Set<string>([LABEL.title, LABEL.description, LABEL.licenses, LABEL.source]);

export function packageMetadata(image: ImageInspect): PackageMetadata {
  const labels = image.labels ?? {};
  const annotations = image.annotations ?? {};
  const isIndex = (image.manifests?.length ?? 0) > 0;
  const pick = (key: string) => annotations[key] ?? labels[key];
  const warnings: { key: string; message: string }[] = [];
  const description = pick(LABEL.description);
  const licenses = pick(LABEL.licenses);
  const source = pick(LABEL.source);
  if (description && description.length > 512) {
    warnings.push({
      key: LABEL.description,
      message: `The description is ${description.length} characters; GitHub shows at most 512.`,
    });
  }
  if (isIndex && !annotations[LABEL.description]) {
    warnings.push({
      key: LABEL.description,
      message:
        'This multi-platform image has no description annotation on its index, so GitHub shows no description.',
    });
  }
  if (licenses && licenses.length > 256) {
    warnings.push({
      key: LABEL.licenses,
      message: `The licenses value is ${licenses.length} characters; GitHub accepts at most 256.`,
    });
  }
  if (source && !/^https:\/\//i.test(source.trim())) {
    warnings.push({
      key: LABEL.source,
      message: 'The source is not an https URL, so GitHub cannot link it.',
    });
  }
  // The main process's lint is authoritative; ours only fills in keys it said nothing about.
  const serverKeys = new Set(image.warnings.map((w) => w.key));
  const merged = [...image.warnings, ...warnings.filter((w) => !serverKeys.has(w.key))];
  warnings.length = 0;
  warnings.push(...merged);
  const others = [
    ...Object.entries(labels)
      .filter(([k]) => !SHOWN.has(k))
      .map(([key, value]) => ({ key, value, from: 'label' as const })),
    ...Object.entries(annotations)
      .filter(([k]) => !SHOWN.has(k))
      .map(([key, value]) => ({ key, value, from: 'annotation' as const })),
  ].sort((a, b) => a.key.localeCompare(b.key));
  return { title: pick(LABEL.title), description, licenses, source, warnings, others };
}

/** Pretty-prints a JSON document; returns the input when it is not JSON. */
export function prettyJson(raw: string | undefined): string {
  if (!raw) return '';
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
