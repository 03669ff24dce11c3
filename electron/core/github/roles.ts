/**
 * What each package version is, read from the registry: on ghcr.io every platform manifest and every
 * buildx attestation manifest of a multi-platform image is its own *untagged* version, and deleting it
 * breaks the tagged index above it (pulls then fail with "manifest unknown"). So untagged versions are
 * mapped to the tagged indexes that reference them before anything offers to delete them.
 */
import { isValidDigest, shortDigest } from '../../../shared/reference-grammar';
import type { PackageVersion } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import { formatPlatform, type ImageIndex, isIndex, type Manifest } from '../registry/manifest';
import type { GitHubVersion } from './packages';

export type VersionRole = PackageVersion['role'];

/** The registry reads this module needs (RegistryClient has them). */
export interface ManifestReader {
  getManifest(
    repository: string,
    reference: string,
    opts?: { signal?: AbortSignal },
  ): Promise<{ digest: string; mediaType: string; manifest: Manifest }>;
}

/** `sha256-<hex>` (OCI referrers tag schema fallback), optionally with cosign's `.sig` / `.att` / `.sbom` suffix. */
const REFERRERS_TAG_RE = /^(sha256|sha512)-([a-f0-9]{64}|[a-f0-9]{128})(\.[a-z]+)?$/;

/** The subject digest a referrers fallback tag points at, e.g. `sha256-ab…` → `sha256:ab…`. */
export function subjectOfFallbackTag(tag: string): string | undefined {
  const m = REFERRERS_TAG_RE.exec(tag);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

function isAttestationDescriptor(d: ImageIndex['manifests'][number]): boolean {
  if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown';
}

const CONCURRENCY = 6;
const CACHE_LIMIT = 2000;
/** Manifests by `repository@digest`; digests are content addresses, so entries never go stale. */
const manifestCache = new Map<string, Manifest>();

async function readManifest(
  reader: ManifestReader,
  repository: string,
  digest: string,
  signal?: AbortSignal,
): Promise<Manifest | undefined> {
  const key = `${repository}@${digest}`;
  const cached = manifestCache.get(key);
  if (cached) return cached;
  try {
    const { manifest } = await reader.getManifest(repository, digest, { signal });
    if (manifestCache.size >= CACHE_LIMIT) manifestCache.delete(manifestCache.keys().next().value as string);
    manifestCache.set(key, manifest);
    return manifest;
  } catch (e) {
    if (e instanceof LadingError && (e.code === 'manifest-unknown' || e.code === 'name-unknown'))
      return undefined;
    throw e;
  }
}

async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/**
 * Adds role, parents and platform to every version. Reads the manifest of each tagged version (indexes list
 * their children); untagged versions nobody references stay `unknown`. Deleted versions are not in the
 * registry any more, so they are all `unknown`.
 */
export async function assignRoles(
  versions: GitHubVersion[],
  reader: ManifestReader | undefined,
  repository: string,
  opts: { state?: 'active' | 'deleted'; signal?: AbortSignal } = {},
): Promise<PackageVersion[]> {
  const out = new Map<string, PackageVersion>();
  for (const v of versions) {
    out.set(v.digest, {
      id: v.id,
      digest: v.digest,
      tags: v.tags,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
      deletedAt: v.deletedAt,
      role: 'unknown',
      parents: [],
    });
  }
  const result = () => versions.map((v) => out.get(v.digest) as PackageVersion);
  if (!reader || opts.state === 'deleted') return result();

  const tagged = versions.filter((v) => v.tags.length > 0);
  const manifests = new Map<string, Manifest>();
  await pool(tagged, async (v) => {
    const m = await readManifest(reader, repository, v.digest, opts.signal);
    if (m) manifests.set(v.digest, m);
  });

  const addParent = (child: string, parent: string, role: VersionRole, platform?: string) => {
    const entry = out.get(child);
    if (!entry) return;
    if (!entry.parents.includes(parent)) entry.parents.push(parent);
    // An attestation stays an attestation even if another index also lists it as a platform.
    if (entry.role !== 'attestation') entry.role = role;
    if (platform && !entry.platform) entry.platform = platform;
  };

  for (const v of tagged) {
    const entry = out.get(v.digest) as PackageVersion;
    const m = manifests.get(v.digest);
    const fallbackSubject = v.tags.map(subjectOfFallbackTag).find(Boolean);
    if (fallbackSubject) {
      // A referrers fallback tag (sha256-…): the version is, or indexes, artifacts about another manifest.
      entry.role = 'attestation';
      if (out.has(fallbackSubject) && !entry.parents.includes(fallbackSubject))
        entry.parents.push(fallbackSubject);
      if (m && isIndex(m)) for (const d of m.manifests) addParent(d.digest, v.digest, 'attestation');
      continue;
    }
    if (!m) continue;
    if (isIndex(m)) {
      entry.role = 'index';
      for (const d of m.manifests) {
        if (isAttestationDescriptor(d)) addParent(d.digest, v.digest, 'attestation');
        else
          addParent(
            d.digest,
            v.digest,
            'platform-child',
            d.platform ? formatPlatform(d.platform) : undefined,
          );
      }
    } else if (m.subject) {
      entry.role = 'attestation';
      if (out.has(m.subject.digest) && !entry.parents.includes(m.subject.digest))
        entry.parents.push(m.subject.digest);
    } else if (entry.role === 'unknown') {
      entry.role = 'image';
    }
  }
  return result();
}

/**
 * Refuses (with `conflict`) to delete a version that a tagged index references: the index would then fail
 * to pull. The message names the index tags that would break.
 */
export function assertDeletable(version: PackageVersion, all: PackageVersion[], what = version.digest): void {
  if (version.role !== 'platform-child' && version.role !== 'attestation') return;
  const byDigest = new Map(all.map((v) => [v.digest, v]));
  const breaking = version.parents
    .map((p) => byDigest.get(p))
    .filter((p): p is PackageVersion => p !== undefined && p.role === 'index' && p.tags.length > 0);
  if (breaking.length === 0) return;
  const tags = [...new Set(breaking.flatMap((p) => p.tags))];
  const kind =
    version.role === 'attestation' ? 'an attestation' : `the ${version.platform ?? 'platform'} manifest`;
  throw new LadingError(
    'conflict',
    `${short(what)} is ${kind} of the index tagged ${tags.join(', ')}; deleting it would break pulling ${tags.length > 1 ? 'those tags' : 'that tag'}.`,
    {
      hint: 'Delete the index tag first (its platform manifests can then go), or force the delete if you really want a broken index.',
    },
  );
}

function short(digest: string): string {
  return isValidDigest(digest) ? `${shortDigest(digest)}…` : digest;
}
