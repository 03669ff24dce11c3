/**
 * Pull an image into an archive file: a `docker load`-able docker archive (layers decompressed, checked
 * against the config's diff_ids, manifest.json with RepoTags, repositories) or an OCI archive with the
 * original blobs (optionally a whole index). Every blob is streamed with its digest verified. The file is
 * written beside the target under a temporary name and renamed when complete, so an error or a cancel
 * leaves nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { arch } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createZstdDecompressOrThrow, sniff } from '../archive/sniff';
import { TarFileWriter } from '../archive/tar-writer';
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
import { isNonDistributable, MediaType } from '../registry/mediatypes';
import { formatReference, type Reference } from '../registry/reference';
import { coalesce } from './coalesce';
import { garbageCollector } from './memory';
import { type ProgressListener, ProgressTracker } from './progress';
import { readAhead } from './read-ahead';
import { parsePlatformString, platformMatches } from './select-image';

export type PullClient = Pick<RegistryClient, 'getManifest' | 'getConfig' | 'openBlob'>;

export interface PullOptions {
  client: PullClient;
  reference: Reference;
  outputPath: string;
  format?: 'docker' | 'oci';
  /** OS/ARCH[/VARIANT]; default: this machine's architecture on linux. */
  platform?: string;
  /** OCI format only: keep the whole index. */
  allPlatforms?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface PullResult {
  path: string;
  format: 'docker' | 'oci';
  /** Digest of what the reference resolved to (the index when allPlatforms). */
  digest: string;
  mediaType: string;
  platforms: string[];
  /** Size of the written file. */
  size: number;
}

interface ResolvedImage {
  descriptor: Descriptor;
  bytes: Buffer;
  manifest: ImageManifest;
  configBytes: Buffer;
  config: ImageConfig;
}

/** linux/<this machine's arch>: what `docker pull` picks. */
export function hostPlatform(): Platform {
  const a = arch();
  if (a === 'x64') return { os: 'linux', architecture: 'amd64' };
  if (a === 'arm64') return { os: 'linux', architecture: 'arm64', variant: 'v8' };
  if (a === 'arm') return { os: 'linux', architecture: 'arm', variant: 'v7' };
  if (a === 'ia32') return { os: 'linux', architecture: '386' };
  return { os: 'linux', architecture: a };
}

function cancelled(signal: AbortSignal | undefined): LadingError {
  const reason = signal?.reason;
  return reason instanceof LadingError ? reason : new LadingError('cancelled', 'The pull was cancelled.');
}

