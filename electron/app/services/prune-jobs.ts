/** registry.prunePlan and jobs.prune: retention rules over one repository (core/operations/prune). */
import type { CallRequest, Handlers } from '../../../shared/contract';
import { formatSize } from '../../../shared/sizes';
import type { JobSpec } from '../../core/jobs/manager';
import { pruneRules } from '../../core/operations/prune-rules';
import { LadingError } from '../../core/registry/errors';
import type { ServiceContext } from './context';

const rulesOf = (req: CallRequest<'jobs.prune'>) =>
  pruneRules(
    {},
    {
      match: req.match || undefined,
      keep: req.keep,
      keepLast: req.keepLast,
      olderThan: req.olderThan || undefined,
      untagged: req.untagged,
      keepReferrers: req.keepReferrers,
    },
  );

export function pruneHandlers(ctx: ServiceContext): Pick<Handlers, 'registry.prunePlan' | 'jobs.prune'> {
  return {
    'registry.prunePlan': async (req) => {
      const rules = rulesOf(req);
      const access = await ctx.access(req.connectionId);
      const { repository: _, ...plan } = await ctx.pipelines.prunePlan({
        ...access,
        repository: req.repository,
        rules,
      });
      return plan;
    },

    'jobs.prune': async (req) => {
      const rules = rulesOf(req); // a bad rule is refused now, not when the job starts
      const { connection } = await ctx.access(req.connectionId);
      const spec: JobSpec = {
        kind: 'prune',
        title: `Clean up ${connection.registry}/${req.repository}`,
        connectionId: req.connectionId,
        run: async (job) => {
          const access = await ctx.access(req.connectionId);
          let total = 0;
          const progress = (done: number) =>
            job.progress({ bytesDone: done, bytesTotal: total, rate: 0, layers: [] });
          // Planned again when the job starts, so a retry continues with what is left.
          const r = await ctx.pipelines.prune({
            ...access,
            repository: req.repository,
            rules,
            signal: job.signal,
            onPlan: (plan) => {
              total = plan.plan.length;
              progress(0);
            },
            onAction: (_a, _outcome, i) => progress(i + 1),
          });
          if (r.cancelled) {
            // The job manager words the cancel itself; how far the run got goes beside it.
            job.warn(
              `Stopped after ${r.done.length} of ${r.plan.plan.length} deletions; Retry plans again and finishes the rest.`,
            );
            throw new LadingError('cancelled', 'The clean-up was cancelled.');
          }
          const summary = `${r.done.length} of ${r.plan.plan.length} deletions done in ${req.repository} (${formatSize(r.plan.reclaimableBytes, 'binary')} reclaimable)`;
          if (r.stopped) {
            // A permission stop names what to add, even when the registry's own hint does not.
            const { hint, scope, code } = r.stopped;
            const add = code === 'denied' && scope && !hint?.includes(scope) ? ` Needed: ${scope}.` : '';
            throw new LadingError(code, `${r.stopped.message} ${summary}.`, {
              hint: `${hint ?? `Needed: ${scope}.`}${add} Then retry to finish the rest.`,
            });
          }
          if (r.failed.length) {
            const failed = r.failed.map((f) => `${f.action.tag ?? f.action.digest}: ${f.error.message}`);
            throw new LadingError('conflict', `${summary}; ${r.failed.length} failed: ${failed.join('; ')}`, {
              hint: 'Retry to run what is left (what is already gone counts as done).',
            });
          }
          return { message: `Cleaned up: ${summary}.` };
        },
      };
      return { jobId: ctx.jobs.submit(spec) };
    },
  };
}
