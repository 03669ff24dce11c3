/**
 * GitHub extras against the GitHub REST stand-in in front of a real registry that behaves like ghcr.io
 * (no catalog, token auth, manifest DELETE refused): an organization's packages with visibility badges,
 * the package panel, labels, versions, a tag delete that keeps its sibling, and restoring a deleted version.
 */
import { type GhcrLikeWorld, startGhcrLikeWorld } from '../test/support/github-ghcr-like';
import { buildImage, pushImage } from '../test/support/images';
import { expect, expectJobDone, test } from './fixtures';

let gh: GhcrLikeWorld;

test.beforeAll(async () => {
  gh = await startGhcrLikeWorld({ owner: 'acme', anonymousPull: ['acme/site'] });
  const app = await buildImage({
    layers: [{ 'app.txt': 'app\n' }],
    labels: {
      'org.opencontainers.image.description': 'The acme app.',
      'org.opencontainers.image.source': 'https://github.com/acme/app',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    },
    created: '2024-05-01T00:00:00Z',
  });
  const site = await buildImage({
    layers: [{ 'index.html': '<h1>hi</h1>\n' }],
    created: '2024-07-01T00:00:00Z',
  });
  await pushImage(gh.front.registry, app, 'acme/app:1.0');
  await pushImage(gh.front.registry, app, 'acme/app:latest');
  await pushImage(gh.front.registry, site, 'acme/site:1.0');
  gh.standIn.setVisibility('acme', 'site', 'public');
});

test.afterAll(async () => {
  await gh?.stop();
});

test('an organization on GitHub: visibility, package panel, labels, versions, delete and restore', async ({
  app,
  world,
}) => {
  test.setTimeout(90_000);
  await world.call('connections.save', { ...gh.connectionInput, name: 'acme on ghcr' });
  await app.reload();
  await app
    .getByRole('navigation', { name: 'Connections' })
    .getByRole('button', { name: /acme on ghcr/ })
    .click();

  const appRow = app.getByRole('button', { name: 'acme/app', exact: true });
  await expect(appRow).toBeVisible();
  await expect(appRow.getByText('private')).toBeVisible();
  await expect(app.getByRole('button', { name: 'acme/site', exact: true }).getByText('public')).toBeVisible();
  await expect(app.getByText(/from the GitHub Packages API/)).toBeVisible();
  // What the packages API says cheaply: version counts and the last push, and both sort the list.
  await expect(appRow).toContainText(/\d+ versions?/);
  await expect(appRow).toContainText(/pushed /);
  await app.getByLabel('Sort repositories').selectOption('updated');
  await app.getByLabel('Sort repositories').selectOption('tags');
  await expect(app.locator('.group-row')).toHaveCount(0);
  await app.getByLabel('Sort repositories').selectOption('name');
  await app.screenshot({ path: 'e2e/screenshots/github-packages-light.png' });

  await appRow.click();
  const panel = app.getByRole('group', { name: 'GitHub package' });
  await expect(panel.getByText('private')).toBeVisible();
  await expect(panel.getByRole('link', { name: 'Package settings (visibility)' })).toHaveAttribute(
    'href',
    /^https:\/\//,
  );
  const grid = app.getByRole('grid', { name: 'Tags of acme/app' });
  await expect(grid.getByText('×2').first()).toBeVisible();
  await app.screenshot({ path: 'e2e/screenshots/github-tags-light.png' });

  await grid.getByRole('button', { name: '1.0', exact: true }).click();
  await expect(app.getByText('The acme app.')).toBeVisible();
  await expect(app.getByText('Apache-2.0')).toBeVisible();
  await app.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('button', { name: 'acme/app' }).click();

  // Versions: one version carrying both tags.
  await app.getByRole('tab', { name: 'Versions' }).click();
  const table = app.getByRole('table');
  await expect(table.getByText('latest')).toBeVisible();
  await app.screenshot({ path: 'e2e/screenshots/github-versions-light.png' });
  // `/` filters this list too.
  await table.click({ position: { x: 2, y: 2 } });
  await app.keyboard.press('/');
  await expect(app.getByLabel('Filter versions')).toBeFocused();
  await app.keyboard.type('no-such-version');
  await expect(app.getByText('No version matches “no-such-version”.')).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(table.getByText('latest')).toBeVisible();

  // Delete the tag "latest" through the API: "1.0" stays on the same version.
  await app.getByRole('tab', { name: 'Tags' }).click();
  await grid.getByRole('button', { name: 'Delete latest' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete tag latest' });
  await expect(dialog.getByText(/1 other tag stays on the same digest: 1.0/)).toBeVisible();
  await expect(dialog.getByText(/through the Packages API/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expectJobDone(app, /acme\/app:latest/);
  await expect(grid.getByRole('button', { name: 'latest', exact: true })).toHaveCount(0);
  await expect(grid.getByRole('button', { name: '1.0', exact: true })).toBeVisible();

  // Delete the version itself, then restore it from the deleted list.
  await app.getByRole('tab', { name: 'Versions' }).click();
  await table
    .getByRole('button', { name: /^Delete version/ })
    .first()
    .click();
  const versionDialog = app.getByRole('dialog', { name: /Delete image by digest/ });
  await expect(versionDialog.getByText('1.0')).toBeVisible();
  await versionDialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expectJobDone(app, /acme\/app@sha256/);
  await app.getByRole('radio', { name: /Deleted/ }).click();
  // The deleted list also holds the throwaway version the tag delete used; restore the one that had 1.0.
  await table
    .getByRole('row')
    .filter({ has: app.getByText('1.0', { exact: true }) })
    .getByRole('button', { name: /^Restore version/ })
    .click();
  await expect(app.getByText('Version restored')).toBeVisible();
  await app.getByRole('radio', { name: 'Active' }).click();
  await expect(table.getByText('1.0')).toBeVisible();
});
