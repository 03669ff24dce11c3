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

/**
 * Manifests by digest; `fail` decides what a DELETE of a digest throws. The probe's digest is unknown.
 * `granted`: what the login's token says it may do (undefined: the token does not say); `sent` records the
 * raw requests (the push probe's upload, opened and cancelled).
 */
function fake(
  present: Set<string>,
  fail: (digest: string) => LadingError | undefined = () => undefined,
  granted?: string[],
) {
  const deleted: string[] = [];
  const probed: string[] = [];
  const sent: string[] = [];
  const tagHeads = new Map<string, string>();
  const client = {
    registry: 'registry.example.com',
    auth: { grantedActions: async () => granted },
    async send(req: { method: string; url: string | URL }) {
      sent.push(`${req.method} ${req.url}`);
      const url = new URL('https://registry.example.com/v2/team/app/blobs/uploads/u1');
      return { status: 202, headers: { location: url.pathname }, url, body: { dump: async () => {} } };
    },
    async tags() {
      return [...tagHeads.keys()];
    },
    async headManifest(_repo: string, ref: string) {
      const digest = tagHeads.get(ref);
      return digest ? { digest, mediaType: 'x', size: 1 } : undefined;
    },
    async deleteManifest(_repo: string, digest: string) {
      probed.push(digest);
      const e = fail(digest);
      if (e) throw e;
      if (!present.delete(digest)) throw new LadingError('manifest-unknown', 'unknown', { status: 404 });
      deleted.push(digest);
    },
  } as unknown as PruneClient;
  return { client, deleted, probed, sent, tagHeads };
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

  const untag: PruneAction = { action: 'delete-tag', tag: 't1', digest: d(1), created: null, reason: 'x' };

  it('is refused before any request that changes anything when the token grants only pull', async () => {
    // A registry that answers "unknown" to the delete probe before it checks rights would pass the probe.
    const f = fake(new Set([d(1)]), undefined, ['pull']);
    const r = await executePrune(f.client, plan([del(1)]));
    expect(f.probed).toEqual([]);
    expect(f.deleted).toEqual([]);
    expect(r.done).toEqual([]);
    expect(r.stopped).toMatchObject({
      code: 'denied',
      message: expect.stringMatching(/grants only pull on team\/app.*needs delete; nothing was changed/),
      scope: 'repository:team/app:pull,delete',
    });
  });

  it('wants push too when a tag goes alone (the throwaway manifest), asked before the first change', async () => {
    const f = fake(new Set([d(1)]), undefined, ['pull', 'delete']);
    f.tagHeads.set('t1', d(1));
    const r = await executePrune(f.client, plan([untag, del(2)]));
    expect(f.probed).toEqual([]);
    expect(f.sent).toEqual([]);
    expect(r.stopped).toMatchObject({
      code: 'denied',
      message: expect.stringMatching(/throwaway manifest.*needs push/),
      scope: 'repository:team/app:pull,push,delete',
    });
  });

  it('where the token does not say, opens an upload and cancels it to ask about push', async () => {
    const f = fake(new Set([d(1)]));
    f.tagHeads.set('t1', d(9)); // moved since the plan: the run itself changes nothing here
    await executePrune(f.client, plan([untag]));
    expect(f.sent).toEqual([
      'POST /v2/team/app/blobs/uploads/',
      'DELETE https://registry.example.com/v2/team/app/blobs/uploads/u1',
    ]);
  });
});
