/**
 * GitHub's push rules enforced by real pushes (app services and the CLI) to the ghcr-like world: the real
 * registry behind a ghcr-like front, with the GitHub REST stand-in. Refusals come before any upload;
 * label warnings and the private-by-default note after a first push reach the job and the terminal.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/types';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildImage, writeArchive } from '../support/images';
import { callers, chooseArchives, servicesInTempDir, type TestServices } from '../support/services';
import { tempDir } from './archive-fixtures';
import { type CliSandbox, cliSandbox } from './cli-helpers';

let world: GhcrLikeWorld;
let sandbox: TestServices;
let cli: CliSandbox;
let ghcrId: string;
let legacyId: string;
let archive: string;
const { call, ok } = callers(() => sandbox.services);

const LONG_DESCRIPTION = 'd'.repeat(600);

/** Blob data files in the registry's storage: a refused push must not add any. */
async function storedBlobs(): Promise<string[]> {
  const root = join(world.registry.storageDir, 'docker/registry/v2/blobs/sha256');
  const found: string[] = [];
  for (const prefix of await readdir(root).catch(() => [])) {
    for (const digest of await readdir(join(root, prefix))) found.push(digest);
  }
  return found.sort();
}

async function repositoryStored(repository: string): Promise<boolean> {
  const dir = join(world.registry.storageDir, 'docker/registry/v2/repositories', repository);
  return readdir(dir).then(
    () => true,
    () => false,
  );
}

async function push(connectionId: string, repository: string, tag: string): Promise<Job> {
  const { jobId } = await ok('jobs.push', {
    connectionId,
    source: { path: archive },
    target: { repository, tag },
  });
  return sandbox.services.context.jobs.wait(jobId);
}

beforeAll(async () => {
  world = await startGhcrLikeWorld({ owner: 'acme' });
  sandbox = await servicesInTempDir({ mode: 'electron', prefix: 'lading-gh-push-rules-' });
  cli = await cliSandbox();
  const image = await buildImage({
    // Content of its own, so no other test's blobs are in the registry already.
    layers: [{ 'rules.txt': `github push rules ${Date.now()}\n` }],
    labels: {
      'org.opencontainers.image.description': LONG_DESCRIPTION,
      'org.opencontainers.image.source': 'https://github.com/acme/app',
    },
  });
  archive = join(await tempDir('lading-gh-push-rules-archive-'), 'app.tar');
  await writeArchive(image, 'docker-archive', archive);
  // As if picked with "Push archive…": Electron mode reads only archives the user chose.
  await chooseArchives(sandbox, [archive]);
  ghcrId = (await ok('connections.save', world.connectionInput)).id;
  // The same registry, as the legacy docker.pkg.github.com would be configured (OWNER/REPOSITORY/IMAGE).
  legacyId = (
    await ok('connections.save', { ...world.connectionInput, name: 'acme (legacy)', kind: 'github-docker' })
  ).id;
}, 120_000);

afterAll(async () => {
  await cli?.cleanup();
  await sandbox?.dispose();
  await world?.stop();
});

describe('GitHub push rules through the app services', () => {
  it('refuses a name GitHub refuses before any upload: no blob, no repository, no tag', async () => {
    const before = await storedBlobs();
    const legacy = await push(legacyId, 'acme/app', '1.0');
    expect(legacy.state).toBe('failed');
    expect(legacy.error).toMatchObject({ code: 'invalid-input' });
    expect(legacy.error?.message).toMatch(/OWNER\/REPOSITORY\/IMAGE_NAME/);

    const upper = await call('jobs.push', {
      connectionId: ghcrId,
      source: { path: archive },
      target: { repository: 'acme/App', tag: '1.0' },
    });
    // Refused as the job is created, or as a failed job: either way, with a reason and nothing sent.
    if (upper.ok) {
      const job = await sandbox.services.context.jobs.wait(upper.value.jobId);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toMatch(/invalid-(input|reference)/);
    } else {
      expect(upper.error.code).toMatch(/invalid-(input|reference)/);
    }

    expect(await storedBlobs()).toEqual(before);
    expect(await repositoryStored('acme/app')).toBe(false);
    expect(await repositoryStored('acme/App')).toBe(false);
  });

  it('pushes a new package with its label warning and the private-by-default note; not again after', async () => {
    const first = await push(ghcrId, 'acme/app', '1.0');
    expect(first.state).toBe('done');
    expect(first.warnings.join('\n')).toMatch(/600 characters; GitHub shows at most 512/);
    const notice = first.warnings.find((w) => /private by default/.test(w));
    expect(notice).toContain(`/orgs/acme/packages/container/app/settings`);

    const second = await push(ghcrId, 'acme/app', '1.1');
    expect(second.state).toBe('done');
    expect(second.warnings.join('\n')).toMatch(/GitHub shows at most 512/);
    expect(second.warnings.some((w) => /private by default/.test(w))).toBe(false);
  });

  it('inspect shows the same label rule', async () => {
    const inspected = await ok('registry.inspect', {
      connectionId: ghcrId,
      repository: 'acme/app',
      reference: '1.0',
    });
    expect(inspected.warnings.map((w) => w.message).join('\n')).toMatch(
      /600 characters; GitHub shows at most 512/,
    );
  });
});

describe('GitHub push rules in `lading push`', () => {
  const env = () => ({
    LADING_GITHUB_REGISTRY: world.front.host,
    LADING_GITHUB_API: world.standIn.apiUrl,
    LADING_INSECURE_REGISTRIES: world.front.host,
  });
  const login = () => ['-u', world.username, '--password-stdin'];

  it('prints the label warning and the first-push note on stderr', async () => {
    const r = await cli.lading(['push', archive, `${world.front.host}/acme/cli-app:1`, ...login()], {
      input: world.token,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Pushed /);
    expect(r.stderr).toMatch(/warning: org\.opencontainers\.image\.description is 600 characters/);
    expect(r.stderr).toMatch(/note: New packages on GitHub are private by default/);
    expect(r.stderr).toContain('/packages/container/cli-app/settings');
  });

  it('runs no GitHub rules for a registry not known as GitHub', async () => {
    const r = await cli.lading(['push', archive, `${world.front.host}/acme/cli-plain:1`, ...login()], {
      input: world.token,
      env: { LADING_INSECURE_REGISTRIES: world.front.host },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/GitHub/);
  });
});
