/** `lading gh …` against the GitHub stand-in and the ghcr-like front of a real registry. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GhcrLikeFront, startGhcrLikeFront } from '../support/github-ghcr-like';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-standin';
import { buildImage, buildMultiPlatform, pushImage } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type CliSandbox, cliSandbox } from './cli-helpers';

let registry: TestRegistry;
let standIn: GitHubStandIn;
let front: GhcrLikeFront;
let sandbox: CliSandbox;

interface VersionJson {
  id: number;
  digest: string;
  tags: string[];
  createdAt: string;
  role: string;
  platform?: string;
}

function gh(args: string[], token = standIn.tokens.admin) {
  return sandbox.lading(['gh', ...args, '--registry', front.host], {
    env: { GH_TOKEN: token, LADING_GITHUB_API: standIn.apiUrl },
  });
}

async function ghJson<T>(args: string[]): Promise<T> {
  const r = await gh([...args, '--json']);
  if (r.code !== 0) throw new Error(`lading gh ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  registry = await startRegistry({ mode: 'token' });
  standIn = await startGitHubStandIn({ owners: [{ login: 'acme', type: 'Organization' }], registry });
  front = await startGhcrLikeFront({ registry, standIn });
  sandbox = await cliSandbox();
  // The registry login the CLI uses for manifest reads (docker login's config.json).
  await mkdir(sandbox.dockerConfig, { recursive: true });
  const auth = Buffer.from(`${registry.user?.username}:${registry.user?.password}`).toString('base64');
  await writeFile(
    join(sandbox.dockerConfig, 'config.json'),
    JSON.stringify({ auths: { [front.host]: { auth } } }),
  );

  const app = await buildImage({ layers: [{ 'app.txt': 'cli app\n' }] });
  await pushImage(front.registry, app, 'acme/app:1.0');
  await pushImage(front.registry, app, 'acme/app:latest');
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    tag: '2.0',
  });
  await pushImage(front.registry, multi, 'acme/multi:2.0', { all: true });
  standIn.setVisibility('acme', 'multi', 'public');
});

afterEach(() => {
  expect(standIn.violations).toEqual([]);
});

afterAll(async () => {
  await sandbox?.cleanup();
  await front?.stop();
  await standIn?.stop();
  await registry?.stop();
});

describe('lading gh', () => {
  it('packages OWNER --json: [{name, visibility, repository, versionCount, updatedAt}]', async () => {
    const list = await ghJson<Array<Record<string, unknown>>>(['packages', 'acme']);
    expect(list.map((p) => Object.keys(p).sort())).toEqual([
      ['name', 'repository', 'updatedAt', 'versionCount', 'visibility'],
      ['name', 'repository', 'updatedAt', 'versionCount', 'visibility'],
    ]);
    expect(list).toEqual([
      expect.objectContaining({ name: 'app', visibility: 'private', repository: null, versionCount: 1 }),
      expect.objectContaining({ name: 'multi', visibility: 'public', versionCount: 3 }),
    ]);
    const table = await gh(['packages', 'acme']);
    expect(table.stdout).toMatch(/NAME\s+VISIBILITY/);
    expect(table.stdout).toMatch(/multi\s+public\s+3/);
  });

  it('versions OWNER/PACKAGE --json: {id, digest, tags, createdAt} with roles', async () => {
    const versions = await ghJson<VersionJson[]>(['versions', 'acme/multi']);
    expect(versions).toHaveLength(3);
    for (const v of versions) {
      expect(v).toMatchObject({
        id: expect.any(Number),
        digest: expect.stringMatching(/^sha256:/),
        tags: expect.any(Array),
        createdAt: expect.any(String),
      });
    }
    expect(
      versions
        .filter((v) => v.role === 'platform-child')
        .map((v) => v.platform)
        .sort(),
    ).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('delete-version refuses a platform child of a tagged index', async () => {
    const versions = await ghJson<VersionJson[]>(['versions', 'acme/multi']);
    const child = versions.find((v) => v.role === 'platform-child') as VersionJson;
    const r = await gh(['delete-version', 'acme/multi', String(child.id), '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('2.0');
    expect(r.stderr).toMatch(/would break/);
  });

  it('delete-tag keeps the sibling; delete-version and restore-version round-trip', async () => {
    const del = await gh(['delete-tag', 'acme/app:latest', '--yes']);
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    let versions = await ghJson<VersionJson[]>(['versions', 'acme/app']);
    expect(versions.map((v) => v.tags)).toEqual([['1.0']]);

    const id = versions[0]?.id as number;
    const removed = await ghJson<{ removedTags: string[] }>([
      'delete-version',
      'acme/app',
      String(id),
      '--yes',
    ]);
    expect(removed.removedTags).toEqual(['1.0']);
    const deleted = await ghJson<VersionJson[]>(['versions', 'acme/app', '--deleted']);
    expect(deleted.map((v) => v.id)).toContain(id);

    const restored = await gh(['restore-version', 'acme/app', String(id)]);
    expect(restored.code).toBe(0);
    versions = await ghJson<VersionJson[]>(['versions', 'acme/app']);
    expect(versions).toEqual([expect.objectContaining({ id, tags: ['1.0'] })]);
  });

  it('names the missing scope, and asks for a token when there is none', async () => {
    const versions = await ghJson<VersionJson[]>(['versions', 'acme/app']);
    const r = await gh(
      ['delete-version', 'acme/app', String(versions[0]?.id), '--yes'],
      standIn.tokens.reader,
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('delete:packages');
    const scopes = await gh(['scopes'], standIn.tokens.reader);
    expect(scopes.stdout).toMatch(/cannot .*delete \(needs delete:packages\)/);

    const none = await sandbox.lading(['gh', 'packages', 'acme', '--registry', 'ghcr.example.invalid'], {
      env: { LADING_GITHUB_API: standIn.apiUrl },
    });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/GH_TOKEN/);
  });
});
