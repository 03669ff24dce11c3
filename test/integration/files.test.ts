/**
 * Browsing a remote image's files (core/files and `lading ls/cat/export`) against a real docker-registry:
 * an image built by umoci whose layers modify, remove (whiteouts) and replace directories (opaque
 * whiteouts), with symlinks, hard links, a fifo, a character device and long paths, compared with what
 * `umoci unpack` makes of the same image; hostile layers pushed raw; the index cache.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarHeader } from '../../electron/core/archive/tar-writer';
import { exportImageFiles } from '../../electron/core/files/export';
import { listFiles, openImageFiles } from '../../electron/core/files/image-files';
import { IndexCache } from '../../electron/core/files/index-cache';
import { summarize } from '../../electron/core/files/merge';
import { readImageFile } from '../../electron/core/files/read-file';
import type { RegistryClient } from '../../electron/core/registry/client';
import { LadingError } from '../../electron/core/registry/errors';
import { manifestReference, repositoryName } from '../../electron/core/registry/names';
import { parseReference } from '../../electron/core/registry/reference';
import { run } from '../support/exec';
import { pushImage } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, chooseSavePath, connectionTo, servicesInTempDir } from '../support/services';
import { clientFor, tempDir } from './archive-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

type Spec = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  devmajor?: number;
  devminor?: number;
};

const MTIME = new Date('2024-01-01T00:00:00Z');

async function tarOf(entries: Spec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const e of entries) {
    const type = e.type ?? 'file';
    const mode = e.mode ?? (type === 'directory' ? 0o755 : 0o644);
    const header = { name: e.name, type, mode, uid: 0, gid: 0, mtime: MTIME, linkname: e.linkname };
    if (type === 'character-device') Object.assign(header, { devmajor: e.devmajor, devminor: e.devminor });
    if (type === 'file') p.entry(header, Buffer.from(e.content ?? ''));
    else p.entry(header);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const LONG_DIR = `long/${'d'.repeat(120)}`;
const LONG_FILE = `${LONG_DIR}/${'f'.repeat(150)}.txt`;
const big = Buffer.alloc(200_000, 7);

const LAYERS: Spec[][] = [
  [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: 'NAME=one\n' },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'etc/alias', type: 'symlink', linkname: 'os-release' },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/tool', content: 'tool v1\n'.repeat(400), mode: 0o755 },
    { name: 'usr/bin/tool-link', type: 'link', linkname: 'usr/bin/tool' },
    { name: 'usr/lib64', type: 'symlink', linkname: '/usr/bin' },
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory', mode: 0o700 },
    { name: 'var/cache/big.bin', content: big },
    { name: 'opt/', type: 'directory' },
    { name: 'opt/app/', type: 'directory' },
    { name: 'opt/app/old.txt', content: 'old\n' },
    { name: 'opt/app/sub/', type: 'directory' },
    { name: 'opt/app/sub/deep.txt', content: 'deep\n' },
    { name: 'srv/', type: 'directory' },
    { name: 'srv/data/', type: 'directory' },
    { name: 'srv/data/x', content: 'x\n' },
    { name: 'dev/', type: 'directory' },
    { name: 'dev/fifo1', type: 'fifo' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'long/', type: 'directory' },
    { name: `${LONG_DIR}/`, type: 'directory' },
    { name: LONG_FILE, content: 'long\n' },
  ],
  [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: 'NAME=two\nVERSION=2\n' },
    { name: 'etc/.wh.passwd' },
    { name: 'etc/new.conf', content: 'new\n', mode: 0o600 },
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory', mode: 0o700 },
    { name: 'var/cache/.wh.big.bin' },
    { name: 'opt/', type: 'directory' },
    { name: 'opt/app/', type: 'directory', mode: 0o750 },
    { name: 'opt/app/new.txt', content: 'new app\n' },
    // After the new file on purpose: an opaque marker hides lower layers only, whatever its place.
    { name: 'opt/app/.wh..wh..opq' },
    { name: 'srv/', type: 'directory' },
    { name: 'srv/data', content: 'now a file\n' },
  ],
  [
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/tool', content: 'tool v2\n', mode: 0o755 },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/alias2', type: 'symlink', linkname: '../usr/lib64/tool' },
    { name: '.wh.long' },
  ],
];

let registry: TestRegistry;
let layout: string;
let rootfs: string;
let cli: CliSandbox;
const REPO = 'files/app';

async function buildLayeredImage(): Promise<string> {
  const dir = await tempDir('lading-files-');
  const image = `${join(dir, 'layout')}:v1`;
  await run('umoci', ['init', '--layout', join(dir, 'layout')]);
  await run('umoci', ['new', '--image', image]);
  for (const [i, layer] of LAYERS.entries()) {
    const file = join(dir, `layer-${i}.tar`);
    await writeFile(file, await tarOf(layer));
    await run('umoci', ['raw', 'add-layer', '--image', image, '--history.created_by', `layer ${i}`, file]);
  }
  await run('umoci', ['config', '--image', image, '--os', 'linux', '--architecture', 'amd64']);
  return dir;
}

interface TreeRow {
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size?: number;
  link?: string;
  sha?: string;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A directory tree as the kernel sees it (hard links are plain files there). */
