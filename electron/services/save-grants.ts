/**
 * Paths the user picked in the native save dialog. In Electron mode a pull writes only to such a path, so a
 * compromised renderer cannot make the main process overwrite an arbitrary file the user can write: it can
 * only write where the user just said to, once.
 */
import { resolve } from 'node:path';

export interface SavePathGrantsOptions {
  /** Most grants held at once; the oldest is forgotten first. */
  capacity?: number;
  /** How long a chosen path stays usable, ms. */
  ttlMs?: number;
  now?: () => number;
}

export class SavePathGrants {
  /** Normalised path → expiry time (ms). Map order is grant order, so the first entry is the oldest. */
  private readonly grants = new Map<string, number>();
  private readonly capacity: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: SavePathGrantsOptions = {}) {
    this.capacity = opts.capacity ?? 16;
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Records a path the save dialog returned. */
  grant(path: string): void {
    const key = resolve(path);
    this.grants.delete(key);
    this.grants.set(key, this.now() + this.ttlMs);
    while (this.grants.size > this.capacity) this.grants.delete(this.grants.keys().next().value as string);
  }

  /** Uses up the grant for `path`: false if the dialog never returned it, it was already used, or it expired. */
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
