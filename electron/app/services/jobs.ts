/** jobs.*: everything that changes a registry or moves bytes runs as a job in the job manager. */

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isGitHubKind } from '../../../shared/connection-kinds';
import type { CallRequest, Handlers } from '../../../shared/contract';
import { pullFileName } from '../../../shared/pull-file-name';
import { isDigestReference, referenceSeparator, shortDigest } from '../../../shared/reference-grammar';
import type { EngineImageSource, EngineKind, TransferProgress } from '../../../shared/types';
import type { JobSpec } from '../../core/jobs/manager';
import { LadingError } from '../../core/registry/errors';
import { resolveArchiveSource } from './archives';
import type { ServiceContext } from './context';

const shortRef = (reference: string) => (isDigestReference(reference) ? shortDigest(reference) : reference);

/** Progress for jobs without bytes (delete, tag): one "layer" per item. */
function countProgress(done: number, total: number): TransferProgress {
  return { bytesDone: done, bytesTotal: total, rate: 0, layers: [] };
}

export function jobHandlers(
  ctx: ServiceContext,
): Pick<
  Handlers,
  | 'jobs.push'
  | 'jobs.pull'
  | 'jobs.delete'
  | 'jobs.tag'
  | 'jobs.list'
  | 'jobs.cancel'
  | 'jobs.retry'
  | 'jobs.clear'
> {
  // A browser-uploaded archive (possibly GBs) stays while a job that may be retried (failed or cancelled)
  // still names it: a retry reads the same file. It is deleted when its push is done or its jobs are cleared.
  const uploadOfJob = new Map<string, string>();
  const releaseUnused = async (uploadId: string) => {
    if (![...uploadOfJob.values()].includes(uploadId)) await ctx.uploads.release(uploadId);
  };

  return {
    'jobs.push': async (req) => {
      if ('engine' in req.source) return pushFromEngineJob(ctx, req, req.source);
      const source = resolveArchiveSource(ctx, req.source);
      const { connection } = await ctx.access(req.connectionId);
      if (source.uploadId) ctx.uploads.hold(source.uploadId);
      const fileName = source.fileName ?? basename(source.path);
      const spec: JobSpec = {
        kind: 'push',
        title: `Push ${fileName} → ${connection.registry}/${req.target.repository}:${req.target.tag}`,
        connectionId: req.connectionId,
        run: async (job) => {
          const access = await ctx.access(req.connectionId);
          return ctx.pipelines.push({
            ...access,
            archivePath: source.path,
            target: req.target,
            image: req.image,
            platform: req.platform,
            compression: req.compression,
            signal: job.signal,
            onProgress: job.progress,
          });
        },
        onSettled: source.uploadId
          ? async (job) => {
              if (job.state !== 'done') return;
              uploadOfJob.delete(job.id);
              await releaseUnused(source.uploadId!);
            }
          : undefined,
      };
      const jobId = ctx.jobs.submit(spec);
      if (source.uploadId) uploadOfJob.set(jobId, source.uploadId);
      return { jobId };
    },

    'jobs.pull': async (req) => {
      if (req.engine) return pullIntoEngineJob(ctx, req, req.engine);
      // The bridge's page must not choose where the main process writes (anyone holding the bridge token
      // could overwrite any file the user can); it gets the file as a download instead.
      if (ctx.mode === 'bridge' && req.path !== undefined) {
        throw new LadingError('invalid-input', 'The web version cannot save a pull to a chosen path.', {
          hint: 'Leave the path out; the pulled file is offered as a download when the job is done.',
        });
      }
      // In Electron the renderer may only name a file the user just chose in the save dialog, so a
      // compromised renderer cannot overwrite any file the user can write. (The CLI does not come here.)
      if (ctx.mode === 'electron' && req.path !== undefined && !ctx.savePaths.take(req.path)) {
        throw new LadingError(
          'invalid-input',
          'A pull can only be saved to a file chosen in the save dialog.',
          {
            hint: 'Choose where to save with the dialog, then start the pull (each choice is used once).',
          },
        );
      }
      const { connection } = await ctx.access(req.connectionId);
      const fileName = req.path
        ? basename(req.path)
        : pullFileName(
            req.repository,
            req.reference,
            req.format,
            req.allPlatforms ? undefined : req.platform,
          );
      const spec: JobSpec = {
        kind: 'pull',
        title: `Pull ${connection.registry}/${req.repository}${referenceSeparator(req.reference)}${shortRef(req.reference)} → ${fileName}`,
        connectionId: req.connectionId,
        run: async (job) => {
          const access = await ctx.access(req.connectionId);
          const outputPath = req.path ?? join(ctx.downloadDir, `${randomUUID()}-${fileName}`);
          const outcome = await ctx.pipelines.pull({
            ...access,
            repository: req.repository,
            reference: req.reference,
            outputPath,
            format: req.format,
            platform: req.platform,
            allPlatforms: req.allPlatforms,
            signal: job.signal,
            onProgress: job.progress,
          });
          if (!req.path) ctx.downloads.set(job.id, { path: outputPath, fileName });
          return outcome;
        },
      };
      return { jobId: ctx.jobs.submit(spec) };
    },

    'jobs.delete': async (req) => {
      const { connection } = await ctx.access(req.connectionId);
      const count = req.tags.length + req.digests.length;
      const what =
        count === 1
          ? `${req.repository}${req.tags[0] ? `:${req.tags[0]}` : `@${shortRef(req.digests[0]!)}`}`
          : `${count} items from ${req.repository}`;
      const spec: JobSpec = {
        kind: 'delete',
        title: `Delete ${what} on ${connection.registry}`,
        connectionId: req.connectionId,
        run: async (job) => {
          const { port, access } = await ctx.registry(req.connectionId);
          if (isGitHubKind(access.connection.kind)) {
            return ctx.github.deleteFromPackage(
              access,
              req.repository,
              { tags: req.tags, digests: req.digests },
              job.signal,
            );
          }
          let done = 0;
          job.progress(countProgress(0, count));
          for (const tag of req.tags) {
            await port.deleteTag(req.repository, tag, job.signal);
            job.progress(countProgress(++done, count));
          }
          for (const digest of req.digests) {
            await port.deleteDigest(req.repository, digest, job.signal);
            job.progress(countProgress(++done, count));
          }
          const parts = [
            req.tags.length ? `${req.tags.length} tag${req.tags.length === 1 ? '' : 's'}` : '',
            req.digests.length ? `${req.digests.length} digest${req.digests.length === 1 ? '' : 's'}` : '',
          ].filter(Boolean);
          return { message: `Deleted ${parts.join(' and ')} from ${req.repository}.` };
        },
      };
      return { jobId: ctx.jobs.submit(spec) };
    },

    'jobs.tag': async (req) => {
      const { connection } = await ctx.access(req.connectionId);
      const sep = referenceSeparator(req.source.reference);
      const spec: JobSpec = {
        kind: 'tag',
        title: `Tag ${req.source.repository}${sep}${shortRef(req.source.reference)} as ${req.target.repository}:${req.target.tag} on ${connection.registry}`,
        connectionId: req.connectionId,
        run: async (job) => {
          const { port } = await ctx.registry(req.connectionId);
          const { digest } = await port.tag(req.source, req.target, job.signal);
          return {
            message: `${req.target.repository}:${req.target.tag} now points at ${shortRef(digest)}.`,
            digest,
          };
        },
      };
      return { jobId: ctx.jobs.submit(spec) };
    },

    'jobs.list': async () => ctx.jobs.list(),
    'jobs.cancel': async ({ id }) => {
      ctx.jobs.cancel(id);
      return { ok: true as const };
    },
    'jobs.retry': async ({ id }) => {
      const jobId = ctx.jobs.retry(id);
      const uploadId = uploadOfJob.get(id);
      if (uploadId) uploadOfJob.set(jobId, uploadId);
      return { jobId };
    },
    'jobs.clear': async () => {
      for (const id of ctx.jobs.clear()) {
        const uploadId = uploadOfJob.get(id);
        uploadOfJob.delete(id);
        if (uploadId) await releaseUnused(uploadId);
        const download = ctx.downloads.get(id);
        ctx.downloads.delete(id);
        if (download) await rm(download.path, { force: true });
      }
      return { ok: true as const };
    },
  };
}

