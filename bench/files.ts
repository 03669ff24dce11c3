/**
 * The files cases of `npm run bench` (`--only files`): an image of 100,000 files in 4 layers (334 MiB of
 * repetitive text, 5 MB compressed; built with umoci, cached in $TMPDIR/lading-bench-cache) on a fresh
 * docker-registry, and
 *   - `lading ls REF --json` with an empty index cache, against what one would do without it:
 *     `skopeo copy docker://REF dir:DIR` then `tar -tzvf` of every layer;
 *   - the same `lading ls` again, its merged listing (and layer indexes) from the cache.
 * Median wall times and Lading's peak RSS (bench/measure.ts). Targets (issue #16): ≤ 0.5× of skopeo + tar,
 * < 150 MiB, and < 0.2 s from the cache.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { startRegistry } from '../test/support/registry';
import { measure } from './measure';

export interface FilesBenchEnv {
  cli: string;
  work: string;
  skopeoEnv: NodeJS.ProcessEnv;
  log(s: string): void;
}

export interface FilesRow {
  name: string;
  lading: number[];
  other: number[];
  rss: number[];
}

const LAYERS = 4;
const FILES_PER_LAYER = 25_000;
const WORDS = 'layer registry manifest digest lading blob config tar gzip index whiteout path'.split(' ');

function text(size: number, seed: number): Buffer {
  let s = '';
  for (let i = 0; s.length < size; i++) s += `${WORDS[(i * 7 + seed) % WORDS.length]}${i % 11 ? ' ' : '\n'}`;
  return Buffer.from(s.slice(0, size));
}

async function layerTar(file: string, layer: number): Promise<void> {
  const p = pack();
  const done = pipeline(p, createWriteStream(file));
  const common = { mtime: new Date(0), uid: 0, gid: 0 };
  for (let d = 0; d < FILES_PER_LAYER / 250; d++) {
    p.entry({ ...common, name: `srv/l${layer}/d${d}/`, type: 'directory', mode: 0o755 });
    for (let f = 0; f < 250; f++) {
      // Later layers rewrite some of the first layer's files, so there is wasted space to find.
      const name = layer > 0 && f < 25 ? `srv/l0/d${d}/f${f}.txt` : `srv/l${layer}/d${d}/f${f}.txt`;
      p.entry({ ...common, name, mode: 0o644 }, text(1000 + ((d * 250 + f) % 5000), layer + f));
    }
  }
  p.finalize();
  await done;
}

/** An OCI layout with the image, built once and cached. */
async function filesImage(env: FilesBenchEnv): Promise<string> {
  const layout = join(tmpdir(), 'lading-bench-cache', 'files-layout');
  if (existsSync(join(layout, 'index.json'))) return layout;
  env.log('building the "files" image (100,000 files in 4 layers; umoci)');
  await rm(layout, { recursive: true, force: true });
  await mkdir(join(tmpdir(), 'lading-bench-cache'), { recursive: true });
  await measure('umoci', ['init', '--layout', `${layout}.partial`]);
  await measure('umoci', ['new', '--image', `${layout}.partial:latest`]);
  for (let i = 0; i < LAYERS; i++) {
    const tar = join(env.work, `files-${i}.tar`);
    await layerTar(tar, i);
    await measure('umoci', ['raw', 'add-layer', '--image', `${layout}.partial:latest`, tar]);
    await rm(tar);
  }
  await measure('umoci', [
    'config',
    '--image',
    `${layout}.partial:latest`,
    '--os',
    'linux',
    '--architecture',
    'amd64',
  ]);
  await measure('mv', [`${layout}.partial`, layout]);
  return layout;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export async function runFilesBench(env: FilesBenchEnv, runs: number): Promise<string[]> {
  const layout = await filesImage(env);
  const registry = await startRegistry({ mode: 'open' });
  const cold: FilesRow = { name: 'ls 100k files', lading: [], other: [], rss: [] };
  const warm: FilesRow = { name: 'ls, cached', lading: [], other: [], rss: [] };
  try {
    const ref = `${registry.host}/bench/files:latest`;
    await measure(
      'skopeo',
      [
        'copy',
        '--insecure-policy',
        '--quiet',
        '--dest-tls-verify=false',
        '--dest-no-creds',
        `oci:${layout}:latest`,
        `docker://${ref}`,
      ],
      env.skopeoEnv,
    );
    const ladingEnv = (cache: string) => ({
      ...process.env,
      HOME: env.work,
      DOCKER_CONFIG: join(env.work, 'docker'),
      LADING_CACHE_DIR: cache,
      LADING_INSECURE_REGISTRIES: registry.host,
    });
    for (let run = 0; run < runs; run++) {
      const cache = join(env.work, `files-cache-${run}`);
      const order = run % 2 === 0 ? (['lading', 'skopeo'] as const) : (['skopeo', 'lading'] as const);
      for (const who of order) {
        if (who === 'lading') {
          const t = await measure(process.execPath, [env.cli, 'ls', ref, '--json'], ladingEnv(cache));
          cold.lading.push(t.ms);
          cold.rss.push(t.peakMiB ?? 0);
        } else {
          const dir = join(env.work, `files-dir-${run}`);
          const copy = await measure(
            'skopeo',
            [
              'copy',
              '--insecure-policy',
              '--quiet',
              '--src-tls-verify=false',
              '--src-no-creds',
              `docker://${ref}`,
              `dir:${dir}`,
            ],
            env.skopeoEnv,
          );
          let ms = copy.ms;
          const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
            layers: { digest: string }[];
          };
          for (const layer of manifest.layers) {
            ms += (await measure('tar', ['-tzvf', join(dir, layer.digest.replace(/^sha256:/, ''))])).ms;
          }
          cold.other.push(ms);
          await rm(dir, { recursive: true, force: true });
        }
      }
      const again = await measure(process.execPath, [env.cli, 'ls', ref, '--json'], ladingEnv(cache));
      warm.lading.push(again.ms);
      warm.rss.push(again.peakMiB ?? 0);
      await rm(cache, { recursive: true, force: true });
      env.log(
        `files run ${run + 1}/${runs}: lading ${cold.lading.at(-1)?.toFixed(0)} ms, skopeo + tar ${cold.other.at(-1)?.toFixed(0)} ms, cached ${again.ms.toFixed(0)} ms`,
      );
    }
  } finally {
    await registry.stop();
  }
  const l = median(cold.lading);
  const o = median(cold.other);
  const w = median(warm.lading);
  return [
    `An image's files: lading ls vs skopeo copy dir: + tar -tzvf of each layer, ${runs} runs (median wall time)`,
    '',
    `${'case'.padEnd(16)}${'lading'.padStart(10)}${'skopeo+tar'.padStart(12)}${'ratio'.padStart(8)}${'lading peak RSS'.padStart(18)}`,
    `${cold.name.padEnd(16)}${`${(l / 1000).toFixed(2)} s`.padStart(10)}${`${(o / 1000).toFixed(2)} s`.padStart(12)}${`${(l / o).toFixed(2)}x`.padStart(8)}${`${Math.max(...cold.rss).toFixed(0)} MiB`.padStart(18)}`,
    `${warm.name.padEnd(16)}${`${(w / 1000).toFixed(2)} s`.padStart(10)}${''.padStart(12)}${''.padStart(8)}${`${Math.max(...warm.rss).toFixed(0)} MiB`.padStart(18)}`,
  ];
}
