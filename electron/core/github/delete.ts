/**
 * Deleting on ghcr.io, which refuses manifest DELETE (405 UNSUPPORTED): everything goes through the REST
 * API's package versions.
 *
 * - A digest: delete its version; the tags on it go with it.
 * - A tag on a version with no other tags (and not part of an index): delete the version.
 * - A tag on a version that has other tags, or that a tagged index references: deleting the version would
 *   take the siblings (or the index) with it. Instead push a throwaway manifest to the tag, which moves the
 *   tag onto a new version of its own, and delete that version (regctl's "dummy manifest" trick).
 *
 * The throwaway is the tagged manifest itself with one extra annotation: a new digest, but every blob it
 * names is already in the repository, so nothing has to be uploaded.
 */
import { randomBytes } from 'node:crypto';
import type { PackageVersion } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import type { Manifest } from '../registry/manifest';
import { assertDeletable, assignRoles, type ManifestReader } from './roles';
import type { GitHubSession } from './session';

export const THROWAWAY_ANNOTATION = 'io.github.lading.untag';

/** The registry calls a tag delete needs (RegistryClient has them). */
export interface ManifestWriter extends ManifestReader {
  getManifest(
    repository: string,
    reference: string,
    opts?: { signal?: AbortSignal },
  ): Promise<{ digest: string; mediaType: string; manifest: Manifest; bytes: Buffer }>;
  putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts?: { signal?: AbortSignal },
  ): Promise<{ digest: string }>;
}

export interface DeleteRequest {
  session: GitHubSession;
  client: ManifestWriter;
  /** Registry repository path, e.g. `acme/app`. */
  repository: string;
  tags?: string[];
  digests?: string[];
  /** Delete platform children / attestations of tagged indexes anyway. */
  force?: boolean;
  signal?: AbortSignal;
  /** How long to wait for GitHub to list the throwaway version (ms). */
  settleTimeoutMs?: number;
}

async function versionsWithRoles(
  req: DeleteRequest,
): Promise<{ versions: PackageVersion[]; locate: Awaited<ReturnType<GitHubSession['locate']>> }> {
  const loc = await req.session.locate(req.repository);
  const raw = await req.session.packages.listVersions(loc.route, loc.ref.name, 'active');
  const versions = await assignRoles(raw, req.client, req.repository, { signal: req.signal });
  return { versions, locate: loc };
}

/** Deletes tags and digests through the GitHub API; returns every tag that is gone afterwards. */
export async function deleteOnGitHub(req: DeleteRequest): Promise<{ removedTags: string[] }> {
  const removed = new Set<string>();
  for (const digest of req.digests ?? []) {
    const { versions, locate } = await versionsWithRoles(req);
    const version = versions.find((v) => v.digest === digest);
    if (!version) {
      throw new LadingError('manifest-unknown', `${req.repository} has no version with digest ${digest}.`, {
        hint: `List the versions with: lading gh versions ${locate.ref.owner}/${locate.ref.name}`,
      });
    }
    if (!req.force) assertDeletable(version, versions);
    await req.session.packages.deleteVersion(locate.route, locate.ref.name, version.id);
    for (const t of version.tags) removed.add(t);
  }
  for (const tag of req.tags ?? []) {
    await deleteTag(req, tag);
    removed.add(tag);
  }
  return { removedTags: [...removed] };
}

async function deleteTag(req: DeleteRequest, tag: string): Promise<void> {
  const { versions, locate } = await versionsWithRoles(req);
  const version = versions.find((v) => v.tags.includes(tag));
  if (!version) {
    throw new LadingError('manifest-unknown', `${req.repository} has no tag ${tag}.`, {
      hint: `List the versions with: lading gh versions ${locate.ref.owner}/${locate.ref.name}`,
    });
  }
  // Part of a tagged index (not merely an attestation *about* another manifest): deleting it breaks the index.
  const referenced = version.parents.some((p) => versions.find((v) => v.digest === p)?.role === 'index');
  if (version.tags.length === 1 && !referenced) {
    await req.session.packages.deleteVersion(locate.route, locate.ref.name, version.id);
    return;
  }
  // Move the tag off the shared version onto a throwaway, then delete the throwaway's version.
  const current = await req.client.getManifest(req.repository, tag, { signal: req.signal });
  const doc = JSON.parse(current.bytes.toString('utf8')) as Manifest & {
    annotations?: Record<string, string>;
  };
  doc.annotations = {
    ...doc.annotations,
    [THROWAWAY_ANNOTATION]: `${new Date().toISOString()} ${randomBytes(6).toString('hex')}`,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  const { digest } = await req.client.putManifest(req.repository, tag, bytes, current.mediaType, {
    signal: req.signal,
  });
  const throwaway = await waitForVersion(req, locate, digest);
  await req.session.packages.deleteVersion(locate.route, locate.ref.name, throwaway.id);
}

/** GitHub lists a pushed manifest as a version shortly after the push; poll for it. */
async function waitForVersion(
  req: DeleteRequest,
  locate: Awaited<ReturnType<GitHubSession['locate']>>,
  digest: string,
): Promise<{ id: number }> {
  const deadline = Date.now() + (req.settleTimeoutMs ?? 20_000);
  let delay = 250;
  for (;;) {
    const versions = await req.session.packages.listVersions(locate.route, locate.ref.name, 'active');
    const found = versions.find((v) => v.digest === digest);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new LadingError(
        'server-error',
        `The tag was moved to a placeholder manifest ${digest}, but GitHub has not listed it as a version yet.`,
        {
          hint: `The original version is untouched. Delete the placeholder later with: lading gh delete-version ${locate.ref.owner}/${locate.ref.name} ${digest} --yes`,
          temporary: true,
        },
      );
    }
    if (req.signal?.aborted) throw req.signal.reason;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}
