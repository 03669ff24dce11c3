/**
 * Domain types shared by the main process and the renderer, as zod schemas so that every value that crosses
 * the process boundary is validated. Types are inferred from the schemas: one definition each.
 */
import { z } from 'zod';
import { githubApiUrlProblem } from './api-url';

import { ErrorInfoSchema } from './errors';

export { type ErrorInfo, ErrorInfoSchema } from './errors';

// ---- connections -------------------------------------------------------------------------------------------

/** generic: any OCI registry; ghcr: ghcr.io; github-docker: docker.pkg.github.com; ghes: GitHub Enterprise Server. */
export const ConnectionKindSchema = z.enum(['generic', 'dockerhub', 'ghcr', 'github-docker', 'ghes']);
export type ConnectionKind = z.infer<typeof ConnectionKindSchema>;

/** host[:port], lowercase, no scheme or path. */
export const RegistryHostSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^(\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]+)(:\d{1,5})?$/,
    'a registry host such as ghcr.io or localhost:5000',
  );

export const ConnectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: ConnectionKindSchema,
  registry: RegistryHostSchema,
  insecure: z.boolean(),
  username: z.string().optional(),
  /** True when a secret is stored for this connection; the secret itself never reaches the renderer. */
  hasSecret: z.boolean(),
  /** Where the credentials come from: saved in Lading (encrypted) or read from Docker/Podman config on use. */
  credentialSource: z.enum(['none', 'saved', 'machine']),
  /** GitHub hosts: the organization or user whose packages are listed. */
  owner: z.string().optional(),
  ownerType: z.enum(['org', 'user']).optional(),
  /** GitHub hosts: REST API base, e.g. https://api.github.com or https://HOST/api/v3. */
  githubApiUrl: z.string().url().optional(),
  /** Send the saved secret to a token service on another site when the registry's challenge names one. */
  allowCrossHostRealm: z.boolean().optional(),
  createdAt: z.string(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const ConnectionInputSchema = z.object({
  id: z.string().max(100).optional(),
  name: z.string().min(1).max(200),
  kind: ConnectionKindSchema,
  registry: RegistryHostSchema,
  insecure: z.boolean().default(false),
  username: z.string().max(500).optional(),
  /** Password, PAT or token. Omit to keep the stored one when editing. */
  secret: z.string().max(10_000).optional(),
  /** Use credentials found on this machine (Docker config, credential helper, Podman auth.json) instead of a saved secret. */
  useMachineCredentials: z.boolean().default(false),
  owner: z.string().max(100).optional(),
  ownerType: z.enum(['org', 'user']).optional(),
  githubApiUrl: z
    .string()
    .max(500)
    .superRefine((url, ctx) => {
      const problem = githubApiUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Off unless the user trusts the registry's token service on another site with the saved secret. */
  allowCrossHostRealm: z.boolean().default(false),
});
export type ConnectionInput = z.input<typeof ConnectionInputSchema>;

export const VerifyCheckSchema = z.object({ name: z.string(), ok: z.boolean(), message: z.string() });
export const VerifyResultSchema = z.object({
  ok: z.boolean(),
  /** One sentence verdict, e.g. "Signed in as octocat; can pull and push, cannot delete." */
  summary: z.string(),
  checks: z.array(VerifyCheckSchema),
  authScheme: z.enum(['none', 'basic', 'bearer']).optional(),
  /** GitHub tokens: the scopes from X-OAuth-Scopes, and which package scopes are missing. */
  scopes: z.array(z.string()).optional(),
  missingScopes: z.array(z.string()),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

export const MachineCredentialSchema = z.object({
  registry: z.string(),
  username: z.string().optional(),
  source: z.enum(['docker-config', 'docker-credential-helper', 'podman-auth']),
  helper: z.string().optional(),
});
export type MachineCredential = z.infer<typeof MachineCredentialSchema>;

// ---- browsing ----------------------------------------------------------------------------------------------

export const VisibilitySchema = z.enum(['public', 'private', 'internal']);
export type Visibility = z.infer<typeof VisibilitySchema>;

export const RepositorySummarySchema = z.object({
  name: z.string(),
  visibility: VisibilitySchema.optional(),
  updatedAt: z.string().optional(),
  versionCount: z.number().optional(),
  /** GitHub: the package page and the linked source repository. */
  htmlUrl: z.string().optional(),
  linkedRepository: z.string().optional(),
});
export type RepositorySummary = z.infer<typeof RepositorySummarySchema>;

export const RepositoriesResultSchema = z.object({
  /** catalog: the registry's _catalog; github: the GitHub Packages API; manual: neither exists, type a name. */
  source: z.enum(['catalog', 'github', 'manual']),
  repositories: z.array(RepositorySummarySchema),
  note: z.string().optional(),
  /** Cursor of the next page (catalog only); absent on the last page. */
  next: z.string().optional(),
});
export type RepositoriesResult = z.infer<typeof RepositoriesResultSchema>;

export const TagDetailSchema = z.object({
  tag: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  isIndex: z.boolean(),
  /** "linux/amd64", ... (from the index, or the image config). */
  platforms: z.array(z.string()),
  /** Compressed size: config + layers (for an index, the sum over its platforms). */
  size: z.number(),
  created: z.string().optional(),
});
export type TagDetail = z.infer<typeof TagDetailSchema>;

export const DescriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .object({ os: z.string(), architecture: z.string(), variant: z.string().optional() })
    .passthrough()
    .optional(),
  artifactType: z.string().optional(),
});

export const LayerInfoSchema = z.object({
  digest: z.string(),
  size: z.number(),
  mediaType: z.string(),
  /** The history step that made this layer (created_by). */
  createdBy: z.string().optional(),
});

/** The metadata lint GitHub's package page implies (description ≤ 512, licenses ≤ 256, index annotations). */
export const LabelWarningSchema = z.object({ key: z.string(), message: z.string() });

export const ImageInspectSchema = z.object({
  registry: z.string(),
  repository: z.string(),
  reference: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  size: z.number(),
  platforms: z.array(z.string()).optional(),
  manifests: z.array(DescriptorSchema).optional(),
  index: z.object({ digest: z.string(), mediaType: z.string() }).optional(),
  config: z.object({ digest: z.string(), mediaType: z.string(), size: z.number() }).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  created: z.string().optional(),
  os: z.string().optional(),
  architecture: z.string().optional(),
  layers: z.array(LayerInfoSchema).optional(),
  history: z
    .array(
      z.object({
        created: z.string().optional(),
        created_by: z.string().optional(),
        comment: z.string().optional(),
        empty_layer: z.boolean().optional(),
      }),
    )
    .optional(),
  totalSize: z.number().optional(),
  env: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).nullable().optional(),
  cmd: z.array(z.string()).nullable().optional(),
  workingDir: z.string().optional(),
  user: z.string().optional(),
  exposedPorts: z.array(z.string()).optional(),
  /** Pretty-printable raw documents. */
  rawManifest: z.string(),
  rawConfig: z.string().optional(),
  warnings: z.array(LabelWarningSchema),
});
export type ImageInspect = z.infer<typeof ImageInspectSchema>;

// ---- archives ----------------------------------------------------------------------------------------------

/**
 * An absolute file path (POSIX `/…`, Windows `C:\…` or `\\server\share`). Relative paths are refused so that
 * nothing the renderer sends can resolve against the main process's working directory.
 */
export const AbsolutePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'an absolute path')
  .refine((p) => !p.includes('\0'), 'a path without NUL characters');

/** An archive to push: a path on disk (Electron, CLI) or a file the browser bridge received (upload id). */
export const ArchiveSourceSchema = z.union([
  z.object({ path: AbsolutePathSchema }),
  z.object({ uploadId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) }),
]);
export type ArchiveSource = z.infer<typeof ArchiveSourceSchema>;

