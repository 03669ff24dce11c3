/**
 * Deletes from the command line (issue #11): `lading delete` on a GitHub host goes through the packages API
 * with the app's guards, on a registry that refuses DELETE it changes nothing, and `lading gh
 * delete-version` refuses an untagged version whose role cannot be read unless --force.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { digestOf } from '../../electron/core/registry/digest';
import { manifestReference, repositoryName, tagName } from '../../electron/core/registry/names';
import { deleteTag, tagImage } from '../../electron/core/registry/tagging';
import { startFaultProxy } from '../support/fault-proxy';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildImage, buildMultiPlatform, pushImage } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let world: GhcrLikeWorld;
let noDeletes: TestRegistry;
let sandbox: CliSandbox;
let childDigest: string;

function githubClient(): RegistryClient {
  return new RegistryClient({ registry: world.front.host, credentials: world.registry.user, retries: 0 });
}

/** `lading …` with the GitHub stand-in as the API of the front's host (a GHES-style LADING_GITHUB_REGISTRY). */
function lading(args: string[], env: NodeJS.ProcessEnv = {}) {
  return sandbox.lading(args, {
    env: { LADING_GITHUB_REGISTRY: world.front.host, LADING_GITHUB_API: world.standIn.apiUrl, ...env },
  });
}

function active(name: string) {
  return (world.standIn.findPackage('acme', name)?.versions ?? []).filter((v) => !v.deletedAt);
}

async function revisions(registry: TestRegistry, repository: string): Promise<number> {
  const dir = join(
    registry.storageDir,
    'docker/registry/v2/repositories',
    repository,
    '_manifests/revisions/sha256',
  );
  return (await readdir(dir)).length;
}

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme' });
  noDeletes = await startRegistry({ mode: 'open', deleteEnabled: false });
  sandbox = await cliSandbox();
  // The machine's docker login for the front: its password is a classic PAT, as on ghcr.io.
  await mkdir(sandbox.dockerConfig, { recursive: true });
  const auth = Buffer.from(`${world.username}:${world.token}`).toString('base64');
  await writeFile(
    join(sandbox.dockerConfig, 'config.json'),
    JSON.stringify({ auths: { [world.front.host]: { auth } } }),
  );
  const app = await buildImage({ layers: [{ 'app.txt': 'cli delete\n' }] });
  await pushImage(world.front.registry, app, 'acme/app:1.0');
  for (const tag of ['latest', 'old']) {
    await tagImage(
      githubClient(),
      { repository: repositoryName('acme/app'), reference: manifestReference('1.0') },
      { repository: repositoryName('acme/app'), tag: tagName(tag) },
    );
  }
  await pushImage(noDeletes, app, 'plain/app:a');
  await pushImage(noDeletes, app, 'plain/app:b');
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    tag: '1.0',
  });
  await pushImage(world.front.registry, multi, 'acme/multi:1.0', { all: true });
  childDigest = active('multi').find((v) => v.tags.length === 0)?.digest as string;
});

afterEach(() => {
  expect(world.standIn.violations).toEqual([]);
  world.front.faults.garbleManifest = undefined;
});

afterAll(async () => {
  await sandbox?.cleanup();
  await noDeletes?.stop();
  await world?.stop();
});

describe('lading delete on a GitHub host', () => {
  it('deletes one tag through the packages API with the docker login as token; siblings stay', async () => {
    const r = await lading(['delete', `${world.front.host}/acme/app:old`, '--yes', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ removedTags: ['old'] });
    expect(active('app').map((v) => v.tags.sort())).toEqual([['1.0', 'latest']]);
    expect(
      await githubClient().headManifest(repositoryName('acme/app'), manifestReference('old')),
    ).toBeUndefined();
  });

  it('a read-only token is refused up front, naming delete:packages and write:packages', async () => {
    const r = await lading(['delete', `${world.front.host}/acme/app:latest`, '--yes'], {
      GH_TOKEN: world.standIn.tokens.reader,
    });
    expect(r.code).not.toBe(0);
    const { message, hint } = expectOneLineError(r.stderr);
    expect(message).toContain('delete:packages');
    expect(message).toContain('write:packages');
    expect(hint).not.toMatch(/administrator/);
    expect(active('app').map((v) => v.tags.sort())).toEqual([['1.0', 'latest']]);
  });

  it('lading gh delete-tag with write:packages but no delete:packages: refused, the tag stays', async () => {
    const r = await lading(['gh', 'delete-tag', 'acme/app:latest', '--yes', '--registry', world.front.host], {
      GH_TOKEN: world.standIn.tokens.pusher,
    });
    expect(r.code).not.toBe(0);
    const { message } = expectOneLineError(r.stderr);
    expect(message).toContain('delete:packages');
    expect(message).toContain('nothing was changed');
    expect(active('app').map((v) => v.tags.sort())).toEqual([['1.0', 'latest']]);
  });

  it('refuses a platform manifest of a tagged index by digest (the same guard as the app)', async () => {
    const r = await lading(['delete', `${world.front.host}/acme/multi@${childDigest}`, '--yes']);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r.stderr).message).toMatch(/would break/);
    expect(active('multi').map((v) => v.digest)).toContain(childDigest);
  });
});

