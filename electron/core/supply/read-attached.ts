/**
 * Reading what is attached to an image: its SBOM (from an SBOM artifact, cosign's .sbom or .att, or a
 * BuildKit attestation manifest) and its provenance statements, for one platform of an index when asked.
 * Every document is read bounded, and one that is not what its media type says is a clear error.
 */
import { referrerKind } from '../../../shared/supply';
import { LadingError } from '../registry/errors';
import { parsePlatform, selectPlatform } from '../registry/inspect';
import {
  type Descriptor,
  formatPlatform,
  type ImageIndex,
  isIndex,
  type Platform,
} from '../registry/manifest';
import { digestName, type ManifestReference, type RepositoryName } from '../registry/names';
import type { CallOptions } from '../registry/session';
import { type BlobReader, parseDocument, readDocument } from './blob-read';
import { ATTESTATION_DIGEST_KEY, discoverReferrers, type Referrer, type SupplyClient } from './discover';
import { type ProvenanceSummary, provenanceOf, SLSA_V1, SLSA_V02 } from './provenance';
import { CYCLONEDX_PREDICATE, parseSbom, type Sbom, SPDX_PREDICATE, sbomOf } from './sbom';

/** BuildKit caps attestations at 40 MiB; SBOMs of large images run to tens of MiB. */
export const SBOM_LIMIT = 64 * 1024 * 1024;
const STATEMENT_LIMIT = 16 * 1024 * 1024;

const SBOM_MEDIA = /spdx|cyclonedx/;
const STATEMENT_MEDIA = new Set([
  'application/vnd.in-toto+json',
  'application/vnd.dsse.envelope.v1+json',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
]);
const SBOM_PREDICATES = new Set([SPDX_PREDICATE, CYCLONEDX_PREDICATE]);
const PROVENANCE_PREDICATES = new Set([SLSA_V02, SLSA_V1]);

type Client = SupplyClient & BlobReader;

export interface ReadOptions extends CallOptions {
  /** For an index: the platform whose documents to read (needed when it has several). */
  platform?: string;
}

export interface FoundSbom extends Sbom {
  /** The layer the SBOM was read from, and the referrer that holds it. */
  document: string;
  referrer: string;
}

export interface FoundProvenance extends ProvenanceSummary {
  document: string;
  referrer: string;
}

/** One layer of an attached manifest that may hold a document, with the predicate type it says it has. */
interface Candidate {
  referrer: Referrer;
  layer: Descriptor;
  predicateType?: string;
}

export async function readSbom(
  client: Client,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: ReadOptions = {},
): Promise<FoundSbom> {
  const { candidates, platforms } = await candidatesFor(client, repository, reference, opts);
  let failure: unknown;
  for (const c of candidates) {
    const byMedia = SBOM_MEDIA.test(c.layer.mediaType);
    const byPredicate =
      STATEMENT_MEDIA.has(c.layer.mediaType) && (!c.predicateType || SBOM_PREDICATES.has(c.predicateType));
    if (!byMedia && !byPredicate) continue;
    try {
      const bytes = await readDocument(client, repository, c.layer, SBOM_LIMIT, 'SBOM', opts);
      const doc = parseDocument<unknown>(bytes, `SBOM ${c.layer.digest}`, c.layer.mediaType);
      const sbom = byMedia ? parseSbom(doc, `SBOM ${c.layer.digest}`) : sbomOf(doc);
      if (sbom) return { ...sbom, document: c.layer.digest, referrer: c.referrer.digest };
    } catch (e) {
      if (!(e instanceof LadingError) || e.code === 'cancelled') throw e;
      failure ??= e;
    }
  }
  if (failure) throw failure;
  if (platforms) {
    throw new LadingError(
      'invalid-input',
      `${repository}:${reference} is a multi-platform index; its SBOMs are per platform.`,
      {
        hint: `Pass --platform, one of: ${platforms.join(', ')}.`,
      },
    );
  }
  throw new LadingError('manifest-unknown', `${repository}:${reference} has no SBOM attached.`, {
    hint: 'Attach one (lading attach, cosign attest, docker buildx build --sbom=true), or check the platform.',
  });
}

