import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skopeoInspect, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { buildSampleImage, listDir, readLayoutImage, tempDir } from './archive-fixtures';
import { type CliSandbox, cliSandbox } from './cli-helpers';

describe('lading push / lading pull (the real CLI)', () => {
  let registry: TestRegistry;
  let cli: CliSandbox;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
    cli = await cliSandbox();
  });
  afterAll(async () => {
    await cli?.cleanup();
    await registry?.stop();
  });

  it('pushes an archive and pulls it back into a docker archive, with --json results', async () => {
    const image = await buildSampleImage('cli');
    const src = await readLayoutImage(image);
    const dir = await tempDir();
    const archive = join(dir, 'in.tar');
    await writeArchive(image, 'docker-archive', archive, { refName: 'cli/app:1' });

    const pushed = await cli.json<{ digest: string; tag: string; layers: unknown[] }>([
      'push',
      archive,
      `${registry.host}/cli/app:2`,
    ]);
    expect(pushed.tag).toBe('2');
    expect(pushed.layers).toHaveLength(2);

    const out = join(dir, 'out.tar');
    const pulled = await cli.json<{ path: string; format: string }>([
      'pull',
      `${registry.host}/cli/app:2`,
      out,
    ]);
    expect(pulled).toMatchObject({ path: out, format: 'docker' });
    const raw = await skopeoInspect(`docker-archive:${out}`, { raw: true });
    expect(raw.config.digest).toBe(src.manifest.config.digest);
    expect(await listDir(dir)).toEqual(['in.tar', 'out.tar']);
  });

  it('prints plain progress lines and a summary without --json', async () => {
    const image = await buildSampleImage('plain');
    const dir = await tempDir();
    const archive = join(dir, 'in.tar');
    await writeArchive(image, 'oci-archive', archive, { refName: 'plain/app:1' });
    const r = await cli.lading(['push', archive, `${registry.host}/plain/app:1`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Pushed .*plain\/app:1@sha256:[a-f0-9]{64} \(2 layers uploaded\)/);
    expect(r.stderr).toMatch(/: done \(/);
  });
});
