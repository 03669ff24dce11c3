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
 *
 * Nothing changes before the token's scopes (X-OAuth-Scopes of the versions listing) are known to allow the
 * whole delete; a failure after the tag was moved puts it back and removes the placeholder where possible.
 */

import { randomBytes } from 'node:crypto';
import { shortDigest } from '../../../shared/reference-grammar';
import type { PackageVersion } from '../../../shared/types';
import { digestOf } from '../registry/digest';
import { LadingError } from '../registry/errors';
import type { Manifest } from '../registry/manifest';
import { assignRoles, type ManifestReader } from './roles';
import { requireScopesToChange, scopeKindFor } from './scopes';
import type { GitHubSession } from './session';
import { deleteGuardedVersion } from './version-delete';

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

/** Deletes tags and digests through the GitHub API; returns every tag that is gone afterwards. */
export async function deleteOnGitHub(req: DeleteRequest): Promise<{ removedTags: string[] }> {
  const removed = new Set<string>();
  for (const digest of req.digests ?? []) {
    const located = await req.session.locate(req.repository);
    const { removedTags } = await deleteGuardedVersion({
      session: req.session,
      reader: req.client,
      repository: req.repository,
      located,
      target: { digest },
      force: req.force,
      signal: req.signal,
    });
    for (const t of removedTags) removed.add(t);
  }
  for (const tag of req.tags ?? []) {
    await deleteTag(req, tag);
    removed.add(tag);
  }
  return { removedTags: [...removed] };
}

type Located = Awaited<ReturnType<GitHubSession['locate']>>;

