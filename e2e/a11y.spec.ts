/**
 * Keyboard, contrast and layout (issue #12): the keyboard cursor shows on every row, grouped ones too;
 * every text meets 4.5:1 in both themes (axe-core's color-contrast rule on each main screen); at the
 * window's minimum width row actions stay reachable; columns fit their content; the connection form has
 * Cancel and Escape and drops a typed secret when the kind changes; `/` filters every list.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { buildImage, pushImage, seedTags, writeArchive } from '../test/support/images';
import { contrastRatio, painted } from './contrast';
import {
  basicConnection,
  dropFile,
  expect,
  openConnection,
  openRepositoryRow,
  reloadApp,
  showOpenRegistry,
  test,
} from './fixtures';

async function setTheme(app: Page, theme: 'light' | 'dark'): Promise<void> {
  await app.evaluate((t) => {
    document.documentElement.dataset.theme = t;
  }, theme);
}

/** axe-core's color-contrast rule on what is on screen now; fails listing each offending text. */
async function expectContrast(app: Page, where: string): Promise<void> {
  const result = await new AxeBuilder({ page: app }).withRules(['color-contrast']).analyze();
  const found = result.violations.flatMap((v) =>
    v.nodes.map((n) => `${n.target.join(' ')}: ${n.any[0]?.message ?? n.failureSummary}`),
  );
  expect(found, `${where}: texts under 4.5:1`).toEqual([]);
}

test('every text meets 4.5:1 in both themes (axe-core color-contrast)', async ({ app, world }) => {
  test.setTimeout(120_000);
  await showOpenRegistry(app, world);
  await expect(app.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} repositories`);
  }
  await app.getByRole('button', { name: 'demo/app', exact: true }).click();
  const grid = app.getByRole('grid', { name: 'Tags of demo/app' });
  await expect(grid.getByText('×2').first()).toBeVisible();
  await grid.getByRole('row', { name: /latest/ }).click();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} tags with a digest group and a selection`);
  }
  await app.getByRole('button', { name: 'Delete tag…' }).click();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} delete dialog`);
  }
  await app.keyboard.press('Escape');
  await grid.getByRole('button', { name: '1.0', exact: true }).click();
  await expect(app.getByRole('region', { name: /Layers/ })).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} image page`);
  }
  await app.getByRole('button', { name: /^Transfers/ }).click();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} transfers`);
  }
  await app.getByRole('button', { name: '+ Add registry' }).click();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} add a registry`);
  }
  // A failed check: the verdict, its checks and the red "Save anyway".
  await app.getByRole('radio', { name: /Any registry/ }).click();
  await app.getByLabel('Registry URL').fill(`http://${world.basic.host}`);
  await app.getByLabel('Username').fill('someone');
  await app.getByLabel('Password or token').fill('wrong');
  await app.getByRole('button', { name: 'Check connection' }).click();
  await expect(app.getByRole('status', { name: 'Connection check' })).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} failed connection check`);
  }
  await app.getByRole('button', { name: 'Cancel' }).click();

  // The push dialog onto an existing tag (the replace notice), and an unreadable archive's error.
  await app.getByRole('button', { name: 'demo/app', exact: true }).click();
  const image = await buildImage({ layers: [{ 'a11y.txt': 'a11y\n' }] });
  const dir = mkdtempSync(join(tmpdir(), 'lading-e2e-a11y-'));
  const archive = join(dir, 'a11y.tar');
  await writeArchive(image, 'docker-archive', archive, { refName: 'demo/app:1.0' });
  await dropFile(app, archive, 'a11y.tar');
  const push = app.getByRole('dialog', { name: 'Push a11y.tar' });
  await expect(push.getByRole('group', { name: '1.0 already exists' })).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} push dialog onto an existing tag`);
  }
  await push.getByRole('button', { name: 'Cancel' }).click();
  const junk = join(dir, 'junk.tar');
  writeFileSync(junk, Buffer.alloc(2048, 0x42));
  await dropFile(app, junk, 'junk.tar');
  const bad = app.getByRole('dialog', { name: 'Push junk.tar' });
  await expect(bad.getByRole('alert')).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} an archive that cannot be read`);
  }
  await bad.getByRole('button', { name: 'Cancel' }).click();
});

test('the copy and sync dialogs meet 4.5:1 in both themes', async ({ app, world }) => {
  await basicConnection(world);
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/app');
  await app.getByRole('grid').getByRole('button', { name: '1.0', exact: true }).click();
  await app.getByRole('button', { name: 'Copy to…' }).click();
  const copy = app.getByRole('dialog', { name: 'Copy demo/app:1.0' });
  // Onto 1.1 of the same repository: the notice with what it points at, and "Replace".
  // The open registry's connection is named by whichever spec saved it first: pick it by its host.
  const registries = copy.getByLabel('To registry');
  const here = registries.locator('option', { hasText: `(${world.open.host}) · this registry` });
  await registries.selectOption({ label: ((await here.textContent()) ?? '').trim() });
  await copy.getByLabel('Target tag').fill('1.1');
  await expect(copy.getByRole('group', { name: '1.1 already exists' })).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} copy onto an existing tag`);
  }
  await copy.getByRole('button', { name: 'Cancel' }).click();
  await app.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('button', { name: 'demo/app' }).click();
  await app.getByRole('button', { name: 'Sync repository to…' }).click();
  const sync = app.getByRole('dialog', { name: 'Sync demo/app' });
  await sync.getByLabel('To registry').selectOption({ label: `Basic registry (${world.basic.host})` });
  await sync.getByLabel('Target repository').fill('a11y/sync');
  await expect(sync.getByRole('region', { name: 'Would be copied' })).toBeVisible();
  await sync.getByLabel('Tag pattern').fill('^1\\.');
  await expect(sync.getByRole('region', { name: 'Would be copied' }).getByRole('listitem')).toHaveText([
    '1.0',
    '1.1',
  ]);
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    await expectContrast(app, `${theme} sync preview`);
  }
  await setTheme(app, 'light');
  await sync.getByRole('button', { name: 'Cancel' }).click();
});