/** A local engine: Docker's (the docker CLI's endpoint) or Podman's Docker-compatible socket. */
export const EngineKindSchema = z.enum(['docker', 'podman']);
export type EngineKind = z.infer<typeof EngineKindSchema>;

/** An image in a local engine. */
export const LocalImageSchema = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  digests: z.array(z.string()),
  size: z.number(),
  /** ISO 8601. */
  created: z.string(),
  platform: z.string().optional(),
});
export type LocalImage = z.infer<typeof LocalImageSchema>;

/** One engine found, with its images, or why it cannot be used (not running, permission, too old). */
export const EngineSummarySchema = z.object({
  kind: EngineKindSchema,
  /** "Docker 27.1.1", "Podman 5.2.0" when it answered. */
  name: z.string(),
  /** The socket path (or tcp origin) and what chose it ("DOCKER_HOST", "default socket", …). */
  endpoint: z.string(),
  source: z.string(),
  apiVersion: z.string().optional(),
  images: z.array(LocalImageSchema),
  error: ErrorInfoSchema.optional(),
});
export type EngineSummary = z.infer<typeof EngineSummarySchema>;

/** A push's source in a local engine instead of an archive file: the image by name[:tag] or id. */
export const EngineImageSourceSchema = z
  .object({ engine: EngineKindSchema, image: z.string().min(1).max(300) })
  .strict();
