/**
 * Pull an image into an archive file: a `docker load`-able docker archive (layers decompressed, checked
 * against the config's diff_ids, manifest.json with RepoTags, repositories) or an OCI archive with the
 * original blobs (optionally a whole index). Every blob is streamed with its digest verified. The file is
 * written beside the target under a temporary name and renamed when complete, so an error or a cancel
 * leaves nothing behind.
 *
 * The steps: resolve the images (pull-resolve.ts), fetch their layers ahead (pull-layers.ts), write one of
 * the two layouts (pull-write.ts).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { arch } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TarFileWriter } from '../archive/tar-writer';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import { formatPlatform, type Platform } from '../registry/manifest';
import type { Reference } from '../registry/reference';
import { type ProgressListener, ProgressTracker } from './progress';
import { LayerFetcher } from './pull-layers';
import { checkPullable, type ResolvedImage, type ResolvedIndex, resolvePull } from './pull-resolve';
import { type ArchiveSink, cancelled, writeDockerArchive, writeOciArchive } from './pull-write';
import { parsePlatformString } from './select-image';

export type PullClient = Pick<RegistryClient, 'getManifest' | 'getConfig' | 'openBlob'>;
export {
  type DockerLoadStream,
  type DockerLoadStreamOptions,
  dockerLoadStream,
  ReaderGone,
} from './pull-stream';

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

/** linux/<this machine's arch>: what `docker pull` picks. */
export function hostPlatform(): Platform {
  const a = arch();
  if (a === 'x64') return { os: 'linux', architecture: 'amd64' };
  if (a === 'arm64') return { os: 'linux', architecture: 'arm64', variant: 'v8' };
  if (a === 'arm') return { os: 'linux', architecture: 'arm', variant: 'v7' };
  if (a === 'ia32') return { os: 'linux', architecture: '386' };
  return { os: 'linux', architecture: a };
}

/** Where the file goes: the directory must exist (the temp file sits beside the target). */
async function checkOutputDir(target: string): Promise<string> {
  const dir = dirname(target);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new LadingError('file-error', `Cannot write ${target}: the directory ${dir} does not exist.`, {
      hint: 'Create it first or pick another path.',
    });
  }
  return dir;
}

/** One progress entry per distinct layer digest. */
function trackLayers(tracker: ProgressTracker, images: ResolvedImage[]): Map<string, number> {
  const layerProgress = new Map<string, number>();
  for (const img of images) {
    for (const l of img.manifest.layers)
      if (!layerProgress.has(l.digest)) layerProgress.set(l.digest, tracker.addLayer(l.digest, l.size));
  }
  return layerProgress;
}

function pullResult(
  target: string,
  format: 'docker' | 'oci',
  images: ResolvedImage[],
  index: ResolvedIndex | undefined,
  size: number,
): PullResult {
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
    size,
  };
}

export async function pullImage(opts: PullOptions): Promise<PullResult> {
  const { client, reference, signal } = opts;
  const format = opts.format ?? 'docker';
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
  const target = opts.outputPath;
  const dir = await checkOutputDir(target);
  const { images, index } = await resolvePull(client, reference, wanted, opts.allPlatforms, signal);
  checkPullable(images, format);
  const tracker = new ProgressTracker(opts.onProgress);
  const layerProgress = trackLayers(tracker, images);

  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const fh = await open(temp, 'wx');
  let ok = false;
  let fetcher: LayerFetcher | undefined;
  try {
    const tar = new TarFileWriter(fh);
    fetcher = new LayerFetcher(client, reference.repository, tracker, layerProgress, signal);
    const sink: ArchiveSink = { tar, fetcher, tracker, layerProgress, reference, signal };
    if (format === 'docker') await writeDockerArchive(sink, images[0] as ResolvedImage);
    else await writeOciArchive(sink, images, index);
    await tar.finish();
    await fh.sync();
    await fh.close();
    if (signal?.aborted) throw cancelled(signal);
    await rename(temp, target);
    ok = true;
    tracker.flush();
    return pullResult(target, format, images, index, tar.bytesWritten);
  } catch (e) {
    if (signal?.aborted) throw cancelled(signal);
    throw e instanceof LadingError || (e as Error)?.name === 'AbortError'
      ? e
      : new LadingError('file-error', `Writing ${target} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    // Prefetches still open are closed on any exit.
    await fetcher?.close();
    if (!ok) {
      await fh.close().catch(() => {});
      await unlink(temp).catch(() => {});
      tracker.flush();
    }
  }
}
