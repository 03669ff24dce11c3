/**
 * Load figures: listing 50,000 tags and 20,000 repositories from a real docker-registry, and 20 pushes plus
 * 20 pulls queued at once through the job manager. Run: `npx tsx bench/load.ts` (prints a table).
 *
 * Seeding that many tags through the HTTP API takes minutes, so `seedTagsInStorage` / `seedRepositoriesInStorage`
 * (`test/support/storage-seed.ts`) write the registry's filesystem storage directly (link files pointing at one pushed image): the registry then
 * serves them like any other. That is test set-up of the real registry's storage, not a protocol mock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServices, dispatch } from '../electron/app/services';
import { MemorySecretStore } from '../electron/core/connections/secret-store';
import { RegistryClient } from '../electron/core/registry/client';
import { repositoryName } from '../electron/core/registry/names';
import { closeGzipPool } from '../electron/core/transfer/gzip-parallel';
import type { Job } from '../shared/types';
import { buildImage, pushImage, writeArchive } from '../test/support/images';
import { startRegistry, type TestRegistry } from '../test/support/registry';
import { chooseArchives, chooseSavePath, ScriptedDialogs } from '../test/support/services';
import { seedRepositoriesInStorage, seedTagsInStorage } from '../test/support/storage-seed';

const MiB = 1024 * 1024;

/** Runs `fn`, sampling RSS every 20 ms: wall time and peak RSS growth over the start. */
export async function measure<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; ms: number; rssGrowth: number; peakRss: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    return {
      value,
      ms: performance.now() - t0,
      rssGrowth: Math.max(peak, process.memoryUsage().rss) - start,
      peakRss: peak,
    };
  } finally {
    clearInterval(timer);
  }
}

export interface JobsRun {
  jobs: Job[];
  ms: number;
  /** Most jobs seen running at once. */
  maxRunning: number;
  /** Most `jobs.updated` events one job emitted within any one second. */
  maxEventsPerJobSecond: number;
  totalEvents: number;
  peakRssGrowth: number;
}

/**
 * Queues `pushes` pushes (each a different small image) and `pulls` pulls at once through the services'
 * job manager against `registry`, waits for all, and reports concurrency and event rates.
 */
