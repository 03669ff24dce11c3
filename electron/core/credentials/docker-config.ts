/**
 * Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): inline `auths`
 * entries, a global `credsStore` helper and per-registry `credHelpers`, looked up and written the way
 * Docker's CLI does.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credential } from '../registry/credential-types';
import { type JsonObject, objectField, readJsonObject, stringField, writeJsonAtomic } from './config-file';
import {
  type HelperRunOptions,
  helperErase,
  helperGet,
  helperList,
  helperStore,
  IDENTITY_TOKEN_USERNAME,
  isHelperMissing,
} from './helper';
import { dockerConfigKey, findKey, keyMatchesRegistry, registryHost } from './registry-key';

/** Where to look: a process environment (DOCKER_CONFIG, HOME, PATH, ...) and a home directory. */
export interface CredentialOptions {
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}

export type CredentialSource = 'docker-config' | 'docker-credential-helper' | 'podman-auth';

/** A credential and where it came from (the file, or the helper that holds it). */
export interface FoundCredential {
  credential: Credential;
  source: CredentialSource;
  path: string;
  helper?: string;
}

/** A stored login, described without its secret. */
export interface CredentialListing {
  registry: string;
  username?: string;
  source: CredentialSource;
  helper?: string;
}

export function homeOf(opts: CredentialOptions): string {
  return opts.homeDir ?? opts.env?.HOME ?? homedir();
}

export function dockerConfigPath(opts: CredentialOptions = {}): string {
  const env = opts.env ?? process.env;
  const dir = env.DOCKER_CONFIG || join(homeOf(opts), '.docker');
  return join(dir, 'config.json');
}

function helperOpts(opts: CredentialOptions): HelperRunOptions {
  return { env: opts.env ?? process.env };
}

/**
 * The credential in one `auths` entry (Docker's and Podman's shape): `auth` is base64 `user:password`
 * (the password may contain colons), `identitytoken` an OAuth2 refresh token, `registrytoken` a bearer token.
 */
export function decodeAuthEntry(entry: JsonObject | undefined): Credential | undefined {
  if (!entry) return undefined;
  const cred: Credential = {};
  const auth = stringField(entry, 'auth');
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      cred.username = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      if (password) cred.password = password;
    }
  } else {
    // Very old configs wrote the fields separately.
    const username = stringField(entry, 'username');
    const password = stringField(entry, 'password');
    if (username) cred.username = username;
    if (password) cred.password = password;
  }
  const identityToken = stringField(entry, 'identitytoken');
  const registryToken = stringField(entry, 'registrytoken');
  if (identityToken) cred.identityToken = identityToken;
  if (registryToken) cred.registryToken = registryToken;
  return cred.password || cred.identityToken || cred.registryToken ? cred : undefined;
}

/** The username an `auths` entry names, without decoding more than needed for that. */
export function usernameOfEntry(entry: JsonObject | undefined): string | undefined {
  const cred = decodeAuthEntry(entry);
  return cred?.username;
}

/** The helper Docker would use for a registry: its `credHelpers` entry, else `credsStore`. */
export function helperFor(
  config: JsonObject | undefined,
  registry: string,
): { name: string; explicit: boolean } | undefined {
  const helpers = objectField(config, 'credHelpers');
  if (helpers) {
    const key = findKey(Object.keys(helpers), registry);
    const name = key ? stringField(helpers, key) : undefined;
    if (name) return { name, explicit: true };
  }
  const store = stringField(config, 'credsStore');
  return store ? { name: store, explicit: false } : undefined;
}

/** What a helper answers, as a Credential (`<token>` as username means the secret is an identity token). */
async function credentialFromHelper(
  helper: string,
  registry: string,
  opts: CredentialOptions,
): Promise<Credential | undefined> {
  const key = dockerConfigKey(registry);
  // Logins made with a scheme (`docker login https://host`) are stored under that URL.
  const candidates = key.includes('://') ? [key] : [key, `https://${key}`];
  for (const serverUrl of candidates) {
    const got = await helperGet(helper, serverUrl, helperOpts(opts));
    if (!got) continue;
    if (got.Username === IDENTITY_TOKEN_USERNAME) return { identityToken: got.Secret };
    return got.Username ? { username: got.Username, password: got.Secret } : { password: got.Secret };
  }
  return undefined;
}

/**
 * The credential Docker's CLI would use for `registry`, or undefined for none. A helper that holds nothing
 * falls back to an inline `auths` entry (Docker would send nothing; falling back helps configs where a
 * credsStore was added after logins were made). A missing global `credsStore` program is skipped, a
 * missing `credHelpers` program for this very registry is an error.
 */
export async function dockerCredential(
  registry: string,
  opts: CredentialOptions = {},
): Promise<FoundCredential | undefined> {
  const path = dockerConfigPath(opts);
  const config = await readJsonObject(path);
  if (!config) return undefined;
  const helper = helperFor(config, registry);
  if (helper) {
    try {
      const credential = await credentialFromHelper(helper.name, registry, opts);
      if (credential) return { credential, source: 'docker-credential-helper', path, helper: helper.name };
    } catch (e) {
      if (helper.explicit || !isHelperMissing(e)) throw e;
    }
  }
  const auths = objectField(config, 'auths');
  if (!auths) return undefined;
  const key = findKey(Object.keys(auths), registry);
  const credential = key ? decodeAuthEntry(objectField(auths, key)) : undefined;
  return credential ? { credential, source: 'docker-config', path } : undefined;
}

