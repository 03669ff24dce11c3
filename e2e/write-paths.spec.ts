/**
 * The screens where a person deletes, overwrites or pushes (issue #12): what they see must be right before
 * and after they act. Real registries, real archives (skopeo), colours as Chromium paints them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { buildImage, pushImage, seedTags, skopeoInspect, writeArchive } from '../test/support/images';
import { painted } from './contrast';
import { dropFile, expect, expectJobDone, showOpenRegistry, test } from './fixtures';

/** Contrast of a button's label as painted now; at least 4.5:1 (WCAG AA for text). */
async function expectReadable(button: Locator, what: string): Promise<void> {
  const seen = await painted(button);
  expect(seen.ratio, `${what}: ${seen.color} on ${seen.background}`).toBeGreaterThanOrEqual(4.5);
}

async function setTheme(app: Page, theme: 'light' | 'dark'): Promise<void> {
  await app.evaluate((t) => {
    document.documentElement.dataset.theme = t;
  }, theme);
}

/** Opens a repository of the open registry from its list. */
async function openRepository(app: Page, name: string): Promise<Locator> {
  const button = app.getByRole('button', { name, exact: true });
  const filter = app.getByLabel('Filter repositories');
  // Filtered first: the list is virtualised, and other specs add rows above this one.
  await filter.fill(name);
  // A repository seeded after this tab last listed the catalog is not in the cached list: list it again.
  if (
    !(await button.waitFor({ timeout: 3000 }).then(
      () => true,
      () => false,
    ))
  ) {
    await app.reload();
    await filter.fill(name);
  }
  await button.click();
  const grid = app.getByRole('grid', { name: `Tags of ${name}` });
  await expect(grid).toBeVisible();
  return grid;
}

test('danger buttons keep a readable label under the pointer and with keyboard focus', async ({
  app,
  world,
}) => {
  await seedTags(world.open, 'trust/danger', ['one', 'two']);
  await showOpenRegistry(app, world);
  const grid = await openRepository(app, 'trust/danger');
  await grid.getByRole('row', { name: /one/ }).click();
  await grid.getByRole('row', { name: /two/ }).click({ modifiers: ['Shift'] });
  const toolbarDelete = app.getByRole('button', { name: 'Delete 2 tags…' });
  const deleteImage = app.getByRole('button', { name: 'Delete image…' });
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await app.mouse.move(0, 0);
    await expectReadable(toolbarDelete, `${theme}: "Delete 2 tags…" at rest`);
    const atRest = await painted(toolbarDelete);
    await toolbarDelete.hover();
    const hovered = await painted(toolbarDelete);
    // The pointer changes the button (it reacts) but keeps it a red button with a readable label.
    expect(hovered.ownBackground).not.toBe(atRest.ownBackground);
    await expectReadable(toolbarDelete, `${theme}: "Delete 2 tags…" under the pointer`);
    await deleteImage.hover();
    await expectReadable(deleteImage, `${theme}: "Delete image…" under the pointer`);
  }
  await setTheme(app, 'light');

  await toolbarDelete.click();
  const dialog = app.getByRole('dialog', { name: 'Delete 2 tags' });
  const confirm = dialog.getByRole('button', { name: 'Delete 2' });
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await confirm.hover();
    await expectReadable(confirm, `${theme}: "Delete 2" under the pointer`);
    await app.mouse.move(0, 0);
    // Keyboard: Tab from Cancel to the button; the focus ring shows and the label stays readable.
    await dialog.getByRole('button', { name: 'Cancel' }).focus();
    await app.keyboard.press('Tab');
    await expect(confirm).toBeFocused();
    const focused = await painted(confirm);
    expect(focused.outline).toMatch(/^solid 2px/);
    await expectReadable(confirm, `${theme}: "Delete 2" with keyboard focus`);
    await confirm.hover();
    await expectReadable(confirm, `${theme}: "Delete 2" focused and under the pointer`);
  }
  await setTheme(app, 'light');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // "Remove …" (a connection) and "Save anyway" (a connection whose check failed) are the same red button.
  await app.getByRole('button', { name: '+ Add registry' }).click();
  await app.getByRole('radio', { name: /Any registry/ }).click();
  await app.getByLabel('Registry URL').fill(`http://${world.basic.host}`);
  await app.getByLabel('Username').fill('someone');
  await app.getByLabel('Password or token').fill('wrong');
  await app.getByRole('button', { name: 'Check connection' }).click();
  const saveAnyway = app.getByRole('button', { name: 'Save anyway' });
  await expect(saveAnyway).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await saveAnyway.hover();
    await expectReadable(saveAnyway, `${theme}: "Save anyway" under the pointer`);
  }
  await setTheme(app, 'light');
  // Cancel goes back to the first connection's repositories, where "Remove connection" asks first.
  await app.getByRole('button', { name: 'Cancel' }).click();
  await app.getByRole('button', { name: 'Remove connection' }).click();
  const remove = app.getByRole('button', { name: /^Remove / });
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await remove.hover();
    await expectReadable(remove, `${theme}: "Remove …" under the pointer`);
  }
  await app.getByRole('button', { name: 'Keep' }).click();
});

