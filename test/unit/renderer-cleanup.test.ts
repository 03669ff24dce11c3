/**
 * The clean-up dialog's pure parts: the form checked as the main side's pruneRules would refuse it, the
 * request it sends, and the preview's counts line (e2e/cleanup.spec.ts drives the dialog itself).
 */
import { describe, expect, it } from 'vitest';
import { summary } from '../../renderer/dialogs/CleanupPreview';
import { cleanupErrors, cleanupRequest, DEFAULT_CLEANUP } from '../../renderer/lib/cleanup-rules';
import type { PrunePlanView } from '../../shared/types';

const form = (over: Partial<typeof DEFAULT_CLEANUP>) => ({ ...DEFAULT_CLEANUP, ...over });

describe('clean-up form', () => {
  it('checks each field as typed, and that some rule keeps something', () => {
    expect(cleanupErrors(DEFAULT_CLEANUP)).toEqual({});
    expect(cleanupErrors(form({ match: '^ci-(' })).match).toMatch(/^Not a valid regular expression/);
    expect(cleanupErrors(form({ keep: '^v\\d\n[' })).keep).toMatch(/^\[: Not a valid regular expression/);
    expect(cleanupErrors(form({ keepLast: '-1' })).keepLast).toMatch(/whole number/);
    expect(cleanupErrors(form({ keepLast: '2.5' })).keepLast).toMatch(/whole number/);
    expect(cleanupErrors(form({ olderThan: '30 days' })).olderThan).toMatch(/30d, 12h/);
    expect(cleanupErrors(form({ olderThan: '1w3d' }))).toEqual({});
    expect(cleanupErrors(form({ keep: ' \n ', keepLast: '' })).rules).toMatch(/every tag would go/);
    expect(cleanupErrors(form({ keep: '', keepLast: '', olderThan: '30d' }))).toEqual({});
  });

  it('sends only the rules given, trimmed, keep patterns one per line', () => {
    expect(cleanupRequest('c1', 'team/app', DEFAULT_CLEANUP)).toEqual({
      connectionId: 'c1',
      repository: 'team/app',
      keep: ['^latest$'],
      keepLast: 10,
    });
    expect(
      cleanupRequest(
        'c1',
        'team/app',
        form({
          match: ' ^ci- ',
          keep: '^v\\d\n\n ^latest$ ',
          keepLast: '',
          olderThan: '30d ',
          untagged: true,
          keepReferrers: true,
        }),
      ),
    ).toEqual({
      connectionId: 'c1',
      repository: 'team/app',
      match: '^ci-',
      keep: ['^v\\d', '^latest$'],
      olderThan: '30d',
      untagged: true,
      keepReferrers: true,
    });
  });
});

describe('clean-up preview counts', () => {
  const d = (n: number) => `sha256:${String(n).repeat(64)}`;
  const plan: PrunePlanView = {
    plan: [
      { action: 'delete-tag', tag: 'ci-9', digest: d(1), created: null, reason: 'r' },
      {
        action: 'delete-manifest',
        tag: 'ci-1',
        tags: ['ci-1', 'old'],
        digest: d(2),
        created: null,
        reason: 'r',
      },
      { action: 'delete-manifest', tag: 'ci-2', tags: ['ci-2'], digest: d(3), created: null, reason: 'r' },
    ],
    keep: [
      { tag: 'latest', digest: d(1), reason: 'k' },
      { tag: 'v1', digest: d(1), reason: 'k' },
      { digest: d(4), reason: 'untagged, within --older-than' },
    ],
    reclaimableBytes: 3 * 1024,
    notes: [],
  };

  it('says images (versions on GitHub), the tags with them, tags removed alone, what stays and the bytes', () => {
    expect(summary(plan, false)).toBe(
      '2 images deleted (with 3 tags), 1 tag removed alone (its image stays); 2 tags and 1 untagged version kept · 3 KiB no longer referenced.',
    );
    expect(summary(plan, true)).toMatch(/^2 versions deleted/);
    expect(summary({ ...plan, plan: [], keep: plan.keep.slice(0, 2) }, false)).toBe(
      'Nothing would be deleted; 2 tags kept.',
    );
  });
});
