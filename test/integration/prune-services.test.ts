/**
 * registry.prunePlan and jobs.prune through the services, as the app calls them: the preview changes
 * nothing, the job deletes what it planned and says so, a registry with deletes off fails the job before
 * anything changed, so does a read-only login on a token-auth registry (naming the scope to add), a
 * cancel stops between deletions and Retry finishes the rest, a bad rule is refused at the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryName } from '../../electron/core/registry/names';
import { clientFor } from '../support/clients';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';
import { daysAgo, seeder } from './prune-seed';

let open: TestRegistry;
let noDeletes: TestRegistry;
let token: TestRegistry;
let readerId: string;
let sandbox: TestServices;
let openId: string;
let noDeletesId: string;
const { call, ok, settled } = callers(() => sandbox.services);

async function seed(registry: TestRegistry) {
  const s = await seeder(clientFor(registry), 'svc/app');
  for (let n = 1; n <= 6; n++)
    await s.image(`b-${n}`, daysAgo(60 - n), [`b-${n}`, ...(n === 1 ? ['stable'] : [])]);
}

const tags = async (registry: TestRegistry) =>
  (await clientFor(registry).tags(repositoryName('svc/app'))).sort();

beforeAll(async () => {
  [open, noDeletes, token] = await Promise.all([
    startRegistry({ mode: 'open' }),
    startRegistry({ mode: 'open', deleteEnabled: false }),
    startRegistry({ mode: 'token' }),
  ]);
  const tokenSeed = seeder(clientFor(token, { credentials: token.user }), 'svc/app').then(async (s) => {
    for (let n = 1; n <= 3; n++) await s.image(`r-${n}`, daysAgo(30 - n), [`r-${n}`]);
  });
  await Promise.all([seed(open), seed(noDeletes), tokenSeed]);
  sandbox = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-prune-' });
  openId = (await ok('connections.save', connectionTo(open, 'Open'))).id;
  noDeletesId = (await ok('connections.save', connectionTo(noDeletes, 'No deletes'))).id;
  readerId = (await ok('connections.save', connectionTo(token, 'Reader', token.reader))).id;
}, 120_000);

afterAll(async () => {
  await sandbox?.dispose();
  await open?.stop();
  await noDeletes?.stop();
  await token?.stop();
});

describe('prune through the services', () => {
  const rules = { repository: 'svc/app', keep: ['^stable$'], keepLast: 2 };

  it('registry.prunePlan previews with reasons and changes nothing', async () => {
    const before = await tags(open);
    const plan = await ok('registry.prunePlan', { connectionId: openId, ...rules });
    expect(plan.plan.map((a) => [a.action, a.tag])).toEqual([
      ['delete-manifest', 'b-2'],
      ['delete-manifest', 'b-3'],
      ['delete-manifest', 'b-4'],
    ]);
    expect(plan.keep.map((k) => `${k.tag}: ${k.reason}`).sort()).toEqual([
      'b-1: tag stable matches --keep ^stable$',
      'b-5: one of the 2 newest images (--keep-last)',
      'b-6: one of the 2 newest images (--keep-last)',
      'stable: tag stable matches --keep ^stable$',
    ]);
    expect(plan.reclaimableBytes).toBeGreaterThan(0);
    expect(await tags(open)).toEqual(before);
  }, 60_000);

  it('a rule that does not parse is refused at the call', async () => {
    const bad = await call('jobs.prune', { connectionId: openId, repository: 'svc/app', olderThan: 'soon' });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.error).toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/soon/) });
    const none = await call('registry.prunePlan', { connectionId: openId, repository: 'svc/app' });
    expect(!none.ok && none.error.message).toMatch(/delete every tag/);
  });

  it('jobs.prune deletes what it planned and says so', async () => {
    const { jobId } = await ok('jobs.prune', { connectionId: openId, ...rules });
    const job = await settled(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    expect(job.kind).toBe('prune');
    expect(job.resultMessage).toMatch(/^Cleaned up: 3 of 3 deletions done in svc\/app \(.+ reclaimable\)\.$/);
    expect(await tags(open)).toEqual(['b-1', 'b-5', 'b-6', 'stable']);
  }, 60_000);

  it('a registry with deletes off fails the job before anything changed', async () => {
    const before = await tags(noDeletes);
    const { jobId } = await ok('jobs.prune', { connectionId: noDeletesId, ...rules });
    const job = await settled(jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/0 of 3 deletions/),
    });
    expect(job.error?.hint).toMatch(/storage\.delete\.enabled/);
    expect(await tags(noDeletes)).toEqual(before);
  }, 60_000);

  it('a read-only login fails the job before anything changed, naming the scope to add', async () => {
    const { jobId } = await ok('jobs.prune', { connectionId: readerId, repository: 'svc/app', keepLast: 1 });
    const job = await settled(jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'denied',
      message: expect.stringMatching(/grants only pull on svc\/app.*0 of 2 deletions/),
      hint: expect.stringMatching(/repository:svc\/app:pull,delete.*Then retry to finish the rest\./),
    });
    const user = clientFor(token, { credentials: token.user });
    expect((await user.tags(repositoryName('svc/app'))).sort()).toEqual(['r-1', 'r-2', 'r-3']);
  }, 60_000);

  it('a cancel stops between deletions and says how far it got; Retry finishes the rest', async () => {
    const slow = await startRegistry({ mode: 'open' });
    let proxy: FaultProxy | undefined;
    try {
      const s = await seeder(clientFor(slow), 'svc/slow');
      for (let n = 1; n <= 4; n++) await s.image(`s-${n}`, daysAgo(30 - n), [`s-${n}`]);
      proxy = await startFaultProxy(slow.url);
      // Every manifest DELETE waits, so the cancel lands while the run is between or inside deletions.
      proxy.rules.push({
        match: { method: 'DELETE', path: /\/manifests\// },
        kind: 'stall',
        ms: 400,
        times: Infinity,
      });
      const { id } = await ok('connections.save', {
        name: 'Slow',
        kind: 'generic',
        registry: proxy.host,
        insecure: true,
      });
      const { jobId } = await ok('jobs.prune', { connectionId: id, repository: 'svc/slow', keepLast: 1 });
      for (let i = 0; i < 200; i++) {
        const job = sandbox.services.context.jobs.get(jobId);
        if ((job?.progress?.bytesDone ?? 0) >= 1 || (job && !['queued', 'running'].includes(job.state)))
          break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await ok('jobs.cancel', { id: jobId });
      const cancelled = await settled(jobId);
      expect(cancelled).toMatchObject({ state: 'cancelled', retryable: true });
      expect(cancelled.warnings).toEqual([
        expect.stringMatching(
          /^Stopped after [12] of 3 deletions; Retry plans again and finishes the rest\.$/,
        ),
      ]);
      // What it says it did is what happened: the deletions after the cancel were never sent.
      const done = Number(cancelled.warnings[0]?.match(/after (\d) of/)?.[1]);
      expect((await clientFor(slow).tags(repositoryName('svc/slow'))).length).toBe(4 - done);

      const { jobId: retryId } = await ok('jobs.retry', { id: jobId });
      expect(await settled(retryId)).toMatchObject({ state: 'done' });
      expect(await clientFor(slow).tags(repositoryName('svc/slow'))).toEqual(['s-4']);
    } finally {
      await proxy?.stop();
      await slow.stop();
    }
  }, 60_000);
});
