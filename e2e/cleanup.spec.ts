/**
 * "Clean up…" (issue #18, "In the app") against real registries: a repository seeded with images of
 * distinct created dates and tags sharing a digest; the rules typed into the form; the preview's rows are
 * the expected plan and change nothing (checked through the registry); Run deletes exactly those. Then the
 * same on the GitHub stand-in in front of a real registry, where images go as package versions and an
 * untagged version goes too.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { RegistryClient } from '../electron/core/registry/client';
import { manifestReference, repositoryName } from '../electron/core/registry/names';
import { digestHex12 } from '../shared/reference-grammar';
import { daysAgo, type Pushed, seeder } from '../test/integration/prune-seed';
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../test/support/github-ghcr-like';
import { expect, expectJobDone, reloadApp, showOpenRegistry, test } from './fixtures';

/** Opens a repository from the list, filtered first (the list is virtualised; other specs add rows). */
async function openRepository(app: Page, repository: string): Promise<void> {
  const filter = app.getByLabel('Filter repositories');
  await filter.fill(repository);
  const row = app.getByRole('button', { name: repository, exact: true });
  if (!(await row.isVisible({ timeout: 5000 }).catch(() => false))) {
    // A catalog read before this spec seeded the repository: reload (the screen keeps its address).
    await app.reload();
    await filter.fill(repository);
  }
  await row.click();
}

/** The preview's "Would be deleted" rows as [action, tags, digest's 12 hex]. */
async function plannedRows(dialog: Locator): Promise<string[][]> {
  const rows = dialog.getByRole('region', { name: 'Would be deleted' }).locator('tbody tr');
  return rows.evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent?.trim() ?? '')),
  );
}

async function setRules(dialog: Locator, rules: { keep: string; keepLast: string; untagged?: boolean }) {
  await dialog.getByLabel('Keep tags matching').fill(rules.keep);
  await dialog.getByLabel('Keep the newest images').fill(rules.keepLast);
  if (rules.untagged) await dialog.getByRole('checkbox', { name: /untagged/ }).check();
}

test('clean up a repository: the preview is the plan and changes nothing; Run deletes exactly it', async ({
  app,
  world,
}) => {
  test.setTimeout(120_000);
  const client = new RegistryClient({ registry: world.open.host, insecure: true });
  const repo = 'clean/app';
  const s = await seeder(client, repo);
  // Oldest first; v1.0.0 shares ci-2's digest, old-3 ci-3's, dev ci-4's, latest ci-5's.
  const ci: Record<number, Pushed> = {};
  const extra: Record<number, string[]> = { 2: ['v1.0.0'], 3: ['old-3'], 4: ['dev'], 5: ['latest'] };
  for (let n = 1; n <= 5; n++)
    ci[n] = await s.image(`ci-${n}`, daysAgo(60 - 10 * n), [`ci-${n}`, ...(extra[n] ?? [])]);
  const everyTag = ['ci-1', 'ci-2', 'ci-3', 'ci-4', 'ci-5', 'dev', 'latest', 'old-3', 'v1.0.0'];
  const hex = (n: number) => digestHex12((ci[n] as Pushed).digest);

  await showOpenRegistry(app, world);
  await openRepository(app, repo);
  await app.getByRole('button', { name: 'Clean up…' }).click();
  const dialog = app.getByRole('dialog', { name: `Clean up ${repo}` });

  // Checked as typed, before anything is asked of the registry.
  await dialog.getByLabel('Keep the newest images').fill('two');
  await expect(dialog.getByText(/A whole number of images/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: /^Run clean-up/ })).toBeDisabled();

  // keep-last 2 keeps ci-5 and ci-4 (every tag of each); the keep pattern keeps ci-2's image.
  await setRules(dialog, { keep: '^v\\d+\\.\\d+\\.\\d+$', keepLast: '2' });
  await expect
    .poll(() => plannedRows(dialog))
    .toEqual([
      ['Delete image', 'ci-1', hex(1)],
      ['Delete image', 'ci-3, old-3', hex(3)],
    ]);
  await expect(
    dialog.getByText(/^2 images deleted \(with 3 tags\); 6 tags kept · .+ no longer referenced\.$/),
  ).toBeVisible();
  const kept = dialog.getByRole('region', { name: 'Kept' });
  await expect(kept.getByRole('row', { name: /^v1\.0\.0 / })).toContainText('matches --keep');
  await expect(kept.getByRole('row', { name: /^dev / })).toContainText('newest images');
  // The filter narrows both lists.
  await dialog.getByLabel('Filter the preview').fill('old-3');
  await expect.poll(() => plannedRows(dialog)).toEqual([['Delete image', 'ci-3, old-3', hex(3)]]);
  await expect(kept).toContainText('Kept 0');
  await dialog.getByLabel('Filter the preview').fill('');

  // The preview deleted nothing.
  expect((await client.tags(repositoryName(repo))).sort()).toEqual(everyTag);
  expect(
    await client.headManifest(repositoryName(repo), manifestReference((ci[1] as Pushed).digest)),
  ).toBeDefined();

  await dialog.getByRole('button', { name: 'Run clean-up (2 deletions)' }).click();
  await expectJobDone(app, /Clean up .*clean\/app/);
  const job = app
    .getByRole('complementary', { name: 'Transfers' })
    .getByRole('listitem', { name: /clean\/app/ });
  await expect(job).toContainText('2 of 2 deletions done');
  await app.screenshot({ path: 'e2e/screenshots/cleanup-job-light.png' });
  expect((await client.tags(repositoryName(repo))).sort()).toEqual([
    'ci-2',
    'ci-4',
    'ci-5',
    'dev',
    'latest',
    'v1.0.0',
  ]);
  expect(
    await client.headManifest(repositoryName(repo), manifestReference((ci[1] as Pushed).digest)),
  ).toBeUndefined();
  expect(
    await client.headManifest(repositoryName(repo), manifestReference((ci[3] as Pushed).digest)),
  ).toBeUndefined();
  for (const n of [2, 4, 5])
    expect(
      await client.headManifest(repositoryName(repo), manifestReference((ci[n] as Pushed).digest)),
    ).toBeDefined();
});

