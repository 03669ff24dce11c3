/**
 * Files the browser bridge received (a dropped or picked file has no path in a browser). The bridge streams
 * each upload to a temp file in its own directory and registers it here; `archive.inspect` and `jobs.push`
 * resolve `{ uploadId }` to that path. A file is deleted when the push job that used it ends, when it is
 * not used within the TTL, or when the process exits.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveSource } from '../../../shared/types';
import { LadingError } from '../../core/registry/errors';

export interface Upload {
  id: string;
  path: string;
  fileName: string;
  size: number;
  createdAt: number;
}

const DEFAULT_TTL_MS = 6 * 60 * 60 * 1000;

/** One process exit hook for every store (tests create many), removing whatever temp files remain. */
const liveStores = new Set<UploadStore>();
let exitHookInstalled = false;
function trackForExit(store: UploadStore): void {
  liveStores.add(store);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const s of liveStores) s.disposeSync();
  });
}

export class UploadStore {
  /** The per-process temp root; removed as a whole on dispose or exit. */
  readonly root: string;
  /** Uploaded files. */
  readonly dir: string;
  /** Pulled files waiting to be downloaded (browser bridge). */
  readonly downloadDir: string;
  private readonly uploads = new Map<string, Upload>();
  private readonly inUse = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    parentDir = tmpdir(),
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {
    this.root = mkdtempSync(join(parentDir, 'lading-transfers-'));
    this.dir = join(this.root, 'uploads');
    this.downloadDir = join(this.root, 'downloads');
    mkdirSync(this.dir, { mode: 0o700 });
    mkdirSync(this.downloadDir, { mode: 0o700 });
    this.sweeper = setInterval(() => void this.sweep(), 10 * 60 * 1000).unref();
    trackForExit(this);
  }

  /** A fresh id and the path its bytes should be written to. */
  allocate(): { id: string; path: string } {
    const id = randomBytes(18).toString('base64url');
    return { id, path: join(this.dir, `${id}.upload`) };
  }

  register(upload: Omit<Upload, 'createdAt'>): Upload {
    const full = { ...upload, createdAt: Date.now() };
    this.uploads.set(upload.id, full);
    return full;
  }

  get(id: string): Upload {
    const upload = this.uploads.get(id);
    if (!upload) {
      throw new LadingError('file-error', 'The uploaded file is no longer available.', {
        hint: 'Drop the archive again.',
      });
    }
    return upload;
  }

  /**
   * A path for an archive source, and the display name of the file. With `uploadsOnly` (the browser
   * bridge), a page may only name files it uploaded, never choose what the main process reads from disk.
   */
  resolve(
    source: ArchiveSource,
    opts: { uploadsOnly?: boolean } = {},
  ): { path: string; fileName?: string; uploadId?: string } {
    if ('path' in source) {
      if (opts.uploadsOnly) {
        throw new LadingError('invalid-input', 'The web version reads only files you drop or pick.', {
          hint: 'Drop the archive on the window or use the file picker.',
        });
      }
      return { path: source.path };
    }
    const upload = this.get(source.uploadId);
    return { path: upload.path, fileName: upload.fileName, uploadId: upload.id };
  }

  /** A push job holds the upload so the sweeper leaves it alone. */
  hold(id: string): void {
    this.inUse.add(id);
  }

  async release(id: string): Promise<void> {
    this.inUse.delete(id);
    const upload = this.uploads.get(id);
    this.uploads.delete(id);
    if (upload) await rm(upload.path, { force: true });
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - this.ttlMs;
    for (const u of [...this.uploads.values()]) {
      if (u.createdAt < cutoff && !this.inUse.has(u.id)) await this.release(u.id);
    }
  }

  disposeSync(): void {
    clearInterval(this.sweeper);
    liveStores.delete(this);
    rmSync(this.root, { recursive: true, force: true });
    this.uploads.clear();
  }
}
