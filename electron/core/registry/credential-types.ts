/**
 * What the registry client needs to authenticate. `electron/core/credentials/` produces these from Docker's
 * config.json, credential helpers, Podman's auth.json or a saved connection.
 */
export type Credential = {
  username?: string;
  password?: string;
  /** Docker's `identitytoken`: an OAuth2 refresh token exchanged with `grant_type=refresh_token`. */
  identityToken?: string;
  /** Docker's `registrytoken`: a bearer token sent to the registry as is. */
  registryToken?: string;
};

/** Looks up the credential for a registry host (e.g. "ghcr.io", "localhost:5000"); undefined = anonymous. */
export type CredentialProvider = (registry: string) => Promise<Credential | undefined>;