export async function runQueuedTransfers(
  registry: TestRegistry,
  opts: { pushes: number; pulls: number; concurrency: number; workDir: string },
): Promise<JobsRun> {
  // Archives to push: one small image each (distinct layers, so every push uploads).
  const archives: string[] = [];
  for (let i = 0; i < opts.pushes; i++) {
    const image = await buildImage({
      layers: [{ [`f-${i}.txt`]: `load ${i} ${'x'.repeat(64 * 1024 + i)}` }],
    });
    const file = join(opts.workDir, `push-${i}.tar`);
    await writeArchive(image, 'docker-archive', file, { refName: `load/push:${i}` });
    archives.push(file);
  }
  const pullSource = await buildImage({
    layers: [{ 'big.bin': Buffer.alloc(4 * MiB, 7) }, { 'small.txt': 'pull me\n' }],
  });
  await pushImage(registry, pullSource, 'load/pull-source:1');

  // Electron mode, as the app queues them: each pull writes to a path the save dialog returned.
  const dialogs = new ScriptedDialogs();
  const services = await createServices({
    dataDir: await mkdtemp(join(opts.workDir, 'data-')),
    tempDir: opts.workDir,
    secretStore: new MemorySecretStore(),
    mode: 'electron',
    dialogs,
    transferConcurrency: opts.concurrency,
  });
  try {
    const saved = await dispatch(services.handlers, 'connections.save', {
      name: 'load',
      kind: 'generic',
      registry: registry.host,
    });
    if (!saved.ok) throw new Error(saved.error.message);
    const connectionId = saved.value.id;
    // Electron mode reads only archives picked in the open dialog (or dropped on the window).
    await chooseArchives({ services, dialogs }, archives);

    const running = new Set<string>();
    let maxRunning = 0;
    let totalEvents = 0;
    const eventTimes = new Map<string, number[]>();
    const unsubscribe = services.events.subscribe((event, payload) => {
      if (event !== 'jobs.updated') return;
      const job = payload as Job;
      totalEvents++;
      const times = eventTimes.get(job.id) ?? [];
      times.push(performance.now());
      eventTimes.set(job.id, times);
      if (job.state === 'running') running.add(job.id);
      else running.delete(job.id);
      maxRunning = Math.max(maxRunning, running.size);
    });

    const {
      value: jobs,
      ms,
      rssGrowth,
    } = await measure(async () => {
      const ids: string[] = [];
      for (const [i, archive] of archives.entries()) {
        const r = await dispatch(services.handlers, 'jobs.push', {
          connectionId,
          source: { path: archive },
          target: { repository: 'load/pushed', tag: `p${i}` },
        });
        if (!r.ok) throw new Error(r.error.message);
        ids.push(r.value.jobId);
      }
      for (let i = 0; i < opts.pulls; i++) {
        const r = await dispatch(services.handlers, 'jobs.pull', {
          connectionId,
          repository: 'load/pull-source',
          reference: '1',
          format: 'docker',
          path: await chooseSavePath({ services, dialogs }, join(opts.workDir, `pulled-${i}.tar`)),
        });
        if (!r.ok) throw new Error(r.error.message);
        ids.push(r.value.jobId);
      }
      const deadline = Date.now() + 10 * 60_000;
      for (;;) {
        const list = await dispatch(services.handlers, 'jobs.list', {});
        if (!list.ok) throw new Error(list.error.message);
        const mine = list.value.filter((j) => ids.includes(j.id));
        if (mine.every((j) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled'))
          return mine;
        if (Date.now() > deadline) throw new Error('queued transfers did not finish within 10 minutes');
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    unsubscribe();

    let maxEventsPerJobSecond = 0;
    for (const times of eventTimes.values()) {
      for (let i = 0, j = 0; j < times.length; j++) {
        while ((times[j] as number) - (times[i] as number) > 1000) i++;
        maxEventsPerJobSecond = Math.max(maxEventsPerJobSecond, j - i + 1);
      }
    }
    return { jobs, ms, maxRunning, maxEventsPerJobSecond, totalEvents, peakRssGrowth: rssGrowth };
  } finally {
    await services.dispose();
  }
}

const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Prints the load table (also the last part of `npm run bench`). */
export async function runLoadBench(): Promise<void> {
  const TAGS = 50_000;
  const REPOS = 20_000;
  const registry = await startRegistry({ mode: 'open' });
  const workDir = await mkdtemp(join(tmpdir(), 'lading-bench-load-'));
  try {
    const rows: Array<[string, string]> = [];
    const seedTags = await measure(() => seedTagsInStorage(registry, 'load/many-tags', TAGS));
    const seedRepos = await measure(() => seedRepositoriesInStorage(registry, 'load', REPOS));
    rows.push(['seed 50,000 tags + 20,000 repositories (storage)', secs(seedTags.ms + seedRepos.ms)]);

    const client = new RegistryClient({ registry: registry.host });
    await client.ping();
    const tags = await measure(() => client.tags(repositoryName('load/many-tags')));
    rows.push([`list ${tags.value.length} tags`, `${secs(tags.ms)}, RSS +${mib(tags.rssGrowth)}`]);
    let firstPageMs = 0;
    let pages = 0;
    const t0 = performance.now();
    const catalog = await measure(() =>
      client.catalog({
        onPage: () => {
          if (pages++ === 0) firstPageMs = performance.now() - t0;
        },
      }),
    );
    rows.push([
      `list ${catalog.value.length} repositories (${pages} catalog pages)`,
      `${secs(catalog.ms)}, first page after ${secs(firstPageMs)}, RSS +${mib(catalog.rssGrowth)}`,
    ]);

    const jobs = await runQueuedTransfers(registry, { pushes: 20, pulls: 20, concurrency: 2, workDir });
    const failed = jobs.jobs.filter((j) => j.state !== 'done');
    rows.push([
      '20 pushes + 20 pulls queued at once (concurrency 2)',
      `${secs(jobs.ms)}, ${failed.length} failed, max ${jobs.maxRunning} running, ≤${jobs.maxEventsPerJobSecond} events/job/s, RSS +${mib(jobs.peakRssGrowth)}`,
    ]);
    rows.push(['peak RSS of the bench process', mib(Math.max(tags.peakRss, catalog.peakRss))]);

    const width = Math.max(...rows.map(([k]) => k.length));
    console.log('\nLading load figures (real docker-registry on loopback)\n');
    for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
    console.log('');
    if (failed.length) for (const j of failed) console.log(`  failed: ${j.title}: ${j.error?.message}`);
  } finally {
    closeGzipPool();
    await registry.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runLoadBench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
