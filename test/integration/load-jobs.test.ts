/**
 * 20 pushes and 20 pulls queued at once through the services' job manager against a real registry: every
 * job completes, no more than the configured number run at once, progress events stay under a sensible rate
 * per job, and memory stays bounded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runQueuedTransfers } from '../../bench/load';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { skopeoInspect } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

const MiB = 1024 * 1024;

let registry: TestRegistry;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  dir = await mkdtemp(join(tmpdir(), 'lading-load-jobs-'));
});

afterAll(async () => {
  closeGzipPool();
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('20 pushes and 20 pulls queued at once all complete, two at a time, with bounded events and memory', {
  timeout: 600_000,
}, async () => {
  const run = await runQueuedTransfers(registry, { pushes: 20, pulls: 20, concurrency: 2, workDir: dir });
  const failed = run.jobs.filter((j) => j.state !== 'done');
  expect(failed.map((j) => `${j.title}: ${j.error?.message}`)).toEqual([]);
  expect(run.jobs).toHaveLength(40);
  // Concurrency respected (and actually used).
  expect(run.maxRunning).toBe(2);
  // The manager throttles progress to one event per 250 ms per job; state changes add a few.
  expect(run.maxEventsPerJobSecond).toBeLessThanOrEqual(8);
  expect(run.totalEvents).toBeLessThan(40 * 100);
  expect(run.peakRssGrowth).toBeLessThan(400 * MiB);
  // What was pushed is there, readable by skopeo.
  const pushed = await skopeoInspect(`docker://${registry.host}/load/pushed:p19`);
  expect(pushed.Layers).toHaveLength(1);
  const pulled = await skopeoInspect(`docker-archive:${join(dir, 'pulled-19.tar')}`);
  expect(pulled.Layers).toHaveLength(2);
});
