/**
 * Screenshots of the main screens in light and dark, saved to e2e/screenshots/ for review
 * (not compared: they document what the app looks like).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildMultiPlatform, writeArchive } from '../test/support/images';
import { basicConnection, expect, expectJobDone, showOpenRegistry, test, type World } from './fixtures';

const DIR = 'e2e/screenshots';

async function shot(page: Page, name: string, scheme: string): Promise<void> {
  // Let spinners settle and transitions finish so the picture is what a person sees after a moment.
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${DIR}/${name}-${scheme}.png` });
}

/** Back to the repository list through the sidebar. */
async function home(page: Page, world: World): Promise<void> {
  const host = world.open.host.replaceAll('.', '\\.');
  await page
    .getByRole('navigation', { name: 'Connections' })
    .getByRole('button', { name: new RegExp(`${host} ·`) })
    .first()
    .click();
}

/**
 * The open transfers panel and the page header share no pixel, and the header's buttons still take clicks
 * (below ~1100 px the panel used to float over the right edge of the page, header included).
 */
async function expectTransfersClearOfHeader(page: Page): Promise<void> {
  const panel = await page.getByRole('complementary', { name: 'Transfers' }).boundingBox();
  const header = await page.locator('.screen-head').first().boundingBox();
  if (!panel || !header) throw new Error('the transfers panel or the page header is not on screen');
  const overlaps =
    panel.x < header.x + header.width &&
    header.x < panel.x + panel.width &&
    panel.y < header.y + header.height &&
    header.y < panel.y + panel.height;
  expect(overlaps, `transfers ${JSON.stringify(panel)} vs header ${JSON.stringify(header)}`).toBe(false);
  // The whole panel is inside the window, not pushed off it.
  const viewport = page.viewportSize()!;
  expect(panel.x + panel.width).toBeLessThanOrEqual(viewport.width + 0.5);
  expect(panel.y + panel.height).toBeLessThanOrEqual(viewport.height + 0.5);
  // A trial click checks that nothing covers the button.
  await page
    .locator('.screen-head')
    .getByRole('button', { name: /Push archive/ })
    .click({ trial: true, timeout: 5_000 });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`main screens (${scheme})`, async ({ page, world }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1360, height: 820 });
    await page.emulateMedia({ colorScheme: scheme });
    await showOpenRegistry(page, world);

    await expect(page.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
    await shot(page, 'repositories', scheme);

    await page.getByRole('button', { name: '+ Add registry' }).click();
    await page.getByRole('radio', { name: /GitHub Container Registry/ }).click();
    await shot(page, 'add-connection', scheme);

    // A failed check, with its verdict.
    await page.getByRole('radio', { name: /Any registry/ }).click();
    await page.getByLabel('Registry URL').fill(`http://${world.basic.host}`);
    await page.getByLabel('Username').fill('someone');
    await page.getByLabel('Password or token').fill('wrong');
    await page.getByRole('button', { name: 'Check connection' }).click();
    await expect(page.getByRole('status', { name: 'Connection check' })).toBeVisible();
    await shot(page, 'connection-check-failed', scheme);

    await home(page, world);
    await page.getByRole('button', { name: 'demo/app', exact: true }).click();
    const grid = page.getByRole('grid');
    await expect(grid.getByRole('button', { name: '1.0', exact: true })).toBeVisible();
    await expect(page.getByText(/details \d/)).toHaveCount(0);
    await grid.getByRole('row', { name: /latest/ }).click();
    await shot(page, 'tags', scheme);
    // The keyboard cursor on a row of a digest group (1.1 and latest share one).
    await grid.focus();
    await page.keyboard.press('Home');
    await expect(grid.locator('.tag-row.active')).toHaveClass(/grp-(first|middle|last)/);
    await page.mouse.move(0, 0);
    await shot(page, 'tags-cursor-grouped', scheme);

    await home(page, world);
    await page.getByRole('button', { name: 'bulk/paged', exact: true }).click();
    await expect(page.getByText(/details \d/)).toHaveCount(0, { timeout: 30_000 });
    await grid.getByRole('row').nth(3).click();
    await grid
      .getByRole('row')
      .nth(6)
      .click({ modifiers: ['Shift'] });
    await shot(page, 'tags-many-selected', scheme);
    await page.keyboard.press('Delete');
    await expect(page.getByRole('dialog')).toBeVisible();
    await shot(page, 'delete-dialog', scheme);
    // The pointer on the red button: its label stays readable.
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /^Delete \d+$/ })
      .hover();
    await shot(page, 'delete-dialog-pointer-on-delete', scheme);
    await page.getByRole('button', { name: 'Cancel' }).click();

    await home(page, world);
    await page.getByRole('button', { name: 'demo/app', exact: true }).click();
    await grid.getByRole('button', { name: '1.1', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Layers' })).toBeVisible();
    await shot(page, 'image', scheme);
    await page.getByRole('heading', { name: 'Raw JSON' }).scrollIntoViewIfNeeded();
    await shot(page, 'image-lower', scheme);

    await home(page, world);
    await page.getByRole('button', { name: 'demo/multi', exact: true }).click();
    await grid.getByRole('button', { name: '1.0', exact: true }).click();
    await expect(page.getByRole('heading', { name: /Platforms/ })).toBeVisible();
    await shot(page, 'index', scheme);

    // Push dialog through the file button, with a multi-platform OCI archive, from the repository's tag list.
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('button', { name: 'demo/multi' })
      .click();
    const multi = await buildMultiPlatform({
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
    const file = join(mkdtempSync(join(tmpdir(), 'lading-e2e-shot-')), 'multi.oci.tar');
    // Named 1.0 in the archive: demo/multi:1.0 exists, so the dialog says what it points at.
    await writeArchive(multi, 'oci-archive', file, { refName: 'shots/multi:1.0' });
    await page.getByTestId('push-file-input').setInputFiles(file);
    const dialog = page.getByRole('dialog', { name: /Push multi.oci.tar/ });
    await expect(dialog.getByLabel(/Target repository/)).toBeVisible();
    await expect(dialog.getByRole('group', { name: '1.0 already exists' })).toBeVisible();
    await shot(page, 'push-dialog-existing-tag', scheme);
    await dialog.getByLabel(/Target tag/).fill(`3.0-${scheme}`);
    await expect(dialog.getByText(`3.0-${scheme} is a new tag here.`)).toBeVisible();
    await shot(page, 'push-dialog', scheme);
    await dialog.getByRole('button', { name: 'Push' }).click();
    await expectJobDone(page, /multi\.oci\.tar/);
    await shot(page, 'transfers', scheme);
  });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`copy and sync dialogs (${scheme})`, async ({ page, world }) => {
    await page.setViewportSize({ width: 1360, height: 820 });
    await page.emulateMedia({ colorScheme: scheme });
    await basicConnection(world);
    await showOpenRegistry(page, world);
    const grid = page.getByRole('grid');
    // An index: all platforms or one; to another registry.
    await page.getByRole('button', { name: 'demo/multi', exact: true }).click();
    await grid.getByRole('button', { name: '1.0', exact: true }).click();
    await page.getByRole('button', { name: 'Copy to…' }).click();
    let dialog = page.getByRole('dialog', { name: 'Copy demo/multi:1.0' });
    await dialog.getByLabel('To registry').selectOption({ label: `Basic registry (${world.basic.host})` });
    await dialog.getByLabel('Target repository').fill(`shots/copy-${scheme}`);
    await expect(dialog.getByText('1.0 is a new tag here.')).toBeVisible();
    await shot(page, 'copy-dialog', scheme);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Onto a tag that exists on another image of the same registry: what it points at, and "Replace".
    await home(page, world);
    await page.getByRole('button', { name: 'demo/app', exact: true }).click();
    await grid.getByRole('button', { name: '1.0', exact: true }).click();
    await page.getByRole('button', { name: 'Copy to…' }).click();
    dialog = page.getByRole('dialog', { name: 'Copy demo/app:1.0' });
    // The open registry's connection is named by whichever spec saved it first: pick it by its host.
    const registries = dialog.getByLabel('To registry');
    const here = registries.locator('option', { hasText: `(${world.open.host}) · this registry` });
    await registries.selectOption({ label: ((await here.textContent()) ?? '').trim() });
    await dialog.getByLabel('Target tag').fill('1.1');
    await expect(dialog.getByRole('group', { name: '1.1 already exists' })).toBeVisible();
    await shot(page, 'copy-dialog-existing-tag', scheme);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Sync: the preview of what would be copied.
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('button', { name: 'demo/app' })
      .click();
    await page.getByRole('button', { name: 'Sync repository to…' }).click();
    dialog = page.getByRole('dialog', { name: 'Sync demo/app' });
    await dialog.getByLabel('To registry').selectOption({ label: `Basic registry (${world.basic.host})` });
    await dialog.getByLabel('Target repository').fill(`shots/sync-${scheme}`);
    await expect(dialog.getByRole('region', { name: 'Would be copied' })).toBeVisible();
    await shot(page, 'sync-dialog', scheme);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
}

test('readable at 125% zoom: nothing overflows sideways', async ({ browser, world }) => {
  // A 1360×820 window at 125% zoom is a 1088×656 CSS-pixel viewport at device scale 1.25.
  const context = await browser.newContext({
    viewport: { width: 1088, height: 656 },
    deviceScaleFactor: 1.25,
  });
  const page = await context.newPage();
  await showOpenRegistry(page, world);
  await page.getByRole('button', { name: 'demo/app', exact: true }).click();
  const grid = page.getByRole('grid');
  await expect(grid.getByRole('button', { name: '1.0', exact: true })).toBeVisible();
  await page.getByRole('button', { name: /^Transfers/ }).click();
  const overflow = () =>
    page.evaluate(() => {
      const main = document.querySelector('.main') as HTMLElement;
      const body = document.querySelector('.tag-body') as HTMLElement | null;
      return {
        main: main.scrollWidth - main.clientWidth,
        grid: body ? body.scrollWidth - body.clientWidth : 0,
      };
    });
  expect(await overflow()).toEqual({ main: 0, grid: 0 });
  await expectTransfersClearOfHeader(page);
  await shot(page, 'tags-zoom125', 'light');
  // 1000 CSS px wide (a 1250 px window at 125%): the panel still stays clear of the header.
  await page.setViewportSize({ width: 1000, height: 656 });
  await expectTransfersClearOfHeader(page);
  expect((await overflow()).main).toBe(0);
  await shot(page, 'tags-1000px', 'light');
  await page.setViewportSize({ width: 1088, height: 656 });
  await page.getByRole('button', { name: 'Close transfers' }).click();
  await grid.getByRole('button', { name: '1.1', exact: true }).click();
  await expect(page.getByRole('heading', { name: /Layers/ })).toBeVisible();
  expect((await overflow()).main).toBe(0);
  await shot(page, 'image-zoom125', 'light');
  await context.close();
});
