import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { onCleanup, run } from './exec';
import { editImageConfig, findTag, setTag, writeJsonBlob } from './oci-layout';
import { type AccessRequest, authorizationFor, type TestRegistry, type TestUser } from './registry';

/** An image in an OCI layout directory, addressable by skopeo as `ref`. */
export interface BuiltImage {
  layoutDir: string;
  tag: string;
  /** 'oci:DIR:TAG' */
  ref: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface BuildImageOptions {
  /** One record per layer, bottom first: path inside the image -> file content. */
  layers: Array<Record<string, string | Buffer>>;
  labels?: Record<string, string>;
  platform?: Platform;
  /** RFC 3339; also used for history entries and file mtimes, so the same inputs give the same digests. */
  created?: string;
  entrypoint?: string[];
  env?: string[];
  workdir?: string;
  tag?: string;
  /** Add the image to an existing layout (several tags in one layout). */
  layoutDir?: string;
}

const DEFAULT_CREATED = '2024-01-01T00:00:00Z';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

// Layouts made by these helpers are temp dirs, removed at the end of the test file (or process).
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An uncompressed tar of `files` with parent directories and fixed ownership/mtime. */
export async function layerTar(files: Record<string, string | Buffer>, mtime: Date): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', () => resolve());
    tar.on('error', reject);
  });
  const dirs = new Set<string>();
  const entries = Object.entries(files).map(([p, content]) => [p.replace(/^\/+/, ''), content] as const);
  for (const [path] of entries) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  for (const dir of [...dirs].sort())
    tar.entry({ ...common, name: `${dir}/`, type: 'directory', mode: 0o755 });
  for (const [path, content] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    tar.entry({ ...common, name: path, type: 'file', mode: 0o644 }, Buffer.from(content));
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const tag = opts.tag ?? 'latest';
  const created = opts.created ?? DEFAULT_CREATED;
  const layoutDir = opts.layoutDir ?? join(await tempDir('lading-image-'), 'layout');
  const image = `${layoutDir}:${tag}`;
  if (!existsSync(join(layoutDir, 'index.json'))) await run('umoci', ['init', '--layout', layoutDir]);
  await run('umoci', ['new', '--image', image]);

  const scratch = await tempDir('lading-layer-');
  try {
    for (const [i, files] of opts.layers.entries()) {
      const tarFile = join(scratch, `layer-${i}.tar`);
      await writeFile(tarFile, await layerTar(files, new Date(created)));
      await run('umoci', [
        'raw',
        'add-layer',
        '--image',
        image,
        '--history.created',
        created,
        '--history.created_by',
        `lading-test layer ${i}`,
        tarFile,
      ]);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const args = ['config', '--image', image, '--no-history', '--created', created];
  args.push('--os', platform.os, '--architecture', platform.architecture);
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--config.label', `${k}=${v}`);
  for (const e of opts.entrypoint ?? []) args.push('--config.entrypoint', e);
  for (const e of opts.env ?? []) args.push('--config.env', e);
  if (opts.workdir) args.push('--config.workingdir', opts.workdir);
  await run('umoci', args);
  // umoci 0.4.7 has no --variant flag, and `umoci new` stamps the current time into history.
  await editImageConfig(layoutDir, tag, (config) => {
    if (platform.variant) config.variant = platform.variant;
    const history = config.history as Array<{ created?: string }> | undefined;
    for (const h of history ?? []) h.created = created;
  });
  return { layoutDir, tag, ref: `oci:${layoutDir}:${tag}` };
}

export interface BuildMultiPlatformOptions {
  platforms: Platform[];
  labels?: Record<string, string>;
  indexAnnotations?: Record<string, string>;
  tag?: string;
}

/** Platform string used for per-platform tags and file contents, e.g. 'linux-arm-v7'. */
function platformName(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('-');
}

/**
 * One layout holding an image per platform (each tagged `${tag}-${os}-${arch}[-variant]`, each with a
 * distinct small layer) and an OCI index over them tagged `tag`.
 */
export async function buildMultiPlatform(opts: BuildMultiPlatformOptions): Promise<BuiltImage> {
  const tag = opts.tag ?? 'latest';
  const layoutDir = join(await tempDir('lading-multi-'), 'layout');
  const manifests: Array<Record<string, unknown>> = [];
  for (const platform of opts.platforms) {
    const name = platformName(platform);
    const built = await buildImage({
      layoutDir,
      tag: `${tag}-${name}`,
      platform,
      labels: opts.labels,
      layers: [{ 'etc/platform': `${name}\n` }],
    });
    const desc = await findTag(layoutDir, built.tag);
    manifests.push({
      mediaType: OCI_MANIFEST,
      digest: desc.digest,
      size: desc.size,
      platform: { ...platform },
    });
  }
  const indexDoc: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
  if (opts.indexAnnotations) indexDoc.annotations = opts.indexAnnotations;
  const desc = await writeJsonBlob(layoutDir, OCI_INDEX, indexDoc);
  await setTag(layoutDir, tag, desc);
  return { layoutDir, tag, ref: `oci:${layoutDir}:${tag}` };
}

export interface SkopeoCopyOptions {
  destCreds?: TestUser;
  srcCreds?: TestUser;
  all?: boolean;
  format?: 'oci' | 'v2s2';
}

function credsArg(user: TestUser): string {
  return `${user.username}:${user.password}`;
}

/** `skopeo copy` between any two transports; plain HTTP allowed, no signature policy. */
export async function skopeoCopy(src: string, dst: string, opts: SkopeoCopyOptions = {}): Promise<void> {
  const args = ['copy', '--insecure-policy', '--src-tls-verify=false', '--dest-tls-verify=false', '--quiet'];
  // Without explicit credentials skopeo would read ~/.docker/config.json and auth.json, which other
  // tests may write to; registries are always accessed with exactly the credentials given here.
  if (opts.srcCreds) args.push('--src-creds', credsArg(opts.srcCreds));
  else if (src.startsWith('docker://')) args.push('--src-no-creds');
  if (opts.destCreds) args.push('--dest-creds', credsArg(opts.destCreds));
  else if (dst.startsWith('docker://')) args.push('--dest-no-creds');
  if (opts.all) args.push('--all');
  if (opts.format) args.push('--format', opts.format);
  await run('skopeo', [...args, src, dst]);
}

/** `skopeo inspect` parsed as JSON (`raw`: the manifest as stored; `config`: the image config). */
export async function skopeoInspect(
  ref: string,
  opts: { raw?: boolean; config?: boolean; creds?: TestUser } = {},
  // biome-ignore lint/suspicious/noExplicitAny: skopeo's JSON is whatever the tested document is; tests pick fields
): Promise<any> {
  const args = ['inspect', '--tls-verify=false'];
  if (opts.raw) args.push('--raw');
  if (opts.config) args.push('--config');
  if (opts.creds) args.push('--creds', credsArg(opts.creds));
  else if (ref.startsWith('docker://')) args.push('--no-creds');
  const { stdout } = await run('skopeo', [...args, ref]);
  return JSON.parse(stdout);
}

/** Pushes a built image to `registry` as `target` ('repo:tag') with the registry's full-rights user. */
export async function pushImage(
  registry: TestRegistry,
  image: BuiltImage,
  target: string,
  opts: { all?: boolean; format?: 'oci' | 'v2s2' } = {},
): Promise<void> {
  await skopeoCopy(image.ref, `docker://${registry.host}/${target}`, { ...opts, destCreds: registry.user });
}

/** Writes `image` as a `docker save`-style or OCI archive file. */
export async function writeArchive(
  image: BuiltImage,
  kind: 'docker-archive' | 'oci-archive',
  file: string,
  opts: { refName?: string } = {},
): Promise<void> {
  await skopeoCopy(image.ref, opts.refName ? `${kind}:${file}:${opts.refName}` : `${kind}:${file}`);
}

// --- fast seeding: skopeo pushes one tiny image, then plain HTTP re-tags / cross-mounts it ---

let seedImage: Promise<BuiltImage> | undefined;

function tinyImage(): Promise<BuiltImage> {
  if (!seedImage) {
    seedImage = buildImage({ layers: [{ 'seed.txt': 'lading seed image\n' }], tag: 'seed' });
    onCleanup(() => {
      seedImage = undefined;
    });
  }
  return seedImage;
}

const MANIFEST_ACCEPT = [
  OCI_MANIFEST,
  OCI_INDEX,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

async function registryFetch(
  registry: TestRegistry,
  path: string,
  init: RequestInit & { access: AccessRequest[] },
): Promise<Response> {
  const headers = new Headers(init.headers);
  const auth = authorizationFor(registry, init.access);
  if (auth) headers.set('authorization', auth);
  return fetch(`${registry.url}${path}`, { ...init, headers });
}

async function expectStatus(res: Response, ok: number[], what: string): Promise<void> {
  if (ok.includes(res.status)) return;
  throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

async function getManifest(registry: TestRegistry, repository: string, reference: string) {
  const res = await registryFetch(registry, `/v2/${repository}/manifests/${reference}`, {
    headers: { accept: MANIFEST_ACCEPT },
    access: [{ type: 'repository', name: repository, actions: ['pull'] }],
  });
  await expectStatus(res, [200], `GET manifest ${repository}:${reference}`);
  return {
    body: Buffer.from(await res.arrayBuffer()),
    contentType: res.headers.get('content-type') ?? OCI_MANIFEST,
  };
}

async function putManifest(
  registry: TestRegistry,
  repository: string,
  tag: string,
  manifest: { body: Uint8Array<ArrayBuffer>; contentType: string },
): Promise<void> {
  const res = await registryFetch(registry, `/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': manifest.contentType },
    body: manifest.body,
    access: [{ type: 'repository', name: repository, actions: ['pull', 'push'] }],
  });
  await expectStatus(res, [201], `PUT manifest ${repository}:${tag}`);
  await res.arrayBuffer();
}

/** Creates `tags` in `repository`, all pointing at one tiny image. 150 tags take about a second. */
export async function seedTags(registry: TestRegistry, repository: string, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  const [first, ...rest] = tags;
  await pushImage(registry, await tinyImage(), `${repository}:${first}`);
  const manifest = await getManifest(registry, repository, first!);
  await pool(rest, 8, (tag) => putManifest(registry, repository, tag, manifest));
}

/** Mounts (or, if the registry declines, re-uploads) one blob from `from` into `repository`. */
async function copyBlob(
  registry: TestRegistry,
  from: string,
  repository: string,
  digest: string,
): Promise<void> {
  const access: AccessRequest[] = [
    { type: 'repository', name: repository, actions: ['pull', 'push'] },
    { type: 'repository', name: from, actions: ['pull'] },
  ];
  const mount = await registryFetch(
    registry,
    `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
    { method: 'POST', access },
  );
  await mount.arrayBuffer();
  if (mount.status === 201) return;
  await expectStatus(mount, [202], `mount ${digest} into ${repository}`);
  const blob = await registryFetch(registry, `/v2/${from}/blobs/${digest}`, { access });
  await expectStatus(blob, [200], `GET blob ${from}@${digest}`);
  const body = new Uint8Array(await blob.arrayBuffer());
  const location = new URL(mount.headers.get('location') ?? '', registry.url);
  location.searchParams.set('digest', digest);
  const put = await registryFetch(registry, `${location.pathname}${location.search}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body,
    access,
  });
  await expectStatus(put, [201], `upload ${digest} into ${repository}`);
  await put.arrayBuffer();
}

/** Creates `names` repositories, each with tag `latest` of one tiny image (blobs cross-mounted). */
export async function seedRepositories(registry: TestRegistry, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const [first, ...rest] = names;
  await pushImage(registry, await tinyImage(), `${first}:latest`);
  const manifest = await getManifest(registry, first!, 'latest');
  const doc = JSON.parse(Buffer.from(manifest.body).toString('utf8')) as {
    config: { digest: string };
    layers: Array<{ digest: string }>;
  };
  const digests = [doc.config.digest, ...doc.layers.map((l) => l.digest)];
  await pool(rest, 6, async (name) => {
    for (const digest of digests) await copyBlob(registry, first!, name, digest);
    await putManifest(registry, name, 'latest', manifest);
  });
}
