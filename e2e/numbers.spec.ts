/**
 * Numbers and words that are right (issue #12): one meaning of an index's size everywhere, layer totals
 * without the config, no byte counts on jobs that move no bytes, pull results with real sizes and the file
 * name the button announced, errors said once, in the user's own file names, with plurals right.
 * Expected values come from skopeo and the files on disk, never from Lading.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../shared/format-bytes';
import { buildImage, seedTags, skopeoInspect, writeArchive } from '../test/support/images';
import {
  dropFile,
  expect,
  expectJobDone,
  openRepositoryRow,
  rowAction,
  showOpenRegistry,
  test,
} from './fixtures';

interface RawManifest {
  config: { size: number };
  layers: { size: number }[];
}

test('an index: the tag list, its page and each platform give sizes that add up', async ({ app, world }) => {
  const ref = `docker://${world.open.host}/demo/multi`;
  const index = (await skopeoInspect(`${ref}:1.0`, { raw: true })) as {
    manifests: { digest: string; platform: { os: string; architecture: string } }[];
  };
  const sizes = new Map<string, { image: number; layers: number }>();
  for (const m of index.manifests) {
    const child = (await skopeoInspect(`${ref}@${m.digest}`, { raw: true })) as RawManifest;
    const layers = child.layers.reduce((n, l) => n + l.size, 0);
    sizes.set(`${m.platform.os}/${m.platform.architecture}`, { image: child.config.size + layers, layers });
  }
  const total = [...sizes.values()].reduce((n, s) => n + s.image, 0);

  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/multi');
  const grid = app.getByRole('grid', { name: 'Tags of demo/multi' });
  await expect(grid.getByRole('row', { name: /1\.0/ })).toContainText(formatBytes(total));

  await grid.getByRole('button', { name: '1.0', exact: true }).click();
  await expect(app.locator('.screen-head .sub')).toHaveText(`2 platforms · ${formatBytes(total)}`);
  const platforms = app.getByRole('region', { name: /Platforms/ });
  for (const [platform, size] of sizes) {
    await expect(platforms.getByRole('row', { name: new RegExp(platform) })).toContainText(
      formatBytes(size.image),
    );
  }
  await app.screenshot({ path: 'e2e/screenshots/index-page-light.png', fullPage: true });

  // A platform's page: the same image size; "Layers · total" is the layers only.
  await platforms.getByRole('button', { name: 'Open linux/arm64' }).click();
  const arm = sizes.get('linux/arm64')!;
  await expect(app.locator('.screen-head .sub')).toContainText(formatBytes(arm.image));
  await expect(app.getByRole('region', { name: /Layers/ }).locator('.card-right')).toHaveText(
    `total ${formatBytes(arm.layers)}`,
  );
});

test('pull: the file is the one the button names, and the result gives its real size', async ({
  app,
  world,
}) => {
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/multi');
  await rowAction(app, '1.0', 'Pull');
  let dialog = app.getByRole('dialog', { name: /Pull demo\/multi:1.0/ });
  await dialog.getByLabel('Platform').selectOption('linux/arm64');
  await dialog.getByRole('button', { name: 'Pull to file' }).click();
  const link = dialog.getByRole('link', { name: /Download/ });
  await expect(link).toHaveText('Download multi-1.0-linux-arm64.tar', { timeout: 30_000 });
  const [download] = await Promise.all([app.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('multi-1.0-linux-arm64.tar');
  const file = join(mkdtempSync(join(tmpdir(), 'lading-e2e-pullname-')), download.suggestedFilename());
  await download.saveAs(file);
  await dialog.getByRole('button', { name: 'Show in Transfers' }).click();
  const job = app
    .getByRole('complementary', { name: 'Transfers' })
    .getByRole('listitem', { name: /multi-1\.0-linux-arm64\.tar/ })
    .first();
  await expect(job).toContainText(`as a docker archive, ${formatBytes(statSync(file).size)}.`);

  // OCI, all platforms: "an OCI archive", no platform in the name. (The transfers panel is open now: the
  // narrower table offers the row's actions in its "More actions" menu.)
  await rowAction(app, '1.0', 'Pull');
  dialog = app.getByRole('dialog', { name: /Pull demo\/multi:1.0/ });
  await dialog.getByRole('radio', { name: /OCI archive/ }).check();
  await dialog.getByRole('button', { name: 'Pull to file' }).click();
  await expect(dialog.getByRole('link', { name: /Download/ })).toHaveText('Download multi-1.0.oci.tar', {
    timeout: 30_000,
  });
  await dialog.getByRole('button', { name: 'Show in Transfers' }).click();
  await expect(app.getByRole('listitem', { name: /multi-1\.0\.oci\.tar/ }).first()).toContainText(
    /as an OCI archive, \d+(\.\d)? KiB\./,
  );
});

test('a delete job counts nothing in bytes', async ({ app, world }) => {
  await seedTags(world.open, 'numbers/del', ['keep', 'drop']);
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'numbers/del');
  const grid = app.getByRole('grid', { name: 'Tags of numbers/del' });
  await grid.getByRole('row', { name: /drop/ }).click();
  await grid.press('Delete');
  await app
    .getByRole('dialog', { name: 'Delete tag drop' })
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expectJobDone(app, /numbers\/del:drop/);
  const job = app.getByRole('listitem', { name: /numbers\/del:drop/ }).first();
  await expect(job).not.toContainText(/\d B \//);
  await expect(job).toContainText('Deleted 1 tag from numbers/del.');
});

test('errors: a bad archive is named as dropped, no raw codes, said once; plurals', async ({
  app,
  world,
}) => {
  await showOpenRegistry(app, world);
  const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-words-'));
  const broken = join(dir, 'broken.tar');
  writeFileSync(broken, Buffer.alloc(4096, 0x41));
  await dropFile(app, broken, 'My Broken Image.tar');
  let dialog = app.getByRole('dialog', { name: 'Push My Broken Image.tar' });
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('Cannot read My Broken Image.tar');
  const text = (await alert.textContent()) ?? '';
  expect(text).toContain('My Broken Image.tar');
  expect(text).not.toMatch(/\.upload|\/tmp\/|lading-transfers/);
  expect(text).not.toContain('archive-invalid');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // One layer is "1 layer".
  const one = await buildImage({ layers: [{ 'one.txt': 'one\n' }] });
  const archive = join(dir, 'one.tar');
  await writeArchive(one, 'docker-archive', archive, { refName: 'words/one:1' });
  await dropFile(app, archive, 'one.tar');
  dialog = app.getByRole('dialog', { name: 'Push one.tar' });
  await expect(dialog.getByText(/· 1 layer ·/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // One match is "1 match".
  await app.getByRole('button', { name: 'demo/app', exact: true }).click();
  await app.getByRole('grid').getByRole('button', { name: '1.0', exact: true }).click();
  await app.getByLabel('Search JSON').fill('schemaVersion');
  await expect(app.getByText('1 match', { exact: true })).toBeVisible();

  // An unreachable registry is said to be unreachable once.
  await app.getByRole('button', { name: '+ Add registry' }).click();
  await app.getByRole('radio', { name: /Any registry/ }).click();
  await app.getByLabel('Registry URL').fill('http://127.0.0.1:1');
  await app.getByLabel('Display name').fill('Nowhere');
  await app.getByRole('button', { name: 'Check connection' }).click();
  const verdict = app.getByRole('status', { name: 'Connection check' });
  await expect(verdict).toBeVisible();
  const summary = (await verdict.locator('.verdict-summary').textContent()) ?? '';
  expect(summary.match(/Cannot reach/g)).toHaveLength(1);
});