function isAttestation(d: Descriptor): boolean {
  return (
    d.platform?.os === 'unknown' || d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

async function resolveImage(
  client: PullClient,
  repo: string,
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

/** Bytes buffered ahead per stage (download of the next layer, decompressed data before the disk). */
const PREFETCH_BYTES = 2 * 1024 * 1024;

/**
 * Compressed bytes handed to the decompressor at once (see decompressedLayer). Measured on the bench's
 * 512 MiB pull: 64 KiB pieces 1.45 s, 256 KiB 1.39 s, 512 KiB 1.34 s (+7 MiB peak), 1 MiB 1.33 s (+17 MiB).
 */
const INFLATE_BATCH = 512 * 1024;

/** Layers requested ahead of the one being written: at most this many, buffering at most AHEAD_BYTES. */
const AHEAD_LAYERS = 6;
const AHEAD_BYTES = 3 * 1024 * 1024;

/**
 * One per process: a minor GC every 8 MiB written keeps dead buffers from piling up (see memory.ts). A
 * full one only every 256 MiB: a forced full GC sets off more of V8's own (62 full GCs on the bench's
 * 512 MiB pull with one every 128 MiB, 40 with one every 256 MiB; ~0.2-0.4 s less CPU) for ~3 MB more peak.
 */
const collect = garbageCollector({ fullEvery: 32 });

/** Streams a layer blob (`blobSize` bytes) decompressed, checking the result against its diff_id. */
async function* decompressedLayer(
  blob: AsyncIterable<Uint8Array>,
  blobSize: number,
  mediaType: string,
  diffId: string,
  what: string,
): AsyncGenerator<Uint8Array> {
  const it = blob[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Uint8Array = first.done ? new Uint8Array(0) : first.value;
  const kind = sniff(head);
  const rest = (async function* () {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  let source: AsyncIterable<Uint8Array> = rest;
  if (kind === 'gzip' || kind === 'zstd' || mediaType.endsWith('gzip') || mediaType.endsWith('zstd')) {
    const dec =
      kind === 'zstd' || mediaType.endsWith('zstd')
        ? createZstdDecompressOrThrow()
        : // 1 MiB output pieces: a quarter of the allocations, hashing calls and tar writes of 256 KiB
          // (~10% faster on a 512 MiB pull).
          createGunzip({ chunkSize: 1024 * 1024 });
    // The blob's pieces (socket reads of up to 64 KiB) go to the decompressor in batches: each write to a
    // zlib stream is a thread-pool round trip, ~5,000 of them for a 340 MiB download. A small blob gets a
    // batch of its own size.
    const batches = coalesce(rest, Math.max(1, Math.min(INFLATE_BATCH, blobSize)));
    source = pipeline(Readable.from(batches), dec, () => {}) as unknown as AsyncIterable<Uint8Array>;
  }
  const hash = createHash('sha256');
  for await (const chunk of source) {
    hash.update(chunk);
    collect(chunk.length);
    yield chunk;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== diffId) {
    throw new LadingError(
      'digest-mismatch',
      `${what} decompresses to ${actual}, but the image config says ${diffId}.`,
      {
        hint: 'The image in the registry is inconsistent; re-push it.',
      },
    );
  }
}

export async function pullImage(opts: PullOptions): Promise<PullResult> {
  const { client, reference, signal } = opts;
  const format = opts.format ?? 'docker';
  const repo = reference.repository;
  const ref = reference.digest ?? reference.tag ?? 'latest';
  if (opts.allPlatforms && format === 'docker') {
    throw new LadingError(
      'invalid-input',
      'A docker archive holds one platform; --all-platforms needs --format oci.',
      {
        hint: 'Add --format oci, or pick one platform with --platform.',
      },
    );
  }
  const wanted = opts.platform ? parsePlatformString(opts.platform) : hostPlatform();

  // Where the file goes: the directory must exist; the temp file sits beside the target.
  const target = opts.outputPath;
  const dir = dirname(target);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new LadingError('file-error', `Cannot write ${target}: the directory ${dir} does not exist.`, {
      hint: 'Create it first or pick another path.',
    });
  }

  const top = await client.getManifest(repo, ref, { signal });
  const images: ResolvedImage[] = [];
  let index: { descriptor: Descriptor; bytes: Buffer; parsed: ImageIndex } | undefined;
  if (isIndex(top.manifest)) {
    const children = top.manifest.manifests.filter((d) => !isAttestation(d));
    const picked = opts.allPlatforms
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
    if (opts.allPlatforms)
      index = {
        descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.size },
        bytes: top.bytes,
        parsed: top.manifest,
      };
    for (const d of picked) {
      const m = await client.getManifest(repo, d.digest, { signal });
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

  const tracker = new ProgressTracker(opts.onProgress);
  const layerProgress = new Map<string, number>();
  for (const img of images) {
    for (const l of img.manifest.layers)
      if (!layerProgress.has(l.digest)) layerProgress.set(l.digest, tracker.addLayer(l.digest, l.size));
  }

  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const fh = await open(temp, 'wx');
  let ok = false;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const tar = new TarFileWriter(fh);
    // Each layer is downloaded into a bounded buffer while the previous one is still being written, so the
    // registry, decompression and the disk work at the same time. Prefetches are closed on any exit.
    const prefetched = new Map<string, Promise<AsyncIterableIterator<Uint8Array>>>();
    const prefetch = (layer: Descriptor | undefined): void => {
      if (!layer || prefetched.has(layer.digest)) return;
      const idx = layerProgress.get(layer.digest) as number;
      const p = client
        .openBlob(repo, layer, { signal, onProgress: (n) => tracker.update(idx, { bytesDone: n }) })
        .then((blob) => readAhead(blob, PREFETCH_BYTES));
      p.catch(() => {});
      prefetched.set(layer.digest, p);
    };
    // Small layers are requested several ahead: each is a round trip that the registry answers in a few
    // ms, and one at a time they added up (a 50-layer image took ~4 ms a layer). A large layer's prefetch
    // buffers PREFETCH_BYTES, so those stay one ahead.
    const prefetchAfter = (layers: Descriptor[], at: number): void => {
      let bytes = 0;
      for (let j = at + 1; j < layers.length && j <= at + AHEAD_LAYERS; j++) {
        const l = layers[j] as Descriptor;
        bytes += Math.min(l.size, PREFETCH_BYTES);
        if (j > at + 1 && bytes > AHEAD_BYTES) break;
        prefetch(l);
      }
    };
    const download = async (layer: Descriptor): Promise<AsyncIterable<Uint8Array>> => {
      const idx = layerProgress.get(layer.digest) as number;
      tracker.update(idx, { state: 'downloading' });
      prefetch(layer);
      return (await prefetched.get(layer.digest)) as AsyncIterable<Uint8Array>;
    };
    cleanups.push(async () => {
      for (const p of prefetched.values()) await p.then((it) => it.return?.()).catch(() => {});
    });
    const written = new Set<string>();
    if (format === 'docker') {
      const img = images[0] as ResolvedImage;
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
        const blob = await download(layer);
        prefetchAfter(img.manifest.layers, i);
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
    } else {
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
          const blob = await download(layer);
          prefetchAfter(img.manifest.layers, img.manifest.layers.indexOf(layer));
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
    await tar.finish();
    await fh.sync();
    await fh.close();
    if (signal?.aborted) throw cancelled(signal);
    await rename(temp, target);
    ok = true;
    tracker.flush();
    return {
      path: target,
      format,
      digest: index ? index.descriptor.digest : (images[0] as ResolvedImage).descriptor.digest,
      mediaType: index ? index.descriptor.mediaType : (images[0] as ResolvedImage).descriptor.mediaType,
      platforms: images.map((i) =>
        i.config.os && i.config.architecture
          ? formatPlatform({
              os: i.config.os,
              architecture: i.config.architecture,
              variant: i.config.variant,
            })
          : 'unknown',
      ),
      size: tar.bytesWritten,
    };
  } catch (e) {
    if (signal?.aborted) throw cancelled(signal);
    throw e instanceof LadingError || (e as Error)?.name === 'AbortError'
      ? e
      : new LadingError('file-error', `Writing ${target} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    for (const c of cleanups) await c();
    if (!ok) {
      await fh.close().catch(() => {});
      await unlink(temp).catch(() => {});
      tracker.flush();
    }
  }
}

/** The RepoTag docker load should create: Docker Hub names short, others with their registry. */
function repoTagName(ref: Reference): string {
  const name =
    ref.registry === 'docker.io'
      ? ref.repository.replace(/^library\//, '')
      : `${ref.registry}/${ref.repository}`;
  return `${name}:${ref.tag}`;
}
