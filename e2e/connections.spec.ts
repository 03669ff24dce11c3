import { expect, test } from './fixtures';

test('first run: the welcome screen shows how to add a registry (screenshots light and dark)', async ({
  page,
  world,
}) => {
  for (const c of await world.call('connections.list', {}))
    await world.call('connections.remove', { id: c.id });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(world.bridge.url);
    await expect(page.getByRole('heading', { name: 'Welcome to Lading' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Found on this machine' })).toContainText(world.basic.host);
    await page.screenshot({ path: `e2e/screenshots/welcome-${scheme}.png` });
  }
});

test('credentials found on this machine are offered, imported and work', async ({ app, world }) => {
  await app.getByRole('button', { name: '+ Add registry' }).click();
  const found = app.getByRole('region', { name: 'Found on this machine' });
  await expect(found).toContainText('Docker config.json');
  await found.getByRole('button', { name: `Use ${world.basic.host}` }).click();
  await expect(app.getByLabel('Registry URL')).toHaveValue(world.basic.host);
  await expect(app.getByLabel(/Use the credentials found on this machine/)).toBeChecked();
  await app.getByRole('button', { name: 'Check connection' }).click();
  await expect(app.getByRole('status', { name: 'Connection check' })).toHaveClass(/ok/);
  await app.getByLabel('Display name').fill('From Docker config');
  await app.getByRole('button', { name: 'Save connection' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toContainText('From Docker config');
  await expect(app.getByRole('navigation', { name: 'Connections' })).toContainText(/From Docker config/);
});

test('add an open registry and see its repositories grouped by namespace', async ({ app, world }) => {
  await app.getByRole('button', { name: '+ Add registry' }).click();
  await app.getByRole('radio', { name: /Any registry/ }).click();
  await app.getByLabel('Registry URL').fill(`http://${world.open.host}`);
  await app.getByLabel('Display name').fill('Open registry');
  await app.getByRole('button', { name: 'Check connection' }).click();
  await expect(app.getByRole('status', { name: 'Connection check' })).toBeVisible();
  await app.getByRole('button', { name: /Save connection|Save anyway/ }).click();

  await expect(app.getByRole('heading', { level: 1 })).toContainText('Open registry');
  await expect(app.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
  // The list is virtualised and other specs add repositories: the namespace is found through the filter.
  await app.getByLabel('Filter repositories').fill('tools/');
  await expect(app.getByRole('button', { name: 'tools/alpha', exact: true })).toBeVisible();
  // Filter as you type.
  await app.getByLabel('Filter repositories').fill('infra');
  await expect(app.getByRole('button', { name: 'infra/proxy', exact: true })).toBeVisible();
  await expect(app.getByRole('button', { name: 'demo/app', exact: true })).toHaveCount(0);
});

test('basic auth: a wrong password is reported, the right one connects', async ({ app, world }) => {
  const user = world.basic.user!;
  await app.getByRole('button', { name: '+ Add registry' }).click();
  await app.getByRole('radio', { name: /Any registry/ }).click();
  await app.getByLabel('Registry URL').fill(`http://${world.basic.host}`);
  await app.getByLabel('Username').fill(user.username);
  await app.getByLabel('Password or token').fill('definitely-wrong');
  await app.getByLabel('Display name').fill('Basic registry');
  await app.getByRole('button', { name: 'Save connection' }).click();

  const verdict = app.getByRole('status', { name: 'Connection check' });
  await expect(verdict).toBeVisible();
  await expect(verdict).toContainText(/password|credential|unauthori|sign/i);
  await expect(app.getByRole('button', { name: 'Save anyway' })).toBeVisible();

  await app.getByLabel('Password or token').fill(user.password);
  await app.getByRole('button', { name: 'Save connection' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toContainText('Basic registry');
  await expect(app.getByText(/No repositories yet/)).toBeVisible();
});
