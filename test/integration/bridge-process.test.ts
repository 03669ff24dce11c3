/**
 * The bridge as users start it (`electron/app/bridge/main.ts`, what `npm run web` and the e2e run): the URL with
 * the secret is the first stdout line, the server answers on it, and SIGTERM removes its temp files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BRIDGE_TOKEN_HEADER } from '../../shared/bridge-protocol';

const root = join(__dirname, '..', '..');
let child: ChildProcess | undefined;
let dir: string;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bridge process', () => {
  it('prints its URL first, serves the API on it, and cleans up on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lading-bridge-proc-'));
    const temp = join(dir, 'tmp');
    await import('node:fs/promises').then((fs) => fs.mkdir(temp));
    child = spawn(join(root, 'node_modules/.bin/tsx'), ['electron/app/bridge/main.ts', '--port', '0'], {
      cwd: root,
      env: {
        ...process.env,
        LADING_CONFIG_DIR: join(dir, 'config'),
        TMPDIR: temp,
        HOME: dir,
        DOCKER_CONFIG: join(dir, 'docker'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no URL within 30 s')), 30_000);
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.split('\n')[0]!);
        }
      });
    });
    const match = /^http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]{32,})$/.exec(firstLine);
    expect(match, firstLine).not.toBeNull();
    const origin = `http://127.0.0.1:${match![1]}`;
    const res = await fetch(`${origin}/api/call/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: match![2]! },
      body: '{}',
    });
    // No credential helper in this Docker config: the weaker file store, said on stderr and to the app.
    expect(await res.json()).toMatchObject({
      ok: true,
      value: { mode: 'bridge', secretStorage: 'encrypted-file' },
    });
    expect(err).toContain('anyone who can read your files can read them');
    expect((await readdir(temp)).some((f) => f.startsWith('lading-transfers-'))).toBe(true);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    // (tsx keeps its own cache dir there; ours must be gone.)
    expect((await readdir(temp)).filter((f) => f.startsWith('lading-'))).toEqual([]);
  });

  it('refuses a bad --port', async () => {
    const bad = spawn(
      join(root, 'node_modules/.bin/tsx'),
      ['electron/app/bridge/main.ts', '--port', 'nope'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const [code] = await once(bad, 'exit');
    expect(code).toBe(2);
  });
});
