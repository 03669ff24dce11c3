/** Which connection kinds are GitHub Packages registries: one rule for the main side and the renderer. */
import type { ConnectionKind } from './types';

export const GITHUB_KINDS: ReadonlySet<ConnectionKind> = new Set(['ghcr', 'github-docker', 'ghes']);

export function isGitHubKind(kind: ConnectionKind): boolean {
  return GITHUB_KINDS.has(kind);
}
