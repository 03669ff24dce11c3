import { createHash } from 'node:crypto';
import { LadingError } from '../registry/errors';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from '../registry/manifest';
import { isIndexMediaType, isNonDistributable } from '../registry/mediatypes';
import type { ContentKind } from './sniff';

/**
 * Turns the metadata files of an image archive (docker save ≤24, Docker 25+ OCI-in-tar, the containerd
 * store variant, OCI archives) into one model the push pipeline and the inspector share. It reads files
 * through `ArchiveFiles` so the same code serves an indexed tar (read in place) and a compressed one
 * (streamed once, metadata captured on the way).
 */

/** Access to an archive's files by normalised path (links already followed). */
export interface ArchiveFiles {
  /** The archive's own path, for messages. */
  name: string;
  has(path: string): boolean;
  size(path: string): number | undefined;
  /** Whole contents of a (small, metadata) file. */
  read(path: string): Promise<Buffer>;
  /** What the file's first bytes say it is (gzip/zstd-compressed blob, tar, …). */
  kind(path: string): Promise<ContentKind>;
}

export type ArchiveFormat = 'docker-legacy' | 'docker-oci' | 'containerd' | 'oci';

export interface ArchiveLayer {
  /** Entry path in the archive; absent for a foreign layer the archive does not carry. */
  path?: string;
  /** The config's rootfs.diff_ids entry for this layer (digest of the uncompressed tar). */
  diffId: string;
  /** Size of the entry in the archive (0 for foreign layers). */
  size: number;
  /** How the blob is stored in the archive. */
  storedAs: 'tar' | 'gzip' | 'zstd' | 'foreign';
  /** The descriptor from an OCI manifest or LayerSources, when the archive has one. */
  source?: Descriptor;
}

export interface ArchiveManifestImage {
  kind: 'image';
  /** RepoTags, OCI ref names, containerd image names. */
  names: string[];
  /** 'docker' when the archive's manifest.json describes it (Docker media types when pushed). */
  origin: 'docker' | 'oci';
  configDigest: string;
  configBytes: Buffer;
  config: ImageConfig;
  /** The OCI config media type when an OCI manifest names it. */
  configMediaType?: string;
  layers: ArchiveLayer[];
  platform?: Platform;
  /** The archive's own OCI manifest, when there is one (pushed unchanged if nothing needs converting). */
  manifest?: { descriptor: Descriptor; bytes: Buffer; parsed: ImageManifest };
}

export interface ArchiveIndexImage {
  kind: 'index';
  names: string[];
  descriptor: Descriptor;
  bytes: Buffer;
  parsed: ImageIndex;
  /** Children present in the archive. */
  children: ArchiveManifestImage[];
  /** Children the index names whose blobs are absent (a containerd store export of one platform). */
  missing: Descriptor[];
}

export type ArchiveImage = ArchiveManifestImage | ArchiveIndexImage;

export interface ArchiveContents {
  format: ArchiveFormat;
  images: ArchiveImage[];
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

function invalid(files: ArchiveFiles, what: string, hint?: string): LadingError {
  return new LadingError('archive-invalid', `The archive ${files.name}: ${what}`, {
    hint: hint ?? 'Save the image again with docker save, skopeo copy or podman save.',
  });
}

async function readJson<T>(files: ArchiveFiles, path: string, what: string): Promise<T> {
  if (!files.has(path)) throw invalid(files, `${what} ${path} is missing.`);
  const text = (await files.read(path)).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch {
    throw invalid(files, `${what} ${path} is not valid JSON.`);
  }
}

function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

async function readConfig(
  files: ArchiveFiles,
  path: string,
): Promise<{ bytes: Buffer; config: ImageConfig }> {
  if (!files.has(path)) throw invalid(files, `the image config ${path} is missing.`);
  const bytes = await files.read(path);
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw invalid(files, `the image config ${path} is not valid JSON.`);
  }
  const diffIds = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && DIGEST_RE.test(d))) {
    throw invalid(files, `the image config ${path} has no valid rootfs.diff_ids.`);
  }
  return { bytes, config };
}

