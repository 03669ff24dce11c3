/**
 * Podman in the app (issue #15), where Debian's podman is installed: `podman system service` on the rootless
 * socket under the bridge's XDG_RUNTIME_DIR gets its own Local images entry; "Pull to Podman" on an image
 * page loads an image (`podman image inspect`) and "Push to…" sends it back to the registry (skopeo: the
 * config is Podman's image id). Skipped with the reason where podman cannot run.
 */
import { podmanUnavailable, startPodman, type TestPodman } from '../test/support/engine';
import { skopeoInspect } from '../test/support/images';
import { expect, expectJobDone, openConnection, test } from './fixtures';
import { openImage, showLocalImages } from './local-images';

const noPodman = podmanUnavailable();

test.describe('with Podman (podman system service on the bridge’s rootless socket)', () => {
  test.skip(noPodman !== undefined, `needs Podman here: ${noPodman}`);
  test.describe.configure({ timeout: 120_000 });
  let podman: TestPodman;

  test.beforeAll(async ({ workerWorld }) => {
    podman = await startPodman({ socket: workerWorld.bridge.podmanSocket });
  });
  test.afterAll(async () => {
    await podman?.stop();
  });

  test('Podman gets its own entry: Pull to Podman loads an image, Push to… sends it back out', async ({
    app,
    world,
  }) => {
    const connectionId = await openConnection(world);
    await openImage(app, world, 'demo/app', '1.0');
    await app.getByRole('button', { name: 'Pull…' }).click();
    const dialog = app.getByRole('dialog', { name: 'Pull demo/app:1.0' });
    await dialog.getByRole('button', { name: 'Pull to Podman' }).click();
    await expect(dialog.getByText(/Pulled .* into Podman as /)).toBeVisible({ timeout: 30_000 });
    const name = `${world.open.host}/demo/app:1.0`;
    const id = (await podman.podman(['image', 'inspect', name, '--format', '{{.Id}}'])).stdout.trim();
    await app.keyboard.press('Escape');

    await showLocalImages(app, world, 'Podman');
    await expect(app.getByRole('heading', { level: 1 })).toContainText('Local images · Podman');
    const row = app.getByRole('table', { name: 'Podman images' }).getByRole('row', { name });
    await expect(row).toContainText(id.slice(0, 12));
    await row.getByRole('button', { name: `Push ${name} to…` }).click();
    const push = app.getByRole('dialog', { name: `Push ${name} from Podman` });
    await push.getByLabel('To registry').selectOption(connectionId);
    await expect(push.getByLabel('Target repository')).toHaveValue('demo/app');
    await push.getByLabel('Target repository').fill('podman/back');
    await expect(push.getByText('1.0 is a new tag here.')).toBeVisible();
    await push.getByRole('button', { name: 'Push', exact: true }).click();
    await expectJobDone(app, /\(Podman\) → .*podman\/back:1\.0/);
    const manifest = await skopeoInspect(`docker://${world.open.host}/podman/back:1.0`, { raw: true });
    expect(manifest.config.digest).toBe(`sha256:${id}`);
  });
});
