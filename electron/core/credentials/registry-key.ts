/**
 * How credential files name registries. Docker keys its `auths` and `credHelpers` by whatever the user
 * typed at `docker login` (`ghcr.io`, `https://ghcr.io`, `http://localhost:5000/v2/`), except Docker Hub,
 * which is always `https://index.docker.io/v1/`. Docker compares by hostname (scheme and path stripped);
 * we do the same, and also treat Docker Hub's several host names as one.
 */

/** The key Docker's CLI writes for Docker Hub. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const DOCKER_HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * The host part of a registry name or config key, lowercased, with scheme, path and trailing slash
 * removed, and Docker Hub's aliases folded into `docker.io`.
 */
export function registryHost(nameOrKey: string): string {
  let s = nameOrKey.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  return DOCKER_HUB_HOSTS.has(s) ? 'docker.io' : s;
}

/** For Podman keys (`registry/namespace/repo`): the path after the host, without slashes at either end. */
export function registryKeyPath(key: string): string {
  const s = key.trim().replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '');
  const slash = s.indexOf('/');
  return slash < 0 ? '' : s.slice(slash + 1).replace(/\/+$/, '');
}

/** Whether a config key names the given registry (compared by host, as Docker's CLI does). */
export function keyMatchesRegistry(key: string, registry: string): boolean {
  return registryHost(key) === registryHost(registry);
}

/** The key Docker's CLI would write for a registry: Docker Hub's legacy URL, else the bare host. */
export function dockerConfigKey(registry: string): string {
  const host = registryHost(registry);
  return host === 'docker.io' ? DOCKER_HUB_KEY : host;
}

/**
 * The config key to use for a registry among existing keys: an exact match first, then any key with the
 * same host (the lookup order of Docker's file store).
 */
export function findKey(keys: Iterable<string>, registry: string): string | undefined {
  const all = [...keys];
  const wanted = dockerConfigKey(registry);
  if (all.includes(wanted)) return wanted;
  if (all.includes(registry)) return registry;
  return all.find((k) => keyMatchesRegistry(k, registry));
}
