/**
 * The one typed contract between the renderer and the main process.
 *
 * Every call has a name, a request schema and a response schema; every event stream has a payload schema.
 * The Electron preload, the main-process handlers, the browser bridge and the renderer's client are all
 * derived from this object, so a call cannot exist on one side only: adding an entry here makes the
 * handler map (`Handlers`) fail to typecheck until the main side implements it.
 *
 * Results cross the boundary as values: `{ ok: true, value }` or `{ ok: false, error: { code, message, hint } }`.
 */
import { z } from 'zod';
import { FilesListingSchema, FilesSummarySchema } from './files';
import { SignatureCheckSchema, SupplyChainSchema, SupplyRequestSchema, VerifyRequestSchema } from './supply';
import {
  AbsolutePathSchema,
  ArchiveSourceSchema,
  ArchiveSummarySchema,
  ConnectionInputSchema,
  ConnectionSchema,
  EngineImageSourceSchema,
  EngineKindSchema,
  EngineSummarySchema,
  type ErrorInfo,
  ImageInspectSchema,
  JobSchema,
  MachineCredentialSchema,
  PackageDetailsSchema,
  PackageVersionSchema,
  PrunePlanSchema,
  RepositoriesResultSchema,
  SyncResultSchema,
  TagDetailSchema,
  VerifyResultSchema,
} from './types';

const Id = z.string().min(1).max(100);
const Repository = z.string().min(1).max(255);
/** A tag or a digest. */
const ManifestReference = z.string().min(1).max(200);
const Empty = z.object({}).strict();
const SyncRequest = z
  .object({
    source: z.object({ connectionId: Id, repository: Repository }).strict(),
    target: z.object({ connectionId: Id, repository: Repository }).strict(),
    /** A regular expression tags must match (default: every tag). */
    tags: z.string().max(200).optional(),
    referrers: z.boolean().optional(),
  })
  .strict();
/** Retention rules over one repository (the flags of `lading prune`, camelCase). */
const PruneRequest = z
  .object({
    connectionId: Id,
    repository: Repository,
    match: z.string().max(200).optional(),
    keep: z.array(z.string().max(200)).max(50).optional(),
    keepLast: z.number().int().min(0).max(100_000).optional(),
    olderThan: z.string().max(20).optional(),
    untagged: z.boolean().optional(),
    keepReferrers: z.boolean().optional(),
  })
  .strict();
const Ok = z.object({ ok: z.literal(true) });

/** The image a files.* call reads: one platform's image (the host's, for an index, unless `platform`). */
const FilesImage = z.object({
  connectionId: Id,
  repository: Repository,
  reference: ManifestReference,
  platform: z.string().max(100).optional(),
});

