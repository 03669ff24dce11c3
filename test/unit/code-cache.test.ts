/**
 * bin/code-cache.cjs, the loader of the bundled CLI: a V8 code cache per subcommand, made at the end of a
 * run, used by the next, never used for another bundle. Each case runs real Node processes.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const LOADER = resolve(__dirname, '../../bin/code-cache.cjs');

let dir: string;
let bundle: string;
let cacheHome: string;

/** A stand-in bundle: CommonJS exporting main, requiring a built-in like the real one. */
function bundleSource(answer: number): string {
  return `exports.main = async (args) => {
  const { createHash } = require('node:crypto');
  const f = (n) => n * ${answer};
  process.stdout.write(JSON.stringify({ args, value: f(2), hash: createHash('sha256').update('x').digest('hex').slice(0, 8), file: __filename }));
};\n`;
}

/** Runs the bundle through the loader in a fresh process: what main printed and what the loader did. */
async function launch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const script = `const { loadBundle } = require(${JSON.stringify(LOADER)});
let cache;
const m = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(args)}, { onCache: (c) => { cache = c; } });
m.main(${JSON.stringify(args)}).then(() => process.stderr.write(cache));`;
  const { stdout, stderr } = await run(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, HOME: join(dir, 'home'), XDG_CACHE_HOME: cacheHome, ...env },
  });
  return {
    out: JSON.parse(stdout) as { args: string[]; value: number; hash: string; file: string },
    cache: stderr,
  };
}

const cacheDir = () => join(cacheHome, 'lading', 'code-cache');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-code-cache-'));
  bundle = join(dir, 'cli.cjs');
  cacheHome = join(dir, 'cache');
  await writeFile(bundle, bundleSource(21));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the CLI loader with its code cache', () => {
  it('makes a cache per subcommand at the end of its first run and uses it in the next', async () => {
    const first = await launch(['push', 'a.tar', 'host/repo:1']);
    expect(first.cache).toBe('made');
    expect(first.out).toMatchObject({ args: ['push', 'a.tar', 'host/repo:1'], value: 42, file: bundle });
    expect(first.out.hash).toBe('2d711642');
    const files = await readdir(cacheDir());
    expect(files).toEqual([expect.stringMatching(/^cli-[0-9a-f]{16}-push\.bin$/)]);
    // Private: a code cache is code.
    expect((await stat(cacheDir())).mode & 0o777).toBe(0o700);

    expect((await launch(['push', 'b.tar', 'host/repo:2'])).cache).toBe('used');
    // Another command has its own cache; options before it do not count as the command.
    expect((await launch(['--debug', 'tags', 'host/repo'])).cache).toBe('made');
    expect((await launch(['tags', 'host/repo'])).cache).toBe('used');
    expect((await readdir(cacheDir())).sort()).toEqual([
      expect.stringMatching(/-push\.bin$/),
      expect.stringMatching(/-tags\.bin$/),
    ]);
  });

  it('never uses the cache of another bundle, even of the same length, and drops it', async () => {
    await launch(['pull', 'x']);
    // Same length, other code: V8 alone would accept the old cache (it knows sources by length).
    await writeFile(bundle, bundleSource(12));
    const after = await launch(['pull', 'x']);
    expect(after.cache).toBe('made');
    expect(after.out.value).toBe(24);
    const files = await readdir(cacheDir());
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/-pull\.bin$/);
  });

  it('runs without a cache when turned off, when others could write the cache, or when there is none', async () => {
    await rm(cacheDir(), { recursive: true, force: true });
    const off = await launch(['push'], { LADING_CODE_CACHE: '0' });
    expect(off.cache).toBe('off');
    expect(off.out.value).toBe(24);
    await expect(readdir(cacheDir())).rejects.toThrow();

    // A cache directory others can write is not trusted: neither read nor written.
    await mkdir(cacheDir(), { recursive: true });
    await chmod(cacheDir(), 0o777);
    expect((await launch(['push'])).cache).toBe('off');
    expect(await readdir(cacheDir())).toEqual([]);
    await chmod(cacheDir(), 0o700);
    expect((await launch(['push'])).cache).toBe('made');

    // An unusable cache location only means no cache.
    const blocked = join(dir, 'not-a-dir');
    await writeFile(blocked, 'x');
    const r = await launch(['push'], { XDG_CACHE_HOME: blocked });
    expect(r.cache).toBe('off');
    expect(r.out.value).toBe(24);
  });
});
