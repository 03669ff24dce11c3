/**
 * Live validation of a push/tag target, with the rules of the OCI distribution spec and GitHub's registries.
 * Errors block the action; warnings are shown but allowed.
 */
import { isGitHubKind } from '../../shared/connection-kinds';
import {
  isValidPathComponent,
  isValidTag,
  MAX_NAME_LENGTH,
  referenceSeparator,
} from '../../shared/reference-grammar';
import type { ConnectionKind } from '../../shared/types';

export interface Validation {
  errors: string[];
  warnings: string[];
}

/**
 * The nearest valid repository name: lowercase, anything but letters, digits and single separators
 * becomes “-” (`Bad Name` → `bad-name`, `My_App!` → `my_app`). '' when nothing valid remains.
 */
export function suggestRepositoryName(input: string): string {
  const parts = input
    .trim()
    .toLowerCase()
    .split('/')
    .map((part) =>
      part
        // Runs of anything else, or of mixed separators, become one “-” (“_”, “__”, “.” and “-”s stay).
        .replace(/[^a-z0-9]+/g, (run) => (/^(\.|_|__|-+)$/.test(run) ? run : '-'))
        .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, ''),
    )
    .filter((p) => p !== '');
  const name = parts.join('/');
  return parts.length > 0 && parts.every(isValidPathComponent) ? name : '';
}

export function validateRepository(
  name: string,
  kind: ConnectionKind = 'generic',
  owner?: string,
): Validation {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!name) return { errors: ['Enter a repository name.'], warnings };
  // A suggestion is offered only when it is itself a valid name (`Bad Name` → `bad-name`).
  const suggestion = suggestRepositoryName(name);
  const tryIt = suggestion && suggestion !== name ? `: try “${suggestion}”` : '';
  const parts = name.split('/');
  const bad = parts.find((p) => !isValidPathComponent(p.toLowerCase()));
  // One message, the one that names the fix: a bad part's message already carries the suggestion.
  if (name !== name.toLowerCase() && bad === undefined) {
    errors.push(`Repository names must be lowercase${tryIt}.`);
  }
  if (name.length > MAX_NAME_LENGTH)
    errors.push(`Repository names are at most ${MAX_NAME_LENGTH} characters.`);
  if (bad !== undefined) {
    errors.push(
      bad === ''
        ? `A repository name cannot start or end with “/” or contain “//”${tryIt}.`
        : `“${bad}” is not a valid name part: use letters, digits and single separators (. _ __ -) between them${tryIt}.`,
    );
  }
  if (kind === 'github-docker' && parts.length !== 3) {
    errors.push('docker.pkg.github.com needs OWNER/REPOSITORY/IMAGE_NAME (three parts).');
  }
  if ((kind === 'ghcr' || kind === 'ghes') && parts.length < 2) {
    errors.push('GitHub container names start with the owner: OWNER/IMAGE_NAME.');
  }
  if (
    owner &&
    kind !== undefined &&
    isGitHubKind(kind) &&
    parts.length >= 2 &&
    parts[0] !== owner.toLowerCase()
  ) {
    warnings.push(`This pushes under “${parts[0]}”, not the connection's owner “${owner.toLowerCase()}”.`);
  }
  if (kind === 'dockerhub' && parts.length === 1) {
    warnings.push('Docker Hub names without a namespace go to library/, which only Docker can push to.');
  }
  return { errors, warnings };
}

export function validateTag(tag: string): Validation {
  if (!tag) return { errors: ['Enter a tag.'], warnings: [] };
  if (tag.length > 128) return { errors: ['Tags are at most 128 characters.'], warnings: [] };
  if (!isValidTag(tag)) {
    return {
      errors: ['Tags use letters, digits, “_”, “.” and “-”, and cannot start with “.” or “-”.'],
      warnings: [],
    };
  }
  return { errors: [], warnings: [] };
}

export interface ParsedImageName {
  /** A registry host when the name starts with one. */
  host?: string;
  repository: string;
  tag?: string;
}

/** Splits a RepoTag such as `ghcr.io/acme/app:1.2` or `app:1.2` (no validation). */
export function parseImageName(input: string): ParsedImageName {
  let rest = input.trim();
  let tag: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0] ?? '';
  if (rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first, repository: rest.slice(first.length + 1), tag };
  }
  return { repository: rest, tag };
}

/** Pull command for a tag or a digest reference. */
export function pullCommand(registry: string, repository: string, reference: string): string {
  const sep = referenceSeparator(reference);
  const host = registry === 'registry-1.docker.io' || registry === 'index.docker.io' ? 'docker.io' : registry;
  return `docker pull ${host}/${repository}${sep}${reference}`;
}
