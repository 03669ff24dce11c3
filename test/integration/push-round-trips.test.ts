import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryName } from '../../electron/core/registry/names';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { pushArchive } from '../../electron/core/transfer/push';
import { startFaultProxy } from '../support/fault-proxy';
import { buildImage, skopeoCopy, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { buildSampleImage, clientFor, tempDir } from './archive-fixtures';

let registry: TestRegistry;
let archive: string;

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  const dir = await tempDir();
  archive = join(dir, 'docker.tar');
  await writeArchive(await buildSampleImage('v1'), 'docker-archive', archive, { refName: 'sample/app:v1' });
});

afterAll(async () => {
  await closeGzipPool();
  await registry?.stop();
});

/** What a push sent, as `METHOD[ ?digest] kind`, in order of arrival (kind: ping, upload, blob, manifest). */
function sent(requests: { method: string; path: string }[]): string[] {
  return requests.map((q) => {
    const kind =
      q.path === '/v2/'
        ? 'ping'
        : /\/blobs\/uploads\//.test(q.path)
          ? 'upload'
          : /\/manifests\//.test(q.path)
            ? 'manifest'
            : 'blob';
    return `${q.method}${q.path.includes('digest=') ? ' ?digest' : ''} ${kind}`;
  });
}

describe('the round trips of a push of small layers', () => {
  it('docker-registry: ping, then per blob POST and PUT with the body (no HEAD, no PATCH), the manifest last', async () => {
    const proxy = await startFaultProxy(registry.url);
    try {
      await pushArchive({
        archivePath: archive,
        target: parseReference(`${registry.host}/trips/plain:1`),
        client: clientFor(registry, { baseUrl: proxy.url }),
      });
      const s = sent(proxy.requests);
      expect(s[0]).toBe('GET ping');
      expect(s.at(-1)).toBe('PUT manifest');
      // Three blobs (config, two layers): one asks with its body (202, the session takes the PUT).
      expect(s.filter((x) => x.endsWith('upload')).sort()).toEqual(
        [
          'POST ?digest upload',
          'POST upload',
          'POST upload',
          'PUT ?digest upload',
          'PUT ?digest upload',
          'PUT ?digest upload',
        ].sort(),
      );
      expect(s.some((x) => x.startsWith('HEAD') || x.startsWith('PATCH'))).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it('a registry that takes the monolithic POST: one request per blob, and skopeo reads the image back', async () => {
    const proxy = await startFaultProxy(registry.url);
    proxy.rules.push({ kind: 'single-post', match: { method: 'POST', path: /\?digest=/ }, times: Infinity });
    try {
      // Its own layers: blobs this process pushed before would be HEADed and mounted instead.
      const own = join(await tempDir(), 'own.tar');
      const image = await buildImage({
        layers: [{ 'a.txt': randomBytes(20_000).toString('hex') }, { 'b.bin': randomBytes(100_000) }],
      });
      await writeArchive(image, 'docker-archive', own, { refName: 'sample/own:1' });
      const client = clientFor(registry, { baseUrl: proxy.url });
      // A first small upload learns that the registry takes it; the push then uses it for every blob.
      await client.uploadBlob(repositoryName('trips/one'), [randomBytes(100)], { size: 100 });
      proxy.requests.length = 0;
      await pushArchive({
        archivePath: own,
        target: parseReference(`${registry.host}/trips/one:1`),
        client,
      });
      expect(sent(proxy.requests)).toEqual([
        'POST ?digest upload',
        'POST ?digest upload',
        'POST ?digest upload',
        'PUT manifest',
      ]);
      const out = await tempDir();
      await skopeoCopy(`docker://${registry.host}/trips/one:1`, `docker-archive:${join(out, 'back.tar')}`);
    } finally {
      await proxy.stop();
    }
  });
});
