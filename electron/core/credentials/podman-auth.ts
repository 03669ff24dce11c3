/**
 * Podman / containers `auth.json` (containers-auth.json(5)): `$REGISTRY_AUTH_FILE` when set, else
 * `$XDG_RUNTIME_DIR/containers/auth.json`, then `~/.config/containers/auth.json`. Same `auths` shape as
 * Docker's, but keys may name a namespace or repository (`quay.io/org`, `quay.io/org/app`) and the most
 * specific key that matches wins. Per-registry `credHelpers` are honoured too.
 */
import { join } from 'node:path';
import type { Credential } from '../registry/credential-types';
import { objectField, readJsonObject, stringField } from './config-file';
import {
  type CredentialListing,
  type CredentialOptions,
  decodeAuthEntry,
  type FoundCredential,
  homeOf,
} from './docker-config';
import { helperGet, IDENTITY_TOKEN_USERNAME } from './helper';
import { findKey, registryHost, registryKeyPath } from './registry-key';

/** The auth.json files to read, in containers' order. */
export function podmanAuthPaths(opts: CredentialOptions = {}): string[] {
  const env = opts.env ?? process.env;
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  const paths: string[] = [];
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(homeOf(opts), '.config', 'containers', 'auth.json'));
  return paths;
}

/**
 * The `auths` key that best matches a registry (and repository, when known): the longest
 * `host/path` key whose path is the repository or a parent of it, else the bare host key.
 */
export function bestAuthKey(keys: string[], registry: string, repository?: string): string | undefined {
  const host = registryHost(registry);
  let best: { key: string; depth: number } | undefined;
  for (const key of keys) {
    if (registryHost(key) !== host) continue;
    const path = registryKeyPath(key);
    // Keys with a scheme (`https://host/v1/`, Docker style) are host-wide.
    const scoped = path !== '' && !key.includes('://');
    let depth = 0;
    if (scoped) {
      if (!repository || !(repository === path || repository.startsWith(`${path}/`))) continue;
      depth = path.split('/').length;
    }
    if (!best || depth > best.depth) best = { key, depth };
  }
  return best?.key;
}

/** The credential containers tools would use, from the first auth.json that has one. */
export async function podmanCredential(
  registry: string,
  repository: string | undefined,
  opts: CredentialOptions = {},
): Promise<FoundCredential | undefined> {
  for (const path of podmanAuthPaths(opts)) {
    const file = await readJsonObject(path);
    if (!file) continue;
    const helpers = objectField(file, 'credHelpers');
    const helperKey = helpers ? findKey(Object.keys(helpers), registry) : undefined;
    const helper = helperKey ? stringField(helpers, helperKey) : undefined;
    if (helper) {
      const got = await helperGet(helper, registryHost(registry), { env: opts.env ?? process.env });
      if (got) {
        const credential: Credential =
          got.Username === IDENTITY_TOKEN_USERNAME
            ? { identityToken: got.Secret }
            : { username: got.Username, password: got.Secret };
        return { credential, source: 'docker-credential-helper', path, helper };
      }
    }
    const auths = objectField(file, 'auths');
    if (!auths) continue;
    const key = bestAuthKey(Object.keys(auths), registry, repository);
    const credential = key ? decodeAuthEntry(objectField(auths, key)) : undefined;
    if (credential) return { credential, source: 'podman-auth', path };
  }
  return undefined;
}

/** Every login in the auth.json files, without secrets; namespaced keys are listed as `host/namespace`. */
export async function listPodmanCredentials(opts: CredentialOptions = {}): Promise<CredentialListing[]> {
  const out: CredentialListing[] = [];
  for (const path of podmanAuthPaths(opts)) {
    const file = await readJsonObject(path).catch(() => undefined);
    const auths = objectField(file, 'auths');
    for (const key of Object.keys(auths ?? {})) {
      const cred = decodeAuthEntry(objectField(auths, key));
      if (!cred) continue;
      const scope = key.includes('://') ? '' : registryKeyPath(key);
      out.push({
        registry: scope ? `${registryHost(key)}/${scope}` : registryHost(key),
        ...(cred.username ? { username: cred.username } : {}),
        source: 'podman-auth',
      });
    }
    for (const [key, helper] of Object.entries(objectField(file, 'credHelpers') ?? {})) {
      if (typeof helper === 'string' && helper) {
        out.push({ registry: registryHost(key), source: 'docker-credential-helper', helper });
      }
    }
  }
  return out;
}
