/**
 * The GitHub module behind the services: the `github.*` handlers, the package list that replaces `_catalog`
 * on GitHub hosts, token scopes for connections.verify, and package-version deletes for delete jobs.
 * `defaults.ts` wires these in (`githubSeam()`, `githubHandlers()`).
 */
import type { Connection } from '../../../shared/types';
import {
  checkGitHubToken,
  deleteOnGitHub,
  githubApiUrlFor,
  listGitHubRepositories,
} from '../../core/github/index';
import type { ServiceContext } from './context';
import { type GitHubHandlers, githubHandlers } from './github-handlers';
import { createRegistryClient } from './registry-adapter';
import type { ConnectionAccess, GithubSeam } from './seams';

export { firstPushNotice, firstPushNoticeFor, githubPushChecks } from '../../core/github/index';
export { checkGitHubToken, deleteOnGitHub, githubApiUrlFor, githubHandlers, listGitHubRepositories };

/** A classic PAT is the password of a GitHub registry login (saved or from docker/podman config). */
export function tokenOf(access: ConnectionAccess): string | undefined {
  return access.credential?.password || access.credential?.registryToken || undefined;
}

/** The GithubSeam the registry, connection and job services call. */
export function createGithubSeam(): GithubSeam {
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
  const clients = new WeakMap<Connection, ConnectionAccess>();
  return githubHandlers({
    async getConnection(id) {
      const access = await ctx.access(id);
      clients.set(access.connection, access);
      return access.connection;
    },
    async getSecret(id) {
      return tokenOf(await ctx.access(id));
    },
    clientFor(connection) {
      return createRegistryClient(clients.get(connection) ?? { connection });
    },
  });
}
