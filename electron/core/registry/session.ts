/**
 * What the client's operation modules (downloads, uploads, tag/delete) share: an authenticated `send` and
 * the error mapping. Kept separate so each operation lives in its own file without importing the client.
 */
import type { Authenticator } from './auth';
import { LadingError } from './errors';
import { isValidDigest } from './reference';
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

/** What may appear in one segment after the repository: tags, digests (`sha256:…`), `list`, `uploads`. */
const SAFE_SEGMENT = /^[A-Za-z0-9_:+=-][A-Za-z0-9._:+=-]*$/;

/**
 * `/v2/<repository>/<rest>`; repository slashes are path separators, so they are not encoded. `rest` often
 * carries a tag or digest from the renderer or from a (possibly hostile) manifest: a `..` segment or a `?`
 * there would make the URL resolve to another endpoint (`manifests/../../_catalog` is `/v2/_catalog`) with
 * this repository's credentials attached, so anything but a plain tag/digest segment is refused here.
 */
export function v2Path(repository: string, rest: string): string {
  const segments = rest.split('/');
  for (const [i, segment] of segments.entries()) {
    const trailingSlash = segment === '' && i === segments.length - 1 && i > 0;
    // A segment with ':' is a digest and must be a well-formed one (registries answer 500 to `sha256:zz`).
    if (
      !trailingSlash &&
      (!SAFE_SEGMENT.test(segment) || (segment.includes(':') && !isValidDigest(segment)))
    ) {
      throw new LadingError('invalid-reference', `"${rest.slice(0, 100)}" is not a valid tag or digest.`, {
        hint: 'A tag is letters, digits, _ . - (up to 128, not starting with . or -); a digest is like sha256:<64 hex>.',
      });
    }
  }
  return `/v2/${repository}/${rest}`;
}