/** axe-core's color-contrast rule on what is on screen, in both themes (as e2e/a11y.spec.ts does). */
async function expectContrastBothThemes(app: Page, where: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await app.evaluate((t) => {
      document.documentElement.dataset.theme = t;
    }, theme);
    const result = await new AxeBuilder({ page: app }).withRules(['color-contrast']).analyze();
    const found = result.violations.flatMap((v) =>
      v.nodes.map((n) => `${n.target.join(' ')}: ${n.any[0]?.message ?? n.failureSummary}`),
    );
    expect(found, `${theme} ${where}: texts under 4.5:1`).toEqual([]);
  }
  await app.evaluate(() => {
    document.documentElement.dataset.theme = 'light';
  });
}

test('the clean-up dialog by keyboard, readable in both themes; closing it deletes nothing', async ({
  app,
  world,
}) => {
  // Its own repository: other specs change demo/app's tags.
  const client = new RegistryClient({ registry: world.open.host, insecure: true });
  const s = await seeder(client, 'clean/keys');
  await s.image('k-1', daysAgo(20), ['k-1']);
  await s.image('k-2', daysAgo(10), ['k-2', 'latest']);
  await app.setViewportSize({ width: 800, height: 700 }); // the window's minimum width
  await showOpenRegistry(app, world);
  await openRepository(app, 'clean/keys');
  const open = app.getByRole('button', { name: 'Clean up…' });
  await expect(open).toBeInViewport({ ratio: 1 });
  await app.screenshot({ path: 'e2e/screenshots/cleanup-tags-800.png' });
  await open.focus();
  await app.keyboard.press('Enter');
  const dialog = app.getByRole('dialog', { name: 'Clean up clean/keys' });
  await expect(dialog.getByLabel('Only tags matching')).toBeFocused();
  // Tab walks the form in reading order; typing replaces what is there.
  await app.keyboard.press('Tab');
  await expect(dialog.getByLabel('Keep tags matching')).toBeFocused();
  await app.keyboard.press('Tab');
  await expect(dialog.getByLabel('Keep the newest images')).toBeFocused();
  await app.keyboard.press('ControlOrMeta+a');
  await app.keyboard.press('Backspace');
  await app.keyboard.press('Tab');
  await expect(dialog.getByLabel('Only if older than')).toBeFocused();
  await app.keyboard.type('soon');
  await expect(dialog.getByText(/A number and a unit/)).toBeVisible();
  await expectContrastBothThemes(app, 'clean-up rule error');
  await app.keyboard.press('ControlOrMeta+a');
  await app.keyboard.press('Backspace');
  await app.keyboard.press('Tab');
  await expect(dialog.getByRole('checkbox', { name: /untagged/ })).toBeFocused();
  await app.keyboard.press('Space');
  await expect(dialog.getByRole('checkbox', { name: /untagged/ })).toBeChecked();
  // ^latest$ keeps k-2's image (latest and k-2); k-1 would go.
  await expect.poll(() => plannedRows(dialog)).toEqual([['Delete image', 'k-1', expect.any(String)]]);
  await expect(
    dialog.getByText(/A registry without a packages API cannot list untagged manifests/),
  ).toBeVisible();
  await expectContrastBothThemes(app, 'clean-up preview');
  await app.screenshot({ path: 'e2e/screenshots/cleanup-dialog-light.png' });

  const filter = dialog.getByLabel('Filter the preview');
  await filter.focus();
  await app.keyboard.type('nothing-like-this');
  await expect(dialog.getByText('Nothing in the preview matches “nothing-like-this”.')).toBeVisible();
  await app.keyboard.press('Escape'); // clears the filter, keeps the dialog
  await expect(filter).toHaveValue('');
  await expect(dialog).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(open).toBeFocused();
  expect((await client.tags(repositoryName('clean/keys'))).sort()).toEqual(['k-1', 'k-2', 'latest']);
});

