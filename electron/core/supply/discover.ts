/**
 * What is attached to an image, from every place tools put it: the OCI 1.1 referrers API, or the tag-schema
 * index where the registry has none; cosign's own `sha256-<hex>.sig/.att/.sbom` tags; and BuildKit's
 * attestation manifests inside the image's index. One list, each entry saying where it was found.
 */
import type { ManifestResult, RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import { type ImageIndex, type ImageManifest, isIndex } from '../registry/manifest';
import {
  type Digest,
  isDigest,
  type ManifestReference,
  type RepositoryName,
  tagName,
} from '../registry/names';
import {
  type ReferrerDescriptor,
  referrersFromApi,
  referrersFromTagSchema,
  referrersTag,
} from '../registry/referrers';
import type { CallOptions } from '../registry/session';

export type ReferrerSource = 'referrers-api' | 'tag-schema' | 'cosign' | 'attestation-manifest';

/** One referrer, in the shape `lading referrers --json` prints. */
export interface Referrer {
  digest: Digest;
  artifactType: string;
  mediaType: string;
  size: number;
  annotations: Record<string, string>;
  source: ReferrerSource;
}

export type SupplyClient = Pick<RegistryClient, 'registry' | 'getManifest'> &
  Parameters<typeof referrersFromApi>[0];

export interface Discovery {
  /** The digest the reference resolved to (an index's own digest for a multi-platform image). */
  subject: Digest;
  subjectManifest: ManifestResult;
  referrers: Referrer[];
  /** The registry answers the referrers API (else the tag schema was read). */
  referrersApi: boolean;
  /** More than the bound were listed; the rest were left out. */
  truncated: boolean;
}

/** BuildKit's annotations on an attestation manifest's descriptor in the index. */
export const ATTESTATION_TYPE_KEY = 'vnd.docker.reference.type';
export const ATTESTATION_DIGEST_KEY = 'vnd.docker.reference.digest';
export const ATTESTATION_ARTIFACT_TYPE = 'application/vnd.docker.attestation.manifest.v1+json';

const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

export async function discoverReferrers(
  client: SupplyClient,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: CallOptions & { maxEntries?: number } = {},
): Promise<Discovery> {
  const top = await client.getManifest(repository, reference, opts);
  const listed = await referrersOf(client, repository, top.digest, opts);
  const out: Referrer[] = [...listed.referrers];
  out.push(...(await cosignReferrers(client, repository, top.digest, opts)));
  if (isIndex(top.manifest)) out.push(...attestationManifests(top.manifest));
  // The same manifest can be both an attestation in the index and a referrer (BuildKit ≥ 0.32): once.
  const seen = new Set<string>();
  const referrers = out.filter((r) => !seen.has(r.digest) && seen.add(r.digest));
  return {
    subject: top.digest,
    subjectManifest: top,
    referrers,
    referrersApi: listed.api,
    truncated: listed.truncated,
  };
}

/** The referrers API's list for one digest, else the tag-schema index's. */
export async function referrersOf(
  client: SupplyClient,
  repository: RepositoryName,
  subject: Digest,
  opts: CallOptions & { maxEntries?: number; artifactType?: string } = {},
): Promise<{ referrers: Referrer[]; api: boolean; truncated: boolean }> {
  const api = await referrersFromApi(client, repository, subject, opts);
  const page = api ?? (await referrersFromTagSchema(client, repository, subject, opts));
  const source: ReferrerSource = api ? 'referrers-api' : 'tag-schema';
  return {
    referrers: page.referrers.map((d) => fromDescriptor(d, source)),
    api: api !== undefined,
    truncated: page.truncated,
  };
}

function fromDescriptor(d: ReferrerDescriptor, source: ReferrerSource): Referrer {
  return {
    digest: d.digest,
    artifactType: d.artifactType ?? '',
    mediaType: d.mediaType,
    size: d.size,
    annotations: d.annotations ?? {},
    source,
  };
}

/** cosign's legacy tags, probed by name (listing every tag of a large repository would cost far more). */
async function cosignReferrers(
  client: SupplyClient,
  repository: RepositoryName,
  subject: Digest,
  opts: CallOptions,
): Promise<Referrer[]> {
  const out: Referrer[] = [];
  for (const suffix of COSIGN_SUFFIXES) {
    const tag = tagName(`${referrersTag(subject)}.${suffix}`);
    const m = await client.getManifest(repository, tag, opts).catch((e: unknown) => {
      if (e instanceof LadingError && e.code === 'manifest-unknown') return undefined;
      throw e;
    });
    if (!m || isIndex(m.manifest)) continue;
    out.push({
      digest: m.digest,
      artifactType: cosignArtifactType(m.manifest),
      mediaType: m.mediaType,
      size: m.size,
      annotations: m.manifest.annotations ?? {},
      source: 'cosign',
    });
  }
  return out;
}

/** cosign's manifests carry no artifactType; the first layer's type says what it is (simple signing, DSSE, an SBOM). */
function cosignArtifactType(m: ImageManifest): string {
  return m.artifactType ?? m.layers?.[0]?.mediaType ?? m.config?.mediaType ?? '';
}

/** BuildKit's attestation manifests in an index (platform unknown/unknown, labelled by annotation). */
export function attestationManifests(index: ImageIndex): Referrer[] {
  return index.manifests.flatMap((d) => {
    if (d.annotations?.[ATTESTATION_TYPE_KEY] !== 'attestation-manifest' || !isDigest(d.digest)) return [];
    return [
      fromDescriptor(
        { ...d, digest: d.digest, artifactType: d.artifactType ?? ATTESTATION_ARTIFACT_TYPE },
        'attestation-manifest',
      ),
    ];
  });
}
