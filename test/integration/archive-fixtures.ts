/**
 * Archives for the archive/push/pull tests, written by real tools (umoci builds the image, skopeo writes
 * docker-archive:/oci-archive:) or assembled here where no tool on this machine writes the format
 * (Docker 25+ OCI-in-tar, the containerd-store variant, hostile tars).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { RegistryClient } from '../../electron/core/registry/client';
import { repositoryName } from '../../electron/core/registry/names';
import { sha256 } from '../support/digest';
import { onCleanup, run } from '../support/exec';
import { type BuiltImage, buildImage } from '../support/images';
import { findTag, readBlobJson } from '../support/oci-layout';
import type { TestRegistry } from '../support/registry';

export async function tempDir(prefix = 'lading-archive-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic text so layers compress; random bytes so some blocks do not. */
export function sampleText(n: number): string {
  const words = ['layer', 'registry', 'manifest', 'digest', 'lading', 'blob', 'config', 'tar', 'gzip'];
  let s = '';
  let i = 0;
  while (s.length < n) s += `${words[(i * 7 + (i >> 2)) % words.length]}${i++ % 13 === 0 ? '\n' : ' '}`;
  return s.slice(0, n);
}

/** A two-layer image (text, then random bytes) in an OCI layout. */
export function buildSampleImage(tag = 'v1', randomSize = 300_000): Promise<BuiltImage> {
  return buildImage({
    tag,
    layers: [{ 'etc/hello.txt': sampleText(200_000) }, { 'data/random.bin': randomBytes(randomSize) }],
    labels: { 'org.opencontainers.image.title': `sample-${tag}` },
  });
}

export interface LayoutImage {
  manifestDigest: string;
  manifest: {
    config: { digest: string; size: number; mediaType: string };
    layers: { digest: string; size: number; mediaType: string }[];
  };
  config: { rootfs: { diff_ids: string[] } };
  configBytes: Buffer;
  /** Compressed layer blobs as umoci wrote them. */
  layerBlobs: Buffer[];
}

export async function readLayoutImage(image: BuiltImage): Promise<LayoutImage> {
  const desc = await findTag(image.layoutDir, image.tag);
  const manifest = await readBlobJson<LayoutImage['manifest']>(image.layoutDir, desc.digest);
  const blob = (d: string) => readFile(join(image.layoutDir, 'blobs', 'sha256', d.slice(7)));
  const configBytes = await blob(manifest.config.digest);
  return {
    manifestDigest: desc.digest,
    manifest,
    config: JSON.parse(configBytes.toString('utf8')),
    configBytes,
    layerBlobs: await Promise.all(manifest.layers.map((l) => blob(l.digest))),
  };
}

export interface TarEntrySpec {
  name: string;
  content?: Buffer | string;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
}

export async function writeTar(file: string, entries: TarEntrySpec[]): Promise<void> {
  const p = pack();
  const done = pipeline(p, createWriteStream(file));
  for (const e of entries) {
    if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' });
    else if (e.type === 'directory') p.entry({ name: e.name, type: 'directory' });
    else
      p.entry(
        { name: e.name },
        typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0)),
      );
  }
  p.finalize();
  await done;
}

/**
 * A `docker save` of Docker 25+: an OCI layout with uncompressed layers (named by diff_id) plus
 * manifest.json and repositories. With `containerd: true`, the containerd-store variant: the original
 * compressed blobs, manifest.json pointing at them.
 */
export async function writeDocker25Archive(
  image: BuiltImage,
  file: string,
  repoTag: string,
  opts: { containerd?: boolean } = {},
): Promise<LayoutImage> {
  const src = await readLayoutImage(image);
  const entries: TarEntrySpec[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  const layers: { digest: string; size: number; mediaType: string }[] = [];
  for (const [i, blob] of src.layerBlobs.entries()) {
    const data = opts.containerd ? blob : gunzipSync(blob);
    const digest = opts.containerd ? (src.manifest.layers[i]?.digest as string) : sha256(data);
    layers.push({
      digest,
      size: data.length,
      mediaType: opts.containerd
        ? 'application/vnd.oci.image.layer.v1.tar+gzip'
        : 'application/vnd.oci.image.layer.v1.tar',
    });
    entries.push({ name: `blobs/sha256/${digest.slice(7)}`, content: data });
  }
  const configDigest = sha256(src.configBytes);
  entries.push({ name: `blobs/sha256/${configDigest.slice(7)}`, content: src.configBytes });
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: src.configBytes.length,
    },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = sha256(manifestBytes);
  entries.push({ name: `blobs/sha256/${manifestDigest.slice(7)}`, content: manifestBytes });
  const [name, tag] = [
    repoTag.slice(0, repoTag.lastIndexOf(':')),
    repoTag.slice(repoTag.lastIndexOf(':') + 1),
  ];
  entries.push({
    name: 'index.json',
    content: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifestBytes.length,
          annotations: {
            'io.containerd.image.name': `docker.io/library/${repoTag}`,
            'org.opencontainers.image.ref.name': tag,
          },
        },
      ],
    }),
  });
  entries.push({
    name: 'manifest.json',
    content: JSON.stringify([
      {
        Config: `blobs/sha256/${configDigest.slice(7)}`,
        RepoTags: [repoTag],
        Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ]),
  });
  entries.push({ name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' });
  entries.push({
    name: 'repositories',
    content: JSON.stringify({ [name]: { [tag]: layers.at(-1)?.digest.slice(7) } }),
  });
  await writeTar(file, entries);
  return src;
}

export async function compressFile(file: string, kind: 'gzip' | 'zstd'): Promise<string> {
  if (kind === 'gzip') {
    await run('gzip', ['-k', '-f', file]);
    return `${file}.gz`;
  }
  await run('zstd', ['-q', '-f', file, '-o', `${file}.zst`]);
  return `${file}.zst`;
}

export function clientFor(
  registry: TestRegistry,
  opts: { baseUrl?: string; chunkSize?: number } = {},
): RegistryClient {
  return new RegistryClient({
    registry: registry.host,
    credentials: registry.user,
    allowCrossHostRealm: true,
    retryBaseMs: 20,
    ...opts,
  });
}

/** Tags of a repository, [] when the repository does not exist. */
export async function tagsOf(registry: TestRegistry, repository: string): Promise<string[]> {
  try {
    return await clientFor(registry).tags(repositoryName(repository));
  } catch {
    return [];
  }
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** File descriptors of this process open on `file` (Linux): an archive must be closed after a push, failed or not. */
export async function handlesOn(file: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === file) n++;
  }
  return n;
}