async function readTree(root: string): Promise<Record<string, TreeRow>> {
  const out: Record<string, TreeRow> = {};
  const visit = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const s = await lstat(join(root, path));
      const type = s.isDirectory()
        ? 'directory'
        : s.isSymbolicLink()
          ? 'symlink'
          : s.isFIFO()
            ? 'fifo'
            : s.isCharacterDevice()
              ? 'character-device'
              : s.isBlockDevice()
                ? 'block-device'
                : 'file';
      const r: TreeRow = {
        type,
        mode: (s.mode & 0o7777).toString(8).padStart(4, '0'),
        uid: s.uid,
        gid: s.gid,
      };
      if (type === 'file') {
        r.size = s.size;
        r.sha = sha(await readFile(join(root, path)));
      }
      if (type === 'symlink') r.link = await readlink(join(root, path));
      out[`/${path}`] = r;
      if (type === 'directory') await visit(path);
    }
  };
  await visit('');
  return out;
}

/** Linux shows every symlink as 0777 whatever the tar said; the listing keeps the tar's mode. */
function withoutSymlinkModes(tree: Record<string, TreeRow>): Record<string, TreeRow> {
  return Object.fromEntries(
    Object.entries(tree).map(([p, r]) => [p, r.type === 'symlink' ? { ...r, mode: '0777' } : r]),
  );
}

const ref = () => parseReference(`${registry.host}/${REPO}:v1`);

beforeAll(async () => {
  registry = await startRegistry({ mode: 'basic' });
  const dir = await buildLayeredImage();
  layout = join(dir, 'layout');
  await pushImage(registry, { layoutDir: layout, tag: 'v1', ref: `oci:${layout}:v1` }, `${REPO}:v1`);
  await run('umoci', ['unpack', '--image', `${layout}:v1`, join(dir, 'bundle')]);
  rootfs = join(dir, 'bundle', 'rootfs');
  cli = await cliSandbox();
  await mkdir(cli.dockerConfig, { recursive: true });
  const auth = Buffer.from(`${registry.user?.username}:${registry.user?.password}`).toString('base64');
  await writeFile(
    join(cli.dockerConfig, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth } } }),
  );
}, 120_000);

afterAll(async () => {
  await cli?.cleanup();
  await registry?.stop();
});

const cliEnv = () => ({
  LADING_INSECURE_REGISTRIES: registry.host,
  LADING_CACHE_DIR: join(cli.home, 'cache'),
});

