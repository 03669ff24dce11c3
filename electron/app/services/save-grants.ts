/**
 * Paths the user chose in a native dialog or dropped on the window. In Electron mode the renderer names files
 * by absolute path, so without these a compromised renderer could make the main process overwrite any file
 * the user can write (pull) or read and upload any file the user can read (push, archive inspect). With them
 * it can only touch files the user just pointed at.
 */
import { resolve } from 'node:path';

export interface PathGrantsOptions {
  /** Most grants held at once; the oldest is forgotten first. */
  capacity?: number;
  /** How long a chosen path stays usable, ms. */
  ttlMs?: number;
  now?: () => number;
}

class PathGrants {
  /** Normalised path → expiry time (ms). Map order is grant order, so the first entry is the oldest. */
  private readonly grants = new Map<string, number>();
  private readonly capacity: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: PathGrantsOptions, defaults: { capacity: number; ttlMs: number }) {
    this.capacity = opts.capacity ?? defaults.capacity;
    this.ttlMs = opts.ttlMs ?? defaults.ttlMs;
    this.now = opts.now ?? Date.now;
  }

  /** Records a path the user chose. */
  grant(path: string): void {
    const key = resolve(path);
    this.grants.delete(key);
    this.grants.set(key, this.now() + this.ttlMs);
    while (this.grants.size > this.capacity) this.grants.delete(this.grants.keys().next().value as string);
  }

  /** Whether `path` was granted and has not expired (the grant stays). */
  has(path: string): boolean {
    const key = resolve(path);
    const expires = this.grants.get(key);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.grants.delete(key);
    return false;
  }

  /** Uses up the grant for `path`: false if it was never granted, was already used, or expired. */
  take(path: string): boolean {
    const key = resolve(path);
    const expires = this.grants.get(key);
    this.grants.delete(key);
    return expires !== undefined && expires > this.now();
  }

  get size(): number {
    return this.grants.size;
  }
}

/** Paths the save dialog returned: where an Electron-mode pull may write, each once (`take`). */
export class SavePathGrants extends PathGrants {
  constructor(opts: PathGrantsOptions = {}) {
    super(opts, { capacity: 16, ttlMs: 10 * 60_000 });
  }
}

/**
 * Archives the open dialog returned or the user dropped on the window: what an Electron-mode push or archive
 * inspect may read. Reusable (`has`): one archive is inspected, then pushed once per image or target, and a
 * failed push is retried.
 */
export class ReadPathGrants extends PathGrants {
  constructor(opts: PathGrantsOptions = {}) {
    super(opts, { capacity: 1000, ttlMs: 24 * 60 * 60_000 });
  }
}
