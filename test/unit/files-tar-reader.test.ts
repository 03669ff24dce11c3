/**
 * core/files/tar-reader.ts on tars GNU tar writes in each of its formats (long names as GNU 'L'/'K' entries,
 * pax records, ustar prefixes), against GNU tar's own listing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryOf, type LayerEntry } from '../../electron/core/files/layer-index';
import { DEFAULT_LIMITS } from '../../electron/core/files/layer-stream';
import { TarReader } from '../../electron/core/files/tar-reader';

const dir = mkdtempSync(join(tmpdir(), 'lading-tar-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LONG = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}.txt`;
const src = join(dir, 'src');
mkdirSync(join(src, 'd'.repeat(90), 'e'.repeat(90)), { recursive: true });
writeFileSync(join(src, LONG), 'long\n');
writeFileSync(join(src, 'small.txt'), 'x'.repeat(1000));
symlinkSync(`../${'t'.repeat(150)}`, join(src, 'link'));
// ustar holds a long path only as a prefix (155 bytes) plus a name (100): this one needs both fields.
const ustarSrc = join(dir, 'ustar-src');
const PREFIXED = `${'p'.repeat(60)}/${'q'.repeat(60)}/${'n'.repeat(90)}.txt`;
mkdirSync(join(ustarSrc, 'p'.repeat(60), 'q'.repeat(60)), { recursive: true });
writeFileSync(join(ustarSrc, PREFIXED), 'long\n');
writeFileSync(join(ustarSrc, 'small.txt'), 'x'.repeat(1000));

async function read(
  tar: Buffer,
  chunk: number,
): Promise<{ entries: LayerEntry[]; bodies: Record<string, string> }> {
  // Pieces of odd sizes: headers and bodies straddle them.
  const pieces = (async function* () {
    for (let i = 0; i < tar.length; i += chunk) yield tar.subarray(i, i + chunk);
  })();
  const reader = new TarReader(pieces, 'test tar');
  const entries: LayerEntry[] = [];
  const bodies: Record<string, string> = {};
  for (let ordinal = 0; ; ordinal++) {
    const h = await reader.next();
    if (!h) break;
    const e = entryOf(h, ordinal, 'test tar', DEFAULT_LIMITS);
    if (!e) continue;
    entries.push(e);
    if (e.path === 'small.txt') {
      const parts: Buffer[] = [];
      for await (const p of reader.body()) parts.push(p);
      bodies[e.path] = Buffer.concat(parts).toString();
    }
  }
  return { entries, bodies };
}

describe('TarReader', () => {
  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads GNU tar's ${format} format as tar lists it`, async () => {
      const file = join(dir, `${format}.tar`);
      execFileSync('tar', [
        `--format=${format}`,
        '-cf',
        file,
        '-C',
        format === 'ustar' ? ustarSrc : src,
        '.',
      ]);
      const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''))
        .filter((p) => p !== '.' && p !== '');
      for (const chunk of [7, 512, 100_000]) {
        const { entries, bodies } = await read(readFileSync(file), chunk);
        expect(entries.map((e) => e.path).sort()).toEqual(listed.sort());
        expect(bodies['small.txt']).toBe('x'.repeat(1000));
        const long = format === 'ustar' ? PREFIXED : LONG;
        expect(entries.find((e) => e.path === long)).toMatchObject({ type: 'file', size: 5 });
        if (format !== 'ustar')
          expect(entries.find((e) => e.path === 'link')?.linkTarget).toBe(`../${'t'.repeat(150)}`);
      }
    });
  }

  it('says a truncated tar is truncated', async () => {
    const file = join(dir, 'cut.tar');
    execFileSync('tar', ['-cf', file, '-C', src, 'small.txt']);
    const cut = readFileSync(file).subarray(0, 700);
    await expect(read(cut, 512)).rejects.toThrow(/test tar is truncated/);
  });
});
