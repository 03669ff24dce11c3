/**
 * The image page's Files tab (issue #16): the filesystem read from the registry without a pull, a layer's
 * changes from the layers table, the path filter, the wasted-space list and Download file over the bridge.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { pack } from 'tar-stream';
import { RegistryClient } from '../electron/core/registry/client';
import { manifestReference, repositoryName } from '../electron/core/registry/names';
import { expect, showOpenRegistry, test, type World } from './fixtures';

/** axe-core's color-contrast rule on what is on screen, in both themes (as e2e/a11y.spec.ts checks). */
async function expectContrast(app: Page, where: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await app.evaluate((t) => {
      document.documentElement.dataset.theme = t;
    }, theme);
    const result = await new AxeBuilder({ page: app }).withRules(['color-contrast']).analyze();
    const found = result.violations.flatMap((v) =>
      v.nodes.map((n) => `${n.target.join(' ')}: ${n.any[0]?.message}`),
    );
    expect(found, `${theme} ${where}: texts under 4.5:1`).toEqual([]);
  }
}

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
  await expectContrast(app, 'files tab, a layer’s changes');
});

/** Pushes `files/big:1` to the open registry: one gzip layer of 100,000 empty files in 100 directories. */
async function pushBigFilesImage(world: World): Promise<void> {
  const client = new RegistryClient({ registry: world.open.host, insecure: true });
  if (await client.headManifest(repositoryName('files/big'), manifestReference('1'))) return;
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (let d = 0; d < 100; d++) {
    p.entry({ name: `srv/d${String(d).padStart(3, '0')}/`, type: 'directory', mode: 0o755 });
    for (let f = 0; f < 1000; f++) p.entry({ name: `srv/d${String(d).padStart(3, '0')}/f${f}`, size: 0 }, '');
  }
  p.finalize();
  await ended;
  const layer = await client.uploadBlob(repositoryName('files/big'), [gzipSync(Buffer.concat(chunks))]);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const cfg = await client.uploadBlob(repositoryName('files/big'), [config]);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  };
  await client.putManifest(
    repositoryName('files/big'),
    manifestReference('1'),
    Buffer.from(JSON.stringify(manifest)),
    manifest.mediaType,
  );
}

test('files: 100,000 entries list, expand, filter and scroll in the virtualised tree', async ({
  app,
  world,
}) => {
  await pushBigFilesImage(world);
  await showOpenRegistry(app, world);
  const filter = app.getByLabel('Filter repositories');
  await filter.fill('files/big');
  const repo = app.getByRole('button', { name: 'files/big', exact: true });
  if (!(await repo.isVisible().catch(() => false))) {
    await app.reload();
    await app.getByLabel('Filter repositories').fill('files/big');
  }
  await repo.click();
  await app
    .getByRole('grid', { name: 'Tags of files/big' })
    .getByRole('button', { name: '1', exact: true })
    .click();
  const t0 = Date.now();
  await app.getByRole('tab', { name: 'Files' }).click();
  await expect(app.getByText('1 of 100,101 entries')).toBeVisible({ timeout: 30_000 });
  console.log(`[perf] files tab: 100,101 entries listed after ${Date.now() - t0} ms`);
  const files = app.getByRole('list', { name: 'Files' });
  await app.getByRole('button', { name: 'Expand /srv' }).click();
  // Bottom up, from the end of the list, so each next directory stays in view above the one just expanded.
  await files.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const t3 = Date.now();
  for (let d = 99; d >= 0; d--)
    await app.getByRole('button', { name: `Expand /srv/d${String(d).padStart(3, '0')}` }).click();
  await expect(app.getByText('100,101 of 100,101 entries')).toBeVisible();
  console.log(`[perf] files tab: 100 directories expanded in ${Date.now() - t3} ms`);
  const t1 = Date.now();
  await app.getByLabel('Filter paths').fill('d099/f999');
  await expect(files.locator('[data-path="/srv/d099/f999"]')).toBeVisible();
  console.log(`[perf] files tab: filter over 100,101 paths in ${Date.now() - t1} ms`);
  await app.getByLabel('Filter paths').fill('');
  const t2 = Date.now();
  for (let i = 0; i < 20; i++) {
    await files.evaluate((el, step) => {
      el.scrollTop = step * (el.scrollHeight / 20);
    }, i + 1);
  }
  await expect(files.locator('[data-path]').first()).toBeVisible();
  expect(await files.locator('[data-path]').count()).toBeLessThan(200);
  console.log(`[perf] files tab: 20 jumps through the tree in ${Date.now() - t2} ms`);
});
