/**
 * `npm run bench`: Lading against skopeo, side by side, on this machine.
 *
 *   - builds two images with umoci (cached in $TMPDIR/lading-bench-cache): "big" (~512 MiB in 4 layers, each
 *     half random bytes, half text) and "many" (50 small layers), written to docker archives by skopeo;
 *   - push: `lading push ARCHIVE` vs `skopeo copy docker-archive:ARCHIVE docker://…`, each into a fresh
 *     docker-registry with empty storage;
 *   - pull: `lading pull … FILE` (docker archive) vs `skopeo copy docker://… docker-archive:FILE`;
 *   - copy (big and many): `lading copy` vs `skopeo copy docker://… docker://…` between two registries;
 *   - alternates who goes first, repeats (--runs N, default 3), prints median wall times, the ratio
 *     Lading/skopeo and both peak RSS figures, read from outside each child (bench/measure.ts).
 *
 * Lading runs as the installed `lading` command (bin/lading.mjs beside a bundle built like `npm run build`),
 * so tsx's start-up is not measured and the code cache is used as users get it (the first run makes it);
 * it is laid out inside the checkout so the bundle finds the optional ISA-L addon (the table's header says
 * which deflater ran; LADING_NATIVE_GZIP=0 compares with zlib).
 * Then the load figures of bench/load.ts (listing 50,000 tags and 20,000 repositories, 20 queued transfers).
 * With --wan cdn|slow, the contenders reach each registry through bench/shaper.ts (delay, shared and
 * per-connection caps), with an image of three ~48 MiB layers of this machine's binaries and one of 30 small
 * layers, and each case is set against the least time the link allows.
 * `--only engine` runs the local-engine cases of bench/engine.ts instead: a private dockerd, Lading's push from
 * it and pull into it against `docker push` and `docker pull` (the "many" and "big" images).
 * `--only files` runs bench/files.ts alone: listing an image of 100,000 files against skopeo + tar -t.
 * Usage: npm run bench [-- --runs 5 --only big|many|logs|files|load|engine --keep --wan cdn|slow]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from 'tar-stream';
import { nativeDeflate } from '../electron/core/transfer/native-deflate';
import { buildInstalledCli } from '../scripts/cli-bundle.mjs';
import { startRegistry, type TestRegistry } from '../test/support/registry';
import { runEngineBench } from './engine';
import { runFilesBench } from './files';
import { runLoadBench } from './load';
import { measure } from './measure';
import { PROFILES, type ShapeOptions, startShaper } from './shaper';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;

interface Args {
  runs: number;
  only?: string;
  keep: boolean;
  /** A PROFILES name of bench/shaper.ts: run the wide-area cases through the shaper. */
  wan?: string;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { runs: 3, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') out.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--only') out.only = argv[++i];
    else if (a === '--keep') out.keep = true;
    else if (a === '--wan') out.wan = argv[++i];
  }
  return out;
}

function log(s: string): void {
  process.stderr.write(`bench: ${s}\n`);
}

interface Timed {
  ms: number;
  /** Peak RSS of the measured process in MiB. */
  rssMiB?: number;
}

/** Runs a command to completion; throws with its stderr when it fails. */
const exec = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => measure(cmd, args, env);

// ---- images -------------------------------------------------------------------------------------------------

const WORDS =
  'the of and to in is was for on that with as by at from this be are or an it which have not has were but their all one been more also its new first can after two other into time only most used when some there made may over these such where between many under during while before being both through city world known'.split(
    ' ',
  );