async function deleteTag(req: DeleteRequest, tag: string): Promise<void> {
  const locate = await req.session.locate(req.repository);
  const pkg = `${locate.ref.owner}/${locate.ref.name}`;
  const { versions: raw, scopes } = await req.session.packages.listVersionsAndScopes(
    locate.route,
    locate.ref.name,
    'active',
  );
  const listed = raw.find((v) => v.tags.includes(tag));
  if (!listed) {
    throw new LadingError('manifest-unknown', `${req.repository} has no tag ${tag}.`, {
      hint: `List the versions with: lading gh versions ${pkg}`,
    });
  }
  // Scopes first, before any registry call. Fine-grained and App tokens report none, so for them this
  // cannot be known in advance: the delete goes ahead and a refusal part-way is rolled back below.
  const kind = scopeKindFor(req.session.connection, req.session.packages.packageType);
  const purpose = `to delete the tag ${tag} of ${pkg}`;
  const pushWhy = ', which is moved onto a placeholder first (a push) because its version is shared';
  requireScopesToChange(
    scopes,
    listed.tags.length > 1 ? ['delete', 'push'] : ['delete'],
    kind,
    purpose,
    listed.tags.length > 1 ? pushWhy : '',
  );
  const versions = await assignRoles(raw, req.client, req.repository, { signal: req.signal });
  const version = versions.find((v) => v.id === listed.id) as PackageVersion;
  // Part of a tagged index (not merely an attestation *about* another manifest): deleting it breaks the index.
  const referenced = version.parents.some((p) => versions.find((v) => v.digest === p)?.role === 'index');
  if (version.tags.length === 1 && !referenced) {
    await req.session.packages.deleteVersion(locate.route, locate.ref.name, version.id);
    return;
  }
  requireScopesToChange(scopes, ['delete', 'push'], kind, purpose, pushWhy);

  // Move the tag off the shared version onto a throwaway, then delete the throwaway's version.
  const original = await req.client.getManifest(req.repository, tag, { signal: req.signal });
  const doc = JSON.parse(original.bytes.toString('utf8')) as Manifest & {
    annotations?: Record<string, string>;
  };
  doc.annotations = {
    ...doc.annotations,
    [THROWAWAY_ANNOTATION]: `${new Date().toISOString()} ${randomBytes(6).toString('hex')}`,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  // Known before the PUT, so a PUT whose answer is lost can still be cleaned up.
  const placeholder = digestOf(bytes);
  let pushed = false;
  try {
    await req.client.putManifest(req.repository, tag, bytes, original.mediaType, { signal: req.signal });
    pushed = true;
    const throwaway = await waitForVersion(req, locate, placeholder);
    await req.session.packages.deleteVersion(locate.route, locate.ref.name, throwaway.id);
  } catch (e) {
    throw await rollBack(req, locate, tag, original, { digest: placeholder, pushed }, e);
  }
}

/**
 * After a failure part-way through a tag delete: puts the tag back on its original manifest (if it moved)
 * and deletes the placeholder's version where GitHub lets us. Returns the error to throw, saying what state
 * the package is left in. Runs without the caller's signal: a cancelled delete must still be undone.
 */
async function rollBack(
  req: DeleteRequest,
  locate: Located,
  tag: string,
  original: { digest: string; mediaType: string; bytes: Buffer },
  put: { digest: string; pushed: boolean },
  cause: unknown,
): Promise<unknown> {
  const placeholder = put.digest;
  const pkg = `${locate.ref.owner}/${locate.ref.name}`;
  const tagIsBack = async () =>
    (await req.client.getManifest(req.repository, tag)).digest === original.digest;
  let restored = await tagIsBack().catch(() => false);
  if (!restored) {
    // A PUT whose answer is lost may still have landed: look again before saying it did not.
    await req.client.putManifest(req.repository, tag, original.bytes, original.mediaType).catch(() => {});
    restored = await tagIsBack().catch(() => false);
  }
  let leftover = false;
  if (restored) {
    try {
      const listed = await req.session.packages.listVersions(locate.route, locate.ref.name, 'active');
      const version = listed.find((v) => v.digest === placeholder);
      // Untagged now, so deleting it takes nothing of the user's with it.
      if (version && version.tags.length === 0)
        await req.session.packages.deleteVersion(locate.route, locate.ref.name, version.id);
      // Pushed but not listed yet: GitHub will list it later, as an untagged version.
      else leftover = version !== undefined || put.pushed;
    } catch {
      leftover = true;
    }
  }
  if (req.signal?.aborted && cause === req.signal.reason) return cause;
  const base = cause instanceof LadingError ? cause : undefined;
  const why = base?.message ?? (cause instanceof Error ? cause.message : String(cause));
  const state = restored
    ? `the tag is back on ${short(original.digest)}`
    : `the tag may still point at the placeholder ${short(placeholder)}`;
  const todo = restored
    ? leftover
      ? `Nothing of yours was lost. Remove the leftover placeholder version with: lading gh delete-version ${pkg} ${placeholder} --yes`
      : (base?.hint ?? 'Nothing was lost; try again.')
    : `Put it back with: lading tag ${req.session.connection.registry}/${req.repository}@${original.digest} ${tag}`;
  return new LadingError(
    base?.code ?? 'internal',
    `Could not delete the tag ${tag} of ${pkg} (${why}); ${state}.`,
    {
      hint: todo,
      status: base?.status,
      patScope: base?.patScope,
      temporary: base?.temporary,
      cause,
    },
  );
}

function short(digest: string): string {
  return `${shortDigest(digest)}…`;
}

/** GitHub lists a pushed manifest as a version shortly after the push; poll for it. */
async function waitForVersion(req: DeleteRequest, locate: Located, digest: string): Promise<{ id: number }> {
  const deadline = Date.now() + (req.settleTimeoutMs ?? 20_000);
  let delay = 250;
  for (;;) {
    const versions = await req.session.packages.listVersions(locate.route, locate.ref.name, 'active');
    const found = versions.find((v) => v.digest === digest);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new LadingError(
        'server-error',
        `GitHub did not list the placeholder manifest ${short(digest)} as a version in time`,
        {
          hint: 'GitHub may be slow to index pushes; try again in a minute.',
          temporary: true,
        },
      );
    }
    if (req.signal?.aborted) throw req.signal.reason;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()) + 10)));
    delay = Math.min(delay * 2, 2000);
  }
}
