/**
 * `createServices`: the main-process implementation of every call in `shared/contract.ts`, the same for the
 * Electron window, the browser bridge, the CLI's `serve` and the tests. Transports call `dispatch`.
 */
import { tmpdir } from 'node:os';
import type { Handlers } from '../../../shared/contract';
import type { SecretStore } from '../../core/connections/secret-store';
import { ConnectionStore } from '../../core/connections/store';
import { EventHub } from '../../core/jobs/emitter';
import { JobManager } from '../../core/jobs/manager';
import { archiveHandlers } from './archives';
import { connectionHandlers } from './connections';
import { buildContext, type Dialogs, type ServiceContext } from './context';
import { copyHandlers } from './copy-jobs';
import { defaultDependencies, type ServiceDependencies } from './dependencies';
import { engineHandlers } from './engines';
import { filesHandlers } from './files';
import { jobHandlers } from './jobs';
import { nativeHandlers } from './native';
import { pruneHandlers } from './prune-jobs';
import { registryHandlers } from './registry';
import { supplyHandlers } from './supply';
import { UploadStore } from './uploads';

export type { Dialogs, ServiceContext } from './context';
export { dispatch } from './dispatch';

export interface ServicesOptions {
  /** Lading's config directory (connections.json, encrypted secrets). */
  dataDir: string;
  secretStore: SecretStore;
  mode: 'electron' | 'bridge';
  dialogs?: Dialogs;
  openExternal?: (url: string) => Promise<void>;
  version?: string;
  /** Where bridge uploads and downloads live (default: the OS temp dir). */
  tempDir?: string;
  transferConcurrency?: number;
  progressIntervalMs?: number;
  /** Where layer indexes for files.* are cached (default: the OS cache directory + /lading). */
  cacheDir?: string;
  /** Replacements for the real registry, pipelines or GitHub module (tests count or stub them here). */
  dependencies?: Partial<ServiceDependencies>;
}

export interface Services {
  handlers: Handlers;
  context: ServiceContext;
  events: EventHub;
  /** Cancel running jobs and remove temp files. */
  dispose(): Promise<void>;
}

export async function createServices(opts: ServicesOptions): Promise<Services> {
  const deps: ServiceDependencies = {
    ...defaultDependencies({ cacheDir: opts.cacheDir }),
    ...opts.dependencies,
  };
  const events = new EventHub();
  const tempParent = opts.tempDir ?? tmpdir();
  const uploads = new UploadStore(tempParent);
  const ctx = buildContext({
    mode: opts.mode,
    version: opts.version ?? deps.version,
    store: new ConnectionStore(opts.dataDir, opts.secretStore),
    events,
    jobs: new JobManager({
      events,
      transferConcurrency: opts.transferConcurrency,
      progressIntervalMs: opts.progressIntervalMs,
    }),
    uploads,
    downloads: new Map(),
    downloadDir: uploads.downloadDir,
    pipelines: deps.pipelines,
    engines: deps.engines,
    files: deps.files,
    github: deps.github,
    dialogs: opts.dialogs,
    openExternal: opts.openExternal,
    registryFor: deps.registryFor,
  });
  const handlers: Handlers = {
    ...nativeHandlers(ctx),
    ...connectionHandlers(ctx),
    ...registryHandlers(ctx),
    ...archiveHandlers(ctx),
    ...engineHandlers(ctx),
    ...filesHandlers(ctx),
    ...jobHandlers(ctx),
    ...copyHandlers(ctx),
    ...pruneHandlers(ctx),
    ...supplyHandlers(ctx),
    ...deps.githubHandlers(ctx),
  };
  return {
    handlers,
    context: ctx,
    events,
    async dispose() {
      await ctx.jobs.shutdown();
      uploads.disposeSync();
    },
  };
}
