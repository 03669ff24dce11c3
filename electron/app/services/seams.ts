/**
 * Seams to modules other engineers own. The services call these interfaces; `defaults.ts` wires the real
 * implementations (registry core, transfer pipelines, GitHub module). Tests may pass their own.
 */
import type { Connection, RepositoriesResult, TransferProgress } from '../../../shared/types';
import type { JobOutcome } from '../../core/jobs/manager';
import type { Credential } from '../../core/registry/credential-types';
import type { RegistryPort } from './registry-port';

/** A connection with the credential it should use (already resolved from the secret store or the machine). */
export interface ConnectionAccess {
  connection: Connection;
  credential?: Credential;
}

export type RegistryFactory = (access: ConnectionAccess) => RegistryPort;

export interface PushArgs extends ConnectionAccess {
  archivePath: string;
  target: { repository: string; tag: string };
  image?: string;
  platform?: string;
  compression?: 'gzip' | 'zstd' | 'none';
  signal: AbortSignal;
  onProgress(p: TransferProgress): void;
}

export interface PullArgs extends ConnectionAccess {
  repository: string;
  reference: string;
  outputPath: string;
  format: 'docker' | 'oci';
  platform?: string;
  allPlatforms?: boolean;
  signal: AbortSignal;
  onProgress(p: TransferProgress): void;
}

export interface TransferPipelines {
  push(args: PushArgs): Promise<JobOutcome>;
  pull(args: PullArgs): Promise<JobOutcome>;
}

/** What the registry services need from the GitHub module (`electron/app/services/github.ts`). */
export interface GithubSeam {
  /** Packages of the connection's owner, as repositories, a page at a time (`cursor` from the last `next`). */
  repositories(access: ConnectionAccess, cursor?: string): Promise<RepositoriesResult>;
  /** Classic-PAT scopes from `X-OAuth-Scopes`; undefined for fine-grained tokens or no token. */
  tokenScopes(access: ConnectionAccess): Promise<string[] | undefined>;
  /**
   * Delete tags / digests through the GitHub API (ghcr has no manifest DELETE). Absent until the GitHub
   * module provides it; then the registry API is tried and its `unsupported` error shown.
   */
  deleteFromPackage?(
    access: ConnectionAccess,
    repository: string,
    what: { tags: string[]; digests: string[] },
    signal: AbortSignal,
  ): Promise<{ message: string; warnings?: string[] }>;
}
