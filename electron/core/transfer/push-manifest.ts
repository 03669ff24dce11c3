/**
 * The push's last step: each image's manifest (the archive's own bytes when nothing changed, else a new
 * one), the index of a multi-platform push, then the tag. Runs only once every blob is in the registry.
 */
import { createHash } from 'node:crypto';
import type { ArchiveManifestImage } from '../archive/formats';
import type { Descriptor, ImageIndex, ImageManifest } from '../registry/manifest';
import { isNonDistributable, MediaType } from '../registry/mediatypes';
import { digestName, manifestReference } from '../registry/names';
import { pushConfig } from './push-layer';
import {
  imagesToPush,
  type LayerOutcome,
  type PushedLayer,
  type PushResult,
  targetTag,
} from './push-options';
import type { Pusher } from './pusher';
import type { Selection } from './select-image';

function sameDescriptor(a: Descriptor | undefined, b: Descriptor): boolean {
  return !!a && a.digest === b.digest && a.size === b.size && a.mediaType === b.mediaType;
}

/** The manifest to PUT for an image: the archive's own bytes when nothing changed, else a new one. */
function buildManifest(
  img: ArchiveManifestImage,
  layers: LayerOutcome[],
): { bytes: Buffer; mediaType: string } {
  if (img.manifest && layers.every((l, i) => sameDescriptor(img.manifest?.parsed.layers[i], l.descriptor))) {
    const mt = img.manifest.parsed.mediaType ?? img.manifest.descriptor.mediaType ?? MediaType.ociManifest;
    return { bytes: img.manifest.bytes, mediaType: mt };
  }
  const dockerStyle =
    img.origin === 'docker' &&
    layers.every(
      (l) => l.descriptor.mediaType.endsWith('gzip') || isNonDistributable(l.descriptor.mediaType),
    );
  const config: Descriptor = {
    mediaType: dockerStyle ? MediaType.dockerConfig : (img.configMediaType ?? MediaType.ociConfig),
    digest: img.configDigest,
    size: img.configBytes.length,
  };
  const layerDescs = layers.map((l) => {
    if (l.state === 'foreign') return l.descriptor;
    const d: Descriptor = {
      mediaType: dockerStyle ? MediaType.dockerLayerGzip : l.descriptor.mediaType,
      digest: l.descriptor.digest,
      size: l.descriptor.size,
    };
    if (!dockerStyle && l.descriptor.annotations) d.annotations = l.descriptor.annotations;
    return d;
  });
  const mediaType = dockerStyle ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest: ImageManifest = { schemaVersion: 2, mediaType, config, layers: layerDescs };
  if (!dockerStyle && img.manifest?.parsed.annotations)
    manifest.annotations = img.manifest.parsed.annotations;
  return { bytes: Buffer.from(JSON.stringify(manifest)), mediaType };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * PUTs the manifests (children before their index), the tag last. `configsPushed`: the indexed path sent
 * the configs alongside its layers already.
 */
export async function finishPush(
  p: Pusher,
  sel: Selection,
  outcomes: Map<ArchiveManifestImage, LayerOutcome[]>,
  configsPushed = false,
): Promise<PushResult> {
  const { client } = p.opts;
  const tag = targetTag(p.opts.target, sel.image);
  const pushed = imagesToPush(sel);
  if (!configsPushed) for (const img of pushed) await pushConfig(p, img);
  p.checkAborted();
  const built = new Map<ArchiveManifestImage, { bytes: Buffer; mediaType: string; digest: string }>();
  for (const img of pushed) {
    const m = buildManifest(img, outcomes.get(img) ?? []);
    built.set(img, { ...m, digest: sha256(m.bytes) });
  }
  let final: { bytes: Buffer; mediaType: string; digest: string };
  if (sel.image.kind === 'index' && !sel.child) {
    const index = sel.image;
    // Children first, by digest: the registry checks that an index's children exist.
    for (const img of pushed) {
      const m = built.get(img) as { bytes: Buffer; mediaType: string; digest: string };
      p.checkAborted();
      await client.putManifest(p.repo, digestName(m.digest), m.bytes, m.mediaType, {
        signal: p.signal,
      });
    }
    const unchanged =
      index.missing.length === 0 &&
      pushed.every((img) => built.get(img)?.digest === img.manifest?.descriptor.digest);
    if (unchanged) {
      final = {
        bytes: index.bytes,
        mediaType: index.parsed.mediaType ?? MediaType.ociIndex,
        digest: index.descriptor.digest,
      };
    } else {
      if (index.missing.length > 0) {
        p.warn(
          `The archive lacks ${index.missing.length} of the index's platforms; the pushed index lists only the ${pushed.length} present.`,
        );
      }
      const manifests: Descriptor[] = [];
      for (const d of index.parsed.manifests) {
        const img = pushed.find((c) => c.manifest?.descriptor.digest === d.digest);
        if (!img) continue;
        const m = built.get(img) as { bytes: Buffer; mediaType: string; digest: string };
        manifests.push({ ...d, mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
      }
      const rebuilt: ImageIndex = {
        ...index.parsed,
        mediaType: index.parsed.mediaType ?? MediaType.ociIndex,
        manifests,
      };
      const bytes = Buffer.from(JSON.stringify(rebuilt));
      final = { bytes, mediaType: rebuilt.mediaType as string, digest: sha256(bytes) };
    }
  } else {
    final = built.get(pushed[0] as ArchiveManifestImage) as {
      bytes: Buffer;
      mediaType: string;
      digest: string;
    };
  }
  p.checkAborted();
  const { digest } = await client.putManifest(p.repo, manifestReference(tag), final.bytes, final.mediaType, {
    signal: p.signal,
  });
  p.tracker.flush();
  const layers: PushedLayer[] = pushed.flatMap((img) =>
    (outcomes.get(img) ?? []).map((o) => ({
      digest: o.descriptor.digest,
      size: o.descriptor.size,
      mediaType: o.descriptor.mediaType,
      state: o.state,
    })),
  );
  return { digest: digest || final.digest, tag, mediaType: final.mediaType, layers, warnings: p.warnings };
}