test('the keyboard cursor is unmistakable on grouped rows too', async ({ app, world }) => {
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'demo/app');
  const grid = app.getByRole('grid', { name: 'Tags of demo/app' });
  await expect(grid.getByText('×2').first()).toBeVisible();
  await grid.focus();
  await app.keyboard.press('Home');
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app, theme);
    // 1.1 and latest share a digest (a group of two); 1.0 stands alone: the cursor reads the same on each.
    for (let i = 0; i < 3; i++) {
      const row = grid.locator('.tag-row.active');
      await expect(row).toHaveCount(1);
      const seen = await row.evaluate((el) => {
        const s = getComputedStyle(el);
        return {
          style: s.outlineStyle,
          width: Number.parseFloat(s.outlineWidth),
          color: s.outlineColor,
          group: [...el.classList].find((c) => c.startsWith('grp-')) ?? '',
        };
      });
      const behind = await painted(row);
      expect(seen.style, `row ${i} (${seen.group})`).toBe('solid');
      expect(seen.width).toBeGreaterThanOrEqual(2);
      // The ring against what it is drawn on: at least 3:1 (WCAG 2.2 focus appearance).
      expect(contrastRatio(seen.color, behind.background)).toBeGreaterThanOrEqual(3);
      await app.keyboard.press('ArrowDown');
    }
    await app.keyboard.press('Home');
  }
  await setTheme(app, 'light');
  await app.keyboard.press('ArrowDown');
  await app.screenshot({ path: 'e2e/screenshots/tags-cursor-grouped-light.png' });
});

test('at 800 px row actions stay reachable, and the Created column is not cut', async ({ app, world }) => {
  // Built 15 minutes ago: "15 minutes ago" is among the longest dates the column shows.
  const fresh = await buildImage({
    layers: [{ 'fresh.txt': 'fresh\n' }],
    created: new Date(Date.now() - 15 * 60_000).toISOString(),
  });
  await pushImage(world.open, fresh, 'a11y/narrow:1.0');
  await app.setViewportSize({ width: 800, height: 700 });
  await showOpenRegistry(app, world);
  await openRepositoryRow(app, 'a11y/narrow');
  const grid = app.getByRole('grid', { name: 'Tags of a11y/narrow' });
  const row = grid.getByRole('row', { name: /1\.0/ });
  await expect(row.locator('.c-created')).toHaveText('15 minutes ago');
  await expect(row.locator('.skeleton')).toHaveCount(0);
  // Every created cell shows its whole text.
  const cut = await grid
    .locator('.tag-row .c-created')
    .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent));
  expect(cut).toEqual([]);
  // Every row action is inside the visible grid (or behind a "More actions" menu that is).
  await row.hover();
  const box = await grid.boundingBox();
  for (const name of ['Pull 1.0', 'Re-tag 1.0', 'Delete 1.0']) {
    let action = row.getByRole('button', { name, exact: true });
    if (!(await action.isVisible())) {
      await row.getByRole('button', { name: 'More actions for 1.0' }).click();
      action = app.getByRole('menuitem', { name, exact: true });
    }
    const b = await action.boundingBox();
    expect(b, name).not.toBeNull();
    expect(b!.x + b!.width, `${name} inside the grid`).toBeLessThanOrEqual(box!.x + box!.width + 0.5);
    if (await app.getByRole('menu').isVisible()) await app.keyboard.press('Escape');
  }
  await row.getByRole('button', { name: /^(Delete 1\.0|More actions for 1\.0)$/ }).click();
  if (await app.getByRole('menu').isVisible())
    await app.getByRole('menuitem', { name: 'Delete 1.0' }).click();
  await expect(app.getByRole('dialog', { name: 'Delete tag 1.0' })).toBeVisible();
  await app.keyboard.press('Escape');
});

