import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { inspectImage } from '../../electron/core/registry/inspect';
import { manifestReference, repositoryName, tagName } from '../../electron/core/registry/names';
import { deleteDigest, deleteTag } from '../../electron/core/registry/tagging';
import { errorOf, registrySuite } from '../support/clients';
import { startFaultProxy } from '../support/fault-proxy';
import { buildImage, pushImage, seedTags } from '../support/images';

async function* bytes(n: number): AsyncGenerator<Uint8Array> {
  yield Buffer.alloc(n, 7);
}

describe('registry client with Basic auth (htpasswd)', () => {
  const suite = registrySuite({ mode: 'basic' }, { seed: (r) => seedTags(r, 'team/app', ['1', '2']) });

  it('reads with the right credentials', async () => {
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    expect((await client.ping()).scheme).toBe('basic');
    expect((await client.tags(repositoryName('team/app'))).sort()).toEqual(['1', '2']);
  });

  it('says the password was rejected when it is wrong', async () => {
    const client = new RegistryClient({
      registry: suite.registry.host,
      credentials: { username: suite.registry.user!.username, password: 'S3cret-guess' },
    });
    const e = await errorOf(client.tags(repositoryName('team/app')));
    expect(e.code).toBe('unauthorized');
    expect(e.message).toBe(`The registry rejected the username or password for ${suite.registry.host}.`);
    expect(e.hint).toMatch(/log in again/i);
    expect(`${e.message} ${e.hint}`).not.toContain('S3cret-guess');
  });

  it('says credentials are required when none are given', async () => {
    const e = await errorOf(
      new RegistryClient({ registry: suite.registry.host }).tags(repositoryName('team/app')),
    );
    expect(e.code).toBe('unauthorized');
    expect(e.message).toMatch(/requires credentials/);
  });
});

