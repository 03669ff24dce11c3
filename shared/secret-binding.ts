/**
 * A saved secret is bound to where it was saved for: the registry, the GitHub API URL, TLS, and whether a
 * token service on another site may have it. An edit that widens any of these needs the secret typed again;
 * the main process refuses it otherwise, and the connection form says so before Save.
 */
import type { Connection } from './types';

export type SecretBinding = Pick<
  Connection,
  'registry' | 'githubApiUrl' | 'insecure' | 'allowCrossHostRealm'
>;

/** What in `next` would send `saved`'s secret somewhere it was not saved for, in words; undefined if nothing. */
export function secretWidening(saved: SecretBinding, next: SecretBinding): string | undefined {
  const registry = next.registry.toLowerCase();
  if (registry !== saved.registry) return `the registry (${saved.registry} to ${registry})`;
  if ((next.githubApiUrl ?? '') !== (saved.githubApiUrl ?? '')) return 'the GitHub API URL';
  if (next.insecure && !saved.insecure) return 'plain HTTP';
  if (next.allowCrossHostRealm && !saved.allowCrossHostRealm) return 'cross-site token services';
  return undefined;
}
