/** Everything the handlers share: stores, clients per connection, caches, the job manager, dependencies. */
import { isGitHubKind } from '../../../shared/connection-kinds';
import type { Connection } from '../../../shared/types';
import type { ConnectionStore } from '../../core/connections/store';
import { machineCredentials } from '../../core/credentials';
import type { EventHub } from '../../core/jobs/emitter';
import type { JobManager } from '../../core/jobs/manager';
import type { Credential } from '../../core/registry/credential-types';
import type { ImageConfig } from '../../core/registry/manifest';
import type {
  ConnectionAccess,
  EngineSeam,
  FetchedManifest,
  FilesSeam,
  GithubSeam,
  RegistryPort,
  TransferPipelines,
} from './dependencies';
import { Lru } from './lru';
import { ReadPathGrants, SavePathGrants } from './save-grants';
import type { UploadStore } from './uploads';

export interface Dialogs {
  openArchives(): Promise<string[]>;
  saveFile(defaultName: string): Promise<string | null>;
}

export interface ServiceContext {
  mode: 'electron' | 'bridge';
  version: string;
  store: ConnectionStore;
  events: EventHub;
  jobs: JobManager;
  uploads: UploadStore;
  /** Bridge pulls without a path: jobId → file offered at /api/download/:jobId. */
  downloads: Map<string, { path: string; fileName: string }>;
  downloadDir: string;
  pipelines: TransferPipelines;
  engines: EngineSeam;
  files: FilesSeam;
  github: GithubSeam;
  dialogs?: Dialogs;
  /** Paths returned by `dialogs.saveFile`: the only ones an Electron-mode pull may write to (each once). */
  savePaths: SavePathGrants;
  /** Archives from `dialogs.openArchives` or dropped on the window: the only ones Electron mode reads. */
  readPaths: ReadPathGrants;
  openExternal?: (url: string) => Promise<void>;
  /** Configs are immutable (content-addressed): cached by digest, bounded. */
  configCache: Lru<string, ImageConfig>;
  manifestCache: Lru<string, FetchedManifest>;
  access(connectionId: string): Promise<ConnectionAccess>;
  registry(connectionId: string): Promise<{ port: RegistryPort; access: ConnectionAccess }>;
  /** A client for an unsaved draft (connections.verify). */
  registryFor(access: ConnectionAccess): RegistryPort;
  /** Drop the cached client after a connection changed. */
  forget(connectionId: string): void;
}

export async function credentialFor(
  connection: Connection,
  secret: string | undefined,
): Promise<Credential | undefined> {
  if (connection.credentialSource === 'machine') return machineCredentials()(connection.registry);
  if (secret === undefined) return undefined;
  // GitHub's registries accept any username with a PAT; Docker's token flow still wants one.
  const username = connection.username ?? (isGitHubKind(connection.kind) ? 'lading' : undefined);
  return { username, password: secret };
}

export interface ContextParts
  extends Omit<
    ServiceContext,
    'access' | 'registry' | 'forget' | 'configCache' | 'manifestCache' | 'savePaths' | 'readPaths'
  > {
  registryFor(access: ConnectionAccess): RegistryPort;
}

export function buildContext(parts: ContextParts): ServiceContext {
  const clients = new Map<string, { key: string; port: RegistryPort; access: ConnectionAccess }>();
  const ctx: ServiceContext = {
    ...parts,
    configCache: new Lru(2000),
    manifestCache: new Lru(2000),
    savePaths: new SavePathGrants(),
    readPaths: new ReadPathGrants(),
    async access(connectionId) {
      const connection = await parts.store.get(connectionId);
      const secret = connection.hasSecret ? await parts.store.secretOf(connectionId) : undefined;
      return { connection, credential: await credentialFor(connection, secret) };
    },
    async registry(connectionId) {
      const connection = await parts.store.get(connectionId);
      // Reuse the client (and its token cache) while the connection is unchanged.
      const key = JSON.stringify(connection);
      const cached = clients.get(connectionId);
      if (cached && cached.key === key && connection.credentialSource !== 'machine') return cached;
      const access = await ctx.access(connectionId);
      const entry = { key, port: parts.registryFor(access), access };
      clients.set(connectionId, entry);
      return entry;
    },
    forget(connectionId) {
      clients.delete(connectionId);
    },
  };
  return ctx;
}