describe('registry client with token auth', () => {
  const suite = registrySuite(
    { mode: 'token', anonymousPull: ['public/'] },
    {
      seed: async (r) => {
        const image = await buildImage({ layers: [{ 'x.txt': 'x\n' }], labels: { k: 'v' } });
        await pushImage(r, image, 'team/app:1');
        await pushImage(r, image, 'public/app:1');
      },
    },
  );

  it('exchanges credentials for scoped tokens and caches them', async () => {
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    const ping = await client.ping();
    expect(ping.scheme).toBe('bearer');
    expect(ping.realm).toBe(suite.registry.issuer!.realm);
    suite.registry.issuer!.requests.length = 0;
    const info = await inspectImage(client, repositoryName('team/app'), manifestReference('1'));
    expect(info.labels).toEqual({ k: 'v' });
    await client.tags(repositoryName('team/app'));
    // One token for repository:team/app:pull serves the manifest, config and tag requests.
    expect(suite.registry.issuer!.requests.map((r) => r.scopes)).toEqual([['repository:team/app:pull']]);
  });

  it('says the password was rejected when it is wrong', async () => {
    const client = new RegistryClient({
      registry: suite.registry.host,
      credentials: { username: suite.registry.user!.username, password: 'nope' },
    });
    const e = await errorOf(client.tags(repositoryName('team/app')));
    expect(e.code).toBe('unauthorized');
    expect(e.message).toBe(`The registry rejected the username or password for ${suite.registry.host}.`);
  });

  it('says credentials are required when none are given for a private repository', async () => {
    const e = await errorOf(
      new RegistryClient({ registry: suite.registry.host }).getManifest(
        repositoryName('team/app'),
        manifestReference('1'),
      ),
    );
    expect(e.code).toBe('unauthorized');
    expect(e.message).toMatch(/requires credentials/);
  });

  it('pulls anonymously from a public prefix', async () => {
    const client = new RegistryClient({ registry: suite.registry.host });
    expect(await client.tags(repositoryName('public/app'))).toEqual(['1']);
    const info = await inspectImage(client, repositoryName('public/app'), manifestReference('1'));
    expect(info.labels).toEqual({ k: 'v' });
  });

  it('reports denied with the scope when a pull-only user pushes', async () => {
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.reader });
    expect(await client.tags(repositoryName('team/app'))).toEqual(['1']);
    const e = await errorOf(client.uploadBlob(repositoryName('team/app'), bytes(10)));
    expect(e.code).toBe('denied');
    expect(e.scope).toMatch(/^repository:team\/app:(pull,push|push,pull)$/);
    expect(e.message).toContain('team/app');
    expect(e.patScope).toBeUndefined();
    const m = await client.getManifest(repositoryName('team/app'), manifestReference('1'));
    const put = await errorOf(
      client.putManifest(repositoryName('team/app'), manifestReference('2'), m.bytes, m.mediaType),
    );
    expect(put.code).toBe('denied');
  });

  it('deletes with the delete action and reports a reader as denied', async () => {
    const image = await buildImage({ layers: [{ 'd.txt': 'to delete\n' }] });
    await pushImage(suite.registry, image, 'team/del:a');
    const user = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    const m = await user.getManifest(repositoryName('team/del'), manifestReference('a'));
    await user.putManifest(repositoryName('team/del'), manifestReference('b'), m.bytes, m.mediaType);
    const reader = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.reader });
    const e = await errorOf(deleteDigest(reader, repositoryName('team/del'), m.digest));
    expect(e.code).toBe('denied');
    expect(e.scope).toContain('delete');
    await deleteTag(user, repositoryName('team/del'), tagName('b'));
    expect(await user.tags(repositoryName('team/del'))).toEqual(['a']);
    expect((await deleteDigest(user, repositoryName('team/del'), m.digest)).removedTags).toEqual(['a']);
  });

  it('uses a registry token as is and an identity token through the OAuth2 refresh grant', async () => {
    const minted = suite.registry.issuer!.mintToken(
      [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
      suite.registry.user!.username,
    );
    const direct = new RegistryClient({
      registry: suite.registry.host,
      credentials: { registryToken: minted },
    });
    expect(await direct.tags(repositoryName('team/app'))).toEqual(['1']);

    const { username, password } = suite.registry.user!;
    const offline = await fetch(
      `${suite.registry.issuer!.realm}?service=${encodeURIComponent(suite.registry.issuer!.service)}&offline_token=true`,
      {
        headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      },
    );
    const { refresh_token } = (await offline.json()) as { refresh_token: string };
    suite.registry.issuer!.requests.length = 0;
    const viaRefresh = new RegistryClient({
      registry: suite.registry.host,
      credentials: { identityToken: refresh_token },
    });
    expect(await viaRefresh.tags(repositoryName('team/app'))).toEqual(['1']);
    expect(suite.registry.issuer!.requests[0]).toMatchObject({ method: 'POST', grantType: 'refresh_token' });
  });
});

describe('registry client re-authentication and retries', () => {
  const suite = registrySuite({ mode: 'token' }, { seed: (r) => seedTags(r, 'team/app', ['1']) });

  it('re-authenticates when the token is refused mid-upload and carries on', async () => {
    const client = new RegistryClient({
      registry: suite.registry.host,
      credentials: suite.registry.user,
      retryBaseMs: 20,
    });
    const MiB = 1024 * 1024;
    const data = Buffer.alloc(5 * MiB);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    const issuer = suite.registry.issuer!;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) {
        // Pulled once the first 2 MiB chunk is acknowledged: every token issued so far becomes invalid.
        if (i === 3) await issuer.revokeAll();
        yield data.subarray(i * MiB, (i + 1) * MiB);
      }
    }
    issuer.requests.length = 0;
    const result = await client.uploadBlob(repositoryName('team/app'), source(), { chunkSize: 2 * MiB });
    expect(result.size).toBe(data.length);
    expect(issuer.requests.length).toBe(2);
    const back = await client.openBlob(repositoryName('team/app'), {
      digest: result.digest,
      size: data.length,
    });
    const chunks: Buffer[] = [];
    for await (const c of back) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('retries 503 honouring Retry-After, then reports rate limiting and server errors', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = new RegistryClient({
        registry: suite.registry.host,
        baseUrl: proxy.url,
        credentials: suite.registry.user,
        retryBaseMs: 10,
        retries: 2,
      });
      proxy.rules.push({ kind: 'status', status: 503, retryAfter: 1, match: { path: /tags\/list/ } });
      const started = Date.now();
      expect(await client.tags(repositoryName('team/app'))).toEqual(['1']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);

      proxy.rules.push({
        kind: 'status',
        status: 429,
        retryAfter: 0,
        times: 3,
        match: { path: /tags\/list/ },
      });
      const limited = await errorOf(client.tags(repositoryName('team/app')));
      expect(limited.code).toBe('rate-limited');

      proxy.rules.push({ kind: 'status', status: 500, times: 3, match: { path: /tags\/list/ } });
      const broken = await errorOf(client.tags(repositoryName('team/app')));
      expect(broken.code).toBe('server-error');
      expect(broken.message).not.toMatch(/authorization|bearer/i);
    } finally {
      await proxy.stop();
    }
  });

  it('says a registry without _catalog does not support listing', async () => {
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const viaProxy = new RegistryClient({
        registry: suite.registry.host,
        baseUrl: proxy.url,
        credentials: suite.registry.user,
      });
      proxy.rules.push({
        kind: 'status',
        status: 404,
        body: '{"errors":[{"code":"NOT_FOUND","message":"404 page not found"}]}',
        match: { path: /_catalog/ },
      });
      const e = await errorOf(viaProxy.catalog());
      expect(e.code).toBe('unsupported');
      expect(await client.catalog()).toContain('team/app');
    } finally {
      await proxy.stop();
    }
  });
});

