/**
 * GitHub Packages through the REST API: an owner's container packages, a package's versions, deleting and
 * restoring versions. Listings follow every page (octokit's paginate follows `Link: rel="next"`), except the
 * package list the app shows, which it reads a page at a time (`listPackagesPage`).
 *
 * One owner can be reached three ways, and which one matters: `/orgs/{org}/…` for an organization,
 * `/user/…` for the token's own account (the only way to see its private packages), `/users/{username}/…`
 * for someone else's public packages.
 */
import type { RepositorySummary, Visibility } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import { callGitHub, type GitHubApi, githubStatusOf, parseScopes, toGitHubError } from './api';
import type { GitHubPackageType } from './hosts';
import { legacyRepositoryFor, type OwnerType, type PackageRef, repositoryFor } from './names';

const PER_PAGE = 100;

/** How an owner is addressed in API paths. */
export type OwnerRoute =
  | { kind: 'org'; login: string }
  | { kind: 'user'; login: string }
  | { kind: 'self'; login: string };

/** A package as Lading uses it (from the API's `package` schema). */
export interface GitHubPackage {
  id: number;
  name: string;
  /** The registry repository path, e.g. `acme/tools/lint`. */
  repository: string;
  packageType: string;
  visibility: Visibility;
  htmlUrl: string;
  versionCount: number;
  createdAt: string;
  updatedAt: string;
  /** `owner/name` of the linked source repository. */
  linkedRepository?: string;
  ownerLogin?: string;
}

/** A package version (from the API's `package-version` schema). For containers `digest` is the manifest digest. */
export interface GitHubVersion {
  id: number;
  digest: string;
  tags: string[];
  createdAt: string;
  updatedAt?: string;
  deletedAt?: string;
  htmlUrl?: string;
}

interface RawPackage {
  id: number;
  name: string;
  package_type: string;
  visibility: string;
  html_url: string;
  version_count: number;
  created_at: string;
  updated_at: string;
  owner?: { login: string } | null;
  repository?: { full_name: string; name: string } | null;
}

interface RawVersion {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
  deleted_at?: string;
  html_url?: string;
  metadata?: { container?: { tags: string[] }; docker?: { tag?: string[]; tags?: string[] } };
}

function toVisibility(v: string): Visibility {
  return v === 'public' || v === 'internal' ? v : 'private';
}

export function mapPackage(raw: RawPackage, owner: string, packageType: GitHubPackageType): GitHubPackage {
  const repository =
    packageType === 'docker'
      ? legacyRepositoryFor(owner, raw.name, raw.repository?.name)
      : repositoryFor({ owner, name: raw.name });
  return {
    id: raw.id,
    name: raw.name,
    repository,
    packageType: raw.package_type,
    visibility: toVisibility(raw.visibility),
    htmlUrl: raw.html_url,
    versionCount: raw.version_count,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    linkedRepository: raw.repository?.full_name ?? undefined,
    ownerLogin: raw.owner?.login,
  };
}

export function mapVersion(raw: RawVersion): GitHubVersion {
  const tags = raw.metadata?.container?.tags ?? raw.metadata?.docker?.tags ?? raw.metadata?.docker?.tag ?? [];
  return {
    id: raw.id,
    digest: raw.name,
    tags: [...tags],
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    deletedAt: raw.deleted_at ?? undefined,
    htmlUrl: raw.html_url,
  };
}

/** The RepositorySummary the repository list shows for a GitHub package. */
export function toRepositorySummary(p: GitHubPackage): RepositorySummary {
  return {
    name: p.repository,
    visibility: p.visibility,
    updatedAt: p.updatedAt,
    versionCount: p.versionCount,
    htmlUrl: p.htmlUrl,
    linkedRepository: p.linkedRepository,
  };
}

export interface GitHubPackagesOptions {
  api: GitHubApi;
  packageType: GitHubPackageType;
}

export class GitHubPackages {
  readonly api: GitHubApi;
  readonly packageType: GitHubPackageType;
  private selfLogin: Promise<string | undefined> | undefined;
  private readonly routes = new Map<string, Promise<OwnerRoute>>();

  constructor(opts: GitHubPackagesOptions) {
    this.api = opts.api;
    this.packageType = opts.packageType;
  }