/** Text that compresses like real files (words, punctuation, numbers), generated fast. */
function textChunk(size: number, seed: number): Buffer {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const parts: string[] = [];
  let len = 0;
  while (len < size) {
    const w = WORDS[Math.floor(rnd() * WORDS.length)] as string;
    const sep = rnd() < 0.08 ? `, ${Math.floor(rnd() * 10000)}\n` : ' ';
    parts.push(w, sep);
    len += w.length + sep.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

async function layerTar(file: string, files: { name: string; data: Buffer[] }[]): Promise<void> {
  const p = pack();
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const done = pipeline(p, createWriteStream(file));
  for (const f of files) {
    const size = f.data.reduce((n, b) => n + b.length, 0);
    const entry = p.entry({ name: f.name, size, mtime: new Date(0), uid: 0, gid: 0 });
    for (const b of f.data) {
      if (!entry.write(b)) await new Promise<void>((r) => entry.once('drain', () => r()));
    }
    entry.end(Buffer.alloc(0));
    await new Promise<void>((r) => entry.once('finish', () => r()));
  }
  p.finalize();
  await done;
}

/** A docker archive of an image built with umoci from the given layer tars. */
async function buildArchive(
  name: string,
  work: string,
  makeLayers: (dir: string) => Promise<string[]>,
): Promise<string> {
  const cacheDir = join(tmpdir(), 'lading-bench-cache');
  await mkdir(cacheDir, { recursive: true });
  const archive = join(cacheDir, `${name}.tar`);
  if (existsSync(archive)) return archive;
  log(`building the "${name}" image (umoci + skopeo; cached in ${cacheDir})`);
  const layout = join(work, `${name}-layout`);
  await exec('umoci', ['init', '--layout', layout]);
  await exec('umoci', ['new', '--image', `${layout}:latest`]);
  const tars = await makeLayers(work);
  for (const t of tars) {
    await exec('umoci', ['raw', 'add-layer', '--image', `${layout}:latest`, t]);
    await rm(t);
  }
  await exec('umoci', [
    'config',
    '--image',
    `${layout}:latest`,
    '--os',
    'linux',
    '--architecture',
    'amd64',
    '--config.cmd',
    '/bin/sh',
  ]);
  await exec('skopeo', [
    'copy',
    '--insecure-policy',
    '--quiet',
    `oci:${layout}:latest`,
    `docker-archive:${archive}.partial:bench/${name}:latest`,
  ]);
  await exec('mv', [`${archive}.partial`, archive]);
  await rm(layout, { recursive: true, force: true });
  return archive;
}

function bigImage(work: string): Promise<string> {
  return buildArchive('big', work, async (dir) => {
    const tars: string[] = [];
    for (let i = 0; i < 4; i++) {
      const random = Array.from({ length: 64 }, () => randomBytes(MiB));
      const text = Array.from({ length: 64 }, (_, j) => textChunk(MiB, i * 1000 + j + 1));
      const t = join(dir, `big-${i}.tar`);
      await layerTar(t, [
        { name: `data/random-${i}.bin`, data: random },
        { name: `data/text-${i}.txt`, data: text },
      ]);
      tars.push(t);
    }
    return tars;
  });
}

function smallLayersImage(work: string, name: string, count: number): Promise<string> {
  return buildArchive(name, work, async (dir) => {
    const tars: string[] = [];
    for (let i = 0; i < count; i++) {
      const t = join(dir, `${name}-${i}.tar`);
      const size = 20_000 + ((i * 7919) % 200_000);
      await layerTar(t, [
        { name: `layer-${i}/text.txt`, data: [textChunk(size, i + 7)] },
        { name: `layer-${i}/random.bin`, data: [randomBytes(Math.floor(size / 4))] },
      ]);
      tars.push(t);
    }
    return tars;
  });
}

/** Log-like text that deflates ~100-fold, and zero-filled regions: where a pull's inflate output dominates. */
function logsImage(work: string): Promise<string> {
  return buildArchive('logs', work, async (dir) => {
    const tars: string[] = [];
    for (let i = 0; i < 2; i++) {
      const lines: Buffer[] = [];
      for (let j = 0; j < 64; j++) {
        const block: string[] = [];
        for (let k = 0; block.length < 12_000; k++) {
          block.push(
            `2026-12-03T12:${String(j % 60).padStart(2, '0')}:${String(k % 60).padStart(2, '0')}Z INFO request served path=/api/v1/items status=200 ms=${k % 7}`,
          );
        }
        lines.push(Buffer.from(`${block.join('\n')}\n`).subarray(0, MiB));
      }
      const t = join(dir, `logs-${i}.tar`);
      await layerTar(t, [
        { name: `var/log/app-${i}.log`, data: lines },
        { name: `var/lib/zeros-${i}.img`, data: Array.from({ length: 32 }, () => Buffer.alloc(MiB)) },
      ]);
      tars.push(t);
    }
    return tars;
  });
}

/** Three layers of ~48 MiB of real executables and libraries from this machine (compress like real images). */
function binariesImage(work: string): Promise<string> {
  return buildArchive('bins', work, async (dir) => {
    const files = await binaryFiles(['/usr/lib', '/usr/bin', '/usr/libexec'], 3 * 48 * MiB);
    const tars: string[] = [];
    let at = 0;
    for (let i = 0; i < 3; i++) {
      const entries: { name: string; data: Buffer[] }[] = [];
      let size = 0;
      while (at < files.length && size < 48 * MiB) {
        const f = files[at++] as string;
        const data = await readFile(f);
        entries.push({ name: `bins${f}`, data: [data] });
        size += data.length;
      }
      const t = join(dir, `bins-${i}.tar`);
      await layerTar(t, entries);
      tars.push(t);
    }
    return tars;
  });
}

/** Regular files under `roots`, sorted, up to `budget` bytes in all (each under 16 MiB). */
async function binaryFiles(roots: string[], budget: number): Promise<string[]> {
  const out: string[] = [];
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (total >= budget) return;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const { size } = await stat(p);
        if (size > 0 && size < 16 * MiB) {
          out.push(p);
          total += size;
        }
      }
    }
  };
  for (const r of roots) await walk(r);
  return out;
}

