/**
 * Copy and sync between registries through the UI (issue #14, "In the app"): from the open registry to the
 * basic-auth one, checked with skopeo; what a person sees in the dialogs (prefill, live checks, "Replace",
 * the sync preview) and the button states.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { seedTags, skopeoInspect } from '../test/support/images';
import { basicConnection, expect, expectJobDone, showOpenRegistry, test, type World } from './fixtures';

function basicLabel(world: World): string {
  return `Basic registry (${world.basic.host})`;
}

function basicTags(world: World, repository: string): string[] {
  const u = world.basic.user!;
  const out = execFileSync(
    'skopeo',
    [
      'list-tags',
      '--tls-verify=false',
      '--creds',
      `${u.username}:${u.password}`,
      `docker://${world.basic.host}/${repository}`,
    ],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out).Tags as string[]).sort();
}

/** Opens a repository from the list, filtered first: the list is virtualised and other specs add rows. */
async function openRepository(app: Page, repository: string): Promise<void> {
  await app.getByLabel('Filter repositories').fill(repository);
  await app.getByRole('button', { name: repository, exact: true }).click();
}

async function openImage(app: Page, repository: string, tag: string): Promise<void> {
  await openRepository(app, repository);
  await app.getByRole('grid').getByRole('button', { name: tag, exact: true }).click();
  await expect(app.getByRole('heading', { name: 'Identity' })).toBeVisible();
}

