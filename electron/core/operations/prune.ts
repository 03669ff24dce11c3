/**
 * `lading prune`: plan from the registry as it is (readPruneSnapshot + planPrune), then run the plan in
 * its order, tags before manifests, each image's referrers just before it. A permission refusal stops
 * the run at once (every later delete would be refused too); any other failure is reported and the run
 * goes on. What is already gone counts as done, so a rerun after an interruption finishes the rest.
 */
import type { MainErrorInfo } from '../../../shared/errors';
import { isGitHubRegistry } from '../registry/auth';
import { LadingError, toErrorInfo } from '../registry/errors';
import { checkManifestDeletes, deleteTag, type TaggingClient } from '../registry/tagging';
import { type PruneAction, type PrunePlan, planPrune } from './prune-plan';
import { type PruneReadClient, readPruneSnapshot } from './prune-read';
import type { PruneRules } from './prune-rules';

export type PruneClient = PruneReadClient & TaggingClient;

export interface PruneRunResult {
  done: PruneAction[];
  failed: Array<{ action: PruneAction; error: MainErrorInfo }>;
  /** Set when a refusal stopped the run: what was refused and the scope or setting to add. */
  stopped?: MainErrorInfo & { scope?: string };
  /** Cancelled between two actions; the rest were not tried. */
  cancelled?: boolean;
}

/** The plan for `repository` as it is now; changes nothing. */
export async function prunePlanFor(
  client: PruneClient,
  repository: string,
  rules: PruneRules,
  opts: { signal?: AbortSignal; now?: Date } = {},
): Promise<PrunePlan> {
  if (isGitHubRegistry(client.registry)) {
    throw new LadingError('unsupported', `Pruning ${client.registry} repositories is not supported yet.`, {
      hint: 'Delete versions with lading gh delete-version for now; generic registries can be pruned.',
    });
  }
  const snapshot = await readPruneSnapshot(client, repository, { signal: opts.signal });
  return planPrune(snapshot, rules, opts.now);
}

export const gone = (e: unknown) =>
  e instanceof LadingError && (e.code === 'manifest-unknown' || e.status === 404);
const refused = (e: unknown) =>
  e instanceof LadingError && (e.code === 'denied' || e.code === 'unauthorized' || e.code === 'unsupported');

async function runAction(client: PruneClient, repository: string, a: PruneAction, signal?: AbortSignal) {
  const call = { signal };
  if (a.action === 'delete-tag') {
    const now = await client.headManifest(repository, a.tag as string, call);
    if (!now) return; // already gone
    if (now.digest !== a.digest) {
      throw new LadingError(
        'conflict',
        `Tag ${a.tag} moved to ${now.digest} since the plan; it was left alone.`,
        {
          hint: 'Run lading prune again to plan with the repository as it is now.',
        },
      );
    }
    await deleteTag(client, repository, a.tag as string, { signal, manifestStays: true });
    return;
  }
  if (a.action === 'delete-manifest') {
    await client.deleteManifest(repository, a.digest, call);
    return;
  }
  throw new LadingError('unsupported', `${a.action} is done through GitHub Packages, not this registry.`);
}

export interface PruneRunOptions {
  signal?: AbortSignal;
  onAction?: (a: PruneAction, outcome: 'done' | 'failed', i: number) => void;
}

/**
 * The run loop both hosts share: `preflight` once (a refusal there stops before anything changed), then
 * each action in order; gone counts as done, a refusal stops, anything else is reported and passed.
 */
export async function runPruneActions(
  plan: PrunePlan,
  preflight: () => Promise<void>,
  runOne: (a: PruneAction) => Promise<void>,
  opts: PruneRunOptions,
): Promise<PruneRunResult> {
  const result: PruneRunResult = { done: [], failed: [] };
  const stop = (e: unknown) => {
    result.stopped = {
      ...toErrorInfo(e),
      // GitHub names the token scope to add (delete:packages), a registry its token scope.
      scope:
        (e as LadingError).patScope ?? (e as LadingError).scope ?? `repository:${plan.repository}:delete`,
    };
  };
  if (plan.plan.length) {
    try {
      await preflight();
    } catch (e) {
      if (!refused(e)) throw e;
      stop(e);
      return result;
    }
  }
  for (const [i, a] of plan.plan.entries()) {
    if (opts.signal?.aborted) {
      result.cancelled = true;
      break;
    }
    try {
      await runOne(a);
    } catch (e) {
      if (!gone(e)) {
        if (opts.signal?.aborted) {
          result.cancelled = true;
          break;
        }
        result.failed.push({ action: a, error: toErrorInfo(e) });
        opts.onAction?.(a, 'failed', i);
        if (refused(e)) {
          stop(e);
          break;
        }
        continue;
      }
    }
    result.done.push(a);
    opts.onAction?.(a, 'done', i);
  }
  return result;
}

/** Runs a plan on a registry that deletes through the Distribution API. */
export function executePrune(
  client: PruneClient,
  plan: PrunePlan,
  opts: PruneRunOptions = {},
): Promise<PruneRunResult> {
  // A token without delete (or a registry with deletes off) is refused by the probe, before anything changed.
  return runPruneActions(
    plan,
    () => checkManifestDeletes(client, plan.repository, { signal: opts.signal }),
    (a) => runAction(client, plan.repository, a, opts.signal),
    opts,
  );
}
