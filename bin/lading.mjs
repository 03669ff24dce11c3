#!/usr/bin/env node
// The installed `lading` command. Runs the bundled CLI (dist/cli.mjs, made by `npm run build`) when it
// exists; in a checkout without a build, runs the TypeScript entry through tsx instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli.mjs', import.meta.url);
const args = process.argv.slice(2);

if (existsSync(fileURLToPath(bundle))) {
  // V8's code cache for the bundle (Node 22.1+; in the OS temp dir): compiling 2.7 MB of JavaScript is a
  // third of the CLI's start-up, which scripts pay on every call. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  module.enableCompileCache?.();
  const { main } = await import(bundle.href);
  await main(args);
} else {
  const require = createRequire(import.meta.url);
  const tsxCli = require.resolve('tsx/cli');
  const entry = fileURLToPath(new URL('../electron/cli/main.ts', import.meta.url));
  const child = spawn(process.execPath, [tsxCli, entry, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; the child decides how to stop.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
  });
}
