/**
 * GitHub's documented rules for images, checked before a push so the user hears about them from Lading
 * rather than as a failed upload or a package page that shows nothing:
 *
 * - Image names are lowercase (all GitHub registries).
 * - docker.pkg.github.com: `OWNER/REPOSITORY/IMAGE_NAME:VERSION` (three path parts, pushed by tag, not by
 *   bare digest), no foreign layers, layers up to 5 GB.
 * - ghcr.io (and GHES containers): layers up to 10 GB (4 MiB PATCH chunks: the registry client handles it).
 * - The package page reads `org.opencontainers.image.source` (the repository URL that links the package),
 *   `.description` (≤ 512 characters) and `.licenses` (≤ 256). For a multi-platform image it reads the
 *   description from the index's annotations, not from the platform configs.
 */
import type { Connection, ConnectionKind } from '../../../shared/types';
import { githubApiUrlFor, githubWebUrlFor, packageTypeFor } from './hosts';
import { packageSettingsUrl, parsePackageRef } from './names';

export const LABEL_SOURCE = 'org.opencontainers.image.source';
export const LABEL_DESCRIPTION = 'org.opencontainers.image.description';
export const LABEL_LICENSES = 'org.opencontainers.image.licenses';
export const DESCRIPTION_MAX = 512;
export const LICENSES_MAX = 256;

const GB = 1024 ** 3;
export const LEGACY_LAYER_LIMIT = 5 * GB;
export const GHCR_LAYER_LIMIT = 10 * GB;

export interface PushCheckInput {
  connectionKind: ConnectionKind;
  /** The target registry host, to tell a GHES docker.HOST registry from containers.HOST. */
  registry?: string;
  /** Target repository path, e.g. `acme/app` or `acme/repo/image`. */
  repository: string;
  /** Target tag; undefined when pushing by digest only. */
  tag?: string;
  /** The image config labels (for a multi-platform image: any platform's, they are usually the same). */
  labels?: Record<string, string>;
  /** Annotations on the (single-platform) manifest. */
  manifestAnnotations?: Record<string, string>;
  /** Set when pushing a multi-platform image: the index's annotations ({} when it has none). */
  indexAnnotations?: Record<string, string>;
  /** Compressed sizes of the layers to upload. */
  layerSizes?: number[];
  hasForeignLayers?: boolean;
}

export interface PushChecks {
  /** The push would be refused: do not start it. */
  errors: string[];
  /** The push works, but something will look wrong on GitHub. */
  warnings: string[];
}

function isLegacy(input: PushCheckInput): boolean {
  return (
    input.connectionKind === 'github-docker' ||
    (input.connectionKind === 'ghes' && !!input.registry?.toLowerCase().startsWith('docker.'))
  );
}

function formatGB(bytes: number): string {
  return `${(bytes / GB).toFixed(1)} GB`;
}

/** A metadata problem GitHub's package page will show: which label or annotation, and what is wrong. */
export interface LabelWarning {
  key: string;
  message: string;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The package-page rules on an image's metadata, shared by the push checks and by inspect: description
 * ≤ 512 characters, licenses ≤ 256, source an https URL, and a multi-platform image's description on its
 * index. Annotations win over config labels (GitHub reads both; the annotation is the later word).
 */
export function githubLabelWarnings(
  meta: Pick<PushCheckInput, 'labels' | 'manifestAnnotations' | 'indexAnnotations'>,
): LabelWarning[] {
  const warnings: LabelWarning[] = [];
  const labels = { ...meta.labels, ...meta.manifestAnnotations, ...meta.indexAnnotations };
  const source = labels[LABEL_SOURCE];
  if (source !== undefined && !isHttpsUrl(source)) {
    warnings.push({
      key: LABEL_SOURCE,
      message: `${LABEL_SOURCE} should be the https URL of the source repository (e.g. https://github.com/OWNER/REPO); "${source}" will not link the package.`,
    });
  }
  const description = labels[LABEL_DESCRIPTION];
  if (description !== undefined && description.length > DESCRIPTION_MAX) {
    warnings.push({
      key: LABEL_DESCRIPTION,
      message: `${LABEL_DESCRIPTION} is ${description.length} characters; GitHub shows at most ${DESCRIPTION_MAX}.`,
    });
  }
  const licenses = labels[LABEL_LICENSES];
  if (licenses !== undefined && licenses.length > LICENSES_MAX) {
    warnings.push({
      key: LABEL_LICENSES,
      message: `${LABEL_LICENSES} is ${licenses.length} characters; GitHub shows at most ${LICENSES_MAX}.`,
    });
  }
  if (meta.indexAnnotations && !meta.indexAnnotations[LABEL_DESCRIPTION]) {
    warnings.push({
      key: LABEL_DESCRIPTION,
      message: `This multi-platform image has no description annotation on its index (its index has no ${LABEL_DESCRIPTION}): GitHub reads a multi-platform package's description from the index, so the package page will show none.`,
    });
  }
  return warnings;
}

export function githubPushChecks(input: PushCheckInput): PushChecks {
  const errors: string[] = [];
  const warnings: string[] = [];
  const legacy = isLegacy(input);

  if (input.repository !== input.repository.toLowerCase()) {
    errors.push(
      `GitHub image names must be lowercase: push to ${input.repository.toLowerCase()} instead of ${input.repository}.`,
    );
  }
  const limit = legacy ? LEGACY_LAYER_LIMIT : GHCR_LAYER_LIMIT;
  const registryName = legacy ? 'docker.pkg.github.com' : 'The GitHub Container registry';
  for (const size of input.layerSizes ?? []) {
    if (size > limit) {
      errors.push(
        `${registryName} caps layers at ${limit / GB} GB; this image has a ${formatGB(size)} layer.`,
      );
      break;
    }
  }
  if (legacy) {
    const parts = input.repository.split('/');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      errors.push(
        `docker.pkg.github.com needs OWNER/REPOSITORY/IMAGE_NAME (three parts); "${input.repository}" has ${parts.length}.`,
      );
    }
    if (!input.tag)
      errors.push(
        'docker.pkg.github.com needs a version tag (IMAGE_NAME:VERSION); it does not accept a push by digest alone.',
      );
    if (input.hasForeignLayers) {
      errors.push(
        'docker.pkg.github.com does not accept foreign layers (Windows base layers); push to ghcr.io instead.',
      );
    }
  }

  for (const w of githubLabelWarnings(input)) warnings.push(w.message);
  return { errors, warnings };
}

/** The note after a package's first push: GitHub makes new packages private. */
export function firstPushNotice(settingsUrl: string): string {
  return `New packages on GitHub are private by default. To make it public or grant access, open the package settings: ${settingsUrl}`;
}

/**
 * The first-push note for a repository on a GitHub connection, without an API call: the settings page is
 * built from the connection's API base and owner type (an organization unless the connection says user).
 */
export function firstPushNoticeFor(
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType'>,
  repository: string,
): string {
  const { owner, name } = parsePackageRef(repository);
  const sameOwner = connection.owner?.toLowerCase() === owner.toLowerCase();
  const ownerType = sameOwner && connection.ownerType ? connection.ownerType : 'org';
  const web = githubWebUrlFor(githubApiUrlFor(connection));
  return firstPushNotice(packageSettingsUrl(web, ownerType, owner, name, packageTypeFor(connection)));
}
