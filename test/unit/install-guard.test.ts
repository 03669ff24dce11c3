/**
 * Installs are reproducible: CI installs with `npm ci` alone, and `npm test` first checks that package.json
 * and package-lock.json agree (scripts/lockfile-drift.mjs), so drift fails fast and offline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockfileDrift } from '../../scripts/lockfile-drift.mjs';

const ROOT = join(__dirname, '..', '..');
const read = (f: string) => JSON.parse(readFileSync(join(ROOT, f), 'utf8'));
// semver comes with npm's tool chain (no types installed): describe the one function used.
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(v: string, r: string, o: { includePrerelease: boolean }): boolean;
};
const satisfies = (v: string, r: string) => semver.satisfies(v, r, { includePrerelease: true });

describe('lockfile drift guard', () => {
  it('finds the committed package.json and lockfile in sync', () => {
    expect(lockfileDrift(read('package.json'), read('package-lock.json'), satisfies)).toEqual([]);
  });

  it('names a dependency added, removed or re-ranged in package.json only', () => {
    const pkg = read('package.json');
    const lock = read('package-lock.json');
    const drifted = structuredClone(pkg);
    drifted.dependencies['left-pad'] = '^1.3.0';
    delete drifted.dependencies.ws;
    drifted.devDependencies.vitest = '^1.0.0';
    const problems = lockfileDrift(drifted, lock, satisfies);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/dependencies\.left-pad .* not in package-lock\.json/),
        expect.stringMatching(/dependencies\.ws is in package-lock\.json but not in package\.json/),
        expect.stringMatching(/devDependencies\.vitest is \^1\.0\.0 in package\.json but/),
        expect.stringMatching(/vitest@\S+ in package-lock\.json does not satisfy \^1\.0\.0/),
      ]),
    );
  });

  it('names a hand-edited lockfile whose version is outside the range', () => {
    const pkg = read('package.json');
    const lock = structuredClone(read('package-lock.json'));
    lock.packages['node_modules/ws'].version = '7.0.0';
    expect(lockfileDrift(pkg, lock, satisfies)).toEqual([
      `ws@7.0.0 in package-lock.json does not satisfy ${pkg.dependencies.ws}`,
    ]);
    delete lock.packages['node_modules/ws'];
    expect(lockfileDrift(pkg, lock, satisfies)).toEqual([
      'ws has no node_modules/ws entry in package-lock.json',
    ]);
    expect(lockfileDrift(pkg, { lockfileVersion: 1 })).toHaveLength(1);
  });

  it('runs first in npm test', () => {
    const test = readFileSync(join(ROOT, 'scripts/test.mjs'), 'utf8');
    const steps = test.slice(test.indexOf('const steps = ['));
    expect(steps.indexOf("'lockfile in sync'")).toBeGreaterThan(-1);
    expect(steps.indexOf("'lockfile in sync'")).toBeLessThan(steps.indexOf("'system tools'"));
  });
});

describe('CI install', () => {
  it('uses npm ci with no fallback to npm install', () => {
    const lines = readFileSync(join(ROOT, '.ci/run'), 'utf8')
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'));
    const commands = lines.join('\n');
    expect(commands).toMatch(/^npm ci$/m);
    expect(commands).not.toMatch(/npm (install|i)\b/);
    expect(commands).toMatch(/set -euo pipefail/);
  });
});
