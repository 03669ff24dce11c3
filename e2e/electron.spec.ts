/**
 * The smoke flow of connections.spec.ts in the real Electron app (dist/electron/main.cjs) through
 * Playwright's `_electron`, where an Electron binary is installed. These machines install the electron
 * package without its binary (ELECTRON_SKIP_BINARY_DOWNLOAD), so here the file is skipped.
 *
 * The binary is looked up the way `require('electron')` finds it (node_modules/electron/path.txt, or
 * ELECTRON_OVERRIDE_DIST_PATH), without requiring the package: when the binary is missing that require
 * starts a download, which must never happen in a test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from '@playwright/test';
import { electronBinary } from '../scripts/electron-binary.mjs';
import { addRegistryInUi, expect, privateHomeEnv, test } from './fixtures';

const ROOT = join(import.meta.dirname, '..');

const binary = electronBinary();

test.skip(
  !binary,
  'No Electron binary: node_modules/electron has no downloaded executable (ELECTRON_SKIP_BINARY_DOWNLOAD); the same flow runs in Chromium through the bridge (connections.spec.ts).',
);

const electronTest = test.extend<{ electronApp: ElectronApplication }>({
  // The world fixture (seeded registries, renderer built) comes first; the bridge it also starts is unused.
  electronApp: async ({ world }, use) => {
    // The main process bundle, fresh: a stale one would test yesterday's shell (the renderer is rebuilt by
    // the world fixture).
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--skip-renderer'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    // A private HOME and config dir, as for the bridge: the app never sees the user's real logins.
    const home = mkdtempSync(join(tmpdir(), 'lading-e2e-electron-'));
    const app = await _electron.launch({
      executablePath: binary as string,
      args: [join(ROOT, 'dist/electron/main.cjs'), '--no-sandbox'],
      cwd: ROOT,
      env: privateHomeEnv(home),
    });
    void world;
    await use(app);
    await app.close();
    rmSync(home, { recursive: true, force: true });
  },
});

electronTest('Electron: add an open registry and see its repositories', async ({ electronApp, world }) => {
  const window = await electronApp.firstWindow();
  await addRegistryInUi(window, { url: `http://${world.open.host}`, name: 'Open registry' });
  await expect(window.getByRole('button', { name: 'demo/app', exact: true })).toBeVisible();
  await expect(window.getByRole('button', { name: 'tools/alpha', exact: true })).toBeVisible();
});
