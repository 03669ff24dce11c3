/**
 * OCI 1.1 referrers: the referrers API (`GET /v2/<name>/referrers/<digest>`, paged by `Link`, filtered by
 * `artifactType`) and, where a registry has none (distribution 2.8, ghcr.io), the referrers tag schema: an
 * index tagged `sha256-<hex>` that clients such as oras keep up to date. Both are bounded.
 */
import type { ManifestResult, RegistryClient } from './client';
import { LadingError } from './errors';
import { header, nextLink } from './headers';
import type { Descriptor, ImageIndex } from './manifest';
import { MediaType } from './mediatypes';
import { type Digest, isDigest, type RepositoryName, type Tag, tagName } from './names';
import { operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import { readJson } from './transport';

/** One referrer as the API or the tag-schema index lists it. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersOptions extends CallOptions {
  /** Only referrers of this artifact type (filtered here when the registry does not). */
  artifactType?: string;
  /** At most this many entries (default 10,000); beyond it the list is cut and `truncated` set. */
  maxEntries?: number;
}

export interface ReferrersPage {
  referrers: ReferrerDescriptor[];
  truncated: boolean;
}

const PAGE_LIMIT = 4 * 1024 * 1024;
const MAX_PAGES = 100;
const DEFAULT_MAX_ENTRIES = 10_000;

/** The tag the referrers tag schema keeps for a subject: `sha256:abc…` → `sha256-abc…`. */
export function referrersTag(digest: Digest): Tag {
  return tagName(digest.replace(':', '-').slice(0, 128));
}

/**
 * The referrers API's answer, or undefined when the registry has no such API (a 404 on the route: the
 * spec says a registry with it never answers 404, and then the tag schema is the place to look).
 */
export async function referrersFromApi(
  session: RegistrySession,
  repository: RepositoryName,
  subject: Digest,
  opts: ReferrersOptions = {},
): Promise<ReferrersPage | undefined> {
  const scopes = [operationScope(repository, 'pull')];
  const what = `list the referrers of ${repository}@${subject}`;
  const first = session.transport.resolve(v2Path(repository, `referrers/${subject}`));
  if (opts.artifactType) first.searchParams.set('artifactType', opts.artifactType);
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const out: ReferrerDescriptor[] = [];
  const seen = new Set<string>();
  let url: URL | undefined = first;
  for (let page = 0; url; page++) {
    // Past the page bound the list is cut, as past the entry bound; a link back to a seen page is broken.
    if (page >= MAX_PAGES) return { referrers: out, truncated: true };
    if (seen.has(url.href)) {
      throw new LadingError('protocol-error', `${session.registry}'s referrers pages never end (${what}).`, {
        hint: "The registry's pagination is broken; report it to the registry operator.",
      });
    }
    seen.add(url.href);
    const res = await session.send(
      { method: 'GET', url, headers: { accept: MediaType.ociIndex }, signal: opts.signal },
      scopes,
    );
    if (res.status === 404 && page === 0) {
      await res.body.dump().catch(() => {});
      return undefined;
    }
    if (res.status !== 200) throw await session.error(res, scopes, { what, notFound: 'manifest-unknown' });
    const { value } = await readJson<Partial<ImageIndex>>(res, PAGE_LIMIT, 'referrers list');
    if (!value || !Array.isArray(value.manifests)) {
      throw new LadingError(
        'protocol-error',
        `${session.registry} answered the referrers API with no index.`,
      );
    }
    const filtered =
      header(res.headers, 'oci-filters-applied')
        ?.split(',')
        .map((s) => s.trim()) ?? [];
    const keep = opts.artifactType && !filtered.includes('artifactType') ? opts.artifactType : undefined;
    for (const d of value.manifests) {
      const r = referrerOf(d);
      if (!r || (keep && r.artifactType !== keep)) continue;
      if (out.length >= max) return { referrers: out, truncated: true };
      out.push(r);
    }
    const next = nextLink(res.headers.link, res.url);
    // A next page on another host or route would get this repository's credentials: not followed, and the
    // list is then said to be incomplete rather than shown as whole.
    if (next && (next.origin !== first.origin || next.pathname !== first.pathname)) {
      return { referrers: out, truncated: true };
    }
    url = next;
  }
  return { referrers: out, truncated: false };
}

/**
 * The tag-schema index (`sha256-<hex>`): its entries, none when the tag is absent. A tag that resolves to
 * something other than an index (GitLab answers it with the subject itself) lists nothing.
 */
export async function referrersFromTagSchema(
  session: Pick<RegistryClient, 'getManifest'>,
  repository: RepositoryName,
  subject: Digest,
  opts: ReferrersOptions = {},
): Promise<ReferrersPage> {
  let index: ManifestResult;
  try {
    index = await session.getManifest(repository, referrersTag(subject), opts);
  } catch (e) {
    if (e instanceof LadingError && e.code === 'manifest-unknown') return { referrers: [], truncated: false };
    throw e;
  }
  const manifests = (index.manifest as Partial<ImageIndex>).manifests;
  if (index.digest === subject || !Array.isArray(manifests)) return { referrers: [], truncated: false };
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const all = manifests
    .map(referrerOf)
    .filter(
      (r): r is ReferrerDescriptor => !!r && (!opts.artifactType || r.artifactType === opts.artifactType),
    );
  return { referrers: all.slice(0, max), truncated: all.length > max };
}

/** A listed descriptor checked enough to be followed (digest well formed, size a number). */
export function referrerOf(d: Partial<Descriptor> | undefined): ReferrerDescriptor | undefined {
  if (!d || typeof d !== 'object' || !isDigest(d.digest) || typeof d.size !== 'number') return undefined;
  const r: ReferrerDescriptor = { mediaType: String(d.mediaType ?? ''), digest: d.digest, size: d.size };
  if (typeof d.artifactType === 'string') r.artifactType = d.artifactType;
  if (d.annotations && typeof d.annotations === 'object') r.annotations = d.annotations;
  return r;
}
