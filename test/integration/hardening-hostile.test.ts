/**
 * The registry client against a registry that misbehaves on purpose (test/support/hostile-registry.ts).
 * Every case must end within a bounded time and memory with a specific LadingError whose message names what
 * was wrong (the digest, where relevant) and never carries a secret or the raw HTML the server sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { LadingError } from '../../electron/core/registry/errors';
import { manifestReference, repositoryName } from '../../electron/core/registry/names';
import { errorOf } from '../support/clients';
import { HOSTILE, type HostileRegistry, startHostileRegistry } from '../support/hostile-registry';
import { peakRssGrowth } from '../support/memory';

const MiB = 1024 * 1024;

/** Nothing a user must not see: secrets, auth headers, HTML from the server. */
function expectPresentable(e: LadingError, h: HostileRegistry, secrets: string[] = []): void {
  const text = `${e.message}\n${e.hint ?? ''}`;
  expect(text).not.toContain(h.htmlMarker);
  expect(text).not.toMatch(/<html|<script|<!DOCTYPE/i);
  expect(text).not.toMatch(/\b(Basic|Bearer) [A-Za-z0-9+/=._-]{8,}/);
  expect(text).not.toContain(h.password);
  for (const s of secrets) expect(text).not.toContain(s);
  expect(e.message.split('\n')).toHaveLength(1);
}

function rejection<T>(r: PromiseSettledResult<T>): LadingError {
  if (r.status === 'fulfilled') throw new Error('expected the call to fail');
  if (!(r.reason instanceof LadingError)) throw new Error(`expected a LadingError, got: ${String(r.reason)}`);
  return r.reason;
}

