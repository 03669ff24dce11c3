/**
 * What a pull fetches: the reference's manifest, the platform(s) picked from an index (attestations left
 * out), each image's manifest and config, and the checks that refuse an image before any file is written.
 */
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import {
  type Descriptor,
  formatPlatform,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  isIndex,
  type Platform,
} from '../registry/manifest';
import { isNonDistributable } from '../registry/mediatypes';
import { digestName, LATEST, type RepositoryName } from '../registry/names';
import { formatReference, type Reference } from '../registry/reference';
import { platformMatches } from './select-image';

/** The client calls resolving needs. */
type ResolveClient = Pick<RegistryClient, 'getManifest' | 'getConfig'>;

export interface ResolvedImage {
  descriptor: Descriptor;
  bytes: Buffer;
  manifest: ImageManifest;
  configBytes: Buffer;
  config: ImageConfig;
}

/** The index as the registry sent it, kept when the whole multi-platform image is pulled. */
export interface ResolvedIndex {
  descriptor: Descriptor;
  bytes: Buffer;
  parsed: ImageIndex;
}

function isAttestation(d: Descriptor): boolean {
  return (
    d.platform?.os === 'unknown' || d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

async function resolveImage(
  client: ResolveClient,
  repo: RepositoryName,
  d: Descriptor,
  bytes: Buffer,
  manifest: ImageManifest,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) {
    throw new LadingError('protocol-error', `The manifest ${d.digest} in ${repo} has no config or layers.`);
  }
  const { bytes: configBytes, config } = await client.getConfig(repo, manifest.config, { signal });
  return { descriptor: d, bytes, manifest, configBytes, config };
}

/** The images to pull (one, or every platform of an index with `allPlatforms`), and that index. */
export async function resolvePull(
  client: ResolveClient,
  reference: Reference,
  wanted: Platform,
  allPlatforms: boolean | undefined,
  signal: AbortSignal | undefined,
): Promise<{ images: ResolvedImage[]; index?: ResolvedIndex }> {
  const repo = reference.repository;
  const ref = reference.digest ?? reference.tag ?? LATEST;
  const top = await client.getManifest(repo, ref, { signal });
  const images: ResolvedImage[] = [];
  let index: ResolvedIndex | undefined;
  if (isIndex(top.manifest)) {
    const children = top.manifest.manifests.filter((d) => !isAttestation(d));
    const picked = allPlatforms
      ? children
      : children.filter((d) => platformMatches(d.platform, wanted)).slice(0, 1);
    if (picked.length === 0) {
      const have = children.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
      throw new LadingError(
        'invalid-input',
        `${formatReference(reference)} has no ${formatPlatform(wanted)} image; it has: ${have}.`,
        {
          hint: 'Pick one with --platform OS/ARCH[/VARIANT].',
        },
      );
    }
    if (allPlatforms)
      index = {
        descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.size },
        bytes: top.bytes,
        parsed: top.manifest,
      };
    for (const d of picked) {
      const m = await client.getManifest(repo, digestName(d.digest), { signal });
      if (isIndex(m.manifest)) continue;
      images.push(
        await resolveImage(client, repo, { ...d, mediaType: m.mediaType }, m.bytes, m.manifest, signal),
      );
    }
  } else {
    images.push(
      await resolveImage(
        client,
        repo,
        { mediaType: top.mediaType, digest: top.digest, size: top.size },
        top.bytes,
        top.manifest,
        signal,
      ),
    );
  }
  return { images, index };
}

/** Refuses images the format cannot hold: a docker archive needs a diff_id per layer; foreign layers never. */
export function checkPullable(images: ResolvedImage[], format: 'docker' | 'oci'): void {
  for (const img of images) {
    const diffIds = img.config.rootfs?.diff_ids ?? [];
    if (format === 'docker' && diffIds.length !== img.manifest.layers.length) {
      throw new LadingError(
        'protocol-error',
        `The image ${img.descriptor.digest} lists ${img.manifest.layers.length} layers but its config has ${diffIds.length} diff_ids.`,
      );
    }
    if (img.manifest.layers.some((l) => isNonDistributable(l.mediaType))) {
      throw new LadingError(
        'unsupported',
        `The image ${img.descriptor.digest} has foreign (non-distributable) layers, which Lading cannot download.`,
      );
    }
  }
}