describe('the merged filesystem', () => {
  it('lists what umoci unpack makes of the image, and every file reads the same', async () => {
    const r = await cli.lading(['ls', `${registry.host}/${REPO}:v1`, '--json'], { env: cliEnv() });
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as Array<{
      path: string;
      type: string;
      mode: string;
      uid: number;
      gid: number;
      size: number;
      linkTarget?: string;
      layer: number;
    }>;
    const expected = await readTree(rootfs);
    const client = clientFor(registry);
    const files = await openImageFiles(client, ref());
    const actual: Record<string, TreeRow> = {};
    for (const row of rows) {
      const type = row.type === 'hardlink' ? 'file' : row.type;
      const t: TreeRow = { type, mode: row.mode, uid: row.uid, gid: row.gid };
      if (type === 'file') {
        const content = await readImageFile(client, files, row.path);
        const chunks: Buffer[] = [];
        for await (const c of content.body) chunks.push(Buffer.from(c));
        // On disk a hard link is its target's inode, mode included.
        t.mode = content.mode;
        t.size = content.size;
        t.sha = sha(Buffer.concat(chunks));
      }
      if (type === 'symlink') {
        t.link = row.linkTarget;
        t.mode = '0777';
      }
      actual[row.path] = t;
    }
    expect(actual).toEqual(withoutSymlinkModes(expected));
    const byPath = new Map(rows.map((x) => [x.path, x]));
    expect(byPath.get('/etc/os-release')?.layer).toBe(2);
    expect(byPath.get('/usr/bin/tool-link')).toMatchObject({
      type: 'hardlink',
      linkTarget: '/usr/bin/tool',
      layer: 1,
    });
    expect(byPath.has(`/${LONG_FILE}`)).toBe(false);
    expect(byPath.get('/dev/null')?.type).toBe('character-device');
  });

  it('lists again from the merged listing cached by manifest digest: the same rows, a subtree, one file', async () => {
    const reference = `${registry.host}/${REPO}:v1`;
    const cacheDir = join(cli.home, 'cache', 'file-index');
    const first = await cli.lading(['ls', reference, '--json'], { env: cliEnv() });
    const names = await readdir(cacheDir);
    expect(names.some((n) => n.startsWith('listing-v2-'))).toBe(true);
    // Without the layer indexes, a listing that read the layers would write them again.
    for (const n of names) if (!n.startsWith('listing-v2-')) await rm(join(cacheDir, n));
    const again = await cli.lading(['ls', reference, '--json'], { env: cliEnv() });
    expect(again.stdout).toBe(first.stdout);
    expect((await readdir(cacheDir)).every((n) => n.startsWith('listing-v2-'))).toBe(true);
    const all = JSON.parse(first.stdout) as { path: string }[];
    const below = JSON.parse(
      (await cli.lading(['ls', reference, '/etc/', '--json'], { env: cliEnv() })).stdout,
    );
    expect(below).toEqual(all.filter((r) => r.path.startsWith('/etc/')));
    const one = JSON.parse(
      (await cli.lading(['ls', reference, '/etc/os-release', '--json'], { env: cliEnv() })).stdout,
    );
    expect(one).toEqual(all.filter((r) => r.path === '/etc/os-release'));
    const text = await cli.lading(['ls', reference, '/etc'], { env: cliEnv() });
    expect(text.stdout).toContain('/etc/os-release');
    const missing = await cli.lading(['ls', reference, '/nope'], { env: cliEnv() });
    expect(missing.code).not.toBe(0);
    expect(expectOneLineError(missing.stderr).message).toContain('has no /nope');
    // Listed cold below a path, the whole listing is cached all the same.
    await rm(cacheDir, { recursive: true });
    const cold = await cli.lading(['ls', reference, '/etc', '--json'], { env: cliEnv() });
    expect(JSON.parse(cold.stdout)).toEqual(below);
    const whole = await cli.lading(['ls', reference, '--json'], { env: cliEnv() });
    expect(whole.stdout).toBe(first.stdout);
  });

  it("lists one layer's changes: added, modified, removed (whiteouts, opaque directories, replacements)", async () => {
    const files = await openImageFiles(clientFor(registry), ref());
    const changes = Object.fromEntries(listFiles(files, { layer: 2 }).map((r) => [r.path, r.change]));
    expect(changes).toMatchObject({
      '/etc/os-release': 'modified',
      '/etc/passwd': 'removed',
      '/etc/new.conf': 'added',
      '/var/cache/big.bin': 'removed',
      '/opt/app': 'modified',
      '/opt/app/new.txt': 'added',
      '/opt/app/old.txt': 'removed',
      '/opt/app/sub': 'removed',
      '/opt/app/sub/deep.txt': 'removed',
      '/srv/data': 'modified',
      '/srv/data/x': 'removed',
    });
    const three = listFiles(files, { layer: 3, path: '/long' });
    expect(three.map((r) => [r.path, r.change])).toEqual([
      ['/long', 'removed'],
      [`/${LONG_DIR}`, 'removed'],
      [`/${LONG_FILE}`, 'removed'],
    ]);
    // The filesystem as it stood after layer 1 still has what layer 2 removed.
    expect(listFiles(files, { upTo: 1, path: '/var/cache' }).map((r) => r.path)).toEqual([
      '/var/cache/big.bin',
    ]);
  });

  it('gives dive figures: total, final and wasted bytes, efficiency, largest wasted copies', async () => {
    const r = await cli.lading(['ls', `${registry.host}/${REPO}:v1`, '--summary', '--json'], {
      env: cliEnv(),
    });
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s).sort()).toEqual(
      [
        'directories',
        'efficiency',
        'files',
        'finalBytes',
        'largestWasted',
        'totalBytes',
        'wastedBytes',
      ].sort(),
    );
    expect(s.wastedBytes).toBe(s.totalBytes - s.finalBytes);
    expect(s.largestWasted[0]).toEqual({ path: '/var/cache/big.bin', bytes: big.length, layer: 1 });
    expect(s.largestWasted.map((w: { path: string }) => w.path)).toContain('/usr/bin/tool');
    expect(s.efficiency).toBeCloseTo(s.finalBytes / s.totalBytes, 6);
  });

  it('cat prints a file, follows symlinks on request, and refuses directories, removed and missing paths', async () => {
    const base = `${registry.host}/${REPO}:v1`;
    const ok = await cli.lading(['cat', base, '/etc/os-release'], { env: cliEnv() });
    expect(ok.stdout).toBe('NAME=two\nVERSION=2\n');
    const link = await cli.lading(['cat', base, '/etc/alias2', '--follow'], { env: cliEnv() });
    expect(link.stdout).toBe('tool v2\n');
    const old = await cli.lading(['cat', base, '/usr/bin/tool-link'], { env: cliEnv() });
    expect(old.stdout).toBe('tool v1\n'.repeat(400));
    for (const [path, text] of [
      ['/etc', /is a directory/],
      ['/etc/passwd', /has no \/etc\/passwd/],
      ['/nope/x', /has no \/nope/],
      ['/etc/alias', /is a symlink to os-release/],
    ] as const) {
      const r = await cli.lading(['cat', base, path], { env: cliEnv() });
      expect(r.code).not.toBe(0);
      expect(expectOneLineError(r.stderr).message).toMatch(text);
    }
  });

  it('export writes the merged filesystem as one tar that extracts to what umoci unpack makes', async () => {
    const dir = await tempDir();
    const file = join(dir, 'fs.tar');
    const r = await cli.lading(['export', `${registry.host}/${REPO}:v1`, file, '--json'], { env: cliEnv() });
    expect(r.stderr).toBe('');
    expect(await readdir(dir)).toEqual(['fs.tar']);
    await mkdir(join(dir, 'out'));
    await run('tar', ['-xpf', file, '-C', join(dir, 'out')]);
    expect(await readTree(join(dir, 'out'))).toEqual(await readTree(rootfs));
  });

  it('caches layer indexes: a second listing fetches no blob', async () => {
    const dir = await tempDir();
    const real = clientFor(registry);
    let opened = 0;
    const counting = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'openBlob')
          return (...args: Parameters<RegistryClient['openBlob']>) => {
            opened++;
            return target.openBlob(...args);
          };
        return Reflect.get(target, prop, receiver);
      },
    });
    const cache = new IndexCache(dir);
    const first = await openImageFiles(counting, ref(), { cache });
    expect(opened).toBe(LAYERS.length);
    const second = await openImageFiles(counting, ref(), { cache });
    expect(opened).toBe(LAYERS.length);
    expect(listFiles(second)).toEqual(listFiles(first));
    expect(summarize(second.merged)).toEqual(summarize(first.merged));
  });

  it('cancels, and leaves no partial export behind', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      openImageFiles(clientFor(registry), ref(), { signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'cancelled',
    });
    const files = await openImageFiles(clientFor(registry), ref());
    const dir = await tempDir();
    const c2 = new AbortController();
    const p = exportImageFiles(clientFor(registry), files, join(dir, 'x.tar'), {
      signal: c2.signal,
      onProgress: () => c2.abort(),
    });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(await readdir(dir)).toEqual([]);
  });
});

