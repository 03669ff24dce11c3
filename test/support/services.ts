/**
 * The services (`createServices`) as integration tests set them up: in a fresh temp dir, called through
 * `dispatch` exactly as the IPC and bridge transports call them, with dialogs a test can script.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createServices,
  type Dialogs,
  dispatch,
  type Services,
  type ServicesOptions,
} from '../../electron/app/services';
import { EncryptedFileSecretStore, MemorySecretStore } from '../../electron/core/connections/secret-store';
import type { CallName, CallRequest, CallResponse, Result } from '../../shared/contract';
import type { Job } from '../../shared/types';
import type { TestRegistry } from './registry';

/** Native dialogs that answer what the test set last, as if the user had clicked through them. */
export class ScriptedDialogs implements Dialogs {
  /** What the next save dialog returns (null: the user cancelled). */
  savePath: string | null = null;
  archives: string[] = [];
  async openArchives(): Promise<string[]> {
    return this.archives;
  }
  async saveFile(): Promise<string | null> {
    return this.savePath;
  }
}

export interface TestServices {
  services: Services;
  /** The temp dir holding data and temp files; removed by `dispose`. */
  dir: string;
  dialogs: ScriptedDialogs;
  dispose(): Promise<void>;
}

export interface TestServicesOptions
  extends Partial<Omit<ServicesOptions, 'dataDir' | 'tempDir' | 'secretStore'>> {
  mode: ServicesOptions['mode'];
  /** Temp dir name prefix, e.g. "lading-jobs-". */
  prefix: string;
  /** Keep secrets in the encrypted file store (as the app does) instead of memory. */
  encryptedSecrets?: boolean;
}

/** `createServices` in a fresh temp dir (data and temp files both there); Electron mode gets scripted dialogs. */
export async function servicesInTempDir(opts: TestServicesOptions): Promise<TestServices> {
  const { prefix, encryptedSecrets, ...rest } = opts;
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const dialogs = new ScriptedDialogs();
  const services = await createServices({
    dialogs: opts.mode === 'electron' ? dialogs : undefined,
    ...rest,
    dataDir: dir,
    tempDir: dir,
    secretStore: encryptedSecrets ? new EncryptedFileSecretStore(dir) : new MemorySecretStore(),
  });
  return {
    services,
    dir,
    dialogs,
    async dispose() {
      await services.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `call` (the Result) and `ok` (the value, throwing on failure) for whichever services `current()` returns,
 * so a test file can bind them once at module level before `beforeAll` has created the services.
 */
export function callers(current: () => Services) {
  const call = <N extends CallName>(name: N, request: CallRequest<N>): Promise<Result<CallResponse<N>>> =>
    dispatch(current().handlers, name, request);
  const ok = async <N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> => {
    const result = await call(name, request);
    if (!result.ok) throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
    return result.value;
  };
  /** The job once it is done, failed or cancelled (polled through jobs.list, as the app's panel sees it). */
  const settled = async (jobId: string): Promise<Job> => {
    for (let i = 0; i < 300; i++) {
      const job = (await ok('jobs.list', {})).find((j) => j.id === jobId);
      if (job && ['done', 'failed', 'cancelled'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} did not finish`);
  };
  return { call, ok, settled };
}

/** A generic connection to a test registry, logged in as its full-rights user (if it has users). */
export function connectionTo(
  registry: TestRegistry,
  name: string,
  user = registry.user,
): CallRequest<'connections.save'> {
  return {
    name,
    kind: 'generic',
    registry: registry.host,
    insecure: true,
    ...(user ? { username: user.username, secret: user.password } : {}),
  };
}

/**
 * Picks `path` in the save dialog through `dialog.saveFile`, as the renderer does before an Electron-mode
 * pull: jobs.pull then accepts that path (once).
 */
export async function chooseSavePath(
  t: Pick<TestServices, 'services' | 'dialogs'>,
  path: string,
): Promise<string> {
  t.dialogs.savePath = path;
  const r = await dispatch(t.services.handlers, 'dialog.saveFile', { defaultName: 'image.tar' });
  if (!r.ok || r.value.path !== path) throw new Error(`the save dialog did not return ${path}`);
  return path;
}

/**
 * Picks `paths` in the open dialog through `dialog.openArchives`, as the "Push archive…" button does in
 * Electron: archive.inspect and jobs.push then read those files (Electron mode reads no other path).
 */
export async function chooseArchives(
  t: Pick<TestServices, 'services' | 'dialogs'>,
  paths: string[],
): Promise<string[]> {
  t.dialogs.archives = paths;
  const r = await dispatch(t.services.handlers, 'dialog.openArchives', {});
  if (!r.ok || r.value.paths.join('\n') !== paths.join('\n'))
    throw new Error(`the open dialog did not return ${paths.join(', ')}`);
  return paths;
}