describe('registry client GitHub-style behaviour (a token registry addressed as ghcr.io)', () => {
  const suite = registrySuite({ mode: 'token' }, { seed: (r) => seedTags(r, 'owner/image', ['1']) });

  it('names the PAT scope a GitHub token lacks', async () => {
    const client = new RegistryClient({
      registry: 'ghcr.io',
      baseUrl: suite.registry.url,
      credentials: suite.registry.reader,
      allowCrossHostRealm: true,
    });
    expect(await client.tags(repositoryName('owner/image'))).toEqual(['1']);
    const e = await errorOf(client.uploadBlob(repositoryName('owner/image'), [Buffer.from('x')]));
    expect(e.code).toBe('denied');
    expect(e.patScope).toBe('write:packages');
    expect(e.hint).toContain('write:packages');
  });

  it('does not send saved credentials to a token realm on another host', async () => {
    suite.registry.issuer!.requests.length = 0;
    const client = new RegistryClient({
      registry: 'ghcr.io',
      baseUrl: suite.registry.url,
      credentials: suite.registry.user,
    });
    const e = await errorOf(client.tags(repositoryName('owner/image')));
    expect(e.code).toBe('unauthorized');
    expect(e.message).toContain(new URL(suite.registry.issuer!.realm).host);
    expect(e.hint).toMatch(/cross-host/);
    expect(suite.registry.issuer!.requests).toHaveLength(0);
  });

  it('keeps ghcr.io chunks at 4 MiB or less', async () => {
    const proxy = await startFaultProxy(suite.registry.url);
    try {
      const client = new RegistryClient({
        registry: 'ghcr.io',
        baseUrl: proxy.url,
        credentials: suite.registry.user,
        allowCrossHostRealm: true,
        chunkSize: 64 * 1024 * 1024,
      });
      expect(client.chunkSize).toBe(4 * 1024 * 1024);
      const data = Buffer.alloc(9 * 1024 * 1024, 3);
      await client.uploadBlob(repositoryName('owner/image'), [data]);
      expect(proxy.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
    } finally {
      await proxy.stop();
    }
  });
});

describe('registry client token sharing', () => {
  const suite = registrySuite({ mode: 'token' }, { seed: (r) => seedTags(r, 'team/app', ['1', '2', '3']) });

  it('fetches one token for many parallel requests with the same scope', async () => {
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    await client.ping();
    suite.registry.issuer!.requests.length = 0;
    const heads = await Promise.all(
      ['1', '2', '3', '1', '2', '3'].map((t) =>
        client.headManifest(repositoryName('team/app'), manifestReference(t)),
      ),
    );
    expect(new Set(heads.map((h) => h?.digest)).size).toBe(1);
    expect(suite.registry.issuer!.requests).toHaveLength(1);
  });
});