test('push onto an existing tag: the dialog says what it points at and needs "Replace"', async ({
  app,
  world,
}) => {
  await seedTags(world.open, 'trust/push', ['1.0', 'keep']);
  const before = await skopeoInspect(`docker://${world.open.host}/trust/push:1.0`);
  // An OCI archive whose only ref name is "1.0" (what `skopeo copy … oci-archive:file:1.0` writes).
  const image = await buildImage({ layers: [{ 'new.txt': 'the replacement\n' }] });
  const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-replace-'));
  const archive = join(dir, 'Release Build.tar');
  await writeArchive(image, 'oci-archive', archive, { refName: '1.0' });

  await showOpenRegistry(app, world);
  await openRepository(app, 'trust/push');
  await dropFile(app, archive, 'Release Build.tar');
  const dialog = app.getByRole('dialog', { name: 'Push Release Build.tar' });
  // The ref name is a tag: it fills the tag; the repository is the one on screen.
  await expect(dialog.getByLabel(/Target repository/)).toHaveValue('trust/push');
  await expect(dialog.getByLabel(/Target tag/)).toHaveValue('1.0');
  const notice = dialog.getByRole('group', { name: '1.0 already exists' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(
    `trust/push:1.0 already exists: it points at ${before.Digest.slice(7, 19)}`,
  );
  const push = dialog.getByRole('button', { name: /^Push/ });
  await expect(push).toHaveText(/Push and replace/);
  await expect(push).toBeDisabled();

  // Typing another tag asks again, as you type: a new tag needs no Replace.
  const tag = dialog.getByLabel(/Target tag/);
  await tag.fill('keep');
  await expect(dialog.getByRole('group', { name: 'keep already exists' })).toBeVisible();
  await tag.fill('brand-new');
  await expect(dialog.getByText('brand-new is a new tag here.')).toBeVisible();
  await expect(push).toHaveText(/^\s*Push$/);
  await expect(push).toBeEnabled();
  await tag.fill('1.0');
  await expect(push).toBeDisabled();
  await notice.getByRole('checkbox', { name: /Replace 1\.0/ }).check();
  await expect(push).toBeEnabled();
  await app.screenshot({ path: 'e2e/screenshots/push-existing-tag-light.png' });
  await push.click();

  await expectJobDone(app, /trust\/push:1\.0/);
  const after = await skopeoInspect(`docker://${world.open.host}/trust/push:1.0`);
  expect(after.Digest).not.toBe(before.Digest);
  expect(after.Layers).toHaveLength(1);
  const kept = await skopeoInspect(`docker://${world.open.host}/trust/push:keep`);
  expect(kept.Digest).toBe(before.Digest);
});

test('an OCI archive named only by a tag: repository from the file name, else empty', async ({
  app,
  world,
}) => {
  const image = await buildImage({ layers: [{ 'oci.txt': 'oci ref name\n' }] });
  const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-refname-'));
  const archive = join(dir, 'refname.tar');
  await writeArchive(image, 'oci-archive', archive, { refName: '1.0' });
  await showOpenRegistry(app, world);

  // On the repository list there is no current repository: the file name gives one.
  await dropFile(app, archive, 'My Tool.tar');
  let dialog = app.getByRole('dialog', { name: 'Push My Tool.tar' });
  await expect(dialog.getByLabel(/Target repository/)).toHaveValue('my-tool');
  await expect(dialog.getByLabel(/Target tag/)).toHaveValue('1.0');
  await expect(dialog.getByText(/→ .*\/my-tool:1\.0/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A file name that makes no repository name leaves it empty: nothing is pushed where the user did not look.
  await dropFile(app, archive, '!!!.tar');
  dialog = app.getByRole('dialog', { name: 'Push !!!.tar' });
  await expect(dialog.getByLabel(/Target tag/)).toHaveValue('1.0');
  await expect(dialog.getByLabel(/Target repository/)).toHaveValue('');
  await expect(dialog.getByText('Enter a repository name.')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Push' })).toBeDisabled();
  // The suggested fix for a bad name is itself valid.
  await dialog.getByLabel(/Target repository/).fill('Bad Name');
  await expect(dialog.getByText(/try “bad-name”/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('delete a digest from its image page: back on the repository, which says what was deleted', async ({
  app,
  world,
}) => {
  // Two images: "gone-a" and "gone-b" share one digest; "stays" is another image.
  const other = await buildImage({ layers: [{ 'stays.txt': 'stays\n' }] });
  await seedTags(world.open, 'trust/deldigest', ['gone-a', 'gone-b']);
  await pushImage(world.open, other, 'trust/deldigest:stays');
  const gone = await skopeoInspect(`docker://${world.open.host}/trust/deldigest:gone-a`);
  await showOpenRegistry(app, world);
  const grid = await openRepository(app, 'trust/deldigest');
  await grid.getByRole('button', { name: 'gone-a', exact: true }).click();
  await expect(app.getByRole('heading', { level: 1 })).toContainText('trust/deldigest:gone-a');
  await app.getByRole('button', { name: 'Delete digest…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete image by digest' });
  await expect(dialog.getByText('gone-b', { exact: true })).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();

  // The deleted image is not left on screen with live actions: the repository is, saying what went.
  await expect(app).toHaveURL(/#\/c\/[^/]+\/r\/trust\/deldigest$/);
  await expect(app.getByRole('button', { name: 'Delete digest…' })).toHaveCount(0);
  const result = app.getByRole('status', { name: 'Delete result' });
  await expect(result).toContainText(
    `Deleted image ${gone.Digest.slice(7, 19)} (tags gone-a, gone-b) from trust/deldigest.`,
    { timeout: 30_000 },
  );
  await expect(grid.getByRole('button', { name: 'stays', exact: true })).toBeVisible();
  await expect(grid.getByRole('button', { name: 'gone-a', exact: true })).toHaveCount(0);
  await expect(skopeoInspect(`docker://${world.open.host}/trust/deldigest:gone-b`)).rejects.toThrow();
});

test('delete the last tag from its image page: back on the now empty repository', async ({ app, world }) => {
  await seedTags(world.open, 'trust/lasttag', ['only']);
  await showOpenRegistry(app, world);
  const grid = await openRepository(app, 'trust/lasttag');
  await grid.getByRole('button', { name: 'only', exact: true }).click();
  await app.getByRole('button', { name: 'Delete tag…' }).click();
  await app
    .getByRole('dialog', { name: 'Delete tag only' })
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expect(app.getByRole('status', { name: 'Delete result' })).toContainText(
    'Deleted tag only from trust/lasttag.',
    { timeout: 30_000 },
  );
  await expect(app.getByRole('heading', { level: 1 })).toHaveText(/^trust\/lasttag/);
  await expect(app.getByText('This repository has no tags')).toBeVisible();
});

test('re-tag onto an existing tag: the same notice and "Replace" as a push', async ({ app, world }) => {
  await seedTags(world.open, 'trust/copyto', ['prod']);
  const before = await skopeoInspect(`docker://${world.open.host}/trust/copyto:prod`);
  await showOpenRegistry(app, world);
  const grid = await openRepository(app, 'demo/app');
  await grid.getByRole('button', { name: 'Re-tag 1.1', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: /Re-tag demo\/app:1.1/ });

  // Adding a tag the image already has changes nothing, and says so.
  await dialog.getByLabel('New tag').fill('latest');
  await expect(
    dialog.getByText('It already points at this image: there is nothing to change.'),
  ).toBeVisible();
  await expect(dialog.getByRole('button', { name: /Add tag|Replace tag/ })).toBeDisabled();

  await dialog.getByRole('radio', { name: /Copy to another repository/ }).click();
  await dialog.getByLabel('Target repository').fill('trust/copyto');
  await dialog.getByLabel('Target tag').fill('prod');
  const notice = dialog.getByRole('group', { name: 'prod already exists' });
  await expect(notice).toContainText(
    `trust/copyto:prod already exists: it points at ${before.Digest.slice(7, 19)}`,
  );
  const replace = dialog.getByRole('button', { name: 'Replace tag' });
  await expect(replace).toBeDisabled();
  await notice.getByRole('checkbox', { name: /Replace prod/ }).check();
  await replace.click();
  await expectJobDone(app, /trust\/copyto:prod/);
  const [source, target] = await Promise.all([
    skopeoInspect(`docker://${world.open.host}/demo/app:1.1`),
    skopeoInspect(`docker://${world.open.host}/trust/copyto:prod`),
  ]);
  expect(target.Digest).toBe(source.Digest);
});
