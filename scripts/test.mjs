#!/usr/bin/env node
// `npm test`: make sure the system tools the tests drive are installed, then run lint, typecheck, the
// vitest suites and the Playwright e2e tests, stopping at the first failing step.
// Plain Node ESM with no dependencies, so it runs on Node 20 and 24 before anything else is known to work.
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockfileDrift } from './lockfile-drift.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

/** Command on PATH -> the Debian package that provides it. */
const REQUIRED_TOOLS = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  umoci: 'umoci',
  chromium: 'chromium',
  openssl: 'openssl',
  // A real Docker Engine for the local-engine tests (test/support/engine.ts starts it, as root).
  dockerd: 'docker.io',
  docker: 'docker.io',
};

/**
 * Optional: ISA-L's headers, for the native deflate addon (electron/core/transfer/native/isal-deflate). Without
 * them Lading compresses with zlib and everything works; with them the tests cover the faster path too.
 */
const ISAL_HEADER = '/usr/include/isa-l/igzip_lib.h';
const ISAL_PACKAGE = 'libisal-dev';
const ADDON_DIR = join(root, 'electron/core/transfer/native/isal-deflate');
const ISAL_ADDON = join(ADDON_DIR, 'build/Release/isal_deflate.node');

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function log(line) {
  process.stdout.write(`[npm test] ${line}\n`);
}

/** Runs a command with inherited output; resolves to its exit code. */
function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', (err) => {
      log(`could not start ${command}: ${err.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function ensureSystemTools() {
  const missing = Object.keys(REQUIRED_TOOLS).filter((tool) => !onPath(tool));
  if (missing.length > 0 && !(await installRequired(missing))) return false;
  await installIsal();
  return ensureNativeAddon();
}

async function installRequired(missing) {
  const packages = [...new Set(missing.map((tool) => REQUIRED_TOOLS[tool]))];
  const aptLine = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
  log(`missing system tools: ${missing.join(', ')}`);
  if (!isRoot()) {
    log('the tests start real registries and browsers from Debian packages; install them as root with:');
    log(`  sudo sh -c '${aptLine}'`);
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log('installing with apt-get (running as root)');
  log('apt-get update');
  if ((await run('apt-get', ['update'], env)) !== 0) {
    log('apt-get update failed');
    return false;
  }
  log(`apt-get install -y ${packages.join(' ')}`);
  if ((await run('apt-get', ['install', '-y', ...packages], env)) !== 0) {
    log(`apt-get install failed; try: ${aptLine}`);
    return false;
  }
  const stillMissing = Object.keys(REQUIRED_TOOLS).filter((tool) => !onPath(tool));
  if (stillMissing.length > 0) {
    log(`still missing after install: ${stillMissing.join(', ')}`);
    return false;
  }
  return true;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** ISA-L's headers, when we may install them (root); optional, so a failure is only logged. */
async function installIsal() {
  if (existsSync(ISAL_HEADER) || !isRoot()) return;
  log(`apt-get install -y ${ISAL_PACKAGE} (optional: the native deflate addon)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if ((await run('apt-get', ['install', '-y', ISAL_PACKAGE], env)) === 0) return;
  if (
    (await run('apt-get', ['update'], env)) === 0 &&
    (await run('apt-get', ['install', '-y', ISAL_PACKAGE], env)) === 0
  )
    return;
  log(`could not install ${ISAL_PACKAGE}; compressing with zlib`);
}

/**
 * Builds the optional ISA-L addon when its headers are here but `npm install` ran before they were (a fresh
 * machine installs libisal-dev only now, and npm then dropped the optional package, link and all). A
 * failed build is not a failure: Lading then uses zlib.
 */
async function ensureNativeAddon() {
  if (existsSync(ISAL_ADDON)) {
    log('native deflate addon: built (ISA-L)');
    return true;
  }
  if (!existsSync(ISAL_HEADER)) {
    log(`native deflate addon: not built (no ${ISAL_PACKAGE}); compressing with zlib`);
    return true;
  }
  log('native deflate addon: building (node-gyp rebuild)');
  // npm puts its bundled node-gyp on the PATH of scripts (and points it at Node's headers).
  const gyp = process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp';
  if ((await run(gyp, ['rebuild', '--directory', ADDON_DIR])) !== 0 || !existsSync(ISAL_ADDON)) {
    log('native deflate addon: build failed; compressing with zlib');
    return true;
  }
  const link = join(root, 'node_modules/@lading/isal-deflate');
  if (!existsSync(link)) {
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true }); // a dangling link left behind
    symlinkSync(relative(dirname(link), ADDON_DIR), link);
  }
  log('native deflate addon: built (ISA-L)');
  return true;
}

