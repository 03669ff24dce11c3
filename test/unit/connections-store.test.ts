import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../electron/app/services';
import { dispatch } from '../../electron/app/services/dispatch';
import { ladingConfigDir } from '../../electron/core/connections/config-dir';
import {
  EncryptedFileSecretStore,
  type SafeStorageLike,
  SafeStorageSecretStore,
} from '../../electron/core/connections/secret-store';
import { ConnectionStore } from '../../electron/core/connections/store';

const SECRET = 'ghp_SuperSecretTokenValue1234567890';

/** Every byte under `dir`, as latin1 text, to grep for a secret in any encoding we might have used. */
async function allText(dir: string): Promise<string> {
  let out = '';
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) out += (await readFile(path)).toString('latin1');
  }
  return out;
}

function expectNoSecret(text: string, secret: string) {
  expect(text).not.toContain(secret);
  expect(text).not.toContain(Buffer.from(secret).toString('base64'));
  expect(text).not.toContain(Buffer.from(secret).toString('hex'));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-conn-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('connection store with the encrypted file store', () => {
  it('stores the secret encrypted: nothing readable in the config dir', async () => {
    const store = new ConnectionStore(dir, new EncryptedFileSecretStore(dir));
    const saved = await store.save({
      name: 'GHCR',
      kind: 'ghcr',
      registry: 'ghcr.io',
      username: 'octocat',
      secret: SECRET,
      owner: 'acme',
    });
    expect(saved).toMatchObject({
      hasSecret: true,
      credentialSource: 'saved',
      githubApiUrl: 'https://api.github.com',
    });
    expect(saved).not.toHaveProperty('secret');
    expectNoSecret(await allText(dir), SECRET);
    // grep, as the issue asks: the plain secret is nowhere in the config dir.
    expect(() => execFileSync('grep', ['-r', SECRET, dir])).toThrow();
    expect(await store.secretOf(saved.id)).toBe(SECRET);
    // Files holding ciphertext or the key are private to the user.
    for (const f of ['connections.json', 'secrets.enc.json', 'secret.key']) {
      expect((await stat(join(dir, f))).mode & 0o077).toBe(0);
    }
    // A new store instance (new process) decrypts with the key file.
    expect(await new EncryptedFileSecretStore(dir).get(saved.id)).toBe(SECRET);
  });

  it('keeps the secret when editing without one, drops it for machine credentials, deletes it on remove', async () => {
    const secrets = new EncryptedFileSecretStore(dir);
    const store = new ConnectionStore(dir, secrets);
    const saved = await store.save({
      name: 'A',
      kind: 'generic',
      registry: 'localhost:5000',
      secret: SECRET,
    });
    const renamed = await store.save({
      id: saved.id,
      name: 'B',
      kind: 'generic',
      registry: 'localhost:5000',
    });
    expect(renamed).toMatchObject({ name: 'B', hasSecret: true, createdAt: saved.createdAt });
    expect(await secrets.get(saved.id)).toBe(SECRET);
    const machine = await store.save({
      id: saved.id,
      name: 'B',
      kind: 'generic',
      registry: 'localhost:5000',
      useMachineCredentials: true,
    });
    expect(machine).toMatchObject({ hasSecret: false, credentialSource: 'machine' });
    expect(await secrets.get(saved.id)).toBeUndefined();
    await store.save({ id: saved.id, name: 'B', kind: 'generic', registry: 'localhost:5000', secret: 'x' });
    await store.remove(saved.id);
    expect(await store.list()).toEqual([]);
    expect(await secrets.get(saved.id)).toBeUndefined();
  });

  it('rejects a tampered ciphertext and binds it to its connection id', async () => {
    const secrets = new EncryptedFileSecretStore(dir);
    await secrets.set('a', SECRET);
    await secrets.set('b', 'other');
    const file = JSON.parse(await readFile(join(dir, 'secrets.enc.json'), 'utf8'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'secrets.enc.json'), JSON.stringify({ a: file.b, b: file.a }));
    await expect(new EncryptedFileSecretStore(dir).get('a')).rejects.toMatchObject({ code: 'file-error' });
  });

  it('serialises concurrent saves', async () => {
    const store = new ConnectionStore(dir, new EncryptedFileSecretStore(dir));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.save({ name: `r${i}`, kind: 'generic', registry: `localhost:${5000 + i}`, secret: `s${i}` }),
      ),
    );
    const list = await store.list();
    expect(list).toHaveLength(10);
    for (const c of list) expect(await store.secretOf(c.id)).toBe(`s${c.registry.split(':')[1]!.slice(-1)}`);
  });
});

