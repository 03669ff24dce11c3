/**
 * The `github.*` calls of the contract, and the GitHub side of `registry.repositories`,
 * `connections.verify` and delete jobs, over injected access to connections, tokens and registry clients.
 */
import type { Handlers } from '../../shared/contract';
import type { Connection, RepositoriesResult } from '../../shared/types';
import { LadingError } from '../registry/errors';
import { checkAnonymousPull } from './anonymous';
import { type DeleteRequest, deleteOnGitHub as deleteThroughApi, type ManifestWriter } from './delete';
import { packageTypeFor } from './hosts';
import { packageSettingsUrl } from './names';
import { toRepositorySummary } from './packages';
import { assertDeletable, assignRoles } from './roles';
import { githubSession, requireToken, type SessionOptions } from './session';

export interface GitHubDeps {
  getConnection(id: string): Promise<Connection>;
  /** The connection's token (a classic PAT); undefined when none is known. */
  getSecret(id: string): Promise<string | undefined>;
  /** A registry client with the connection's credentials (RegistryClient). */
  clientFor(connection: Connection): ManifestWriter;
  /** Test hook: the fetch octokit uses. */
  fetch?: typeof fetch;
}

export type GitHubHandlers = Pick<
  Handlers,
  'github.package' | 'github.versions' | 'github.deleteVersion' | 'github.restoreVersion'
>;

function assertGitHub(connection: Connection): void {
  if (connection.kind === 'ghcr' || connection.kind === 'github-docker' || connection.kind === 'ghes') return;
  throw new LadingError(
    'unsupported',
    `${connection.name} (${connection.registry}) is not a GitHub Packages registry.`,
    {
      hint: 'Package details, versions and restore exist only on ghcr.io, docker.pkg.github.com and GitHub Enterprise Server.',
    },
  );
}

export function githubHandlers(deps: GitHubDeps): GitHubHandlers {
  async function open(connectionId: string) {
    const connection = await deps.getConnection(connectionId);
    assertGitHub(connection);
    const token = requireToken(await deps.getSecret(connectionId), connection.registry);
    const session = githubSession(connection, token, { fetch: deps.fetch });
    return { connection, session };
  }

  return {
    async 'github.package'({ connectionId, packageName }) {
      const { connection, session } = await open(connectionId);
      const { ref, route } = await session.locatePackage(packageName);
      const pkg = await session.packages.getPackage(route, ref.name);
      const anonymousPull =
        packageTypeFor(connection) === 'docker'
          ? false // docker.pkg.github.com never serves anonymous pulls, even for public packages.
          : await checkAnonymousPull({
              registry: connection.registry,
              insecure: connection.insecure,
              repository: pkg.repository,
            });
      return {
        name: pkg.name,
        visibility: pkg.visibility,
        htmlUrl: pkg.htmlUrl,
        settingsUrl: packageSettingsUrl(
          webBaseOf(pkg.htmlUrl) ?? session.webUrl,
          route.kind === 'org' ? 'org' : 'user',
          route.login,
          pkg.name,
          session.packages.packageType,
        ),
        linkedRepository: pkg.linkedRepository,
        versionCount: pkg.versionCount,
        createdAt: pkg.createdAt,
        updatedAt: pkg.updatedAt,
        anonymousPull,
      };
    },

    async 'github.versions'({ connectionId, packageName, state }) {
      const { connection, session } = await open(connectionId);
      const { ref, route } = await session.locatePackage(packageName);
      const versions = await session.packages.listVersions(route, ref.name, state);
      const repository = registryPathOf(packageName, ref);
      if (state === 'deleted') return assignRoles(versions, undefined, repository, { state });
      try {
        return await assignRoles(versions, deps.clientFor(connection), repository, { state });
      } catch (e) {
        // The versions are still worth showing when the registry cannot be read; roles are then unknown
        // (and deleteVersion, which needs them, reports the registry's error).
        if (e instanceof LadingError && e.code !== 'cancelled')
          return assignRoles(versions, undefined, repository, { state });
        throw e;
      }
    },

    async 'github.deleteVersion'({ connectionId, packageName, versionId }) {
      const { connection, session } = await open(connectionId);
      const { ref, route } = await session.locatePackage(packageName);
      const raw = await session.packages.listVersions(route, ref.name, 'active');
      const repository = registryPathOf(packageName, ref);
      const versions = await assignRoles(raw, deps.clientFor(connection), repository);
      const version = versions.find((v) => v.id === versionId);
      if (!version) {
        throw new LadingError(
          'manifest-unknown',
          `${ref.owner}/${ref.name} has no active version ${versionId}.`,
          {
            hint: 'Reload the versions; it may have been deleted already.',
          },
        );
      }
      assertDeletable(version, versions);
      await session.packages.deleteVersion(route, ref.name, versionId);
      return { removedTags: version.tags };
    },

    async 'github.restoreVersion'({ connectionId, packageName, versionId }) {
      const { session } = await open(connectionId);
      const { ref, route } = await session.locatePackage(packageName);
      await session.packages.restoreVersion(route, ref.name, versionId);
      return { ok: true as const };
    },
  };
}

