/**
 * GitHub's push rules (push-rules.ts) wired into a push: which targets are GitHub registries, the
 * `preflight` hook `pushArchive` runs before any upload, and the "new packages are private" note after a
 * package's first push.
 */
import type { Connection, ConnectionKind } from '../../../shared/types';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import { repositoryName } from '../registry/names';
import type { PushPlan, PushPreflight } from '../transfer/push';
import { githubKindForRegistry, isGitHubKind, packageTypeFor } from './hosts';
import { firstPushNoticeFor, GHCR_LAYER_LIMIT, githubPushChecks, LEGACY_LAYER_LIMIT } from './push-rules';

/**
 * The GitHub connection kind a push target implies: ghcr.io, docker.pkg.github.com, a GHE.com
 * (`*.ghe.com`) registry, or a host the caller knows is a GitHub Enterprise Server registry
 * (`githubHosts`, e.g. the CLI's LADING_GITHUB_REGISTRY). Undefined for any other registry.
 */
export function githubKindForPushTarget(
  registry: string,
  githubHosts: readonly string[] = [],
): ConnectionKind | undefined {
  const host = registry.toLowerCase();
  const known = githubKindForRegistry(host);
  if (known) return known;
  if (host.endsWith('.ghe.com')) return 'ghes';
  if (githubHosts.some((h) => h.toLowerCase() === host)) return 'ghes';
  return undefined;
}

/** The `preflight` hook for a push to a GitHub registry: GitHub's naming, size and label rules. */
export function githubPushPreflight(connection: Pick<Connection, 'kind' | 'registry'>): PushPreflight {
  return (plan: PushPlan) => {
    const first = plan.images[0];
    const checks = githubPushChecks({
      connectionKind: connection.kind,
      registry: connection.registry,
      repository: plan.target.repository,
      // A push by digest alone has no tag of its own (the pipeline then refuses it anyway).
      tag: plan.target.digest && !plan.target.tag ? undefined : plan.tag,
      labels: first?.config.config?.Labels ?? undefined,
      manifestAnnotations: plan.index ? undefined : first?.manifest?.parsed.annotations,
      indexAnnotations: plan.index ? (plan.index.annotations ?? {}) : undefined,
      // GitHub caps compressed layers; an uncompressed one's final size is known only once compressed.
      layerSizes: plan.images.flatMap((img) =>
        img.layers.filter((l) => l.storedAs !== 'tar').map((l) => l.source?.size ?? l.size),
      ),
      hasForeignLayers: plan.images.some((img) => img.layers.some((l) => l.storedAs === 'foreign')),
    });
    const legacy = packageTypeFor(connection) === 'docker';
    const limit = legacy ? LEGACY_LAYER_LIMIT : GHCR_LAYER_LIMIT;
    const big = plan.images.flatMap((img) => img.layers).find((l) => l.storedAs === 'tar' && l.size > limit);
    if (big) {
      checks.warnings.push(
        `A layer is ${(big.size / 1024 ** 3).toFixed(1)} GB uncompressed; ${legacy ? 'docker.pkg.github.com' : 'The GitHub Container registry'} caps layers at ${limit / 1024 ** 3} GB, so it will refuse the layer unless it compresses below that.`,
      );
    }
    return checks;
  };
}

/**
 * The GitHub rules a push to this registry host gets when its caller named none (ghcr.io,
 * docker.pkg.github.com, *.ghe.com); undefined for any other host. pushArchive's default.
 */
export function githubPreflightForHost(registry: string): PushPreflight | undefined {
  const kind = githubKindForPushTarget(registry);
  return kind ? githubPushPreflight({ kind, registry }) : undefined;
}

/**
 * Whether a repository already has tags, asked before a push so a first push can be told apart: true, false
 * (no such repository, or no tags), or undefined when the registry would not say.
 */
export async function repositoryHasTags(
  client: Pick<RegistryClient, 'tags'>,
  repository: string,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  try {
    return (await client.tags(repositoryName(repository), { signal })).length > 0;
  } catch (e) {
    if (e instanceof LadingError && e.code === 'name-unknown') return false;
    if (e instanceof LadingError && e.code === 'cancelled') throw e;
    return undefined;
  }
}

/**
 * Runs a push to a GitHub registry with its rules: checks before any upload (errors refuse, warnings reach
 * `push`'s own onWarning through the hook), and after the first push of a new package the
 * private-by-default note, returned as `notice`. A connection of another kind to a GitHub host still gets
 * GitHub's rules (the host decides what it refuses); any other registry: `push` runs without a hook.
 */
export async function pushWithGitHubRules<T>(opts: {
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType'>;
  repository: string;
  client: Pick<RegistryClient, 'tags'>;
  signal?: AbortSignal;
  push: (preflight: PushPreflight | undefined) => Promise<T>;
}): Promise<{ result: T; notice?: string }> {
  const { connection, repository } = opts;
  if (!isGitHubKind(connection.kind))
    return { result: await opts.push(githubPreflightForHost(connection.registry)) };
  // A name GitHub refuses is refused by the hook before any upload; no need to ask about its tags.
  const existed =
    repository === repository.toLowerCase()
      ? await repositoryHasTags(opts.client, repository, opts.signal)
      : undefined;
  const result = await opts.push(githubPushPreflight(connection));
  if (existed !== false) return { result };
  let notice: string | undefined;
  try {
    notice = firstPushNoticeFor(connection, repository);
  } catch {
    // No settings URL can be built for this connection (e.g. a one-part repository name): no note.
  }
  return { result, notice };
}
