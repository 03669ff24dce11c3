/**
 * What the services need from a registry client, as a narrow interface. `registry-adapter.ts` maps the
 * registry core's `RegistryClient` onto it; tests and the job manager depend on this shape only, so the core
 * can evolve without rippling through every handler.
 */
import type { ImageConfig, Manifest } from '../../core/registry/manifest';

export type AuthScheme = 'none' | 'basic' | 'bearer';

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestHead {
  manifest: Manifest;
  /** The bytes as served (their sha256 is the digest). */
  raw: Buffer;
}

export interface FetchedConfig {
  config: ImageConfig;
  raw: Buffer;
}

export interface RegistryPort {
  readonly registry: string;
  ping(signal?: AbortSignal): Promise<{ authScheme: AuthScheme }>;
  catalog(signal?: AbortSignal): Promise<string[]>;
  /** One catalog page; `cursor` is the previous page's `next`. */
  catalogPage(
    cursor: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ repositories: string[]; next?: string }>;
  tags(repository: string, signal?: AbortSignal): Promise<string[]>;
  headManifest(repository: string, reference: string, signal?: AbortSignal): Promise<ManifestHead>;
  getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  getConfig(
    repository: string,
    descriptor: { digest: string; size: number },
    signal?: AbortSignal,
  ): Promise<FetchedConfig>;
  deleteTag(repository: string, tag: string, signal?: AbortSignal): Promise<void>;
  deleteDigest(repository: string, digest: string, signal?: AbortSignal): Promise<void>;
  /** Point target at source's manifest; across repositories the blobs are mounted, nothing downloaded. */
  tag(
    source: { repository: string; reference: string },
    target: { repository: string; tag: string },
    signal?: AbortSignal,
  ): Promise<{ digest: string }>;
}
