/**
 * Image references: `[host[:port]/]name[:tag][@digest]`, following the grammar of distribution/reference
 * (the one Docker, skopeo and crane accept), with Docker Hub normalisation.
 */
import {
  DOMAIN_RE,
  isValidDigest as isValidDigestString,
  MAX_NAME_LENGTH,
  PATH_COMPONENT_RE,
} from '../../../shared/reference-grammar';
import { LadingError } from './errors';
import {
  type Digest,
  digestName,
  LATEST,
  type ManifestReference,
  type RepositoryName,
  repositoryName,
  type Tag,
  tagName,
} from './names';

export { isValidDigest, isValidTag } from '../../../shared/reference-grammar';
export type { Digest, ManifestReference, RepositoryName, Tag } from './names';
export {
  digestName,
  manifestReference,
  repositoryName,
  tagName,
  validateDigest,
  validateRepository,
  validateTag,
} from './names';

export interface Reference {
  /** Host with optional port, lowercased; Docker Hub is always "docker.io". */
  registry: string;
  /** Path inside the registry, e.g. "library/alpine" or "owner/repo/image". */
  repository: RepositoryName;
  tag?: Tag;
  digest?: Digest;
}

export interface ParseOptions {
  /** Registry used when the input has no host part. Default "docker.io". */
  defaultRegistry?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
export const LEGACY_GITHUB_DOCKER = 'docker.pkg.github.com';

function invalid(message: string, hint?: string): LadingError {
  return new LadingError('invalid-reference', message, { hint });
}

/** Distribution's rule: the first path component is a host when it has a '.' or ':' or is "localhost". */
function looksLikeDomain(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.startsWith('[')
  );
}

function normaliseRegistry(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}

/** Splits "host/path" into registry and repository and validates both; no tag or digest allowed here. */
function splitName(input: string, opts: ParseOptions): { registry: string; repository: RepositoryName } {
  if (input === '') throw invalid('Empty image name.', 'Give a name like "ghcr.io/owner/image:tag".');
  const slash = input.indexOf('/');
  let registry: string;
  let path: string;
  if (slash !== -1 && looksLikeDomain(input.slice(0, slash))) {
    const host = input.slice(0, slash);
    if (!DOMAIN_RE.test(host)) throw invalid(`Invalid registry host "${host}" in "${input}".`);
    registry = normaliseRegistry(host);
    path = input.slice(slash + 1);
  } else {
    registry = normaliseRegistry(opts.defaultRegistry ?? DOCKER_HUB);
    path = input;
  }
  if (path === '') throw invalid(`Missing repository name after the registry in "${input}".`);
  if (path !== path.toLowerCase()) {
    const lowered = input.toLowerCase();
    throw invalid(
      `Invalid repository name "${path}": repository names must be lowercase.`,
      `Did you mean "${lowered}"?`,
    );
  }
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT_RE.test(component)) {
      throw invalid(
        component === ''
          ? `Invalid repository name "${path}": empty path component.`
          : `Invalid repository name "${path}": "${component}" may only contain lowercase letters, digits and single separators (".", "_", "__", "-").`,
      );
    }
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (registry.length + 1 + path.length > MAX_NAME_LENGTH) {
    throw invalid(`Image name "${registry}/${path}" is longer than ${MAX_NAME_LENGTH} characters.`);
  }
  if (registry === LEGACY_GITHUB_DOCKER && path.split('/').length !== 3) {
    throw invalid(
      `Invalid docker.pkg.github.com name "${path}": it must be OWNER/REPOSITORY/IMAGE (exactly three parts).`,
      'Images on the legacy GitHub Docker registry live under a repository, e.g. docker.pkg.github.com/octo/app/web:1.0.',
    );
  }
  // Every component passed PATH_COMPONENT_RE above, with messages that name the input as typed.
  return { registry, repository: path as RepositoryName };
}

/**
 * `user:pass@host/name` (or `https://user@host/...`): refused before anything else looks at it, with a
 * message that repeats none of it, since the part before `@` may be a password.
 */
function refuseUserinfo(input: string): void {
  const host = input.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? '';
  if (!host.includes('@')) return;
  throw invalid(
    'The image reference contains a username or password (the part before "@" in the host); Lading does not take credentials in references.',
    'Remove it from the reference, and log in instead: `lading login HOST -u USER --password-stdin`, or a saved connection in the app.',
  );
}

/** Parses `[host[:port]/]name[:tag][@digest]`. */
export function parseReference(input: string, opts: ParseOptions = {}): Reference {
  const trimmed = input.trim();
  refuseUserinfo(trimmed);
  let rest = trimmed;
  let digest: Digest | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    digest = digestName(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let tag: Tag | undefined;
  const colon = rest.lastIndexOf(':');
  // A colon after the last slash separates the tag; one before it belongs to host:port.
  if (colon !== -1 && colon > rest.lastIndexOf('/')) {
    tag = tagName(rest.slice(colon + 1));
    rest = rest.slice(0, colon);
  }
  const { registry, repository } = splitName(rest, opts);
  const ref: Reference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Parses a repository (`[host/]name`) with no tag or digest. */
export function parseRepository(
  input: string,
  opts: ParseOptions = {},
): { registry: string; repository: RepositoryName } {
  const trimmed = input.trim();
  refuseUserinfo(trimmed);
  if (trimmed.includes('@')) throw invalid(`"${trimmed}" is a repository name and cannot carry a digest.`);
  const colon = trimmed.lastIndexOf(':');
  if (colon !== -1 && colon > trimmed.lastIndexOf('/')) {
    throw invalid(`"${trimmed}" is a repository name and cannot carry a tag.`);
  }
  return splitName(trimmed, opts);
}

/**
 * A reference from parts already apart (a connection's registry, a repository, a tag or digest), each checked
 * against the grammar, without joining them into a string to parse again.
 */
export function referenceFromParts(registry: string, repository: string, tagOrDigest: string): Reference {
  const ref: Reference = { registry: normaliseRegistry(registry), repository: repositoryName(repository) };
  if (isValidDigestString(tagOrDigest)) ref.digest = digestName(tagOrDigest);
  else ref.tag = tagName(tagOrDigest);
  return ref;
}

export function formatReference(ref: Reference): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The tag or digest a request should use (digest wins, "latest" when neither is given). */
export function referenceIdentifier(ref: Reference): ManifestReference {
  return ref.digest ?? ref.tag ?? LATEST;
}

export function isLegacyGitHubDocker(ref: Pick<Reference, 'registry'>): boolean {
  return ref.registry === LEGACY_GITHUB_DOCKER;
}

/** Host part of "host:port" / "[v6]:port". */
export function registryHostname(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(0, registry.indexOf(']') + 1);
  const colon = registry.indexOf(':');
  return (colon === -1 ? registry : registry.slice(0, colon)).toLowerCase();
}

/** localhost, 127.0.0.0/8 and [::1]: spoken to over plain HTTP and allowed to use a token realm on another port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHostname(registry);
  if (host === 'localhost' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The base URL for a registry: HTTP for loopback or when insecure; Docker Hub's API host for docker.io. */
export function registryBaseUrl(registry: string, insecure = false): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  return `${insecure || isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`;
}
