import { isGitHubKind } from '../../shared/connection-kinds';
import type { Connection } from '../../shared/types';

export function isGithub(connection: Pick<Connection, 'kind'>): boolean {
  return isGitHubKind(connection.kind);
}

/** Only https links are rendered as links (a label can say anything). */
export function safeHttpsUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
