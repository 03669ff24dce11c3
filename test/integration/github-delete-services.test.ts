/**
 * The delete rules of issue #11 as the app reaches them: delete jobs and github.deleteVersion through the
 * services' dispatch, and github.deleteVersion through the browser bridge, against the ghcr-like world.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../../electron/app/bridge/server';
import { BRIDGE_TOKEN_HEADER } from '../../shared/bridge-protocol';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildImage, buildMultiPlatform, pushImage } from '../support/images';
import { callers, servicesInTempDir, type TestServices } from '../support/services';

let world: GhcrLikeWorld;
let sandbox: TestServices;
let bridge: Bridge;
let admin: string;
let pusher: string;
let wrongRegistry: string;
const { ok } = callers(() => sandbox.services);

function active(name: string) {
  return (world.standIn.findPackage('acme', name)?.versions ?? []).filter((v) => !v.deletedAt);
}

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme' });
  sandbox = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-gh-delete-' });
  const rendererDir = join(sandbox.dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Lading</title>');
  bridge = await startBridge({ services: sandbox.services, rendererDir });

  const app = await buildImage({ layers: [{ 'app.txt': 'services delete\n' }] });
  await pushImage(world.front.registry, app, 'acme/app:1.0');
  await pushImage(world.front.registry, app, 'acme/app:latest');
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    tag: '1.0',
  });
  await pushImage(world.front.registry, multi, 'acme/multi:1.0', { all: true });

  admin = (await ok('connections.save', world.connectionInput)).id;
  // write:packages without delete:packages (its registry login does not matter: nothing may get that far).
  pusher = (
    await ok('connections.save', {
      ...world.connectionInput,
      name: 'acme as pusher',
      username: 'pusher',
      secret: world.standIn.tokens.pusher,
    })
  ).id;
  // The right API and token, but a registry host where nothing answers: roles cannot be read.
  wrongRegistry = (
    await ok('connections.save', {
      ...world.connectionInput,
      name: 'acme, wrong host',
      registry: '127.0.0.1:1',
    })
  ).id;
});

afterEach(() => {
  expect(world.standIn.violations).toEqual([]);
});

afterAll(async () => {
  await bridge?.close();
  await sandbox?.dispose();
  await world?.stop();
});

describe('delete rules through the services', () => {
  it('a delete job with a token that cannot delete fails up front naming delete:packages; the tag stays', async () => {
    const { jobId } = await ok('jobs.delete', {
      connectionId: pusher,
      repository: 'acme/app',
      tags: ['latest'],
      digests: [],
    });
    const job = await sandbox.services.context.jobs.wait(jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('denied');
    expect(job.error?.message).toContain('delete:packages');
    expect(active('app').map((v) => v.tags.sort())).toEqual([['1.0', 'latest']]);
  });

  it('github.deleteVersion refuses an untagged version when the registry cannot be read', async () => {
    const child = active('multi').find((v) => v.tags.length === 0);
    const res = await fetch(`${bridge.origin}/api/call/github.deleteVersion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token },
      body: JSON.stringify({ connectionId: wrongRegistry, packageName: 'acme/multi', versionId: child?.id }),
    });
    const body = (await res.json()) as {
      ok: boolean;
      error?: { code: string; message: string; hint?: string };
    };
    expect(body).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(body.error?.message).toMatch(/Cannot tell whether untagged version/);
    expect(active('multi').map((v) => v.id)).toContain(child?.id);
  });

  it('the same connection with a readable registry deletes a tag through a job', async () => {
    const { jobId } = await ok('jobs.delete', {
      connectionId: admin,
      repository: 'acme/app',
      tags: ['latest'],
      digests: [],
    });
    expect(await sandbox.services.context.jobs.wait(jobId)).toMatchObject({ state: 'done' });
    expect(active('app').map((v) => v.tags)).toEqual([['1.0']]);
  });
});
