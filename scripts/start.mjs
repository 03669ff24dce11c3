#!/usr/bin/env node
/**
 * `npm start`: build, then open the Electron app when its binary is installed; otherwise (or with `--web`,
 * which `npm run web` passes) run the browser bridge, print its URL (first stdout line of this script) and try
 * to open it in the default browser. Extra flags: `--port N` (bridge), `--no-build`, `--no-open`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const portIndex = argv.indexOf('--port');
const port = portIndex >= 0 ? argv[portIndex + 1] : undefined;

if (!flag('--no-build')) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = flag('--web') ? undefined : electronBinary();
if (electron) {
  const child = spawn(electron, [root], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
} else {
  if (!flag('--web'))
    process.stderr.write('Electron is not installed here; starting the browser version instead.\n');
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'bridge.mjs'), ...(port ? ['--port', port] : [])],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let first = true;
  createInterface({ input: child.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    if (first && !flag('--no-open') && !process.env.CI) {
      first = false;
      const opener =
        process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      // Quietly: no browser (a server, a container) is fine, the URL is printed.
      spawn(opener, [line], { stdio: 'ignore', detached: true })
        .on('error', () => {})
        .unref();
    }
    first = false;
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}
