/**
 * The image page's Files tab (issue #16): the filesystem read from the registry without a pull, a layer's
 * changes from the layers table, the path filter, the wasted-space list and Download file over the bridge.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, showOpenRegistry, test, type World } from './fixtures';

async function openDemoImage(app: Page, world: World): Promise<void> {
  await showOpenRegistry(app, world);
  const filter = app.getByLabel('Filter repositories');
  await filter.fill('demo/app');
  const repo = app.getByRole('button', { name: 'demo/app', exact: true });
  // Other specs add repositories while this one runs: reload once if the list was read before.
  if (!(await repo.isVisible().catch(() => false))) {
    await app.reload();
    await app.getByLabel('Filter repositories').fill('demo/app');
  }
  await repo.click();
  await app
    .getByRole('grid', { name: 'Tags of demo/app' })
    .getByRole('button', { name: '1.1', exact: true })
    .click();
  await expect(app.getByRole('heading', { level: 1 })).toContainText('demo/app');
}

test('files: the tree, a layer’s changes, the filter, wasted space and Download file', async ({
  app,
  world,
}) => {
  await openDemoImage(app, world);
  await app.getByRole('tab', { name: 'Files' }).click();
  const files = app.getByRole('list', { name: 'Files' });
  const row = (path: string) => files.locator(`[data-path="${path}"]`);
  await expect(row('/app')).toBeVisible();
  await expect(row('/app/version.txt')).toHaveCount(0);
  await app.getByRole('button', { name: 'Expand /app' }).click();
  await expect(row('/app/version.txt')).toContainText('L1');
  await expect(row('/app/data.bin')).toContainText('96 KiB');
  await expect(row('/app/extra')).toContainText('L3');

  await app.getByLabel('Filter paths').fill('extra');
  await expect(files.locator('[data-path]')).toHaveCount(1);
  await app.getByLabel('Filter paths').fill('');

  // Download file: the bridge offers the saved file as a one-time download.
  const [download] = await Promise.all([
    app.waitForEvent('download'),
    app.getByRole('button', { name: 'Download /app/version.txt' }).click(),
  ]);
  const saved = join(mkdtempSync(join(tmpdir(), 'lading-e2e-file-')), download.suggestedFilename());
  await download.saveAs(saved);
  expect(download.suggestedFilename()).toBe('version.txt');
  expect(readFileSync(saved, 'utf8')).toBe('1.1\n');

  // The layers table links each layer to its changes.
  await app.getByRole('tab', { name: 'Overview' }).click();
  await app.getByRole('button', { name: 'Files changed by layer 3' }).click();
  await expect(app.getByLabel('Filesystem to show')).toHaveValue('layer:3');
  await expect(row('/app/extra')).toContainText('A');
  await expect(row('/app')).toContainText('M');
  await expect(app.getByRole('region', { name: /Wasted space/ })).toBeVisible();
});
