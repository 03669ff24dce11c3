/**
 * Where connection secrets (passwords, PATs, tokens) live. Never in connections.json, never in the renderer.
 *
 * - Electron: `SafeStorageSecretStore`, ciphertexts from Electron's safeStorage (OS keychain / DPAPI /
 *   libsecret) in `secrets.json`. The shell injects safeStorage, so this folder imports no Electron.
 * - CLI and browser bridge: `DockerHelperSecretStore` when the user's Docker config names a credential helper
 *   (`credsStore`), so secrets go to the same keychain Docker uses; otherwise `EncryptedFileSecretStore`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readJsonObject, stringField, writeJsonAtomic } from '../credentials/config-file';
import { dockerConfigPath } from '../credentials/docker-config';
import { helperErase, helperGet, helperStore } from '../credentials/helper';
import { LadingError } from '../registry/errors';

export interface SecretStore {
  /** What protects the secrets, for `lading serve --debug` and the report in the UI. */
  readonly kind: 'safe-storage' | 'docker-credential-helper' | 'encrypted-file' | 'memory';
  get(connectionId: string): Promise<string | undefined>;
  set(connectionId: string, secret: string): Promise<void>;
  delete(connectionId: string): Promise<void>;
}

/** The subset of Electron's `safeStorage` we use (injected from `electron/shell`). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** A JSON map id → base64 ciphertext, written atomically with mode 0600. */
class CiphertextFile {
  constructor(private readonly path: string) {}

  async read(): Promise<Record<string, string>> {
    const obj = (await readJsonObject(this.path)) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') out[k] = v;
    return out;
  }

