/**
 * Issue #19 in the app: the image page's "Supply chain" section on the open registry (distribution 2.8, so
 * the tag-schema path): what is attached and where it was found, a pasted public key verifying the cosign
 * signature (and a wrong one not), the provenance summary, and the SBOM's virtualised package table, filtered.
 */
import type { Locator, Page } from '@playwright/test';
import { opensslKey, readText, seedSupplyChain } from '../test/support/supply-fixtures';
import { expect, showOpenRegistry, test } from './fixtures';

const REPO = 'supply/app';

async function openRepository(app: Page, name: string): Promise<Locator> {
  const button = app.getByRole('button', { name, exact: true });
  const filter = app.getByLabel('Filter repositories');
  // Filtered first: the list is virtualised, and other specs add rows above this one.
  await filter.fill(name);
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

test('supply chain: attached artifacts, signature verification, provenance, SBOM packages', async ({
  app,
  world,
}) => {
  const key = opensslKey('ecdsa');
  const packages = Array.from({ length: 400 }, (_, i) => ({
    name: `pkg-${String(i).padStart(3, '0')}`,
    version: `1.${i}`,
    license: i % 2 ? 'MIT' : 'Apache-2.0',
  }));
  await seedSupplyChain(world.open.url, world.open.host, REPO, 'v1', key, packages);

  await showOpenRegistry(app, world);
  const grid = await openRepository(app, REPO);
  await grid.getByRole('button', { name: 'v1', exact: true }).click();

  const section = app.getByRole('region', { name: 'Supply chain' });
  await expect(section.getByRole('table', { name: 'Attached artifacts' }).getByRole('row')).toHaveCount(4);
  await expect(section.getByText('cosign tag')).toBeVisible();
  await expect(section.getByText('referrers tag').first()).toBeVisible();

  // Provenance in a few lines.
  await expect(section.getByText('https://github.com/actions/runner/github-hosted')).toBeVisible();
  await expect(section.getByText('.github/workflows/release.yml')).toBeVisible();

  // The SBOM: 400 packages, only the visible rows rendered; the filter narrows it.
  await expect(section.getByRole('heading', { name: /SPDX · 400 packages/ })).toBeVisible();
  const table = section.getByRole('table', { name: 'SBOM packages' });
  expect(await table.getByRole('row').count()).toBeLessThan(60);
  await section.getByLabel('Filter packages').fill('pkg-39');
  await expect(table.getByRole('row')).toHaveCount(10);
  await expect(table.getByRole('cell', { name: 'pkg-399', exact: true })).toBeVisible();

  // A wrong key: not verified, with the reason; the right key: verified.
  const pem = section.getByLabel('Public key (PEM, as cosign.pub)');
  await pem.fill(readText(opensslKey('ed25519').publicFile));
  await section.getByRole('button', { name: 'Verify signatures' }).click();
  const results = section.getByRole('list', { name: 'Signature results' });
  await expect(results).toContainText('Not verified');
  await expect(results).toContainText('no given key verifies this signature');
  await pem.fill(readText(key.publicFile));
  await section.getByRole('button', { name: 'Verify signatures' }).click();
  await expect(results).toContainText('Verified');
  await expect(results).toContainText('valid, signed by the pasted key');
});
