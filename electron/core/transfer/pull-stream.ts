/**
 * A docker-load archive made on the fly from the registry, as a stream (for an engine's POST /images/load):
 * nothing on disk. The layers go in as the registry stores them (compressed): their sizes are then in the manifest,
 * so each tar header can be written before its bytes, and `docker load` and Podman decompress layer files
 * themselves. Each blob's digest is checked as it downloads and its diff_id on a decompressed copy, as the
 * file pull does; the metadata comes first, so the engine knows the image before the layers arrive.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { LadingError } from '../registry/errors';
import type { Descriptor } from '../registry/manifest';
import { formatPlatform } from '../registry/manifest';
import type { Reference } from '../registry/reference';
import { type ProgressListener, ProgressTracker } from './progress';
import { hostPlatform, type PullClient } from './pull';
import { LayerFetcher } from './pull-layers';
import { checkPullable, type ResolvedImage, resolvePull } from './pull-resolve';
import { cancelled } from './pull-write';
import { verifyCompressed } from './push-verify';
import { parsePlatformString } from './select-image';

export interface DockerLoadStreamOptions {
  client: PullClient;
  reference: Reference;
  /** OS/ARCH[/VARIANT]; default: this machine's. */
  platform?: string;
  /** The name the archive gives the image (default: the reference's, when it has a tag). */
  repoTag?: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface DockerLoadStream {
  /** The archive's bytes; ends when every layer is in, fails (destroyed) when a download or check fails. */
  tar: Readable;
  /** Settles when the archive is complete: the first failure, if any (the stream is destroyed with it). */
  done: Promise<void>;
  digest: string;
  mediaType: string;
  platform: string;
}

/** The archive's reader stopped before the end: whatever stopped it (the engine's answer) says why. */
export class ReaderGone extends LadingError {
  constructor() {
    super('server-error', 'The image archive stopped being read before its end.');
  }
}

