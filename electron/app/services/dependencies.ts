/**
 * What the services depend on beyond their stores, in one place: a registry port per connection, the push
 * and pull pipelines, the local engines, and the GitHub module. `defaultDependencies()` wires the real core; a test passes its
 * own parts to `createServices({ dependencies })`.
 */

import pkg from '../../../package.json' with { type: 'json' };
import { formatBytes } from '../../../shared/format-bytes';
import { shortDigest } from '../../../shared/reference-grammar';
import type {
  Connection,
  EngineKind,
  EngineSummary,
  RepositoriesResult,
  SyncResult,
  TransferProgress,
} from '../../../shared/types';
import { endpointLabel } from '../../core/engines/endpoint';
import { type EngineClient, findEngines, openEngine } from '../../core/engines/engine-client';
import { listLocalImages } from '../../core/engines/images';
import { pullIntoEngine } from '../../core/engines/pull-into-engine';
import { pushFromEngine } from '../../core/engines/push-from-engine';
import type { FilesClient } from '../../core/files/image-files';
import { defaultCacheDir, IndexCache } from '../../core/files/index-cache';
import {
  checkGitHubToken,
  deleteOnGitHub,
  githubApiUrlFor,
  githubSession,
  isGitHubKind,
  listGitHubRepositories,
} from '../../core/github/index';
import { requireToken } from '../../core/github/session';
import type { JobOutcome } from '../../core/jobs/manager';
import { copyCounts, copyImage, syncRepository } from '../../core/operations/copy';
import {
  executePrune,
  type PruneRunOptions,
  type PruneRunResult,
  prunePlanFor,
} from '../../core/operations/prune';
import { executeGitHubPrune, gitHubPrunePlan } from '../../core/operations/prune-github';
import type { PrunePlan } from '../../core/operations/prune-plan';
import type { PruneRules } from '../../core/operations/prune-rules';
import { type PushOutcome, pushCounts, pushToRegistry } from '../../core/operations/push';
import type { LoginHints } from '../../core/registry/auth';
import { RegistryClient } from '../../core/registry/client';
import type { Credential } from '../../core/registry/credential-types';
import { LadingError, toErrorInfo } from '../../core/registry/errors';
import type { ImageConfig, Manifest } from '../../core/registry/manifest';
import {
  type Digest,
  digestName,
  manifestReference,
  repositoryName,
  tagName,
} from '../../core/registry/names';
import { referenceFromParts } from '../../core/registry/reference';
import { deleteDigest, deleteTag, tagImage } from '../../core/registry/tagging';
import { pullImage } from '../../core/transfer/pull';
import type { ServiceContext } from './context';
import { type GitHubHandlers, githubHandlers } from './github-handlers';

// --- what a handler is given ---------------------------------------------------------------------------

/** A connection with the credential it should use (already resolved from the secret store or the machine). */
export interface ConnectionAccess {
  connection: Connection;
  credential?: Credential;
}

