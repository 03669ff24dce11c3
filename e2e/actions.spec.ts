import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultProxy } from '../test/support/fault-proxy';
import { buildImage, seedTags, skopeoCopy, skopeoInspect, writeArchive } from '../test/support/images';
import {
  chooseRegistry,
  dropFile,
  expect,
  expectJobDone,
  openConnection,
  openRepositoryRow,
  reloadApp,
  showOpenRegistry,
  test,
} from './fixtures';

test('drop an archive anywhere: inspect it, push it, and skopeo sees it', async ({ app, world }) => {
  await showOpenRegistry(app, world);
  const image = await buildImage({
    layers: [{ 'hello.txt': 'dropped by e2e\n' }, { 'big.bin': Buffer.alloc(200 * 1024, 3) }],
    labels: { 'org.opencontainers.image.title': 'Dropped' },
    created: '2025-01-02T03:04:05Z',
  });
  const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-drop-'));
  const archive = join(dir, 'dropped.tar');
  await writeArchive(image, 'docker-archive', archive, { refName: 'dropped/app:2.0' });

  await expect(app.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
  await dropFile(app, archive, 'dropped.tar', 'e2e/screenshots/drop-overlay-light.png');

  const dialog = app.getByRole('dialog', { name: 'Push dropped.tar' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText(/dropped\/app:2\.0/).first()).toBeVisible();
  const repo = dialog.getByLabel(/Target repository/);
  await expect(repo).toHaveValue('dropped/app');
  await expect(dialog.getByLabel(/Target tag/)).toHaveValue('2.0');
  // Live validation: uppercase is refused with a suggestion.
  await repo.fill('Dropped/App');
  await expect(dialog.getByText(/must be lowercase/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Push' })).toBeDisabled();
  await repo.fill('dropped/app');
  await dialog.getByRole('button', { name: 'Push' }).click();

  await expectJobDone(app, /dropped\/app/);
  const pushed = await skopeoInspect(`docker://${world.open.host}/dropped/app:2.0`);
  expect(pushed.Labels['org.opencontainers.image.title']).toBe('Dropped');
  expect(pushed.Layers).toHaveLength(2);
});

test('pull to a file through the bridge download', async ({ app, world }) => {
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/app');
  await app.getByRole('grid').getByRole('button', { name: 'Pull 1.0', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: /Pull demo\/app:1.0/ });
  await dialog.getByRole('button', { name: 'Pull to file' }).click();
  const link = dialog.getByRole('link', { name: /Download/ });
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([app.waitForEvent('download'), link.click()]);
  const file = join(mkdtempSync(join(tmpdir(), 'lading-e2e-pull-')), download.suggestedFilename());
  await download.saveAs(file);
  const entries = execFileSync('tar', ['-tf', file], { encoding: 'utf8' });
  expect(entries).toContain('manifest.json');
  // skopeo reads it back as the same image.
  const local = await skopeoInspect(`docker-archive:${file}`);
  const remote = await skopeoInspect(`docker://${world.open.host}/demo/app:1.0`);
  expect(local.Layers).toHaveLength(remote.Layers.length);
});

test('re-tag: add a tag to an image', async ({ app, world }) => {
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/app');
  await app.getByRole('grid').getByRole('button', { name: '1.0', exact: true }).click();
  await app.getByRole('button', { name: 'Re-tag…' }).click();
  const dialog = app.getByRole('dialog', { name: /Re-tag demo\/app:1.0/ });
  await dialog.getByLabel('New tag').fill('stable');
  await dialog.getByRole('button', { name: 'Add tag' }).click();
  await expectJobDone(app, /stable/);
  const [a, b] = await Promise.all([
    skopeoInspect(`docker://${world.open.host}/demo/app:1.0`),
    skopeoInspect(`docker://${world.open.host}/demo/app:stable`),
  ]);
  expect(b.Digest).toBe(a.Digest);
});

test('delete a tag: the dialog names its sibling, and the sibling survives', async ({ app, world }) => {
  await seedTags(world.open, 'demo/del', ['keep', 'gone']);
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/del');
  const grid = app.getByRole('grid', { name: 'Tags of demo/del' });
  await expect(grid.getByText('×2').first()).toBeVisible();
  // Keyboard: select the row, Delete opens the confirmation.
  await grid.getByRole('row', { name: /gone/ }).click();
  await grid.press('Delete');
  const dialog = app.getByRole('dialog', { name: 'Delete tag gone' });
  await expect(dialog.getByText(/1 other tag stays on the same digest: keep/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expectJobDone(app, /gone/);
  await expect(grid.getByRole('button', { name: 'gone', exact: true })).toHaveCount(0);
  await expect(grid.getByRole('button', { name: 'keep', exact: true })).toBeVisible();
  const kept = await skopeoInspect(`docker://${world.open.host}/demo/del:keep`);
  expect(kept.Digest).toMatch(/^sha256:/);
  const tags = await skopeoInspect(`docker://${world.open.host}/demo/del:keep`).then(() =>
    execFileSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${world.open.host}/demo/del`], {
      encoding: 'utf8',
    }),
  );
  expect(JSON.parse(tags).Tags).toEqual(['keep']);
});

test('re-tag: copy an image to another repository of the same registry', async ({ app, world }) => {
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/app');
  await app.getByRole('grid').getByRole('button', { name: 'Re-tag 1.1', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: /Re-tag demo\/app:1.1/ });
  await dialog.getByRole('radio', { name: /Copy to another repository/ }).click();
  await dialog.getByLabel('Target repository').fill('promoted/app');
  await dialog.getByLabel('Target tag').fill('prod');
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await expectJobDone(app, /promoted\/app:prod/);
  const [a, b] = await Promise.all([
    skopeoInspect(`docker://${world.open.host}/demo/app:1.1`),
    skopeoInspect(`docker://${world.open.host}/promoted/app:prod`),
  ]);
  expect(b.Digest).toBe(a.Digest);
});

test('errors are shown where they happen: a wrong saved password, then a failed push', async ({
  app,
  world,
}) => {
  await world.call('connections.save', {
    name: 'Wrong password',
    kind: 'generic',
    registry: world.basic.host,
    insecure: true,
    username: world.basic.user!.username,
    secret: 'not-the-password',
  });
  await app.reload();
  await app
    .getByRole('navigation', { name: 'Connections' })
    .getByRole('button', { name: /Wrong password/ })
    .click();
  const alert = app.getByRole('alert').filter({ hasText: 'Cannot list repositories' });
  await expect(alert).toBeVisible();
  await expect(alert.locator('.error-hint')).not.toBeEmpty();
  await expect(alert.getByRole('button', { name: 'Edit connection' })).toBeVisible();
  await app.screenshot({ path: 'e2e/screenshots/error-repositories-light.png' });

  const image = await buildImage({ layers: [{ 'x.txt': 'x\n' }] });
  const archive = join(mkdtempSync(join(tmpdir(), 'lading-e2e-fail-')), 'fail.tar');
  await writeArchive(image, 'docker-archive', archive, { refName: 'fail/app:1' });
  await dropFile(app, archive, 'fail.tar');
  const dialog = app.getByRole('dialog', { name: 'Push fail.tar' });
  await expect(dialog.getByLabel(/Target repository/)).toHaveValue('fail/app');
  await dialog.getByRole('button', { name: 'Push' }).click();
  const job = app
    .getByRole('complementary', { name: 'Transfers' })
    .getByRole('listitem', { name: /fail\.tar/ })
    .first();
  await expect(job.getByText('Failed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(job.getByRole('alert')).not.toBeEmpty();
  await app.screenshot({ path: 'e2e/screenshots/error-push-light.png' });
});

test('multi-select delete: Shift+click a range, delete them all', async ({ app, world }) => {
  await seedTags(world.open, 'multi/del', ['a1', 'b2', 'c3', 'd4']);
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'multi/del');
  const grid = app.getByRole('grid', { name: 'Tags of multi/del' });
  await app.getByRole('button', { name: /^Tag/ }).click();
  await grid.getByRole('row', { name: /b2/ }).click();
  await grid.getByRole('row', { name: /d4/ }).click({ modifiers: ['Shift'] });
  await expect(app.getByText('3 selected')).toBeVisible();
  await app.getByRole('button', { name: 'Delete 3 tags…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete 3 tags' });
  await expect(dialog.getByText(/1 other tag stays on the same digest: a1/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete 3' }).click();
  await expectJobDone(app, /3 items from multi\/del/);
  await expect(grid.getByRole('row')).toHaveCount(2);
  const tags = execFileSync(
    'skopeo',
    ['list-tags', '--tls-verify=false', `docker://${world.open.host}/multi/del`],
    {
      encoding: 'utf8',
    },
  );
  expect(JSON.parse(tags).Tags).toEqual(['a1']);
});

test('transfers: a failed job can be retried, and finished jobs cleared', async ({ app, world }) => {
  const bad = await world.call('connections.save', {
    name: 'Retry target',
    kind: 'generic',
    registry: world.basic.host,
    insecure: true,
    username: world.basic.user!.username,
    secret: 'wrong-again',
  });
  await world.call('jobs.pull', {
    connectionId: bad.id,
    repository: 'retry/me',
    reference: '1.0',
    format: 'docker',
  });
  await showOpenRegistry(app, world);
  await app.getByRole('button', { name: /^Transfers/ }).click();
  const panel = app.getByRole('complementary', { name: 'Transfers' });
  const jobs = panel.getByRole('listitem', { name: /retry\/me/ });
  await expect(jobs.first().getByText('Failed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await jobs
    .first()
    .getByRole('button', { name: /^Retry/ })
    .click();
  await expect(jobs).toHaveCount(2);
  await expect(jobs.nth(0).getByText('Failed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await panel.getByRole('button', { name: 'Clear finished' }).click();
  await expect(jobs).toHaveCount(0);
});

test('re-tag: move an existing tag onto another image', async ({ app, world }) => {
  const connectionId = await openConnection(world);
  for (const [from, tag] of [
    ['1.0', 'old'],
    ['1.1', 'new'],
  ] as const) {
    const { jobId } = await world.call('jobs.tag', {
      connectionId,
      source: { repository: 'demo/app', reference: from },
      target: { repository: 'move/app', tag },
    });
    await expect
      .poll(async () => (await world.call('jobs.list', {})).find((j) => j.id === jobId)?.state, {
        timeout: 30_000,
      })
      .toBe('done');
  }
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'move/app');
  await app.getByRole('grid').getByRole('button', { name: 'Re-tag new', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: /Re-tag move\/app:new/ });
  await dialog.getByRole('radio', { name: /Move a tag/ }).click();
  await dialog.getByLabel('Tag to move').selectOption('old');
  await dialog.getByRole('button', { name: 'Move tag' }).click();
  await expectJobDone(app, /move\/app:old/);
  const [moved, target] = await Promise.all([
    skopeoInspect(`docker://${world.open.host}/move/app:old`),
    skopeoInspect(`docker://${world.open.host}/demo/app:1.1`),
  ]);
  expect(moved.Digest).toBe(target.Digest);
});

test('an archive holding two images: choose which to push, and where', async ({ app, world }) => {
  await showOpenRegistry(app, world);
  // A real OCI archive with two ref names: skopeo writes both images into one layout, tar packs it.
  const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-two-'));
  const layout = join(dir, 'layout');
  for (const [i, name] of ['pair/first:1', 'pair/second:1'].entries()) {
    const image = await buildImage({ layers: [{ [`image-${i}.txt`]: `image ${i}\n` }] });
    await skopeoCopy(image.ref, `oci:${layout}:${name}`);
  }
  const archive = join(dir, 'two.tar');
  execFileSync('tar', ['-C', layout, '-cf', archive, '.']);

  await dropFile(app, archive, 'two.tar');
  const dialog = app.getByRole('dialog', { name: 'Push two.tar' });
  await expect(dialog.getByText('pair/first:1', { exact: true })).toBeVisible();
  await expect(dialog.getByText('pair/second:1', { exact: true })).toBeVisible();
  // Leave the first out; send the second to a repository of our choosing.
  const checks = dialog.getByRole('checkbox', { name: 'Push this image' });
  await expect(checks).toHaveCount(2);
  // Nothing is chosen for the user: Push waits until an image is ticked and its target shown.
  await expect(checks.nth(0)).not.toBeChecked();
  await expect(checks.nth(1)).not.toBeChecked();
  await expect(dialog.getByLabel('Target repository for two.tar image 1')).toHaveCount(0);
  await expect(dialog.getByText(/Choose the images to push/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Push' })).toBeDisabled();
  await checks.nth(1).check();
  await dialog.getByLabel('Target repository for two.tar image 2').fill('picked/second');
  await dialog.getByLabel('Target tag for two.tar image 2').fill('chosen');
  await dialog.getByRole('button', { name: 'Push' }).click();

  await expectJobDone(app, /picked\/second/);
  const pushed = await skopeoInspect(`docker://${world.open.host}/picked/second:chosen`);
  expect(pushed.Layers).toHaveLength(1);
  await expect(skopeoInspect(`docker://${world.open.host}/pair/first:1`)).rejects.toThrow();
});

test('cancel a push mid-upload: the job says so and no tag is left', async ({ app, world }) => {
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
    await world.call('connections.save', { name: 'Slow link', kind: 'generic', registry: proxy.host });
    await reloadApp(app, world);
    await chooseRegistry(app, proxy);

    const image = await buildImage({ layers: [{ 'slow.bin': Buffer.alloc(256 * 1024, 5) }] });
    const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-cancel-'));
    const archive = join(dir, 'slow.tar');
    await writeArchive(image, 'docker-archive', archive, { refName: 'cancel/app:1' });
    await dropFile(app, archive, 'slow.tar');
    await app.getByRole('dialog', { name: 'Push slow.tar' }).getByRole('button', { name: 'Push' }).click();

    const panel = app.getByRole('complementary', { name: 'Transfers' });
    await panel.waitFor({ timeout: 3000 }).catch(async () => {
      await app.getByRole('button', { name: /^Transfers/ }).click();
    });
    const job = panel.getByRole('listitem', { name: /cancel\/app/ }).first();
    await expect(job.getByText('Running', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect.poll(() => proxy.requests.some((r) => /\/blobs\/uploads\//.test(r.path))).toBe(true);
    await job.getByRole('button', { name: /^Cancel/ }).click();
    await expect(job.getByText('Cancelled', { exact: true })).toBeVisible({ timeout: 15_000 });
    // A cancel is the user's choice: said plainly, not as a red error.
    await expect(job.getByRole('alert')).toHaveCount(0);
    await expect(job.getByText(/The job was cancelled\. Retry starts it again\./)).toBeVisible();
    await expect(job.locator('.job-error')).toHaveCount(0);

    // No tag, and the registry was told to drop the upload session.
    await expect(skopeoInspect(`docker://${world.open.host}/cancel/app:1`)).rejects.toThrow();
    await expect
      .poll(() => proxy.requests.some((r) => r.method === 'DELETE' && /\/blobs\/uploads\//.test(r.path)))
      .toBe(true);

    // The uploaded file was kept: Retry pushes it (uploads pass this time) without dropping it again.
    proxy.rules.length = 0;
    await job.getByRole('button', { name: /^Retry/ }).click();
    const jobs = panel.getByRole('listitem', { name: /cancel\/app/ });
    await expect(jobs).toHaveCount(2);
    await expect(jobs.first().getByText('Done', { exact: true })).toBeVisible({ timeout: 30_000 });
    const pushed = await skopeoInspect(`docker://${world.open.host}/cancel/app:1`);
    expect(pushed.Layers).toHaveLength(1);
  } finally {
    await proxy.stop();
  }
});
