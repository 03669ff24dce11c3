/**
 * The `lading` command as installed: bin/lading.mjs running the CommonJS bundle (built here with the same
 * esbuild options as `npm run build`) through its code cache and the short-run V8 settings. The other CLI
 * tests run the TypeScript entry through tsx; this one checks what users run.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInstalledCli } from '../../scripts/cli-bundle.mjs';
import { run } from '../support/exec';
import { skopeoInspect, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { buildSampleImage, readLayoutImage, tempDir } from './archive-fixtures';
import { type CliSandbox, cliSandbox } from './cli-helpers';

describe('the installed lading command (bin/lading.mjs + dist/cli.cjs)', () => {
  let registry: TestRegistry;
  let cli: CliSandbox;
  let app: string;
  let launcher: string;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
    cli = await cliSandbox();
    // An installed layout: bin/ next to dist/, as in the package.
    app = await tempDir('lading-installed-');
    launcher = await buildInstalledCli(app);
  });
  afterAll(async () => {
    await cli?.cleanup();
    await registry?.stop();
  });

  const lading = (args: string[]) =>
    run(process.execPath, [launcher, ...args], { env: cli.env, allowFailure: true });

  it('pushes and pulls; its second run of a command uses the code cache the first one wrote', async () => {
    const image = await buildSampleImage('installed');
    const src = await readLayoutImage(image);
    const dir = await tempDir();
    const archive = join(dir, 'in.tar');
    await writeArchive(image, 'docker-archive', archive, { refName: 'inst/app:1' });

    const cacheDir = join(cli.home, '.cache', 'lading', 'code-cache');
    const stamps: number[] = [];
    for (const tag of ['1', '2']) {
      const r = await lading(['push', archive, `${registry.host}/inst/app:${tag}`, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ tag });
      const caches = await readdir(cacheDir);
      expect(caches).toEqual([expect.stringMatching(/^cli-[0-9a-f]{16}-push\.bin$/)]);
      stamps.push((await stat(join(cacheDir, caches[0] as string))).mtimeMs);
    }
    // Written by the first push, accepted (so not rewritten) by the second.
    expect(stamps[1]).toBe(stamps[0]);

    const out = join(dir, 'out.tar');
    const pulled = await lading(['pull', `${registry.host}/inst/app:2`, out]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const raw = await skopeoInspect(`docker-archive:${out}`, { raw: true });
    expect(raw.config.digest).toBe(src.manifest.config.digest);
  });

  it('reports errors as one line with the exit code of the failure', async () => {
    const r = await lading(['push', join(app, 'no-such.tar'), `${registry.host}/inst/app:3`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^lading: .*no-such\.tar: no such file/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