/** Pushes an image whose layers are `blobs` as given (no tool would write these), gzip unless said. */
async function pushRawLayer(
  tag: string,
  blob: Buffer,
  more: Array<{ blob: Buffer; mediaType: string }> = [],
): Promise<void> {
  const client = clientFor(registry);
  const repo = 'files/hostile';
  const all = [{ blob, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }, ...more];
  const layers = [];
  for (const l of all)
    layers.push({ mediaType: l.mediaType, ...(await client.uploadBlob(repositoryName(repo), [l.blob])) });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const cfg = await client.uploadBlob(repositoryName(repo), [config]);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers,
  };
  await client.putManifest(
    repositoryName(repo),
    manifestReference(tag),
    Buffer.from(JSON.stringify(manifest)),
    manifest.mediaType,
  );
}

async function refusal(tag: string, limits = {}): Promise<LadingError> {
  const started = Date.now();
  const e = await openImageFiles(
    clientFor(registry),
    parseReference(`${registry.host}/files/hostile:${tag}`),
    {
      limits,
    },
  ).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(LadingError);
  expect(Date.now() - started).toBeLessThan(20_000);
  return e as LadingError;
}

describe('layer compressions', () => {
  it('reads gzip, zstd and uncompressed layers alike', async () => {
    const one = await tarOf([
      { name: 'a/', type: 'directory' },
      { name: 'a/gz.txt', content: 'gzip\n' },
    ]);
    const two = await tarOf([
      { name: 'a/', type: 'directory' },
      { name: 'a/zst.txt', content: 'zstd\n' },
    ]);
    const three = await tarOf([
      { name: 'a/', type: 'directory' },
      { name: 'a/.wh.gz.txt' },
      { name: 'a/plain.txt', content: 'plain\n' },
    ]);
    await pushRawLayer('mixed', gzipSync(one), [
      { blob: zstdCompressSync(two), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' },
      { blob: three, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
    ]);
    const client = clientFor(registry);
    const files = await openImageFiles(client, parseReference(`${registry.host}/files/hostile:mixed`));
    expect(listFiles(files).map((r) => [r.path, r.layer])).toEqual([
      ['/a', 3],
      ['/a/plain.txt', 3],
      ['/a/zst.txt', 2],
    ]);
    for (const [path, text] of [
      ['/a/zst.txt', 'zstd\n'],
      ['/a/plain.txt', 'plain\n'],
    ]) {
      const chunks: Buffer[] = [];
      for await (const c of (await readImageFile(client, files, path as string)).body) chunks.push(c);
      expect(Buffer.concat(chunks).toString()).toBe(text);
    }
  });
});

describe('hostile layers', () => {
  it('stops a gzip bomb at the ratio bound', async () => {
    // 1 GiB of zeros in ~1 MiB: a tar header, then one 64 MiB member of zeros repeated (gzip members concatenate).
    const zeros = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const blob = Buffer.concat([
      gzipSync(tarHeader('bomb.bin', 1024 ** 3)),
      ...Array.from({ length: 16 }, () => zeros),
    ]);
    expect(blob.length).toBeLessThan(2 * 1024 * 1024);
    await pushRawLayer('bomb', blob);
    const e = await refusal('bomb');
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/decompresses more than 200 times its size/);
  }, 60_000);

  it('refuses too many entries, huge paths and huge metadata entries', async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, content: '' }));
    await pushRawLayer('many', gzipSync(await tarOf(many)));
    const e1 = await refusal('many', { maxEntries: 20 });
    expect(e1.message).toMatch(/past 20 filesystem entries/);

    await pushRawLayer('path', gzipSync(await tarOf([{ name: `${'p/'.repeat(50_000)}x`, content: '' }])));
    const e2 = await refusal('path');
    expect(e2.message).toMatch(/has a path of 100001 bytes \(at most 4096/);

    await pushRawLayer('meta', gzipSync(await tarOf([{ name: 'x'.repeat(2 * 1024 * 1024), content: '' }])));
    const e3 = await refusal('meta');
    expect(e3.message).toMatch(/tar metadata entry of \d+ bytes/);
  });

  it('says a layer is not valid gzip instead of a zlib error', async () => {
    const good = gzipSync(await tarOf([{ name: 'a', content: 'a' }]));
    await pushRawLayer('broken', Buffer.concat([good.subarray(0, 12), Buffer.alloc(64, 0xff)]));
    const e = await refusal('broken');
    expect(e.code).toBe('archive-invalid');
    expect(e.message).toMatch(/^Layer 1 \(sha256:[0-9a-f]{12}\) is not valid gzip data/);
  });

  it('refuses hard links to themselves and to nothing, with a clear error', async () => {
    await pushRawLayer('self', gzipSync(await tarOf([{ name: 'a', type: 'link', linkname: 'a' }])));
    expect((await refusal('self')).message).toMatch(/hard link to itself/);
    await pushRawLayer(
      'loop',
      gzipSync(
        await tarOf([
          { name: 'a', type: 'link', linkname: 'b' },
          { name: 'b', type: 'link', linkname: 'a' },
        ]),
      ),
    );
    const files = await openImageFiles(
      clientFor(registry),
      parseReference(`${registry.host}/files/hostile:loop`),
    );
    await expect(readImageFile(clientFor(registry), files, '/b')).rejects.toThrow(
      /which the image does not have/,
    );
  });
});

