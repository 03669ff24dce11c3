import { formatPlatform } from '../registry/manifest';
import type { ArchiveContents, ArchiveFormat, ArchiveImage, ArchiveManifestImage } from './formats';
import { readArchiveContents } from './formats';
import { type ArchiveStorage, openIndexedArchive, probeArchive, scanCompressedArchive } from './open-archive';

/** One image in an archive, as the UI and `lading push` list it (plain JSON). */
export interface ArchiveImageSummary {
  /** RepoTags / OCI ref names; may be empty. */
  names: string[];
  kind: 'image' | 'index';
  /** "linux/amd64", one per platform present in the archive. */
  platforms: string[];
  layerCount: number;
  /** Sum of the layer entries' sizes in the archive (bytes, as stored). */
  totalSize: number;
  configDigest?: string;
  /** Names the user can pass to --image to pick this image. */
  pick: string;
}

export interface ArchiveSummary {
  path: string;
  storage: ArchiveStorage;
  format: ArchiveFormat;
  images: ArchiveImageSummary[];
}

function manifests(img: ArchiveImage): ArchiveManifestImage[] {
  return img.kind === 'index' ? img.children : [img];
}

export function summarizeImages(contents: ArchiveContents): ArchiveImageSummary[] {
  return contents.images.map((img) => {
    const ms = manifests(img);
    const platforms = ms.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown'));
    return {
      names: img.names,
      kind: img.kind,
      platforms,
      layerCount: ms.reduce((n, m) => n + m.layers.length, 0),
      totalSize: ms.reduce((n, m) => n + m.layers.reduce((s, l) => s + l.size, 0), 0),
      configDigest: img.kind === 'image' ? img.configDigest : undefined,
      pick: img.names[0] ?? (img.kind === 'image' ? img.configDigest : img.descriptor.digest),
    };
  });
}

/** Reads an archive's metadata (indexing a plain tar; streaming a compressed one once) and summarises it. */
export async function inspectArchive(path: string, signal?: AbortSignal): Promise<ArchiveSummary> {
  const storage = await probeArchive(path);
  let contents: ArchiveContents;
  if (storage === 'tar') {
    contents = (await openIndexedArchive(path)).contents;
  } else {
    const files = await scanCompressedArchive(path, storage, async () => {}, signal);
    contents = await readArchiveContents(files);
  }
  return { path, storage, format: contents.format, images: summarizeImages(contents) };
}