/** Every login in config.json and its helpers, without secrets. Helpers that fail are skipped. */
export async function listDockerCredentials(opts: CredentialOptions = {}): Promise<CredentialListing[]> {
  const config = await readJsonObject(dockerConfigPath(opts));
  if (!config) return [];
  const out: CredentialListing[] = [];
  const seen = new Set<string>();
  const add = (l: CredentialListing) => {
    const id = `${l.source}|${l.registry}|${l.helper ?? ''}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(l);
  };

  const listCache = new Map<string, Record<string, string> | undefined>();
  const listOf = async (helper: string) => {
    if (!listCache.has(helper)) {
      listCache.set(helper, await helperList(helper, helperOpts(opts)).catch(() => undefined));
    }
    return listCache.get(helper);
  };
  const usernameIn = (listing: Record<string, string> | undefined, registry: string) => {
    if (!listing) return undefined;
    const key = findKey(Object.keys(listing), registry);
    const name = key ? listing[key] : undefined;
    return name && name !== IDENTITY_TOKEN_USERNAME ? name : undefined;
  };

  const helpers = objectField(config, 'credHelpers') ?? {};
  for (const [key, value] of Object.entries(helpers)) {
    if (typeof value !== 'string' || !value) continue;
    const registry = registryHost(key);
    const username = usernameIn(await listOf(value), registry);
    add({ registry, ...(username ? { username } : {}), source: 'docker-credential-helper', helper: value });
  }

  const store = stringField(config, 'credsStore');
  if (store) {
    const listing = await listOf(store);
    for (const [serverUrl, username] of Object.entries(listing ?? {})) {
      const registry = registryHost(serverUrl);
      if (Object.keys(helpers).some((k) => keyMatchesRegistry(k, registry))) continue;
      add({
        registry,
        ...(username && username !== IDENTITY_TOKEN_USERNAME ? { username } : {}),
        source: 'docker-credential-helper',
        helper: store,
      });
    }
  }

  const auths = objectField(config, 'auths') ?? {};
  for (const key of Object.keys(auths)) {
    const cred = decodeAuthEntry(objectField(auths, key));
    // Entries without a secret are markers Docker writes next to helper-held logins.
    if (!cred) continue;
    add({
      registry: registryHost(key),
      ...(cred.username ? { username: cred.username } : {}),
      source: 'docker-config',
    });
  }
  return out;
}

/** Where a login was saved: a file (inline base64) or a credential helper. */
export interface SavedLogin {
  registry: string;
  /** The key used in config.json / passed to the helper as ServerURL. */
  key: string;
  path?: string;
  helper?: string;
}

/**
 * Saves a login where `docker login` would: through the registry's `credHelpers` entry or the global
 * `credsStore` when one is set (leaving an empty `auths` marker, as Docker does), else as base64
 * `user:password` in `auths`. Other keys of config.json are kept as they are.
 */
export async function dockerLogin(
  registry: string,
  login: { username: string; password: string },
  opts: CredentialOptions = {},
): Promise<SavedLogin> {
  const path = dockerConfigPath(opts);
  const config = (await readJsonObject(path)) ?? {};
  const auths = { ...(objectField(config, 'auths') ?? {}) };
  // Replace any differently spelled key for the same registry so lookups are not ambiguous.
  for (const k of Object.keys(auths)) if (keyMatchesRegistry(k, registry)) delete auths[k];
  const key = dockerConfigKey(registry);
  const helper = helperFor(config, registry);
  if (helper) {
    await helperStore(
      helper.name,
      { ServerURL: key, Username: login.username, Secret: login.password },
      helperOpts(opts),
    );
    auths[key] = {};
    await writeJsonAtomic(path, { ...config, auths });
    return { registry: registryHost(registry), key, helper: helper.name };
  }
  auths[key] = { auth: Buffer.from(`${login.username}:${login.password}`, 'utf8').toString('base64') };
  await writeJsonAtomic(path, { ...config, auths });
  return { registry: registryHost(registry), key, path };
}

/** Removes a login from config.json and from the helper that holds it. Returns whether anything was removed. */
export async function dockerLogout(
  registry: string,
  opts: CredentialOptions = {},
): Promise<{ removed: boolean; path?: string; helper?: string }> {
  const path = dockerConfigPath(opts);
  const config = await readJsonObject(path);
  if (!config) return { removed: false };
  let removed = false;
  let helperName: string | undefined;
  const helper = helperFor(config, registry);
  if (helper) {
    const key = dockerConfigKey(registry);
    const urls = key.includes('://') ? [key] : [key, `https://${key}`];
    for (const url of urls) {
      if (await helperErase(helper.name, url, helperOpts(opts))) {
        removed = true;
        helperName = helper.name;
      }
    }
  }
  const auths = objectField(config, 'auths');
  let fileChanged = false;
  if (auths) {
    const kept = { ...auths };
    for (const k of Object.keys(kept)) {
      if (keyMatchesRegistry(k, registry)) {
        if (decodeAuthEntry(objectField(kept, k))) removed = true;
        delete kept[k];
        fileChanged = true;
      }
    }
    if (fileChanged) await writeJsonAtomic(path, { ...config, auths: kept });
  }
  return {
    removed,
    ...(fileChanged ? { path } : {}),
    ...(helperName ? { helper: helperName } : {}),
  };
}
