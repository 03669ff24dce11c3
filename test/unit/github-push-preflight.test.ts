import { describe, expect, it } from 'vitest';
import type { ArchiveManifestImage } from '../../electron/core/archive/formats';
import {
  githubKindForPushTarget,
  githubPreflightForHost,
  githubPushPreflight,
} from '../../electron/core/github/push-preflight';
import { repositoryName, tagName } from '../../electron/core/registry/names';
import type { Reference } from '../../electron/core/registry/reference';
import type { PushPlan } from '../../electron/core/transfer/push';

const GiB = 1024 ** 3;

function image(opts: {
  labels?: Record<string, string>;
  layers?: ArchiveManifestImage['layers'];
}): ArchiveManifestImage {
  return {
    kind: 'image',
    names: [],
    origin: 'docker',
    configDigest: 'sha256:c',
    configBytes: Buffer.from('{}'),
    config: { config: { Labels: opts.labels }, rootfs: { type: 'layers', diff_ids: [] } },
    layers: opts.layers ?? [],
  };
}

function plan(ref: string, images: ArchiveManifestImage[], extra: Partial<PushPlan> = {}): PushPlan {
  const [registry, rest] = [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)];
  const [repository, tag] = rest.split(':') as [string, string];
  const target: Reference = { registry, repository: repositoryName(repository), tag: tagName(tag) };
  return { target, tag, images, ...extra };
}

describe('GitHub push preflight', () => {
  it('knows GitHub hosts by name, and GHES hosts the caller names', () => {
    expect(githubKindForPushTarget('ghcr.io')).toBe('ghcr');
    expect(githubKindForPushTarget('docker.pkg.github.com')).toBe('github-docker');
    expect(githubKindForPushTarget('containers.acme.ghe.com')).toBe('ghes');
    expect(githubKindForPushTarget('registry.example.com')).toBeUndefined();
    expect(githubKindForPushTarget('127.0.0.1:5000', ['127.0.0.1:5000'])).toBe('ghes');
    expect(githubPreflightForHost('registry.example.com')).toBeUndefined();
  });

  it('refuses docker.pkg.github.com names and foreign layers by default', () => {
    const hook = githubPreflightForHost('docker.pkg.github.com');
    // (parseReference already refuses a two-part docker.pkg.github.com name; the rule holds on its own too.)
    const r = hook?.(
      plan('docker.pkg.github.com/acme/app:1', [
        image({ layers: [{ diffId: 'sha256:f', size: 0, storedAs: 'foreign' }] }),
      ]),
    );
    expect(r?.errors.join('\n')).toMatch(/OWNER\/REPOSITORY\/IMAGE_NAME/);
    expect(r?.errors.join('\n')).toMatch(/foreign layers/);
  });

  it('errors on a compressed layer over the cap, warns on an uncompressed one', () => {
    const hook = githubPushPreflight({ kind: 'ghcr', registry: 'ghcr.io' });
    const compressed = hook(
      plan('ghcr.io/acme/app:1', [image({ layers: [{ diffId: 'x', size: 11 * GiB, storedAs: 'gzip' }] })]),
    );
    expect(compressed.errors.join()).toMatch(/10 GB/);
    const raw = hook(
      plan('ghcr.io/acme/app:1', [image({ layers: [{ diffId: 'x', size: 11 * GiB, storedAs: 'tar' }] })]),
    );
    expect(raw.errors).toEqual([]);
    expect(raw.warnings.join()).toMatch(/uncompressed.*10 GB/);
  });

  it('reads labels from the config and the description from a pushed index', () => {
    const hook = githubPushPreflight({ kind: 'ghcr', registry: 'ghcr.io' });
    const single = hook(
      plan('ghcr.io/acme/app:1', [
        image({ labels: { 'org.opencontainers.image.licenses': 'x'.repeat(300) } }),
      ]),
    );
    expect(single.warnings.join()).toMatch(/300 characters/);
    const multi = hook(
      plan('ghcr.io/acme/app:1', [image({}), image({})], {
        index: { schemaVersion: 2, manifests: [] },
      }),
    );
    expect(multi.warnings.join()).toMatch(/no description annotation on its index/);
  });
});
