/**
 * Packages whose names start with their owner's name. On ghcr.io the registry path is OWNER/PACKAGE_NAME and
 * PACKAGE_NAME may contain `/`, so in org `acme` the paths `acme/x`, `acme/acme` and `acme/acme/x` are the
 * three different packages `x`, `acme` and `acme/x`. Through the services, called with the registry path as
 * the UI now passes it (`renderer-github-panels.test.tsx`), against the GitHub stand-in (OpenAPI-validated)
 * and the ghcr-like front over a real docker-registry.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildImage, pushImage } from '../support/images';
import { callers, servicesInTempDir, type TestServices } from '../support/services';

let world: GhcrLikeWorld;
let sandbox: TestServices;
let connectionId: string;
const { call, ok } = callers(() => sandbox.services);

const tagsOf = async (packageName: string) =>
  (await ok('github.versions', { connectionId, packageName, state: 'active' })).flatMap((v) => v.tags).sort();

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme' });
  sandbox = await servicesInTempDir({ mode: 'electron', prefix: 'lading-gh-owner-prefix-' });
  connectionId = (await ok('connections.save', world.connectionInput)).id;
  // Three images, so each package's only version has its own digest.
  for (const [path, tag] of [
    ['acme/x', 'plain'],
    ['acme/acme', 'owner-named'],
    ['acme/acme/x', 'prefixed'],
  ] as const) {
    const image = await buildImage({ layers: [{ 'which.txt': `${path}\n` }] });
    await pushImage(world.front.registry, image, `${path}:${tag}`);
  }
}, 120_000);

afterEach(() => {
  expect(world.standIn.violations).toEqual([]);
});

afterAll(async () => {
  await sandbox?.dispose();
  await world?.stop();
});

describe('package names that start with the owner', () => {
  it('are three packages, listed under their own registry paths', async () => {
    const names = world.standIn.findPackage('acme', 'acme/x')?.versions.flatMap((v) => v.tags);
    expect(names).toEqual(['prefixed']);
    const listed = await ok('registry.repositories', { connectionId });
    expect(listed.repositories.map((r) => r.name).sort()).toEqual(['acme/acme', 'acme/acme/x', 'acme/x']);
  });

  it('each registry path reaches its own package', async () => {
    expect(await tagsOf('acme/x')).toEqual(['plain']);
    expect(await tagsOf('acme/acme')).toEqual(['owner-named']);
    expect(await tagsOf('acme/acme/x')).toEqual(['prefixed']);
    const prefixed = await ok('github.package', { connectionId, packageName: 'acme/acme/x' });
    expect(prefixed).toMatchObject({ name: 'acme/x' });
    expect(prefixed.settingsUrl).toBe('https://github.com/orgs/acme/packages/container/acme%2Fx/settings');
    expect(await ok('github.package', { connectionId, packageName: 'acme/acme' })).toMatchObject({
      name: 'acme',
    });
    expect(await ok('github.package', { connectionId, packageName: 'acme/x' })).toMatchObject({ name: 'x' });
    // The API was asked for the package `acme/x` with its slash encoded.
    expect(
      world.standIn.requests.some(
        (r) => r.url.includes('/orgs/acme/packages/container/acme%2Fx/versions') && r.status === 200,
      ),
    ).toBe(true);
  });

  it('a name without a slash is a package of the connection owner', async () => {
    expect(await tagsOf('x')).toEqual(['plain']);
    expect(await tagsOf('acme')).toEqual(['owner-named']);
  });

  it('the tag details for a version resolve in the right registry repository', async () => {
    const [version] = await ok('github.versions', {
      connectionId,
      packageName: 'acme/acme/x',
      state: 'active',
    });
    // Roles come from the registry: an image found at acme/acme/x, not at acme/x.
    expect(version?.role).toBe('image');
    const details = await ok('registry.tagDetails', {
      connectionId,
      repository: 'acme/acme/x',
      tags: ['prefixed'],
    });
    expect(details[0]).toMatchObject({ tag: 'prefixed', digest: version?.digest });
  });

  it('deleting a version of acme/acme/x leaves the package acme/x alone', async () => {
    const [version] = await ok('github.versions', {
      connectionId,
      packageName: 'acme/acme/x',
      state: 'active',
    });
    const removed = await call('github.deleteVersion', {
      connectionId,
      packageName: 'acme/acme/x',
      versionId: version!.id,
    });
    expect(removed).toMatchObject({ ok: true, value: { removedTags: ['prefixed'] } });
    expect(await tagsOf('acme/acme/x')).toEqual([]);
    expect(await tagsOf('acme/x')).toEqual(['plain']);
    expect(await tagsOf('acme/acme')).toEqual(['owner-named']);
    await ok('github.restoreVersion', { connectionId, packageName: 'acme/acme/x', versionId: version!.id });
    expect(await tagsOf('acme/acme/x')).toEqual(['prefixed']);
  });
});
