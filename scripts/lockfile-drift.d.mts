/** See lockfile-drift.mjs. */
export function lockfileDrift(
  pkg: Record<string, unknown>,
  lock: Record<string, unknown>,
  satisfies?: (version: string, range: string) => boolean,
): string[];
