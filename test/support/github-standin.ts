/**
 * A stateful stand-in for the GitHub REST API's packages endpoints on loopback, for tests and the e2e
 * suite. It keeps organizations, users, tokens, packages and versions; pages with `Link` headers; answers
 * 401 / 403 / 404 / 400 the way api.github.com does; and sends `X-OAuth-Scopes` for each token.
 *
 * Every response body is validated against GitHub's OpenAPI description before it is sent. A body that
 * does not fit is recorded in `violations` and answered with 500, so a test cannot pass on a shape GitHub
 * would never send. Tests assert `violations` is empty.
 *
 * Versions are linked to a real registry: `recordPush` (called by the ghcr-like front on every manifest
 * PUT) and `syncFromRegistry` create versions from pushed manifests, and deleting or restoring a version
 * calls the `linked` hooks, which the front uses to delete / re-put the manifest in the backing registry.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SchemaViolation, validateGitHubResponse } from './github-openapi';
import { authorizationFor, type TestRegistry } from './registry';

export type OwnerKind = 'Organization' | 'User';

export interface StandInOwner {
  login: string;
  type: OwnerKind;
  /** Organizations that refuse classic PATs answer 403 with GitHub's message for every call. */
  forbidsClassicTokens?: boolean;
}

export interface StandInVersionSeed {
  digest: string;
  tags?: string[];
  createdAt?: string;
}

export interface StandInPackageSeed {
  owner: string;
  name: string;
  visibility?: 'public' | 'private';
  /** `owner/repo` of a linked source repository. */
  repository?: string;
  packageType?: 'container' | 'docker';
  versions?: StandInVersionSeed[];
  createdAt?: string;
}

export interface StandInToken {
  login: string;
  /** X-OAuth-Scopes; null sends no header (fine-grained tokens). */
  scopes: string[] | null;
  /** Organizations whose private packages this token's user may see; default: every organization. */
  orgs?: string[];
  /** The token string; default: a random ghp_… value. */
  value?: string;
  /** Version DELETE answers 403 "Must have admin rights" (the user is no admin of the package). */
  denyDelete?: boolean;
}

/** Faults a test can switch on to reach a delete's failure points (all off by default). */
export interface StandInFaults {
  /** Versions left out of every listing (GitHub not having indexed a push yet). */
  hideVersion?: (version: StandInVersion) => boolean;
  /** Version DELETEs answered 500 (GitHub failing) while this says so. */
  failVersionDelete?: (version: StandInVersion) => boolean;
}

