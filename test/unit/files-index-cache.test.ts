import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexCache } from '../../electron/core/files/index-cache';
import type { LayerEntry } from '../../electron/core/files/layer-index';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** An index whose gzipped file is roughly `n` KiB (random-ish paths do not compress away). */
function index(n: number): LayerEntry[] {
  return Array.from({ length: n * 20 }, (_, i) => ({
    path: `p/${Math.random().toString(36).slice(2)}${i}`,
    type: 'file' as const,
    size: i,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 0,
    ordinal: i,
  }));
}

describe('IndexCache', () => {
  it('gives back what was stored, link targets included, and nothing for an unknown digest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lading-cache-'));
    dirs.push(dir);
    const cache = new IndexCache(dir);
    const entries: LayerEntry[] = [
      {
        path: 'a',
        type: 'symlink',
        size: 0,
        mode: 0o777,
        uid: 1,
        gid: 2,
        mtime: 3,
        ordinal: 0,
        linkTarget: '/b',
      },
      { path: 'c', type: 'whiteout', size: 0, mode: 0, uid: 0, gid: 0, mtime: 0, ordinal: 1 },
    ];
    await cache.put('sha256:aa', entries);
    expect(await cache.get('sha256:aa')).toEqual(entries);
    expect(await cache.get('sha256:bb')).toBeUndefined();
  });

  it('stays under its bound by evicting the least recently used index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lading-cache-'));
    dirs.push(dir);
    const probe = new IndexCache(join(dir, 'probe'));
    await probe.put('sha256:probe', index(40));
    const [probeFile] = await readdir(join(dir, 'probe'));
    const { size } = await import('node:fs/promises').then((fs) =>
      fs.stat(join(dir, 'probe', probeFile as string)),
    );
    const cache = new IndexCache(join(dir, 'c'), Math.floor(size * 2.5));
    await cache.put('sha256:one', index(40));
    await cache.put('sha256:two', index(40));
    // "one" is older on disk, but read since: "two" is the least recently used.
    const old = new Date(Date.now() - 60_000);
    for (const f of await readdir(join(dir, 'c'))) await utimes(join(dir, 'c', f), old, old);
    expect(await cache.get('sha256:one')).toBeDefined();
    await cache.put('sha256:three', index(40));
    expect(await readdir(join(dir, 'c'))).toHaveLength(2);
    expect(await cache.get('sha256:two')).toBeUndefined();
    expect(await cache.get('sha256:one')).toBeDefined();
    expect(await cache.get('sha256:three')).toBeDefined();
  });
});
