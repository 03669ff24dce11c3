import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEntryPath, resolveLink } from '../../electron/core/archive/entry-path';
import { sniff } from '../../electron/core/archive/sniff';
import { indexTar, lookupFile, readEntry } from '../../electron/core/archive/tar-index';
import { TarFileWriter, tarHeader } from '../../electron/core/archive/tar-writer';
import { LadingError } from '../../electron/core/registry/errors';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-archive-unit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The bytes tar-stream writes for the entries `add` puts in. */
async function packed(add: (p: ReturnType<typeof pack>) => void): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on('end', () => r()));
  add(p);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function tarOf(
  entries: { name: string; content?: string; type?: 'symlink' | 'directory'; linkname?: string }[],
): Promise<Buffer> {
  return packed((p) => {
    for (const e of entries) {
      if (e.type) p.entry({ name: e.name, type: e.type, linkname: e.linkname });
      else p.entry({ name: e.name }, e.content ?? '');
    }
  });
}

describe('entry paths', () => {
  it('normalises harmless names', () => {
    expect(checkEntryPath('./a//b/', 'x')).toBe('a/b');
    expect(checkEntryPath('blobs/sha256/ab', 'x')).toBe('blobs/sha256/ab');
  });
  it('refuses .. and absolute paths', () => {
    expect(() => checkEntryPath('a/../../b', 'x')).toThrow(LadingError);
    expect(() => checkEntryPath('/etc/passwd', 'x')).toThrow(/absolute/);
  });
  it('resolves links inside the archive and refuses ones leaving it', () => {
    expect(resolveLink('abc/layer.tar', '../def.tar', 'symlink', 'x')).toBe('def.tar');
    expect(() => resolveLink('abc/layer.tar', '../../etc/passwd', 'symlink', 'x')).toThrow(/outside/);
    expect(() => resolveLink('abc', '/etc/passwd', 'symlink', 'x')).toThrow(/outside/);
  });
});

describe('indexTar', () => {
  it('finds entries at their offsets, long (pax) names included, and follows symlinks', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const file = join(dir, 'a.tar');
    await writeFile(
      file,
      await tarOf([
        { name: 'x/', type: 'directory' },
        { name: 'x/one.txt', content: 'one' },
        { name: long, content: 'long name' },
        { name: 'link', type: 'symlink', linkname: 'x/one.txt' },
      ]),
    );
    const idx = await indexTar(file);
    expect([...idx.entries.keys()]).toEqual(['x', 'x/one.txt', long, 'link']);
    expect((await readEntry(idx, lookupFile(idx, long)!)).toString()).toBe('long name');
    expect((await readEntry(idx, lookupFile(idx, 'link')!)).toString()).toBe('one');
  });

  it('indexes headers across read windows: many small entries and a large one', async () => {
    const tar = await packed((p) => {
      for (let i = 0; i < 400; i++) p.entry({ name: `small/${i}.txt` }, `${i}:`.padEnd(3000 + i, 'x'));
      p.entry({ name: 'big.bin' }, Buffer.alloc(3 * 1024 * 1024, 9));
      p.entry({ name: 'after.txt' }, 'after');
    });
    const file = join(dir, 'windows.tar');
    await writeFile(file, tar);
    const idx = await indexTar(file);
    expect(idx.entries.size).toBe(402);
    for (const i of [0, 199, 399]) {
      expect((await readEntry(idx, lookupFile(idx, `small/${i}.txt`)!)).toString()).toBe(
        `${i}:`.padEnd(3000 + i, 'x'),
      );
    }
    expect(lookupFile(idx, 'big.bin')!.size).toBe(3 * 1024 * 1024);
    expect((await readEntry(idx, lookupFile(idx, 'after.txt')!)).toString()).toBe('after');
  });

  it('refuses a tar metadata (pax) entry of megabytes', async () => {
    const tar = await packed((p) => {
      p.entry({ name: 'a.txt', pax: { comment: 'x'.repeat(2 * 1024 * 1024) } }, 'a');
    });
    const file = join(dir, 'pax-bomb.tar');
    await writeFile(file, tar);
    await expect(indexTar(file)).rejects.toThrow(/metadata entry of \d+ bytes/);
  });

  it('refuses garbage, truncation and empty archives', async () => {
    const good = await tarOf([{ name: 'a.txt', content: 'x'.repeat(5000) }]);
    const cut = join(dir, 'cut.tar');
    await writeFile(cut, good.subarray(0, 2048));
    await expect(indexTar(cut)).rejects.toThrow(/truncated/);
    const junk = join(dir, 'junk.tar');
    await writeFile(junk, Buffer.alloc(1024, 7));
    await expect(indexTar(junk)).rejects.toThrow(/not a valid tar/);
    const empty = join(dir, 'empty.tar');
    await writeFile(empty, Buffer.alloc(1024));
    await expect(indexTar(empty)).rejects.toThrow(/contains no files/);
  });
});

describe('sniff', () => {
  it('tells gzip, zstd, tar and junk apart', async () => {
    expect(sniff(Buffer.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(sniff(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe('zstd');
    expect(sniff(await tarOf([{ name: 'a', content: 'b' }]))).toBe('tar');
    expect(sniff(Buffer.alloc(600, 1))).toBe('unknown');
    expect(sniff(Buffer.alloc(0))).toBe('empty');
  });
});

describe('TarFileWriter', () => {
  it('writes entries of unknown size that the indexer (and tar-stream) read back', async () => {
    const { open } = await import('node:fs/promises');
    const file = join(dir, 'w.tar');
    const fh = await open(file, 'w');
    const w = new TarFileWriter(fh);
    await w.addBuffer('manifest.json', Buffer.from('[]'));
    async function* gen() {
      for (let i = 0; i < 5; i++) yield Buffer.alloc(300_000, i);
    }
    expect(await w.addStream('blobs/sha256/abc', gen())).toBe(1_500_000);
    await w.finish();
    await fh.close();
    const idx = await indexTar(file);
    expect(idx.entries.get('blobs/sha256/abc')?.size).toBe(1_500_000);
    expect((await readEntry(idx, idx.entries.get('manifest.json')!)).toString()).toBe('[]');
  });

  it('encodes sizes past 8 GiB in base-256', () => {
    const h = tarHeader('big', 10 * 1024 ** 3);
    expect(h[124]).toBe(0x80);
  });
});