// ---- the contenders -------------------------------------------------------------------------------------

async function bundleCli(): Promise<string> {
  // The `lading` command as installed (bin/ beside dist/cli.cjs), inside the checkout so the bundle's
  // require finds the optional native deflater. Its code cache goes to the bench's private HOME: the first
  // push makes it, the later ones use it.
  return buildInstalledCli(join(ROOT, 'node_modules', '.cache', `lading-bench-${process.pid}`));
}

interface Env {
  cli: string;
  work: string;
  skopeoEnv: NodeJS.ProcessEnv;
}

async function lading(env: Env, args: string[]): Promise<Timed> {
  const { ms, peakMiB } = await measure(process.execPath, [env.cli, ...args], {
    ...process.env,
    HOME: env.work,
    XDG_CACHE_HOME: join(env.work, 'cache'),
    DOCKER_CONFIG: join(env.work, 'docker'),
  });
  return { ms, rssMiB: peakMiB };
}

async function skopeo(env: Env, src: string, dst: string): Promise<Timed> {
  const { ms, peakMiB } = await measure(
    'skopeo',
    [
      'copy',
      '--insecure-policy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      ...(src.startsWith('docker://') ? ['--src-no-creds'] : []),
      ...(dst.startsWith('docker://') ? ['--dest-no-creds'] : []),
      src,
      dst,
    ],
    env.skopeoEnv,
  );
  return { ms, rssMiB: peakMiB };
}

