import { describe, expect, it } from 'vitest';
import { EventHub } from '../../electron/core/jobs/emitter';
import { type JobContext, JobManager, type JobSpec } from '../../electron/core/jobs/manager';
import type { EventPayload } from '../../shared/contract';
import type { Job } from '../../shared/types';

/** A job the test finishes by hand: resolves on `finish()`, rejects on abort like a real pipeline. */
function controllable(kind: Job['kind'] = 'push') {
  const runs: JobContext[] = [];
  let finish!: () => void;
  const spec: JobSpec = {
    kind,
    title: `${kind} test`,
    connectionId: 'c1',
    run: (ctx) =>
      new Promise((resolve, reject) => {
        runs.push(ctx);
        finish = () => resolve({ message: 'done', digest: 'sha256:x' });
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      }),
  };
  return { spec, runs, finish: () => finish() };
}

function setup(opts: { progressIntervalMs?: number } = {}) {
  const events = new EventHub();
  const updates: Job[] = [];
  const removed: string[][] = [];
  events.subscribe((name, payload) => {
    if (name === 'jobs.updated') updates.push(payload as EventPayload<'jobs.updated'>);
    else removed.push((payload as EventPayload<'jobs.removed'>).ids);
  });
  const jobs = new JobManager({ events, transferConcurrency: 2, ...opts });
  return { jobs, updates, removed };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('job manager', () => {
  it('runs at most two transfers at once and queues the rest; delete/tag start at once', async () => {
    const { jobs } = setup();
    const a = controllable();
    const b = controllable();
    const c = controllable('pull');
    const d = controllable('delete');
    const ids = [a, b, c, d].map((j) => jobs.submit(j.spec));
    await tick();
    expect(ids.map((id) => jobs.get(id)!.state)).toEqual(['running', 'running', 'queued', 'running']);
    a.finish();
    await jobs.wait(ids[0]!);
    await tick();
    expect(jobs.get(ids[2]!)!.state).toBe('running');
    b.finish();
    c.finish();
    d.finish();
    await Promise.all(ids.map((id) => jobs.wait(id)));
    expect(jobs.list().map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(jobs.get(ids[0]!)).toMatchObject({
      resultMessage: 'done',
      resultDigest: 'sha256:x',
      retryable: false,
    });
  });

  it('cancels a running job through its AbortSignal, and a queued one before it starts', async () => {
    const { jobs } = setup();
    const running = controllable();
    const other = controllable();
    const queued = controllable();
    const r = jobs.submit(running.spec);
    jobs.submit(other.spec);
    const q = jobs.submit(queued.spec);
    await tick();
    jobs.cancel(r);
    jobs.cancel(q);
    const rj = await jobs.wait(r);
    const qj = await jobs.wait(q);
    expect(rj).toMatchObject({ state: 'cancelled', retryable: true, error: { code: 'cancelled' } });
    expect(running.runs[0]!.signal.aborted).toBe(true);
    expect(qj.state).toBe('cancelled');
    expect(queued.runs).toHaveLength(0);
  });

  it('retries a failed job as a new job with the same parameters, keeping the old one', async () => {
    const { jobs } = setup();
    let attempt = 0;
    const seen: string[] = [];
    const spec: JobSpec = {
      kind: 'tag',
      title: 'tag',
      connectionId: 'c1',
      run: async (ctx) => {
        seen.push(ctx.id);
        if (++attempt === 1) throw Object.assign(new Error('nope'), { name: 'Error' });
        return { message: 'ok' };
      },
    };
    const first = jobs.submit(spec);
    expect(await jobs.wait(first)).toMatchObject({
      state: 'failed',
      retryable: true,
      error: { code: 'internal' },
    });
    const second = jobs.retry(first);
    expect(second).not.toBe(first);
    expect(await jobs.wait(second)).toMatchObject({ state: 'done', resultMessage: 'ok' });
    expect(seen).toEqual([first, second]);
    expect(jobs.list()).toHaveLength(2);
    expect(() => jobs.retry(second)).toThrow(/cannot be retried/);
  });

  it('throttles progress events but always sends the final state', async () => {
    const { jobs, updates } = setup({ progressIntervalMs: 250 });
    const j = controllable();
    const id = jobs.submit(j.spec);
    await tick();
    const ctx = j.runs[0]!;
    const started = Date.now();
    for (let i = 0; i <= 100; i++) {
      ctx.progress({ bytesDone: i, bytesTotal: 100, rate: 1, layers: [] });
      await new Promise((r) => setTimeout(r, 5));
    }
    const elapsed = Date.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    const progressEvents = updates.filter((u) => u.id === id && u.state === 'running' && u.progress);
    // At most ~4 per second (plus one trailing emission).
    expect(progressEvents.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    expect(progressEvents.length).toBeGreaterThan(0);
    // The latest progress is never lost.
    expect(progressEvents.at(-1)!.progress!.bytesDone).toBe(100);
    j.finish();
    await jobs.wait(id);
    expect(updates.at(-1)).toMatchObject({ id, state: 'done' });
  });

  it('keeps finished jobs until cleared; clear leaves running jobs', async () => {
    const { jobs, removed } = setup();
    const done = controllable('delete');
    const running = controllable('delete');
    const d = jobs.submit(done.spec);
    const r = jobs.submit(running.spec);
    await tick();
    done.finish();
    await jobs.wait(d);
    expect(jobs.clear()).toEqual([d]);
    expect(removed).toEqual([[d]]);
    expect(jobs.list().map((j) => j.id)).toEqual([r]);
    running.finish();
    await jobs.wait(r);
  });

  it('calls onSettled once when a job ends (temp file clean-up)', async () => {
    const { jobs } = setup();
    const settled: string[] = [];
    const j = controllable();
    const id = jobs.submit({ ...j.spec, onSettled: (job) => void settled.push(job.state) });
    await tick();
    jobs.cancel(id);
    await jobs.wait(id);
    expect(settled).toEqual(['cancelled']);
  });
});