export interface StandInVersion {
  id: number;
  digest: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

export interface StandInPackage {
  id: number;
  owner: string;
  name: string;
  packageType: 'container' | 'docker';
  visibility: 'public' | 'private';
  repository?: string;
  createdAt: string;
  updatedAt: string;
  versions: StandInVersion[];
}

export interface RecordedRequest {
  method: string;
  /** The raw path and query as received (percent-encoding intact). */
  url: string;
  status: number;
  login?: string;
}

/** Hooks into the registry that backs the versions (set by the ghcr-like front). */
export interface LinkedRegistry {
  versionDeleted(repository: string, version: StandInVersion): Promise<void>;
  versionRestored(repository: string, version: StandInVersion): Promise<void>;
}

export interface StartGitHubStandInOptions {
  owners?: StandInOwner[];
  packages?: StandInPackageSeed[];
  /** Extra tokens (the default set is always there). */
  tokens?: Record<string, StandInToken>;
  /** Serve under a prefix, e.g. '/api/v3' to look like GitHub Enterprise Server. */
  pathPrefix?: string;
  /** The registry the versions live in; enables syncFromRegistry(). */
  registry?: TestRegistry;
}

/** The tokens every stand-in knows, by what they may do. */
export interface StandInTokens {
  /** octocat: repo, read/write/delete:packages; member of every organization. */
  admin: string;
  /** reader: read:packages only (every token's user is a member of every organization unless `orgs` says otherwise). */
  reader: string;
  /** pusher: read:packages and write:packages (no delete). */
  pusher: string;
  /** norights: repo only (no package scopes). */
  noPackages: string;
  /** fine-grained: no X-OAuth-Scopes header. */
  fineGrained: string;
}

export interface GitHubStandIn {
  /** REST base to give octokit / Lading, e.g. http://127.0.0.1:PORT (or …/api/v3). */
  apiUrl: string;
  tokens: StandInTokens & Record<string, string>;
  /** Responses that did not validate against GitHub's OpenAPI description (must stay empty). */
  violations: SchemaViolation[];
  requests: RecordedRequest[];
  owners: Map<string, StandInOwner>;
  packages: StandInPackage[];
  addOwner(owner: StandInOwner): void;
  addPackage(seed: StandInPackageSeed): StandInPackage;
  findPackage(owner: string, name: string): StandInPackage | undefined;
  /** A manifest was PUT to `repository` as `reference` (tag or digest) with `digest`: create/move versions. */
  recordPush(repository: string, reference: string, digest: string, children?: string[]): void;
  /** Reads every repository, tag and index child of the linked registry into versions. */
  syncFromRegistry(): Promise<void>;
  linkRegistry(hooks: LinkedRegistry): void;
  faults: StandInFaults;
  setVisibility(owner: string, name: string, visibility: 'public' | 'private'): void;
  stop(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest/packages/packages';
const ADMIN_LOGIN = 'octocat';

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function token(prefix = 'ghp_'): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`;
}

/** GitHub's scope hierarchy for packages: write implies read. */
function granted(scopes: string[] | null, needed: string): boolean {
  if (scopes === null) return true; // fine-grained tokens are judged by their permissions, not scopes
  if (scopes.includes(needed)) return true;
  return needed === 'read:packages' && scopes.includes('write:packages');
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path below the prefix, raw segments (still percent-encoded). */
  segments: string[];
  path: string;
  query: URLSearchParams;
  tokenInfo?: StandInToken;
}

class HttpError {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startGitHubStandIn(opts: StartGitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const prefix = (opts.pathPrefix ?? '').replace(/\/+$/, '');
  const owners = new Map<string, StandInOwner>();
  const packages: StandInPackage[] = [];
  const violations: SchemaViolation[] = [];
  const requests: RecordedRequest[] = [];
  let nextPackageId = 1000;
  let nextVersionId = 50_000;
  let linked: LinkedRegistry | undefined;
  let baseUrl = '';
  const faults: StandInFaults = {};

  const tokens: StandInTokens & Record<string, string> = {
    admin: token(),
    reader: token(),
    pusher: token(),
    noPackages: token(),
    fineGrained: token('github_pat_'),
  };
  const tokenTable = new Map<string, StandInToken>([
    [
      tokens.admin,
      { login: ADMIN_LOGIN, scopes: ['repo', 'read:packages', 'write:packages', 'delete:packages'] },
    ],
    [tokens.reader, { login: 'reader', scopes: ['read:packages'] }],
    [tokens.pusher, { login: 'pusher', scopes: ['read:packages', 'write:packages'] }],
    [tokens.noPackages, { login: 'norights', scopes: ['repo'] }],
    [tokens.fineGrained, { login: 'finegrained', scopes: null }],
  ]);
  for (const [name, info] of Object.entries(opts.tokens ?? {})) {
    const t = info.value ?? token();
    tokens[name] = t;
    tokenTable.set(t, info);
  }
  for (const info of tokenTable.values()) addOwner({ login: info.login, type: 'User' });

  function addOwner(owner: StandInOwner): void {
    owners.set(owner.login.toLowerCase(), { ...owners.get(owner.login.toLowerCase()), ...owner });
  }
  for (const o of opts.owners ?? []) addOwner(o);

  function ownerOf(login: string): StandInOwner | undefined {
    return owners.get(login.toLowerCase());
  }

  function addPackage(seed: StandInPackageSeed): StandInPackage {
    if (!ownerOf(seed.owner)) addOwner({ login: seed.owner, type: 'Organization' });
    const created = seed.createdAt ?? now();
    const pkg: StandInPackage = {
      id: nextPackageId++,
      owner: ownerOf(seed.owner)?.login ?? seed.owner,
      name: seed.name,
      packageType: seed.packageType ?? 'container',
      visibility: seed.visibility ?? 'private',
      repository: seed.repository,
      createdAt: created,
      updatedAt: created,
      versions: [],
    };
    for (const v of seed.versions ?? []) {
      pkg.versions.push({
        id: nextVersionId++,
        digest: v.digest,
        tags: [...(v.tags ?? [])],
        createdAt: v.createdAt ?? created,
        updatedAt: v.createdAt ?? created,
      });
    }
    packages.push(pkg);
    return pkg;
  }
  for (const p of opts.packages ?? []) addPackage(p);

  function findPackage(owner: string, name: string, type: string = 'container'): StandInPackage | undefined {
    return packages.find(
      (p) => p.owner.toLowerCase() === owner.toLowerCase() && p.name === name && p.packageType === type,
    );
  }

  function splitRepository(repository: string): { owner: string; name: string } {
    const slash = repository.indexOf('/');
    return { owner: repository.slice(0, slash), name: repository.slice(slash + 1) };
  }

  function recordPush(repository: string, reference: string, digest: string, children: string[] = []): void {
    const { owner, name } = splitRepository(repository);
    // GitHub creates a package on its first push, private by default.
    const pkg = findPackage(owner, name) ?? addPackage({ owner, name, visibility: 'private' });
    const stamp = now();
    const ensure = (d: string): StandInVersion => {
      let v = pkg.versions.find((x) => x.digest === d && !x.deletedAt);
      if (!v) {
        v = { id: nextVersionId++, digest: d, tags: [], createdAt: stamp, updatedAt: stamp };
        pkg.versions.push(v);
      }
      return v;
    };
    for (const child of children) ensure(child);
    const version = ensure(digest);
    if (!reference.includes(':')) {
      for (const other of pkg.versions) {
        if (other !== version && other.tags.includes(reference)) {
          other.tags = other.tags.filter((t) => t !== reference);
          other.updatedAt = stamp;
        }
      }
      if (!version.tags.includes(reference)) version.tags.push(reference);
      version.updatedAt = stamp;
    }
    pkg.updatedAt = stamp;
  }

  async function syncFromRegistry(): Promise<void> {
    const registry = opts.registry;
    if (!registry) throw new Error('syncFromRegistry needs the registry option');
    const get = async (path: string, name: string, accept?: string) => {
      const headers = new Headers();
      const auth = authorizationFor(registry, [
        name === '*'
          ? { type: 'registry', name: 'catalog', actions: ['*'] }
          : { type: 'repository', name, actions: ['pull'] },
      ]);
      if (auth) headers.set('authorization', auth);
      if (accept) headers.set('accept', accept);
      const res = await fetch(`${registry.url}${path}`, { headers });
      if (!res.ok) throw new Error(`sync: GET ${path} → ${res.status}`);
      return res;
    };
    // distribution caps a catalog page at 1000 entries: follow its Link header.
    const repositories: string[] = [];
    for (let next: string | undefined = '/v2/_catalog?n=1000'; next; ) {
      const res = await get(next, '*');
      repositories.push(...((await res.json()) as { repositories: string[] }).repositories);
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    const catalog = { repositories };
    const accept = [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ].join(', ');
    for (const repo of catalog.repositories) {
      if (!repo.includes('/')) continue;
      const { tags } = (await (await get(`/v2/${repo}/tags/list?n=10000`, repo)).json()) as {
        tags: string[] | null;
      };
      for (const tag of tags ?? []) {
        const res = await get(`/v2/${repo}/manifests/${tag}`, repo, accept);
        const digest = res.headers.get('docker-content-digest') as string;
        const doc = (await res.json()) as { manifests?: Array<{ digest: string }> };
        recordPush(
          repo,
          tag,
          digest,
          (doc.manifests ?? []).map((m) => m.digest),
        );
      }
    }
  }

  // --- JSON shapes (each validated against the OpenAPI description on the way out) -----------------------

  const web = 'https://github.com';
  function simpleUser(o: StandInOwner, id: number) {
    const login = o.login;
    const api = `${baseUrl}/users/${login}`;
    return {
      login,
      id,
      node_id: `U_${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `${web}/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: o.type,
      site_admin: false,
      user_view_type: 'public',
    };
  }
  function ownerId(login: string): number {
    let h = 7;
    for (const c of login.toLowerCase()) h = (h * 31 + c.charCodeAt(0)) % 1_000_000;
    return 100 + h;
  }
  function fullUser(o: StandInOwner, view: 'public' | 'private') {
    const base = {
      ...simpleUser(o, ownerId(o.login)),
      name: o.login,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 1,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: '2020-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      user_view_type: view,
    };
    if (view === 'public') return base;
    return {
      ...base,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
    };
  }
  function minimalRepository(fullName: string) {
    const [ownerLogin, repoName] = fullName.split('/') as [string, string];
    const owner = ownerOf(ownerLogin) ?? { login: ownerLogin, type: 'Organization' as const };
    const api = `${baseUrl}/repos/${fullName}`;
    const id = ownerId(fullName);
    return {
      id,
      node_id: `R_${id}`,
      name: repoName,
      full_name: fullName,
      owner: simpleUser(owner, ownerId(owner.login)),
      private: false,
      html_url: `${web}/${fullName}`,
      description: null,
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      hooks_url: `${api}/hooks`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
    };
  }
  function scopePath(pkg: StandInPackage): string {
    const o = ownerOf(pkg.owner);
    return o?.type === 'Organization' ? `orgs/${pkg.owner}` : `users/${pkg.owner}`;
  }
  function packageJson(pkg: StandInPackage) {
    const o = ownerOf(pkg.owner) ?? { login: pkg.owner, type: 'Organization' as const };
    const encoded = encodeURIComponent(pkg.name);
    return {
      id: pkg.id,
      name: pkg.name,
      package_type: pkg.packageType,
      owner: simpleUser(o, ownerId(o.login)),
      version_count: pkg.versions.filter((v) => !v.deletedAt).length,
      visibility: pkg.visibility,
      url: `${baseUrl}/${scopePath(pkg)}/packages/${pkg.packageType}/${encoded}`,
      html_url: `${web}/${scopePath(pkg)}/packages/${pkg.packageType}/package/${encoded}`,
      repository: pkg.repository ? minimalRepository(pkg.repository) : null,
      created_at: pkg.createdAt,
      updated_at: pkg.updatedAt,
    };
  }
  function versionJson(pkg: StandInPackage, v: StandInVersion) {
    const encoded = encodeURIComponent(pkg.name);
    const body: Record<string, unknown> = {
      id: v.id,
      name: v.digest,
      url: `${baseUrl}/${scopePath(pkg)}/packages/${pkg.packageType}/${encoded}/versions/${v.id}`,
      package_html_url: `${web}/${scopePath(pkg)}/packages/${pkg.packageType}/package/${encoded}`,
      html_url: `${web}/${scopePath(pkg)}/packages/${pkg.packageType}/${encoded}/${v.id}`,
      created_at: v.createdAt,
      updated_at: v.updatedAt,
      metadata:
        pkg.packageType === 'container'
          ? { package_type: 'container', container: { tags: [...v.tags] } }
          : { package_type: 'docker', docker: { tag: [...v.tags], tags: [...v.tags] } },
    };
    if (v.deletedAt) body.deleted_at = v.deletedAt;
    return body;
  }

  // --- request handling ------------------------------------------------------------------------------------

  function send(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const apiPath = `/${ctx.segments.map((s) => decodeSegment(s)).join('/')}`;
    const templatePath = `/${ctx.segments.join('/')}`;
    if (status !== 204) {
      const violation = validateGitHubResponse(ctx.req.method ?? 'GET', templatePath, status, body);
      if (violation) {
        violations.push({ ...violation, path: apiPath });
        status = 500;
        body = {
          message: `stand-in response does not match GitHub's OpenAPI description: ${violation.errors}`,
        };
      }
    }
    const h: Record<string, string> = {
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      ...headers,
    };
    if (ctx.tokenInfo?.scopes) h['x-oauth-scopes'] = ctx.tokenInfo.scopes.join(', ');
    requests.push({
      method: ctx.req.method ?? 'GET',
      url: ctx.req.url ?? '',
      status,
      login: ctx.tokenInfo?.login,
    });
    if (status === 204) {
      ctx.res.writeHead(204, h).end();
      return;
    }
    h['content-type'] = 'application/json; charset=utf-8';
    ctx.res.writeHead(status, h).end(JSON.stringify(body));
  }

  function errorBody(status: number, message: string) {
    return { message, documentation_url: DOCS, status: String(status) };
  }

  function requireScope(ctx: Ctx, needed: string[], sentence: string, accepted: string): void {
    const info = ctx.tokenInfo;
    if (!info) throw new HttpError(401, 'Requires authentication');
    for (const scope of needed) {
      if (!granted(info.scopes, scope)) {
        throw new HttpError(403, `You need at least ${scope} scope ${sentence}.`, {
          'x-accepted-oauth-scopes': accepted,
        });
      }
    }
  }

  function checkOrgPolicy(ctx: Ctx, login: string): void {
    const owner = ownerOf(login);
    if (owner?.forbidsClassicTokens && ctx.tokenInfo?.scopes) {
      throw new HttpError(
        403,
        `\`${owner.login}\` forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.`,
      );
    }
  }

  function canSee(ctx: Ctx, pkg: StandInPackage): boolean {
    if (pkg.visibility === 'public') return true;
    const login = ctx.tokenInfo?.login;
    if (!login) return false;
    if (login.toLowerCase() === pkg.owner.toLowerCase()) return true;
    if (ownerOf(pkg.owner)?.type !== 'Organization') return false;
    const orgs = ctx.tokenInfo?.orgs;
    return !orgs || orgs.some((o) => o.toLowerCase() === pkg.owner.toLowerCase());
  }

  function paginate<T>(ctx: Ctx, items: T[]): { page: T[]; headers: Record<string, string> } {
    const perPage = Math.min(Number(ctx.query.get('per_page') ?? 30) || 30, 100);
    const pageNo = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
    if (perPage * pageNo > 10_000) {
      throw new HttpError(400, 'The value of `per_page` multiplied by `page` cannot be greater than 10000.');
    }
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const link = (p: number, rel: string) => {
      const q = new URLSearchParams(ctx.query);
      q.set('page', String(p));
      q.set('per_page', String(perPage));
      return `<${baseUrl}${ctx.req.url?.split('?')[0]?.slice(prefix.length) ?? ''}?${q}>; rel="${rel}"`;
    };
    const rels: string[] = [];
    if (pageNo > 1) rels.push(link(pageNo - 1, 'prev'));
    if (pageNo < last) rels.push(link(pageNo + 1, 'next'), link(last, 'last'));
    if (pageNo > 1) rels.push(link(1, 'first'));
    return { page, headers: rels.length ? { link: rels.join(', ') } : {} };
  }

  /** Resolves `orgs/X`, `users/X` or `user` at the start of a packages path to an owner login. */
  function ownerFromScope(ctx: Ctx, scope: string[]): string {
    if (scope[0] === 'user') {
      if (!ctx.tokenInfo) throw new HttpError(401, 'Requires authentication');
      return ctx.tokenInfo.login;
    }
    const login = decodeSegment(scope[1] as string);
    const owner = ownerOf(login);
    if (!owner) throw new HttpError(404, 'Not Found');
    if (scope[0] === 'orgs' && owner.type !== 'Organization') throw new HttpError(404, 'Not Found');
    if (scope[0] === 'users' && owner.type !== 'User') throw new HttpError(404, 'Not Found');
    checkOrgPolicy(ctx, owner.login);
    return owner.login;
  }

  function route(ctx: Ctx) {
    const method = ctx.req.method ?? 'GET';
    const s = ctx.segments;
    if (method === 'GET' && s.length === 1 && s[0] === 'user') {
      if (!ctx.tokenInfo) throw new HttpError(401, 'Requires authentication');
      const o = ownerOf(ctx.tokenInfo.login) as StandInOwner;
      return send(ctx, 200, fullUser(o, 'private'));
    }
    if (method === 'GET' && s.length === 2 && s[0] === 'users') {
      const o = ownerOf(decodeSegment(s[1] as string));
      if (!o) throw new HttpError(404, 'Not Found');
      return send(ctx, 200, fullUser(o, 'public'));
    }
    // /orgs/X/packages…, /users/X/packages…, /user/packages…
    const scopeLen = s[0] === 'user' ? 1 : s[0] === 'orgs' || s[0] === 'users' ? 2 : 0;
    if (scopeLen === 0 || s[scopeLen] !== 'packages') throw new HttpError(404, 'Not Found');
    const owner = ownerFromScope(ctx, s.slice(0, scopeLen));
    const rest = s.slice(scopeLen + 1);

    if (rest.length === 0 && method === 'GET') {
      requireScope(ctx, ['read:packages'], 'to list packages', 'read:packages');
      const type = ctx.query.get('package_type');
      if (!type) throw new HttpError(400, 'package_type is required');
      const visibility = ctx.query.get('visibility');
      const list = packages
        .filter(
          (p) => p.owner.toLowerCase() === owner.toLowerCase() && p.packageType === type && canSee(ctx, p),
        )
        .filter((p) => !visibility || p.visibility === visibility);
      const { page, headers } = paginate(ctx, list);
      return send(ctx, 200, page.map(packageJson), headers);
    }
    const [type, encodedName, ...tail] = rest;
    if (!type || !encodedName) throw new HttpError(404, 'Not Found');
    const name = decodeSegment(encodedName);
    const pkg = findPackage(owner, name, type);
    if (!pkg || !canSee(ctx, pkg)) {
      // Scope errors come before existence, as on GitHub.
      requireScope(ctx, ['read:packages'], 'to get a package', 'read:packages');
      throw new HttpError(404, 'Package not found.');
    }
    const repository = `${pkg.owner}/${pkg.name}`.toLowerCase();
    if (tail.length === 0 && method === 'GET') {
      requireScope(ctx, ['read:packages'], 'to get a package', 'read:packages');
      return send(ctx, 200, packageJson(pkg));
    }
    if (tail[0] !== 'versions') throw new HttpError(404, 'Not Found');
    if (tail.length === 1 && method === 'GET') {
      requireScope(ctx, ['read:packages'], "to get a package's versions", 'read:packages');
      const state = ctx.query.get('state') ?? 'active';
      const list = pkg.versions
        .filter((v) => (state === 'deleted' ? !!v.deletedAt : !v.deletedAt))
        .filter((v) => !faults.hideVersion?.(v))
        .sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(ctx, list);
      return send(
        ctx,
        200,
        page.map((v) => versionJson(pkg, v)),
        headers,
      );
    }
    const id = Number(tail[1]);
    const version = pkg.versions.find((v) => v.id === id);
    if (tail.length === 2 && method === 'GET') {
      requireScope(ctx, ['read:packages'], 'to get a package version', 'read:packages');
      if (!version) throw new HttpError(404, 'Package version not found.');
      return send(ctx, 200, versionJson(pkg, version));
    }
    if (tail.length === 2 && method === 'DELETE') {
      requireScope(
        ctx,
        ['read:packages', 'delete:packages'],
        'to delete a package version',
        'delete:packages, read:packages',
      );
      if (!version || version.deletedAt) throw new HttpError(404, 'Package version not found.');
      if (ctx.tokenInfo?.denyDelete) throw new HttpError(403, 'Must have admin rights to Repository.');
      if (faults.failVersionDelete?.(version)) throw new HttpError(500, 'Server Error');
      return void deleteVersion(ctx, pkg, version, repository);
    }
    if (tail.length === 3 && tail[2] === 'restore' && method === 'POST') {
      requireScope(
        ctx,
        ['read:packages', 'write:packages'],
        'to restore a package version',
        'read:packages, write:packages',
      );
      if (!version?.deletedAt) throw new HttpError(404, 'Deleted package version not found.');
      const age = Date.now() - Date.parse(version.deletedAt);
      if (age > 30 * 24 * 3600 * 1000) throw new HttpError(404, 'Deleted package version not found.');
      return void restoreVersion(ctx, pkg, version, repository);
    }
    throw new HttpError(404, 'Not Found');
  }

  async function deleteVersion(ctx: Ctx, pkg: StandInPackage, version: StandInVersion, repository: string) {
    version.deletedAt = now();
    pkg.updatedAt = version.deletedAt;
    await linked?.versionDeleted(repository, version);
    send(ctx, 204, undefined);
  }

  async function restoreVersion(ctx: Ctx, pkg: StandInPackage, version: StandInVersion, repository: string) {
    // A tag taken by another version since the delete stays there.
    const taken = new Set(pkg.versions.filter((v) => !v.deletedAt).flatMap((v) => v.tags));
    version.tags = version.tags.filter((t) => !taken.has(t));
    delete version.deletedAt;
    version.updatedAt = now();
    await linked?.versionRestored(repository, version);
    send(ctx, 204, undefined);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const rawPath = (req.url ?? '/').split('?')[0] as string;
    const ctx: Ctx = { req, res, segments: [], path: rawPath, query: url.searchParams };
    const handle = async () => {
      if (prefix && !rawPath.startsWith(`${prefix}/`)) throw new HttpError(404, 'Not Found');
      ctx.segments = rawPath
        .slice(prefix.length)
        .split('/')
        .filter((x, i) => i > 0 || x !== '');
      const auth = req.headers.authorization;
      if (auth) {
        const m = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
        const info = m ? tokenTable.get(m[1] as string) : undefined;
        if (!info) throw new HttpError(401, 'Bad credentials');
        ctx.tokenInfo = info;
      }
      route(ctx);
    };
    handle().catch((e: unknown) => {
      if (e instanceof HttpError) return send(ctx, e.status, errorBody(e.status, e.message), e.headers);
      send(ctx, 500, errorBody(500, e instanceof Error ? e.message : String(e)));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}${prefix}`;

  return {
    apiUrl: baseUrl,
    tokens,
    violations,
    requests,
    owners,
    packages,
    addOwner,
    addPackage,
    findPackage: (owner, name) => findPackage(owner, name),
    recordPush,
    syncFromRegistry,
    linkRegistry(hooks) {
      linked = hooks;
    },
    faults,
    setVisibility(owner, name, visibility) {
      const pkg = findPackage(owner, name);
      if (!pkg) throw new Error(`no package ${owner}/${name}`);
      pkg.visibility = visibility;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