test('copy an image to another registry: prefilled, checked live, and skopeo sees the same digest', async ({
  app,
  world,
}) => {
  await basicConnection(world);
  await showOpenRegistry(app, world);
  await openImage(app, 'demo/app', '1.0');
  await app.getByRole('button', { name: 'Copy to…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Copy demo/app:1.0' });
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  const repo = dialog.getByLabel('Target repository');
  await expect(repo).toHaveValue('demo/app');
  await expect(dialog.getByLabel('Target tag')).toHaveValue('1.0');
  // Live validation as in the push dialog.
  await repo.fill('Copied/App');
  await expect(dialog.getByText(/must be lowercase/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Copy', exact: true })).toBeDisabled();
  await repo.fill('copied/app');
  await expect(dialog.getByText(`→ ${world.basic.host}/copied/app:1.0`)).toBeVisible();
  await expect(dialog.getByText('1.0 is a new tag here.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();

  await expectJobDone(app, /copied\/app:1\.0/);
  const [source, copied] = await Promise.all([
    skopeoInspect(`docker://${world.open.host}/demo/app:1.0`),
    skopeoInspect(`docker://${world.basic.host}/copied/app:1.0`, { creds: world.basic.user }),
  ]);
  expect(copied.Digest).toBe(source.Digest);
  expect(copied.Layers).toEqual(source.Layers);
});

test('copy one platform of an index: the target is that platform’s image', async ({ app, world }) => {
  await basicConnection(world);
  await showOpenRegistry(app, world);
  await openImage(app, 'demo/multi', '1.0');
  await app.getByRole('button', { name: 'Copy to…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Copy demo/multi:1.0' });
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  const platforms = dialog.getByLabel('Platforms');
  await expect(platforms).toHaveValue('');
  await expect(platforms.getByRole('option')).toHaveText([
    'All (2): the whole index',
    'linux/amd64 only',
    'linux/arm64 only',
  ]);
  await platforms.selectOption({ label: 'linux/arm64 only' });
  await dialog.getByLabel('Target repository').fill('copied/multi');
  await dialog.getByLabel('Target tag').fill('arm64');
  await expect(dialog.getByText(`→ ${world.basic.host}/copied/multi:arm64 (linux/arm64)`)).toBeVisible();
  await expect(dialog.getByText('arm64 is a new tag here.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();

  await expectJobDone(app, /copied\/multi:arm64/);
  const raw = await skopeoInspect(`docker://${world.basic.host}/copied/multi:arm64`, {
    raw: true,
    creds: world.basic.user,
  });
  expect(raw.manifests).toBeUndefined();
  expect(raw.layers.length).toBeGreaterThan(0);
  const copied = await skopeoInspect(`docker://${world.basic.host}/copied/multi:arm64`, {
    creds: world.basic.user,
  });
  expect(copied.Architecture).toBe('arm64');
  const index = await skopeoInspect(`docker://${world.open.host}/demo/multi:1.0`, { raw: true });
  const arm = index.manifests.find(
    (m: { platform?: { architecture: string } }) => m.platform?.architecture === 'arm64',
  );
  expect(copied.Digest).toBe(arm.digest);
});

test('a platform page copies that platform; a copy onto an existing tag needs "Replace"', async ({
  app,
  world,
}) => {
  await basicConnection(world);
  // The target tag exists at the basic registry, on another image.
  await seedTags(world.basic, 'replace/multi', ['1.0']);
  const before = await skopeoInspect(`docker://${world.basic.host}/replace/multi:1.0`, {
    creds: world.basic.user,
  });
  await showOpenRegistry(app, world);
  await openImage(app, 'demo/multi', '1.0');
  await app.getByRole('button', { name: 'Open linux/amd64' }).click();
  await expect(app.getByRole('heading', { name: 'Identity' })).toBeVisible();
  await app.getByRole('button', { name: 'Copy to…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Copy demo/multi:1.0' });
  await expect(dialog.getByLabel('Platforms')).toHaveValue('linux/amd64');
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  await dialog.getByLabel('Target repository').fill('replace/multi');

  const notice = dialog.getByRole('group', { name: '1.0 already exists' });
  await expect(notice).toContainText(
    `replace/multi:1.0 already exists: it points at ${before.Digest.slice(7, 19)}`,
  );
  const copy = dialog.getByRole('button', { name: 'Copy and replace' });
  await expect(copy).toBeDisabled();
  await notice.getByLabel(/Replace 1\.0/).check();
  await expect(copy).toBeEnabled();
  // Another repository is a new question: the tick does not carry over.
  await dialog.getByLabel('Target repository').fill('replace/other');
  await expect(dialog.getByText('1.0 is a new tag here.')).toBeVisible();
  await dialog.getByLabel('Target repository').fill('replace/multi');
  await expect(notice.getByLabel(/Replace 1\.0/)).not.toBeChecked();
  await expect(copy).toBeDisabled();
  await notice.getByLabel(/Replace 1\.0/).check();
  await copy.click();

  await expectJobDone(app, /replace\/multi:1\.0/);
  const after = await skopeoInspect(`docker://${world.basic.host}/replace/multi:1.0`, {
    creds: world.basic.user,
  });
  expect(after.Architecture).toBe('amd64');
  expect(after.Digest).not.toBe(before.Digest);
});

test('copy a multi-selection of tags: each keeps its own tag', async ({ app, world }) => {
  await basicConnection(world);
  await seedTags(world.open, 'copy/many', ['a1', 'b2', 'c3']);
  await showOpenRegistry(app, world);
  await openRepository(app, 'copy/many');
  const grid = app.getByRole('grid', { name: 'Tags of copy/many' });
  await app.getByRole('button', { name: /^Tag/ }).click();
  await grid.getByRole('row', { name: /b2/ }).click();
  await grid.getByRole('row', { name: /c3/ }).click({ modifiers: ['Shift'] });
  await expect(app.getByText('2 selected')).toBeVisible();
  await app.getByRole('button', { name: 'Copy 2 tags to…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Copy 2 tags of copy/many' });
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  await expect(dialog.getByLabel('Target repository')).toHaveValue('copy/many');
  await expect(dialog.getByLabel('Target tag')).toHaveCount(0);
  await expect(dialog.getByText(`b2 → ${world.basic.host}/copy/many:b2`)).toBeVisible();
  await expect(dialog.getByText(`c3 → ${world.basic.host}/copy/many:c3`)).toBeVisible();
  await expect(dialog.getByText('b2 is a new tag here.')).toBeVisible();
  await expect(dialog.getByText('c3 is a new tag here.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Copy 2 tags' }).click();
  await expectJobDone(app, /copy\/many:b2/);
  await expectJobDone(app, /copy\/many:c3/);
  expect(basicTags(world, 'copy/many')).toEqual(['b2', 'c3']);
});

test('sync a repository: the preview lists what would be copied, Run copies it, then all is the same', async ({
  app,
  world,
}) => {
  await basicConnection(world);
  await seedTags(world.open, 'sync/app', ['v1', 'v2', 'dev']);
  await showOpenRegistry(app, world);
  await openRepository(app, 'sync/app');
  await app.getByRole('button', { name: 'Sync repository to…' }).click();
  let dialog = app.getByRole('dialog', { name: 'Sync sync/app' });
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  await expect(dialog.getByLabel('Target repository')).toHaveValue('sync/app');
  await expect(dialog.getByRole('region', { name: 'Would be copied' }).getByRole('listitem')).toHaveText([
    'dev',
    'v1',
    'v2',
  ]);
  await expect(dialog.getByRole('button', { name: 'Sync 3 tags' })).toBeEnabled();

  // A pattern narrows it, checked as typed.
  const pattern = dialog.getByLabel('Tag pattern');
  await pattern.fill('^v(');
  await expect(dialog.getByText(/Not a valid regular expression/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: /^Sync/ })).toBeDisabled();
  await pattern.fill('^v');
  await expect(dialog.getByRole('region', { name: 'Would be copied' }).getByRole('listitem')).toHaveText([
    'v1',
    'v2',
  ]);
  await expect(dialog.getByText('2 tags would be copied.')).toBeVisible();
  await app.screenshot({ path: 'e2e/screenshots/sync-preview-light.png' });
  await dialog.getByRole('button', { name: 'Sync 2 tags' }).click();
  await expectJobDone(app, /Sync .*sync\/app/);
  expect(basicTags(world, 'sync/app')).toEqual(['v1', 'v2']);

  // A second preview: both are the same now; nothing to run.
  await app.getByRole('button', { name: 'Sync repository to…' }).click();
  dialog = app.getByRole('dialog', { name: 'Sync sync/app' });
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  await dialog.getByLabel('Tag pattern').fill('^v');
  await expect(dialog.getByRole('region', { name: 'Already the same' }).getByRole('listitem')).toHaveText([
    'v1',
    'v2',
  ]);
  await expect(dialog.getByRole('region', { name: 'Would be copied' })).toHaveCount(0);
  await expect(
    dialog.getByText('Nothing to copy: the target has every tag, 2 tags already the same.'),
  ).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Nothing to sync' })).toBeDisabled();
  // Without the pattern, dev is still to copy.
  await dialog.getByLabel('Tag pattern').fill('');
  await expect(dialog.getByRole('region', { name: 'Would be copied' }).getByRole('listitem')).toHaveText([
    'dev',
  ]);
});

test('the tag table’s row offers "Copy to…" in a wide window, as the narrow row menu does', async ({
  app,
  world,
}) => {
  await basicConnection(world);
  await showOpenRegistry(app, world);
  await openRepository(app, 'demo/app');
  const row = app.getByRole('row').filter({ has: app.getByRole('button', { name: '1.0', exact: true }) });
  await row.hover();
  await row.getByRole('button', { name: 'Copy 1.0 to…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Copy demo/app:1.0' });
  await dialog.getByLabel('To registry').selectOption({ label: basicLabel(world) });
  await dialog.getByLabel('Target repository').fill('rowcopy/app');
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expectJobDone(app, /rowcopy\/app:1\.0/);
  expect(basicTags(world, 'rowcopy/app')).toEqual(['1.0']);
});