describe('hostile registry, open', () => {
  let h: HostileRegistry;
  let client: RegistryClient;

  beforeAll(async () => {
    h = await startHostileRegistry({ catalog: 'link-loop' });
    client = new RegistryClient({ registry: h.host, retryBaseMs: 5 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('serves the good image (sanity check of the fixture)', async () => {
    const m = await client.getManifest(repositoryName(HOSTILE.good), manifestReference('latest'));
    expect(m.digest).toBe(h.image.manifestDigest);
    const { config } = await client.getConfig(repositoryName(HOSTILE.good), {
      digest: h.image.configDigest,
      size: h.image.config.length,
    });
    expect(config.os).toBe('linux');
  });

  it('refuses a manifest whose content does not match the digest it claims (by tag and by digest)', async () => {
    for (const ref of ['latest', h.image.manifestDigest]) {
      const e = await errorOf(
        client.getManifest(repositoryName(HOSTILE.manifestMismatch), manifestReference(ref)),
      );
      expect(e.code).toBe('digest-mismatch');
      expect(e.message).toContain(h.image.manifestDigest);
      expectPresentable(e, h);
    }
  });

  it('refuses a layer blob whose bytes do not match its digest, naming the digest', async () => {
    const stream = await client.openBlob(repositoryName(HOSTILE.blobMismatch), {
      digest: h.image.layerDigest,
      size: h.image.layer.length,
    });
    const e = await errorOf(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    );
    expect(e.code).toBe('digest-mismatch');
    expect(e.message).toContain(h.image.layerDigest);
    expectPresentable(e, h);
  });

  it('refuses a config blob whose bytes do not match its digest, naming the digest', async () => {
    const e = await errorOf(
      client.getConfig(repositoryName(HOSTILE.configMismatch), {
        digest: h.image.configDigest,
        size: h.image.config.length,
      }),
    );
    expect(e.code).toBe('digest-mismatch');
    expect(e.message).toContain(h.image.configDigest);
  });

  it('refuses a manifest over 4 MiB, with or without Content-Length', async () => {
    for (const tag of ['declared', 'chunked']) {
      const { result, growth, ms } = await peakRssGrowth(() =>
        client.getManifest(repositoryName(HOSTILE.hugeManifest), manifestReference(tag)),
      );
      const e = rejection(result);
      expect(e.code).toBe('too-large');
      expect(e.message).toMatch(/manifest/i);
      expectPresentable(e, h);
      expect(ms).toBeLessThan(5000);
      expect(growth).toBeLessThan(64 * MiB);
    }
  });

  it('stops reading a tag list of millions of entries: bounded time and memory, too-large', {
    timeout: 30_000,
  }, async () => {
    const { result, growth, ms } = await peakRssGrowth(() => client.tags(repositoryName(HOSTILE.manyTags)));
    const e = rejection(result);
    expect(e.code).toBe('too-large');
    expectPresentable(e, h);
    expect(ms).toBeLessThan(15_000);
    // The list is about 36 MB on the wire; reading stops at the page limit and nothing is parsed.
    expect(growth).toBeLessThan(200 * MiB);
  });

  it('stops following a Link header that loops back to a page already seen', async () => {
    const before = h.requests.length;
    const e = await errorOf(client.tags(repositoryName(HOSTILE.linkLoop)));
    expect(e.code).toBe('protocol-error');
    expect(e.message).toMatch(/link|page/i);
    expect(h.requests.length - before).toBeLessThan(10);
  });

  it('stops following a catalog Link header that loops back', async () => {
    const e = await errorOf(client.catalog());
    expect(e.code).toBe('protocol-error');
  });

  it('stops a redirect loop and an endless redirect chain with protocol-error', async () => {
    for (const repo of [HOSTILE.redirectLoop, HOSTILE.redirectChain]) {
      const before = h.requests.length;
      const e = await errorOf(client.getManifest(repositoryName(repo), manifestReference('latest')));
      expect(e.code).toBe('protocol-error');
      expect(e.message).toMatch(/redirect/i);
      const blob = await errorOf(
        client.openBlob(repositoryName(repo), { digest: h.image.layerDigest, size: h.image.layer.length }),
      );
      expect(blob.code).toBe('protocol-error');
      // Bounded: a loop is noticed at once, a chain after the redirect limit; never retried many times over.
      expect(h.requests.length - before).toBeLessThan(60);
    }
  });

  it('cuts an endless manifest, blob and tag list: bounded time and memory', {
    timeout: 40_000,
  }, async () => {
    const manifest = await peakRssGrowth(() =>
      client.getManifest(repositoryName(HOSTILE.endless), manifestReference('latest')),
    );
    expect(rejection(manifest.result).code).toBe('too-large');
    expect(manifest.growth).toBeLessThan(64 * MiB);
    expect(manifest.ms).toBeLessThan(10_000);

    const blob = await peakRssGrowth(async () => {
      const s = await client.openBlob(repositoryName(HOSTILE.endless), {
        digest: h.image.layerDigest,
        size: h.image.layer.length,
      });
      for await (const _ of s) {
        // drain
      }
    });
    const be = rejection(blob.result);
    expect(be.code).toBe('too-large');
    expect(be.message).toContain(h.image.layerDigest);
    expect(blob.growth).toBeLessThan(64 * MiB);

    const tags = await peakRssGrowth(() => client.tags(repositoryName(HOSTILE.endless)));
    expect(rejection(tags.result).code).toBe('too-large');
    expect(tags.growth).toBeLessThan(200 * MiB);
    expect(tags.ms).toBeLessThan(15_000);
  });

  it('reports an HTML page served as a manifest, tag list or config as protocol-error, never echoing it', async () => {
    const calls = [
      () => client.getManifest(repositoryName(HOSTILE.html), manifestReference('latest')),
      () => client.tags(repositoryName(HOSTILE.html)),
      () =>
        client.getConfig(repositoryName(HOSTILE.html), {
          digest: h.image.configDigest,
          size: h.image.config.length,
        }),
    ];
    for (const call of calls) {
      const e = await errorOf(call());
      expect(['protocol-error', 'digest-mismatch']).toContain(e.code);
      expectPresentable(e, h);
    }
    const m = await errorOf(client.getManifest(repositoryName(HOSTILE.html), manifestReference('latest')));
    expect(m.code).toBe('protocol-error');
  });

  it('reports a 502 HTML error page as server-error after bounded retries, never echoing it', async () => {
    const before = h.requests.length;
    const e = await errorOf(
      client.getManifest(repositoryName(HOSTILE.htmlError), manifestReference('latest')),
    );
    expect(e.code).toBe('server-error');
    expect(e.message).toContain('502');
    expectPresentable(e, h);
    expect(h.requests.length - before).toBeLessThanOrEqual(1 + client.retries + 1);
  });
});

describe('hostile catalogs', () => {
  for (const mode of ['millions', 'html', 'endless'] as const) {
    it(`catalog: ${mode}`, { timeout: 30_000 }, async () => {
      const h = await startHostileRegistry({ catalog: mode });
      try {
        const client = new RegistryClient({ registry: h.host, retryBaseMs: 5 });
        const { result, growth, ms } = await peakRssGrowth(() => client.catalog());
        const e = rejection(result);
        expect(e.code).toBe(mode === 'html' ? 'protocol-error' : 'too-large');
        expectPresentable(e, h);
        expect(ms).toBeLessThan(15_000);
        expect(growth).toBeLessThan(200 * MiB);
      } finally {
        await h.stop();
      }
    });
  }
});

describe('hostile registry with Basic auth: a blob redirect to another host', () => {
  it('follows the redirect without sending Authorization to the other host', async () => {
    const h = await startHostileRegistry({ auth: 'basic' });
    try {
      const client = new RegistryClient({
        registry: h.host,
        credentials: { username: h.username, password: h.password },
      });
      const s = await client.openBlob(repositoryName(HOSTILE.redirectOtherHost), {
        digest: h.image.layerDigest,
        size: h.image.layer.length,
      });
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(h.image.layer)).toBe(true);
      // The registry itself got the credentials; the storage host did not.
      expect(
        h.requests.some((r) => r.path.includes('/blobs/') && r.authorization?.startsWith('Basic ')),
      ).toBe(true);
      expect(h.other.requests.length).toBeGreaterThan(0);
      expect(h.other.requests.every((r) => r.authorization === undefined)).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it('reports a wrong password as unauthorized without the password in the message', async () => {
    const h = await startHostileRegistry({ auth: 'basic' });
    try {
      const wrong = 'wrong-password-3b9d1e';
      const client = new RegistryClient({
        registry: h.host,
        credentials: { username: h.username, password: wrong },
      });
      const e = await errorOf(client.tags(repositoryName(HOSTILE.good)));
      expect(e.code).toBe('unauthorized');
      expectPresentable(e, h, [wrong]);
    } finally {
      await h.stop();
    }
  });
});

describe('hostile token services', () => {
  it('gives up on a 401 challenge loop after one re-authentication', async () => {
    const h = await startHostileRegistry({ auth: 'challenge-loop' });
    try {
      const secret = 'loop-password-55aa';
      const client = new RegistryClient({
        registry: h.host,
        credentials: { username: 'u', password: secret },
        retryBaseMs: 5,
      });
      const e = await errorOf(client.tags(repositoryName(HOSTILE.good)));
      expect(e.code).toBe('unauthorized');
      expectPresentable(e, h, [secret]);
      expect(h.requests.length).toBeLessThan(10);
    } finally {
      await h.stop();
    }
  });

  it('reports a token service answering HTML as protocol-error, never echoing it', async () => {
    const h = await startHostileRegistry({ auth: 'token-html' });
    try {
      const client = new RegistryClient({ registry: h.host, retryBaseMs: 5 });
      const e = await errorOf(client.tags(repositoryName(HOSTILE.good)));
      expect(e.code).toBe('protocol-error');
      expectPresentable(e, h);
    } finally {
      await h.stop();
    }
  });

  it('never sends saved credentials to a token realm on another host (HTTPS registry)', async () => {
    const h = await startHostileRegistry({ auth: 'bearer-cross-host', tls: true, hostnames: true });
    try {
      const secret = 'cross-host-password-77c1';
      const client = new RegistryClient({
        registry: h.host,
        credentials: { username: 'someone', password: secret },
        dispatcher: h.dispatcher,
        retryBaseMs: 5,
      });
      expect(client.transport.baseUrl.protocol).toBe('https:');
      const e = await errorOf(client.tags(repositoryName(HOSTILE.good)));
      expect(e.code).toBe('unauthorized');
      expect(e.message).toContain(h.other.host);
      expectPresentable(e, h, [secret]);
      expect(h.other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);

      // With the user's consent (allowCrossHostRealm) the same credentials are used.
      const consenting = new RegistryClient({
        registry: h.host,
        credentials: { username: 'someone', password: secret },
        dispatcher: h.dispatcher,
        allowCrossHostRealm: true,
      });
      expect(await consenting.tags(repositoryName(HOSTILE.good))).toEqual(['latest']);
      expect(h.other.requests.some((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    } finally {
      await h.stop();
    }
  });

  // "Same site" is the registrable domain by the Public Suffix List (private section too), not the last two
  // DNS labels, and loopback addresses are hosts of their own.
  it.each([
    {
      case: 'a.github.io → b.github.io (github.io is a public suffix)',
      names: { registry: 'a.github.io', other: 'b.github.io' },
      trusted: false,
    },
    {
      case: 'a.example.co.uk → b.example.co.uk (one site)',
      names: { registry: 'reg.example.co.uk', other: 'auth.example.co.uk' },
      trusted: true,
    },
    {
      case: 'x.co.uk → y.co.uk (co.uk is a public suffix)',
      names: { registry: 'x.co.uk', other: 'y.co.uk' },
      trusted: false,
    },
    { case: '127.0.0.1 → 127.0.0.2 (another loopback host)', names: undefined, trusted: false },
  ])('token realm $case: credentials sent only to the same site', async ({ names, trusted }) => {
    const h = await startHostileRegistry({ auth: 'bearer-cross-host', hostnames: names ?? false });
    try {
      const secret = 'site-rule-password-41d0';
      const client = new RegistryClient({
        registry: h.host,
        insecure: true,
        credentials: { username: 'someone', password: secret },
        dispatcher: h.dispatcher,
        retryBaseMs: 5,
      });
      if (trusted) {
        expect(await client.tags(repositoryName(HOSTILE.good))).toEqual(['latest']);
        expect(h.other.requests.some((r) => r.authorization?.startsWith('Basic '))).toBe(true);
      } else {
        const e = await errorOf(client.tags(repositoryName(HOSTILE.good)));
        expect(e.code).toBe('unauthorized');
        expect(e.message).toContain(h.other.host);
        expect(e.hint).toMatch(/allow cross-host token realms/);
        expectPresentable(e, h, [secret]);
        expect(h.other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
      }
    } finally {
      await h.stop();
    }
  });

  it('anonymous access through a cross-host realm still works (nothing secret to leak)', async () => {
    const h = await startHostileRegistry({ auth: 'bearer-cross-host', tls: true, hostnames: true });
    try {
      const client = new RegistryClient({ registry: h.host, dispatcher: h.dispatcher });
      expect(await client.tags(repositoryName(HOSTILE.good))).toEqual(['latest']);
      expect(h.other.requests.every((r) => r.authorization === undefined)).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it('never sends credentials to a plain-HTTP token realm of an HTTPS registry', async () => {
    const h = await startHostileRegistry({ auth: 'bearer-plain-http', tls: true, hostnames: true });
    try {
      expect(h.other.url.startsWith('http://')).toBe(true);
      const secret = 'plain-http-password-9e2f';
      const client = new RegistryClient({
        registry: h.host,
        credentials: { username: 'someone', password: secret },
        dispatcher: h.dispatcher,
        allowCrossHostRealm: true,
        retryBaseMs: 5,
      });
      const e = await errorOf(client.tags(repositoryName(HOSTILE.good)));
      expect(e.code).toBe('unauthorized');
      expect(e.hint ?? '').toMatch(/plain HTTP/i);
      expectPresentable(e, h, [secret]);
      expect(h.other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
