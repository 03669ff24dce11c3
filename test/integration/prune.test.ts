/**
 * `lading prune` against a real docker-registry: dozens of images with distinct created dates, tags
 * sharing digests, multi-platform indexes, cosign-style signature tags. The preview is the expected plan
 * exactly and changes nothing; the run deletes exactly that; the kept index stays pullable; an
 * interrupted run finishes on the next.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePrune, prunePlanFor } from '../../electron/core/operations/prune';
import type { PruneAction, PrunePlan } from '../../electron/core/operations/prune-plan';
import { pruneRules } from '../../electron/core/operations/prune-rules';
import type { RegistryClient } from '../../electron/core/registry/client';
import { manifestReference, repositoryName } from '../../electron/core/registry/names';
import { clientFor } from '../support/clients';
import { run } from '../support/exec';
import { skopeoCopy } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';
import { daysAgo, type Pushed, seeder } from './prune-seed';

interface Seeded {
  ci: Pushed[]; // ci[n] is ci-n, n = 1..30
  multiOld: string;
  multiOldChildren: Pushed[];
  multiNew: string;
  multiNewChildren: Pushed[];
  sig3: Pushed;
  sigLatest: Pushed;
}

/**
 * ci-1..ci-30 (ci-30 newest), latest = ci-30, v1.0.0 = ci-5, v1.1.0 = ci-12, release-8 = ci-8, pr-20 =
 * ci-20; multi-old (dated by its newest child, 200 days), multi-new (annotated yesterday, one child built
 * 300 days ago and also tagged multi-new-arm); signatures of ci-3 and ci-30.
 */
async function seed(client: RegistryClient, repository: string): Promise<Seeded> {
  const s = await seeder(client, repository);
  const ci: Pushed[] = [{ digest: '', ownBytes: 0 }];
  for (let n = 1; n <= 30; n++) {
    const extra = { 30: ['latest'], 5: ['v1.0.0'], 12: ['v1.1.0'], 8: ['release-8'], 20: ['pr-20'] }[n] ?? [];
    ci.push(await s.image(`ci-${n}`, daysAgo(100 - n), [`ci-${n}`, ...extra]));
  }
  const multiOldChildren = [
    await s.image('old-amd64', daysAgo(210), []),
    await s.image('old-arm64', daysAgo(200), [], 'arm64'),
  ];
  const multiOld = await s.index(multiOldChildren, ['multi-old']);
  const multiNewChildren = [
    await s.image('new-amd64', daysAgo(1), []),
    await s.image('new-arm64', daysAgo(300), ['multi-new-arm'], 'arm64'),
  ];
  const multiNew = await s.index(multiNewChildren, ['multi-new'], daysAgo(0.5));
  const sig3 = await s.signature((ci[3] as Pushed).digest);
  const sigLatest = await s.signature((ci[30] as Pushed).digest);
  return { ci, multiOld, multiOldChildren, multiNew, multiNewChildren, sig3, sigLatest };
}

const RULES = [
  '--keep',
  '^v\\d+\\.\\d+\\.\\d+$',
  '--keep',
  '^latest$',
  '--keep',
  '^release-',
  '--keep-last',
  '5',
];

/** What the rules above must plan, in order (action, tag, digest). */
function expectedPlan(x: Seeded): Array<[string, string | undefined, string]> {
  const ci = (n: number) => (x.ci[n] as Pushed).digest;
  const out: Array<[string, string | undefined, string]> = [
    ['delete-tag', 'multi-new-arm', (x.multiNewChildren[1] as Pushed).digest],
    ['delete-manifest', 'multi-old', x.multiOld],
    ['delete-manifest', undefined, (x.multiOldChildren[0] as Pushed).digest],
    ['delete-manifest', undefined, (x.multiOldChildren[1] as Pushed).digest],
  ];
  for (let n = 1; n <= 26; n++) {
    if ([5, 8, 12].includes(n)) continue;
    if (n === 3) out.push(['delete-manifest', `${ci(3).replace(':', '-')}.sig`, x.sig3.digest]);
    out.push(['delete-manifest', `ci-${n}`, ci(n)]);
  }
  return out;
}

const remainingTags = (x: Seeded) =>
  [
    'ci-5',
    'v1.0.0',
    'ci-8',
    'release-8',
    'ci-12',
    'v1.1.0',
    'ci-27',
    'ci-28',
    'ci-29',
    'ci-30',
    'latest',
    'multi-new',
    `${(x.ci[30] as Pushed).digest.replace(':', '-')}.sig`,
  ].sort();

