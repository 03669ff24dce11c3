#!/usr/bin/env node
/**
 * Builds everything `npm start`, `npm run web`, `npm run package` and the e2e need:
 *   dist/renderer/          vite build of renderer/ (vite.config.ts)
 *   dist/electron/main.cjs  Electron main process (electron external, everything else bundled)
 *   dist/electron/preload.cjs  the sandboxed preload: one CJS file, only `electron` is required at run time
 *   dist/cli.cjs            the `lading` CLI (CommonJS: bin/lading.mjs loads it through its own V8 code cache)
 *   dist/bridge.mjs         the browser bridge (`node dist/bridge.mjs [--port N]`)
 * Flags: --skip-renderer (only the Node bundles), --only-renderer.
 * Logs go to stderr, so scripts that read stdout (start.mjs --web) see only what they start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { checkNoRuntimeImports, cliBundleOptions, nodeBundleCommon } from './cli-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const log = (s) => process.stderr.write(`build: ${s}\n`);

function buildRenderer() {
  if (!existsSync(join(root, 'renderer', 'index.html'))) {
    log('renderer/index.html not found; skipping the renderer');
    return;
  }
  log('vite build → dist/renderer');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (r.status !== 0) throw new Error('vite build failed');
}

/** ESM bundles still contain CommonJS dependencies that call require(); give them one. */
const esmRequireBanner = [
  "import { createRequire as __ladingCreateRequire } from 'node:module';",
  'const require = __ladingCreateRequire(import.meta.url);',
].join('\n');

async function buildNode() {
  mkdirSync(join(root, 'dist', 'electron'), { recursive: true });
  log('esbuild → dist/electron/main.cjs, preload.cjs, dist/cli.cjs, dist/bridge.mjs');
  await Promise.all([
    build({
      ...nodeBundleCommon,
      entryPoints: [join(root, 'electron/shell/main.ts')],
      outfile: join(root, 'dist/electron/main.cjs'),
      format: 'cjs',
      target: 'node22',
      external: [...nodeBundleCommon.external, 'electron'],
    }),
    build({
      ...nodeBundleCommon,
      entryPoints: [join(root, 'electron/shell/preload.ts')],
      outfile: join(root, 'dist/electron/preload.cjs'),
      format: 'cjs',
      target: 'chrome140',
      external: ['electron'],
    }),
    build(cliBundleOptions(join(root, 'dist/cli.cjs'))).then(checkNoRuntimeImports),
    build({
      ...nodeBundleCommon,
      entryPoints: [join(root, 'electron/app/bridge/main.ts')],
      outfile: join(root, 'dist/bridge.mjs'),
      format: 'esm',
      target: 'node20',
      banner: { js: esmRequireBanner },
    }),
  ]);
}

try {
  if (!args.has('--skip-renderer')) buildRenderer();
  if (!args.has('--only-renderer')) await buildNode();
  log('done');
} catch (e) {
  process.stderr.write(`build failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