describe('the files.* services', () => {
  const cases = [['bridge'], ['electron']] as const;
  it.each(cases)('%s: list, layer changes, summary and save a file', async (mode) => {
    const t = await servicesInTempDir({ mode, prefix: 'lading-files-services-', cacheDir: await tempDir() });
    try {
      const { ok, call } = callers(() => t.services);
      const { id: connectionId } = await ok('connections.save', connectionTo(registry, `files-${mode}`));
      const image = { connectionId, repository: REPO, reference: 'v1' };
      const listing = await ok('files.list', image);
      expect(listing.layers.map((l) => l.number)).toEqual([1, 2, 3]);
      const expected = JSON.parse(
        (await cli.lading(['ls', `${registry.host}/${REPO}:v1`, '--json'], { env: cliEnv() })).stdout,
      );
      expect(listing.rows).toEqual(expected);
      const layer2 = await ok('files.list', { ...image, layer: 2, path: '/etc' });
      expect(layer2.rows.map((r) => [r.path, r.change])).toEqual([
        ['/etc', 'modified'],
        ['/etc/new.conf', 'added'],
        ['/etc/os-release', 'modified'],
        ['/etc/passwd', 'removed'],
      ]);
      const upTo1 = await ok('files.list', { ...image, upTo: 1, path: '/etc' });
      expect(upTo1.rows.map((r) => r.path)).toContain('/etc/passwd');
      const summary = await ok('files.summary', image);
      expect(summary.largestWasted[0]?.path).toBe('/var/cache/big.bin');

      if (mode === 'bridge') {
        const saved = await ok('files.save', { ...image, file: '/etc/alias2', follow: true });
        const download = t.services.context.downloads.get(saved.downloadId as string);
        expect(download?.fileName).toBe('tool');
        expect(await readFile(download?.path as string, 'utf8')).toBe('tool v2\n');
        const refused = await call('files.save', {
          ...image,
          file: '/etc/os-release',
          path: join(t.dir, 'x'),
        });
        expect(refused.ok).toBe(false);
      } else {
        const refused = await call('files.save', {
          ...image,
          file: '/etc/os-release',
          path: join(t.dir, 'x'),
        });
        expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
        const target = await chooseSavePath(t, join(t.dir, 'os-release'));
        expect(await ok('files.save', { ...image, file: '/etc/os-release', path: target })).toEqual({
          bytes: 19,
        });
        expect(await readFile(target, 'utf8')).toBe('NAME=two\nVERSION=2\n');
      }
      const dir = await call('files.save', {
        ...image,
        file: '/etc',
        ...(mode === 'electron' ? { path: await chooseSavePath(t, join(t.dir, 'etc')) } : {}),
      });
      expect(dir).toMatchObject({
        ok: false,
        error: { code: 'invalid-input', message: expect.stringMatching(/is a directory/) },
      });
    } finally {
      await t.dispose();
    }
  });
});