describe('safeStorage store', () => {
  // Stands in for Electron's safeStorage (not available outside Electron): a reversible byte transform.
  const fake: SafeStorageLike = {
    isEncryptionAvailable: () => true,
    encryptString: (s) => Buffer.from(Buffer.from(s).map((b) => b ^ 0x5a)),
    decryptString: (b) => Buffer.from(b.map((x) => x ^ 0x5a)).toString(),
  };

  it('stores only ciphertext and round-trips', async () => {
    const store = new ConnectionStore(dir, new SafeStorageSecretStore(fake, dir));
    const saved = await store.save({
      name: 'A',
      kind: 'generic',
      registry: 'localhost:5000',
      secret: SECRET,
    });
    expectNoSecret(await allText(dir), SECRET);
    expect(await store.secretOf(saved.id)).toBe(SECRET);
  });

  it('refuses to save when the OS keychain is unavailable', async () => {
    const store = new SafeStorageSecretStore({ ...fake, isEncryptionAvailable: () => false }, dir);
    await expect(store.set('a', SECRET)).rejects.toMatchObject({ code: 'unsupported' });
  });
});

describe('through the services', () => {
  it('never returns the secret to the renderer', async () => {
    const services = await createServices({
      dataDir: dir,
      secretStore: new EncryptedFileSecretStore(dir),
      mode: 'bridge',
      tempDir: dir,
    });
    try {
      const saved = await dispatch(services.handlers, 'connections.save', {
        name: 'A',
        kind: 'generic',
        registry: 'localhost:5000',
        username: 'u',
        secret: SECRET,
      });
      expect(saved.ok).toBe(true);
      const list = await dispatch(services.handlers, 'connections.list', {});
      expect(JSON.stringify([saved, list])).not.toContain(SECRET);
      expectNoSecret(await allText(dir), SECRET);
    } finally {
      await services.dispose();
    }
  });
});

describe('config dir', () => {
  it('honours LADING_CONFIG_DIR and the OS conventions', () => {
    expect(ladingConfigDir({ LADING_CONFIG_DIR: '/x' })).toBe('/x');
    expect(ladingConfigDir({ HOME: '/h' }, 'linux')).toBe('/h/.config/lading');
    expect(ladingConfigDir({ HOME: '/h', XDG_CONFIG_HOME: '/c' }, 'linux')).toBe('/c/lading');
    expect(ladingConfigDir({ HOME: '/h' }, 'darwin')).toBe('/h/Library/Application Support/lading');
  });
});

describe('credentials found on this machine', () => {
  it('lists Docker logins without secrets and uses them for machine connections', async () => {
    const saved = { ...process.env };
    const dockerDir = join(dir, 'docker');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dockerDir);
    await writeFile(
      join(dockerDir, 'config.json'),
      JSON.stringify({
        auths: { 'registry.example:5000': { auth: Buffer.from(`me:${SECRET}`).toString('base64') } },
      }),
    );
    process.env.DOCKER_CONFIG = dockerDir;
    process.env.REGISTRY_AUTH_FILE = join(dir, 'none.json');
    process.env.XDG_RUNTIME_DIR = join(dir, 'run');
    const services = await createServices({
      dataDir: join(dir, 'lading'),
      secretStore: new EncryptedFileSecretStore(join(dir, 'lading')),
      mode: 'bridge',
      tempDir: dir,
    });
    try {
      const found = await dispatch(services.handlers, 'connections.discover', {});
      expect(found).toEqual({
        ok: true,
        value: [{ registry: 'registry.example:5000', username: 'me', source: 'docker-config' }],
      });
      expect(JSON.stringify(found)).not.toContain(SECRET);
      const conn = await dispatch(services.handlers, 'connections.save', {
        name: 'Imported',
        kind: 'generic',
        registry: 'registry.example:5000',
        username: 'me',
        useMachineCredentials: true,
      });
      expect(conn).toMatchObject({ ok: true, value: { credentialSource: 'machine', hasSecret: false } });
      if (!conn.ok) return;
      const access = await services.context.access(conn.value.id);
      expect(access.credential).toMatchObject({ username: 'me', password: SECRET });
      // Nothing copied into Lading's own files.
      expectNoSecret(await allText(join(dir, 'lading')), SECRET);
    } finally {
      await services.dispose();
      process.env = saved;
    }
  });
});