/** The compressed sizes of an image's config and layers, from its manifest on the registry. */
async function compressedBlobSizes(registryUrl: string, repository: string): Promise<number[]> {
  const res = await fetch(`${registryUrl}/v2/${repository}/manifests/latest`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  const m = (await res.json()) as { config: { size: number }; layers: { size: number }[] };
  return [m.config.size, ...m.layers.map((l) => l.size)];
}

/**
 * A push sends each blob on one stream, so it takes at least the longest of: all bytes at the link's rate,
 * the largest blob at one stream's rate, all bytes over as many streams as blobs; plus the round trips it
 * cannot avoid (ping, upload start, upload end for the blobs in parallel, manifest PUT).
 */
function pushLimitMs(blobs: number[], l: ShapeOptions): number {
  const bytes = blobs.reduce((a, b) => a + b, 0);
  const transfer = Math.max(
    bytes / l.linkBytesPerSec,
    Math.max(...blobs) / l.streamBytesPerSec,
    bytes / (blobs.length * l.streamBytesPerSec),
  );
  return transfer * 1000 + 4 * 2 * l.delayMs;
}

/** A pull may split blobs over streams (Range), so bytes at the link's rate; ping, manifest, blob GETs. */
function pullLimitMs(blobs: number[], l: ShapeOptions): number {
  const bytes = blobs.reduce((a, b) => a + b, 0);
  return (bytes / l.linkBytesPerSec) * 1000 + 3 * 2 * l.delayMs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Row {
  name: string;
  /** Under --wan: the least time the link allows for this case, in ms. */
  limitMs?: number;
  lading: number[];
  skopeo: number[];
  rss: number[];
  skopeoRss: number[];
}

/** The link between the contenders and the registry: loopback as it is, or shaped (--wan PROFILE). */
let link: ShapeOptions | undefined;

/** A registry for one case; `host` is what the contenders talk to (the shaper's port under --wan). */
async function withRegistry<T>(fn: (r: TestRegistry) => Promise<T>): Promise<T> {
  const r = await startRegistry({ mode: 'open' });
  const shaper = link ? await startShaper(r.host, link) : undefined;
  try {
    return await fn(
      shaper ? { ...r, host: `127.0.0.1:${shaper.port}`, url: `http://127.0.0.1:${shaper.port}` } : r,
    );
  } finally {
    await shaper?.close();
    await r.stop();
  }
}

async function benchImage(
  env: Env,
  name: string,
  archive: string,
  runs: number,
  withCopy: boolean,
): Promise<Row[]> {
  const push: Row = { name: `push ${name}`, lading: [], skopeo: [], rss: [], skopeoRss: [] };
  const pull: Row = { name: `pull ${name}`, lading: [], skopeo: [], rss: [], skopeoRss: [] };
  const copy: Row = { name: `copy ${name}`, lading: [], skopeo: [], rss: [], skopeoRss: [] };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? (['lading', 'skopeo'] as const) : (['skopeo', 'lading'] as const);
    for (const who of order) {
      // A fresh registry with empty storage for every push.
      await withRegistry(async (reg) => {
        const target = `${reg.host}/bench/${name}:latest`;
        if (who === 'lading') {
          const t = await lading(env, ['push', archive, target]);
          push.lading.push(t.ms);
          push.rss.push(t.rssMiB ?? 0);
        } else {
          const t = await skopeo(env, `docker-archive:${archive}`, `docker://${target}`);
          push.skopeo.push(t.ms);
          push.skopeoRss.push(t.rssMiB ?? 0);
        }
      });
    }
    log(
      `push ${name} run ${run + 1}/${runs}: lading ${push.lading.at(-1)?.toFixed(0)} ms, skopeo ${push.skopeo.at(-1)?.toFixed(0)} ms`,
    );
  }
  await withRegistry(async (reg) => {
    const source = `${reg.host}/bench/${name}:latest`;
    await skopeo(env, `docker-archive:${archive}`, `docker://${source}`);
    if (link) {
      const blobs = await compressedBlobSizes(reg.url, `bench/${name}`);
      push.limitMs = pushLimitMs(blobs, link);
      pull.limitMs = pullLimitMs(blobs, link);
    }
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? (['lading', 'skopeo'] as const) : (['skopeo', 'lading'] as const);
      for (const who of order) {
        const out = join(env.work, `pulled-${who}-${run}.tar`);
        if (who === 'lading') {
          const t = await lading(env, ['pull', source, out, '--format', 'docker']);
          pull.lading.push(t.ms);
          pull.rss.push(t.rssMiB ?? 0);
        } else {
          const t = await skopeo(env, `docker://${source}`, `docker-archive:${out}:bench/${name}:latest`);
          pull.skopeo.push(t.ms);
          pull.skopeoRss.push(t.rssMiB ?? 0);
        }
        await rm(out, { force: true });
      }
      log(
        `pull ${name} run ${run + 1}/${runs}: lading ${pull.lading.at(-1)?.toFixed(0)} ms, skopeo ${pull.skopeo.at(-1)?.toFixed(0)} ms`,
      );
    }
    // Registry to registry: `lading copy` vs `skopeo copy docker:// docker://`, a fresh target each time.
    for (let run = 0; withCopy && run < runs; run++) {
      const order = run % 2 === 0 ? (['lading', 'skopeo'] as const) : (['skopeo', 'lading'] as const);
      for (const who of order) {
        await withRegistry(async (dst) => {
          const target = `${dst.host}/bench/${name}:latest`;
          const t =
            who === 'lading'
              ? await lading(env, ['copy', source, target])
              : await skopeo(env, `docker://${source}`, `docker://${target}`);
          (who === 'lading' ? copy.lading : copy.skopeo).push(t.ms);
          (who === 'lading' ? copy.rss : copy.skopeoRss).push(t.rssMiB ?? 0);
        });
      }
      log(
        `copy ${name} run ${run + 1}/${runs}: lading ${copy.lading.at(-1)?.toFixed(0)} ms, skopeo ${copy.skopeo.at(-1)?.toFixed(0)} ms`,
      );
    }
    // Under --wan both registries sit behind their own shaper and bytes stream through: the copy can go no
    // faster than the slower of the pull and the push.
    if (link && push.limitMs && pull.limitMs) copy.limitMs = Math.max(push.limitMs, pull.limitMs);
  });
  return withCopy ? [push, pull, copy] : [push, pull];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = await mkdtemp(join(tmpdir(), 'lading-bench-'));
  try {
    const skopeoHome = join(work, 'skopeo-home');
    await mkdir(skopeoHome, { recursive: true });
    const cli = await bundleCli();
    const env: Env = {
      cli,
      work,
      // A private HOME: no login files, no blob-info cache carried over between runs.
      skopeoEnv: {
        ...process.env,
        HOME: skopeoHome,
        XDG_DATA_HOME: join(skopeoHome, 'data'),
        XDG_CONFIG_HOME: join(skopeoHome, 'config'),
      },
    };
    if (args.wan) {
      link = PROFILES[args.wan];
      if (!link) throw new Error(`--wan takes one of ${Object.keys(PROFILES).join(', ')}`);
    }
    const images: [string, () => Promise<string>][] = link
      ? [
          ['bins', () => binariesImage(work)],
          ['small30', () => smallLayersImage(work, 'small30', 30)],
        ]
      : [
          ['big', () => bigImage(work)],
          ['many', () => smallLayersImage(work, 'many', 50)],
          ['logs', () => logsImage(work)],
        ];
    if (args.only === 'engine') {
      const archives: [string, string][] = [
        ['many', await smallLayersImage(work, 'many', 50)],
        ['big', await bigImage(work)],
      ];
      const engineRows = await runEngineBench({ cli, work, log }, archives, args.runs);
      if (!engineRows) return;
      const lines = [
        `Lading vs the docker CLI against a private dockerd (vfs storage), ${args.runs} runs each, alternating (median wall time)`,
        '',
        `${'case'.padEnd(18)}${'lading'.padStart(10)}${'docker'.padStart(10)}${'ratio'.padStart(8)}`,
      ];
      for (const r of engineRows) {
        const l = median(r.lading);
        const d = median(r.docker);
        lines.push(
          `${r.name.padEnd(18)}${`${(l / 1000).toFixed(2)} s`.padStart(10)}${`${(d / 1000).toFixed(2)} s`.padStart(10)}${`${(l / d).toFixed(2)}x`.padStart(8)}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return;
    }
    const rows: Row[] = [];
    for (const [name, make] of images) {
      if (args.only && args.only !== name) continue;
      const archive = await make();
      const size = (await stat(archive)).size;
      log(`${name}: ${archive} (${(size / MiB).toFixed(0)} MiB)`);
      // Copies of the large and the 50-layer image (and, under --wan, of both images).
      const withCopy = !!link || name === 'big' || name === 'many';
      rows.push(...(await benchImage(env, name, archive, args.runs, withCopy)));
    }
    const lines = [
      `Lading vs skopeo ${await skopeoVersion()}, ${args.runs} runs each, alternating, fresh registry per push (median wall time)`,
      ...(link
        ? [
            `Through the WAN shaper (bench/shaper.ts, profile ${args.wan}): ${link.delayMs} ms each way, ${(link.linkBytesPerSec * 8e-6).toFixed(0)} Mbit/s per direction shared, ${(link.streamBytesPerSec * 8e-6).toFixed(0)} Mbit/s per connection; "limit" is the least time the link allows (bench/run.ts pushLimitMs/pullLimitMs)`,
          ]
        : []),
      `Lading's deflate: ${nativeDeflate() ? 'ISA-L igzip (native addon)' : 'zlib (the ISA-L addon is not built here, or LADING_NATIVE_GZIP=0)'}`,
      '',
      `${'case'.padEnd(12)}${'lading'.padStart(10)}${'skopeo'.padStart(10)}${'ratio'.padStart(8)}${'lading peak RSS'.padStart(18)}${'skopeo peak RSS'.padStart(18)}${link ? `${'limit'.padStart(9)}${'lading/limit'.padStart(14)}${'skopeo/limit'.padStart(14)}` : ''}`,
    ];
    for (const r of rows) {
      const l = median(r.lading);
      const s = median(r.skopeo);
      lines.push(
        `${r.name.padEnd(12)}${`${(l / 1000).toFixed(2)} s`.padStart(10)}${`${(s / 1000).toFixed(2)} s`.padStart(10)}${`${(l / s).toFixed(2)}x`.padStart(8)}${`${Math.max(...r.rss).toFixed(0)} MiB`.padStart(18)}${`${Math.max(...r.skopeoRss).toFixed(0)} MiB`.padStart(18)}${r.limitMs ? `${`${(r.limitMs / 1000).toFixed(2)} s`.padStart(9)}${`${(l / r.limitMs).toFixed(2)}x`.padStart(14)}${`${(s / r.limitMs).toFixed(2)}x`.padStart(14)}` : ''}`,
      );
    }
    if (rows.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    // An image's files (bench/files.ts): lading ls against skopeo copy dir: + tar -t, and from the cache.
    if (!link && (!args.only || args.only === 'files')) {
      const filesLines = await runFilesBench({ cli, work, skopeoEnv: env.skopeoEnv, log }, args.runs);
      process.stdout.write(`\n${filesLines.join('\n')}\n`);
    }
    // Then the load figures (bench/load.ts): 50,000 tags, 20,000 repositories, 20 queued transfers.
    if (!link && (!args.only || args.only === 'load')) await runLoadBench();
  } finally {
    await rm(join(ROOT, 'node_modules', '.cache', `lading-bench-${process.pid}`), {
      recursive: true,
      force: true,
    });
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
}

async function skopeoVersion(): Promise<string> {
  const out = await new Promise<string>((resolve) => {
    const c = spawn('skopeo', ['--version']);
    let s = '';
    c.stdout.on('data', (d: Buffer) => {
      s += d.toString();
    });
    c.on('close', () => resolve(s.trim()));
  });
  return out.replace(/^skopeo version /, '');
}

await main();