function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const contract = {
  'app.info': call(
    Empty,
    z.object({
      version: z.string(),
      mode: z.enum(['electron', 'bridge']),
      platform: z.string(),
      /** What protects saved secrets; `encrypted-file` (no keychain: the key sits beside them) is the weak one. */
      secretStorage: z.enum(['safe-storage', 'docker-credential-helper', 'encrypted-file', 'memory']),
    }),
  ),

  // Connections. Secrets go in, never come out.
  'connections.list': call(Empty, z.array(ConnectionSchema)),
  'connections.save': call(ConnectionInputSchema, ConnectionSchema),
  'connections.remove': call(z.object({ id: Id }).strict(), Ok),
  /** Check a saved connection, or a draft before it is saved. */
  'connections.verify': call(
    z.union([z.object({ id: Id }).strict(), z.object({ draft: ConnectionInputSchema }).strict()]),
    VerifyResultSchema,
  ),
  /** Credentials found on this machine (Docker config, credential helpers, Podman auth.json), without secrets. */
  'connections.discover': call(Empty, z.array(MachineCredentialSchema)),

  // Browsing.
  /**
   * The repository list, a page at a time (`_catalog` pages of 1,000, GitHub API pages of 100): call again
   * with the answer's `next` as `cursor` until there is none. Registries without a list answer in one page.
   */
  'registry.repositories': call(
    z.object({ connectionId: Id, cursor: z.string().min(1).max(4096).optional() }).strict(),
    RepositoriesResultSchema,
  ),
  'registry.tags': call(z.object({ connectionId: Id, repository: Repository }).strict(), z.array(z.string())),
  /** Digest, platforms, size and created date of up to 100 tags (configs cached by digest in the main process). */
  'registry.tagDetails': call(
    z
      .object({ connectionId: Id, repository: Repository, tags: z.array(z.string().max(128)).max(100) })
      .strict(),
    z.array(TagDetailSchema),
  ),
  'registry.inspect': call(
    z
      .object({
        connectionId: Id,
        repository: Repository,
        reference: ManifestReference,
        platform: z.string().max(100).optional(),
      })
      .strict(),
    ImageInspectSchema,
  ),

  // An image's files, read from its layers' tar headers without pulling it (indexes cached by layer digest).
  /** The merged filesystem (or below `path`); with `layer`, that layer's changes; with `upTo`, as it stood after it. */
  'files.list': call(
    FilesImage.extend({
      path: z.string().max(4096).optional(),
      layer: z.number().int().positive().optional(),
      upTo: z.number().int().positive().optional(),
    }).strict(),
    FilesListingSchema,
  ),
  /** dive's figures: files, directories, bytes in all layers and in the image, wasted bytes, efficiency. */
  'files.summary': call(FilesImage.strict(), FilesSummarySchema),
  /**
   * One regular file's bytes saved: Electron, to `path` from the save dialog; bridge, offered at the download
   * URL of `downloadId` (no `path`).
   */
  'files.save': call(
    FilesImage.extend({
      file: z.string().min(1).max(4096),
      follow: z.boolean().optional(),
      path: AbsolutePathSchema.optional(),
    }).strict(),
    z.object({ bytes: z.number(), downloadId: z.string().optional() }),
  ),
  /** What is attached to an image (#19): referrers with their source, the SBOM and provenance of it or a platform. */
  'registry.supplyChain': call(SupplyRequestSchema, SupplyChainSchema),
  /** The image's cosign signatures checked against the given public keys. */
  'registry.verifySignatures': call(VerifyRequestSchema, SignatureCheckSchema),

  // Archives.
  'archive.inspect': call(z.object({ source: ArchiveSourceSchema }).strict(), ArchiveSummarySchema),

  // Local engines: every one found, with its images (or why it cannot be used).
  'engines.list': call(Empty, z.array(EngineSummarySchema)),

  // Jobs: everything that changes a registry or moves bytes runs as a job.
  'jobs.push': call(
    z
      .object({
        connectionId: Id,
        /** An archive file, or an image in a local engine (its docker save streamed, never on disk). */
        source: z.union([ArchiveSourceSchema, EngineImageSourceSchema]),
        /** Which image of a multi-image archive (a RepoTag or ref name). */
        image: z.string().max(300).optional(),
        /** Push one platform of a multi-platform archive. */
        platform: z.string().max(100).optional(),
        target: z.object({ repository: Repository, tag: z.string().min(1).max(128) }).strict(),
        compression: z.enum(['gzip', 'zstd', 'none']).optional(),
      })
      .strict(),
    z.object({ jobId: Id }),
  ),
  'jobs.pull': call(
    z
      .object({
        connectionId: Id,
        repository: Repository,
        reference: ManifestReference,
        /** Electron: a path from the save dialog. Bridge: omitted; the file is offered as a download when done. */
        path: AbsolutePathSchema.optional(),
        format: z.enum(['docker', 'oci']),
        platform: z.string().max(100).optional(),
        allPlatforms: z.boolean().optional(),
        /**
         * Load into a local engine instead of writing a file (no path, format docker, one platform: the
         * engine's own unless `platform`), under the reference's name or `name` (name[:tag]).
         */
        engine: z
          .object({ kind: EngineKindSchema, name: z.string().min(1).max(300).optional() })
          .strict()
          .optional(),
      })
      .strict(),
    z.object({ jobId: Id }),
  ),
  'jobs.delete': call(
    z
      .object({
        connectionId: Id,
        repository: Repository,
        tags: z.array(z.string().max(128)).max(10_000),
        digests: z.array(z.string().max(200)).max(10_000),
      })
      .strict(),
    z.object({ jobId: Id }),
  ),
  /** Add a tag (same repository), move a tag, or copy to another repository of the same registry. */
  'jobs.tag': call(
    z
      .object({
        connectionId: Id,
        source: z.object({ repository: Repository, reference: ManifestReference }).strict(),
        target: z.object({ repository: Repository, tag: z.string().min(1).max(128) }).strict(),
      })
      .strict(),
    z.object({ jobId: Id }),
  ),
  /**
   * Copy an image or a whole index to any connection, blob to blob (same registry: mounts). No target tag:
   * the source's tag, else by digest. One platform of an index with `platform`.
   */
  'jobs.copy': call(
    z
      .object({
        source: z.object({ connectionId: Id, repository: Repository, reference: ManifestReference }).strict(),
        target: z
          .object({ connectionId: Id, repository: Repository, tag: z.string().min(1).max(128).optional() })
          .strict(),
        platform: z.string().max(100).optional(),
        /** Bring the signatures, attestations and SBOMs tagged after the image (sha256-… tags). */
        referrers: z.boolean().optional(),
      })
      .strict(),
    z.object({ jobId: Id }),
  ),
  /** What a sync would do: tags whose digest at the target differs (copied) and equal ones (skipped). */
  'registry.syncPlan': call(SyncRequest, SyncResultSchema),
  /** Copy every tag (matching `tags`) whose digest at the target differs; equal tags are skipped. */
  'jobs.sync': call(SyncRequest, z.object({ jobId: Id })),
  /** What a prune would do, with every reason; changes nothing. */
  'registry.prunePlan': call(PruneRequest, PrunePlanSchema),
  /** Prune as a job, planned again when it starts (a retry continues with what is left). */
  'jobs.prune': call(PruneRequest, z.object({ jobId: Id })),
  'jobs.list': call(Empty, z.array(JobSchema)),
  'jobs.cancel': call(z.object({ id: Id }).strict(), Ok),
  'jobs.retry': call(z.object({ id: Id }).strict(), z.object({ jobId: Id })),
  /** Remove finished jobs from the list. */
  'jobs.clear': call(Empty, Ok),

  // Native integration. In the browser bridge these answer `supported: false` and the renderer uses web fallbacks.
  'dialog.openArchives': call(Empty, z.object({ supported: z.boolean(), paths: z.array(z.string()) })),
  'dialog.saveFile': call(
    z.object({ defaultName: z.string().max(255) }).strict(),
    z.object({ supported: z.boolean(), path: z.string().nullable() }),
  ),
  /** Opens https URLs only, in the system browser. */
  'shell.openExternal': call(z.object({ url: z.string().url().max(2000) }).strict(), Ok),

  // GitHub Packages (ghcr.io, docker.pkg.github.com, GitHub Enterprise).
  'github.package': call(
    z.object({ connectionId: Id, packageName: Repository }).strict(),
    PackageDetailsSchema,
  ),
  'github.versions': call(
    z.object({ connectionId: Id, packageName: Repository, state: z.enum(['active', 'deleted']) }).strict(),
    z.array(PackageVersionSchema),
  ),
  'github.deleteVersion': call(
    z.object({ connectionId: Id, packageName: Repository, versionId: z.number().int().positive() }).strict(),
    z.object({ removedTags: z.array(z.string()) }),
  ),
  'github.restoreVersion': call(
    z.object({ connectionId: Id, packageName: Repository, versionId: z.number().int().positive() }).strict(),
    Ok,
  ),
} as const;

