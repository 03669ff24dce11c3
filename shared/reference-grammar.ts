/**
 * The reference grammar of distribution/reference (what Docker, skopeo and crane accept), as pure rules:
 * one copy for the main side's refusals (electron/core/registry/reference.ts) and the renderer's live
 * validation (renderer/lib/reference.ts), so the two cannot disagree.
 */

/** Longest `host/path` a registry accepts. */
export const MAX_NAME_LENGTH = 255;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** A registry host with optional port (IPv6 in brackets). */
export const DOMAIN_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`,
);
/** One `/`-separated part of a repository name. */
export const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** The digests Lading verifies (sha256, sha512) in canonical lowercase hex. */
export const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Any digest form (`algorithm:encoded`, OCI image-spec descriptor grammar), valid or not for verification. */
const DIGEST_FORM_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return DIGEST_RE.test(digest);
}

export function isValidPathComponent(component: string): boolean {
  return PATH_COMPONENT_RE.test(component);
}

/** Whether a manifest reference (what follows the repository) is a digest rather than a tag. */
export function isDigestReference(reference: string): boolean {
  return DIGEST_FORM_RE.test(reference);
}

/** `@` before a digest, `:` before a tag: `repo@sha256:…` / `repo:tag`. */
export function referenceSeparator(reference: string): '@' | ':' {
  return isDigestReference(reference) ? '@' : ':';
}

/** `sha256:0123456789ab`: the algorithm and the first 12 hex characters, for tables and job titles. */
export function shortDigest(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13);
}

/** `0123456789ab`: the first 12 hex characters alone, as docker shows image IDs (and for file names). */
export function digestHex12(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1).slice(0, 12);
}