test('the connection form: Cancel and Escape, a secret dropped on a kind change, cards whole', async ({
  app,
  world,
}) => {
  const id = await openConnection(world);
  await reloadApp(app, world);
  // The sidebar shows a connection's name once (removed after: other specs look connections up by host).
  const named = await world.call('connections.save', {
    name: 'example.invalid:5000',
    kind: 'generic',
    registry: 'example.invalid:5000',
  });
  await app.reload();
  const entry = app
    .getByRole('navigation', { name: 'Connections' })
    .getByRole('button', { name: /example\.invalid:5000/ });
  await expect(entry).toHaveCount(1);
  const entryText = (await entry.textContent()) ?? '';
  await world.call('connections.remove', { id: named.id });
  expect(entryText.split('example.invalid:5000')).toHaveLength(2);

  await app.goto(`${world.bridge.url.split('#')[0]}#/c/${id}/edit`);
  await expect(app.getByRole('heading', { level: 1 })).toHaveText(/^Edit /);
  await app.getByRole('button', { name: 'Cancel' }).click();
  await expect(app).toHaveURL(new RegExp(`#/c/${id}$`));
  await app.getByRole('button', { name: 'Edit connection' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText(/^Edit /);
  await app.keyboard.press('Escape');
  await expect(app).toHaveURL(new RegExp(`#/c/${id}$`));

  await app.getByRole('button', { name: '+ Add registry' }).click();
  await app
    .getByRole('radio', { name: /GitHub/ })
    .first()
    .click();
  const secret = app.locator('input[type="password"]');
  await secret.fill('ghp_typed-for-github');
  await app.getByRole('radio', { name: /Any registry/ }).click();
  await expect(secret).toHaveValue('');

  // Welcome cards wrap whole words.
  const broken = await app.locator('.preset-blurb').evaluateAll(
    (els) =>
      els.filter((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const lines = [...range.getClientRects()];
        // A word broken across lines leaves a line that ends without a space or a hyphen mid-word.
        const text = el.textContent ?? '';
        const words = text.split(/\s+/);
        return lines.length > words.length;
      }).length,
  );
  expect(broken).toBe(0);
  await expect(app.locator('.preset-blurb').first()).toHaveCSS('overflow-wrap', 'break-word');
  await app.keyboard.press('Escape');
});

test('`/` filters every list; an empty repository says what can be done', async ({ app, world }) => {
  await seedTags(world.open, 'a11y/empty', ['x']);
  await showOpenRegistry(app, world);
  await expect(app.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
  await app.locator('main').click({ position: { x: 5, y: 5 } });
  await app.keyboard.press('/');
  await expect(app.getByLabel('Filter repositories')).toBeFocused();
  await app.keyboard.type('demo/a');
  await expect(app.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
  await expect(app.getByRole('button', { name: 'tools/alpha', exact: true })).toHaveCount(0);
  await app.keyboard.press('Escape');

  await app.getByRole('button', { name: 'demo/app', exact: true }).click();
  await app.getByRole('grid').focus();
  await app.keyboard.press('/');
  await expect(app.getByLabel('Filter tags')).toBeFocused();

  // The empty repository: advice the UI can follow on a registry that cannot list untagged manifests.
  const id = await openConnection(world);
  await world.call('jobs.delete', { connectionId: id, repository: 'a11y/empty', tags: ['x'], digests: [] });
  await expect
    .poll(
      async () => (await world.call('registry.tags', { connectionId: id, repository: 'a11y/empty' })).length,
    )
    .toBe(0);
  await app.goto(`${world.bridge.url.split('#')[0]}#/c/${id}/r/a11y/empty`);
  const empty = app.locator('.empty');
  await expect(empty).toContainText('This repository has no tags');
  await expect(empty).toContainText('manifests left without a tag cannot be listed here');
  await expect(empty).toContainText('Push archive…');
});
