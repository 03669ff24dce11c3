/**
 * Steps the local-engine specs share (engines.spec.ts, engines-podman.spec.ts): open an engine's Local
 * images from the sidebar, open an image page through the filtered repository list, and axe-core's
 * contrast rule in both themes with a screenshot of each.
 */
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { SCREENSHOTS_DIR } from '../playwright.config';
import { expect, reloadApp, showOpenRegistry, type World } from './fixtures';

export async function showLocalImages(
  app: Page,
  world: World,
  engine: 'Docker' | 'Podman' = 'Docker',
): Promise<void> {
  await reloadApp(app, world);
  await app
    .getByRole('navigation', { name: 'Connections' })
    .getByRole('list', { name: 'Local engines' })
    .getByRole('button', { name: new RegExp(`^${engine}`) })
    .click();
}

/** axe-core's color-contrast rule on what is on screen, in both themes; a screenshot of each into e2e/screenshots. */
export async function expectContrastBothThemes(app: Page, where: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await app.evaluate((t) => {
      document.documentElement.dataset.theme = t;
    }, theme);
    const result = await new AxeBuilder({ page: app }).withRules(['color-contrast']).analyze();
    const found = result.violations.flatMap((v) =>
      v.nodes.map((n) => `${n.target.join(' ')}: ${n.any[0]?.message ?? n.failureSummary}`),
    );
    expect(found, `${theme} ${where}: texts under 4.5:1`).toEqual([]);
    await app.screenshot({ path: join(SCREENSHOTS_DIR, `${where.replaceAll(' ', '-')}-${theme}.png`) });
  }
}

/** Opens an image page from the open registry's list, filtered first (the list is virtualised). */
export async function openImage(app: Page, world: World, repository: string, tag: string): Promise<void> {
  await showOpenRegistry(app, world);
  await app.getByLabel('Filter repositories').fill(repository);
  await app.getByRole('button', { name: repository, exact: true }).click();
  await app.getByRole('grid').getByRole('button', { name: tag, exact: true }).click();
  await expect(app.getByRole('heading', { name: 'Identity' })).toBeVisible();
}
