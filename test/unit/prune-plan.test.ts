import { describe, expect, it } from 'vitest';
import { type PruneSnapshot, planPrune } from '../../electron/core/operations/prune-plan';
import { parseDuration, policyFrom, pruneRules } from '../../electron/core/operations/prune-rules';
import { LadingError } from '../../electron/core/registry/errors';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const sig = (digest: string, suffix = '.sig') => `${digest.replace(':', '-')}${suffix}`;
const NOW = new Date('2025-06-01T00:00:00Z');
const day = (n: number) => new Date(NOW.getTime() - n * 86400e3).toISOString();
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';

/** A snapshot builder: images with a created date, one private layer each (size = n) and a shared base. */
function repo() {
  const s: PruneSnapshot = { repository: 'team/app', tags: {}, manifests: {} };
  const api = {
    s,
    image(n: number, created: string | undefined, ...tags: string[]) {
      s.manifests[d(n)] = {
        mediaType: OCI,
        created,
        children: [],
        blobs: [
          { digest: d(10_000), size: 1000 },
          { digest: d(20_000 + n), size: n },
        ],
      };
      for (const t of tags) s.tags[t] = d(n);
      return api;
    },
    index(n: number, created: string | undefined, children: number[], ...tags: string[]) {
      s.manifests[d(n)] = { mediaType: INDEX, created, children: children.map(d), blobs: [] };
      for (const t of tags) s.tags[t] = d(n);
      return api;
    },
    /** A cosign-style signature of image n, stored as its own small manifest m. */
    signature(n: number, m: number, suffix = '.sig') {
      s.manifests[d(m)] = { mediaType: OCI, children: [], blobs: [{ digest: d(30_000 + m), size: 7 }] };
      s.tags[sig(d(n), suffix)] = d(m);
      return api;
    },
  };
  return api;
}

const rules = (flags: Parameters<typeof pruneRules>[1]) => pruneRules({}, flags);
const brief = (plan: ReturnType<typeof planPrune>) =>
  plan.plan.map(
    (a) =>
      `${a.action} ${a.tag ?? '-'} ${a.digest === undefined ? '' : Number.parseInt(a.digest.slice(7), 16)}`,
  );

describe('prune rules', () => {
  it('parses durations', () => {
    expect(parseDuration('30d')).toBe(30 * 86400e3);
    expect(parseDuration('12h')).toBe(12 * 3600e3);
    expect(parseDuration('2w')).toBe(14 * 86400e3);
    expect(parseDuration('1w2d')).toBe(9 * 86400e3);
    expect(parseDuration('90m')).toBe(90 * 60e3);
    for (const bad of ['30', 'd', '30y', '-1d', '1.5d', ''])
      expect(() => parseDuration(bad), bad).toThrow(/is not a duration/);
  });

  it('refuses no rule at all, bad patterns, bad numbers', () => {
    expect(() => pruneRules({}, {})).toThrow(/delete every tag/);
    expect(() => rules({ match: '(' })).toThrow(/--match "\(" is not a valid regular expression/);
    expect(() => rules({ keep: ['['] })).toThrow(/--keep/);
    expect(() => rules({ keepLast: -1 })).toThrow(/--keep-last/);
    expect(() => rules({ olderThan: 'soon' })).toThrow(/not a duration/);
  });

  it('reads policies field by field; flags win, --keep adds', () => {
    const p = policyFrom({ match: '^ci-', keep: ['^v'], keepLast: 3, olderThan: '30d', keepReferrers: true });
    const r = pruneRules(p, { keep: ['latest'], keepLast: 5 });
    expect(r.match?.source).toBe('^ci-');
    expect(r.keep.map((k) => k.source)).toEqual(['^v', 'latest']);
    expect(r.keepLast).toBe(5);
    expect(r.olderThanMs).toBe(30 * 86400e3);
    expect(r.keepReferrers).toBe(true);
    expect(pruneRules(policyFrom({ keep: 'latest' })).keep.map((k) => k.source)).toEqual(['latest']);
    expect(() => policyFrom({ keeplast: 3 })).toThrow(/unknown field "keeplast"/);
    expect(() => policyFrom({ keepLast: '3' })).toThrow(/keepLast/);
    expect(() => policyFrom({ keep: [1] })).toThrow(/keep/);
    expect(() => policyFrom({ untagged: 'yes' })).toThrow(/untagged/);
    expect(() => policyFrom([])).toThrow(LadingError);
  });
});