  /** The token's own login, or undefined when GitHub does not say (e.g. an Actions token). */
  authenticatedLogin(): Promise<string | undefined> {
    this.selfLogin ??= this.api.rest.users
      .getAuthenticated()
      .then((r) => r.data.login)
      .catch((e) => {
        if (githubStatusOf(e) === 403) return undefined;
        throw toGitHubError(e, { action: 'find out whose token this is' });
      });
    return this.selfLogin;
  }

  /**
   * How to address `login`: given its type, or by asking GitHub (`GET /users/{login}` says User or
   * Organization). A user that is the token's own account is addressed as `/user`, which includes private
   * packages.
   */
  resolveOwner(login: string, type?: OwnerType): Promise<OwnerRoute> {
    const key = `${login.toLowerCase()}|${type ?? ''}`;
    let route = this.routes.get(key);
    if (!route) {
      route = this.computeRoute(login, type);
      route.catch(() => this.routes.delete(key));
      this.routes.set(key, route);
    }
    return route;
  }

  private async computeRoute(login: string, type?: OwnerType): Promise<OwnerRoute> {
    let ownerType = type;
    if (!ownerType) {
      const res = await callGitHub(
        {
          action: `look up the owner ${login}`,
          notFound: `There is no GitHub user or organization named ${login}`,
        },
        () => this.api.rest.users.getByUsername({ username: login }),
      );
      ownerType = res.data.type === 'Organization' ? 'org' : 'user';
    }
    if (ownerType === 'org') return { kind: 'org', login };
    const self = await this.authenticatedLogin();
    if (self && self.toLowerCase() === login.toLowerCase()) return { kind: 'self', login: self };
    return { kind: 'user', login };
  }

  /** Every package of the owner, all pages. */
  async listPackages(route: OwnerRoute): Promise<GitHubPackage[]> {
    const { path, params } = this.listEndpoint(route);
    const raw = await callGitHub(
      this.listContext(route),
      () => this.api.paginate(path, params) as Promise<RawPackage[]>,
    );
    return raw.map((p) => mapPackage(p, route.login, this.packageType));
  }

  /**
   * One page (of 100) of the owner's packages and whether GitHub has more (`Link: rel="next"`), for a list
   * that shows the first packages while the rest load.
   */
  async listPackagesPage(
    route: OwnerRoute,
    page: number,
  ): Promise<{ packages: GitHubPackage[]; more: boolean }> {
    const { path, params } = this.listEndpoint(route);
    const res = await callGitHub(this.listContext(route), () => this.api.request(path, { ...params, page }));
    return {
      packages: (res.data as RawPackage[]).map((p) => mapPackage(p, route.login, this.packageType)),
      more: /rel="next"/.test(res.headers.link ?? ''),
    };
  }

  /** The owner's package list: an organization's, a user's, or the token's own account's (with private ones). */
  private listEndpoint(route: OwnerRoute): { path: string; params: Record<string, string | number> } {
    const params = { package_type: this.packageType, per_page: PER_PAGE };
    switch (route.kind) {
      case 'org':
        return { path: 'GET /orgs/{org}/packages', params: { ...params, org: route.login } };
      case 'user':
        return { path: 'GET /users/{username}/packages', params: { ...params, username: route.login } };
      case 'self':
        return { path: 'GET /user/packages', params };
    }
  }

  private listContext(route: OwnerRoute) {
    return {
      action: `list the ${this.packageType} packages of ${route.login}`,
      scope: 'read:packages',
      notFound: `There is no GitHub ${route.kind === 'org' ? 'organization' : 'user'} named ${route.login}`,
    };
  }

  async getPackage(route: OwnerRoute, name: string): Promise<GitHubPackage> {
    const params = { package_type: this.packageType, package_name: name };
    const ctx = {
      action: `read the package ${route.login}/${name}`,
      scope: 'read:packages',
      notFound: `Package ${route.login}/${name} was not found`,
    };
    const res = await callGitHub(ctx, async (): Promise<RawPackage> => {
      switch (route.kind) {
        case 'org':
          return (await this.api.rest.packages.getPackageForOrganization({ ...params, org: route.login }))
            .data;
        case 'user':
          return (await this.api.rest.packages.getPackageForUser({ ...params, username: route.login })).data;
        case 'self':
          return (await this.api.rest.packages.getPackageForAuthenticatedUser(params)).data;
      }
    });
    return mapPackage(res, route.login, this.packageType);
  }

  /** Every version of a package in one state, all pages. */
  async listVersions(
    route: OwnerRoute,
    name: string,
    state: 'active' | 'deleted' = 'active',
  ): Promise<GitHubVersion[]> {
    return (await this.listVersionsAndScopes(route, name, state)).versions;
  }

