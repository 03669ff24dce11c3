import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/fault-proxy';
import {
  type BuiltImage,
  buildImage,
  buildMultiPlatform,
  pushImage,
  seedRepositories,
  seedTags,
  skopeoCopy,
  skopeoInspect,
  writeArchive,
} from '../support/images';
import { authorizationFor, startRegistry, type TestRegistry } from '../support/registry';

// These tests check the test infrastructure itself against the real docker-registry, skopeo and umoci.

const basic = (u: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;

let image: BuiltImage;
beforeAll(async () => {
  image = await buildImage({
    layers: [{ 'hello.txt': 'hello\n', 'etc/app/conf': 'a=1\n' }, { 'bin/data': Buffer.from([0, 1, 2, 3]) }],
    labels: { 'org.opencontainers.image.source': 'https://example.invalid/lading' },
    created: '2024-05-06T07:08:09Z',
    entrypoint: ['/bin/app'],
    env: ['MODE=test'],
    workdir: '/srv',
  });
});

describe('buildImage', () => {
  it('writes the requested config deterministically', async () => {
    const config = await skopeoInspect(image.ref, { config: true });
    expect(config.created).toBe('2024-05-06T07:08:09Z');
    expect(config.config.Labels['org.opencontainers.image.source']).toBe('https://example.invalid/lading');
    expect(config.config.Entrypoint).toEqual(['/bin/app']);
    expect(config.config.Env).toEqual(['MODE=test']);
    expect(config.config.WorkingDir).toBe('/srv');
    expect(config.rootfs.diff_ids).toHaveLength(2);
    const again = await buildImage({
      layers: [
        { 'hello.txt': 'hello\n', 'etc/app/conf': 'a=1\n' },
        { 'bin/data': Buffer.from([0, 1, 2, 3]) },
      ],
      labels: { 'org.opencontainers.image.source': 'https://example.invalid/lading' },
      created: '2024-05-06T07:08:09Z',
      entrypoint: ['/bin/app'],
      env: ['MODE=test'],
      workdir: '/srv',
    });
    expect((await skopeoInspect(again.ref)).Digest).toBe((await skopeoInspect(image.ref)).Digest);
  });

  it('writes docker and OCI archives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lading-archive-test-'));
    try {
      await writeArchive(image, 'docker-archive', join(dir, 'd.tar'), { refName: 'example/app:1' });
      await writeArchive(image, 'oci-archive', join(dir, 'o.tar'));
      expect((await stat(join(dir, 'd.tar'))).size).toBeGreaterThan(1000);
      const fromArchive = await skopeoInspect(`docker-archive:${join(dir, 'd.tar')}`, { config: true });
      expect(fromArchive.config.Entrypoint).toEqual(['/bin/app']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('open registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
  });
  afterAll(() => registry?.stop());

  it('round-trips an image pushed by skopeo', async () => {
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    await pushImage(registry, image, 'team/app:v1');
    const remote = await skopeoInspect(`docker://${registry.host}/team/app:v1`);
    expect(remote.Digest).toBe((await skopeoInspect(image.ref)).Digest);
    expect(remote.Labels['org.opencontainers.image.source']).toBe('https://example.invalid/lading');
  });

  it('allows deleting manifests', async () => {
    await pushImage(registry, image, 'team/deletable:1');
    const head = await fetch(`${registry.url}/v2/team/deletable/manifests/1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const digest = head.headers.get('docker-content-digest')!;
    const del = await fetch(`${registry.url}/v2/team/deletable/manifests/${digest}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect((await fetch(`${registry.url}/v2/team/deletable/manifests/1`, { method: 'HEAD' })).status).toBe(
      404,
    );
  });

  it('pushes a multi-platform index with --all', async () => {
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
      indexAnnotations: { 'org.opencontainers.image.description': 'multi' },
      tag: 'multi',
    });
    await pushImage(registry, multi, 'team/multi:1', { all: true });
    const index = await skopeoInspect(`docker://${registry.host}/team/multi:1`, { raw: true });
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.annotations['org.opencontainers.image.description']).toBe('multi');
    expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    const arm = await skopeoInspect(`docker://${registry.host}/team/multi@${index.manifests[1].digest}`, {
      config: true,
    });
    expect(arm.variant).toBe('v7');
  });

  it('seeds 150 tags and 20 repositories quickly', async () => {
    const started = Date.now();
    const tags = Array.from({ length: 150 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    await seedTags(registry, 'many/tags', tags);
    await seedRepositories(
      registry,
      Array.from({ length: 20 }, (_, i) => `seeded/r${i}`),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    const list = (await (await fetch(`${registry.url}/v2/many/tags/tags/list?n=1000`)).json()) as {
      tags: string[];
    };
    expect(list.tags.sort()).toEqual(tags);
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog?n=1000`)).json()) as {
      repositories: string[];
    };
    expect(catalog.repositories.filter((r) => r.startsWith('seeded/'))).toHaveLength(20);
  });
});

describe('basic-auth registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'basic' });
  });
  afterAll(() => registry?.stop());

  it('requires the htpasswd user', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    const authed = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic(registry.user!) } });
    expect(authed.status).toBe(200);
    await pushImage(registry, image, 'private/app:1');
    const remote = await skopeoInspect(`docker://${registry.host}/private/app:1`, { creds: registry.user });
    expect(remote.Labels['org.opencontainers.image.source']).toBe('https://example.invalid/lading');
    await expect(
      skopeoInspect(`docker://${registry.host}/private/app:1`, {
        creds: { username: registry.user!.username, password: 'wrong' },
      }),
    ).rejects.toThrow(/unauthorized|authentication required/i);
  });
});

describe('token-auth registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'token', anonymousPull: ['public/'], tokenTtlSeconds: 120 });
    await pushImage(registry, image, 'public/app:1');
    await pushImage(registry, image, 'private/app:1');
  });
  afterAll(() => registry?.stop());

  it('challenges with the issuer realm and issues tokens the registry accepts', async () => {
    const issuer = registry.issuer!;
    const ping = await fetch(`${registry.url}/v2/`);
    expect(ping.status).toBe(401);
    expect(ping.headers.get('www-authenticate')).toContain(`realm="${issuer.realm}"`);
    const res = await fetch(
      `${issuer.realm}?service=${issuer.service}&scope=repository:private/app:pull&scope=registry:catalog:*`,
      { headers: { authorization: basic(registry.user!) } },
    );
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
    expect(body.expires_in).toBe(120);
    expect(body.token).toBe(body.access_token);
    const claims = JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(120);
    const catalog = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(catalog.status).toBe(200);
    expect(issuer.requests.some((r) => r.user === registry.user!.username)).toBe(true);
  });

  it('refuses a wrong password with a 401 JSON answer', async () => {
    const issuer = registry.issuer!;
    const res = await fetch(`${issuer.realm}?service=${issuer.service}&scope=repository:private/app:pull`, {
      headers: { authorization: basic({ username: registry.user!.username, password: 'nope' }) },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    await expect(
      skopeoInspect(`docker://${registry.host}/private/app:1`, {
        creds: { username: registry.user!.username, password: 'nope' },
      }),
    ).rejects.toThrow();
  });

  it('allows anonymous pull only under the configured prefix', async () => {
    const pub = await skopeoInspect(`docker://${registry.host}/public/app:1`);
    expect(pub.Labels['org.opencontainers.image.source']).toBe('https://example.invalid/lading');
    await expect(skopeoInspect(`docker://${registry.host}/private/app:1`)).rejects.toThrow(
      /denied|unauthorized|authentication required/i,
    );
    expect(registry.issuer!.requests.some((r) => r.user === null && r.status === 200)).toBe(true);
  });

  it('seeds tags and repositories with minted tokens, and grants the catalog to the full user', async () => {
    await seedTags(
      registry,
      'private/many',
      Array.from({ length: 150 }, (_, i) => `v${i}`),
    );
    await seedRepositories(registry, ['private/r1', 'private/r2']);
    const catalogAccess = [{ type: 'registry' as const, name: 'catalog', actions: ['*'] }];
    const catalog = await fetch(`${registry.url}/v2/_catalog?n=100`, {
      headers: { authorization: authorizationFor(registry, catalogAccess)! },
    });
    const repos = ((await catalog.json()) as { repositories: string[] }).repositories;
    expect(repos).toEqual(expect.arrayContaining(['private/many', 'private/r1', 'private/r2', 'public/app']));
    const issuer = registry.issuer!;
    const readerToken = (await (
      await fetch(`${issuer.realm}?service=${issuer.service}&scope=registry:catalog:*`, {
        headers: { authorization: basic(registry.reader!) },
      })
    ).json()) as { token: string };
    const denied = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${readerToken.token}` },
    });
    expect(denied.status).toBe(401);
  });

  it('lets the reader pull but not push', async () => {
    const reader = registry.reader!;
    const pulled = await skopeoInspect(`docker://${registry.host}/private/app:1`, { creds: reader });
    expect(pulled.Digest).toMatch(/^sha256:/);
    await expect(
      skopeoCopy(image.ref, `docker://${registry.host}/private/app:2`, { destCreds: reader }),
    ).rejects.toThrow();
  });

  it('supports the OAuth2 POST flow with refresh tokens, and revocation', async () => {
    const issuer = registry.issuer!;
    const form = new URLSearchParams({
      grant_type: 'password',
      username: registry.user!.username,
      password: registry.user!.password,
      service: issuer.service,
      client_id: 'lading-test',
      access_type: 'offline',
      scope: 'repository:private/app:pull,push',
    });
    const first = (await (await fetch(issuer.realm, { method: 'POST', body: form })).json()) as {
      access_token: string;
      refresh_token: string;
    };
    expect(first.refresh_token).toBeTruthy();
    const refreshed = await fetch(issuer.realm, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
        service: issuer.service,
        client_id: 'lading-test',
        scope: 'repository:private/app:pull',
      }),
    });
    expect(refreshed.status).toBe(200);
    const token = ((await refreshed.json()) as { access_token: string }).access_token;
    const tags = () =>
      fetch(`${registry.url}/v2/private/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    expect((await tags()).status).toBe(200);

    await issuer.revokeAll();
    expect((await tags()).status).toBe(401);
    const again = await fetch(issuer.realm, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    });
    expect(again.status).toBe(401);
    // Fresh tokens work after revocation, and the data survived the registry restart.
    const header = authorizationFor(registry, [
      { type: 'repository', name: 'private/app', actions: ['pull'] },
    ]);
    const after = await fetch(`${registry.url}/v2/private/app/tags/list`, {
      headers: { authorization: header! },
    });
    expect(after.status).toBe(200);
  });
});

describe('fault proxy', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
    await pushImage(registry, image, 'faulty/app:1');
  });
  afterAll(() => registry?.stop());

  it('injects statuses, resets and truncated responses, then forwards', async () => {
    const proxy = await startFaultProxy(registry.url);
    try {
      proxy.rules.push({ kind: 'status', status: 503, retryAfter: 2, match: { path: /^\/v2\/$/ } });
      const unavailable = await fetch(`${proxy.url}/v2/`);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('2');
      await unavailable.arrayBuffer();
      expect((await fetch(`${proxy.url}/v2/`)).status).toBe(200);

      proxy.rules.push({ kind: 'reset', match: { method: 'GET' } });
      await expect(fetch(`${proxy.url}/v2/`)).rejects.toThrow();

      const manifest = await skopeoInspect(`docker://${registry.host}/faulty/app:1`, { raw: true });
      const layer = manifest.layers[0].digest as string;
      proxy.rules.push({ kind: 'drop-response-after', bytes: 10, match: { path: /\/blobs\// } });
      await expect(
        fetch(`${proxy.url}/v2/faulty/app/blobs/${layer}`).then((r) => r.arrayBuffer()),
      ).rejects.toThrow();
      const whole = await fetch(`${proxy.url}/v2/faulty/app/blobs/${layer}`);
      expect(whole.status).toBe(200);
      expect((await whole.arrayBuffer()).byteLength).toBe(manifest.layers[0].size);

      expect(proxy.requests.map((r) => r.fault ?? r.status)).toEqual([
        'status',
        200,
        'reset',
        'drop-response-after',
        200,
      ]);
    } finally {
      await proxy.stop();
    }
  });

  it('rewrites upload Locations, drops uploads, stalls and trickles', async () => {
    const proxy = await startFaultProxy(registry.url);
    try {
      const start = await fetch(`${proxy.url}/v2/faulty/up/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const location = start.headers.get('location')!;
      expect(location.startsWith(`${proxy.url}/v2/faulty/up/blobs/uploads/`)).toBe(true);

      proxy.rules.push({ kind: 'drop-request-after', bytes: 1000, match: { method: 'PATCH' } });
      await expect(
        fetch(new URL(location, proxy.url), {
          method: 'PATCH',
          headers: { 'content-type': 'application/octet-stream' },
          body: Buffer.alloc(64 * 1024, 7),
        }),
      ).rejects.toThrow();

      // skopeo pushes through the proxy (Locations stay on the proxy) and survives a stall.
      proxy.rules.push({ kind: 'stall', ms: 300, match: { method: 'PUT' } });
      await skopeoCopy(image.ref, `docker://${proxy.host}/faulty/through-proxy:1`);
      expect(proxy.requests.some((r) => r.fault === 'stall')).toBe(true);
      const remote = await skopeoInspect(`docker://${registry.host}/faulty/through-proxy:1`);
      expect(remote.Digest).toBe((await skopeoInspect(image.ref)).Digest);

      proxy.rules.push({ kind: 'trickle', bytesPerSecond: 2000, match: { path: /\/manifests\// } });
      const started = Date.now();
      const slow = await fetch(`${proxy.url}/v2/faulty/app/manifests/1`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      const size = (await slow.arrayBuffer()).byteLength;
      expect(size).toBeGreaterThan(300);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    } finally {
      await proxy.stop();
    }
  });
});
