import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Plain edits of an OCI image layout directory, for the few things umoci 0.4.7 cannot do (variant, indexes). */

export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
}

interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: LayoutDescriptor[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';

function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return join(layoutDir, 'blobs', algorithm!, hex!);
}

export async function readLayoutIndex(layoutDir: string): Promise<LayoutIndex> {
  return JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as LayoutIndex;
}

export async function readBlobJson<T>(layoutDir: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(blobPath(layoutDir, digest), 'utf8')) as T;
}

/** Writes a JSON document as a blob and returns its descriptor (without annotations). */
export async function writeJsonBlob(
  layoutDir: string,
  mediaType: string,
  doc: unknown,
): Promise<LayoutDescriptor> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(blobPath(layoutDir, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

export async function findTag(layoutDir: string, tag: string): Promise<LayoutDescriptor> {
  const index = await readLayoutIndex(layoutDir);
  const found = index.manifests.find((m) => m.annotations?.[REF_NAME] === tag);
  if (!found) throw new Error(`tag ${tag} not found in OCI layout ${layoutDir}`);
  return found;
}

/** Points `tag` at `descriptor` in index.json, replacing any previous entry of that tag. */
export async function setTag(layoutDir: string, tag: string, descriptor: LayoutDescriptor): Promise<void> {
  const index = await readLayoutIndex(layoutDir);
  index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  index.manifests.push({ ...descriptor, annotations: { ...descriptor.annotations, [REF_NAME]: tag } });
  await writeFile(join(layoutDir, 'index.json'), JSON.stringify(index));
}

/** Rewrites the image config of `tag` through `edit`, then its manifest, then the tag. */
export async function editImageConfig(
  layoutDir: string,
  tag: string,
  edit: (config: Record<string, unknown>) => void,
): Promise<LayoutDescriptor> {
  const manifestDesc = await findTag(layoutDir, tag);
  const manifest = await readBlobJson<{ config: LayoutDescriptor } & Record<string, unknown>>(
    layoutDir,
    manifestDesc.digest,
  );
  const config = await readBlobJson<Record<string, unknown>>(layoutDir, manifest.config.digest);
  edit(config);
  manifest.config = await writeJsonBlob(layoutDir, manifest.config.mediaType, config);
  const newManifest = await writeJsonBlob(layoutDir, manifestDesc.mediaType, manifest);
  await setTag(layoutDir, tag, newManifest);
  return newManifest;
}
