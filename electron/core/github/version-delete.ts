/**
 * The one decision every package-version delete goes through (the app's github.deleteVersion, `lading gh
 * delete-version`, digest deletes of delete jobs and `lading delete`): the token's scopes first, then what
 * the version is. An untagged version may be a platform manifest or attestation of a tagged index, and
 * deleting it breaks that index, so when the registry cannot be read to tell, the delete fails closed.
 */
import type { PackageVersion } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import type { PackageRef } from './names';
import type { OwnerRoute } from './packages';
import { assertDeletable, assignRoles, type ManifestReader } from './roles';
import { requireScopesToChange, scopeKindFor } from './scopes';
import type { GitHubSession } from './session';

export interface VersionDeleteRequest {
  session: GitHubSession;
  /** Reads manifests to find each version's role (RegistryClient has what it needs). */
  reader: ManifestReader;
  /** Registry repository path, e.g. `acme/app`. */
  repository: string;
  located: { ref: PackageRef; route: OwnerRoute };
  target: { id?: number; digest?: string };
  /** Delete a platform child / attestation of a tagged index, or an untagged version of unknown role. */
  force?: boolean;
  /** How the caller forces a delete, for the refusal's hint (e.g. "add --force"). */
  forceHint?: string;
  signal?: AbortSignal;
}

export interface VersionToDelete {
  version: PackageVersion;
  /** Set when the roles could not be read and `force` let the delete go ahead anyway. */
  rolesUnknown?: string;
}

/** Finds the version and refuses (changing nothing) whatever would make deleting it unsafe. */
export async function versionToDelete(req: VersionDeleteRequest): Promise<VersionToDelete> {
  const { ref, route } = req.located;
  const { versions: raw, scopes } = await req.session.packages.listVersionsAndScopes(
    route,
    ref.name,
    'active',
  );
  const wanted = raw.find((v) =>
    req.target.id !== undefined ? v.id === req.target.id : v.digest === req.target.digest,
  );
  if (!wanted) {
    throw new LadingError(
      'manifest-unknown',
      `${ref.owner}/${ref.name} has no active version ${req.target.id ?? req.target.digest}.`,
      { hint: `List the versions with: lading gh versions ${ref.owner}/${ref.name}` },
    );
  }
  const kind = scopeKindFor(req.session.connection, req.session.packages.packageType);
  requireScopesToChange(
    scopes,
    ['delete'],
    kind,
    `to delete version ${wanted.id} of ${ref.owner}/${ref.name}`,
  );

  let versions: PackageVersion[];
  let rolesError: LadingError | undefined;
  try {
    versions = await assignRoles(raw, req.reader, req.repository, { signal: req.signal });
  } catch (e) {
    if (!(e instanceof LadingError) || e.code === 'cancelled') throw e;
    rolesError = e;
    versions = await assignRoles(raw, undefined, req.repository);
  }
  const version = versions.find((v) => v.id === wanted.id) as PackageVersion;
  if (rolesError) {
    // Only an untagged version can be an index's platform manifest or attestation that nobody sees.
    if (version.tags.length === 0 && !req.force) {
      throw new LadingError(
        'conflict',
        `Cannot tell whether untagged version ${version.id} is a platform manifest or attestation of a tagged index (reading ${req.session.connection.registry}/${req.repository} failed: ${rolesError.message}), so it was not deleted.`,
        {
          hint: `Fix the registry access (its host, your login) and try again${req.forceHint ? `, or ${req.forceHint} to delete it anyway (a tagged index that uses it stops pulling)` : ''}.`,
          cause: rolesError,
        },
      );
    }
    return { version, rolesUnknown: rolesError.message };
  }
  if (!req.force) assertDeletable(version, versions);
  return { version };
}

/** `versionToDelete`, then the delete itself; returns the tags that went with the version. */
export async function deleteGuardedVersion(
  req: VersionDeleteRequest,
): Promise<{ version: PackageVersion; removedTags: string[]; rolesUnknown?: string }> {
  const found = await versionToDelete(req);
  await req.session.packages.deleteVersion(req.located.route, req.located.ref.name, found.version.id);
  return { ...found, removedTags: found.version.tags };
}
