/**
 * RegistryClient: one registry, all OCI Distribution operations. Requests go through the Authenticator
 * (scopes per operation) and the Transport (redirects, retries). The operations live in their own modules
 * (listing, manifests, blobs, blob-download, upload; tag/delete in tagging.ts) and receive this client as a
 * RegistrySession; this class composes them under one name for the callers.
 */
import type { Readable } from 'node:stream';
import { Authenticator, type LoginHints, type PingResult } from './auth';
import { type OpenBlobOptions, openBlob } from './blob-download';
import { openBlobRanged } from './blob-download-ranged';
import { blobExists, getConfig, mountBlob } from './blobs';
import type { Credential, CredentialProvider } from './credential-types';
import type { LadingError } from './errors';
import { type CatalogPage, listCatalog, listCatalogPage, listTags, type PageOptions } from './listing';
import type { Descriptor, ImageConfig } from './manifest';
import {
  deleteManifest,
  getManifest,
  headManifest,
  type ManifestHead,
  type ManifestResult,
  putManifest,
} from './manifests';
import type { Digest, ManifestReference, RepositoryName } from './names';
import { registryBaseUrl } from './reference';
import type { CallOptions, RegistrySession } from './session';
import { type Response, type SendRequest, type StatusContext, Transport } from './transport';
import type { Dispatcher } from './undici-core';
import { type BlobSource, type UploadBlobOptions, uploadBlob } from './upload';
import type { SinglePostSupport } from './upload-single';

export type { OpenBlobOptions } from './blob-download';
export type { CatalogPage, PageOptions } from './listing';
export type { ManifestHead, ManifestResult } from './manifests';
export { MANIFEST_LIMIT } from './manifests';
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
  /** Whether the registry takes a small blob in one POST, learnt by the first small upload. */
  readonly singlePost: SinglePostSupport = { state: 'unknown' };

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
  catalog(opts: PageOptions = {}): Promise<string[]> {
    return listCatalog(this, opts);
  }

  /**
   * One page of the catalog, for callers that show pages as they arrive. `cursor` is the `next` of the
   * previous page: an opaque string to the caller, checked to be this registry's own `_catalog` so that
   * whoever hands it back (the renderer) cannot point the client at another URL.
   */
  catalogPage(opts: CallOptions & { cursor?: string; pageSize?: number } = {}): Promise<CatalogPage> {
    return listCatalogPage(this, opts);
  }

  /** Every tag of a repository (follows Link pagination; `tags: null` is an empty list). */
  tags(repository: RepositoryName, opts: PageOptions = {}): Promise<string[]> {
    return listTags(this, repository, opts);
  }

  // --- manifests -------------------------------------------------------------------------------------

  getManifest(
    repository: RepositoryName,
    reference: ManifestReference,
    opts: CallOptions = {},
  ): Promise<ManifestResult> {
    return getManifest(this, repository, reference, opts);
  }

  /** HEAD a manifest (does not count against Docker Hub pull limits); undefined when it does not exist. */
  headManifest(
    repository: RepositoryName,
    reference: ManifestReference,
    opts: CallOptions = {},
  ): Promise<ManifestHead | undefined> {
    return headManifest(this, repository, reference, opts);
  }

  putManifest(
    repository: RepositoryName,
    reference: ManifestReference,
    bytes: Buffer,
    mediaType: string,
    opts: CallOptions = {},
  ): Promise<{ digest: Digest }> {
    return putManifest(this, repository, reference, bytes, mediaType, opts);
  }

  deleteManifest(repository: RepositoryName, digest: Digest, opts: CallOptions = {}): Promise<void> {
    return deleteManifest(this, repository, digest, opts);
  }

  // --- blobs -----------------------------------------------------------------------------------------

  getConfig(
    repository: RepositoryName,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    opts: CallOptions = {},
  ): Promise<{ bytes: Buffer; config: ImageConfig }> {
    return getConfig(this, repository, descriptor, opts);
  }

  blobExists(repository: RepositoryName, digest: Digest, opts: CallOptions = {}): Promise<boolean> {
    return blobExists(this, repository, digest, opts);
  }

  openBlob(
    repository: RepositoryName,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    opts: OpenBlobOptions = {},
  ): Promise<Readable> {
    return (opts.streams ?? 1) > 1
      ? openBlobRanged(this, repository, descriptor, opts)
      : openBlob(this, repository, descriptor, opts);
  }

  /** Cross-repository mount. 201 = mounted; 202 = the registry opened an upload instead (cancelled here). */
  mountBlob(
    repository: RepositoryName,
    digest: Digest,
    fromRepository: RepositoryName,
    opts: CallOptions = {},
  ): Promise<boolean> {
    return mountBlob(this, repository, digest, fromRepository, opts);
  }

  uploadBlob(
    repository: RepositoryName,
    source: BlobSource,
    opts: UploadBlobOptions = {},
  ): Promise<{ digest: Digest; size: number }> {
    return uploadBlob(
      this,
      repository,
      source,
      { chunkSize: this.chunkSize, maxChunkSize: this.maxChunkSize, singlePost: this.singlePost },
      opts,
    );
  }
}
