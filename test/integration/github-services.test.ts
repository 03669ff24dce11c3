/**
 * The app's view of a GitHub organization: the services (as the renderer calls them through `dispatch`)
 * with a ghcr connection to the ghcr-like world (stand-in API + real registry, one login for both).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildImage, buildMultiPlatform, pushImage } from '../support/images';
import { callers, servicesInTempDir, type TestServices } from '../support/services';

let world: GhcrLikeWorld;
let sandbox: TestServices;
let connectionId: string;
const { call, ok } = callers(() => sandbox.services);

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme', anonymousPull: ['acme/site'] });
  sandbox = await servicesInTempDir({
    mode: 'bridge',
    prefix: 'lading-gh-services-',
    encryptedSecrets: true,
  });
  const app = await buildImage({
    layers: [{ 'app.txt': 'services app\n' }],
    labels: {
      'org.opencontainers.image.description': 'The app',
      'org.opencontainers.image.source': 'https://github.com/acme/app',
    },
  });
  await pushImage(world.front.registry, app, 'acme/app:1.0');
  await pushImage(world.front.registry, app, 'acme/app:stable');
  const site = await buildImage({ layers: [{ 'index.html': '<h1>hi</h1>\n' }] });
  await pushImage(world.front.registry, site, 'acme/site:latest');
  world.standIn.setVisibility('acme', 'site', 'public');
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    tag: '3',
  });
  await pushImage(world.front.registry, multi, 'acme/multi:3', { all: true });
  connectionId = (await ok('connections.save', world.connectionInput)).id;
});

afterEach(() => {
  expect(world.standIn.violations).toEqual([]);
});

afterAll(async () => {
  await sandbox?.dispose();
  await world?.stop();
});

describe('a GitHub organization through the services', () => {
  it('verifies the connection and reports the token scopes', async () => {
    const verify = await ok('connections.verify', { id: connectionId });
    expect(verify.scopes).toEqual(
      expect.arrayContaining(['read:packages', 'write:packages', 'delete:packages']),
    );
    expect(verify.missingScopes).toEqual([]);
  });

  it('lists packages with visibility instead of the (missing) catalog', async () => {
    const repos = await ok('registry.repositories', { connectionId });
    expect(repos.source).toBe('github');
    expect(repos.repositories).toEqual([
      expect.objectContaining({ name: 'acme/app', visibility: 'private', versionCount: 1 }),
      expect.objectContaining({ name: 'acme/multi', visibility: 'private', versionCount: 3 }),
      expect.objectContaining({ name: 'acme/site', visibility: 'public' }),
    ]);
    expect(await ok('registry.tags', { connectionId, repository: 'acme/app' })).toEqual(['1.0', 'stable']);
  });

  it('shows package details, versions with roles, and refuses to delete a platform child', async () => {
    const site = await ok('github.package', { connectionId, packageName: 'acme/site' });
    expect(site).toMatchObject({ visibility: 'public', anonymousPull: true });
    const app = await ok('github.package', { connectionId, packageName: 'acme/app' });
    expect(app).toMatchObject({ visibility: 'private', anonymousPull: false });

    const versions = await ok('github.versions', {
      connectionId,
      packageName: 'acme/multi',
      state: 'active',
    });
    const child = versions.find((v) => v.role === 'platform-child');
    expect(child?.platform).toMatch(/^linux\//);
    const refused = await call('github.deleteVersion', {
      connectionId,
      packageName: 'acme/multi',
      versionId: child?.id as number,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('a delete job removes one tag through the GitHub API and keeps its sibling', async () => {
    const { jobId } = await ok('jobs.delete', {
      connectionId,
      repository: 'acme/app',
      tags: ['stable'],
      digests: [],
    });
    const job = await sandbox.services.context.jobs.wait(jobId);
    expect(job).toMatchObject({ state: 'done' });
    expect(await ok('registry.tags', { connectionId, repository: 'acme/app' })).toEqual(['1.0']);
    const versions = await ok('github.versions', { connectionId, packageName: 'acme/app', state: 'active' });
    expect(versions.map((v) => v.tags)).toEqual([['1.0']]);
  });
});
