/**
 * `lading gh …`: GitHub Packages from the command line (ghcr.io, docker.pkg.github.com, GitHub Enterprise
 * Server). The REST API base comes from `--github-api URL` or LADING_GITHUB_API (else it is derived from
 * `--registry`); the token from GH_TOKEN or GITHUB_TOKEN, else `-u USER --password-stdin`, else this
 * machine's docker/podman login for the registry (a classic PAT is the password there).
 */

import type { Command } from 'commander';
import { githubApiUrlProblem } from '../../../../shared/api-url';
import { shortDigest } from '../../../../shared/reference-grammar';
import type { Connection, ConnectionKind, PackageVersion } from '../../../../shared/types';
import { githubKindForRegistry } from '../../../core/github/hosts';
import { parsePackageRef, parseVersionId } from '../../../core/github/names';
import { assignRoles } from '../../../core/github/roles';
import { RegistryClient } from '../../../core/registry/client';
import type { Credential } from '../../../core/registry/credential-types';
import { LadingError } from '../../../core/registry/errors';
import { isValidDigest } from '../../../core/registry/reference';
import {
  cliContext,
  cliLoginHints,
  confirm,
  credentialsFor,
  globalOptions,
  isInsecure,
  note,
  print,
  printJson,
} from '../context';

/**
 * The GitHub REST side (octokit and what builds on it), loaded when a `gh` command runs: every other
 * `lading` call would otherwise evaluate octokit's endpoint tables at start-up for nothing.
 */
const githubRest = () => import('../../../core/github/index');

interface GhOptions {
  githubApi?: string;
  registry?: string;
  user?: boolean;
  org?: boolean;
  json?: boolean;
}

const DEFAULT_REGISTRY = 'ghcr.io';

/** The connection a `gh` command works with, built from flags and environment. */
export function ghConnection(opts: GhOptions, env: NodeJS.ProcessEnv, owner?: string): Connection {
  const registry = (opts.registry ?? env.LADING_GITHUB_REGISTRY ?? DEFAULT_REGISTRY).toLowerCase();
  const kind: ConnectionKind = githubKindForRegistry(registry) ?? 'ghes';
  const githubApiUrl = opts.githubApi ?? env.LADING_GITHUB_API;
  if (githubApiUrl) {
    // The URL itself is not repeated: it may carry a password.
    const problem = githubApiUrlProblem(githubApiUrl);
    if (problem) {
      throw new LadingError('invalid-input', `--github-api / LADING_GITHUB_API: ${problem}`, {
        hint: 'Give the REST API base, e.g. https://api.github.com or https://github.example.com/api/v3.',
      });
    }
  }
  return {
    id: 'cli',
    name: registry,
    kind,
    registry,
    insecure: false,
    hasSecret: false,
    credentialSource: 'none',
    owner,
    ownerType: opts.user ? 'user' : opts.org ? 'org' : undefined,
    githubApiUrl,
    createdAt: new Date(0).toISOString(),
  };
}

/**
 * The API token: GH_TOKEN, GITHUB_TOKEN, then -u/--password-stdin, then the machine's login for the
 * registry. Registry reads (roles, tag deletes) use the machine's login when there is one, else the token.
 */
async function resolveToken(
  cmd: Command,
  registry: string,
): Promise<{ token?: string; credential?: Credential }> {
  const { env } = cliContext().io;
  const creds = await credentialsFor(cmd);
  const found = typeof creds === 'function' ? await creds(registry) : creds;
  const fromEnv = env.GH_TOKEN || env.GITHUB_TOKEN;
  if (fromEnv) return { token: fromEnv, credential: found ?? { username: 'lading', password: fromEnv } };
  return { token: found?.password ?? found?.registryToken, credential: found };
}

/** What a GitHub delete from `lading delete` needs for `registry`: the same token and clients as `lading gh`. */
export function githubContextFor(cmd: Command, registry: string, owner?: string) {
  return context(cmd, { registry }, owner);
}

