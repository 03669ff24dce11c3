import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectArchive } from '../../electron/core/archive/inspect';
import { githubPreflightForHost } from '../../electron/core/github/push-preflight';
import { parseReference } from '../../electron/core/registry/reference';
import { type PushClient, pushArchive } from '../../electron/core/transfer/push';

let dir: string;
let archive: string;
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A docker save (≤24) of a Windows-style image: a foreign base layer (LayerSources, not in the tar) + one layer. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-foreign-'));
  archive = join(dir, 'win.tar');
  const own = Buffer.alloc(1024); // an empty tar (two zero blocks)
  const foreignDiff = sha('foreign base');
  const config = JSON.stringify({
    os: 'windows',
    architecture: 'amd64',
    rootfs: { type: 'layers', diff_ids: [foreignDiff, sha(own)] },
  });
  const cfgName = `${sha(config).slice(7)}.json`;
  const p = pack();
  const done = pipeline(p, createWriteStream(archive));
  p.entry({ name: cfgName }, config);
  p.entry({ name: 'own/layer.tar' }, own);
  p.entry(
    { name: 'manifest.json' },
    JSON.stringify([
      {
        Config: cfgName,
        RepoTags: ['win/app:1'],
        Layers: ['base/layer.tar', 'own/layer.tar'],
        LayerSources: {
          [foreignDiff]: {
            mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
            size: 123,
            digest: sha('compressed foreign base'),
            urls: ['https://example.invalid/base'],
          },
        },
      },
    ]),
  );
  p.finalize();
  await done;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A client that fails the test if the pipeline ever talks to the registry. */
const offline: PushClient = {
  blobExists: () => Promise.reject(new Error('no network expected')),
  mountBlob: () => Promise.reject(new Error('no network expected')),
  uploadBlob: () => Promise.reject(new Error('no network expected')),
  putManifest: () => Promise.reject(new Error('no network expected')),
};

describe('foreign layers', () => {
  it('are listed with the image, not required in the archive', async () => {
    const summary = await inspectArchive(archive);
    expect(summary.images[0]).toMatchObject({
      repoTags: ['win/app:1'],
      platforms: ['windows/amd64'],
      layers: 2,
    });
  });

  it('are refused for docker.pkg.github.com before anything is sent', async () => {
    await expect(
      pushArchive({
        archivePath: archive,
        target: parseReference('docker.pkg.github.com/o/r/app:1'),
        client: offline,
        preflight: githubPreflightForHost('docker.pkg.github.com'),
      }),
    ).rejects.toThrow(/docker\.pkg\.github\.com does not accept foreign/);
  });
});
