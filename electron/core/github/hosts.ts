/**
 * Which GitHub a connection talks to: the REST API base for its registry host, and which package type
 * (`container` or the legacy `docker`) its images are listed under.
 *
 * github.com: ghcr.io and docker.pkg.github.com, API https://api.github.com.
 * GitHub Enterprise Server: API https://HOST/api/v3; the registry is containers.HOST or docker.HOST with
 * subdomain isolation, or HOST itself without it (GitHub docs, "Working with the Container registry" on GHES).
 */
import type { Connection, ConnectionKind } from '../../../shared/types';
import { LadingError } from '../registry/errors';

export const GITHUB_API = 'https://api.github.com';
export const GHCR = 'ghcr.io';
export const LEGACY_DOCKER = 'docker.pkg.github.com';

/** `container` for ghcr.io-style registries, `docker` for the legacy docker.pkg.github.com one. */
export type GitHubPackageType = 'container' | 'docker';

export { isGitHubKind } from '../../../shared/connection-kinds';

/** The kind a registry host implies when the user has not said (used by the CLI and the connection form). */
export function githubKindForRegistry(registry: string): ConnectionKind | undefined {
  const host = registry.toLowerCase();
  if (host === GHCR) return 'ghcr';
  if (host === LEGACY_DOCKER) return 'github-docker';
  return undefined;
}

/**
 * Legacy Docker registries (docker.pkg.github.com, and docker.HOST on GHES) list their images as
 * `package_type=docker`; everything else as `container`.
 */
export function packageTypeFor(connection: Pick<Connection, 'kind' | 'registry'>): GitHubPackageType {
  if (connection.kind === 'github-docker') return 'docker';
  if (connection.kind === 'ghes' && connection.registry.toLowerCase().startsWith('docker.')) return 'docker';
  return 'container';
}

/** The GHES hostname behind a registry host: containers.HOST / docker.HOST (subdomain isolation) or HOST. */
export function ghesHostFromRegistry(registry: string): string {
  const host = registry.toLowerCase();
  for (const prefix of ['containers.', 'docker.']) {
    if (host.startsWith(prefix) && host.length > prefix.length) return host.slice(prefix.length);
  }
  return host;
}

/** `https://HOST/api/v3`: the REST base of a GitHub Enterprise Server. */
export function ghesApiUrl(host: string): string {
  return `https://${host}/api/v3`;
}

/** The registry hosts a GHES instance may serve, most specific first (for the connection form's suggestions). */
export function ghesRegistryHosts(host: string): {
  containers: string;
  docker: string;
  withoutIsolation: string;
} {
  return { containers: `containers.${host}`, docker: `docker.${host}`, withoutIsolation: host };
}

/**
 * The REST API base for a connection: the one set on the connection when there is one, else derived from the
 * registry host. Returned without a trailing slash.
 */
export function githubApiUrlFor(connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl'>): string {
  if (connection.githubApiUrl) return connection.githubApiUrl.replace(/\/+$/, '');
  switch (connection.kind) {
    case 'ghcr':
    case 'github-docker':
      return GITHUB_API;
    case 'ghes':
      return ghesApiUrl(ghesHostFromRegistry(connection.registry));
    default:
      throw new LadingError('invalid-input', `${connection.registry} is not a GitHub Packages registry.`, {
        hint: 'GitHub package features need a connection of kind ghcr, github-docker or ghes.',
      });
  }
}

/** The web UI base for an API base: api.github.com → github.com; https://HOST/api/v3 → https://HOST. */
export function githubWebUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  const path = url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Whether deletes on `registry` go through the GitHub Packages API: ghcr.io, docker.pkg.github.com, and the
 * host a GHES user names in LADING_GITHUB_REGISTRY (GHES registries cannot be told apart by name).
 */
export function deletesThroughGitHub(registry: string, githubRegistry?: string): boolean {
  const host = registry.toLowerCase();
  return (
    githubKindForRegistry(host) !== undefined || (!!githubRegistry && host === githubRegistry.toLowerCase())
  );
}
