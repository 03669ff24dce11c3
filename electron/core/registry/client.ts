/**
 * RegistryClient: one registry, all OCI Distribution operations. Requests go through the Authenticator
 * (scopes per operation) and the Transport (redirects, retries); downloads, uploads and tag/delete
 * semantics live in their own modules and receive this client as a RegistrySession.
 */
import type { Readable } from 'node:stream';
import { Authenticator, isGitHubRegistry, type LoginHints, type PingResult } from './auth';
import { type OpenBlobOptions, openBlob, readBlob } from './blob-download';
import type { Credential, CredentialProvider } from './credential-types';
import { algorithmOf, digestOf, verifyDigest } from './digest';
import { LadingError } from './errors';
import { header, mediaTypeOf, nextLink } from './headers';
import { type Descriptor, type ImageConfig, isIndex, type Manifest } from './manifest';
import { MANIFEST_ACCEPT, MediaType } from './mediatypes';
import { isValidDigest, registryBaseUrl, validateRepository } from './reference';
import { CATALOG_SCOPE, operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import {
  parseJsonBody,
  type Response,
  readBytes,
  readJson,
  type SendRequest,
  type StatusContext,
  Transport,
} from './transport';
import type { Dispatcher } from './undici-core';
import { type BlobSource, type UploadBlobOptions, uploadBlob } from './upload';

export type { OpenBlobOptions } from './blob-download';
export type { CallOptions } from './session';
export type { BlobSource, UploadBlobOptions } from './upload';

export interface RegistryClientOptions {
  /** Host[:port] as in references, e.g. "ghcr.io", "127.0.0.1:5000", "docker.io". */
  registry: string;
  /** Plain HTTP (loopback registries always use HTTP). */
  insecure?: boolean;
  credentials?: Credential | CredentialProvider;
  userAgent?: string;
  /** Upload chunk size; default 16 MiB. */
  chunkSize?: number;
  /** Largest chunk the registry accepts; ghcr.io: 4 MiB. */
  maxChunkSize?: number;
  retries?: number;
  /** First retry delay in ms (tests shorten it). */
  retryBaseMs?: number;
  /** Allow sending credentials to a token realm on another host. */
  allowCrossHostRealm?: boolean;
  /** The `unauthorized` hints in the front end's words (default: neutral wording). */
  loginHints?: LoginHints;
  /** Override the base URL (e.g. to go through a proxy in tests); the registry name stays as given. */
  baseUrl?: string;
  /** Longest wait for a response's headers, ms; default 60 s (see TransportOptions). */
  headersTimeoutMs?: number;
  /** Longest gap between body chunks, ms; default 60 s. Not a total limit: large layers take long. */
  bodyTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface ManifestResult {
  digest: string;
  mediaType: string;
  size: number;
  bytes: Buffer;
  manifest: Manifest;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/** One page of `/v2/_catalog`; `next` is the cursor of the following page, absent on the last. */
export interface CatalogPage {
  repositories: string[];
  next?: string;
}

export interface PageOptions extends CallOptions {
  pageSize?: number;
  onPage?(items: string[]): void;
}

export const MANIFEST_LIMIT = 4 * 1024 * 1024;
const CONFIG_LIMIT = 8 * 1024 * 1024;
const LIST_PAGE_LIMIT = 32 * 1024 * 1024;
const MAX_PAGES = 100_000;
/** Repositories asked for per catalog page (distribution's default cap; larger asks get a 400). */
const CATALOG_PAGE_SIZE = 1000;
const DEFAULT_CHUNK = 16 * 1024 * 1024;
/** Registries known to refuse larger PATCH bodies. */
const KNOWN_MAX_CHUNK: Record<string, number> = { 'ghcr.io': 4 * 1024 * 1024 };

export class RegistryClient implements RegistrySession {
  readonly registry: string;
  readonly transport: Transport;
  readonly auth: Authenticator;
  readonly retries: number;
  readonly chunkSize: number;
  readonly maxChunkSize?: number;

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.retries = opts.retries ?? 3;
    this.transport = new Transport({
      baseUrl: opts.baseUrl ?? registryBaseUrl(opts.registry, opts.insecure),
      userAgent: opts.userAgent,
      retries: this.retries,
      retryBaseMs: opts.retryBaseMs,
      headersTimeoutMs: opts.headersTimeoutMs,
      bodyTimeoutMs: opts.bodyTimeoutMs,
      dispatcher: opts.dispatcher,
    });
    this.auth = new Authenticator({
      registry: opts.registry,
      transport: this.transport,
      credentials: opts.credentials,
      allowCrossHostRealm: opts.allowCrossHostRealm,
      loginHints: opts.loginHints,
    });
    this.maxChunkSize = opts.maxChunkSize ?? KNOWN_MAX_CHUNK[opts.registry];
    this.chunkSize = Math.min(opts.chunkSize ?? DEFAULT_CHUNK, this.maxChunkSize ?? Number.POSITIVE_INFINITY);
  }

  // --- RegistrySession -------------------------------------------------------------------------------

  send(req: SendRequest, scopes: readonly string[]): Promise<Response> {
    return this.auth.send(req, scopes);
  }

  error(res: Response, scopes: readonly string[], ctx?: StatusContext): Promise<LadingError> {
    return this.auth.responseError(res, scopes, ctx);
  }

  // --- basics ----------------------------------------------------------------------------------------

  ping(opts: CallOptions = {}): Promise<PingResult> {
    return this.auth.ping(opts.signal);
  }

  /** Every repository in the registry (follows Link pagination, pages of up to 1,000). */
  async catalog(opts: PageOptions = {}): Promise<string[]> {
    return this.paginate(
      this.catalogUrl(opts.pageSize),
      'repositories',
      [CATALOG_SCOPE],
      opts,
      'list repositories',
    );
  }

  /**
   * One page of the catalog, for callers that show pages as they arrive. `cursor` is the `next` of the
   * previous page: an opaque string to the caller, checked here to be this registry's own `_catalog` so that
   * whoever hands it back (the renderer) cannot point the client at another URL.
   */
  async catalogPage(opts: CallOptions & { cursor?: string; pageSize?: number } = {}): Promise<CatalogPage> {
    const url =
      opts.cursor === undefined ? this.catalogUrl(opts.pageSize) : this.catalogCursorUrl(opts.cursor);
    const page = await this.listPage(url, 'repositories', [CATALOG_SCOPE], opts.signal, 'list repositories');
    const next = page.next && page.items.length > 0 ? page.next.pathname + page.next.search : undefined;
    return { repositories: page.items, ...(next && next !== opts.cursor ? { next } : {}) };
  }

  /** Every tag of a repository (follows Link pagination; `tags: null` is an empty list). */
  async tags(repository: string, opts: PageOptions = {}): Promise<string[]> {
    validateRepository(repository);
    const url = this.transport.resolve(v2Path(repository, 'tags/list'));
    if (opts.pageSize !== undefined) url.searchParams.set('n', String(opts.pageSize));
    return this.paginate(
      url,
      'tags',
      [operationScope(repository, 'pull')],
      opts,
      `list tags of ${repository}`,
    );
  }

  /**
   * The first catalog page's URL. distribution answers 100 repositories per page unless asked for more and
   * walks its whole storage tree for every page, so fewer, larger pages list 20,000 repositories in seconds
   * instead of half a minute; 1,000 is its default cap (`catalog.maxentries`).
   */
  private catalogUrl(pageSize = CATALOG_PAGE_SIZE): URL {
    const url = this.transport.resolve('/v2/_catalog');
    url.searchParams.set('n', String(pageSize));
    return url;
  }

  private catalogCursorUrl(cursor: string): URL {
    const base = this.transport.resolve('/v2/_catalog');
    let url: URL | undefined;
    try {
      url = new URL(cursor, base);
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== base.origin || url.pathname !== base.pathname || url.hash !== '') {
      throw new LadingError('invalid-input', 'The catalog page cursor is not a page of this registry.', {
        hint: 'Reload the repository list.',
      });
    }
    return url;
  }

  /** GET one page of a list: its entries and the `Link: rel="next"` URL, if any. */
  private async listPage(
    url: URL,
    key: 'repositories' | 'tags',
    scopes: readonly string[],
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<{ items: string[]; next?: URL }> {
    let res = await this.send({ method: 'GET', url, signal }, scopes);
    if (res.status === 400 && key === 'repositories' && url.searchParams.has('n')) {
      // A registry capping `n` below what we asked (PAGINATION_NUMBER_INVALID): its own page size then.
      await res.body.dump().catch(() => {});
      url = new URL(url);
      url.searchParams.delete('n');
      res = await this.send({ method: 'GET', url, signal }, scopes);
    }
    if (res.status !== 200) {
      if (key === 'repositories' && (res.status === 404 || res.status === 405)) {
        await res.body.dump().catch(() => {});
        // ghcr.io, docker.pkg.github.com, Docker Hub and most clouds have no _catalog.
        throw new LadingError(
          'unsupported',
          `${this.registry} does not offer a repository list (/v2/_catalog).`,
          {
            status: res.status,
            hint: isGitHubRegistry(this.registry)
              ? 'List GitHub packages through the GitHub API instead (an owner and a token with read:packages).'
              : 'Open a repository by name instead.',
          },
        );
      }
      throw await this.error(res, scopes, { what, notFound: 'name-unknown' });
    }
    const { value } = await readJson<Record<string, unknown>>(res, LIST_PAGE_LIMIT, what);
    const items = value?.[key];
    if (items !== null && items !== undefined && !Array.isArray(items)) {
      throw new LadingError('protocol-error', `${this.registry} answered ${what} with a malformed list.`);
    }
    return {
      items: (items ?? []).filter((x): x is string => typeof x === 'string'),
      next: nextLink(res.headers.link, res.url),
    };
  }

  private async paginate(
    first: URL,
    key: 'repositories' | 'tags',
    scopes: string[],
    opts: PageOptions,
    what: string,
  ): Promise<string[]> {
    let url: URL | undefined = first;
    const seen = new Set<string>();
    const known = new Set<string>();
    const all: string[] = [];
    while (url && !seen.has(url.href)) {
      seen.add(url.href);
      const { items: page, next } = await this.listPage(url, key, scopes, opts.signal, what);
      // Links that change but never advance (same entries again) would loop forever with distinct URLs.
      if (page.length > 0 && page.every((x) => known.has(x))) {
        throw new LadingError(
          'protocol-error',
          `${this.registry} sent the same entries again while trying to ${what}.`,
          {
            hint: "The registry's pagination is broken; try again later or report it to the registry operator.",
          },
        );
      }
      if (seen.size > MAX_PAGES) {
        throw new LadingError(
          'too-large',
          `${this.registry} sent more than ${MAX_PAGES} pages while trying to ${what}.`,
        );
      }
      for (const x of page) known.add(x);
      all.push(...page);
      opts.onPage?.(page);
      url = page.length === 0 ? undefined : next;
      // A next link back to a page already fetched is a broken or hostile registry; stopping silently would
      // show a truncated list as if it were complete, so say so.
      if (url && seen.has(url.href)) {
        throw new LadingError(
          'protocol-error',
          `${this.registry} sent a pagination Link back to a page already fetched (${url.pathname}) while trying to ${what}.`,
          {
            hint: "The registry's pagination is broken; try again later or report it to the registry operator.",
          },
        );
      }
    }
    return all;
  }

  // --- manifests -------------------------------------------------------------------------------------

  async getManifest(repository: string, reference: string, opts: CallOptions = {}): Promise<ManifestResult> {
    validateRepository(repository);
    const scopes = [operationScope(repository, 'pull')];
    const what = `get manifest ${repository}:${reference}`;
    const res = await this.send(
      {
        method: 'GET',
        url: v2Path(repository, `manifests/${reference}`),
        headers: { accept: MANIFEST_ACCEPT },
        signal: opts.signal,
      },
      scopes,
    );
    if (res.status !== 200) throw await this.error(res, scopes, { what, notFound: 'manifest-unknown' });
    const bytes = await readBytes(res, MANIFEST_LIMIT, 'manifest');
    const what2 = `The manifest ${repository}@${reference}`;
    let digest: string;
    if (isValidDigest(reference)) {
      digest = verifyDigest(bytes, reference, what2);
    } else {
      const claimed = header(res.headers, 'docker-content-digest');
      digest = claimed && isValidDigest(claimed) ? verifyDigest(bytes, claimed, what2) : digestOf(bytes);
    }
    const manifest = parseJsonBody<Manifest>(bytes, res, 'manifest');
    if (!manifest || typeof manifest !== 'object')
      throw new LadingError('protocol-error', `${what2} is not a JSON object.`);
    if ((manifest as { schemaVersion?: number }).schemaVersion === 1) {
      throw new LadingError(
        'unsupported',
        `${repository}:${reference} uses the old Docker schema 1 manifest format.`,
        {
          hint: 'Re-push the image with a current tool to convert it to schema 2 / OCI.',
        },
      );
    }
    const mediaType = resolveMediaType(mediaTypeOf(header(res.headers, 'content-type')), manifest, what2);
    return { digest, mediaType, size: bytes.length, bytes, manifest };
  }

  /** HEAD a manifest (does not count against Docker Hub pull limits); undefined when it does not exist. */
  async headManifest(
    repository: string,
    reference: string,
    opts: CallOptions = {},
  ): Promise<ManifestHead | undefined> {
    validateRepository(repository);
    const scopes = [operationScope(repository, 'pull')];
    const res = await this.send(
      {
        method: 'HEAD',
        url: v2Path(repository, `manifests/${reference}`),
        headers: { accept: MANIFEST_ACCEPT },
        signal: opts.signal,
      },
      scopes,
    );
    await res.body.dump().catch(() => {});
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw await this.error(res, scopes, {
        what: `check manifest ${repository}:${reference}`,
        notFound: 'manifest-unknown',
      });
    const digest = header(res.headers, 'docker-content-digest');
    const mediaType = mediaTypeOf(header(res.headers, 'content-type'));
    const size = Number(header(res.headers, 'content-length'));
    if (!digest || !isValidDigest(digest) || !mediaType || !Number.isFinite(size)) {
      // Registries that leave out Docker-Content-Digest on HEAD: fall back to a GET.
      const full = await this.getManifest(repository, reference, opts);
      return { digest: full.digest, mediaType: full.mediaType, size: full.size };
    }
    if (isValidDigest(reference) && digest !== reference) {
      throw new LadingError(
        'digest-mismatch',
        `${this.registry} answered HEAD ${repository}@${reference} with digest ${digest}.`,
      );
    }
    return { digest, mediaType, size };
  }

  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts: CallOptions = {},
  ): Promise<{ digest: string }> {
    validateRepository(repository);
    const scopes = [operationScope(repository, 'push')];
    const digest = isValidDigest(reference)
      ? verifyDigest(bytes, reference, 'The manifest being pushed')
      : digestOf(bytes);
    const res = await this.send(
      {
        method: 'PUT',
        url: v2Path(repository, `manifests/${reference}`),
        headers: { 'content-type': mediaType },
        body: bytes,
        signal: opts.signal,
      },
      scopes,
    );
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) {
      throw await this.error(res, scopes, {
        what: `push manifest ${repository}:${reference}`,
        notFound: 'name-unknown',
      });
    }
    await res.body.dump().catch(() => {});
    const claimed = header(res.headers, 'docker-content-digest');
    if (claimed && isValidDigest(claimed) && algorithmOf(claimed) === 'sha256' && claimed !== digest) {
      throw new LadingError(
        'digest-mismatch',
        `${this.registry} stored the manifest under ${claimed}, but its bytes hash to ${digest}.`,
      );
    }
    return { digest };
  }

  async deleteManifest(repository: string, digest: string, opts: CallOptions = {}): Promise<void> {
    validateRepository(repository);
    const scopes = [operationScope(repository, 'delete')];
    const res = await this.send(
      { method: 'DELETE', url: v2Path(repository, `manifests/${digest}`), signal: opts.signal },
      scopes,
    );
    if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
      throw await this.error(res, scopes, {
        what: `delete manifest ${repository}@${digest}`,
        notFound: 'manifest-unknown',
      });
    }
    await res.body.dump().catch(() => {});
  }

  // --- blobs -----------------------------------------------------------------------------------------

  async getConfig(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    opts: CallOptions = {},
  ): Promise<{ bytes: Buffer; config: ImageConfig }> {
    validateRepository(repository);
    const bytes = await readBlob(this, repository, descriptor, CONFIG_LIMIT, opts);
    let config: ImageConfig;
    try {
      config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    } catch {
      throw new LadingError(
        'protocol-error',
        `The image config ${descriptor.digest} in ${repository} is not valid JSON.`,
      );
    }
    return { bytes, config };
  }

  async blobExists(repository: string, digest: string, opts: CallOptions = {}): Promise<boolean> {
    validateRepository(repository);
    const scopes = [operationScope(repository, 'pull')];
    const res = await this.send(
      { method: 'HEAD', url: v2Path(repository, `blobs/${digest}`), signal: opts.signal },
      scopes,
    );
    await res.body.dump().catch(() => {});
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.error(res, scopes, { what: `check blob ${digest}`, notFound: 'blob-unknown' });
  }

  openBlob(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    opts: OpenBlobOptions = {},
  ): Promise<Readable> {
    validateRepository(repository);
    return openBlob(this, repository, descriptor, opts);
  }

  /** Cross-repository mount. 201 = mounted; 202 = the registry opened an upload instead (cancelled here). */
  async mountBlob(
    repository: string,
    digest: string,
    fromRepository: string,
    opts: CallOptions = {},
  ): Promise<boolean> {
    validateRepository(repository);
    validateRepository(fromRepository);
    const scopes = [operationScope(repository, 'push'), operationScope(fromRepository, 'pull')];
    const url = this.transport.resolve(v2Path(repository, 'blobs/uploads/'));
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const res = await this.send(
      { method: 'POST', url, headers: { 'content-length': '0' }, signal: opts.signal, idempotent: true },
      scopes,
    );
    await res.body.dump().catch(() => {});
    if (res.status === 201) return true;
    if (res.status === 202) {
      const loc = header(res.headers, 'location');
      if (loc) {
        const del = await this.send(
          { method: 'DELETE', url: new URL(loc, res.url), retries: 0 },
          scopes,
        ).catch(() => undefined);
        await del?.body.dump().catch(() => {});
      }
      return false;
    }
    throw await this.error(res, scopes, {
      what: `mount ${digest} from ${fromRepository}`,
      notFound: 'name-unknown',
    });
  }

  uploadBlob(
    repository: string,
    source: BlobSource,
    opts: UploadBlobOptions = {},
  ): Promise<{ digest: string; size: number }> {
    validateRepository(repository);
    return uploadBlob(
      this,
      repository,
      source,
      { chunkSize: this.chunkSize, maxChunkSize: this.maxChunkSize },
      opts,
    );
  }
}

/**
 * The manifest's media type: Content-Type (parameters stripped) must agree with the manifest's own
 * `mediaType` field when both are present; generic JSON types fall back to the field or the shape.
 */
function resolveMediaType(contentType: string | undefined, manifest: Manifest, what: string): string {
  const field = typeof manifest.mediaType === 'string' ? manifest.mediaType : undefined;
  const generic =
    !contentType ||
    contentType === 'application/json' ||
    contentType === 'text/plain' ||
    contentType === 'application/octet-stream';
  if (!generic && field && field !== contentType) {
    throw new LadingError(
      'protocol-error',
      `${what} says its media type is ${field} but was served as ${contentType}.`,
      {
        hint: 'The registry or the image is inconsistent; re-push the image.',
      },
    );
  }
  if (!generic) return contentType;
  if (field) return field;
  return isIndex(manifest) ? MediaType.ociIndex : MediaType.ociManifest;
}
