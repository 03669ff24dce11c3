#!/usr/bin/env node
// The installed `lading` command. Runs the bundled CLI (dist/cli.cjs, made by `npm run build`) when it
// exists, through a V8 code cache made after a run (bin/code-cache.cjs); in a checkout without a build,
// runs the TypeScript entry through tsx instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const bundle = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
const args = process.argv.slice(2);

if (existsSync(bundle)) {
  require('./short-run-v8.cjs').tuneV8ForShortRun();
  const { loadBundle } = require('./code-cache.cjs');
  await loadBundle(bundle, args).main(args);
} else {
  const tsxCli = require.resolve('tsx/cli');
  const entry = fileURLToPath(new URL('../electron/app/cli/main.ts', import.meta.url));
  const child = spawn(process.execPath, [tsxCli, entry, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; the child decides how to stop.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
  });
}