/** Called for every layer at once (the sniffs of an indexed archive are independent positional reads). */
async function storedKind(files: ArchiveFiles, path: string): Promise<ArchiveLayer['storedAs']> {
  const kind = await files.kind(path);
  if (kind === 'gzip' || kind === 'zstd') return kind;
  // An empty layer tar can be a bare end-of-archive marker; anything else we hand to the diff_id check.
  return 'tar';
}

async function sha256Of(bytes: Buffer): Promise<string> {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function platformOf(config: ImageConfig): Platform | undefined {
  if (!config.os || !config.architecture) return undefined;
  return config.variant
    ? { os: config.os, architecture: config.architecture, variant: config.variant }
    : { os: config.os, architecture: config.architecture };
}

function refNames(annotations: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  const containerd = annotations?.['io.containerd.image.name'];
  const ref = annotations?.['org.opencontainers.image.ref.name'];
  if (containerd) out.push(containerd);
  if (ref && !out.some((n) => n.endsWith(`:${ref}`))) out.push(ref);
  return out;
}

async function readOciManifest(
  files: ArchiveFiles,
  descriptor: Descriptor,
  names: string[],
): Promise<ArchiveManifestImage> {
  const path = blobPath(descriptor.digest);
  const manifest = await readJson<ImageManifest>(files, path, 'the manifest');
  const bytes = await files.read(path);
  if ((await sha256Of(bytes)) !== descriptor.digest)
    throw invalid(files, `the manifest ${path} does not match its digest.`);
  if (!manifest?.config?.digest || !Array.isArray(manifest.layers)) {
    throw invalid(files, `the manifest ${path} has no config or layers.`);
  }
  const { bytes: configBytes, config } = await readConfig(files, blobPath(manifest.config.digest));
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw invalid(
      files,
      `the manifest ${path} lists ${manifest.layers.length} layers but its config has ${diffIds.length} diff_ids.`,
    );
  }
  const layers = await Promise.all(
    manifest.layers.map(async (d, i): Promise<ArchiveLayer> => {
      const lp = blobPath(d.digest);
      const diffId = diffIds[i] as string;
      if (!files.has(lp)) {
        if (isNonDistributable(d.mediaType)) return { diffId, size: 0, storedAs: 'foreign', source: d };
        throw invalid(files, `layer ${d.digest} named by the manifest is missing from the archive.`);
      }
      return {
        path: lp,
        diffId,
        size: files.size(lp) ?? d.size,
        storedAs: await storedKind(files, lp),
        source: d,
      };
    }),
  );
  return {
    kind: 'image',
    names,
    origin: 'oci',
    configDigest: manifest.config.digest,
    configBytes,
    config,
    configMediaType: manifest.config.mediaType,
    layers,
    platform: descriptor.platform ?? platformOf(config),
    manifest: { descriptor, bytes, parsed: manifest },
  };
}

async function readOciLayout(files: ArchiveFiles): Promise<ArchiveImage[]> {
  const index = await readJson<ImageIndex>(files, 'index.json', 'the OCI index');
  if (!Array.isArray(index?.manifests)) throw invalid(files, 'index.json has no manifests list.');
  const images: ArchiveImage[] = [];
  for (const d of index.manifests) {
    const names = refNames(d.annotations);
    if (isIndexMediaType(d.mediaType)) {
      const path = blobPath(d.digest);
      const parsed = await readJson<ImageIndex>(files, path, 'the image index');
      const bytes = await files.read(path);
      const children: ArchiveManifestImage[] = [];
      const missing: Descriptor[] = [];
      for (const child of parsed.manifests ?? []) {
        if (!files.has(blobPath(child.digest))) {
          missing.push(child);
          continue;
        }
        if (isIndexMediaType(child.mediaType)) continue; // nested indexes are not images
        children.push(await readOciManifest(files, child, names));
      }
      images.push({ kind: 'index', names, descriptor: d, bytes, parsed, children, missing });
    } else {
      images.push(await readOciManifest(files, d, names));
    }
  }
  return images;
}

