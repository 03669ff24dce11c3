/**
 * Screens with addresses (issue #12): every screen has a URL; Back walks the screens back, Reload keeps
 * the screen, a copied link opens the same screen in a new page, and the bridge secret is in none of them.
 */
import type { Page } from '@playwright/test';
import { expect, openConnection, showOpenRegistry, test, type World } from './fixtures';

const hashOf = (page: Page) => new URL(page.url()).hash;

/** The address never carries the bridge's secret, wherever the user is. */
function expectNoSecret(page: Page, world: World): void {
  expect(page.url()).not.toContain(world.bridge.token);
  expect(page.url()).not.toContain('token=');
}

/** Opens demo/multi:1.0 and its linux/arm64 platform from the open registry's list, checking each address. */
async function openPlatform(app: Page, world: World, id: string): Promise<void> {
  await showOpenRegistry(app, world);
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}`);
  await app.getByRole('button', { name: 'demo/multi', exact: true }).click();
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}/r/demo/multi`);
  await app.getByRole('grid').getByRole('button', { name: '1.0', exact: true }).click();
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}/r/demo/multi/t/1.0`);
  await app.getByRole('button', { name: 'Open linux/arm64' }).click();
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}/r/demo/multi/t/1.0?platform=linux/arm64`);
}

/** The platform page: its breadcrumb keeps the tag it came from, and it shows the arm64 image. */
async function expectPlatformPage(page: Page): Promise<void> {
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs).toHaveText(/›\s*demo\/multi\s*›\s*1\.0\s*›\s*linux\/arm64$/);
  await expect(crumbs.locator('[aria-current="page"]')).toHaveText('linux/arm64');
  await expect(page.getByText('linux/arm64 ·')).toBeVisible();
  await expect(page.getByRole('region', { name: /Layers/ })).toBeVisible();
}

test('repository → tag → platform: each a screen with an address; Back walks back, Reload stays', async ({
  app,
  world,
}) => {
  const id = await openConnection(world);
  await openPlatform(app, world, id);
  await expectPlatformPage(app);
  expectNoSecret(app, world);

  await app.reload();
  await expectPlatformPage(app);
  expect(hashOf(app)).toBe(`#/c/${id}/r/demo/multi/t/1.0?platform=linux/arm64`);
  expectNoSecret(app, world);

  // The tag in the breadcrumb leads back to the index.
  await app.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('button', { name: '1.0' }).click();
  await expect(app.getByRole('region', { name: /Platforms/ })).toBeVisible();
  await app.goBack();
  await expectPlatformPage(app);

  await app.goBack();
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}/r/demo/multi/t/1.0`);
  await expect(app.getByRole('region', { name: /Platforms/ })).toBeVisible();
  await expect(app.getByRole('heading', { level: 1 })).toContainText('demo/multi:1.0');
  await app.goBack();
  await expect(app.getByRole('grid', { name: 'Tags of demo/multi' })).toBeVisible();
  await app.goBack();
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}`);
  await expect(app.getByRole('button', { name: 'demo/multi', exact: true })).toBeVisible();
  // Forward works too.
  await app.goForward();
  await expect(app.getByRole('grid', { name: 'Tags of demo/multi' })).toBeVisible();
});

test('Copy link gives an address that opens the same screen in a new page, without the secret', async ({
  app,
  world,
}) => {
  await app.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const id = await openConnection(world);
  await openPlatform(app, world, id);
  const button = app.getByRole('button', { name: 'Copy link' });
  const link = await button.getAttribute('data-link');
  await button.click();
  await expect.poll(() => app.evaluate(() => navigator.clipboard.readText())).toBe(link);
  expect(link).toBe(`${world.bridge.origin}/#/c/${id}/r/demo/multi/t/1.0?platform=linux/arm64`);
  expect(link).not.toContain(world.bridge.token);

  // A new tab of the same browser: the open one hands it the secret.
  const other = await app.context().newPage();
  await other.goto(link!);
  await expectPlatformPage(other);
  expectNoSecret(other, world);
  await other.close();
});

test('a link opened where no tab of the bridge is open says how to get in', async ({ browser, world }) => {
  const id = await openConnection(world);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${world.bridge.origin}/#/c/${id}/r/demo/app/t/1.0`);
  await expect(page.getByText(/opened without the bridge secret/).first()).toBeVisible();
  await context.close();
});

test('add connection has an address; Back returns to the screen before', async ({ app, world }) => {
  const id = await openConnection(world);
  await showOpenRegistry(app, world);
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}`);
  await app.getByRole('button', { name: '+ Add registry' }).click();
  await expect.poll(() => hashOf(app)).toBe('#/connections/new');
  await app.reload();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Add a registry');
  await app.goBack();
  await expect.poll(() => hashOf(app)).toBe(`#/c/${id}`);
  await expect(app.getByRole('button', { name: 'demo/multi', exact: true })).toBeVisible();
});

test('an address that names no screen lands on the nearest one, with a notice', async ({ app, world }) => {
  const id = await openConnection(world);
  await app.goto(`${world.bridge.origin}/#/c/${id}/r/demo/app/d/not-a-digest`);
  await expect(app.getByRole('grid', { name: 'Tags of demo/app' })).toBeVisible();
  await expect(app.getByRole('alert').filter({ hasText: '“not-a-digest” is not a digest' })).toBeVisible();
  expect(hashOf(app)).toBe(`#/c/${id}/r/demo/app`);

  // A connection that is not saved here: the first one's list, with a notice.
  await app.goto(`${world.bridge.origin}/#/c/no-such-connection/r/demo/app`);
  await expect(app.getByRole('alert').filter({ hasText: /not saved here/ })).toBeVisible();
  await expect.poll(() => hashOf(app)).toMatch(/^#\/c\/[^/]+$/);
  expect(hashOf(app)).not.toContain('no-such-connection');
});