/** The web UI base in a package's html_url (`https://github.com/orgs/…` → `https://github.com`). */
function webBaseOf(htmlUrl: string): string | undefined {
  const m = /^(https?:\/\/[^/]+(?:\/[^/]+)*?)\/(?:orgs|users)\//.exec(htmlUrl);
  return m?.[1];
}

/**
 * The registry path for a `packageName` as the UI passes it: the repository path itself, or for a bare
 * package name (no slash) the owner's path. (A legacy OWNER/REPOSITORY/IMAGE path is kept as given: the
 * located package may be named IMAGE alone.)
 */
function registryPathOf(packageName: string, ref: { owner: string; name: string }): string {
  return packageName.includes('/') ? packageName.toLowerCase() : `${ref.owner}/${ref.name}`.toLowerCase();
}

/** The repository list for a GitHub host: the owner's packages from the API (there is no _catalog). */
export async function listGitHubRepositories(
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType' | 'insecure'>,
  token: string | undefined,
  opts: SessionOptions & { cursor?: string } = {},
): Promise<RepositoriesResult> {
  const page = pageOfCursor(opts.cursor);
  const session = githubSession(connection, requireToken(token, connection.registry), opts);
  const route = await session.ownerRoute();
  const { packages, more } = await session.packages.listPackagesPage(route, page);
  packages.sort((a, b) => a.repository.localeCompare(b.repository));
  const kind = session.packages.packageType === 'docker' ? 'docker' : 'container';
  const empty = page === 1 && packages.length === 0;
  return {
    source: 'github',
    repositories: packages.map(toRepositorySummary),
    // The note describes the list as a whole, so only the first page carries it.
    ...(page === 1
      ? {
          note: empty
            ? `${route.login} has no ${kind} packages this token can see.`
            : `${kind[0]!.toUpperCase()}${kind.slice(1)} packages of ${route.login}, from the GitHub API.`,
        }
      : {}),
    ...(more && packages.length > 0 ? { next: `page:${page + 1}` } : {}),
  };
}

/** GitHub's package list pages are numbered; the cursor the renderer hands back is `page:N`. */
function pageOfCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 1;
  const m = /^page:([1-9]\d{0,4})$/.exec(cursor);
  if (!m) {
    throw new LadingError('invalid-input', 'The package list cursor is not a page of the GitHub API.', {
      hint: 'Reload the repository list.',
    });
  }
  return Number(m[1]);
}

/** What a delete job for a GitHub host knows: the connection and its token instead of a ready session. */
export interface DeleteOnGitHubArgs extends Omit<DeleteRequest, 'session' | 'settleTimeoutMs'> {
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType' | 'insecure'>;
  token: string | undefined;
  fetch?: typeof fetch;
}

/** Deletes tags and digests of a GitHub package through the API (the delete job for GitHub hosts). */
export function deleteOnGitHub(args: DeleteOnGitHubArgs): Promise<{ removedTags: string[] }> {
  const { connection, token, fetch, ...request } = args;
  const session = githubSession(connection, requireToken(token, connection.registry), {
    fetch,
    signal: args.signal,
  });
  return deleteThroughApi({ ...request, session });
}
