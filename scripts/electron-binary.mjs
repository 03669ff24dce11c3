/**
 * The Electron executable `require('electron')` would return, if it exists on disk; otherwise undefined.
 *
 * Looked up the way the electron package does it (node_modules/electron/path.txt, or
 * ELECTRON_OVERRIDE_DIST_PATH) without requiring the package: when the binary is missing, that require starts
 * a download, which must never happen on an offline machine, in CI or in a test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronBinary() {
  let packageDir;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  let relative;
  try {
    relative = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim();
  } catch {
    relative = undefined;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const full = override
    ? join(override, relative || 'electron')
    : relative
      ? join(packageDir, 'dist', relative)
      : undefined;
  return full && existsSync(full) ? full : undefined;
}
