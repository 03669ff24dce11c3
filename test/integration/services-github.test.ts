/**
 * The services with a GitHub-kind connection, against the ghcr-like front (real docker-registry behind it)
 * and the GitHub API stand-in: verify reports token scopes, repositories come from the Packages API, tag
 * details work without a catalog, and a tag delete goes through the API leaving its sibling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildImage, pushImage } from '../support/images';
import { callers, servicesInTempDir, type TestServices } from '../support/services';

let world: GhcrLikeWorld;
let sandbox: TestServices;
let connectionId: string;
const { ok } = callers(() => sandbox.services);

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme' });
  sandbox = await servicesInTempDir({ mode: 'electron', prefix: 'lading-services-gh-' });
  const image = await buildImage({ layers: [{ 'gh.txt': 'gh\n' }], created: '2024-05-01T00:00:00Z' });
  await pushImage(world.front.registry, image, 'acme/app:1.0');
  await pushImage(world.front.registry, image, 'acme/app:latest');
});

afterAll(async () => {
  await sandbox?.dispose();
  await world?.stop();
});

describe('services with a GitHub connection', () => {
  it('verifies a token with every package scope', async () => {
    const result = await ok('connections.verify', { draft: world.connectionInput });
    expect(result).toMatchObject({ ok: true, missingScopes: [] });
    expect(result.scopes).toEqual(
      expect.arrayContaining(['read:packages', 'write:packages', 'delete:packages']),
    );
    expect(result.summary).toMatch(/can pull, push and delete\./);
  });

  it('names the package scopes a token lacks', async () => {
    const reader = await ok('connections.verify', {
      draft: { ...world.connectionInput, username: 'reader', secret: world.standIn.tokens.reader },
    });
    expect(reader.missingScopes).toEqual(['write:packages', 'delete:packages']);
    expect(reader.summary).toMatch(/cannot push or delete/);
    const none = await ok('connections.verify', {
      draft: { ...world.connectionInput, username: 'norights', secret: world.standIn.tokens.noPackages },
    });
    expect(none.ok).toBe(false);
    expect(none.missingScopes).toContain('read:packages');
  });

  it('lists repositories from the Packages API, tags and details without a catalog', async () => {
    connectionId = (await ok('connections.save', world.connectionInput)).id;
    const repos = await ok('registry.repositories', { connectionId });
    expect(repos.source).toBe('github');
    expect(repos.repositories.map((r) => r.name)).toContain('acme/app');
    expect((await ok('registry.tags', { connectionId, repository: 'acme/app' })).sort()).toEqual([
      '1.0',
      'latest',
    ]);
    const details = await ok('registry.tagDetails', { connectionId, repository: 'acme/app', tags: ['1.0'] });
    expect(details[0]).toMatchObject({ created: '2024-05-01T00:00:00Z', platforms: ['linux/amd64'] });
  });

  it('deletes one tag through the GitHub API; its sibling stays', async () => {
    const { jobId } = await ok('jobs.delete', {
      connectionId,
      repository: 'acme/app',
      tags: ['latest'],
      digests: [],
    });
    const job = await sandbox.services.context.jobs.wait(jobId);
    expect(job).toMatchObject({ state: 'done' });
    expect(await ok('registry.tags', { connectionId, repository: 'acme/app' })).toEqual(['1.0']);
  });
});