/** registry/repository:tag, docker.io's as docker names them (library/ dropped). */
export function repoTagOf(ref: Reference): string | undefined {
  if (!ref.tag) return undefined;
  const name =
    ref.registry === 'docker.io'
      ? ref.repository.replace(/^library\//, '')
      : `${ref.registry}/${ref.repository}`;
  return `${name}:${ref.tag}`;
}

function compressionOf(mediaType: string, head: Uint8Array): 'gzip' | 'zstd' | 'tar' {
  if (mediaType.endsWith('zstd') || (head[0] === 0x28 && head[1] === 0xb5)) return 'zstd';
  if (mediaType.endsWith('gzip') || (head[0] === 0x1f && head[1] === 0x8b)) return 'gzip';
  return 'tar';
}

/** A layer's bytes through an entry of the pack, its diff_id checked against the config's. */
async function writeLayer(
  pack: tar.Pack,
  gone: Promise<never>,
  path: string,
  layer: Descriptor,
  blob: AsyncIterable<Uint8Array>,
  diffId: string,
): Promise<void> {
  const it = blob[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  const whole = async function* (): AsyncGenerator<Uint8Array> {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  };
  const kind = compressionOf(layer.mediaType, head);
  let actual = '';
  const what = `layer ${layer.digest}`;
  const source =
    kind === 'tar'
      ? (async function* () {
          const hash = createHash('sha256');
          for await (const c of whole()) {
            hash.update(c);
            yield c;
          }
          actual = `sha256:${hash.digest('hex')}`;
        })()
      : verifyCompressed(whole, {
          archive: 'the registry',
          what,
          storedAs: kind,
          onRead: () => {},
          onDiffId: (d) => {
            actual = d;
          },
        });
  const entry = pack.entry({ name: path, size: layer.size, mode: 0o644 });
  const written = Promise.race([once(entry, 'finish'), gone]);
  written.catch(() => {});
  // A full pack waits for its reader, who may be gone (the engine failed, the request was cancelled).
  for await (const chunk of source) if (!entry.write(chunk)) await Promise.race([once(entry, 'drain'), gone]);
  if (actual !== diffId)
    throw new LadingError(
      'digest-mismatch',
      `${what} decompresses to ${actual}, but the image config says ${diffId}.`,
      {
        hint: 'The image in the registry is inconsistent; re-push it.',
      },
    );
  // streamx's end takes an optional last chunk; its types want one.
  entry.end(undefined as never);
  await written;
}

async function writeArchive(
  pack: tar.Pack,
  gone: Promise<never>,
  img: ResolvedImage,
  repoTag: string | undefined,
  fetcher: LayerFetcher,
  tracker: ProgressTracker,
  layerProgress: Map<string, number>,
): Promise<void> {
  const diffIds = img.config.rootfs.diff_ids;
  const configName = `${createHash('sha256').update(img.configBytes).digest('hex')}.json`;
  const layerPaths = img.manifest.layers.map((l) => `blobs/${l.digest.replace(':', '/')}`);
  pack.entry({ name: configName, mode: 0o644 }, img.configBytes);
  const manifest = [{ Config: configName, RepoTags: repoTag ? [repoTag] : [], Layers: layerPaths }];
  pack.entry({ name: 'manifest.json', mode: 0o644 }, JSON.stringify(manifest));
  const written = new Set<string>();
  for (const [i, layer] of img.manifest.layers.entries()) {
    const path = layerPaths[i] as string;
    const idx = layerProgress.get(layer.digest) as number;
    if (written.has(path)) continue;
    const blob = await fetcher.download(layer);
    fetcher.prefetchAfter(img.manifest.layers, i);
    await writeLayer(pack, gone, path, layer, blob, diffIds[i] as string);
    written.add(path);
    tracker.finish(idx, 'done');
  }
  pack.finalize();
}

/** Resolves the image (refusals before any byte), then streams its docker-load archive. */
export async function dockerLoadStream(opts: DockerLoadStreamOptions): Promise<DockerLoadStream> {
  const { client, reference, signal } = opts;
  const wanted = opts.platform ? parsePlatformString(opts.platform) : hostPlatform();
  const { images } = await resolvePull(client, reference, wanted, false, signal);
  checkPullable(images, 'docker');
  const img = images[0] as ResolvedImage;
  if (img.config.rootfs.diff_ids.length !== img.manifest.layers.length)
    throw new LadingError(
      'protocol-error',
      `The image ${img.descriptor.digest} does not list one diff_id per layer.`,
    );
  const tracker = new ProgressTracker(opts.onProgress);
  const layerProgress = new Map<string, number>();
  for (const l of img.manifest.layers)
    if (!layerProgress.has(l.digest)) layerProgress.set(l.digest, tracker.addLayer(l.digest, l.size));
  const fetcher = new LayerFetcher(client, reference.repository, tracker, layerProgress, signal);
  const pack: tar.Pack = tar.pack();
  // A Node stream for undici's request body (tar-stream's pack is a streamx one).
  const body = Readable.from(pack as AsyncIterable<Uint8Array>, { objectMode: false });
  const gone = new Promise<never>((_, reject) => {
    const stop = () => reject(signal?.aborted ? cancelled(signal) : new ReaderGone());
    body.once('close', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  gone.catch(() => {});
  const done = writeArchive(
    pack,
    gone,
    img,
    opts.repoTag ?? repoTagOf(reference),
    fetcher,
    tracker,
    layerProgress,
  )
    .catch((e) => {
      pack.destroy(e);
      throw signal?.aborted ? cancelled(signal) : e;
    })
    .finally(async () => {
      await fetcher.close();
      tracker.flush();
    });
  done.catch(() => {});
  const c = img.config;
  return {
    tar: body,
    done,
    digest: img.descriptor.digest,
    mediaType: img.descriptor.mediaType,
    platform:
      c.os && c.architecture
        ? formatPlatform({ os: c.os, architecture: c.architecture, variant: c.variant })
        : 'unknown',
  };
}
