import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services';
import { dispatch } from '../../electron/app/services/dispatch';
import { SavePathGrants } from '../../electron/app/services/save-grants';
import { MemorySecretStore } from '../../electron/core/connections/secret-store';
import {
  type CallName,
  type CallRequest,
  type CallResponse,
  callNames,
  contract,
  eventNames,
  events,
  type Handlers,
} from '../../shared/contract';
import type { Job } from '../../shared/types';

const connection = {
  id: 'c1',
  name: 'Local',
  kind: 'generic' as const,
  registry: 'localhost:5000',
  insecure: true,
  hasSecret: false,
  credentialSource: 'none' as const,
  createdAt: '2024-01-01T00:00:00.000Z',
};
const job: Job = {
  id: 'j1',
  kind: 'push',
  title: 'Push app.tar → localhost:5000/app:1',
  connectionId: 'c1',
  state: 'running',
  createdAt: '2024-01-01T00:00:00.000Z',
  progress: {
    bytesDone: 10,
    bytesTotal: 100,
    rate: 5,
    eta: 18,
    layers: [{ digest: 'sha256:aa', size: 100, bytesDone: 10, state: 'uploading' }],
  },
  warnings: [],
  retryable: false,
};
const digest = `sha256:${'a'.repeat(64)}`;

/** A valid request and response for every call; a call missing here is a type error. */
const samples: { [N in CallName]: { request: CallRequest<N>; response: CallResponse<N> } } = {
  'app.info': {
    request: {},
    response: { version: '0.1.0', mode: 'bridge', platform: 'linux', secretStorage: 'encrypted-file' },
  },
  'connections.list': { request: {}, response: [connection] },
  'connections.save': {
    request: { name: 'Local', kind: 'generic', registry: 'localhost:5000', secret: 'pw', username: 'me' },
    response: connection,
  },
  'connections.remove': { request: { id: 'c1' }, response: { ok: true } },
  'connections.verify': {
    request: { id: 'c1' },
    response: {
      ok: false,
      summary: 'Signed in; can pull, cannot push or delete.',
      checks: [{ name: 'Reachable', ok: true, message: 'ok' }],
      authScheme: 'bearer',
      scopes: ['read:packages'],
      missingScopes: ['write:packages', 'delete:packages'],
    },
  },
  'connections.discover': {
    request: {},
    response: [{ registry: 'ghcr.io', username: 'me', source: 'docker-credential-helper', helper: 'pass' }],
  },
  'registry.repositories': {
    request: { connectionId: 'c1' },
    response: { source: 'catalog', repositories: [{ name: 'team/app', visibility: 'private' }] },
  },
  'registry.tags': { request: { connectionId: 'c1', repository: 'team/app' }, response: ['1.0', 'latest'] },
  'registry.tagDetails': {
    request: { connectionId: 'c1', repository: 'team/app', tags: ['1.0'] },
    response: [
      {
        tag: '1.0',
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        isIndex: false,
        platforms: ['linux/amd64'],
        size: 1234,
        created: '2024-01-01T00:00:00Z',
      },
    ],
  },
  'registry.inspect': {
    request: { connectionId: 'c1', repository: 'team/app', reference: '1.0', platform: 'linux/amd64' },
    response: {
      registry: 'localhost:5000',
      repository: 'team/app',
      reference: '1.0',
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 500,
      layers: [
        { digest, size: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', createdBy: 'COPY' },
      ],
      entrypoint: null,
      rawManifest: '{}',
      warnings: [{ key: 'org.opencontainers.image.source', message: 'not https' }],
    },
  },
  'engines.list': {
    request: {},
    response: [
      {
        kind: 'docker',
        name: 'Docker 27.1.1',
        endpoint: '/var/run/docker.sock',
        source: 'default socket',
        apiVersion: '1.46',
        images: [
          {
            id: 'sha256:abc',
            tags: ['app:1'],
            digests: [],
            size: 99,
            created: '2024-01-01T00:00:00.000Z',
            platform: 'linux/amd64',
          },
        ],
      },
    ],
  },
  'files.list': {
    request: { connectionId: 'c1', repository: 'team/app', reference: '1.0', path: '/etc', layer: 2 },
    response: {
      digest,
      layers: [{ number: 1, digest, size: 10 }],
      rows: [
        {
          path: '/etc/os-release',
          type: 'file',
          size: 9,
          mode: '0644',
          uid: 0,
          gid: 0,
          layer: 2,
          change: 'modified',
        },
      ],
    },
  },
  'files.summary': {
    request: { connectionId: 'c1', repository: 'team/app', reference: '1.0' },
    response: {
      files: 1,
      directories: 1,
      totalBytes: 20,
      finalBytes: 9,
      wastedBytes: 11,
      efficiency: 0.45,
      largestWasted: [{ path: '/etc/os-release', bytes: 11, layer: 1 }],
    },
  },
  'files.save': {
    request: { connectionId: 'c1', repository: 'team/app', reference: '1.0', file: '/etc/os-release' },
    response: { bytes: 9, downloadId: 'file-1' },
  },
  'archive.inspect': {
    request: { source: { uploadId: 'abcdefgh12' } },
    response: {
      fileName: 'app.tar',
      format: 'docker-legacy',
      compression: 'none',
      images: [
        {
          name: 'app:1',
          repoTags: ['app:1'],
          platforms: ['linux/amd64'],
          layers: 2,
          size: 99,
          isIndex: false,
        },
      ],
    },
  },
  'jobs.push': {
    request: {
      connectionId: 'c1',
      source: { path: '/tmp/app.tar' },
      target: { repository: 'app', tag: '1' },
    },
    response: { jobId: 'j1' },
  },
  'jobs.pull': {
    request: { connectionId: 'c1', repository: 'app', reference: '1', format: 'oci' },
    response: { jobId: 'j1' },
  },
  'jobs.delete': {
    request: { connectionId: 'c1', repository: 'app', tags: ['1'], digests: [digest] },
    response: { jobId: 'j1' },
  },
  'jobs.tag': {
    request: {
      connectionId: 'c1',
      source: { repository: 'app', reference: '1' },
      target: { repository: 'app2', tag: '2' },
    },
    response: { jobId: 'j1' },
  },
  'jobs.copy': {
    request: {
      source: { connectionId: 'c1', repository: 'app', reference: '1' },
      target: { connectionId: 'c2', repository: 'mirror/app' },
      platform: 'linux/arm64',
    },
    response: { jobId: 'j1' },
  },
  'registry.syncPlan': {
    request: {
      source: { connectionId: 'c1', repository: 'app' },
      target: { connectionId: 'c2', repository: 'app' },
    },
    response: { copied: ['1'], skipped: ['2'], failed: [] },
  },
  'jobs.sync': {
    request: {
      source: { connectionId: 'c1', repository: 'app' },
      target: { connectionId: 'c2', repository: 'app' },
      tags: '^v',
    },
    response: { jobId: 'j1' },
  },
  'registry.prunePlan': {
    request: { connectionId: 'c1', repository: 'app', keep: ['^v'], keepLast: 5, olderThan: '30d' },
    response: {
      plan: [
        { action: 'delete-manifest', tag: 'ci-1', tags: ['ci-1'], digest, created: null, reason: 'old' },
      ],
      keep: [{ tag: 'v1', digest, reason: 'tag v1 matches --keep ^v' }],
      reclaimableBytes: 10,
      notes: [],
    },
  },
  'registry.supplyChain': {
    request: { connectionId: 'c1', repository: 'app', reference: 'v1', platform: 'linux/amd64' },
    response: {
      subject: digest,
      referrers: [
        {
          digest,
          artifactType: 'application/spdx+json',
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          size: 10,
          annotations: {},
          source: 'tag-schema',
        },
      ],
      truncated: false,
      sbom: {
        format: 'spdx',
        document: digest,
        packages: [{ name: 'musl', version: '1.2', license: 'MIT' }],
      },
      provenance: [
        {
          predicateType: 'https://slsa.dev/provenance/v1',
          builderId: 'b',
          document: digest,
          referrer: digest,
        },
      ],
    },
  },
  'registry.verifySignatures': {
    request: {
      connectionId: 'c1',
      repository: 'app',
      reference: 'v1',
      keys: [{ name: 'cosign.pub', pem: 'PEM' }],
    },
    response: {
      verified: true,
      signatures: [{ digest, valid: true, layout: 'cosign-sig', key: 'cosign.pub' }],
    },
  },
  'jobs.prune': {
    request: { connectionId: 'c1', repository: 'app', keepLast: 3 },
    response: { jobId: 'j1' },
  },
  'jobs.list': { request: {}, response: [job] },
  'jobs.cancel': { request: { id: 'j1' }, response: { ok: true } },
  'jobs.retry': { request: { id: 'j1' }, response: { jobId: 'j2' } },
  'jobs.clear': { request: {}, response: { ok: true } },
  'dialog.openArchives': { request: {}, response: { supported: true, paths: ['/tmp/a.tar'] } },
  'dialog.saveFile': { request: { defaultName: 'app.tar' }, response: { supported: false, path: null } },
  'shell.openExternal': { request: { url: 'https://github.com' }, response: { ok: true } },
  'github.package': {
    request: { connectionId: 'c1', packageName: 'app' },
    response: {
      name: 'app',
      visibility: 'public',
      htmlUrl: 'https://github.com/orgs/acme/packages/container/package/app',
      settingsUrl: 'https://github.com/orgs/acme/packages/container/app/settings',
      versionCount: 3,
      createdAt: '2024-01-01T00:00:00Z',
      updatedAt: '2024-01-01T00:00:00Z',
      anonymousPull: null,
    },
  },
  'github.versions': {
    request: { connectionId: 'c1', packageName: 'app', state: 'active' },
    response: [{ id: 1, digest, tags: ['1'], createdAt: '2024-01-01T00:00:00Z', role: 'image', parents: [] }],
  },
  'github.deleteVersion': {
    request: { connectionId: 'c1', packageName: 'app', versionId: 1 },
    response: { removedTags: ['1'] },
  },
  'github.restoreVersion': {
    request: { connectionId: 'c1', packageName: 'app', versionId: 1 },
    response: { ok: true },
  },
};

describe('contract schemas', () => {
  it.each(callNames)('%s: request and response round-trip a sample', (name) => {
    const s = samples[name];
    const req = contract[name].request.parse(s.request);
    // Parsing twice gives the same value: what the renderer sends survives the main side's validation.
    expect(contract[name].request.parse(JSON.parse(JSON.stringify(req)))).toEqual(req);
    const res = contract[name].response.parse(s.response);
    expect(contract[name].response.parse(JSON.parse(JSON.stringify(res)))).toEqual(res);
  });

  it('event payloads round-trip', () => {
    expect(eventNames.sort()).toEqual(['jobs.removed', 'jobs.updated']);
    expect(events['jobs.updated'].parse(job)).toEqual(job);
    expect(events['jobs.removed'].parse({ ids: ['a'] })).toEqual({ ids: ['a'] });
  });
});

describe('dispatch', () => {
  let dir: string;
  let services: Services;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lading-contract-'));
    services = await createServices({
      dataDir: dir,
      secretStore: new MemorySecretStore(),
      mode: 'bridge',
      tempDir: dir,
    });
  });
  afterAll(async () => {
    await services.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('has exactly one handler per contract call', () => {
    expect(Object.keys(services.handlers).sort()).toEqual([...callNames].sort());
  });

  const bad: Array<[CallName, unknown, string]> = [
    ['connections.save', { name: 'x', kind: 'generic', registry: 'http://bad host/' }, 'registry'],
    ['connections.save', { name: '', kind: 'generic', registry: 'localhost:5000' }, 'name'],
    ['connections.save', { name: 'x', kind: 'nope', registry: 'localhost:5000' }, 'kind'],
    ['connections.remove', {}, 'id'],
    ['connections.remove', { id: 'x', extra: 1 }, ''],
    ['registry.tags', { connectionId: 'c', repository: '' }, 'repository'],
    ['registry.tagDetails', { connectionId: 'c', repository: 'r', tags: Array(101).fill('t') }, 'tags'],
    [
      'jobs.push',
      { connectionId: 'c', source: { uploadId: '../../etc' }, target: { repository: 'r', tag: 't' } },
      'source',
    ],
    ['jobs.pull', { connectionId: 'c', repository: 'r', reference: 't', format: 'zip' }, 'format'],
    ['shell.openExternal', { url: 'not a url' }, 'url'],
    ['app.info', 'a string', ''],
  ];
  it.each(bad)('%s rejects %j with a typed invalid-input error naming %s', async (name, request, field) => {
    const result = await dispatch(services.handlers, name, request);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.message).toContain(`Invalid request for ${name}`);
    if (field) expect(result.error.message).toContain(field);
  });

  it('rejects unknown call names', async () => {
    const result = await dispatch(services.handlers, 'fs.readFile', { path: '/etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('turns thrown errors into typed results without stack traces', async () => {
    const handlers = {
      ...services.handlers,
      'app.info': async () => {
        throw new Error('boom');
      },
    } as Handlers;
    const result = await dispatch(handlers, 'app.info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(result)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('catches handler responses that break the contract', async () => {
    const handlers = {
      ...services.handlers,
      'app.info': async () => ({ version: 1 }),
    } as unknown as Handlers;
    const result = await dispatch(handlers, 'app.info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('answers valid calls', async () => {
    expect(await dispatch(services.handlers, 'app.info', {})).toMatchObject({
      ok: true,
      value: { mode: 'bridge' },
    });
    expect(await dispatch(services.handlers, 'connections.list', {})).toEqual({ ok: true, value: [] });
    expect(await dispatch(services.handlers, 'dialog.openArchives', {})).toEqual({
      ok: true,
      value: { supported: false, paths: [] },
    });
  });

  it('refuses to open non-https links', async () => {
    const result = await dispatch(services.handlers, 'shell.openExternal', { url: 'file:///etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('reports a missing connection as a typed error', async () => {
    const result = await dispatch(services.handlers, 'registry.tags', {
      connectionId: 'nope',
      repository: 'r',
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });
});

describe('Electron-mode pulls write only where the save dialog said', () => {
  let dir: string;
  let services: Services;
  let connectionId: string;
  const written: string[] = [];
  let nextChoice: string | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lading-save-grants-'));
    services = await createServices({
      dataDir: dir,
      secretStore: new MemorySecretStore(),
      mode: 'electron',
      tempDir: dir,
      dialogs: { openArchives: async () => [], saveFile: async () => nextChoice },
      // Records where a pull would write instead of pulling: the path check is what is under test.
      dependencies: {
        pipelines: {
          push: async () => ({ message: 'pushed' }),
          copy: async () => ({ message: 'copied' }),
          sync: async () => ({ message: 'synced', copied: [], skipped: [], failed: [] }),
          prunePlan: async () => {
            throw new Error('not under test');
          },
          prune: async () => {
            throw new Error('not under test');
          },
          pull: async ({ outputPath }) => {
            written.push(outputPath);
            return { message: `Pulled to ${outputPath}` };
          },
        },
      },
    });
    const saved = await dispatch(services.handlers, 'connections.save', {
      name: 'Local',
      kind: 'generic',
      registry: 'localhost:5000',
      insecure: true,
    });
    if (!saved.ok) throw new Error(saved.error.message);
    connectionId = saved.value.id;
  });
  afterAll(async () => {
    await services.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const pull = (path?: string) =>
    dispatch(services.handlers, 'jobs.pull', {
      connectionId,
      repository: 'app',
      reference: '1',
      format: 'docker',
      path,
    });

  it('accepts the path the dialog returned, once', async () => {
    nextChoice = join(dir, 'chosen.tar');
    expect(await dispatch(services.handlers, 'dialog.saveFile', { defaultName: 'app-1.tar' })).toEqual({
      ok: true,
      value: { supported: true, path: nextChoice },
    });
    const first = await pull(nextChoice);
    expect(first.ok).toBe(true);
    if (first.ok) await services.context.jobs.wait(first.value.jobId);
    expect(written).toEqual([nextChoice]);
    const again = await pull(nextChoice);
    expect(again).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    if (!again.ok) expect(again.error.hint).toMatch(/dialog/);
  });

  it('refuses a path the dialog never returned (a compromised renderer), and a cancelled dialog grants nothing', async () => {
    const before = written.length;
    const r = await pull('/home/user/.bashrc');
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringMatching(/save dialog/) },
    });
    nextChoice = null;
    expect(await dispatch(services.handlers, 'dialog.saveFile', { defaultName: 'x.tar' })).toMatchObject({
      ok: true,
      value: { supported: true, path: null },
    });
    expect(services.context.savePaths.size).toBe(0);
    expect(written.length).toBe(before);
  });

  it('still pulls without a path (into its own download directory)', async () => {
    const r = await pull();
    expect(r.ok).toBe(true);
    if (r.ok) await services.context.jobs.wait(r.value.jobId);
    expect(written.at(-1)?.startsWith(services.context.downloadDir)).toBe(true);
  });
});

describe('SavePathGrants', () => {
  it('forgets grants after their time and beyond its capacity', () => {
    let now = 0;
    const grants = new SavePathGrants({ capacity: 2, ttlMs: 1000, now: () => now });
    grants.grant('/a.tar');
    now = 1001;
    expect(grants.take('/a.tar')).toBe(false);
    grants.grant('/b.tar');
    grants.grant('/c.tar');
    grants.grant('/d.tar');
    expect(grants.take('/b.tar')).toBe(false);
    expect(grants.take('/c.tar')).toBe(true);
    // The same file spelled differently is the same grant.
    expect(grants.take('/x/../d.tar')).toBe(true);
    expect(grants.size).toBe(0);
  });
});
