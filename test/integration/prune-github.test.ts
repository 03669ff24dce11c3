/**
 * `lading prune` on a GitHub host: the real docker-registry behind the ghcr-like front, the GitHub REST
 * stand-in keeping the versions. Manifests go as versions (delete-version), untagged versions with
 * --untagged but never a platform image of the index that stays, a read-only token is refused before
 * anything is deleted, and the kept index still pulls.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubSession } from '../../electron/core/github/session';
import { executeGitHubPrune, gitHubPrunePlan } from '../../electron/core/operations/prune-github';
import type { PruneAction } from '../../electron/core/operations/prune-plan';
import { pruneRules } from '../../electron/core/operations/prune-rules';
import { RegistryClient } from '../../electron/core/registry/client';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { skopeoCopy } from '../support/images';
import { callers, servicesInTempDir, type TestServices } from '../support/services';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';
import { daysAgo, type Pushed, seeder } from './prune-seed';

let world: GhcrLikeWorld;
let sandbox: CliSandbox;
let x: {
  ci: Pushed[];
  multi: string;
  multiChildren: Pushed[];
  multiOld: string;
  multiOldChildren: Pushed[];
  sig1: Pushed;
  sig8: Pushed;
  orphan: Pushed;
};

const RULES = ['--keep', '^v\\d', '--keep', '^latest$', '--keep-last', '3', '--untagged'];

function lading(args: string[], env: NodeJS.ProcessEnv = {}) {
  return sandbox.lading(args, {
    env: { LADING_GITHUB_REGISTRY: world.front.host, LADING_GITHUB_API: world.standIn.apiUrl, ...env },
  });
}

const active = () => (world.standIn.findPackage('acme', 'prune')?.versions ?? []).filter((v) => !v.deletedAt);
const brief = (plan: PruneAction[]) => plan.map((a) => [a.action, a.tag, a.digest]);

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme' });
  sandbox = await cliSandbox();
  await mkdir(sandbox.dockerConfig, { recursive: true });
  const auth = Buffer.from(`${world.username}:${world.token}`).toString('base64');
  await writeFile(
    join(sandbox.dockerConfig, 'config.json'),
    JSON.stringify({ auths: { [world.front.host]: { auth } } }),
  );
  const client = new RegistryClient({
    registry: world.front.host,
    credentials: world.registry.user,
    retries: 0,
  });
  const s = await seeder(client, 'acme/prune');
  const ci: Pushed[] = [{ digest: '', ownBytes: 0 }];
  for (let n = 1; n <= 8; n++) {
    const extra = { 8: ['latest'], 2: ['v1.0.0'] }[n] ?? [];
    ci.push(await s.image(`ci-${n}`, daysAgo(100 - n), [`ci-${n}`, ...extra]));
  }
  const multiOldChildren = [
    await s.image('old-amd64', daysAgo(210), []),
    await s.image('old-arm64', daysAgo(200), [], 'arm64'),
  ];
  const multiOld = await s.index(multiOldChildren, ['multi-old']);
  const multiChildren = [
    await s.image('new-amd64', daysAgo(1), []),
    await s.image('new-arm64', daysAgo(300), ['multi-arm'], 'arm64'),
  ];
  const multi = await s.index(multiChildren, ['multi'], daysAgo(0.5));
  const sig1 = await s.signature((ci[1] as Pushed).digest);
  const sig8 = await s.signature((ci[8] as Pushed).digest);
  const orphan = await s.image('orphan', daysAgo(400), []); // an untagged version nothing uses
  x = { ci, multi, multiChildren, multiOld, multiOldChildren, sig1, sig8, orphan };
}, 240_000);

afterEach(() => {
  expect(world.standIn.violations).toEqual([]);
});

afterAll(async () => {
  await sandbox?.cleanup();
  await world?.stop();
});

function expected(): Array<[string, string | undefined, string]> {
  const ci = (n: number) => (x.ci[n] as Pushed).digest;
  return [
    ['delete-tag', 'multi-arm', (x.multiChildren[1] as Pushed).digest],
    ['delete-version', 'multi-old', x.multiOld],
    ['delete-version', undefined, (x.multiOldChildren[0] as Pushed).digest],
    ['delete-version', undefined, (x.multiOldChildren[1] as Pushed).digest],
    ['delete-version', `${ci(1).replace(':', '-')}.sig`, x.sig1.digest],
    ['delete-version', 'ci-1', ci(1)],
    ['delete-version', 'ci-3', ci(3)],
    ['delete-version', 'ci-4', ci(4)],
    ['delete-version', 'ci-5', ci(5)],
    ['delete-version', 'ci-6', ci(6)],
    ['delete-version', undefined, x.orphan.digest],
  ];
}

describe('lading prune on a GitHub host', () => {
  it('previews versions to delete, untagged ones included, and changes nothing', async () => {
    const before = active().length;
    const r = await lading(['prune', `${world.front.host}/acme/prune`, ...RULES, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(brief(out.plan)).toEqual(expected());
    const ids = new Map(active().map((v) => [v.digest, v.id]));
    for (const a of out.plan as PruneAction[])
      if (a.action === 'delete-version') expect(a.versionId).toBe(ids.get(a.digest));
    // the kept index's untagged platform image is kept, never planned
    expect(out.plan.some((a: PruneAction) => a.digest === (x.multiChildren[0] as Pushed).digest)).toBe(false);
    expect(active().length).toBe(before);
  }, 120_000);

  it('registry.prunePlan with a ghcr connection plans the same through the services', async () => {
    let services: TestServices | undefined;
    try {
      services = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-prune-gh-' });
      const current = services;
      const { ok } = callers(() => current.services);
      const { id } = await ok('connections.save', world.connectionInput);
      const plan = await ok('registry.prunePlan', {
        connectionId: id,
        repository: 'acme/prune',
        keep: ['^v\\d', '^latest$'],
        keepLast: 3,
        untagged: true,
      });
      expect(brief(plan.plan)).toEqual(expected());
    } finally {
      await services?.dispose();
    }
  }, 120_000);

  it('a token without delete:packages is refused before anything is deleted', async () => {
    const before = active().map((v) => `${v.id} ${v.tags.sort().join(',')}`);
    const r = await lading(['prune', `${world.front.host}/acme/prune`, ...RULES, '--yes'], {
      GH_TOKEN: world.standIn.tokens.pusher,
    });
    expect(r.code).not.toBe(0);
    const { message, hint } = expectOneLineError(r.stderr);
    expect(message).toMatch(/delete:packages/);
    expect(message).toMatch(/nothing was changed/);
    expect(hint).toMatch(/run the same prune again/);
    expect(active().map((v) => `${v.id} ${v.tags.sort().join(',')}`)).toEqual(before);
  }, 120_000);

  it('runs the plan: exactly those versions go, the kept index still pulls', async () => {
    const r = await lading(['prune', `${world.front.host}/acme/prune`, ...RULES, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.failed).toEqual([]);
    expect(brief(out.done)).toEqual(expected());
    const gone = new Set(
      expected()
        .filter(([a]) => a === 'delete-version')
        .map(([, , d]) => d),
    );
    const left = active();
    for (const d of gone)
      expect(
        left.some((v) => v.digest === d),
        d,
      ).toBe(false);
    const tags = left.flatMap((v) => v.tags).sort();
    expect(tags).toEqual(
      [
        'ci-2',
        'v1.0.0',
        'ci-7',
        'ci-8',
        'latest',
        'multi',
        `${(x.ci[8] as Pushed).digest.replace(':', '-')}.sig`,
      ].sort(),
    );
    for (const c of x.multiChildren) expect(left.some((v) => v.digest === c.digest)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'prune-gh-pull-'));
    try {
      await skopeoCopy(`docker://${world.front.host}/acme/prune:multi`, `oci:${dir}:x`, {
        all: true,
        srcCreds: world.registry.user,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const again = await lading(['prune', `${world.front.host}/acme/prune`, ...RULES, '--dry-run', '--json']);
    expect(JSON.parse(again.stdout).plan).toEqual([]);
  }, 180_000);

  it('an interrupted run finishes on the next; the same plan again counts what is gone as done', async () => {
    const client = new RegistryClient({
      registry: world.front.host,
      credentials: world.registry.user,
      retries: 0,
    });
    const s = await seeder(client, 'acme/again');
    for (let n = 1; n <= 5; n++) await s.image(`g-${n}`, daysAgo(50 - n), [`g-${n}`]);
    const connection = {
      kind: 'ghcr' as const,
      registry: world.front.host,
      insecure: true,
      owner: 'acme',
      ownerType: 'org' as const,
      githubApiUrl: world.standIn.apiUrl,
    };
    const t = { session: githubSession(connection, world.token), client, repository: 'acme/again' };
    const plan = await gitHubPrunePlan(t, pruneRules({}, { keepLast: 1 }));
    expect(plan.plan.map((a) => [a.action, a.tag])).toEqual(
      [1, 2, 3, 4].map((n) => ['delete-version', `g-${n}`]),
    );
    const stop = new AbortController();
    const first = await executeGitHubPrune(t, plan, {
      signal: stop.signal,
      onAction: (_a, _o, i) => i === 1 && stop.abort(),
    });
    expect(first).toMatchObject({ cancelled: true, failed: [] });
    expect(first.done).toHaveLength(2);
    const replay = await executeGitHubPrune(t, plan);
    expect(replay.failed).toEqual([]);
    expect(replay.done).toHaveLength(4);
    const left = (world.standIn.findPackage('acme', 'again')?.versions ?? []).filter((v) => !v.deletedAt);
    expect(left.flatMap((v) => v.tags)).toEqual(['g-5']);
  }, 120_000);

  it('a bad rule is one line with what to do', async () => {
    const r = await lading(['prune', `${world.front.host}/acme/prune`, '--older-than', 'soon', '--dry-run']);
    expect(expectOneLineError(r.stderr).message).toMatch(/--older-than "soon" is not a duration/);
  }, 60_000);
});