function hasE2eSpecs() {
  const dir = join(root, 'e2e');
  if (!existsSync(dir)) return false;
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).some((entry) =>
      entry.isDirectory()
        ? entry.name !== 'node_modules' && walk(join(d, entry.name))
        : /\.(spec|test)\.[cm]?[jt]sx?$/.test(entry.name),
    );
  return walk(dir);
}

/** Test counts from a JSON report, or null when the file is missing or unreadable. */
function vitestCounts(file) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    return {
      passed: r.numPassedTests ?? 0,
      failed: r.numFailedTests ?? 0,
      skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
    };
  } catch {
    return null;
  }
}

function playwrightCounts(file) {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')).stats ?? {};
    return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0, skipped: s.skipped ?? 0 };
  } catch {
    return null;
  }
}

/** package.json and package-lock.json must agree (what `npm ci` needs); semver's ranges when it is installed. */
async function checkLockfile() {
  const read = (f) => JSON.parse(readFileSync(join(root, f), 'utf8'));
  const semver = await import('semver').catch(() => null);
  const satisfies = semver
    ? (v, r) => semver.default.satisfies(v, r, { includePrerelease: true })
    : undefined;
  const problems = lockfileDrift(read('package.json'), read('package-lock.json'), satisfies);
  for (const p of problems) log(`lockfile drift: ${p}`);
  if (problems.length) log('run `npm install` and commit package-lock.json with package.json');
  return problems.length ? 1 : 0;
}

async function main() {
  const started = Date.now();
  const reportDir = mkdtempSync(join(tmpdir(), 'lading-test-report-'));
  const vitestJson = join(reportDir, 'vitest.json');
  const playwrightJson = join(reportDir, 'playwright.json');
  const results = [];
  const totals = { passed: 0, failed: 0, skipped: 0 };

  const steps = [
    { name: 'lockfile in sync', fn: checkLockfile },
    { name: 'system tools', fn: async () => ((await ensureSystemTools()) ? 0 : 1) },
    { name: 'lint', fn: () => run('npm', ['run', '-s', 'lint']) },
    { name: 'typecheck', fn: () => run('npm', ['run', '-s', 'typecheck']) },
    {
      name: 'unit + integration (vitest)',
      fn: () =>
        run('npx', [
          'vitest',
          'run',
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${vitestJson}`,
        ]),
      counts: () => vitestCounts(vitestJson),
    },
    {
      name: 'e2e (playwright)',
      skip: () => (hasE2eSpecs() ? null : 'no spec files in e2e/'),
      fn: () =>
        run('npx', ['playwright', 'test', '--reporter=list,json'], {
          ...process.env,
          PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
        }),
      counts: () => playwrightCounts(playwrightJson),
    },
  ];

  let failedStep = null;
  for (const step of steps) {
    const reason = step.skip?.();
    if (reason) {
      results.push(`  - ${step.name}: skipped (${reason})`);
      continue;
    }
    log(`── ${step.name}`);
    const t0 = Date.now();
    const code = await step.fn();
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const counts = step.counts?.();
    if (counts) {
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.skipped += counts.skipped;
    }
    const detail = counts
      ? `, ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`
      : '';
    results.push(`  ${code === 0 ? '✓' : '✗'} ${step.name} (${seconds} s${detail})`);
    if (code !== 0) {
      failedStep = step.name;
      break;
    }
  }
  rmSync(reportDir, { recursive: true, force: true });

  const total = ((Date.now() - started) / 1000).toFixed(1);
  log('summary:');
  for (const line of results) process.stdout.write(`${line}\n`);
  if (failedStep) {
    log(`FAILED at "${failedStep}" after ${total} s`);
    // A failing step that reported no failing test (lint, typecheck, tool install) still counts as a failure.
    process.stdout.write(`tests: ${totals.passed} passed, ${Math.max(totals.failed, 1)} failed\n`);
    process.exit(1);
  }
  log(`all steps passed in ${total} s`);
  process.stdout.write(
    `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
  );
}

main().catch((err) => {
  log(`internal error: ${err?.stack ?? err}`);
  process.exit(1);
});
