/**
 * What the client's operation modules (downloads, uploads, tag/delete) share: an authenticated `send` and
 * the error mapping. Kept separate so each operation lives in its own file without importing the client.
 */
import type { Authenticator } from './auth';
import type { LadingError } from './errors';
import type { Response, SendRequest, StatusContext, Transport } from './transport';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface RegistrySession {
  registry: string;
  transport: Transport;
  auth: Authenticator;
  retries: number;
  /** Authenticated request for these scopes (re-auth once on 401). */
  send(req: SendRequest, scopes: readonly string[]): Promise<Response>;
  /** The specific LadingError for an unsuccessful response (reads the error body). */
  error(res: Response, scopes: readonly string[], ctx?: StatusContext): Promise<LadingError>;
}

/** `/v2/<repository>/<rest>`; repository slashes are path separators, so they are not encoded. */
export function v2Path(repository: string, rest: string): string {
  return `/v2/${repository}/${rest}`;
}
