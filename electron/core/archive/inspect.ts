import { basename } from 'node:path';
import type { ArchiveSummary } from '../../../shared/types';
import { formatPlatform } from '../registry/manifest';
import type { ArchiveContents, ArchiveImage, ArchiveManifestImage } from './formats';
import { readArchiveContents } from './formats';
import { openIndexedArchive, probeArchive, scanCompressedArchive } from './open-archive';

export type { ArchiveSummary } from '../../../shared/types';
export type ArchiveImageSummary = ArchiveSummary['images'][number];

function manifests(img: ArchiveImage): ArchiveManifestImage[] {
  return img.kind === 'index' ? img.children : [img];
}

/** The shared-contract summary of each image: what --image takes, tags, platforms, layer count and size. */
export function summarizeImages(contents: ArchiveContents): ArchiveImageSummary[] {
  return contents.images.map((img) => {
    const ms = manifests(img);
    return {
      name: img.names[0],
      repoTags: img.names,
      platforms: ms.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')),
      layers: ms.reduce((n, m) => n + m.layers.length, 0),
      size: ms.reduce((n, m) => n + m.layers.reduce((s, l) => s + l.size, 0), 0),
      isIndex: img.kind === 'index',
    };
  });
}

/**
 * Reads an archive's metadata (indexing a plain tar in place; streaming a compressed one once) and
 * summarises it as plain JSON for the UI and `lading push`.
 */
export async function inspectArchive(path: string, signal?: AbortSignal): Promise<ArchiveSummary> {
  const storage = await probeArchive(path);
  let contents: ArchiveContents;
  if (storage === 'tar') {
    const opened = await openIndexedArchive(path);
    contents = opened.contents;
    await opened.close();
  } else {
    const files = await scanCompressedArchive(path, storage, async () => {}, signal);
    contents = await readArchiveContents(files);
  }
  return {
    fileName: basename(path),
    format: contents.format,
    compression: storage === 'tar' ? 'none' : storage,
    images: summarizeImages(contents),
  };
}
