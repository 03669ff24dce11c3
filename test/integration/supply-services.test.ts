/** registry.supplyChain and registry.verifySignatures through the services, on a real docker-registry. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';
import { opensslKey, readText, seedSupplyChain, type TestKey } from '../support/supply-fixtures';

let registry: TestRegistry;
let t: TestServices;
let key: TestKey;
let connectionId: string;
const { ok, call } = callers(() => t.services);

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  t = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-supply-' });
  key = opensslKey('ecdsa');
  await seedSupplyChain(registry.url, registry.host, 'team/app', 'v1', key, [
    { name: 'openssl', version: '3.0.19', license: 'Apache-2.0' },
    { name: 'zlib', version: '1.3' },
  ]);
  connectionId = (await ok('connections.save', connectionTo(registry, 'supply'))).id;
}, 60_000);

afterAll(async () => {
  await t?.dispose();
  await registry?.stop();
});

describe('supply chain through the services', () => {
  it('referrers, the SBOM and the provenance summary in one answer', async () => {
    const s = await ok('registry.supplyChain', { connectionId, repository: 'team/app', reference: 'v1' });
    expect(s.referrers.map((r) => r.source).sort()).toEqual(['cosign', 'tag-schema', 'tag-schema']);
    expect(s.sbom?.packages).toEqual([
      { name: 'openssl', version: '3.0.19', license: 'Apache-2.0', purl: 'pkg:generic/openssl@3.0.19' },
      { name: 'zlib', version: '1.3', purl: 'pkg:generic/zlib@1.3' },
    ]);
    expect(s.provenance).toEqual([
      expect.objectContaining({ sourceRepository: 'https://github.com/acme/app', sourceCommit: 'a1b2c3d4' }),
    ]);
  });

  it('verifySignatures: the right key verifies, a wrong one does not, a non-key is refused', async () => {
    const request = { connectionId, repository: 'team/app', reference: 'v1' };
    const good = await ok('registry.verifySignatures', {
      ...request,
      keys: [{ name: 'release key', pem: readText(key.publicFile) }],
    });
    expect(good).toMatchObject({ verified: true, signatures: [{ valid: true, layout: 'cosign-sig' }] });
    expect(good.signatures[0]?.key).toContain('release key');
    const other = opensslKey('ed25519');
    const bad = await ok('registry.verifySignatures', {
      ...request,
      keys: [{ name: 'other', pem: readText(other.publicFile) }],
    });
    expect(bad.verified).toBe(false);
    const junk = await call('registry.verifySignatures', {
      ...request,
      keys: [{ name: 'junk', pem: 'hello' }],
    });
    expect(junk).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: 'junk is not a PEM public key.' },
    });
  });
});