async function context(cmd: Command, opts: GhOptions, owner?: string) {
  const { io, signal } = cliContext();
  const connection = ghConnection(opts, io.env, owner);
  connection.insecure = isInsecure(connection.registry, globalOptions(cmd), io.env);
  const { token, credential } = await resolveToken(cmd, connection.registry);
  if (!token) {
    throw new LadingError('unauthorized', `No GitHub token for ${connection.registry}.`, {
      hint: 'Set GH_TOKEN (a classic personal access token with read:packages; write:packages / delete:packages to change things), or `docker login` to the registry with it.',
    });
  }
  const { githubSession } = await githubRest();
  const session = githubSession(connection, token, { signal });
  const client = () =>
    new RegistryClient({
      registry: connection.registry,
      insecure: connection.insecure,
      credentials: credential,
      allowCrossHostRealm: globalOptions(cmd).allowCrossHostRealm === true,
      loginHints: cliLoginHints,
    });
  return { connection, token, session, client, signal };
}

function ghOptions(cmd: Command): GhOptions {
  return cmd.optsWithGlobals<GhOptions>();
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('--github-api <url>', 'GitHub REST API base (default: from the registry; also LADING_GITHUB_API)')
    .option(
      '--registry <host>',
      'ghcr.io, docker.pkg.github.com or a GitHub Enterprise registry host',
      undefined,
    );
}

function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** Versions with roles; without registry access the roles stay unknown (said on stderr). */
async function versionsWithRoles(
  ctx: Awaited<ReturnType<typeof context>>,
  input: string,
  state: 'active' | 'deleted',
): Promise<{ versions: PackageVersion[]; owner: string; name: string; repository: string }> {
  const { ref, route } = await ctx.session.locate(input);
  const raw = await ctx.session.packages.listVersions(route, ref.name, state);
  const repository = `${ref.owner}/${ref.name}`.toLowerCase();
  let versions: PackageVersion[];
  try {
    versions = await assignRoles(raw, state === 'active' ? ctx.client() : undefined, repository, {
      state,
      signal: ctx.signal,
    });
  } catch (e) {
    if (e instanceof LadingError && e.code !== 'cancelled') {
      note(
        `note: could not read ${ctx.connection.registry}/${repository} to tell platform manifests from images (${e.message})`,
      );
      versions = await assignRoles(raw, undefined, repository, { state });
    } else throw e;
  }
  return { versions, owner: ref.owner, name: ref.name, repository };
}

function splitPackageTag(input: string): { pkg: string; tag: string } {
  const colon = input.lastIndexOf(':');
  if (colon <= 0 || input.slice(colon + 1).includes('/')) {
    throw new LadingError('invalid-input', `"${input}" is not OWNER/PACKAGE:TAG.`, {
      hint: 'For example: lading gh delete-tag acme/app:old --yes',
    });
  }
  return { pkg: input.slice(0, colon), tag: input.slice(colon + 1) };
}

async function confirmOrRefuse(yes: boolean | undefined, question: string, what: string): Promise<void> {
  if (yes) return;
  const ok = await confirm(
    question,
    new LadingError('invalid-input', `Refusing to ${what} without confirmation: stdin is not a terminal.`, {
      hint: 'Add --yes to do it from a script.',
    }),
  );
  if (!ok) throw new LadingError('cancelled', 'Nothing was deleted.');
}