export async function readProvenance(
  client: Client,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: ReadOptions = {},
): Promise<FoundProvenance[]> {
  const { candidates } = await candidatesFor(client, repository, reference, opts);
  const out: FoundProvenance[] = [];
  for (const c of candidates) {
    if (!STATEMENT_MEDIA.has(c.layer.mediaType)) continue;
    if (c.predicateType && !PROVENANCE_PREDICATES.has(c.predicateType)) continue;
    const bytes = await readDocument(client, repository, c.layer, STATEMENT_LIMIT, 'attestation', opts);
    let doc = parseDocument<Record<string, unknown>>(
      bytes,
      `attestation ${c.layer.digest}`,
      c.layer.mediaType,
    );
    if (doc && typeof doc.dsseEnvelope === 'object') doc = doc.dsseEnvelope as Record<string, unknown>;
    if (typeof doc?.payload === 'string')
      doc = parseDocument(Buffer.from(doc.payload, 'base64'), 'DSSE payload', 'in-toto');
    const summary = provenanceOf(doc);
    if (summary) out.push({ ...summary, document: c.layer.digest, referrer: c.referrer.digest });
  }
  return out;
}

/**
 * The layers that may hold documents about the image: the referrers of the reference, and for an index the
 * chosen platform's attestation manifest and referrers. `platforms` is set when an index has several and
 * none was chosen (so per-platform documents were left out).
 */
async function candidatesFor(
  client: Client,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: ReadOptions,
): Promise<{ candidates: Candidate[]; platforms?: string[] }> {
  const top = await discoverReferrers(client, repository, reference, opts);
  let referrers = top.referrers;
  let platforms: string[] | undefined;
  const root = top.subjectManifest.manifest;
  if (isIndex(root)) {
    const images = platformImages(root);
    const child = opts.platform
      ? pick(images, opts.platform, repository, reference)
      : images.length === 1
        ? images[0]
        : undefined;
    if (child) {
      const own = (await discoverReferrers(client, repository, digestName(child.digest), opts)).referrers;
      referrers = [
        ...referrers.filter(
          (r) =>
            r.source !== 'attestation-manifest' || r.annotations[ATTESTATION_DIGEST_KEY] === child.digest,
        ),
        ...own.filter((r) => !referrers.some((x) => x.digest === r.digest)),
      ];
    } else if (images.length > 1) {
      platforms = images.map((m) => formatPlatform(m.platform as Platform));
      referrers = referrers.filter((r) => r.source !== 'attestation-manifest');
    }
  } else if (opts.platform) {
    parsePlatform(opts.platform); // still check the flag
  }
  const candidates: Candidate[] = [];
  for (const r of likelyDocuments(referrers)) {
    // A listed referrer whose manifest is gone (deleted without its index entry) holds nothing to read.
    const m = await client.getManifest(repository, digestName(r.digest), opts).catch((e: unknown) => {
      if (e instanceof LadingError && e.code === 'manifest-unknown') return undefined;
      throw e;
    });
    if (!m || isIndex(m.manifest)) continue;
    for (const layer of m.manifest.layers ?? []) {
      const predicateType =
        layer.annotations?.['in-toto.io/predicate-type'] ??
        layer.annotations?.predicateType ??
        m.manifest.annotations?.['dev.sigstore.bundle.predicateType'];
      candidates.push({ referrer: r, layer, predicateType });
    }
  }
  return { candidates, platforms };
}

/** Referrer manifests read per call at most: a list of thousands must not become thousands of requests. */
const MAX_MANIFESTS = 64;

/** SBOMs and attestations first, cosign v2 signatures never, at most MAX_MANIFESTS. */
function likelyDocuments(referrers: Referrer[]): Referrer[] {
  const rank = (r: Referrer) => {
    // cosign v2 signatures hold a payload, never a document; v3 bundles may hold an attestation (cosign attest).
    if (r.artifactType.includes('simplesigning')) return 9;
    const kind = referrerKind(r);
    return kind === 'sbom' ? 0 : kind === 'attestations' || kind === 'attestation' ? 1 : 2;
  };

  return referrers
    .filter((r) => rank(r) < 9)
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, MAX_MANIFESTS);
}

const platformImages = (index: ImageIndex) =>
  index.manifests.filter(
    (m) => m.platform && !(m.platform.os === 'unknown' && m.platform.architecture === 'unknown'),
  );

function pick(images: Descriptor[], platform: string, repository: string, reference: string): Descriptor {
  const child = selectPlatform(images, parsePlatform(platform));
  if (child) return child;
  throw new LadingError('invalid-input', `${repository}:${reference} has no ${platform} image.`, {
    hint: `Pick one of: ${images.map((m) => formatPlatform(m.platform as Platform)).join(', ') || 'none'}.`,
  });
}