export type EngineImageSource = z.infer<typeof EngineImageSourceSchema>;

export const ArchiveImageSchema = z.object({
  /** What `--image` takes to pick this image (a RepoTag or ref name), when the archive names it. */
  name: z.string().optional(),
  repoTags: z.array(z.string()),
  platforms: z.array(z.string()),
  layers: z.number(),
  size: z.number(),
  isIndex: z.boolean(),
});
export const ArchiveSummarySchema = z.object({
  fileName: z.string(),
  format: z.string(),
  compression: z.enum(['none', 'gzip', 'zstd']),
  images: z.array(ArchiveImageSchema),
});
export type ArchiveSummary = z.infer<typeof ArchiveSummarySchema>;

// ---- jobs --------------------------------------------------------------------------------------------------

export const LayerStateSchema = z.enum([
  'waiting',
  'compressing',
  'uploading',
  'downloading',
  'exists',
  'mounted',
  'done',
  'failed',
]);
export const TransferProgressSchema = z.object({
  bytesDone: z.number(),
  bytesTotal: z.number(),
  /** Bytes per second, smoothed. */
  rate: z.number(),
  /** Seconds remaining, when known. */
  eta: z.number().optional(),
  layers: z.array(
    z.object({ digest: z.string(), size: z.number(), bytesDone: z.number(), state: LayerStateSchema }),
  ),
});
export type TransferProgress = z.infer<typeof TransferProgressSchema>;

export const JobKindSchema = z.enum(['push', 'pull', 'delete', 'tag', 'copy', 'sync', 'prune']);

/** A prune's preview (core/operations/prune-plan.ts): every action with its reason, what stays and why. */
export const PrunePlanSchema = z.object({
  plan: z.array(
    z.object({
      action: z.enum(['delete-tag', 'delete-manifest', 'delete-version']),
      tag: z.string().optional(),
      tags: z.array(z.string()).optional(),
      digest: z.string(),
      versionId: z.number().optional(),
      created: z.string().nullable(),
      reason: z.string(),
    }),
  ),
  keep: z.array(z.object({ tag: z.string().optional(), digest: z.string(), reason: z.string() })),
  reclaimableBytes: z.number(),
  notes: z.array(z.string()),
});
export type PrunePlanView = z.infer<typeof PrunePlanSchema>;

/** A sync's outcome per tag: copied (or, planned, to be copied), already equal, or failed with why. */
export const SyncResultSchema = z.object({
  copied: z.array(z.string()),
  skipped: z.array(z.string()),
  failed: z.array(z.object({ tag: z.string(), error: ErrorInfoSchema })),
});
export type SyncResult = z.infer<typeof SyncResultSchema>;
export const JobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export const JobSchema = z.object({
  id: z.string(),
  kind: JobKindSchema,
  /** "Push app.tar → ghcr.io/acme/app:1.2" */
  title: z.string(),
  connectionId: z.string(),
  state: JobStateSchema,
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  progress: TransferProgressSchema.optional(),
  /** A line for the user when done, e.g. "Pushed sha256:… as 1.2 (3 layers uploaded, 2 already there)". */
  resultMessage: z.string().optional(),
  resultDigest: z.string().optional(),
  warnings: z.array(z.string()).default([]),
  error: ErrorInfoSchema.optional(),
  retryable: z.boolean(),
});
export type Job = z.infer<typeof JobSchema>;

// ---- GitHub Packages ---------------------------------------------------------------------------------------

export const PackageVersionSchema = z.object({
  id: z.number(),
  digest: z.string(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  deletedAt: z.string().optional(),
  /** image, index, a platform child of a tagged index, or an attestation/signature attached to one. */
  role: z.enum(['image', 'index', 'platform-child', 'attestation', 'unknown']),
  /** For children: the digests of the tagged indexes that reference this version. */
  parents: z.array(z.string()),
  platform: z.string().optional(),
});
export type PackageVersion = z.infer<typeof PackageVersionSchema>;

export const PackageDetailsSchema = z.object({
  name: z.string(),
  visibility: VisibilitySchema,
  htmlUrl: z.string(),
  /** The package settings page, where visibility is changed (no API can change it). */
  settingsUrl: z.string(),
  linkedRepository: z.string().optional(),
  versionCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** true/false when checked by an anonymous token request; null when not checked. */
  anonymousPull: z.boolean().nullable(),
});
export type PackageDetails = z.infer<typeof PackageDetailsSchema>;