describe('lading gh delete-version fails closed when roles cannot be read', () => {
  const gh = (args: string[]) => lading(['gh', ...args, '--yes'], { GH_TOKEN: world.token });

  it('an unreachable (wrong) --registry: refused unless --force', async () => {
    const r = await gh(['delete-version', 'acme/multi', childDigest, '--registry', '127.0.0.1:1']);
    expect(r.code).not.toBe(0);
    const { message, hint } = expectOneLineError(r.stderr);
    expect(message).toMatch(/Cannot tell whether untagged version/);
    expect(hint).toContain('--force');
    expect(active('multi').map((v) => v.digest)).toContain(childDigest);
  });

  it('an index that does not parse: refused', async () => {
    world.front.faults.garbleManifest = (repo, ref) => repo === 'acme/multi' && ref !== childDigest;
    const r = await gh(['delete-version', 'acme/multi', childDigest, '--registry', world.front.host]);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r.stderr).message).toMatch(/Cannot tell whether untagged version/);
    expect(active('multi').map((v) => v.digest)).toContain(childDigest);
  });

  it('--force deletes it anyway, saying the role was unknown', async () => {
    const r = await gh(['delete-version', 'acme/multi', childDigest, '--registry', '127.0.0.1:1', '--force']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--force: deleting without knowing/);
    expect(active('multi').map((v) => v.digest)).not.toContain(childDigest);
  });
});

describe('lading delete on a registry that refuses DELETE', () => {
  it('a tag with a sibling: refused before anything is pushed (no placeholder manifest, no blob)', async () => {
    const client = new RegistryClient({ registry: noDeletes.host, retries: 0 });
    const before = await revisions(noDeletes, 'plain/app');
    const digest = (await client.headManifest(repositoryName('plain/app'), manifestReference('b')))?.digest;
    const r = await sandbox.lading(['delete', `${noDeletes.host}/plain/app:b`, '--yes']);
    expect(r.code).not.toBe(0);
    const { message, hint } = expectOneLineError(r.stderr);
    expect(message).toMatch(/does not allow deleting manifests.*nothing was changed/);
    expect(hint).toMatch(/storage\.delete\.enabled/);
    expect((await client.headManifest(repositoryName('plain/app'), manifestReference('b')))?.digest).toBe(
      digest,
    );
    expect(await revisions(noDeletes, 'plain/app')).toBe(before);
    expect(await client.blobExists(repositoryName('plain/app'), digestOf(Buffer.from('{}')))).toBe(false);
  });

  it('a digest: refused with what would make it work', async () => {
    const client = new RegistryClient({ registry: noDeletes.host, retries: 0 });
    const digest = (await client.headManifest(repositoryName('plain/app'), manifestReference('a')))?.digest;
    const r = await sandbox.lading(['delete', `${noDeletes.host}/plain/app@${digest}`, '--yes']);
    expect(r.code).not.toBe(0);
    const { message, hint } = expectOneLineError(r.stderr);
    expect(message).toMatch(/does not allow deleting manifests/);
    expect(hint).toMatch(/storage\.delete\.enabled/);
    expect((await client.headManifest(repositoryName('plain/app'), manifestReference('a')))?.digest).toBe(
      digest,
    );
  });
});

describe('a tag delete on a registry that fails after the tag moved', () => {
  it('puts the tag back and removes the placeholder manifest and the blob it uploaded', async () => {
    const plain = await startRegistry({ mode: 'open' });
    const proxy = await startFaultProxy(plain.url);
    try {
      const app = await buildImage({ layers: [{ 'app.txt': 'generic rollback\n' }] });
      await pushImage(plain, app, 'plain/app:a');
      await pushImage(plain, app, 'plain/app:b');
      const client = new RegistryClient({ registry: proxy.host, retries: 0 });
      const digest = (await client.headManifest(repositoryName('plain/app'), manifestReference('b')))?.digest;
      // The first manifest DELETE (the "do deletes work?" probe) goes through; the placeholder's fails.
      const manifestDelete = { method: 'DELETE', path: /\/manifests\// };
      proxy.rules.push(
        { match: manifestDelete, kind: 'stall', ms: 0 },
        { match: manifestDelete, kind: 'status', status: 500 },
      );
      await expect(deleteTag(client, repositoryName('plain/app'), tagName('b'))).rejects.toMatchObject({
        code: 'server-error',
      });
      const failed = proxy.requests.find((r) => r.method === 'DELETE' && r.status === 500);
      const placeholder = /manifests\/(sha256:[a-f0-9]{64})/.exec(failed?.path ?? '')?.[1] as string;
      expect(placeholder).toBeTruthy();
      expect((await client.headManifest(repositoryName('plain/app'), manifestReference('b')))?.digest).toBe(
        digest,
      );
      expect((await client.headManifest(repositoryName('plain/app'), manifestReference('a')))?.digest).toBe(
        digest,
      );
      expect(
        await client.headManifest(repositoryName('plain/app'), manifestReference(placeholder)),
      ).toBeUndefined();
      expect(await client.blobExists(repositoryName('plain/app'), digestOf(Buffer.from('{}')))).toBe(false);
    } finally {
      await proxy.stop();
      await plain.stop();
    }
  });
});
