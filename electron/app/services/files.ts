/**
 * files.list, files.summary and files.save: core/files on a connection's image. Opened images are kept for
 * a few minutes by manifest digest (a tag is resolved on every call; the layer indexes come from the disk
 * cache anyway), so moving between layers in the Files tab re-merges only.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Handlers } from '../../../shared/contract';
import type { FilesSummaryInfo } from '../../../shared/files';
import { type ImageFiles, listFiles, openImageFiles } from '../../core/files/image-files';
import { summarize } from '../../core/files/merge';
import { readImageFile } from '../../core/files/read-file';
import { LadingError } from '../../core/registry/errors';
import { parseReference } from '../../core/registry/reference';
import type { ServiceContext } from './context';

interface ImageRequest {
  connectionId: string;
  repository: string;
  reference: string;
  platform?: string;
}

const OPEN_TTL_MS = 5 * 60_000;
const OPEN_MAX = 4;

export function filesHandlers(
  ctx: ServiceContext,
): Pick<Handlers, 'files.list' | 'files.summary' | 'files.save'> {
  /** A few opened images (each holds its merged tree): key → when opened. */
  const opened = new Map<string, { at: number; files: Promise<ImageFiles> }>();

  async function open(req: ImageRequest) {
    const access = await ctx.access(req.connectionId);
    const client = ctx.files.client(access);
    const separator = req.reference.includes(':') ? '@' : ':';
    const reference = parseReference(
      `${access.connection.registry}/${req.repository}${separator}${req.reference}`,
    );
    // Digest references never move; a tag is cached briefly so that a layer switch does not re-resolve it.
    const key = JSON.stringify([req.connectionId, req.repository, req.reference, req.platform ?? '']);
    const now = Date.now();
    for (const [k, v] of opened) if (now - v.at > OPEN_TTL_MS) opened.delete(k);
    let entry = opened.get(key);
    if (!entry) {
      entry = {
        at: now,
        files: openImageFiles(client, reference, { platform: req.platform, cache: ctx.files.cache }),
      };
      entry.files.catch(() => opened.delete(key));
      opened.set(key, entry);
      while (opened.size > OPEN_MAX) opened.delete(opened.keys().next().value as string);
    }
    return { client, files: await entry.files };
  }

  return {
    'files.list': async (req) => {
      const { files } = await open(req);
      return {
        digest: files.digest,
        layers: files.layers.map((l) => ({
          number: l.number,
          digest: l.descriptor.digest,
          size: l.descriptor.size,
        })),
        rows: listFiles(files, { path: req.path, layer: req.layer, upTo: req.upTo }),
      };
    },

    'files.summary': async (req): Promise<FilesSummaryInfo> => {
      const { files } = await open(req);
      const s = summarize(files.merged);
      return { ...s, largestWasted: s.largestWasted.map((w) => ({ ...w, path: `/${w.path}` })) };
    },

    'files.save': async (req) => {
      // As for pulls: the bridge's page never picks where the main process writes, and Electron's only a
      // path the user just chose in the save dialog.
      if (ctx.mode === 'bridge' && req.path !== undefined) {
        throw new LadingError('invalid-input', 'The web version cannot save a file to a chosen path.', {
          hint: 'Leave the path out; the file is offered as a download.',
        });
      }
      if (ctx.mode === 'electron' && (req.path === undefined || !ctx.savePaths.take(req.path))) {
        throw new LadingError('invalid-input', 'A file can only be saved where the save dialog chose.', {
          hint: 'Choose where to save with the dialog, then save (each choice is used once).',
        });
      }
      const { client, files } = await open(req);
      const content = await readImageFile(client, files, req.file, { follow: req.follow });
      const fileName = basename(content.path) || 'file';
      const downloadId = req.path ? undefined : `file-${randomUUID()}`;
      const target =
        req.path ?? join(ctx.downloadDir, `${downloadId}-${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      const tmp = join(dirname(target), `.${basename(target)}.${randomUUID().slice(0, 8)}.tmp`);
      try {
        await pipeline(Readable.from(content.body), createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        if (e instanceof LadingError) throw e;
        throw new LadingError(
          'file-error',
          `Cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`,
          {
            hint: 'Check that the folder exists and is writable.',
          },
        );
      }
      if (downloadId) ctx.downloads.set(downloadId, { path: target, fileName });
      return { bytes: content.size, ...(downloadId ? { downloadId } : {}) };
    },
  };
}
