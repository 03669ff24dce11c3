/**
 * The two archive layouts a pull writes: a `docker load`-able docker archive (layers decompressed and
 * checked against the config's diff_ids, manifest.json with RepoTags, repositories) and an OCI archive
 * with the original blobs (optionally a whole index).
 */
import { createHash } from 'node:crypto';
import type { TarFileWriter } from '../archive/tar-writer';
import { LadingError } from '../registry/errors';
import type { Descriptor, ImageIndex } from '../registry/manifest';
import { MediaType } from '../registry/mediatypes';
import { formatReference, type Reference } from '../registry/reference';
import type { ProgressTracker } from './progress';
import { decompressedLayer, type LayerFetcher, PREFETCH_BYTES } from './pull-layers';
import type { ResolvedImage, ResolvedIndex } from './pull-resolve';
import { readAhead } from './read-ahead';

export function cancelled(signal: AbortSignal | undefined): LadingError {
  const reason = signal?.reason;
  return reason instanceof LadingError ? reason : new LadingError('cancelled', 'The pull was cancelled.');
}

/** What both writers use: the tar being written, the layer downloads, progress per layer digest. */
export interface ArchiveSink {
  tar: TarFileWriter;
  fetcher: LayerFetcher;
  tracker: ProgressTracker;
  layerProgress: Map<string, number>;
  reference: Reference;
  signal: AbortSignal | undefined;
}

export async function writeDockerArchive(w: ArchiveSink, img: ResolvedImage): Promise<void> {
  const { tar, fetcher, tracker, layerProgress, reference, signal } = w;
  const written = new Set<string>();
  const diffIds = img.config.rootfs.diff_ids;
  const layerPaths: string[] = [];
  for (const [i, layer] of img.manifest.layers.entries()) {
    if (signal?.aborted) throw cancelled(signal);
    const diffId = diffIds[i] as string;
    const path = `${diffId.slice(7)}.tar`;
    layerPaths.push(path);
    const idx = layerProgress.get(layer.digest) as number;
    if (written.has(path)) {
      tracker.finish(idx, 'done');
      continue;
    }
    const blob = await fetcher.download(layer);
    fetcher.prefetchAfter(img.manifest.layers, i);
    await tar.addStream(
      path,
      readAhead(
        decompressedLayer(blob, layer.size, layer.mediaType, diffId, `Layer ${layer.digest}`),
        PREFETCH_BYTES,
      ),
    );
    written.add(path);
    tracker.finish(idx, 'done');
  }
  const configName = `${createHash('sha256').update(img.configBytes).digest('hex')}.json`;
  await tar.addBuffer(configName, img.configBytes);
  const repoTags = reference.tag ? [repoTagName(reference)] : [];
  await tar.addBuffer(
    'manifest.json',
    Buffer.from(JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerPaths }])),
  );
  if (reference.tag && layerPaths.length > 0) {
    const lastId = (diffIds.at(-1) as string).slice(7);
    const name = repoTagName(reference);
    const repoName = name.slice(0, name.lastIndexOf(':'));
    await tar.addBuffer(
      'repositories',
      Buffer.from(JSON.stringify({ [repoName]: { [reference.tag]: lastId } })),
    );
  }
}

export async function writeOciArchive(
  w: ArchiveSink,
  images: ResolvedImage[],
  index: ResolvedIndex | undefined,
): Promise<void> {
  const { tar, fetcher, tracker, layerProgress, reference, signal } = w;
  const written = new Set<string>();
  await tar.addBuffer('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  await tar.addDirectory('blobs');
  await tar.addDirectory('blobs/sha256');
  const blobName = (digest: string) => `blobs/${digest.replace(':', '/')}`;
  for (const img of images) {
    for (const layer of img.manifest.layers) {
      if (signal?.aborted) throw cancelled(signal);
      const idx = layerProgress.get(layer.digest) as number;
      if (written.has(layer.digest)) {
        tracker.finish(idx, 'done');
        continue;
      }
      const blob = await fetcher.download(layer);
      fetcher.prefetchAfter(img.manifest.layers, img.manifest.layers.indexOf(layer));
      await tar.addStream(blobName(layer.digest), blob, layer.size);
      written.add(layer.digest);
      tracker.finish(idx, 'done');
    }
    for (const [digest, bytes] of [
      [img.manifest.config.digest, img.configBytes],
      [img.descriptor.digest, img.bytes],
    ] as const) {
      if (written.has(digest)) continue;
      await tar.addBuffer(blobName(digest), bytes);
      written.add(digest);
    }
  }
  const annotations: Record<string, string> = { 'io.containerd.image.name': formatReference(reference) };
  if (reference.tag) annotations['org.opencontainers.image.ref.name'] = reference.tag;
  let rootDescriptor: Descriptor;
  if (index) {
    await tar.addBuffer(blobName(index.descriptor.digest), index.bytes);
    rootDescriptor = index.descriptor;
  } else {
    const img = images[0] as ResolvedImage;
    rootDescriptor = {
      mediaType: img.descriptor.mediaType,
      digest: img.descriptor.digest,
      size: img.bytes.length,
    };
    if (img.config.os && img.config.architecture) {
      rootDescriptor.platform = {
        os: img.config.os,
        architecture: img.config.architecture,
        ...(img.config.variant ? { variant: img.config.variant } : {}),
      };
    }
  }
  const indexJson: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{ ...rootDescriptor, annotations }],
  };
  await tar.addBuffer('index.json', Buffer.from(JSON.stringify(indexJson)));
}

/** The RepoTag docker load should create: Docker Hub names short, others with their registry. */
function repoTagName(ref: Reference): string {
  const name =
    ref.registry === 'docker.io'
      ? ref.repository.replace(/^library\//, '')
      : `${ref.registry}/${ref.repository}`;
  return `${name}:${ref.tag}`;
}
