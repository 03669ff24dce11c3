/**
 * Package names and registry repository paths, and the GitHub web pages for a package.
 *
 * A registry repository on ghcr.io is `OWNER/PACKAGE`, where PACKAGE may itself contain `/`
 * (`ghcr.io/acme/tools/lint` is package `tools/lint` of `acme`). The REST API wants the package name with
 * the slash percent-encoded in its path; octokit's URL templates do that (`tools%2Flint`).
 */
import { LadingError } from '../registry/errors';
import type { GitHubPackageType } from './hosts';

export type OwnerType = 'org' | 'user';

export interface PackageRef {
  owner: string;
  /** The package name as GitHub knows it, e.g. `tools/lint` (not percent-encoded). */
  name: string;
}

/**
 * Splits a registry repository path `OWNER/PACKAGE` (or the CLI's argument) at the first slash: the owner is
 * always the first segment, so the package `acme/x` of `acme` is `acme/acme/x` and `acme/x` is the package
 * `x`. Never stripping a leading owner keeps this the exact inverse of `repositoryFor`.
 * With `defaultOwner`, a name without any slash is a package of that owner: a registry path always has a
 * slash, so this cannot be mistaken for one.
 */
export function parsePackageRef(input: string, defaultOwner?: string): PackageRef {
  const trimmed = input.trim().replace(/^\/+|\/+$/g, '');
  if (defaultOwner && trimmed !== '' && !trimmed.includes('/')) return { owner: defaultOwner, name: trimmed };
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) {
    throw new LadingError('invalid-input', `"${input}" is not OWNER/PACKAGE.`, {
      hint: 'Name the package with its owner, e.g. acme/app or acme/tools/lint.',
    });
  }
  return { owner: trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
}

/** The registry repository path for a package: `owner/name`, lowercased as registries require (inverse of `parsePackageRef`). */
export function repositoryFor(ref: PackageRef): string {
  return `${ref.owner}/${ref.name}`.toLowerCase();
}

/**
 * The repository path of a legacy docker.pkg.github.com package. Those images live at
 * `OWNER/REPOSITORY/IMAGE`; when the API gives only `IMAGE` as the name, the linked repository supplies
 * the middle part.
 */
export function legacyRepositoryFor(owner: string, name: string, linkedRepositoryName?: string): string {
  if (name.includes('/') || !linkedRepositoryName) return `${owner}/${name}`.toLowerCase();
  return `${owner}/${linkedRepositoryName}/${name}`.toLowerCase();
}

/**
 * Where a package's visibility is changed (no API can change it): the package settings page.
 * Organization: https://github.com/orgs/ORG/packages/container/PKG/settings;
 * user: https://github.com/users/USER/packages/container/PKG/settings. Names with `/` are URL-encoded.
 */
export function packageSettingsUrl(
  webUrl: string,
  ownerType: OwnerType,
  owner: string,
  name: string,
  packageType: GitHubPackageType = 'container',
): string {
  const scope = ownerType === 'org' ? 'orgs' : 'users';
  return `${webUrl}/${scope}/${encodeURIComponent(owner)}/packages/${packageType}/${encodeURIComponent(name)}/settings`;
}

/** A version id as typed by a user: a positive integer. */
export function parseVersionId(text: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined;
}