export const events = {
  /** A job was added or changed (throttled by the job manager: a few per second per job at most). */
  'jobs.updated': JobSchema,
  /** Jobs removed from the list (cleared). */
  'jobs.removed': z.object({ ids: z.array(z.string()) }),
} as const;

/**
 * The bridge's own event, not part of `events`: sent on every new event socket so the renderer can tell a
 * reconnect (and refetch what it may have missed) from the first connection.
 */
export const BRIDGE_READY_EVENT = 'bridge.ready' as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type EventName = keyof typeof events;

/** What the renderer sends (defaults not yet applied). */
export type CallRequest<N extends CallName> = z.input<Contract[N]['request']>;
/** What the handler receives after validation (defaults applied). */
export type ParsedRequest<N extends CallName> = z.output<Contract[N]['request']>;
export type CallResponse<N extends CallName> = z.output<Contract[N]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** The main-process side: one handler per call. Missing or extra handlers are type errors. */
export type Handlers = {
  [N in CallName]: (request: ParsedRequest<N>) => Promise<CallResponse<N>>;
};

/**
 * The API the renderer sees as `window.lading`, identical over every transport (Electron preload,
 * browser bridge, in-process for tests).
 */
export interface LadingApi {
  call<N extends CallName>(name: N, request: CallRequest<N>): Promise<Result<CallResponse<N>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /**
   * Turn a dropped or picked File into something `archive.inspect` / `jobs.push` accept:
   * Electron resolves its path (webUtils.getPathForFile); the bridge streams it to the main process.
   */
  resolveFile(
    file: File,
    onProgress?: (sent: number, total: number) => void,
  ): Promise<Result<z.infer<typeof ArchiveSourceSchema>>>;
  /** Bridge only: URL to download a pulled file (jobs.pull without a path). */
  downloadUrl?(jobId: string): string;
}

/** IPC channel for a call or event; one prefix so the preload can refuse anything else. */
export const channelFor = (name: CallName | EventName): string => `lading:${name}`;
export const callNames = Object.keys(contract) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}
