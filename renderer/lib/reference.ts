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

export function validateRepository(
  name: string,
  kind: ConnectionKind = 'generic',
  owner?: string,
): Validation {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!name) return { errors: ['Enter a repository name.'], warnings };
  if (name !== name.toLowerCase()) {
    errors.push(`Repository names must be lowercase: try “${name.toLowerCase()}”.`);
  }
  if (name.length > MAX_NAME_LENGTH)
    errors.push(`Repository names are at most ${MAX_NAME_LENGTH} characters.`);
  const parts = name.split('/');
  const bad = parts.find((p) => !isValidPathComponent(p.toLowerCase()));
  if (bad !== undefined) {
    errors.push(
      bad === ''
        ? 'A repository name cannot start or end with “/” or contain “//”.'
        : `“${bad}” is not a valid name part: use letters, digits and single separators (. _ __ -) between them.`,
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