describe('planPrune', () => {
  it('keeps the N newest images, counting images, not tags', () => {
    const r = repo()
      .image(1, day(50), 'ci-1')
      .image(2, day(40), 'ci-2', 'latest') // one image, two tags
      .image(3, day(30), 'ci-3')
      .image(4, day(20), 'ci-4', 'stable');
    const plan = planPrune(r.s, rules({ keepLast: 2 }), NOW);
    expect(brief(plan)).toEqual(['delete-manifest ci-1 1', 'delete-manifest ci-2 2']);
    expect(plan.plan[1]?.tags).toEqual(['ci-2', 'latest']);
    expect(plan.keep.map((k) => k.tag).sort()).toEqual(['ci-3', 'ci-4', 'stable']);
    expect(plan.keep[0]?.reason).toMatch(/one of the 2 newest images/);
    expect(plan.plan[0]).toMatchObject({
      created: day(50),
      reason: expect.stringMatching(/not among the 2 newest/),
    });
    // private layers of 1 and 2; the shared base stays
    expect(plan.reclaimableBytes).toBe(1 + 2);
  });

  it('--keep and --keep-last are independent: a kept tag counts among the N; every tag of a kept image stays', () => {
    const r = repo()
      .image(1, day(50), 'v1.0.0', 'ci-1')
      .image(2, day(40), 'ci-2')
      .image(3, day(30), 'ci-3')
      .image(4, day(20), 'ci-4');
    const plan = planPrune(r.s, rules({ keep: ['^v\\d+\\.\\d+\\.\\d+$'], keepLast: 2 }), NOW);
    expect(brief(plan)).toEqual(['delete-manifest ci-2 2']);
    expect(plan.keep.find((k) => k.tag === 'ci-1')?.reason).toMatch(/tag v1.0.0 matches --keep/);
    // v1.0.0 is the oldest: it does not take one of the two newest places
    expect(plan.keep.filter((k) => /newest/.test(k.reason)).map((k) => k.tag)).toEqual(['ci-3', 'ci-4']);
  });

  it('--match limits what is considered; a considered tag whose image keeps an unmatched tag goes alone', () => {
    const r = repo()
      .image(1, day(50), 'ci-1', 'release-1')
      .image(2, day(40), 'ci-2')
      .image(3, day(30), 'other');
    const plan = planPrune(r.s, rules({ match: '^ci-' }), NOW);
    expect(brief(plan)).toEqual(['delete-tag ci-1 1', 'delete-manifest ci-2 2']);
    expect(plan.plan[0]?.reason).toMatch(/its image stays under tag release-1/);
    expect(plan.keep).toEqual([
      { tag: 'other', digest: d(3), reason: 'not matched by --match' },
      { tag: 'release-1', digest: d(1), reason: 'not matched by --match' },
    ]);
    expect(plan.reclaimableBytes).toBe(2);
  });

  it('--older-than deletes only what is older; an image with no date is kept when dates decide', () => {
    const r = repo().image(1, day(50), 'a').image(2, day(10), 'b').image(3, undefined, 'c');
    const plan = planPrune(r.s, rules({ olderThan: '30d' }), NOW);
    expect(brief(plan)).toEqual(['delete-manifest a 1']);
    expect(plan.plan[0]?.reason).toMatch(/older than 30d/);
    expect(plan.keep.find((k) => k.tag === 'b')?.reason).toMatch(/within --older-than 30d/);
    expect(plan.keep.find((k) => k.tag === 'c')?.reason).toMatch(/no created date/);
    // with --keep-last the rules are independent too: kept by either
    const both = planPrune(r.s, rules({ olderThan: '5d', keepLast: 1 }), NOW);
    expect(brief(both)).toEqual(['delete-manifest a 1']);
  });

  it('--keep alone deletes everything else, regardless of dates', () => {
    const r = repo().image(1, day(50), 'latest').image(2, undefined, 'x').image(3, day(1), 'y');
    expect(brief(planPrune(r.s, rules({ keep: ['^latest$'] }), NOW))).toEqual([
      'delete-manifest x 2',
      'delete-manifest y 3',
    ]);
  });

  it('an index is dated by its annotation, else its newest child; its children go after it, referrers before', () => {
    const r = repo()
      .image(11, day(90))
      .image(12, day(60))
      .index(10, undefined, [11, 12], 'multi-old') // dated by child 12: day 60
      .image(21, day(5))
      .image(22, day(5))
      .index(20, day(1), [21, 22], 'multi-new')
      .image(3, day(30), 'single')
      .signature(10, 100)
      .signature(10, 101, '.att');
    const plan = planPrune(r.s, rules({ keepLast: 2 }), NOW);
    expect(brief(plan)).toEqual([
      `delete-manifest ${sig(d(10), '.att')} 101`,
      `delete-manifest ${sig(d(10))} 100`,
      'delete-manifest multi-old 10',
      'delete-manifest - 11',
      'delete-manifest - 12',
    ]);
    expect(plan.plan[0]?.reason).toMatch(/referrer of deleted sha256:0000000000/);
    expect(plan.plan[3]?.reason).toMatch(/platform image of deleted index/);
    expect(plan.plan[2]?.created).toBe(day(60));
    expect(plan.reclaimableBytes).toBe(11 + 12 + 7 + 7);
    // the kept index's children are never planned
    expect(plan.plan.some((a) => a.digest === d(21) || a.digest === d(22))).toBe(false);
  });

  it('never deletes what a kept image needs: a tagged platform image of a kept index loses only its tag', () => {
    const r = repo()
      .image(11, day(60), 'ci-arm') // also the kept index's child
      .image(12, day(60))
      .index(10, day(1), [11, 12], 'latest')
      .image(5, day(50), 'ci-5');
    const plan = planPrune(r.s, rules({ match: '^ci-', olderThan: '7d' }), NOW);
    expect(brief(plan)).toEqual(['delete-tag ci-arm 11', 'delete-manifest ci-5 5']);
    expect(plan.plan[0]?.reason).toMatch(/its manifest stays: platform image of kept index/);
    expect(plan.reclaimableBytes).toBe(5);
  });

  it('a tagged platform image that goes with its index still lists its tag', () => {
    const r = repo()
      .image(11, day(60), 'ci-amd64')
      .image(12, day(60))
      .index(10, day(50), [11, 12], 'old')
      .image(2, day(1), 'new');
    const plan = planPrune(r.s, rules({ keepLast: 1 }), NOW);
    expect(brief(plan)).toEqual([
      'delete-manifest old 10',
      'delete-manifest ci-amd64 11',
      'delete-manifest - 12',
    ]);
    expect(plan.plan[1]?.tags).toEqual(['ci-amd64']);
  });

  it('a child shared with a kept index stays when another index goes', () => {
    const r = repo()
      .image(11, day(60))
      .image(12, day(60))
      .image(13, day(60))
      .index(10, day(40), [11, 12], 'old')
      .index(20, day(1), [12, 13], 'new');
    const plan = planPrune(r.s, rules({ keepLast: 1 }), NOW);
    expect(brief(plan)).toEqual(['delete-manifest old 10', 'delete-manifest - 11']);
    expect(plan.reclaimableBytes).toBe(11);
  });

  it('referrers are never considered as tags; those of kept images stay; --keep-referrers keeps them all', () => {
    const r = repo()
      .image(1, day(50), 'old')
      .image(2, day(1), 'new')
      .signature(1, 100)
      .signature(2, 200)
      .signature(2, 201, '.sbom')
      .signature(99, 990); // its subject is not here
    const plan = planPrune(r.s, rules({ match: '.*', keepLast: 1 }), NOW);
    expect(brief(plan)).toEqual([`delete-manifest ${sig(d(1))} 100`, 'delete-manifest old 1']);
    const reasons = Object.fromEntries(plan.keep.map((k) => [k.tag, k.reason]));
    expect(reasons[sig(d(2))]).toMatch(/referrer of kept image/);
    expect(reasons[sig(d(2), '.sbom')]).toMatch(/referrer of kept image/);
    expect(reasons[sig(d(99))]).toMatch(/not tagged here \(left alone\)/);

    const keepRefs = planPrune(r.s, rules({ keepLast: 1, keepReferrers: true }), NOW);
    expect(brief(keepRefs)).toEqual(['delete-manifest old 1']);
    expect(keepRefs.keep.find((k) => k.tag === sig(d(1)))?.reason).toMatch(/--keep-referrers/);
    expect(keepRefs.reclaimableBytes).toBe(1);
  });

  it('tags come before manifests, oldest first; the plan is the same every time', () => {
    const r = repo();
    for (let n = 1; n <= 30; n++) r.image(n, day(100 - n), `ci-${n}`);
    r.s.tags['keep-me'] = d(3);
    const plan = planPrune(r.s, rules({ match: '^ci-', keepLast: 10 }), NOW);
    expect(plan.plan[0]).toMatchObject({ action: 'delete-tag', tag: 'ci-3' });
    expect(plan.plan.slice(1).map((a) => a.tag)).toEqual(
      Array.from({ length: 20 }, (_, i) => `ci-${i + 1}`).filter((t) => t !== 'ci-3'),
    );
    expect(planPrune(r.s, rules({ match: '^ci-', keepLast: 10 }), NOW)).toEqual(plan);
  });

  it('images with equal dates are ranked by digest, and --keep-last 0 keeps nothing by age', () => {
    const r = repo().image(2, day(10), 'b').image(1, day(10), 'a');
    expect(brief(planPrune(r.s, rules({ keepLast: 1 }), NOW))).toEqual(['delete-manifest b 2']);
    expect(planPrune(r.s, rules({ keepLast: 0 }), NOW).plan).toHaveLength(2);
  });

  it('--untagged says what a generic registry cannot list', () => {
    const r = repo().image(1, day(50), 'a');
    expect(planPrune(r.s, rules({ keepLast: 1, untagged: true }), NOW).notes[0]).toMatch(
      /cannot list untagged manifests/,
    );
    expect(planPrune(r.s, rules({ keepLast: 1 }), NOW).notes).toEqual([]);
  });

  describe('on GitHub (package versions)', () => {
    /** Every manifest of the snapshot as a version, id = n, pushed `pushed` days ago. */
    const withVersions = (r: ReturnType<typeof repo>, pushed: Record<number, number> = {}) => {
      r.s.versions = {};
      for (const digest of Object.keys(r.s.manifests)) {
        const n = Number.parseInt(digest.slice(7), 16);
        const tags = Object.keys(r.s.tags).filter((t) => r.s.tags[t] === digest);
        r.s.versions[digest] = { id: n, createdAt: day(pushed[n] ?? 1), tags };
      }
      return r;
    };

    it('deletes versions, falls back to the push date, keeps the children of a kept index', () => {
      const r = withVersions(
        repo()
          .image(1, undefined, 'old') // no created date: the push date, 60 days, decides
          .image(2, day(1), 'new')
          .image(11, day(5))
          .image(12, day(5))
          .index(10, day(2), [11, 12], 'multi'),
        { 1: 60 },
      );
      const plan = planPrune(r.s, rules({ olderThan: '30d' }), NOW);
      expect(plan.plan).toEqual([
        expect.objectContaining({
          action: 'delete-version',
          tag: 'old',
          digest: d(1),
          versionId: 1,
          created: day(60),
        }),
      ]);
    });

    it('--untagged deletes untagged versions nothing needs, and never a platform image of a kept index', () => {
      const r = withVersions(
        repo()
          .image(11, day(5))
          .image(12, day(5))
          .index(10, day(2), [11, 12], 'multi')
          .image(3, day(90)) // untagged, pushed long ago
          .image(4, day(90)) // untagged, pushed yesterday
          .image(21, day(90))
          .index(20, undefined, [21]) // an untagged index and its child
          .image(5, day(90), 'keep-me'),
        { 3: 40, 4: 1, 20: 40, 21: 41 },
      );
      r.s.versions![d(99)] = { id: 99, createdAt: day(50), tags: [] }; // listed, but its manifest is unreadable
      const plan = planPrune(r.s, rules({ keep: ['^keep-me$'], untagged: true, olderThan: '7d' }), NOW);
      expect(brief(plan)).toEqual(['delete-version - 20', 'delete-version - 21', 'delete-version - 3']);
      expect(plan.plan[1]?.reason).toMatch(/platform image of deleted index/);
      expect(plan.plan.map((a) => a.versionId)).toEqual([20, 21, 3]);
      expect(
        plan.plan.every((a) => a.reason.includes('untagged') || a.reason.includes('platform image')),
      ).toBe(true);
      const kept = Object.fromEntries(
        plan.keep.map((k) => [Number.parseInt(k.digest.slice(7), 16), k.reason]),
      );
      expect(kept[4]).toMatch(/within --older-than 7d/);
      expect(kept[99]).toMatch(/could not be read/);
      expect(plan.notes).toEqual([]);
      // without --untagged nothing untagged is touched
      expect(planPrune(r.s, rules({ keep: ['^keep-me$'], olderThan: '7d' }), NOW).plan).toEqual([]);
    });
  });
});

describe('planPrune at scale', () => {
  it('plans 20,000 tags and 10,000 signatures quickly (maps, not scans)', () => {
    const r = repo();
    for (let n = 1; n <= 10_000; n++) {
      r.image(n, day(n / 100), `ci-${n}`, `build-${n}`);
      r.signature(n, 100_000 + n);
    }
    const started = performance.now();
    const plan = planPrune(r.s, rules({ match: '^ci-', keepLast: 100 }), NOW);
    expect(performance.now() - started).toBeLessThan(1500);
    // every ci- tag of a not-kept image goes alone: its build- tag is not matched and stays
    expect(plan.plan).toHaveLength(9_900);
    expect(plan.plan.every((a) => a.action === 'delete-tag')).toBe(true);
  });
});
