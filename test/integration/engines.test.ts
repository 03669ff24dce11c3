/**
 * Local engines against a real Docker Engine (dockerd started here, on its own socket) and a real
 * docker-registry: list, push from the engine (its docker save streamed into the push), pull into the
 * engine (POST /images/load), and the errors. Skipped, saying why, where dockerd cannot run.
 */
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineSeam } from '../../electron/app/services/dependencies';
import { type EngineClient, openEngine } from '../../electron/core/engines/engine-client';
import { listLocalImages } from '../../electron/core/engines/images';
import { pullIntoEngine } from '../../electron/core/engines/pull-into-engine';
import { pushFromEngine } from '../../electron/core/engines/push-from-engine';
import { repositoryName } from '../../electron/core/registry/names';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { errorOf } from '../support/clients';
import {
  engineUnavailable,
  podmanUnavailable,
  startEngine,
  startPodman,
  type TestEngine,
  type TestPodman,
} from '../support/engine';
import { run } from '../support/exec';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../support/github-ghcr-like';
import { buildMultiPlatform, pushImage, skopeoInspect, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';
import { buildSampleImage, clientFor, type LayoutImage, readLayoutImage, tempDir } from './archive-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

const ROOT = resolve(__dirname, '../..');
const skip = engineUnavailable();
if (skip) console.warn(`engines.test.ts skipped: ${skip}`);

describe.skipIf(skip)('local engines (a real dockerd)', () => {
  let engine: TestEngine;
  let registry: TestRegistry;
  let client: EngineClient;
  let source: LayoutImage;
  let cli: CliSandbox;
  const generic = (registry: string) => ({ kind: 'generic' as const, registry });

  beforeAll(async () => {
    [engine, registry] = await Promise.all([startEngine(), startRegistry({ mode: 'open' })]);
    const image = await buildSampleImage('engine');
    source = await readLayoutImage(image);
    const archive = join(await tempDir(), 'app.tar');
    await writeArchive(image, 'docker-archive', archive, { refName: 'engine/app:1' });
    await engine.docker(['load', '-i', archive]);
    // Large enough that a cancel lands mid-stream.
    const big = join(await tempDir(), 'big.tar');
    await writeArchive(await buildSampleImage('big', 24 << 20), 'docker-archive', big, {
      refName: 'engine/big:1',
    });
    await engine.docker(['load', '-i', big]);
    client = await openEngine({ env: { DOCKER_HOST: engine.host } });
    cli = await cliSandbox();
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await cli?.cleanup();
    closeGzipPool();
    await Promise.all([engine?.stop(), registry?.stop()]);
  });

  it('negotiates the API version and lists the loaded image with its platform', async () => {
    expect(client.info.kind).toBe('docker');
    expect(client.info.apiVersion).toMatch(/^1\.\d+$/);
    const images = await listLocalImages(client);
    const app = images.find((i) => i.tags.includes('engine/app:1'));
    expect(app).toMatchObject({ id: source.manifest.config.digest, platform: 'linux/amd64' });
    expect(app?.size).toBeGreaterThan(400_000);
    expect(Date.parse(app?.created ?? '')).not.toBeNaN();
  });

  it('pushes a local image to a registry, streamed from the engine', async () => {
    const target = parseReference(`${registry.host}/pushed/app:2`);
    const outcome = await pushFromEngine({
      engine: client,
      localImage: 'engine/app:1',
      target,
      client: clientFor(registry),
      connection: generic(registry.host),
    });
    expect(outcome.uploaded).toBe(2);
    const url = `docker://${registry.host}/pushed/app:2`;
    const raw = await skopeoInspect(url, { raw: true });
    const config = await skopeoInspect(url, { config: true });
    expect(raw.config.digest).toBe(source.manifest.config.digest);
    expect(config.rootfs.diff_ids).toEqual(source.config.rootfs.diff_ids);
    expect(outcome.result.digest).toMatch(/^sha256:/);
  });

  it('pulls one platform of an index into the engine, under the reference or another name', async () => {
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      tag: 'multi',
    });
    await pushImage(registry, multi, 'multi/app:1', { all: true });
    const reference = parseReference(`${registry.host}/multi/app:1`);
    const pulled = await pullIntoEngine({
      engine: client,
      client: clientFor(registry),
      reference,
      platform: 'linux/arm64',
      as: 'renamed/app:arm',
    });
    expect(pulled.platforms).toEqual(['linux/arm64/v8']);
    expect(pulled.loaded).toEqual(['renamed/app:arm']);
    // The engine's own platform by default, under the reference's name.
    const own = await pullIntoEngine({ engine: client, client: clientFor(registry), reference });
    expect(own.loaded).toEqual([`${registry.host}/multi/app:1`]);
    expect(own.platforms).toEqual([`linux/${client.info.arch}`]);
    const arches = await engine.docker([
      'image',
      'inspect',
      `${registry.host}/multi/app:1`,
      '--format',
      '{{.Architecture}}',
    ]);
    expect(arches.stdout.trim()).toBe(client.info.arch);
    for (const name of pulled.loaded) {
      const { stdout } = await engine.docker([
        'image',
        'inspect',
        name,
        '--format',
        '{{.Os}}/{{.Architecture}}',
      ]);
      expect(stdout.trim()).toBe('linux/arm64');
    }
  });

  it('says when a local image does not exist', async () => {
    const e = await errorOf(
      pushFromEngine({
        engine: client,
        localImage: 'missing/app:1',
        target: parseReference(`${registry.host}/missing/app:1`),
        client: clientFor(registry),
        connection: generic(registry.host),
      }),
    );
    expect(e.code).toBe('manifest-unknown');
    expect(e.message).toContain('missing/app:1');
    expect(e.hint).toContain('lading images');
  });

  it('says which sockets it tried when no engine answers', async () => {
    const dir = await tempDir();
    const e = await errorOf(openEngine({ env: { DOCKER_HOST: `unix://${dir}/none.sock` }, kind: 'docker' }));
    expect(e.code).toBe('unreachable');
    expect(e.message).toContain(`${dir}/none.sock (DOCKER_HOST: no such socket)`);
    expect(e.hint).toContain('DOCKER_HOST');
  });

  it('cancels a push mid-stream without setting the tag', async () => {
    const controller = new AbortController();
    const target = parseReference(`${registry.host}/cancelled/app:1`);
    const e = await errorOf(
      pushFromEngine({
        engine: client,
        localImage: 'engine/big:1',
        target,
        client: clientFor(registry),
        connection: generic(registry.host),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.layers.some((l) => l.bytesDone > 0)) controller.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
    const tags = await errorOf(clientFor(registry).tags(repositoryName('cancelled/app')));
    expect(tags.code).toBe('name-unknown');
  });

  it('cancels a pull mid-stream: the engine gets no image', async () => {
    await pushFromEngine({
      engine: client,
      localImage: 'engine/big:1',
      target: parseReference(`${registry.host}/big/app:1`),
      client: clientFor(registry),
      connection: generic(registry.host),
    });
    const controller = new AbortController();
    const e = await errorOf(
      pullIntoEngine({
        engine: client,
        client: clientFor(registry),
        reference: parseReference(`${registry.host}/big/app:1`),
        as: 'cancelled/big:1',
        signal: controller.signal,
        onProgress: (p) => {
          if (p.layers.some((l) => l.bytesDone > 0)) controller.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
    const inspect = await engine.docker(['image', 'inspect', 'cancelled/big:1'], { allowFailure: true });
    expect(inspect.code).not.toBe(0);
  });

  describe('the CLI (lading images, push docker-daemon:, pull … docker-daemon:)', () => {
    const env = () => ({ DOCKER_HOST: engine.host });

    it('lists, pushes from and pulls into the engine', async () => {
      const listed = await cli.lading(['images', '--json'], { env: env() });
      expect(listed.code, listed.stderr).toBe(0);
      const images = JSON.parse(listed.stdout) as { tags: string[]; platform?: string }[];
      expect(images.find((i) => i.tags.includes('engine/app:1'))?.platform).toBe('linux/amd64');

      const table = await cli.lading(['images'], { env: env() });
      expect(table.stdout).toMatch(/^IMAGE\s+ID\s+PLATFORM\s+CREATED\s+SIZE$/m);
      expect(table.stdout).toMatch(/^engine\/app:1\s+[a-f0-9]{12}\s+linux\/amd64\s+/m);

      const pushed = await cli.lading(['push', 'docker-daemon:engine/app:1', `${registry.host}/cli/app:3`], {
        env: env(),
      });
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout).toMatch(/^Pushed .*cli\/app:3@sha256:[a-f0-9]{64} \(/);
      const raw = await skopeoInspect(`docker://${registry.host}/cli/app:3`, { raw: true });
      expect(raw.config.digest).toBe(source.manifest.config.digest);

      const pulled = await cli.lading(['pull', `${registry.host}/cli/app:3`, 'docker-daemon:back/app:4'], {
        env: env(),
      });
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(pulled.stdout).toContain('into the Docker engine as');
      const { stdout } = await engine.docker(['image', 'inspect', 'back/app:4', '--format', '{{.Id}}']);
      expect(stdout.trim()).toBe(source.manifest.config.digest);
    });

    it('fails in one line with a hint: a missing image, no engine', async () => {
      const missing = await cli.lading(['push', 'docker-daemon:nope:1', `${registry.host}/x/y:1`], {
        env: env(),
      });
      expect(missing.code).toBe(4);
      expect(expectOneLineError(missing.stderr).message).toContain(
        'nope:1 is not in the local Docker engine',
      );

      const none = await cli.lading(['images', '--engine', 'docker'], {
        env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      });
      expect(none.code).toBe(5);
      const e = expectOneLineError(none.stderr);
      expect(e.message).toContain('/nonexistent/docker.sock (DOCKER_HOST: no such socket)');
      expect(e.hint).toContain('DOCKER_HOST');
    });
  });

  it.skipIf(!existsSync('/usr/sbin/runuser'))(
    'says to join the docker group when the socket refuses the user',
    async () => {
      // The engine's socket is root's (0660); its directory opened so that the socket's own mode decides.
      await chmod(dirname(engine.socket), 0o755);
      const r = await run(
        'runuser',
        [
          '-u',
          'nobody',
          '--',
          'env',
          `PATH=${process.env.PATH}`,
          'HOME=/nonexistent',
          `DOCKER_HOST=${engine.host}`,
          join(ROOT, 'node_modules/.bin/tsx'),
          join(ROOT, 'electron/app/cli/main.ts'),
          'images',
        ],
        { cwd: ROOT, allowFailure: true },
      );
      expect(r.code, r.stderr).toBe(3);
      const e = expectOneLineError(r.stderr);
      expect(e.message).toBe(`Permission denied on the engine socket ${engine.socket} (DOCKER_HOST).`);
      expect(e.hint).toContain('docker group');
    },
  );

  describe('the services (engines.list, jobs.push from the engine, jobs.pull into it)', () => {
    let sandbox: TestServices;
    let connectionId: string;
    const { ok, call } = callers(() => sandbox.services);
    beforeAll(async () => {
      sandbox = await servicesInTempDir({
        mode: 'bridge',
        prefix: 'lading-engine-services-',
        dependencies: { engines: engineSeam({ DOCKER_HOST: engine.host }) },
      });
      connectionId = (await ok('connections.save', connectionTo(registry, 'Engines'))).id;
    });
    afterAll(() => sandbox?.dispose());

    it('lists the engine with its images, pushes one and pulls it back in under another name', async () => {
      const engines = await ok('engines.list', {});
      const docker = engines.find((e) => e.kind === 'docker');
      expect(docker).toMatchObject({ endpoint: engine.socket, source: 'DOCKER_HOST' });
      expect(docker?.name).toMatch(/^Docker \d/);
      expect(docker?.images.some((i) => i.tags.includes('engine/app:1'))).toBe(true);

      const push = await ok('jobs.push', {
        connectionId,
        source: { engine: 'docker', image: 'engine/app:1' },
        target: { repository: 'svc/app', tag: '1' },
      });
      const pushed = await sandbox.services.context.jobs.wait(push.jobId);
      expect(pushed, JSON.stringify(pushed.error)).toMatchObject({ state: 'done', kind: 'push' });
      expect(pushed.title).toBe(`Push engine/app:1 (Docker) → ${registry.host}/svc/app:1`);
      const raw = await skopeoInspect(`docker://${registry.host}/svc/app:1`, { raw: true });
      expect(raw.config.digest).toBe(source.manifest.config.digest);

      const pull = await ok('jobs.pull', {
        connectionId,
        repository: 'svc/app',
        reference: '1',
        format: 'docker',
        engine: { kind: 'docker', name: 'svc-back/app:2' },
      });
      const pulled = await sandbox.services.context.jobs.wait(pull.jobId);
      expect(pulled, JSON.stringify(pulled.error)).toMatchObject({ state: 'done', kind: 'pull' });
      expect(pulled.resultMessage).toContain('svc-back/app:2');
      const { stdout } = await engine.docker(['image', 'inspect', 'svc-back/app:2', '--format', '{{.Id}}']);
      expect(stdout.trim()).toBe(source.manifest.config.digest);
    });

    it("fails the job with the engine's error for a missing image, and refuses a path for an engine pull", async () => {
      const push = await ok('jobs.push', {
        connectionId,
        source: { engine: 'docker', image: 'nope/app:1' },
        target: { repository: 'svc/nope', tag: '1' },
      });
      const failed = await sandbox.services.context.jobs.wait(push.jobId);
      expect(failed).toMatchObject({ state: 'failed', error: { code: 'manifest-unknown' } });
      const refused = await call('jobs.pull', {
        connectionId,
        repository: 'svc/app',
        reference: '1',
        format: 'oci',
        engine: { kind: 'docker' },
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    });
  });

  describe("GitHub's rules for a push from the engine (the ghcr-like world)", () => {
    let world: GhcrLikeWorld;
    let gh: TestServices;
    const { ok } = callers(() => gh.services);
    beforeAll(async () => {
      world = await startGhcrLikeWorld({ owner: 'acme' });
      gh = await servicesInTempDir({
        mode: 'bridge',
        prefix: 'lading-engine-github-',
        dependencies: { engines: engineSeam({ DOCKER_HOST: engine.host }) },
      });
    }, 60_000);
    afterAll(async () => {
      await gh?.dispose();
      await world?.stop();
    });

    it('refuses a name GitHub refuses, and notes a new package is private', async () => {
      const ghcr = (await ok('connections.save', world.connectionInput)).id;
      const legacy = (
        await ok('connections.save', { ...world.connectionInput, name: 'legacy', kind: 'github-docker' })
      ).id;
      const push = async (connectionId: string) =>
        gh.services.context.jobs.wait(
          (
            await ok('jobs.push', {
              connectionId,
              source: { engine: 'docker', image: 'engine/app:1' },
              target: { repository: 'acme/app', tag: '1' },
            })
          ).jobId,
        );
      const refused = await push(legacy);
      expect(refused.state).toBe('failed');
      expect(refused.error?.message).toMatch(/OWNER\/REPOSITORY\/IMAGE_NAME/);
      const pushed = await push(ghcr);
      expect(pushed.state, JSON.stringify(pushed.error)).toBe('done');
      expect(pushed.warnings.find((w) => /private by default/.test(w))).toContain(
        '/orgs/acme/packages/container/app/settings',
      );
    });
  });
});

const noPodman = podmanUnavailable();
if (noPodman) console.warn(`engines.test.ts: the Podman suite is skipped: ${noPodman}`);

describe.skipIf(noPodman)('Podman through its Docker-compatible socket (podman system service)', () => {
  let podman: TestPodman;
  let registry: TestRegistry;
  let client: EngineClient;
  let source: LayoutImage;

  beforeAll(async () => {
    [podman, registry] = await Promise.all([startPodman(), startRegistry({ mode: 'open' })]);
    const image = await buildSampleImage('podman');
    source = await readLayoutImage(image);
    await pushImage(registry, image, 'pm/app:1');
    client = await openEngine({ env: { DOCKER_HOST: podman.host } });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await Promise.all([podman?.stop(), registry?.stop()]);
  });

  it('pulls into Podman, lists the image, and pushes it back out', async () => {
    expect(client.info.kind).toBe('podman');
    const pulled = await pullIntoEngine({
      engine: client,
      client: clientFor(registry),
      reference: parseReference(`${registry.host}/pm/app:1`),
    });
    expect(pulled.loaded.join()).toContain(`${registry.host}/pm/app:1`);
    const { stdout } = await podman.podman([
      'image',
      'inspect',
      `${registry.host}/pm/app:1`,
      '--format',
      '{{.Id}}',
    ]);
    expect(`sha256:${stdout.trim()}`).toBe(source.manifest.config.digest);

    const images = await listLocalImages(client);
    expect(images.find((i) => i.tags.includes(`${registry.host}/pm/app:1`))?.platform).toBe('linux/amd64');

    const outcome = await pushFromEngine({
      engine: client,
      localImage: `${registry.host}/pm/app:1`,
      target: parseReference(`${registry.host}/pm/back:2`),
      client: clientFor(registry),
      connection: { kind: 'generic', registry: registry.host },
    });
    expect(outcome.result.tag).toBe('2');
    const config = await skopeoInspect(`docker://${registry.host}/pm/back:2`, { config: true });
    expect(config.rootfs.diff_ids).toEqual(source.config.rootfs.diff_ids);
  });
});
