/**
 * Copy and sync between real registries (docker-registry in its three set-ups), checked with skopeo: open →
 * basic, token → open, within one registry (mounts, no blob bytes), an index with its digest kept and each
 * platform pullable, one platform alone, drops mid-blob on either side through the fault proxy, cancel (no
 * tag), GitHub's rules before any byte, referrer tags, and sync (idempotent, dry run changes nothing).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage, referrerTagsFor, syncRepository } from '../../electron/core/operations/copy';
import { RegistryClient } from '../../electron/core/registry/client';
import { digestName, manifestReference, repositoryName, tagName } from '../../electron/core/registry/names';
import { referrersFromTagSchema } from '../../electron/core/registry/referrers';
import { attachArtifact } from '../../electron/core/supply/attach';
import { errorOf } from '../support/clients';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { HOSTILE, startHostileRegistry } from '../support/hostile-registry';
import {
  type BuiltImage,
  buildImage,
  buildMultiPlatform,
  pushImage,
  seedTags,
  skopeoCopy,
  skopeoInspect,
} from '../support/images';
import { startReferrersFront } from '../support/referrers-front';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';
import { clientFor, tempDir } from './archive-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let open: TestRegistry;
let basic: TestRegistry;
let token: TestRegistry;
let app: BuiltImage;
let multi: BuiltImage;
let cli: CliSandbox;

const MiB = 1024 * 1024;

beforeAll(async () => {
  [open, basic, token] = await Promise.all([
    startRegistry({ mode: 'open' }),
    startRegistry({ mode: 'basic' }),
    startRegistry({ mode: 'token' }),
  ]);
  app = await buildImage({
    layers: [{ 'data/big.bin': randomBytes(3 * MiB) }, { 'app/run.txt': 'run\n' }],
    labels: { 'org.opencontainers.image.title': 'copy me' },
  });
  multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  await pushImage(open, app, 'src/app:1.0');
  await pushImage(token, multi, 'src/multi:2', { all: true });
  cli = await cliSandbox();
}, 120_000);

afterAll(async () => {
  await cli?.cleanup();
  await Promise.all([open?.stop(), basic?.stop(), token?.stop()]);
});

const digestAt = async (registry: TestRegistry, ref: string) =>
  (await skopeoInspect(`docker://${registry.host}/${ref}`, { creds: registry.user })).Digest as string;

describe('copy between registries', () => {
  it('open → basic: every blob streamed once, digest kept, then a second copy moves nothing', async () => {
    const source = {
      client: clientFor(open),
      repository: repositoryName('src/app'),
      reference: manifestReference('1.0'),
    };
    const target = { client: clientFor(basic), repository: repositoryName('dst/app'), tag: tagName('1.0') };
    const first = await copyImage({ source, target });
    expect(first.blobs).toEqual({ copied: 3, mounted: 0, existing: 0 });
    expect(first.bytes).toBeGreaterThan(3 * MiB);
    expect(first.digest).toBe(await digestAt(open, 'src/app:1.0'));
    expect(await digestAt(basic, 'dst/app:1.0')).toBe(first.digest);
    // skopeo reads every layer and checks it against the config's diff_ids.
    await skopeoCopy(`docker://${basic.host}/dst/app:1.0`, `oci:${await tempDir()}:x`, {
      srcCreds: basic.user,
    });

    const again = await copyImage({ source, target });
    expect(again.blobs).toEqual({ copied: 0, mounted: 0, existing: 3 });
    expect(again.bytes).toBe(0);
  });

  it('token → open: a whole index, digest preserved, each platform pullable by skopeo', async () => {
    const result = await copyImage({
      source: {
        client: clientFor(token),
        repository: repositoryName('src/multi'),
        reference: manifestReference('2'),
      },
      target: { client: clientFor(open), repository: repositoryName('mirror/multi') },
    });
    expect(result.target).toBe(`${open.host}/mirror/multi:2`);
    expect(result.digest).toBe(await digestAt(token, 'src/multi:2'));
    const index = await skopeoInspect(`docker://${open.host}/mirror/multi:2`, { raw: true });
    expect(index.manifests).toHaveLength(2);
    for (const child of index.manifests as Array<{ digest: string }>) {
      await skopeoCopy(`docker://${open.host}/mirror/multi@${child.digest}`, `oci:${await tempDir()}:x`);
    }
  });

  it('one platform of an index: that image manifest alone', async () => {
    const index = await skopeoInspect(`docker://${token.host}/src/multi:2`, { raw: true, creds: token.user });
    const arm = (index.manifests as Array<{ digest: string; platform: { architecture: string } }>).find(
      (m) => m.platform.architecture === 'arm64',
    )!;
    const result = await copyImage({
      source: {
        client: clientFor(token),
        repository: repositoryName('src/multi'),
        reference: manifestReference('2'),
      },
      target: { client: clientFor(open), repository: repositoryName('mirror/arm'), tag: tagName('2') },
      platform: 'linux/arm64',
    });
    expect(result.digest).toBe(arm.digest);
    const raw = await skopeoInspect(`docker://${open.host}/mirror/arm:2`, { raw: true });
    expect(raw.layers).toBeDefined();
    expect(raw.manifests).toBeUndefined();
  });

  it('within one registry: blobs mounted across repositories, no blob bytes moved', async () => {
    const proxy = await startFaultProxy(open.url);
    try {
      const client = new (clientFor(open).constructor as typeof RegistryClient)({
        registry: open.host,
        baseUrl: proxy.url,
      });
      const result = await copyImage({
        source: { client, repository: repositoryName('src/app'), reference: manifestReference('1.0') },
        target: { client, repository: repositoryName('other/app'), tag: tagName('copied') },
      });
      expect(result.blobs).toEqual({ copied: 0, mounted: 3, existing: 0 });
      expect(result.bytes).toBe(0);
      expect(proxy.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/'))).toEqual([]);
      expect(
        proxy.requests.filter(
          (r) => r.method === 'PATCH' || (r.method === 'PUT' && r.path.includes('/blobs/')),
        ),
      ).toEqual([]);
      expect(await digestAt(open, 'other/app:copied')).toBe(result.digest);
    } finally {
      await proxy.stop();
    }
  });
});

describe('copy through faults', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(open.url);
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('a connection dropped mid-blob on the source side resumes (Range) and completes', async () => {
    proxy.requests.length = 0;
    proxy.rules.push({
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      kind: 'drop-response-after',
      bytes: 700_000,
      times: 1,
    });
    const source = {
      client: clientFor(open, { baseUrl: proxy.url }),
      repository: repositoryName('src/app'),
      reference: manifestReference('1.0'),
    };
    const result = await copyImage({
      source,
      target: { client: clientFor(basic), repository: repositoryName('drop/source') },
    });
    expect(proxy.requests.some((r) => r.fault === 'drop-response-after')).toBe(true);
    expect(await digestAt(basic, 'drop/source:1.0')).toBe(result.digest);
    await skopeoCopy(`docker://${basic.host}/drop/source:1.0`, `oci:${await tempDir()}:x`, {
      srcCreds: basic.user,
    });
  });

  it('a connection dropped mid-upload on the target side is redone from the source and completes', async () => {
    const target = await startFaultProxy(basic.url);
    try {
      target.rules.push({ match: { method: 'PATCH' }, kind: 'drop-request-after', bytes: 500_000, times: 1 });
      const result = await copyImage({
        source: {
          client: clientFor(open),
          repository: repositoryName('src/app'),
          reference: manifestReference('1.0'),
        },
        target: {
          client: clientFor(basic, { baseUrl: target.url }),
          repository: repositoryName('drop/target'),
        },
      });
      expect(target.requests.some((r) => r.fault === 'drop-request-after')).toBe(true);
      expect(await digestAt(basic, 'drop/target:1.0')).toBe(result.digest);
      await skopeoCopy(`docker://${basic.host}/drop/target:1.0`, `oci:${await tempDir()}:x`, {
        srcCreds: basic.user,
      });
    } finally {
      await target.stop();
    }
  });

  it('cancelled mid-blob: cancelled, and no tag at the target', async () => {
    proxy.rules.push({
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      kind: 'trickle',
      bytesPerSecond: 256 * 1024,
      times: Infinity,
    });
    try {
      const controller = new AbortController();
      const run = copyImage({
        source: {
          client: clientFor(open, { baseUrl: proxy.url }),
          repository: repositoryName('src/app'),
          reference: manifestReference('1.0'),
        },
        target: { client: clientFor(basic), repository: repositoryName('cancel/app'), tag: tagName('never') },
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytesDone > 0) controller.abort();
        },
      });
      expect((await errorOf(run)).code).toBe('cancelled');
      expect(
        await clientFor(basic).headManifest(repositoryName('cancel/app'), manifestReference('never')),
      ).toBeUndefined();
    } finally {
      proxy.rules.length = 0;
    }
  });
});

describe('copy refusals', () => {
  it("GitHub's rules before any byte: docker.pkg.github.com wants OWNER/REPOSITORY/IMAGE", async () => {
    const target = await startFaultProxy(basic.url);
    try {
      const e = await errorOf(
        copyImage({
          source: {
            client: clientFor(open),
            repository: repositoryName('src/app'),
            reference: manifestReference('1.0'),
          },
          target: {
            client: clientFor(basic, { baseUrl: target.url }),
            repository: repositoryName('octo/app'),
          },
          targetKind: 'github-docker',
        }),
      );
      expect(e.code).toBe('invalid-input');
      expect(e.message).toMatch(/OWNER\/REPOSITORY\/IMAGE/);
      expect(target.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    } finally {
      await target.stop();
    }
  });

  it('a source blob that does not match its digest: digest-mismatch, and nothing tagged at the target', async () => {
    const h = await startHostileRegistry({});
    try {
      const source = new (clientFor(open).constructor as typeof RegistryClient)({
        registry: h.host,
        retryBaseMs: 5,
      });
      const e = await errorOf(
        copyImage({
          source: {
            client: source,
            repository: repositoryName(HOSTILE.blobMismatch),
            reference: manifestReference('latest'),
          },
          target: {
            client: clientFor(basic),
            repository: repositoryName('mismatch/app'),
            tag: tagName('bad'),
          },
        }),
      );
      expect(e.code).toBe('digest-mismatch');
      expect(
        await clientFor(basic).headManifest(repositoryName('mismatch/app'), manifestReference('bad')),
      ).toBeUndefined();
    } finally {
      await h.stop();
    }
  });

  it('a missing source says so', async () => {
    const e = await errorOf(
      copyImage({
        source: {
          client: clientFor(open),
          repository: repositoryName('src/app'),
          reference: manifestReference('nope'),
        },
        target: { client: clientFor(basic), repository: repositoryName('x/y') },
      }),
    );
    expect(e.code).toBe('manifest-unknown');
  });
});

describe('referrers by the tag schema', () => {
  it('--referrers brings the sha256-….sig tag along', async () => {
    const digest = await digestAt(open, 'src/app:1.0');
    const sigTag = `${digest.replace(':', '-')}.sig`;
    await seedTags(open, 'src/app', [sigTag]);
    expect(referrerTagsFor(['1.0', sigTag, 'sha256-x'], digest)).toEqual([sigTag]);
    const result = await copyImage({
      source: {
        client: clientFor(open),
        repository: repositoryName('src/app'),
        reference: manifestReference('1.0'),
      },
      target: { client: clientFor(basic), repository: repositoryName('signed/app') },
      referrers: true,
    });
    expect(result.referrers).toEqual([sigTag]);
    expect(
      await clientFor(basic).headManifest(repositoryName('signed/app'), manifestReference(sigTag)),
    ).toBeDefined();
  });
});

describe('referrers by the OCI 1.1 referrers API', () => {
  it('--referrers copies what the source lists, by digest, into a target without the API as its tag schema', async () => {
    // The open registry behind a front that answers the referrers API; an SBOM attached through it is
    // listed by the API only (no tag-schema index at the source).
    const front = await startReferrersFront(open.url);
    try {
      const viaFront = new RegistryClient({ registry: front.host, retryBaseMs: 20 });
      const dir = await tempDir();
      const sbomFile = join(dir, 'sbom.spdx.json');
      await writeFile(sbomFile, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app', packages: [] }));
      await seedTags(open, 'api/app', ['1.0']);
      const attached = await attachArtifact(viaFront, repositoryName('api/app'), manifestReference('1.0'), {
        artifactType: 'application/spdx+json',
        file: sbomFile,
      });
      expect(attached.tagSchema).toBe(false);
      const result = await copyImage({
        source: {
          client: viaFront,
          repository: repositoryName('api/app'),
          reference: manifestReference('1.0'),
        },
        target: { client: clientFor(basic), repository: repositoryName('api/app') },
        referrers: true,
      });
      expect(result.referrers).toEqual([attached.digest]);
      const target = clientFor(basic);
      // The artifact is there by digest, and the subject's tag-schema index at the target lists it.
      expect(await target.headManifest(repositoryName('api/app'), digestName(attached.digest))).toBeDefined();
      const listed = await referrersFromTagSchema(
        target,
        repositoryName('api/app'),
        digestName(result.digest),
      );
      expect(listed.referrers.map((r) => r.digest)).toEqual([attached.digest]);
    } finally {
      await front.stop();
    }
  });
});

describe('sync', () => {
  it('copies what differs, skips what is equal, and a dry run changes nothing', async () => {
    await seedTags(open, 'sync/app', ['a', 'b', 'c']);
    const source = { client: clientFor(open), repository: repositoryName('sync/app') };
    const target = { client: clientFor(basic), repository: repositoryName('sync/app') };
    const first = await syncRepository({ source, target, tags: /^[ab]$/ });
    expect(first.copied.sort()).toEqual(['a', 'b']);
    expect(first).toMatchObject({ skipped: [], failed: [] });
    const second = await syncRepository({ source, target });
    expect(second.copied).toEqual(['c']);
    expect(second.skipped.sort()).toEqual(['a', 'b']);
    expect(second.failed).toEqual([]);
    // Point tag a of the source at another image; a dry run lists it and leaves the target as it was.
    const before = await digestAt(basic, 'sync/app:a');
    await copyImage({
      source: {
        client: clientFor(open),
        repository: repositoryName('src/app'),
        reference: manifestReference('1.0'),
      },
      target: { client: clientFor(open), repository: repositoryName('sync/app'), tag: tagName('a') },
    });
    const dry = await syncRepository({ source, target, dryRun: true });
    expect(dry).toMatchObject({ copied: ['a'], failed: [] });
    expect(dry.skipped.sort()).toEqual(['b', 'c']);
    expect(await digestAt(basic, 'sync/app:a')).toBe(before);
    const real = await syncRepository({ source, target });
    expect(real.copied).toEqual(['a']);
    expect(await digestAt(basic, 'sync/app:a')).toBe(await digestAt(open, 'sync/app:a'));
  });
});

describe('lading copy and lading sync', () => {
  it('copy --json: the shape scripts read; a target without a tag takes the source tag', async () => {
    const user = basic.user!;
    const r = await cli.lading(
      [
        'copy',
        `${open.host}/src/app:1.0`,
        `${basic.host}/cli/app`,
        '--json',
        '-u',
        user.username,
        '--password-stdin',
      ],
      { input: user.password, env: { LADING_INSECURE_REGISTRIES: `${open.host},${basic.host}` } },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      source: `${open.host}/src/app:1.0`,
      target: `${basic.host}/cli/app:1.0`,
      blobs: { copied: 3, mounted: 0, existing: 0 },
    });
    expect(out.digest).toMatch(/^sha256:/);
    expect(out.bytes).toBeGreaterThan(3 * MiB);
  });

  it('copy refuses a digest target in one line; sync --json lists tags and exits 0', async () => {
    const bad = await cli.lading([
      'copy',
      `${open.host}/src/app:1.0`,
      `${open.host}/x@sha256:${'a'.repeat(64)}`,
    ]);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad.stderr).message).toMatch(/keeps the source's digest/);

    const sync = await cli.lading(['sync', `${open.host}/sync/app`, `${open.host}/sync/copy`, '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    const out = JSON.parse(sync.stdout);
    expect(out.copied.sort()).toEqual(['a', 'b', 'c']);
    expect(out.failed).toEqual([]);
  });
});

describe('copy and sync as jobs (the services, as the app calls them)', () => {
  let sandbox: TestServices;
  let from: string;
  let to: string;
  const { call, ok, settled } = callers(() => sandbox.services);

  beforeAll(async () => {
    sandbox = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-copy-jobs-' });
    from = (await ok('connections.save', connectionTo(open, 'Open'))).id;
    to = (await ok('connections.save', connectionTo(basic, 'Basic'))).id;
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('jobs.copy between two connections: a copy job whose result says what moved', async () => {
    const { jobId } = await ok('jobs.copy', {
      source: { connectionId: from, repository: 'src/app', reference: '1.0' },
      target: { connectionId: to, repository: 'jobs/app' },
    });
    const job = await settled(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    expect(job.kind).toBe('copy');
    expect(job.title).toBe(`Copy ${open.host}/src/app:1.0 → ${basic.host}/jobs/app:1.0`);
    expect(job.resultMessage).toMatch(
      /^Copied sha256:[0-9a-f]{12} to .*jobs\/app:1\.0 \(3 blobs copied \(3\.\d MB\)\)\.$/,
    );
    expect(await digestAt(basic, 'jobs/app:1.0')).toBe(await digestAt(open, 'src/app:1.0'));
  });

  it('registry.syncPlan previews without changing anything; jobs.sync then does it; a bad pattern is refused', async () => {
    const plan = await ok('registry.syncPlan', {
      source: { connectionId: from, repository: 'sync/app' },
      target: { connectionId: to, repository: 'jobs/sync' },
    });
    expect(plan.copied.sort()).toEqual(['a', 'b', 'c']);
    expect(
      await clientFor(basic).headManifest(repositoryName('jobs/sync'), manifestReference('a')),
    ).toBeUndefined();
    const { jobId } = await ok('jobs.sync', {
      source: { connectionId: from, repository: 'sync/app' },
      target: { connectionId: to, repository: 'jobs/sync' },
      tags: '^[ab]$',
    });
    const job = await settled(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    expect(job.resultMessage).toBe('Synced jobs/sync: 2 tags copied, 0 already the same.');
    const bad = await call('registry.syncPlan', {
      source: { connectionId: from, repository: 'sync/app' },
      target: { connectionId: to, repository: 'jobs/sync' },
      tags: '(',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid-input');
  });
});