export function register(program: Command): void {
  const gh = program
    .command('gh')
    .description('GitHub Packages: packages, versions, delete and restore (ghcr.io, GitHub Enterprise)');

  addCommon(gh.command('packages'))
    .description("list an organization's or user's container packages")
    .argument('<owner>', 'organization or user')
    .option('--user', 'the owner is a user (default: ask GitHub)')
    .option('--org', 'the owner is an organization (default: ask GitHub)')
    .option('--json', 'print JSON: [{name, visibility, repository, versionCount, updatedAt}]')
    .action(async (owner: string, _opts: GhOptions, cmd: Command) => {
      const opts = ghOptions(cmd);
      const ctx = await context(cmd, opts, owner);
      const route = await ctx.session.ownerRoute();
      const packages = await ctx.session.packages.listPackages(route);
      packages.sort((a, b) => a.name.localeCompare(b.name));
      if (opts.json) {
        printJson(
          packages.map((p) => ({
            name: p.name,
            visibility: p.visibility,
            repository: p.linkedRepository ?? null,
            versionCount: p.versionCount,
            updatedAt: p.updatedAt,
          })),
        );
        return;
      }
      if (packages.length === 0) {
        print(`${route.login} has no ${ctx.session.packages.packageType} packages this token can see.`);
        return;
      }
      const rows = [['NAME', 'VISIBILITY', 'VERSIONS', 'UPDATED', 'REPOSITORY']];
      for (const p of packages)
        rows.push([p.name, p.visibility, String(p.versionCount), p.updatedAt, p.linkedRepository ?? '-']);
      print(pad(rows));
    });

  addCommon(gh.command('versions'))
    .description('list the versions of a package (digest, tags, role)')
    .argument('<package>', 'OWNER/PACKAGE, e.g. acme/app or acme/tools/lint')
    .option('--deleted', 'list deleted versions (restorable for 30 days)')
    .option('--user', 'the owner is a user')
    .option('--org', 'the owner is an organization')
    .option('--json', 'print JSON: [{id, digest, tags, createdAt, role}]')
    .action(async (input: string, _opts: GhOptions & { deleted?: boolean }, cmd: Command) => {
      const opts = ghOptions(cmd) as GhOptions & { deleted?: boolean };
      const ref = parsePackageRef(input);
      const ctx = await context(cmd, opts, ref.owner);
      const state = opts.deleted ? 'deleted' : 'active';
      const { versions } = await versionsWithRoles(ctx, input, state);
      if (opts.json) {
        printJson(
          versions.map((v) => ({
            id: v.id,
            digest: v.digest,
            tags: v.tags,
            createdAt: v.createdAt,
            ...(v.deletedAt ? { deletedAt: v.deletedAt } : {}),
            role: v.role,
            ...(v.platform ? { platform: v.platform } : {}),
          })),
        );
        return;
      }
      if (versions.length === 0) {
        print(opts.deleted ? 'No deleted versions.' : 'No versions.');
        return;
      }
      const rows = [['ID', 'DIGEST', 'TAGS', 'ROLE', opts.deleted ? 'DELETED' : 'CREATED']];
      for (const v of versions) {
        const role = v.platform ? `${v.role} (${v.platform})` : v.role;
        rows.push([
          String(v.id),
          shortDigest(v.digest),
          v.tags.join(',') || '-',
          role,
          (opts.deleted ? v.deletedAt : v.createdAt) ?? '',
        ]);
      }
      print(pad(rows));
    });

  addCommon(gh.command('delete-version'))
    .description('delete a package version (by id or digest) with the tags on it')
    .argument('<package>', 'OWNER/PACKAGE')
    .argument('<version>', 'version id or sha256:… digest')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'delete even a platform manifest or attestation of a tagged index (breaks the index)')
    .option('--user', 'the owner is a user')
    .option('--org', 'the owner is an organization')
    .option('--json', 'print JSON: {id, digest, removedTags}')
    .action(
      async (
        input: string,
        versionArg: string,
        _opts: GhOptions & { yes?: boolean; force?: boolean },
        cmd: Command,
      ) => {
        const opts = ghOptions(cmd) as GhOptions & { yes?: boolean; force?: boolean };
        const id = parseVersionId(versionArg);
        if (id === undefined && !isValidDigest(versionArg)) {
          throw new LadingError(
            'invalid-input',
            `"${versionArg}" is neither a version id nor a sha256 digest.`,
            {
              hint: `List the versions with: lading gh versions ${input}`,
            },
          );
        }
        const ref = parsePackageRef(input);
        const ctx = await context(cmd, opts, ref.owner);
        const located = await ctx.session.locate(input);
        const { owner, name } = located.ref;
        const { versionToDelete } = await githubRest();
        // The app's github.deleteVersion makes the same decision (core/github/version-delete.ts).
        const { version, rolesUnknown } = await versionToDelete({
          session: ctx.session,
          reader: ctx.client(),
          repository: `${owner}/${name}`.toLowerCase(),
          located,
          target: id !== undefined ? { id } : { digest: versionArg },
          force: opts.force,
          forceHint: 'add --force',
          signal: ctx.signal,
        });
        if (rolesUnknown)
          note(`note: --force: deleting without knowing whether a tagged index uses it (${rolesUnknown})`);
        const tags = version.tags.length ? ` and its tags ${version.tags.join(', ')}` : '';
        await confirmOrRefuse(
          opts.yes,
          `Delete version ${version.id} (${shortDigest(version.digest)}…)${tags} of ${owner}/${name}?`,
          'delete a version',
        );
        await ctx.session.packages.deleteVersion(located.route, name, version.id);
        if (opts.json) printJson({ id: version.id, digest: version.digest, removedTags: version.tags });
        else {
          print(`Deleted version ${version.id} (${version.digest}) of ${owner}/${name}.`);
          print(version.tags.length ? `Removed tags: ${version.tags.join(', ')}` : 'It had no tags.');
          print(`Restore it within 30 days with: lading gh restore-version ${owner}/${name} ${version.id}`);
        }
      },
    );

  addCommon(gh.command('restore-version'))
    .description('restore a deleted package version (within 30 days of the delete)')
    .argument('<package>', 'OWNER/PACKAGE')
    .argument('<version-id>', 'the id shown by `lading gh versions --deleted`')
    .option('--user', 'the owner is a user')
    .option('--org', 'the owner is an organization')
    .option('--json', 'print JSON: {id, restored: true}')
    .action(async (input: string, versionArg: string, _opts: GhOptions, cmd: Command) => {
      const opts = ghOptions(cmd);
      const id = parseVersionId(versionArg);
      if (id === undefined) {
        throw new LadingError('invalid-input', `"${versionArg}" is not a version id.`, {
          hint: `Find it with: lading gh versions ${input} --deleted`,
        });
      }
      const ref = parsePackageRef(input);
      const ctx = await context(cmd, opts, ref.owner);
      const { ref: located, route } = await ctx.session.locate(input);
      await ctx.session.packages.restoreVersion(route, located.name, id);
      if (opts.json) printJson({ id, restored: true });
      else print(`Restored version ${id} of ${located.owner}/${located.name}.`);
    });

  addCommon(gh.command('delete-tag'))
    .description('delete one tag; other tags of the same image stay (ghcr.io has no manifest DELETE)')
    .argument('<package-tag>', 'OWNER/PACKAGE:TAG')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--user', 'the owner is a user')
    .option('--org', 'the owner is an organization')
    .option('--json', 'print JSON: {removedTags}')
    .action(async (input: string, _opts: GhOptions & { yes?: boolean }, cmd: Command) => {
      const opts = ghOptions(cmd) as GhOptions & { yes?: boolean };
      const { pkg, tag } = splitPackageTag(input);
      const ref = parsePackageRef(pkg);
      const ctx = await context(cmd, opts, ref.owner);
      await confirmOrRefuse(
        opts.yes,
        `Delete tag ${tag} of ${ref.owner}/${ref.name}? (other tags stay)`,
        'delete a tag',
      );
      const { deleteOnGitHub } = await githubRest();
      const result = await deleteOnGitHub({
        connection: ctx.connection,
        token: ctx.token,
        client: ctx.client(),
        repository: `${ref.owner}/${ref.name}`.toLowerCase(),
        tags: [tag],
        signal: ctx.signal,
      });
      if (opts.json) printJson(result);
      else print(`Deleted tag ${tag} of ${ref.owner}/${ref.name}.`);
    });

  addCommon(gh.command('scopes'))
    .description("show the token's scopes and what it cannot do with packages")
    .option('--json', 'print JSON: {login, scopes, missing, message}')
    .action(async (_opts: GhOptions, cmd: Command) => {
      const opts = ghOptions(cmd);
      const ctx = await context(cmd, opts);
      const { checkGitHubToken } = await githubRest();
      const check = await checkGitHubToken(ctx.session.apiUrl, ctx.token, {
        kind: ctx.connection.kind,
        signal: ctx.signal,
      });
      if (opts.json) printJson(check);
      else {
        print(check.message);
        if (check.scopesReported) print(`Scopes: ${check.scopes.join(', ') || '(none)'}`);
      }
    });
}