export interface ManifestHead {
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestHead {
  manifest: Manifest;
  /** The bytes as served (their sha256 is the digest). */
  bytes: Buffer;
}

/** Named as the client names them, so core code that reads manifests and configs takes the port as it is. */
export interface FetchedConfig {
  config: ImageConfig;
  bytes: Buffer;
}

/** The registry operations the handlers use, narrower than RegistryClient so a test can wrap or count them. */
export interface RegistryPort {
  readonly registry: string;
  ping(signal?: AbortSignal): Promise<{ authScheme: 'none' | 'basic' | 'bearer' }>;
  catalog(signal?: AbortSignal): Promise<string[]>;
  /** One catalog page; `cursor` is the previous page's `next`. */
  catalogPage(
    cursor: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ repositories: string[]; next?: string }>;
  tags(repository: string, signal?: AbortSignal): Promise<string[]>;
  headManifest(repository: string, reference: string, signal?: AbortSignal): Promise<ManifestHead>;
  getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  getConfig(
    repository: string,
    descriptor: { digest: string; size: number },
    signal?: AbortSignal,
  ): Promise<FetchedConfig>;
  deleteTag(repository: string, tag: string, signal?: AbortSignal): Promise<void>;
  deleteDigest(repository: string, digest: string, signal?: AbortSignal): Promise<void>;
  /** Point target at source's manifest; across repositories the blobs are mounted, nothing downloaded. */
  tag(
    source: { repository: string; reference: string },
    target: { repository: string; tag: string },
    signal?: AbortSignal,
  ): Promise<{ digest: string }>;
}

export interface PushArgs extends ConnectionAccess {
  archivePath: string;
  target: { repository: string; tag: string };
  image?: string;
  platform?: string;
  compression?: 'gzip' | 'zstd' | 'none';
  signal: AbortSignal;
  onProgress(p: TransferProgress): void;
}

export interface PullArgs extends ConnectionAccess {
  repository: string;
  reference: string;
  outputPath: string;
  format: 'docker' | 'oci';
  platform?: string;
  allPlatforms?: boolean;
  signal: AbortSignal;
  onProgress(p: TransferProgress): void;
}

export interface CopyArgs {
  source: ConnectionAccess & { repository: string; reference: string };
  target: ConnectionAccess & { repository: string; tag?: string };
  platform?: string;
  referrers?: boolean;
  signal: AbortSignal;
  onProgress(p: TransferProgress): void;
}

export interface SyncArgs {
  source: ConnectionAccess & { repository: string };
  target: ConnectionAccess & { repository: string };
  tags?: RegExp;
  referrers?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?(p: TransferProgress): void;
}

export interface PruneArgs extends ConnectionAccess {
  repository: string;
  rules: PruneRules;
  signal?: AbortSignal;
}

export interface TransferPipelines {
  push(args: PushArgs): Promise<JobOutcome>;
  pull(args: PullArgs): Promise<JobOutcome>;
  copy(args: CopyArgs): Promise<JobOutcome>;
  sync(args: SyncArgs): Promise<SyncResult & JobOutcome>;
  /** The plan for the repository as it is now (GitHub kinds through the packages API); changes nothing. */
  prunePlan(args: PruneArgs): Promise<PrunePlan>;
  /** Plans again, then runs it; `onAction` after each action. */
  prune(
    args: PruneArgs & { onAction?: PruneRunOptions['onAction']; onPlan?: (plan: PrunePlan) => void },
  ): Promise<PruneRunResult & { plan: PrunePlan }>;
}

/** A push from a local engine's image: PushArgs with the engine and image instead of an archive. */
export interface EnginePushArgs extends Omit<PushArgs, 'archivePath' | 'image'> {
  engine: EngineKind;
  localImage: string;
}

/** A pull into a local engine, under the reference's name or `name`. */
export interface EnginePullArgs extends Omit<PullArgs, 'outputPath' | 'format' | 'allPlatforms'> {
  engine: EngineKind;
  name?: string;
}

/** The local engines (Docker's, Podman's): what they hold, and transfers to and from them. */
export interface EngineSeam {
  list(signal?: AbortSignal): Promise<EngineSummary[]>;
  push(args: EnginePushArgs): Promise<JobOutcome>;
  pull(args: EnginePullArgs): Promise<JobOutcome>;
}

/** What the registry, connection and job services need from the GitHub module. */
export interface GithubSeam {
  /** Packages of the connection's owner, as repositories, a page at a time (`cursor` from the last `next`). */
  repositories(access: ConnectionAccess, cursor?: string): Promise<RepositoriesResult>;
  /** Classic-PAT scopes from `X-OAuth-Scopes`; undefined for fine-grained tokens or no token. */
  tokenScopes(access: ConnectionAccess): Promise<string[] | undefined>;
  /** Delete tags / digests through the packages API (ghcr has no manifest DELETE), with its guards. */
  deleteFromPackage(
    access: ConnectionAccess,
    repository: string,
    what: { tags: string[]; digests: string[] },
    signal: AbortSignal,
  ): Promise<{ message: string; warnings?: string[] }>;
}

/** An image's files: a client that can stream blobs, and the on-disk cache of layer indexes. */
export interface FilesSeam {
  client(access: ConnectionAccess): FilesClient;
  cache: IndexCache;
}

export interface ServiceDependencies {
  version: string;
  registryFor(access: ConnectionAccess): RegistryPort;
  files: FilesSeam;
  pipelines: TransferPipelines;
  engines: EngineSeam;
  github: GithubSeam;
  githubHandlers(ctx: ServiceContext): GitHubHandlers;
}

// --- the real ones -------------------------------------------------------------------------------------

/** `unauthorized` hints for the app: the fix is in the connection's settings, not a command. */
export const appLoginHints: LoginHints = {
  rejected: () =>
    'Check the username and password (or token) saved for this connection; it may be wrong, expired or revoked.',
  missing: () => 'Edit this connection and add a username and password (or token).',
};

export function createRegistryClient(access: ConnectionAccess): RegistryClient {
  return new RegistryClient({
    registry: access.connection.registry,
    insecure: access.connection.insecure,
    credentials: access.credential,
    allowCrossHostRealm: access.connection.allowCrossHostRealm === true,
    loginHints: appLoginHints,
  });
}

export function registryPortFor(client: RegistryClient): RegistryPort {
  return {
    registry: client.registry,
    async ping(signal) {
      return { authScheme: (await client.ping({ signal })).scheme };
    },
    catalog: (signal) => client.catalog({ signal }),
    catalogPage: (cursor, signal) => client.catalogPage({ cursor, signal }),
    tags: (repository, signal) => client.tags(repositoryName(repository), { signal }),
    async headManifest(repository, reference, signal) {
      const head = await client.headManifest(repositoryName(repository), manifestReference(reference), {
        signal,
      });
      if (!head) {
        throw new LadingError(
          'manifest-unknown',
          `${repository}:${reference} does not exist on ${client.registry}.`,
          { hint: 'Reload the tag list; it may have been deleted.' },
        );
      }
      return head;
    },
    async getManifest(repository, reference, signal) {
      const m = await client.getManifest(repositoryName(repository), manifestReference(reference), {
        signal,
      });
      return { digest: m.digest, mediaType: m.mediaType, size: m.size, manifest: m.manifest, bytes: m.bytes };
    },
    getConfig: (repository, descriptor, signal) =>
      client.getConfig(repositoryName(repository), descriptor, { signal }),
    deleteTag: (repository, tag, signal) =>
      deleteTag(client, repositoryName(repository), tagName(tag), { signal }),
    async deleteDigest(repository, digest, signal) {
      await deleteDigest(client, repositoryName(repository), digestName(digest), { signal });
    },
    tag: (source, target, signal) =>
      tagImage(
        client,
        { repository: repositoryName(source.repository), reference: manifestReference(source.reference) },
        { repository: repositoryName(target.repository), tag: tagName(target.tag) },
        { signal },
      ),
  };
}

/** The push and pull pipelines of `electron/core/transfer/`, with outcome lines for the transfers panel. */
/** A push's line for the transfers panel, with the warnings seen on the way and the first-push notice. */
function pushJobOutcome(outcome: PushOutcome, warnings: string[]): JobOutcome {
  const r = outcome.result;
  const notice = outcome.notice ? [outcome.notice] : [];
  return {
    message: `Pushed ${shortDigest(r.digest)} as ${r.tag} (${pushCounts(outcome)}).`,
    digest: r.digest,
    warnings: [...new Set([...warnings, ...notice, ...r.warnings])],
  };
}

/** The clients of a copy or sync: one connection on both sides is one client, so its tokens serve both repositories' mounts. */
function endpointClients(a: { source: ConnectionAccess; target: ConnectionAccess }) {
  const source = createRegistryClient(a.source);
  const target = a.target.connection.id === a.source.connection.id ? source : createRegistryClient(a.target);
  return { source, target };
}

export function transferPipelines(): TransferPipelines {
  return {
    async push(a) {
      const target = referenceFromParts(a.connection.registry, a.target.repository, a.target.tag);
      const warnings: string[] = [];
      const outcome = await pushToRegistry({
        connection: a.connection,
        archivePath: a.archivePath,
        target,
        image: a.image,
        platform: a.platform,
        compression: a.compression,
        client: createRegistryClient(a),
        signal: a.signal,
        onProgress: a.onProgress,
        onWarning: (w) => warnings.push(w),
      });
      return pushJobOutcome(outcome, warnings);
    },
    async copy(a) {
      const warnings: string[] = [];
      const clients = endpointClients(a);
      const r = await copyImage({
        source: {
          client: clients.source,
          repository: repositoryName(a.source.repository),
          reference: manifestReference(a.source.reference),
        },
        target: {
          client: clients.target,
          repository: repositoryName(a.target.repository),
          tag: a.target.tag === undefined ? undefined : tagName(a.target.tag),
        },
        targetKind: a.target.connection.kind,
        platform: a.platform,
        referrers: a.referrers,
        signal: a.signal,
        onProgress: a.onProgress,
        onWarning: (w) => warnings.push(w),
      });
      return {
        message: `Copied ${shortDigest(r.digest)} to ${r.target} (${copyCounts(r)}).`,
        digest: r.digest,
        warnings,
      };
    },
    async prunePlan(a) {
      return (await pruneTarget(a)).plan(a.signal);
    },
    async prune(a) {
      const t = await pruneTarget(a);
      const plan = await t.plan(a.signal);
      a.onPlan?.(plan);
      return { ...(await t.execute(plan, { signal: a.signal, onAction: a.onAction })), plan };
    },
    async sync(a) {
      const clients = endpointClients(a);
      const r = await syncRepository({
        source: { client: clients.source, repository: repositoryName(a.source.repository) },
        target: { client: clients.target, repository: repositoryName(a.target.repository) },
        targetKind: a.target.connection.kind,
        tags: a.tags,
        referrers: a.referrers,
        dryRun: a.dryRun,
        signal: a.signal,
        onProgress: a.onProgress,
      });
      const failed = r.failed.length
        ? `; ${r.failed.length} failed: ${r.failed.map((f) => `${f.tag} (${f.error.message})`).join('; ')}`
        : '';
      return {
        ...r,
        message: `Synced ${a.target.repository}: ${r.copied.length} tag${r.copied.length === 1 ? '' : 's'} copied, ${r.skipped.length} already the same${failed}.`,
        warnings: [],
      };
    },
    async pull(a) {
      const r = await pullImage({
        client: createRegistryClient(a),
        reference: referenceFromParts(a.connection.registry, a.repository, a.reference),
        outputPath: a.outputPath,
        format: a.format,
        platform: a.platform,
        allPlatforms: a.allPlatforms,
        signal: a.signal,
        onProgress: a.onProgress,
      });
      const archive = r.format === 'oci' ? 'an OCI archive' : 'a docker archive';
      return {
        // Binary units, as the app shows every other size.
        message: `Pulled ${shortDigest(r.digest)} (${r.platforms.join(', ') || 'image'}) as ${archive}, ${formatBytes(r.size)}.`,
        digest: r.digest,
      };
    },
  };
}

/**
 * The engines of `core/engines/`, found through `env` as the docker CLI finds them (the app's environment:
 * DOCKER_HOST, DOCKER_CONTEXT, ~/.docker), with outcome lines for the transfers panel.
 */
export function engineSeam(env: NodeJS.ProcessEnv = process.env): EngineSeam {
  const withEngine = async <T>(
    kind: EngineKind,
    signal: AbortSignal | undefined,
    fn: (e: EngineClient) => Promise<T>,
  ) => {
    const engine = await openEngine({ env, kind, signal });
    try {
      return await fn(engine);
    } finally {
      await engine.close();
    }
  };
  return {
    async list(signal) {
      const found = await findEngines({ env, signal });
      return Promise.all(
        found.map(async ({ endpoint, client, error }): Promise<EngineSummary> => {
          const base = { kind: endpoint.kind, endpoint: endpointLabel(endpoint), source: endpoint.source };
          if (!client)
            return {
              ...base,
              name: endpoint.kind === 'podman' ? 'Podman' : 'Docker',
              images: [],
              error: toErrorInfo(error),
            };
          try {
            const images = await listLocalImages(client, signal);
            return {
              ...base,
              name: `${client.label} ${client.info.version}`,
              apiVersion: client.info.apiVersion,
              images,
            };
          } catch (e) {
            return {
              ...base,
              name: client.label,
              apiVersion: client.info.apiVersion,
              images: [],
              error: toErrorInfo(e),
            };
          } finally {
            await client.close();
          }
        }),
      );
    },
    async push(a) {
      const target = referenceFromParts(a.connection.registry, a.target.repository, a.target.tag);
      const warnings: string[] = [];
      const outcome = await withEngine(a.engine, a.signal, (engine) =>
        pushFromEngine({
          engine,
          localImage: a.localImage,
          connection: a.connection,
          target,
          platform: a.platform,
          compression: a.compression,
          client: createRegistryClient(a),
          signal: a.signal,
          onProgress: a.onProgress,
          onWarning: (w) => warnings.push(w),
        }),
      );
      return pushJobOutcome(outcome, warnings);
    },
    async pull(a) {
      return withEngine(a.engine, a.signal, async (engine) => {
        const r = await pullIntoEngine({
          engine,
          client: createRegistryClient(a),
          reference: referenceFromParts(a.connection.registry, a.repository, a.reference),
          as: a.name,
          platform: a.platform,
          signal: a.signal,
          onProgress: a.onProgress,
        });
        return {
          message: `Pulled ${shortDigest(r.digest)} (${r.platforms.join(', ') || 'image'}) into ${engine.label} as ${r.loaded.join(', ')}.`,
          digest: r.digest,
        };
      });
    },
  };
}

/** A prune's planner and runner for the connection: GitHub kinds through the packages API. */
async function pruneTarget(a: PruneArgs) {
  const client = createRegistryClient(a);
  if (isGitHubKind(a.connection.kind)) {
    const session = githubSession(a.connection, requireToken(tokenOf(a), a.connection.registry), {
      signal: a.signal,
    });
    const t = { session, client, repository: a.repository };
    return {
      plan: (signal?: AbortSignal) => gitHubPrunePlan(t, a.rules, { signal }),
      execute: (plan: PrunePlan, o: PruneRunOptions) => executeGitHubPrune(t, plan, o),
    };
  }
  return {
    plan: (signal?: AbortSignal) => prunePlanFor(client, a.repository, a.rules, { signal }),
    execute: (plan: PrunePlan, o: PruneRunOptions) => executePrune(client, plan, o),
  };
}

/** A classic PAT is the password of a GitHub registry login (saved or from docker/podman config). */
export function tokenOf(access: ConnectionAccess): string | undefined {
  return access.credential?.password || access.credential?.registryToken || undefined;
}

export function githubSeam(): GithubSeam {
  return {
    repositories: (access, cursor) => listGitHubRepositories(access.connection, tokenOf(access), { cursor }),
    async tokenScopes(access) {
      const token = tokenOf(access);
      if (!token) return undefined;
      const check = await checkGitHubToken(githubApiUrlFor(access.connection), token, {
        kind: access.connection.kind,
      });
      return check.scopesReported ? check.scopes : undefined;
    },
    async deleteFromPackage(access, repository, what, signal) {
      const { removedTags } = await deleteOnGitHub({
        connection: access.connection,
        token: tokenOf(access),
        client: createRegistryClient(access),
        repository,
        tags: what.tags,
        digests: what.digests,
        signal,
      });
      const gone = removedTags.length ? `tags ${removedTags.join(', ')}` : 'untagged versions';
      return { message: `Deleted ${gone} of ${repository} through the GitHub API (restorable for 30 days).` };
    },
  };
}

/** The `github.*` handlers over the services' connection store and credentials. */
export function githubServiceHandlers(ctx: ServiceContext): GitHubHandlers {
  const accesses = new WeakMap<Connection, ConnectionAccess>();
  return githubHandlers({
    async getConnection(id) {
      const access = await ctx.access(id);
      accesses.set(access.connection, access);
      return access.connection;
    },
    async getSecret(id) {
      return tokenOf(await ctx.access(id));
    },
    clientFor(connection) {
      return createRegistryClient(accesses.get(connection) ?? { connection });
    },
  });
}

/** `cacheDir`: where layer indexes are kept (default: the OS cache directory, see core/files/index-cache.ts). */
export function defaultDependencies(opts: { cacheDir?: string } = {}): ServiceDependencies {
  return {
    version: pkg.version,
    registryFor: (access) => registryPortFor(createRegistryClient(access)),
    files: { client: createRegistryClient, cache: new IndexCache(opts.cacheDir ?? defaultCacheDir()) },
    pipelines: transferPipelines(),
    engines: engineSeam(),
    github: githubSeam(),
    githubHandlers: githubServiceHandlers,
  };
}
