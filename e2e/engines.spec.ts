/**
 * Local engines in the app (issue #15, "In the app") against a REAL dockerd, started here on the socket
 * the bridge's DOCKER_HOST names (vfs storage, no networking; needs root): Local images lists what
 * `docker load` put there, filtered as you type; "Push to…" and a row dragged onto a connection push it to
 * the open registry (checked with skopeo: the config is the engine's image id); "Pull to Docker" on an
 * image page loads it into the engine (checked with `docker image inspect`), one platform of an index too.
 * Before the engine starts, the sidebar and the screen say Docker is not running and which socket was tried.
 * A push from the engine cancelled mid-upload (fault proxy) leaves no tag; Retry saves and pushes again.
 * Skipped with the reason without root or dockerd; Podman's side is e2e/engines-podman.spec.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCREENSHOTS_DIR } from '../playwright.config';
import { engineUnavailable, startEngine, type TestEngine } from '../test/support/engine';
import { startFaultProxy } from '../test/support/fault-proxy';
import { buildImage, skopeoInspect, writeArchive } from '../test/support/images';
import { expect, expectJobDone, openConnection, test } from './fixtures';
import { expectContrastBothThemes, openImage, showLocalImages } from './local-images';

const LOCAL = 'e2e/local:1';

test('no engine: Local images says Docker is not running and which socket was tried', async ({
  app,
  world,
}) => {
  await showLocalImages(app, world);
  const entry = app.getByRole('list', { name: 'Local engines' }).getByRole('button', { name: /^Docker/ });
  // Skipped when a spec before this one left an engine running on the socket (it stops it after itself).
  test.skip(!(await entry.textContent())?.includes('not running'), 'an engine answers on the socket');
  const alert = app.getByRole('alert');
  await expect(alert).toContainText('Docker is not running');
  await expect(alert).toContainText(world.bridge.engineSocket);
  await expect(alert).toContainText('DOCKER_HOST');
});

const skip = engineUnavailable();

test.describe('with a real dockerd', () => {
  test.skip(skip !== undefined, `needs a Docker Engine here: ${skip}`);
  test.describe.configure({ timeout: 120_000 });
  let engine: TestEngine;
  let loadDir: string | undefined;

  test.beforeAll(async ({ workerWorld }) => {
    test.setTimeout(120_000);
    engine = await startEngine({ socket: workerWorld.bridge.engineSocket });
    const image = await buildImage({
      layers: [{ 'hello.txt': 'from the local engine\n' }, { 'data.bin': Buffer.alloc(32 * 1024, 3) }],
      created: '2025-05-01T10:00:00Z',
    });
    loadDir = mkdtempSync(join(tmpdir(), 'lading-e2e-load-'));
    const archive = join(loadDir, 'local.tar');
    await writeArchive(image, 'docker-archive', archive, { refName: LOCAL });
    await engine.docker(['load', '-i', archive]);
  });

  test.afterAll(async () => {
    await engine?.stop();
    if (loadDir) rmSync(loadDir, { recursive: true, force: true });
  });

  const imageId = async () => JSON.parse((await engine.docker(['image', 'inspect', LOCAL])).stdout)[0].Id;

  test('Local images lists the loaded image, filters as you type, and Push to… sends it to a registry', async ({
    app,
    world,
  }) => {
    const connectionId = await openConnection(world);
    await showLocalImages(app, world);
    await expect(app.getByRole('heading', { level: 1 })).toContainText('Local images · Docker');
    await expect(app.getByText(engine.socket)).toBeVisible();
    const table = app.getByRole('table', { name: 'Docker images' });
    const row = table.getByRole('row', { name: LOCAL });
    await expect(row).toContainText('linux/amd64');
    await expect(row).toContainText((await imageId()).slice(7, 19));
    const filter = app.getByLabel('Filter local images');
    await filter.fill('no-such-image');
    await expect(app.getByText('Nothing matches the filter')).toBeVisible();
    await filter.fill('e2e/loc');
    await expect(row).toBeVisible();
    await filter.fill('');
    await expectContrastBothThemes(app, 'local images');

    await row.getByRole('button', { name: `Push ${LOCAL} to…` }).click();
    const dialog = app.getByRole('dialog', { name: `Push ${LOCAL} from Docker` });
    await dialog.getByLabel('To registry').selectOption(connectionId);
    await expect(dialog.getByLabel('Target repository')).toHaveValue('e2e/local');
    await expect(dialog.getByLabel('Target tag')).toHaveValue('1');
    // The same naming rules as an archive's push, live.
    await dialog.getByLabel('Target repository').fill('Engine/Pushed');
    await expect(dialog.getByText(/must be lowercase/)).toBeVisible();
    await dialog.getByLabel('Target repository').fill('engine/pushed');
    await expect(dialog.getByText('1 is a new tag here.')).toBeVisible();
    await expectContrastBothThemes(app, 'local push dialog');
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    await expectJobDone(app, /Push e2e\/local:1 \(Docker\) → .*engine\/pushed:1/);

    const manifest = await skopeoInspect(`docker://${world.open.host}/engine/pushed:1`, { raw: true });
    expect(manifest.config.digest).toBe(await imageId());
    expect(manifest.layers).toHaveLength(2);
  });

  test('a local image dragged onto a connection in the sidebar opens Push to… for it', async ({
    app,
    world,
  }) => {
    const connectionId = await openConnection(world);
    await showLocalImages(app, world);
    const row = app.getByRole('table', { name: 'Docker images' }).getByRole('row', { name: LOCAL });
    const host = world.open.host.replaceAll('.', '\\.');
    const target = app
      .getByRole('navigation', { name: 'Connections' })
      .getByRole('button', { name: new RegExp(`${host} ·`) })
      .first();
    await row.dragTo(target);
    const dialog = app.getByRole('dialog', { name: `Push ${LOCAL} from Docker` });
    await expect(dialog.getByLabel('To registry')).toHaveValue(connectionId);
    await dialog.getByLabel('Target repository').fill('engine/dragged');
    await expect(dialog.getByText('1 is a new tag here.')).toBeVisible();
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    await expectJobDone(app, /Push e2e\/local:1 \(Docker\) → .*engine\/dragged:1/);
    const manifest = await skopeoInspect(`docker://${world.open.host}/engine/dragged:1`, { raw: true });
    expect(manifest.config.digest).toBe(await imageId());
  });

  test('at 800 px with the transfers panel open, Push to… stays on screen', async ({ app, world }) => {
    await app.setViewportSize({ width: 800, height: 700 });
    await showLocalImages(app, world);
    await app.getByRole('button', { name: /^Transfers/ }).click();
    await expect(app.getByRole('complementary', { name: 'Transfers' })).toBeVisible();
    const push = app.getByRole('button', { name: `Push ${LOCAL} to…` });
    await expect(push).toBeInViewport({ ratio: 1 });
    await app.screenshot({ path: join(SCREENSHOTS_DIR, 'local-images-800px-transfers.png') });
  });

  test('a push from the engine is a job: cancelled mid-upload it leaves no tag, and Retry saves and pushes again', async ({
    app,
    world,
  }) => {
    // A proxy in front of the open registry holds every blob upload, so the push stays in flight.
    const proxy = await startFaultProxy(world.open.url);
    try {
      for (const method of ['PATCH', 'PUT'])
        proxy.rules.push({
          kind: 'stall',
          ms: 120_000,
          times: Infinity,
          match: { method, path: /\/blobs\/uploads\// },
        });
      const slow = await world.call('connections.save', {
        name: 'Slow link to the engine',
        kind: 'generic',
        registry: proxy.host,
      });
      await showLocalImages(app, world);
      await app.getByRole('button', { name: `Push ${LOCAL} to…` }).click();
      const dialog = app.getByRole('dialog', { name: `Push ${LOCAL} from Docker` });
      await dialog.getByLabel('To registry').selectOption(slow.id);
      await dialog.getByLabel('Target repository').fill('engine/cancelled');
      await expect(dialog.getByText('1 is a new tag here.')).toBeVisible();
      await dialog.getByRole('button', { name: 'Push', exact: true }).click();

      const panel = app.getByRole('complementary', { name: 'Transfers' });
      const job = panel.getByRole('listitem', {
        name: /Push e2e\/local:1 \(Docker\) → .*engine\/cancelled:1/,
      });
      await expect(job.getByText('Running', { exact: true })).toBeVisible({ timeout: 30_000 });
      await expect.poll(() => proxy.requests.some((r) => /\/blobs\/uploads\//.test(r.path))).toBe(true);
      await job.getByRole('button', { name: /^Cancel/ }).click();
      await expect(job.getByText('Cancelled', { exact: true })).toBeVisible({ timeout: 15_000 });
      await expect(skopeoInspect(`docker://${world.open.host}/engine/cancelled:1`)).rejects.toThrow();

      proxy.rules.length = 0;
      await job.getByRole('button', { name: /^Retry/ }).click();
      const jobs = panel.getByRole('listitem', { name: /engine\/cancelled:1/ });
      await expect(jobs).toHaveCount(2);
      await expect(jobs.first().getByText('Done', { exact: true })).toBeVisible({ timeout: 30_000 });
      const manifest = await skopeoInspect(`docker://${world.open.host}/engine/cancelled:1`, { raw: true });
      expect(manifest.config.digest).toBe(await imageId());
    } finally {
      await proxy.stop();
    }
  });

  test('Pull to Docker from an image page loads it into the engine, under a name or the reference’s', async ({
    app,
    world,
  }) => {
    await openImage(app, world, 'demo/app', '1.0');
    await app.getByRole('button', { name: 'Pull…' }).click();
    let dialog = app.getByRole('dialog', { name: 'Pull demo/app:1.0' });
    await expect(dialog.getByRole('button', { name: 'Pull to file' })).toBeVisible();
    const name = dialog.getByLabel(/Name in Docker/);
    await name.fill('e2e/Pulled');
    await expect(dialog.getByRole('button', { name: 'Pull to Docker' })).toBeDisabled();
    await name.fill('e2e/pulled:1.0');
    await expectContrastBothThemes(app, 'pull dialog with engines');
    await dialog.getByRole('button', { name: 'Pull to Docker' }).click();
    await expect(dialog.getByText(/Pulled .* into Docker as e2e\/pulled:1\.0/)).toBeVisible({
      timeout: 30_000,
    });
    await expect(dialog.getByRole('link', { name: /Download/ })).toHaveCount(0);
    const pulled = JSON.parse((await engine.docker(['image', 'inspect', 'e2e/pulled:1.0'])).stdout)[0];
    expect(pulled.RepoTags).toContain('e2e/pulled:1.0');
    expect(pulled.Config.Labels['org.opencontainers.image.title']).toBe('Demo App');
    await app.keyboard.press('Escape');

    // One platform of an index, under the reference's own name.
    await openImage(app, world, 'demo/multi', '1.0');
    await app.getByRole('button', { name: 'Pull…' }).click();
    dialog = app.getByRole('dialog', { name: 'Pull demo/multi:1.0' });
    await dialog.getByLabel('Platform').selectOption('linux/arm64');
    await dialog.getByRole('button', { name: 'Pull to Docker' }).click();
    await expect(dialog.getByText(/Pulled .*linux\/arm64.* into Docker/)).toBeVisible({ timeout: 30_000 });
    const ref = `${world.open.host}/demo/multi:1.0`;
    const multi = JSON.parse((await engine.docker(['image', 'inspect', ref])).stdout)[0];
    expect(multi.Architecture).toBe('arm64');
    await app.keyboard.press('Escape');

    // Local images shows what the pulls loaded.
    await showLocalImages(app, world);
    await app.getByLabel('Filter local images').fill('pulled');
    await expect(
      app.getByRole('table', { name: 'Docker images' }).getByRole('row', { name: 'e2e/pulled:1.0' }),
    ).toBeVisible();
  });
});
