/**
 * One GitHub Packages session for a connection: the API client, the package type of its registry, and the
 * owner route for a repository path, so callers pass registry repositories (`acme/tools/lint`) and get the
 * right `/orgs/…`, `/user/…` or `/users/…` calls.
 */
import type { Connection } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import { createGitHubApi } from './api';
import { githubApiUrlFor, githubWebUrlFor, packageTypeFor } from './hosts';
import { type PackageRef, parsePackageRef } from './names';
import { type GitHubPackage, GitHubPackages, type OwnerRoute } from './packages';

export type GitHubConnection = Pick<
  Connection,
  'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType' | 'insecure'
>;

export interface GitHubSession {
  apiUrl: string;
  webUrl: string;
  packages: GitHubPackages;
  connection: GitHubConnection;
  /** The package and owner route for a registry repository path (`OWNER/PACKAGE…`, the owner first). */
  locate(repository: string): Promise<{ ref: PackageRef; route: OwnerRoute }>;
  /**
   * The same for a contract `packageName`: its registry path (`acme/tools/lint`, the owner always first, so
   * `acme/acme/x` is the package `acme/x`), or a bare name without any slash (`app`) for a package of the
   * connection's owner.
   */
  locatePackage(packageName: string): Promise<{ ref: PackageRef; route: OwnerRoute }>;
  /** The route of the connection's owner (or the token's own account when none is set). */
  ownerRoute(): Promise<OwnerRoute>;
}

export interface SessionOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export function requireToken(token: string | undefined, registry: string): string {
  if (token) return token;
  throw new LadingError(
    'unauthorized',
    `No GitHub token for ${registry}: the GitHub Packages API needs one.`,
    {
      hint: 'Save a classic personal access token (scopes read:packages, plus write:packages / delete:packages to push / delete) in the connection, or set GH_TOKEN for the CLI.',
    },
  );
}

export function githubSession(
  connection: GitHubConnection,
  token: string,
  opts: SessionOptions = {},
): GitHubSession {
  const apiUrl = githubApiUrlFor(connection);
  const api = createGitHubApi({ apiUrl, token, fetch: opts.fetch, signal: opts.signal });
  const packages = new GitHubPackages({ api, packageType: packageTypeFor(connection) });
  const typeFor = (owner: string) =>
    connection.owner && connection.owner.toLowerCase() === owner.toLowerCase()
      ? connection.ownerType
      : undefined;
  const legacyPackages = new Map<string, Promise<GitHubPackage[]>>();
  return {
    apiUrl,
    webUrl: githubWebUrlFor(apiUrl),
    packages,
    connection,
    locate(repository) {
      return find(parsePackageRef(repository));
    },
    locatePackage(packageName) {
      return find(parsePackageRef(packageName, connection.owner));
    },
    ownerRoute,
  };

  async function find(ref: PackageRef): Promise<{ ref: PackageRef; route: OwnerRoute }> {
    const route = await packages.resolveOwner(ref.owner, typeFor(ref.owner));
    if (packages.packageType === 'docker' && ref.name.includes('/')) {
      // docker.pkg.github.com/OWNER/REPOSITORY/IMAGE: whether GitHub names that package IMAGE or
      // REPOSITORY/IMAGE is not documented, so find the package whose registry path this is.
      const path = `${ref.owner}/${ref.name}`.toLowerCase();
      const key = route.login.toLowerCase();
      if (!legacyPackages.has(key)) legacyPackages.set(key, packages.listPackages(route));
      const match = (await legacyPackages.get(key))?.find((p) => p.repository === path);
      ref.name = match?.name ?? (ref.name.split('/').pop() as string);
    }
    return { ref, route };
  }

  async function ownerRoute(): Promise<OwnerRoute> {
    if (!connection.owner) {
      const self = await packages.authenticatedLogin();
      if (!self) {
        throw new LadingError(
          'invalid-input',
          'This connection names no owner, and the token does not say whose it is.',
          {
            hint: 'Set the organization or user whose packages to list in the connection settings.',
          },
        );
      }
      return { kind: 'self', login: self };
    }
    return packages.resolveOwner(connection.owner, connection.ownerType);
  }
}
