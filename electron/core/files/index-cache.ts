/**
 * Layer indexes on disk, one gzipped JSON file per layer digest: a layer's content never changes, so its
 * index is valid forever, for every image that shares it. The directory is bounded: after each write the
 * least recently used files (by mtime, touched on every hit) go until it fits.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { LayerEntry } from './layer-index';

/** Bumped whenever LayerEntry or the file format changes, so old files are simply not found. */
const FORMAT = 1;
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/** `$LADING_CACHE_DIR`, else the OS's cache directory + `/lading`, with `file-index/` below it. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LADING_CACHE_DIR) return join(env.LADING_CACHE_DIR, 'file-index');
  const home = env.HOME || homedir();
  const base =
    platform === 'darwin'
      ? join(home, 'Library', 'Caches')
      : platform === 'win32'
        ? env.LOCALAPPDATA || join(home, 'AppData', 'Local')
        : env.XDG_CACHE_HOME || join(home, '.cache');
  return join(base, 'lading', 'file-index');
}

type Row = [string, LayerEntry['type'], number, number, number, number, number, number, string?];

export class IndexCache {
  constructor(
    readonly dir: string,
    readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {}

  private file(digest: string): string {
    return join(this.dir, `v${FORMAT}-${digest.replace(/[^a-z0-9]/gi, '-')}.json.gz`);
  }

  /** The layer's index, or undefined when it is not cached (or the file is unreadable). */
  async get(digest: string): Promise<LayerEntry[] | undefined> {
    const file = this.file(digest);
    try {
      const rows = JSON.parse(gunzipSync(await readFile(file)).toString('utf8')) as Row[];
      const now = new Date();
      await utimes(file, now, now).catch(() => {});
      return rows.map(([path, type, size, mode, uid, gid, mtime, ordinal, linkTarget]) => {
        const e: LayerEntry = { path, type, size, mode, uid, gid, mtime, ordinal };
        if (linkTarget !== undefined) e.linkTarget = linkTarget;
        return e;
      });
    } catch {
      return undefined;
    }
  }

  /** Stores an index (temp file + rename, so readers never see half of one), then evicts. */
  async put(digest: string, entries: LayerEntry[]): Promise<void> {
    const rows: Row[] = entries.map((e) => {
      const r: Row = [e.path, e.type, e.size, e.mode, e.uid, e.gid, e.mtime, e.ordinal];
      if (e.linkTarget !== undefined) r.push(e.linkTarget);
      return r;
    });
    await this.store(this.file(digest), gzipSync(JSON.stringify(rows), { level: 3 }));
  }

  /** Where another kind of record keyed by digest lives, inside the same bounded directory. */
  recordFile(kind: string, digest: string): string {
    return join(this.dir, `${kind}-${digest.replace(/[^a-z0-9]/gi, '-')}.gz`);
  }

  /** A record's bytes (its use counted for eviction), or undefined when it is not there. */
  async load(file: string): Promise<Buffer | undefined> {
    try {
      const data = await readFile(file);
      const now = new Date();
      await utimes(file, now, now).catch(() => {});
      return data;
    } catch {
      return undefined;
    }
  }

  /** Writes a record atomically, then evicts the least recently used files beyond the bound. */
  async store(file: string, data: Buffer): Promise<void> {
    // A record larger than the whole cache would evict everything and itself: not kept.
    if (data.length > this.maxBytes) return;
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } catch {
      await rm(tmp, { force: true });
      return; // a cache that cannot be written only costs speed
    }
    await this.evict(file);
  }

  private async evict(keep: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files: { path: string; size: number; used: number }[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s?.isFile()) files.push({ path, size: s.size, used: s.mtimeMs });
    }
    let total = files.reduce((n, f) => n + f.size, 0);
    files.sort((a, b) => a.used - b.used);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      if (f.path === keep) continue;
      await rm(f.path, { force: true });
      total -= f.size;
    }
  }
}
