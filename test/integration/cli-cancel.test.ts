/**
 * Ctrl-C while a request hangs: the CLI aborts the operation, says so in one line and exits 130.
 * The "registry" is a loopback socket that accepts connections and never answers.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

const ROOT = resolve(__dirname, '../..');
let server: Server;
let port: number;
let cli: CliSandbox;
const sockets = new Set<Socket>();

beforeAll(async () => {
  cli = await cliSandbox();
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => server.close(ok));
  await cli.cleanup();
});

it('Ctrl-C cancels a hanging request with exit 130', async () => {
  const child = spawn(
    join(ROOT, 'node_modules/.bin/tsx'),
    [join(ROOT, 'electron/app/cli/main.ts'), 'tags', `127.0.0.1:${port}/app`],
    {
      cwd: ROOT,
      env: cli.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // Wait until the CLI has connected, then interrupt it as a terminal would.
  const deadline = Date.now() + 20_000;
  while (sockets.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(sockets.size).toBeGreaterThan(0);
  const started = Date.now();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
  expect(code).toBe(130);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(expectOneLineError(stderr).message.toLowerCase()).toContain('cancel');
});
