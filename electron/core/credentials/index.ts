/**
 * Credentials from where users already have them: Docker's config.json (inline, credsStore, credHelpers)
 * and Podman's auth.json. And `login`/`logout`, which write where `docker login` would.
 *
 * Lookup order. Docker reads only its own config; containers tools (podman, skopeo) read auth.json first and
 * fall back to Docker's config. We follow Docker's order (config.json, then auth.json) because most users
 * have Docker logins, except when `REGISTRY_AUTH_FILE` is set: then the user has asked explicitly for that
 * file, so it is read first, as containers tools do.
 */
import type { Credential, CredentialProvider } from '../registry/credential-types';
import {
  type CredentialListing,
  type CredentialOptions,
  dockerCredential,
  dockerLogin,
  dockerLogout,
  type FoundCredential,
  listDockerCredentials,
  type SavedLogin,
} from './docker-config';
import { listPodmanCredentials, podmanCredential } from './podman-auth';

export type {
  CredentialListing,
  CredentialOptions,
  CredentialSource,
  FoundCredential,
  SavedLogin,
} from './docker-config';
export { dockerConfigPath } from './docker-config';
export { podmanAuthPaths } from './podman-auth';
export { DOCKER_HUB_KEY, dockerConfigKey, registryHost } from './registry-key';

/** The credential for a registry (and repository, for namespaced auth.json keys), with where it came from. */
export async function findMachineCredential(
  registry: string,
  repository?: string,
  opts: CredentialOptions = {},
): Promise<FoundCredential | undefined> {
  const env = opts.env ?? process.env;
  const lookups = [
    () => dockerCredential(registry, opts),
    () => podmanCredential(registry, repository, opts),
  ];
  if (env.REGISTRY_AUTH_FILE) lookups.reverse();
  for (const lookup of lookups) {
    const found = await lookup();
    if (found) return found;
  }
  return undefined;
}

/**
 * A CredentialProvider over this machine's Docker and Podman logins. Files are read on every call, so a
 * `docker login` made while Lading runs is picked up. The optional second argument lets callers that know
 * the repository match Podman's namespaced keys.
 */
export function machineCredentials(
  opts: CredentialOptions = {},
): CredentialProvider & ((registry: string, repository?: string) => Promise<Credential | undefined>) {
  return async (registry: string, repository?: string) =>
    (await findMachineCredential(registry, repository, opts))?.credential;
}

/** Every stored login on this machine, without secrets, in lookup order. */
export async function listMachineCredentials(opts: CredentialOptions = {}): Promise<CredentialListing[]> {
  const env = opts.env ?? process.env;
  const docker = await listDockerCredentials(opts);
  const podman = await listPodmanCredentials(opts);
  return env.REGISTRY_AUTH_FILE ? [...podman, ...docker] : [...docker, ...podman];
}

/**
 * Saves a login where Docker's CLI would (see dockerLogin). It does not check the password: callers verify
 * it against the registry first, so a wrong password never gets saved.
 */
export function login(
  registry: string,
  credentials: { username: string; password: string },
  opts: CredentialOptions = {},
): Promise<SavedLogin> {
  return dockerLogin(registry, credentials, opts);
}

/** Removes a login from Docker's config.json and its credential helper. */
export function logout(
  registry: string,
  opts: CredentialOptions = {},
): Promise<{ removed: boolean; path?: string; helper?: string }> {
  return dockerLogout(registry, opts);
}
