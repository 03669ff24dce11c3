import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { digestName, repositoryName } from '../../electron/core/registry/names';
import { registrySuite } from '../support/clients';
import { sha256 } from '../support/digest';

describe('token reuse: a token asked for more scopes serves the requests that need fewer', () => {
  const suite = registrySuite({ mode: 'token', anonymousPull: ['public/'] });

  it("a push's token (pull,push) serves its HEADs and reads: one token request per repository", async () => {
    const issuer = suite.registry.issuer!;
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    await client.ping();
    issuer.requests.length = 0;
    const repo = repositoryName('team/reuse');
    const data = randomBytes(4000);
    const r = await client.uploadBlob(repo, [data], { size: data.length });
    expect(r.digest).toBe(sha256(data));
    expect(await client.blobExists(repo, r.digest)).toBe(true);
    expect(await client.blobExists(repo, digestName(sha256(randomBytes(10))))).toBe(false);
    await client.tags(repo).catch(() => []);
    expect(issuer.requests.map((q) => q.scopes)).toEqual([['repository:team/reuse:pull,push']]);
    // Another repository is another resource: its own token.
    await client.blobExists(repositoryName('team/other'), r.digest);
    expect(issuer.requests.map((q) => q.scopes)).toEqual([
      ['repository:team/reuse:pull,push'],
      ['repository:team/other:pull'],
    ]);
  });

  it('concurrent requests for fewer scopes wait for the wider token already asked for', async () => {
    const issuer = suite.registry.issuer!;
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.user });
    await client.ping();
    issuer.requests.length = 0;
    const repo = repositoryName('team/together');
    const data = randomBytes(3000);
    const upload = client.uploadBlob(repo, [data], { size: data.length });
    // Asked while the push token is on its way: no second token request.
    await new Promise((r) => setImmediate(r));
    const [, exists] = await Promise.all([upload, client.blobExists(repo, digestName(sha256(data)))]);
    expect(typeof exists).toBe('boolean');
    expect(issuer.requests.map((q) => q.scopes)).toEqual([['repository:team/together:pull,push']]);
  });

  it('a login the issuer grants only pull: the refused push asks once more, then its token serves the HEAD', async () => {
    const issuer = suite.registry.issuer!;
    const client = new RegistryClient({ registry: suite.registry.host, credentials: suite.registry.reader });
    await client.ping();
    issuer.requests.length = 0;
    const repo = repositoryName('public/reuse');
    const data = randomBytes(100);
    const e = await client.uploadBlob(repo, [data], { size: data.length }).catch((x: unknown) => x);
    expect((e as { code?: string }).code).toBe('denied');
    // The token it got grants pull (the access claim), which is all the HEAD needs: no third token request.
    expect(await client.blobExists(repo, digestName(sha256(data)))).toBe(false);
    expect(issuer.requests.map((q) => q.scopes)).toEqual([
      ['repository:public/reuse:pull,push'],
      ['repository:public/reuse:pull,push'],
    ]);
  });
});
