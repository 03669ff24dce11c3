/**
 * The typed parts of a reference, as go-containerregistry's pkg/name: a `RepositoryName`, `Tag` or `Digest` is
 * a string that has been checked against the grammar once, where it entered (a parsed reference, a contract
 * input, a manifest's descriptor). The client's operations take these types, so a string cannot reach a URL
 * path without that check, and nothing downstream checks it again.
 */
import { DIGEST_RE, PATH_COMPONENT_RE, TAG_RE } from '../../../shared/reference-grammar';
import { LadingError } from './errors';

declare const checked: unique symbol;
/** A repository path inside a registry, no host: `owner/image`, `library/alpine`. */
export type RepositoryName = string & { readonly [checked]: 'repository' };
/** A tag: 1-128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`. */
export type Tag = string & { readonly [checked]: 'tag' };
/** A digest Lading can verify: `sha256:` + 64 hex (or `sha512:` + 128), lowercase. */
export type Digest = string & { readonly [checked]: 'digest' };
/** What follows the repository in a manifest URL. */
export type ManifestReference = Tag | Digest;

/** The tag a reference without one means, as docker does. */
export const LATEST = 'latest' as Tag;

function invalid(message: string, hint?: string): LadingError {
  return new LadingError('invalid-reference', message, { hint });
}

/** Checks a repository path (no host) against the name grammar before it goes into a URL. */
export function validateRepository(repository: string): asserts repository is RepositoryName {
  if (repository !== repository.toLowerCase()) {
    throw invalid(
      `Invalid repository name "${repository}": repository names must be lowercase.`,
      `Did you mean "${repository.toLowerCase()}"?`,
    );
  }
  if (repository === '' || !repository.split('/').every((c) => PATH_COMPONENT_RE.test(c))) {
    throw invalid(
      `Invalid repository name "${repository}".`,
      'Use lowercase letters, digits and separators, e.g. "owner/image".',
    );
  }
}

export function validateTag(tag: string): asserts tag is Tag {
  if (!TAG_RE.test(tag)) {
    throw invalid(
      `Invalid tag "${tag}": tags are 1-128 characters of letters, digits, '_', '.' and '-', and cannot start with '.' or '-'.`,
    );
  }
}

export function validateDigest(digest: string): asserts digest is Digest {
  if (!DIGEST_RE.test(digest)) {
    throw invalid(
      `Invalid digest "${digest}": expected sha256: followed by 64 lowercase hex characters (or sha512: and 128).`,
    );
  }
}

/** A type guard for values that may or may not be digests (a header, a descriptor from a registry). */
export function isDigest(value: string | undefined): value is Digest {
  return value !== undefined && DIGEST_RE.test(value);
}

export function repositoryName(repository: string): RepositoryName {
  validateRepository(repository);
  return repository;
}

export function tagName(tag: string): Tag {
  validateTag(tag);
  return tag;
}

export function digestName(digest: string): Digest {
  validateDigest(digest);
  return digest;
}

/** A tag or a digest, told apart by the form: `sha256:…` is a digest (and must be a valid one), else a tag. */
export function manifestReference(reference: string): ManifestReference {
  return /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:/.test(reference) ? digestName(reference) : tagName(reference);
}