async function readDockerManifest(files: ArchiveFiles): Promise<ArchiveManifestImage[]> {
  const entries = await readJson<DockerManifestEntry[]>(files, 'manifest.json', 'manifest.json');
  if (!Array.isArray(entries) || entries.length === 0) throw invalid(files, 'manifest.json lists no images.');
  // Docker 25+ / containerd archives also carry OCI manifests; match them by config digest so layers keep
  // their original descriptors (compressed media types, annotations, urls).
  const ociByConfig = new Map<string, ArchiveManifestImage>();
  if (files.has('index.json') && files.has('oci-layout')) {
    try {
      for (const img of await readOciLayout(files)) {
        for (const m of img.kind === 'index' ? img.children : [img]) ociByConfig.set(m.configDigest, m);
      }
    } catch {
      // The docker manifest is authoritative; a partial OCI layout only loses the original descriptors.
    }
  }
  const images: ArchiveManifestImage[] = [];
  for (const e of entries) {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) {
      throw invalid(files, 'manifest.json has an entry without Config or Layers.');
    }
    const { bytes, config } = await readConfig(files, e.Config);
    const configDigest = await sha256Of(bytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== e.Layers.length) {
      throw invalid(
        files,
        `manifest.json lists ${e.Layers.length} layers but the config has ${diffIds.length} diff_ids.`,
      );
    }
    const oci = ociByConfig.get(configDigest);
    const layers = await Promise.all(
      (e.Layers as string[]).map(async (lp, i): Promise<ArchiveLayer> => {
        const diffId = diffIds[i] as string;
        const foreign = e.LayerSources?.[diffId] ?? oci?.layers[i]?.source;
        if (!files.has(lp)) {
          if (foreign && isNonDistributable(foreign.mediaType))
            return { diffId, size: 0, storedAs: 'foreign', source: foreign };
          throw invalid(files, `layer ${lp} named by manifest.json is missing from the archive.`);
        }
        const storedAs = await storedKind(files, lp);
        const source = e.LayerSources?.[diffId] ?? (storedAs !== 'tar' ? oci?.layers[i]?.source : undefined);
        return { path: lp, diffId, size: files.size(lp) ?? 0, storedAs, source };
      }),
    );
    images.push({
      kind: 'image',
      names: (e.RepoTags ?? []).filter((t) => typeof t === 'string'),
      origin: 'docker',
      configDigest,
      configBytes: bytes,
      config,
      layers,
      platform: platformOf(config),
    });
  }
  return images;
}

export async function readArchiveContents(files: ArchiveFiles): Promise<ArchiveContents> {
  if (files.has('manifest.json')) {
    const images = await readDockerManifest(files);
    const layers = images.flatMap((i) => i.layers);
    const format: ArchiveFormat = !files.has('oci-layout')
      ? 'docker-legacy'
      : layers.some((l) => l.storedAs === 'gzip' || l.storedAs === 'zstd')
        ? 'containerd'
        : 'docker-oci';
    return { format, images };
  }
  if (files.has('index.json') && files.has('oci-layout')) {
    return { format: 'oci', images: await readOciLayout(files) };
  }
  throw invalid(
    files,
    'no manifest.json or OCI index.json found; this is not an image archive.',
    'Give a file written by docker save, skopeo copy (docker-archive:/oci-archive:), podman or buildah.',
  );
}

/** A label for an image in messages and lists: its first name, or its config digest. */
export function imageLabel(img: ArchiveImage): string {
  if (img.names[0]) return img.names[0];
  return img.kind === 'index' ? img.descriptor.digest : img.configDigest;
}
