/** jobs.copy, jobs.sync and registry.syncPlan: images from one connection to another (core/operations/copy). */
import type { Handlers } from '../../../shared/contract';
import { isDigestReference, referenceSeparator, shortDigest } from '../../../shared/reference-grammar';
import type { JobSpec } from '../../core/jobs/manager';
import { parsePattern } from '../../core/operations/patterns';
import { LadingError } from '../../core/registry/errors';
import type { ServiceContext } from './context';

/** The sync's tag filter, as typed in the app; empty means every tag. */
const tagPattern = (pattern: string | undefined) =>
  pattern
    ? parsePattern(
        pattern,
        'The tag filter',
        'Give a pattern such as ^v\\d+\\. or leave it empty for every tag.',
      )
    : undefined;

export function copyHandlers(
  ctx: ServiceContext,
): Pick<Handlers, 'jobs.copy' | 'jobs.sync' | 'registry.syncPlan'> {
  return {
    'jobs.copy': async (req) => {
      const [from, to] = await Promise.all([
        ctx.access(req.source.connectionId),
        ctx.access(req.target.connectionId),
      ]);
      const ref = isDigestReference(req.source.reference)
        ? shortDigest(req.source.reference)
        : req.source.reference;
      const tag =
        req.target.tag ?? (isDigestReference(req.source.reference) ? undefined : req.source.reference);
      const spec: JobSpec = {
        kind: 'copy',
        title: `Copy ${from.connection.registry}/${req.source.repository}${referenceSeparator(req.source.reference)}${ref}${req.platform ? ` (${req.platform})` : ''} → ${to.connection.registry}/${req.target.repository}${tag ? `:${tag}` : ''}`,
        connectionId: req.target.connectionId,
        run: async (job) => {
          const [source, target] = await Promise.all([
            ctx.access(req.source.connectionId),
            ctx.access(req.target.connectionId),
          ]);
          return ctx.pipelines.copy({
            source: { ...source, repository: req.source.repository, reference: req.source.reference },
            target: { ...target, repository: req.target.repository, tag: req.target.tag },
            platform: req.platform,
            referrers: req.referrers,
            signal: job.signal,
            onProgress: job.progress,
          });
        },
      };
      return { jobId: ctx.jobs.submit(spec) };
    },

    'registry.syncPlan': async (req) => {
      const [source, target] = await Promise.all([
        ctx.access(req.source.connectionId),
        ctx.access(req.target.connectionId),
      ]);
      const { copied, skipped, failed } = await ctx.pipelines.sync({
        source: { ...source, repository: req.source.repository },
        target: { ...target, repository: req.target.repository },
        tags: tagPattern(req.tags),
        dryRun: true,
      });
      return { copied, skipped, failed };
    },

    'jobs.sync': async (req) => {
      const tags = tagPattern(req.tags);
      const [from, to] = await Promise.all([
        ctx.access(req.source.connectionId),
        ctx.access(req.target.connectionId),
      ]);
      const spec: JobSpec = {
        kind: 'sync',
        title: `Sync ${from.connection.registry}/${req.source.repository} → ${to.connection.registry}/${req.target.repository}${req.tags ? ` (tags ${req.tags})` : ''}`,
        connectionId: req.target.connectionId,
        run: async (job) => {
          const [source, target] = await Promise.all([
            ctx.access(req.source.connectionId),
            ctx.access(req.target.connectionId),
          ]);
          const r = await ctx.pipelines.sync({
            source: { ...source, repository: req.source.repository },
            target: { ...target, repository: req.target.repository },
            tags,
            referrers: req.referrers,
            signal: job.signal,
            onProgress: job.progress,
          });
          // Some tags failed: the job fails with the whole story; Retry runs the sync again and skips
          // every tag already copied.
          if (r.failed.length)
            throw new LadingError('conflict', r.message, { hint: 'Retry to copy the rest.' });
          return { message: r.message };
        },
      };
      return { jobId: ctx.jobs.submit(spec) };
    },
  };
}