  /** Read-modify-write, serialised so two saves in a row cannot drop each other's entry. */
  update(change: (map: Record<string, string>) => boolean): Promise<void> {
    const run = this.queue.then(async () => {
      const map = await this.read();
      if (change(map)) await writeJsonAtomic(this.path, map);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
  private queue: Promise<void> = Promise.resolve();
}

/**
 * A store whose secrets are base64 ciphertexts in a CiphertextFile: the file handling is shared, the
 * subclasses only say how a secret is encrypted and decrypted.
 */
abstract class CiphertextFileStore {
  constructor(private readonly file: CiphertextFile) {}

  /** The ciphertext to store for `secret` under `id`. */
  protected abstract encrypt(id: string, secret: string): Promise<Buffer>;
  /** The secret in `ciphertext`; a LadingError when it cannot be decrypted. */
  protected abstract decrypt(id: string, ciphertext: Buffer): Promise<string>;

  async get(id: string): Promise<string | undefined> {
    const value = (await this.file.read())[id];
    return value === undefined ? undefined : this.decrypt(id, Buffer.from(value, 'base64'));
  }

  async set(id: string, secret: string): Promise<void> {
    const encrypted = (await this.encrypt(id, secret)).toString('base64');
    await this.file.update((map) => {
      map[id] = encrypted;
      return true;
    });
  }

  async delete(id: string): Promise<void> {
    await this.file.update((map) => {
      if (!(id in map)) return false;
      delete map[id];
      return true;
    });
  }
}

export class SafeStorageSecretStore extends CiphertextFileStore implements SecretStore {
  readonly kind = 'safe-storage' as const;

  constructor(
    private readonly safeStorage: SafeStorageLike,
    configDir: string,
  ) {
    super(new CiphertextFile(join(configDir, 'secrets.safestorage.json')));
  }

  protected async decrypt(_id: string, ciphertext: Buffer): Promise<string> {
    try {
      return this.safeStorage.decryptString(ciphertext);
    } catch {
      throw new LadingError('file-error', 'A saved secret could not be decrypted by the OS keychain.', {
        hint: 'Edit the connection and enter the password or token again.',
      });
    }
  }

  protected async encrypt(_id: string, secret: string): Promise<Buffer> {
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new LadingError('unsupported', 'The OS keychain is not available to encrypt the secret.', {
        hint: 'Unlock or install a keyring (e.g. gnome-keyring), or use credentials from `docker login`.',
      });
    }
    return this.safeStorage.encryptString(secret);
  }
}

/**
 * AES-256-GCM ciphertexts in `secrets.enc.json`, keyed by a random 32-byte key in `secret.key` (mode 0600,
 * created on first use).
 *
 * What this protects against: the secret never appears in plaintext in the config files, so it does not leak
 * through a backup, a screenshot, `grep`, or a config file copied or pasted into a bug report without the
 * key file. What it does not protect against: anyone who can read both files as this user (malware running as
 * the user, root, a full-home backup) can decrypt them — the key sits next to the data. That is the same
 * trust level as Docker's plaintext `config.json`, and why a credential helper is preferred when configured.
 */
export class EncryptedFileSecretStore extends CiphertextFileStore implements SecretStore {
  readonly kind = 'encrypted-file' as const;
  private readonly keyPath: string;
  private key?: Promise<Buffer>;

  constructor(configDir: string) {
    super(new CiphertextFile(join(configDir, 'secrets.enc.json')));
    this.keyPath = join(configDir, 'secret.key');
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= this.readOrCreateKey().catch((e) => {
      this.key = undefined;
      throw e;
    });
    return this.key;
  }

  private async readOrCreateKey(): Promise<Buffer> {
    const existing = await readFile(this.keyPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (existing !== undefined) {
      const key = Buffer.from(existing.trim(), 'base64');
      if (key.length === 32) return key;
      throw new LadingError('file-error', `The key file ${this.keyPath} is damaged.`, {
        hint: 'Delete it and the secrets.enc.json next to it, then enter the connection secrets again.',
      });
    }
    const key = randomBytes(32);
    await mkdir(dirname(this.keyPath), { recursive: true, mode: 0o700 });
    try {
      // 'wx': never overwrite a key another process created meanwhile; use theirs instead.
      await writeFile(this.keyPath, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return this.readOrCreateKey();
      throw e;
    }
    await chmod(this.keyPath, 0o600);
    return key;
  }

  protected async decrypt(id: string, raw: Buffer): Promise<string> {
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.loadKey(), raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (e) {
      if (e instanceof LadingError) throw e;
      throw new LadingError('file-error', 'A saved secret could not be decrypted.', {
        hint: 'Edit the connection and enter the password or token again.',
      });
    }
  }

  protected async encrypt(id: string, secret: string): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.loadKey(), iv);
    // Binding the ciphertext to its id stops a swapped entry from decrypting as another connection's secret.
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }
}

/** The helper "server URL" a connection's secret is stored under; not a registry, so Docker never sends it. */
const helperKey = (id: string) => `lading://connection/${id}`;

/** Secrets in the user's Docker credential helper (`credsStore`), i.e. the OS keychain Docker already uses. */
export class DockerHelperSecretStore implements SecretStore {
  readonly kind = 'docker-credential-helper' as const;
  constructor(
    readonly helper: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async get(id: string): Promise<string | undefined> {
    return (await helperGet(this.helper, helperKey(id), { env: this.env }))?.Secret;
  }
  async set(id: string, secret: string): Promise<void> {
    await helperStore(
      this.helper,
      { ServerURL: helperKey(id), Username: 'lading', Secret: secret },
      { env: this.env },
    );
  }
  async delete(id: string): Promise<void> {
    await helperErase(this.helper, helperKey(id), { env: this.env });
  }
}

/** For tests and throwaway sessions. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, string>();
  async get(id: string) {
    return this.map.get(id);
  }
  async set(id: string, secret: string) {
    this.map.set(id, secret);
  }
  async delete(id: string) {
    this.map.delete(id);
  }
}

/** Outside Electron: the Docker credential helper when `credsStore` names one, else the encrypted file. */
export async function nodeSecretStore(
  configDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SecretStore> {
  const dockerConfig = await readJsonObject(dockerConfigPath({ env })).catch(() => undefined);
  const helper = stringField(dockerConfig, 'credsStore');
  if (helper && env.LADING_SECRET_STORE !== 'file') return new DockerHelperSecretStore(helper, env);
  return new EncryptedFileSecretStore(configDir);
}
