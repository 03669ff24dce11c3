/**
 * Saved connections in `<config dir>/connections.json`: registry, name, kind, username, flags. No secret
 * is ever written here; secrets go to a `SecretStore` under the connection's id.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { secretWidening } from '../../../shared/secret-binding';
import {
  type Connection,
  type ConnectionInput,
  ConnectionInputSchema,
  ConnectionSchema,
} from '../../../shared/types';
import { readJsonObject, writeJsonAtomic } from '../credentials/config-file';
import { LadingError } from '../registry/errors';
import type { SecretStore } from './secret-store';

const FileSchema = z.object({ version: z.literal(1), connections: z.array(ConnectionSchema) });

/** The public API URL of each GitHub host kind, when the user did not give one. */
export function defaultGithubApiUrl(kind: Connection['kind'], registry: string): string | undefined {
  if (kind === 'ghcr' || kind === 'github-docker') return 'https://api.github.com';
  if (kind === 'ghes') return `https://${registry.replace(/^containers\./, '')}/api/v3`;
  return undefined;
}

/** The refusal when an edit would reuse a saved secret beyond what it was saved for. */
export function secretMustBeReentered(name: string, widening: string): LadingError {
  return new LadingError(
    'invalid-input',
    `Changing ${widening} of "${name}" needs its password or token entered again: a saved secret is only sent where it was saved for.`,
    { hint: 'Type the password or token again (or use credentials found on this machine), then save.' },
  );
}

export class ConnectionStore {
  readonly path: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly configDir: string,
    readonly secrets: SecretStore,
  ) {
    this.path = join(configDir, 'connections.json');
  }

  async list(): Promise<Connection[]> {
    const raw = await readJsonObject(this.path);
    if (!raw) return [];
    const parsed = FileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new LadingError('file-error', `${this.path} is not a valid Lading connections file.`, {
        hint: 'Fix or move the file away; Lading will start with no connections.',
      });
    }
    return parsed.data.connections;
  }

  async get(id: string): Promise<Connection> {
    const found = (await this.list()).find((c) => c.id === id);
    if (!found) {
      throw new LadingError('invalid-input', `There is no saved connection with id "${id}".`, {
        hint: 'Reload the connection list; it may have been removed.',
      });
    }
    return found;
  }

  /** The connection's saved secret, main process only. */
  secretOf(id: string): Promise<string | undefined> {
    return this.secrets.get(id);
  }

  /** Create or update. An omitted `secret` keeps the stored one; `useMachineCredentials` drops it. */
  save(input: ConnectionInput): Promise<Connection> {
    return this.serialised(async () => {
      const parsed = ConnectionInputSchema.parse(input);
      const list = await this.list();
      const existing = parsed.id ? list.find((c) => c.id === parsed.id) : undefined;
      if (parsed.id && !existing) {
        throw new LadingError('invalid-input', `There is no saved connection with id "${parsed.id}".`, {
          hint: 'Omit the id to add a new connection.',
        });
      }
      const id = existing?.id ?? randomUUID();
      const registry = parsed.registry.toLowerCase();
      const githubApiUrl = parsed.githubApiUrl ?? defaultGithubApiUrl(parsed.kind, registry);
      const newSecret = parsed.secret || undefined;
      if (existing?.hasSecret && !newSecret && !parsed.useMachineCredentials) {
        const widening = secretWidening(existing, { ...parsed, registry, githubApiUrl });
        if (widening) throw secretMustBeReentered(existing.name, widening);
      }
      let hasSecret = existing?.hasSecret ?? false;
      if (parsed.useMachineCredentials) {
        if (hasSecret) await this.secrets.delete(id);
        hasSecret = false;
      } else if (newSecret) {
        await this.secrets.set(id, newSecret);
        hasSecret = true;
      }
      const connection: Connection = ConnectionSchema.parse({
        id,
        name: parsed.name,
        kind: parsed.kind,
        registry,
        insecure: parsed.insecure,
        username: parsed.username || undefined,
        hasSecret,
        credentialSource: parsed.useMachineCredentials ? 'machine' : hasSecret ? 'saved' : 'none',
        owner: parsed.owner || undefined,
        ownerType: parsed.ownerType,
        githubApiUrl,
        allowCrossHostRealm: parsed.allowCrossHostRealm || undefined,
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      });
      const next = existing ? list.map((c) => (c.id === id ? connection : c)) : [...list, connection];
      await this.write(next);
      return connection;
    });
  }

  remove(id: string): Promise<void> {
    return this.serialised(async () => {
      const list = await this.list();
      await this.secrets.delete(id);
      if (!list.some((c) => c.id === id)) return;
      await this.write(list.filter((c) => c.id !== id));
    });
  }

  private async write(connections: Connection[]): Promise<void> {
    await writeJsonAtomic(this.path, { version: 1, connections });
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