type PushRequest = CallRequest<'jobs.push'>;
type PullRequest = CallRequest<'jobs.pull'>;
const engineName = (kind: EngineKind) => (kind === 'podman' ? 'Podman' : 'Docker');

/** jobs.push from a local engine's image: its save streams into the push, so a retry reads it again. */
async function pushFromEngineJob(ctx: ServiceContext, req: PushRequest, source: EngineImageSource) {
  if (req.image)
    throw new LadingError(
      'invalid-input',
      '`image` picks an image of an archive; an engine source names its image itself.',
    );
  const { connection } = await ctx.access(req.connectionId);
  const spec: JobSpec = {
    kind: 'push',
    title: `Push ${source.image} (${engineName(source.engine)}) → ${connection.registry}/${req.target.repository}:${req.target.tag}`,
    connectionId: req.connectionId,
    run: async (job) =>
      ctx.engines.push({
        ...(await ctx.access(req.connectionId)),
        engine: source.engine,
        localImage: source.image,
        target: req.target,
        platform: req.platform,
        compression: req.compression,
        signal: job.signal,
        onProgress: job.progress,
      }),
  };
  return { jobId: ctx.jobs.submit(spec) };
}

/** jobs.pull into a local engine: no file for the user, so no path and no download. */
async function pullIntoEngineJob(
  ctx: ServiceContext,
  req: PullRequest,
  engine: NonNullable<PullRequest['engine']>,
) {
  if (req.path !== undefined || req.format !== 'docker' || req.allPlatforms)
    throw new LadingError(
      'invalid-input',
      'A pull into an engine takes no path, format docker and one platform.',
      {
        hint: 'Leave out the path and allPlatforms; pick the platform with `platform`.',
      },
    );
  const { connection } = await ctx.access(req.connectionId);
  const spec: JobSpec = {
    kind: 'pull',
    title: `Pull ${connection.registry}/${req.repository}${referenceSeparator(req.reference)}${shortRef(req.reference)} → ${engineName(engine.kind)}${engine.name ? ` as ${engine.name}` : ''}`,
    connectionId: req.connectionId,
    run: async (job) =>
      ctx.engines.pull({
        ...(await ctx.access(req.connectionId)),
        engine: engine.kind,
        name: engine.name,
        repository: req.repository,
        reference: req.reference,
        platform: req.platform,
        signal: job.signal,
        onProgress: job.progress,
      }),
  };
  return { jobId: ctx.jobs.submit(spec) };
}
