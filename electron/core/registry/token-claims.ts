/**
 * What a registry token says it grants: distribution's JWTs (the token spec, docs/spec/auth/jwt.md) carry
 * an `access` claim of `{type, name, actions}`. Read, not verified: the registry verifies; the client only
 * asks what it was given, to refuse a batch before its first change instead of halfway through it.
 */

/**
 * The actions `token` grants on one resource, or undefined when the token does not say (not a JWT, or no
 * `access` claim: an opaque OAuth token). An `access` claim without this resource grants nothing on it.
 */
export function tokenGrants(token: string, type: string, name: string): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const access = (claims as { access?: unknown } | null)?.access;
  if (!Array.isArray(access)) return undefined;
  const actions = new Set<string>();
  for (const entry of access as Array<{ type?: unknown; name?: unknown; actions?: unknown }>) {
    if (entry?.type !== type || entry.name !== name || !Array.isArray(entry.actions)) continue;
    for (const a of entry.actions) if (typeof a === 'string') actions.add(a);
  }
  return [...actions];
}
