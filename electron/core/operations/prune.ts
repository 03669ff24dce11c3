/**
 * `lading prune`: plan from the registry as it is (readPruneSnapshot + planPrune), then run the plan in
 * its order, tags before manifests, each image's referrers just before it. A permission refusal stops
 * the run at once (every later delete would be refused too); any other failure is reported and the run
 * goes on. What is already gone counts as done, so a rerun after an interruption finishes the rest.
 */
import type { MainErrorInfo } from '../../../shared/errors';
import { isGitHubRegistry } from '../registry/auth';
import { LadingError, toErrorInfo } from '../registry/errors';
import { digestName, manifestReference, repositoryName, tagName } from '../registry/names';
import { checkRepositoryRights, type RightsClient } from '../registry/rights';
import { deleteTag } from '../registry/tagging';
import { type PruneAction, type PrunePlan, planPrune } from './prune-plan';
import { type PruneReadClient, readPruneSnapshot } from './prune-read';
import type { PruneRules } from './prune-rules';

export type PruneClient = PruneReadClient & RightsClient;

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
    // ghcr.io answers 405 to manifest DELETE: its manifests go as package versions (prune-github.ts).
    throw new LadingError(
      'unsupported',
      `${client.registry} is pruned through the GitHub Packages API, not the registry API.`,
      {
        hint: 'Run lading prune with a GitHub token (GH_TOKEN or your docker login), or use a GitHub connection in the app.',
      },
    );
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
    const now = await client.headManifest(
      repositoryName(repository),
      manifestReference(a.tag as string),
      call,
    );
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
    await deleteTag(client, repositoryName(repository), tagName(a.tag as string), {
      signal,
      manifestStays: true,
    });
    return;
  }
  if (a.action === 'delete-manifest') {
    await client.deleteManifest(repositoryName(repository), digestName(a.digest), call);
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

/**
 * Tags pushed since the plan onto a manifest it deletes (deleting by digest would take them along): such a
 * manifest is left alone. One listing, and a HEAD only for the tags the plan has never seen.
 */
export async function tagsAddedSince(
  client: Pick<PruneClient, 'tags' | 'headManifest'>,
  plan: PrunePlan,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const known = new Set([
    ...plan.keep.flatMap((k) => (k.tag ? [k.tag] : [])),
    ...plan.plan.flatMap((a) => a.tags ?? (a.tag ? [a.tag] : [])),
  ]);
  const doomed = new Set(plan.plan.filter((a) => a.action !== 'delete-tag').map((a) => a.digest));
  const added = new Map<string, string>(); // digest → a new tag on it
  for (const t of (await client.tags(repositoryName(plan.repository), { signal })).filter(
    (t) => !known.has(t),
  )) {
    const d = (await client.headManifest(repositoryName(plan.repository), manifestReference(t), { signal }))
      ?.digest;
    if (d && doomed.has(d) && !added.has(d)) added.set(d, t);
  }
  return added;
}

export function retaggedSincePlan(a: PruneAction, tag: string): LadingError {
  return new LadingError(
    'conflict',
    `${a.tag ?? a.digest} was left alone: tag ${tag} was put on it since the plan, and would go with it.`,
    { hint: 'Run lading prune again to plan with the repository as it is now.' },
  );
}

/** Runs a plan on a registry that deletes through the Distribution API. */
export function executePrune(
  client: PruneClient,
  plan: PrunePlan,
  opts: PruneRunOptions = {},
): Promise<PruneRunResult> {
  let added = new Map<string, string>();
  return runPruneActions(
    plan,
    async () => {
      // A token without delete (or push, to remove a tag alone), or a registry with deletes off, is
      // refused here, before anything changed.
      const untags = plan.plan.some((a) => a.action === 'delete-tag');
      await checkRepositoryRights(
        client,
        repositoryName(plan.repository),
        untags ? ['push', 'delete'] : ['delete'],
        {
          signal: opts.signal,
          why: untags
            ? 'this prune (it removes some tags alone by moving them onto a throwaway manifest first)'
            : 'this prune',
        },
      );
      added = await tagsAddedSince(client, plan, opts.signal);
    },
    async (a) => {
      const tag = added.get(a.digest);
      if (tag && a.action === 'delete-manifest') throw retaggedSincePlan(a, tag);
      await runAction(client, plan.repository, a, opts.signal);
    },
    opts,
  );
}