let gh: GhcrLikeWorld;
let seeded: { ci: Pushed[]; orphan: Pushed };

test.describe('on the GitHub stand-in', () => {
  test.beforeAll(async () => {
    gh = await startGhcrLikeWorld({ owner: 'acme' });
    const client = new RegistryClient({ registry: gh.front.host, credentials: gh.registry.user, retries: 0 });
    const s = await seeder(client, 'acme/cleanup');
    const ci: Pushed[] = [];
    for (let n = 1; n <= 4; n++) ci.push(await s.image(`ci-${n}`, daysAgo(50 - 10 * n), [`ci-${n}`]));
    const orphan = await s.image('orphan', daysAgo(400), []); // an untagged version nothing uses
    seeded = { ci, orphan };
  });
  test.afterAll(async () => {
    await gh?.stop();
  });

  test('images go as package versions, the untagged one too', async ({ app, world }) => {
    test.setTimeout(120_000);
    const { id } = await world.call('connections.save', {
      ...gh.connectionInput,
      name: 'acme cleanup on ghcr',
    });
    await reloadApp(app, world);
    await app
      .getByRole('navigation', { name: 'Connections' })
      .getByRole('button', { name: new RegExp(gh.front.host.replaceAll('.', '\\.')) })
      .first()
      .click();
    await openRepository(app, 'acme/cleanup');
    await app.getByRole('button', { name: 'Clean up…' }).click();
    const dialog = app.getByRole('dialog', { name: 'Clean up acme/cleanup' });
    await setRules(dialog, { keep: '', keepLast: '2', untagged: true });
    const [ci1, ci2, ,] = seeded.ci.map((p) => p.digest);
    await expect
      .poll(() => plannedRows(dialog))
      .toEqual([
        ['Delete version', 'ci-1', digestHex12(ci1 as string)],
        ['Delete version', 'ci-2', digestHex12(ci2 as string)],
        ['Delete version', 'untagged', digestHex12(seeded.orphan.digest)],
      ]);
    const active = () =>
      (gh.standIn.findPackage('acme', 'cleanup')?.versions ?? [])
        .filter((v) => !v.deletedAt)
        .map((v) => v.digest);
    expect(active()).toHaveLength(5); // nothing deleted by the preview

    await dialog.getByRole('button', { name: 'Run clean-up (3 deletions)' }).click();
    await expectJobDone(app, /Clean up .*acme\/cleanup/);
    expect(active().sort()).toEqual([seeded.ci[2]?.digest, seeded.ci[3]?.digest].sort());
    expect(gh.standIn.violations).toEqual([]);
    // The stand-in stops with this file: later specs should not find a connection to nowhere.
    await world.call('connections.remove', { id });
  });
});
