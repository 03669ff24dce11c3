/**
 * Every bad archive or argument: a non-zero exit, one line naming the problem, no tag in the registry and
 * nothing written next to the archive. Checked through the real CLI (exit code, stderr shape) and the
 * pipeline API (error code).
 */
import { randomBytes } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadingError } from '../../electron/core/registry/errors';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { pushArchive } from '../../electron/core/transfer/push';
import { type BuiltImage, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  buildSampleImage,
  clientFor,
  compressFile,
  handlesOn,
  type LayoutImage,
  listDir,
  readLayoutImage,
  type TarEntrySpec,
  tagsOf,
  tempDir,
  writeTar,
} from './archive-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let registry: TestRegistry;
let image: BuiltImage;
let src: LayoutImage;
let dir: string;
let cli: CliSandbox;
let good: string;

/** A valid docker save ≤24 layout as entries, for tests to break one thing in. */
function dockerEntries(): TarEntrySpec[] {
  const cfg = `${src.manifest.config.digest.slice(7)}.json`;
  const layers = src.layerBlobs.map((b, i) => ({ name: `l${i}/layer.tar`, content: gunzipSync(b) }));
  return [
    ...layers,
    { name: cfg, content: src.configBytes },
    {
      name: 'manifest.json',
      content: JSON.stringify([{ Config: cfg, RepoTags: ['bad/app:1'], Layers: layers.map((l) => l.name) }]),
    },
  ];
}

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  image = await buildSampleImage('v1');
  src = await readLayoutImage(image);
  dir = await tempDir();
  good = join(dir, 'good.tar');
  await writeArchive(image, 'docker-archive', good, { refName: 'bad/app:1' });
  cli = await cliSandbox();
});
afterAll(async () => {
  await closeGzipPool();
  await cli?.cleanup();
  await registry?.stop();
});

/** The error part of stderr: progress lines (one per layer state change, when not a TTY) come before it. */
function errorLines(stderr: string): string {
  const at = stderr.indexOf('lading: ');
  return at === -1 ? stderr : stderr.slice(at);
}

interface BadCase {
  name: string;
  make(file: string): Promise<void>;
  message: RegExp;
}

const cases: BadCase[] = [
  {
    name: 'a truncated archive',
    make: async (file) => {
      await writeFile(file, await readFile(good));
      await truncate(file, Math.floor((await readFile(good)).length / 2));
    },
    message: /truncated/,
  },
  {
    name: 'a truncated gzip archive',
    make: async (file) => {
      const copy = join(dir, `gz-src-${Date.now()}.tar`);
      await writeFile(copy, await readFile(good));
      const gz = await compressFile(copy, 'gzip');
      const bytes = await readFile(gz);
      await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    },
    message: /truncated/,
  },
  {
    name: 'random bytes',
    make: (file) => writeFile(file, randomBytes(10_000)),
    message: /not a tar archive/,
  },
  { name: 'an empty file', make: (file) => writeFile(file, ''), message: /empty file/ },
  {
    name: 'manifest.json that is not JSON',
    make: (file) =>
      writeTar(file, [
        ...dockerEntries().filter((e) => e.name !== 'manifest.json'),
        { name: 'manifest.json', content: '[{not json' },
      ]),
    message: /manifest\.json .*not valid JSON/,
  },
  {
    name: 'a layer the manifest names but the archive lacks',
    make: (file) =>
      writeTar(
        file,
        dockerEntries().filter((e) => e.name !== 'l1/layer.tar'),
      ),
    message: /layer l1\/layer\.tar .*missing/,
  },
  {
    name: 'a layer whose content does not match its diff_id',
    make: (file) =>
      writeTar(
        file,
        dockerEntries().map((e) =>
          e.name === 'l1/layer.tar'
            ? { ...e, content: Buffer.concat([e.content as Buffer, Buffer.alloc(512)]) }
            : e,
        ),
      ),
    message: /l1\/layer\.tar does not match its diff_id/,
  },
  {
    name: 'an entry path with ..',
    make: (file) => writeTar(file, [{ name: '../evil.txt', content: 'x' }, ...dockerEntries()]),
    message: /entry path with "\.\."/,
  },
  {
    name: 'an absolute entry path',
    make: (file) => writeTar(file, [{ name: '/etc/evil.txt', content: 'x' }, ...dockerEntries()]),
    message: /absolute path/,
  },
  {
    name: 'a symlink pointing outside the archive',
    make: (file) =>
      writeTar(file, [...dockerEntries(), { name: 'escape', type: 'symlink', linkname: '../../etc/passwd' }]),
    message: /link pointing outside the archive/,
  },
];

describe('bad archives are refused with one line, no tag, nothing written', () => {
  it.each(cases)('$name', async ({ name, make, message }) => {
    const caseDir = await tempDir('lading-bad-');
    const file = join(caseDir, 'bad.tar');
    await make(file);
    const before = await listDir(caseDir);
    const repo = `bad/${name.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`;

    const err = await pushArchive({
      archivePath: file,
      target: parseReference(`${registry.host}/${repo}:1`),
      client: clientFor(registry),
    }).then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(LadingError);
    expect((err as LadingError).code).toBe('archive-invalid');
    expect((err as LadingError).message).toMatch(message);
    expect((err as LadingError).message).not.toContain('\n');
    expect(await handlesOn(file)).toBe(0);

    const r = await cli.lading(['push', file, `${registry.host}/${repo}:2`]);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(errorLines(r.stderr)).message).toMatch(message);

    expect(await tagsOf(registry, repo)).toEqual([]);
    expect(await listDir(caseDir)).toEqual(before);
  });

  it('a missing file', async () => {
    const r = await cli.lading(['push', join(dir, 'no-such.tar'), `${registry.host}/bad/missing:1`]);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r.stderr).message).toMatch(/no-such\.tar: no such file/);
    expect(await tagsOf(registry, 'bad/missing')).toEqual([]);
  });

  it.each([
    ['uppercase', 'Bad/App:1', /lowercase/],
    ['invalid', 'bad/app:-x', /Invalid tag/],
    [
      'digest-only',
      'bad/app@sha256:0000000000000000000000000000000000000000000000000000000000000000',
      /needs a tag/,
    ],
  ])('an %s target reference', async (_kind, refText, message) => {
    const r = await cli.lading(['push', good, `${registry.host}/${refText}`]);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r.stderr).message).toMatch(message);
    expect(await tagsOf(registry, 'bad/app')).toEqual([]);
  });
});
