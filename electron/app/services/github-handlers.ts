/**
 * The `github.*` calls of the contract, and the GitHub side of `registry.repositories`,
 * `connections.verify` and delete jobs, over injected access to connections, tokens and registry clients.
 */
import { isGitHubKind } from '../../../shared/connection-kinds';
import type { Handlers } from '../../../shared/contract';
import type { Connection } from '../../../shared/types';
import { checkAnonymousPull } from '../../core/github/anonymous';
import type { ManifestWriter } from '../../core/github/delete';
import { packageTypeFor } from '../../core/github/hosts';
import { packageSettingsUrl } from '../../core/github/names';
import { assignRoles } from '../../core/github/roles';
import { githubSession, requireToken } from '../../core/github/session';
import { deleteGuardedVersion } from '../../core/github/version-delete';
import { LadingError } from '../../core/registry/errors';

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
  if (isGitHubKind(connection.kind)) return;
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
        // (and deleteVersion, which needs them, refuses untagged versions).
        if (e instanceof LadingError && e.code !== 'cancelled')
          return assignRoles(versions, undefined, repository, { state });
        throw e;
      }
    },

    async 'github.deleteVersion'({ connectionId, packageName, versionId }) {
      const { connection, session } = await open(connectionId);
      const located = await session.locatePackage(packageName);
      // The same guard as the CLI's delete-version: scopes first, and fail closed when roles are unknown.
      const { removedTags } = await deleteGuardedVersion({
        session,
        reader: deps.clientFor(connection),
        repository: registryPathOf(packageName, located.ref),
        located,
        target: { id: versionId },
      });
      return { removedTags };
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
