import { describe, expect, it } from 'vitest';
import { executePrune, type PruneClient } from '../../electron/core/operations/prune';
import type { PruneAction, PrunePlan } from '../../electron/core/operations/prune-plan';
import { LadingError } from '../../electron/core/registry/errors';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const del = (n: number): PruneAction => ({
  action: 'delete-manifest',
  tag: `t${n}`,
  tags: [`t${n}`],
  digest: d(n),
  created: null,
  reason: 'test',
});
const plan = (actions: PruneAction[]): PrunePlan => ({
  repository: 'team/app',
  plan: actions,
  keep: [],
  reclaimableBytes: 0,
  notes: [],
});

/** Manifests by digest; `fail` decides what a DELETE of a digest throws. The probe's digest is unknown. */
function fake(present: Set<string>, fail: (digest: string) => LadingError | undefined = () => undefined) {
  const deleted: string[] = [];
  const tagHeads = new Map<string, string>();
  const client = {
    registry: 'registry.example.com',
    async tags() {
      return [...tagHeads.keys()];
    },
    async headManifest(_repo: string, ref: string) {
      const digest = tagHeads.get(ref);
      return digest ? { digest, mediaType: 'x', size: 1 } : undefined;
    },
    async deleteManifest(_repo: string, digest: string) {
      const e = fail(digest);
      if (e) throw e;
      if (!present.delete(digest)) throw new LadingError('manifest-unknown', 'unknown', { status: 404 });
      deleted.push(digest);
    },
  } as unknown as PruneClient;
  return { client, deleted, tagHeads };
}

describe('executePrune', () => {
  it('runs every action in order; what is already gone counts as done', async () => {
    const f = fake(new Set([d(1), d(3)]));
    const r = await executePrune(f.client, plan([del(1), del(2), del(3)]));
    expect(f.deleted).toEqual([d(1), d(3)]);
    expect(r.done.map((a) => a.digest)).toEqual([d(1), d(2), d(3)]);
    expect(r.failed).toEqual([]);
  });

  it('goes on past a failure that is no refusal, and reports it', async () => {
    const f = fake(new Set([d(1), d(2), d(3)]), (x) =>
      x === d(2) ? new LadingError('server-error', 'boom') : undefined,
    );
    const r = await executePrune(f.client, plan([del(1), del(2), del(3)]));
    expect(f.deleted).toEqual([d(1), d(3)]);
    expect(r.failed).toEqual([{ action: del(2), error: { code: 'server-error', message: 'boom' } }]);
    expect(r.stopped).toBeUndefined();
  });

  it('stops at once on a permission refusal, with the scope', async () => {
    const f = fake(new Set([d(1), d(2), d(3)]), (x) =>
      x === d(2)
        ? new LadingError('denied', 'no delete', { scope: 'repository:team/app:delete' })
        : undefined,
    );
    const r = await executePrune(f.client, plan([del(1), del(2), del(3)]));
    expect(f.deleted).toEqual([d(1)]);
    expect(r.stopped).toMatchObject({ code: 'denied', scope: 'repository:team/app:delete' });
    expect(r.done).toHaveLength(1);
  });

  it('is refused before anything is deleted when the probe is', async () => {
    const f = fake(new Set([d(1)]), () => new LadingError('unauthorized', 'who are you'));
    const r = await executePrune(f.client, plan([del(1)]));
    expect(r).toEqual({
      done: [],
      failed: [],
      stopped: { code: 'unauthorized', message: 'who are you', scope: 'repository:team/app:delete' },
    });
  });

  it('leaves a tag that moved since the plan, and one already gone is done', async () => {
    const f = fake(new Set());
    f.tagHeads.set('moved', d(9));
    const moved: PruneAction = {
      action: 'delete-tag',
      tag: 'moved',
      digest: d(1),
      created: null,
      reason: 'x',
    };
    const gone: PruneAction = { ...moved, tag: 'gone' };
    const r = await executePrune(f.client, plan([moved, gone]));
    expect(r.failed[0]?.error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/moved to/),
    });
    expect(r.done).toEqual([gone]);
  });

  it('stops between actions when cancelled', async () => {
    const f = fake(new Set([d(1), d(2)]));
    const stop = new AbortController();
    const r = await executePrune(f.client, plan([del(1), del(2)]), {
      signal: stop.signal,
      onAction: () => stop.abort(),
    });
    expect(r.cancelled).toBe(true);
    expect(f.deleted).toEqual([d(1)]);
  });

  it('leaves a manifest alone when a tag was put on it since the plan (it would go with it)', async () => {
    const f = fake(new Set([d(1), d(2)]));
    f.tagHeads.set('t1', d(1)); // planned: goes with d(1)
    f.tagHeads.set('promoted', d(2)); // new since the plan
    f.tagHeads.set('unrelated', d(7));
    const r = await executePrune(f.client, plan([del(1), del(2)]));
    expect(f.deleted).toEqual([d(1)]);
    expect(r.failed).toEqual([
      {
        action: del(2),
        error: expect.objectContaining({
          code: 'conflict',
          message: expect.stringMatching(/tag promoted was put on it/),
        }),
      },
    ]);
  });
});
