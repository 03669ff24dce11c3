/**
 * `lading prune` on GitHub hosts (ghcr.io, docker.pkg.github.com, GHES), where manifests are deleted as
 * package versions through the REST API: the versions list is the tag listing (and names the untagged
 * versions), the registry gives the manifests, and the run checks the token's scopes and every version's
 * role once before the first delete (the guard of version-delete.ts: never a platform image or
 * attestation of an index that stays tagged).
 */
import type { PackageVersion } from '../../../shared/types';
import { deleteOnGitHub, type ManifestWriter } from '../github/delete';
import { assertDeletable, assignRoles } from '../github/roles';
import { requireScopesToChange, scopeKindFor } from '../github/scopes';
import type { GitHubSession } from '../github/session';
import { LadingError } from '../registry/errors';
import { manifestReference, repositoryName } from '../registry/names';
import {
  type PruneClient,
  type PruneRunOptions,
  type PruneRunResult,
  retaggedSincePlan,
  runPruneActions,
} from './prune';
import { type PrunePlan, planPrune } from './prune-plan';
import { readPruneSnapshot } from './prune-read';
import type { PruneRules } from './prune-rules';

export interface GitHubPruneTarget {
  session: GitHubSession;
  client: PruneClient & ManifestWriter;
  /** Registry repository path, e.g. `acme/app`. */
  repository: string;
}

export async function gitHubPrunePlan(
  t: GitHubPruneTarget,
  rules: PruneRules,
  opts: { signal?: AbortSignal; now?: Date } = {},
): Promise<PrunePlan> {
  const { ref, route } = await t.session.locate(t.repository);
  const { versions } = await t.session.packages.listVersionsAndScopes(route, ref.name, 'active');
  const tags: Record<string, string> = {};
  for (const v of versions) for (const tag of v.tags) tags[tag] = v.digest;
  const snapshot = await readPruneSnapshot(t.client, t.repository, {
    tags,
    untagged: versions.filter((v) => v.tags.length === 0).map((v) => v.digest),
    signal: opts.signal,
  });
  snapshot.versions = Object.fromEntries(
    versions.map((v) => [v.digest, { id: v.id, createdAt: v.createdAt, tags: v.tags }]),
  );
  return planPrune(snapshot, rules, opts.now);
}

export async function executeGitHubPrune(
  t: GitHubPruneTarget,
  plan: PrunePlan,
  opts: PruneRunOptions = {},
): Promise<PruneRunResult> {
  const call = { signal: opts.signal };
  const { ref, route } = await t.session.locate(t.repository);
  const pkg = `${ref.owner}/${ref.name}`;
  let roles: PackageVersion[] = [];
  let after: PackageVersion[] = [];
  const retagged = new Map<string, string>();
  const preflight = async () => {
    const { versions, scopes } = await t.session.packages.listVersionsAndScopes(route, ref.name, 'active');
    const untags = plan.plan.some((a) => a.action === 'delete-tag');
    requireScopesToChange(
      scopes,
      untags ? ['delete', 'push'] : ['delete'],
      scopeKindFor(t.session.connection, t.session.packages.packageType),
      `to prune ${pkg}`,
      untags ? ', which moves a shared tag onto a placeholder first (a push)' : '',
    );
    roles = await assignRoles(versions, t.client, t.repository, call);
    // A tag put on a version since the plan would go with it: that version is left alone.
    for (const a of plan.plan) {
      const now = versions.find((v) => v.id === a.versionId);
      const extra = now?.tags.find((tag) => !(a.tags ?? []).includes(tag));
      if (a.action === 'delete-version' && extra) retagged.set(a.digest, extra);
    }
    // The indexes this run deletes break nothing: what is checked is the repository after the run.
    const going = new Set(plan.plan.filter((a) => a.action === 'delete-version').map((a) => a.digest));
    after = roles.map((v) => (going.has(v.digest) ? { ...v, tags: [] } : v));
  };
  const runOne = async (a: PrunePlan['plan'][number]) => {
    if (a.action === 'delete-version') {
      const version = roles.find((v) => v.id === a.versionId);
      if (!version) return; // already gone
      const tag = retagged.get(a.digest);
      if (tag) throw retaggedSincePlan(a, tag);
      assertDeletable(version, after);
      await t.session.packages.deleteVersion(route, ref.name, version.id);
      return;
    }
    if (a.action === 'delete-tag') {
      const now = await t.client.headManifest(
        repositoryName(t.repository),
        manifestReference(a.tag as string),
        call,
      );
      if (!now) return;
      if (now.digest !== a.digest) {
        throw new LadingError(
          'conflict',
          `Tag ${a.tag} moved to ${now.digest} since the plan; it was left alone.`,
          {
            hint: 'Run lading prune again to plan with the package as it is now.',
          },
        );
      }
      await deleteOnGitHub({
        session: t.session,
        client: t.client,
        repository: t.repository,
        tags: [a.tag as string],
        signal: opts.signal,
      });
      return;
    }
    throw new LadingError(
      'unsupported',
      `${a.action} is not done on GitHub hosts; their manifests go as versions.`,
    );
  };
  return runPruneActions(plan, preflight, runOne, opts);
}