async function listTags(registry: TestRegistry, repository: string): Promise<string[]> {
  const { stdout } = await run('skopeo', [
    'list-tags',
    '--tls-verify=false',
    '--no-creds',
    `docker://${registry.host}/${repository}`,
  ]);
  return (JSON.parse(stdout).Tags as string[]).sort();
}

async function exists(registry: TestRegistry, repository: string, digest: string): Promise<boolean> {
  const r = await run(
    'skopeo',
    [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--no-creds',
      `docker://${registry.host}/${repository}@${digest}`,
    ],
    { allowFailure: true },
  );
  return r.code === 0;
}

const brief = (plan: PruneAction[]) =>
  plan.map((a): [string, string | undefined, string] => [a.action, a.tag, a.digest]);

describe('lading prune on a real registry', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let cli: CliSandbox;
  let seeded: Seeded;
  let interrupted: Seeded;

  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open', deleteEnabled: true });
    client = clientFor(registry);
    cli = await cliSandbox();
    seeded = await seed(client, 'team/app');
    interrupted = await seed(client, 'team/again');
  }, 240_000);
  afterAll(async () => {
    await cli?.cleanup();
    await registry?.stop();
  });

  const lading = (args: string[]) => cli.lading(args, { env: { LADING_INSECURE_REGISTRIES: registry.host } });

  it('previews exactly the expected plan and changes nothing', async () => {
    const before = await listTags(registry, 'team/app');
    const r = await lading(['prune', `${registry.host}/team/app`, ...RULES, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Omit<PrunePlan, 'repository' | 'notes'>;
    expect(brief(out.plan)).toEqual(expectedPlan(seeded));
    expect(Object.keys(out).sort()).toEqual(['keep', 'plan', 'reclaimableBytes']);
    for (const a of out.plan)
      expect(Object.keys(a)).toEqual(expect.arrayContaining(['action', 'digest', 'created', 'reason']));
    expect(out.plan.find((a) => a.tag === 'ci-20')?.tags).toEqual(['ci-20', 'pr-20']);
    expect(out.plan.find((a) => a.tag === 'multi-old')?.created).toBe(daysAgo(200));
    expect(out.keep.map((k) => k.tag).sort()).toEqual(remainingTags(seeded));
    // ci-1..26 but the kept 5, 8 and 12 (the five newest: multi-new, ci-30..27)
    const deletedImages = Array.from({ length: 26 }, (_, i) => i + 1).filter((n) => ![5, 8, 12].includes(n));
    const bytes =
      deletedImages.reduce((n, i) => n + (seeded.ci[i] as Pushed).ownBytes, 0) +
      seeded.multiOldChildren.reduce((n, c) => n + c.ownBytes, 0) +
      seeded.sig3.ownBytes;
    // the signature's empty config is shared with the kept signature: not reclaimable
    expect(out.reclaimableBytes).toBe(bytes);
    expect(await listTags(registry, 'team/app')).toEqual(before);
  }, 120_000);

  it('prints the plan for people: every action with its reason, what stays and why', async () => {
    const r = await lading(['prune', `${registry.host}/team/app`, ...RULES, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Would run: 28 action\(s\), [\d.]+ kB reclaimable$/);
    expect(lines.find((l) => l.includes('ci-20, pr-20'))).toMatch(
      /^ {2}delete-manifest +ci-20, pr-20 +sha256:[0-9a-f]{12} +\S+ +matches no --keep, not among the 5 newest$/,
    );
    expect(lines.find((l) => l.includes('multi-new-arm'))).toMatch(
      /delete-tag .*its manifest stays: platform image of kept index/,
    );
    expect(lines).toContain('Kept: 13 tag(s)');
    expect(lines.find((l) => /^ {2}v1\.0\.0 /.test(l))).toMatch(/tag v1\.0\.0 matches --keep/);
  }, 60_000);

  it('refuses to run from a script without --yes', async () => {
    const r = await lading(['prune', `${registry.host}/team/app`, ...RULES]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/without confirmation.*\n.*--yes/);
  }, 60_000);

  it('runs exactly the plan: the rest stays, the kept index stays pullable', async () => {
    const r = await lading(['prune', `${registry.host}/team/app`, ...RULES, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.failed).toEqual([]);
    expect(brief(out.done)).toEqual(expectedPlan(seeded));
    expect(await listTags(registry, 'team/app')).toEqual(remainingTags(seeded));
    for (const [, , digest] of expectedPlan(seeded).filter(([a]) => a === 'delete-manifest'))
      expect(await exists(registry, 'team/app', digest), digest).toBe(false);
    for (const c of seeded.multiNewChildren) expect(await exists(registry, 'team/app', c.digest)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'prune-pull-'));
    try {
      await skopeoCopy(`docker://${registry.host}/team/app:multi-new`, `oci:${dir}:x`, { all: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // nothing left to do
    const again = await lading(['prune', `${registry.host}/team/app`, ...RULES, '--dry-run', '--json']);
    expect(JSON.parse(again.stdout).plan).toEqual([]);
  }, 180_000);

  it('an interrupted run finishes on the next; the same plan again counts what is gone as done', async () => {
    const rules = pruneRules({}, { keep: ['^v\\d+\\.\\d+\\.\\d+$', '^latest$', '^release-'], keepLast: 5 });
    const plan = await prunePlanFor(client, 'team/again', rules);
    expect(brief(plan.plan)).toEqual(expectedPlan(interrupted));
    const stop = new AbortController();
    const first = await executePrune(client, plan, {
      signal: stop.signal,
      onAction: (_a, _o, i) => i === 6 && stop.abort(),
    });
    expect(first.cancelled).toBe(true);
    expect(first.done).toHaveLength(7);
    const replay = await executePrune(client, plan);
    expect(replay.failed).toEqual([]);
    expect(replay.done).toHaveLength(plan.plan.length);
    expect(await listTags(registry, 'team/again')).toEqual(remainingTags(interrupted));
  }, 180_000);

  it('a manifest tagged again between the plan and the run is left alone with its new tag', async () => {
    const s = await seeder(client, 'team/retag');
    const old = await s.image('r-1', daysAgo(30), ['r-1']);
    await s.image('r-2', daysAgo(20), ['r-2']);
    await s.image('r-3', daysAgo(10), ['r-3']);
    const plan = await prunePlanFor(client, 'team/retag', pruneRules({}, { keepLast: 1 }));
    expect(plan.plan.map((a) => a.tag)).toEqual(['r-1', 'r-2']);
    const m = await client.getManifest(repositoryName('team/retag'), manifestReference(old.digest));
    await client.putManifest(
      repositoryName('team/retag'),
      manifestReference('promoted'),
      m.bytes,
      m.mediaType,
    );
    const r = await executePrune(client, plan);
    expect(r.done.map((a) => a.tag)).toEqual(['r-2']);
    expect(r.failed.map((f) => [f.action.tag, f.error.code])).toEqual([['r-1', 'conflict']]);
    expect((await listTags(registry, 'team/retag')).sort()).toEqual(['promoted', 'r-1', 'r-3']);
  }, 60_000);

  it('reads a policy file (JSON and YAML) with the same rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prune-policy-'));
    try {
      const json = join(dir, 'retention.json');
      await writeFile(json, JSON.stringify({ keep: ['^latest$'], keepLast: 2, olderThan: '1d' }));
      const yml = join(dir, 'retention.yml');
      await writeFile(yml, 'keep:\n  - ^latest$\nkeepLast: 2\nolderThan: 1d\n');
      const a = await lading(['prune', `${registry.host}/team/app`, '--policy', json, '--dry-run', '--json']);
      const b = await lading(['prune', `${registry.host}/team/app`, '--policy', yml, '--dry-run', '--json']);
      expect(a.code, a.stderr).toBe(0);
      expect(b.stdout).toBe(a.stdout);
      // the two newest are multi-new and ci-30 (latest), which the run above left; the rest is older than 1d
      expect(
        JSON.parse(a.stdout)
          .plan.map((p: PruneAction) => p.tag)
          .sort(),
      ).toEqual(['ci-5', 'ci-8', 'ci-12', 'ci-27', 'ci-28', 'ci-29'].sort());
      await writeFile(json, JSON.stringify({ keepLats: 2 }));
      const bad = await lading(['prune', `${registry.host}/team/app`, '--policy', json, '--dry-run']);
      expect(bad.stderr).toMatch(/unknown field "keepLats"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('prune with a read-only token', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'token' });
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('is refused before anything is deleted, with the scope to add', async () => {
    const user = clientFor(registry, { credentials: registry.user });
    const s = await seeder(user, 'team/ro');
    for (let n = 1; n <= 4; n++) await s.image(`ro-${n}`, daysAgo(10 * n), [`ro-${n}`]);
    const reader = clientFor(registry, { credentials: registry.reader });
    const plan = await prunePlanFor(reader, 'team/ro', pruneRules({}, { keepLast: 1 }));
    expect(plan.plan.map((a) => a.tag)).toEqual(['ro-4', 'ro-3', 'ro-2']);
    const r = await executePrune(reader, plan);
    expect(r.done).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(r.stopped).toMatchObject({
      code: 'denied',
      // What the token says, read before any request that could change something.
      message: expect.stringMatching(/token for this login grants only pull on team\/ro.*needs delete/),
      scope: 'repository:team/ro:pull,delete',
    });
    expect((await user.tags(repositoryName('team/ro'))).sort()).toEqual(['ro-1', 'ro-2', 'ro-3', 'ro-4']);
  }, 120_000);

  /** ci-0 alone, ci-1 also tagged rel-1 (not matched, so its image stays), ci-2 newest. */
  async function seedMatched(repository: string) {
    const user = clientFor(registry, { credentials: registry.user });
    const s = await seeder(user, repository);
    await s.image('ci-0', daysAgo(30), ['ci-0']);
    await s.image('ci-1', daysAgo(20), ['ci-1', 'rel-1']);
    await s.image('ci-2', daysAgo(10), ['ci-2']);
    return user;
  }
  const matched = pruneRules({}, { match: '^ci-', keepLast: 1 });

  it('a token with delete but not push is refused before anything changed when a tag goes alone', async () => {
    const user = await seedMatched('team/nopush');
    const token = registry.issuer!.mintToken([
      { type: 'repository', name: 'team/nopush', actions: ['pull', 'delete'] },
    ]);
    const deleter = clientFor(registry, { credentials: { registryToken: token } });
    const plan = await prunePlanFor(deleter, 'team/nopush', matched);
    expect(plan.plan.map((a) => [a.action, a.tag])).toEqual([
      ['delete-tag', 'ci-1'],
      ['delete-manifest', 'ci-0'],
    ]);
    const r = await executePrune(deleter, plan);
    expect(r).toMatchObject({ done: [], failed: [] });
    expect(r.stopped).toMatchObject({
      code: 'denied',
      message: expect.stringMatching(
        /grants only pull, delete on team\/nopush.*throwaway manifest.*needs push/,
      ),
      scope: 'repository:team/nopush:pull,push,delete',
    });
    expect((await user.tags(repositoryName('team/nopush'))).sort()).toEqual([
      'ci-0',
      'ci-1',
      'ci-2',
      'rel-1',
    ]);
  }, 120_000);

  it('the full user on the same token registry runs the plan', async () => {
    const user = await seedMatched('team/rw');
    const r = await executePrune(user, await prunePlanFor(user, 'team/rw', matched));
    expect(r.stopped).toBeUndefined();
    expect(r.done.map((a) => a.tag)).toEqual(['ci-1', 'ci-0']);
    expect((await user.tags(repositoryName('team/rw'))).sort()).toEqual(['ci-2', 'rel-1']);
  }, 120_000);
});

describe('lading prune on a registry with deletes off', () => {
  let registry: TestRegistry;
  let cli: CliSandbox;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open', deleteEnabled: false });
    cli = await cliSandbox();
    const s = await seeder(clientFor(registry), 'team/off');
    for (let n = 1; n <= 3; n++) await s.image(`off-${n}`, daysAgo(10 * n), [`off-${n}`]);
  }, 120_000);
  afterAll(async () => {
    await cli?.cleanup();
    await registry?.stop();
  });

  it('stops before anything changed, in one line with what to do', async () => {
    const r = await cli.lading(
      ['prune', `${registry.host}/team/off`, '--keep-last', '1', '--yes', '--json'],
      {
        env: { LADING_INSECURE_REGISTRIES: registry.host },
      },
    );
    expect(r.code).not.toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ done: [], failed: [], stopped: { code: 'unsupported' } });
    const { message, hint } = expectOneLineError(r.stderr);
    expect(message).toMatch(/does not allow deleting manifests/);
    expect(hint).toMatch(/storage\.delete\.enabled.*run the same prune again/);
    expect(await listTags(registry, 'team/off')).toEqual(['off-1', 'off-2', 'off-3']);
  }, 60_000);
});