  /**
   * The versions, and the token's classic scopes from the listing's `X-OAuth-Scopes` (undefined when GitHub
   * sent none: fine-grained, App and Actions tokens), so a delete can check them before changing anything.
   */
  async listVersionsAndScopes(
    route: OwnerRoute,
    name: string,
    state: 'active' | 'deleted' = 'active',
  ): Promise<{ versions: GitHubVersion[]; scopes: string[] | undefined }> {
    let scopes: string[] | undefined;
    const keep = (response: { headers: Record<string, unknown>; data: unknown }): RawVersion[] => {
      const header = response.headers['x-oauth-scopes'];
      scopes = parseScopes(typeof header === 'string' ? header : undefined);
      return response.data as RawVersion[];
    };
    const params = { package_type: this.packageType, package_name: name, state, per_page: PER_PAGE } as const;
    const ctx = {
      action: `list the versions of ${route.login}/${name}`,
      scope: 'read:packages',
      notFound: `Package ${route.login}/${name} was not found`,
    };
    const raw = await callGitHub(ctx, (): Promise<RawVersion[]> => {
      switch (route.kind) {
        case 'org':
          return this.api.paginate(
            this.api.rest.packages.getAllPackageVersionsForPackageOwnedByOrg,
            { ...params, org: route.login },
            keep,
          );
        case 'user':
          // The spec lists no state/page parameters here; GitHub accepts them, and octokit passes them on.
          return this.api.paginate(
            this.api.rest.packages.getAllPackageVersionsForPackageOwnedByUser,
            { ...params, username: route.login },
            keep,
          );
        case 'self':
          return this.api.paginate(
            this.api.rest.packages.getAllPackageVersionsForPackageOwnedByAuthenticatedUser,
            params,
            keep,
          );
      }
    });
    return { versions: raw.map(mapVersion), scopes };
  }

  async deleteVersion(route: OwnerRoute, name: string, versionId: number): Promise<void> {
    const params = { package_type: this.packageType, package_name: name, package_version_id: versionId };
    const ctx = {
      action: `delete version ${versionId} of ${route.login}/${name}`,
      scope: 'delete:packages',
      notFound: `Version ${versionId} of ${route.login}/${name} was not found`,
    };
    await callGitHub(ctx, async () => {
      switch (route.kind) {
        case 'org':
          return this.api.rest.packages.deletePackageVersionForOrg({ ...params, org: route.login });
        case 'user':
          return this.api.rest.packages.deletePackageVersionForUser({ ...params, username: route.login });
        case 'self':
          return this.api.rest.packages.deletePackageVersionForAuthenticatedUser(params);
      }
    });
  }

  async restoreVersion(route: OwnerRoute, name: string, versionId: number): Promise<void> {
    const params = { package_type: this.packageType, package_name: name, package_version_id: versionId };
    const ctx = {
      action: `restore version ${versionId} of ${route.login}/${name}`,
      scope: 'write:packages',
      notFound: `Deleted version ${versionId} of ${route.login}/${name} was not found (GitHub keeps deleted versions for 30 days)`,
    };
    await callGitHub(ctx, async () => {
      switch (route.kind) {
        case 'org':
          return this.api.rest.packages.restorePackageVersionForOrg({ ...params, org: route.login });
        case 'user':
          return this.api.rest.packages.restorePackageVersionForUser({ ...params, username: route.login });
        case 'self':
          return this.api.rest.packages.restorePackageVersionForAuthenticatedUser(params);
      }
    });
  }
}

/** Finds the version for a digest or tag among versions, or throws manifest-unknown naming the package. */
export function findVersion(
  versions: GitHubVersion[],
  ref: PackageRef,
  by: { digest?: string; tag?: string; id?: number },
): GitHubVersion {
  const found = versions.find(
    (v) =>
      (by.id !== undefined && v.id === by.id) ||
      (by.digest !== undefined && v.digest === by.digest) ||
      (by.tag !== undefined && v.tags.includes(by.tag)),
  );
  if (found) return found;
  const what =
    by.id !== undefined
      ? `version ${by.id}`
      : by.digest
        ? `a version with digest ${by.digest}`
        : `a version tagged ${by.tag}`;
  throw new LadingError('manifest-unknown', `Package ${ref.owner}/${ref.name} has no ${what}.`, {
    hint: `List its versions with: lading gh versions ${ref.owner}/${ref.name}`,
  });
}
