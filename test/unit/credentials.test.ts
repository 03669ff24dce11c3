import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findMachineCredential,
  listMachineCredentials,
  login,
  logout,
  machineCredentials,
} from '../../electron/core/credentials/index';
import { bestAuthKey } from '../../electron/core/credentials/podman-auth';
import { keyMatchesRegistry, registryHost } from '../../electron/core/credentials/registry-key';
import { FAKE_HELPER } from '../integration/cli-helpers';

let dir: string;
let home: string;
let env: NodeJS.ProcessEnv;
let storeFile: string;
let logFile: string;

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function writeDockerConfig(config: unknown) {
  await mkdir(join(home, '.docker'), { recursive: true });
  await writeFile(join(home, '.docker', 'config.json'), JSON.stringify(config));
}

async function readDockerConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(home, '.docker', 'config.json'), 'utf8'));
}

async function seedHelper(entries: Record<string, { u: string; s: string }>) {
  await writeFile(storeFile, JSON.stringify(entries));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-cred-'));
  home = join(dir, 'home');
  const bin = join(dir, 'bin');
  await mkdir(home, { recursive: true });
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'docker-credential-test'), FAKE_HELPER);
  await chmod(join(bin, 'docker-credential-test'), 0o755);
  storeFile = join(dir, 'helper-store.json');
  logFile = join(dir, 'helper.log');
  await writeFile(logFile, '');
  env = {
    HOME: home,
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_HELPER_STORE: storeFile,
    FAKE_HELPER_LOG: logFile,
  };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('registry keys', () => {
  it('compares by host like Docker, folding Docker Hub aliases', () => {
    expect(registryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryHost('registry-1.docker.io')).toBe('docker.io');
    expect(registryHost('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(keyMatchesRegistry('https://ghcr.io', 'ghcr.io')).toBe(true);
    expect(keyMatchesRegistry('GHCR.io', 'ghcr.io')).toBe(true);
    expect(keyMatchesRegistry('ghcr.io.evil.com', 'ghcr.io')).toBe(false);
  });

  it('picks the most specific Podman key for a repository', () => {
    const keys = ['quay.io', 'quay.io/org', 'quay.io/org/app', 'quay.io/other'];
    expect(bestAuthKey(keys, 'quay.io', 'org/app')).toBe('quay.io/org/app');
    expect(bestAuthKey(keys, 'quay.io', 'org/lib')).toBe('quay.io/org');
    expect(bestAuthKey(keys, 'quay.io', 'orgx/lib')).toBe('quay.io');
    expect(bestAuthKey(keys, 'quay.io')).toBe('quay.io');
    expect(bestAuthKey(['quay.io/org'], 'quay.io')).toBeUndefined();
  });
});

describe('Docker config.json', () => {
  it('decodes inline auths under every key spelling', async () => {
    await writeDockerConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass:with:colons') },
        'https://ghcr.io': { auth: b64('octo:ghp_x') },
        'http://localhost:5000/v2/': { auth: b64('local:pw') },
        'quay.io': { identitytoken: 'refresh-me' },
        'reg.example': { registrytoken: 'bearer-me' },
      },
    });
    const creds = machineCredentials({ env });
    expect(await creds('docker.io')).toEqual({ username: 'hubuser', password: 'hub:pass:with:colons' });
    expect(await creds('registry-1.docker.io')).toEqual({
      username: 'hubuser',
      password: 'hub:pass:with:colons',
    });
    expect(await creds('ghcr.io')).toEqual({ username: 'octo', password: 'ghp_x' });
    expect(await creds('localhost:5000')).toEqual({ username: 'local', password: 'pw' });
    expect(await creds('quay.io')).toEqual({ identityToken: 'refresh-me' });
    expect(await creds('reg.example')).toEqual({ registryToken: 'bearer-me' });
    expect(await creds('elsewhere.example')).toBeUndefined();
  });

  it('honours $DOCKER_CONFIG', async () => {
    const custom = join(dir, 'custom');
    await mkdir(custom);
    await writeFile(
      join(custom, 'config.json'),
      JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:b') } } }),
    );
    expect(await machineCredentials({ env: { ...env, DOCKER_CONFIG: custom } })('ghcr.io')).toEqual({
      username: 'a',
      password: 'b',
    });
    expect(await machineCredentials({ env })('ghcr.io')).toBeUndefined();
  });

  it('asks credHelpers before credsStore, and maps <token> to an identity token', async () => {
    await writeDockerConfig({ credsStore: 'test', credHelpers: { 'ghcr.io': 'test' } });
    await seedHelper({
      'ghcr.io': { u: 'octo', s: 'secret-1' },
      'https://index.docker.io/v1/': { u: '<token>', s: 'idtok' },
    });
    const creds = machineCredentials({ env });
    expect(await creds('ghcr.io')).toEqual({ username: 'octo', password: 'secret-1' });
    expect(await creds('docker.io')).toEqual({ identityToken: 'idtok' });
    expect(await creds('nothing.example')).toBeUndefined();
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('get ghcr.io\n');
    expect(log).toContain('get https://index.docker.io/v1/\n');
  });

  it('skips a missing credsStore program but fails clearly for a missing credHelpers program', async () => {
    await writeDockerConfig({ credsStore: 'desktop', auths: { 'ghcr.io': { auth: b64('a:b') } } });
    expect(await machineCredentials({ env })('ghcr.io')).toEqual({ username: 'a', password: 'b' });
    await writeDockerConfig({ credHelpers: { 'ghcr.io': 'nope' } });
    await expect(machineCredentials({ env })('ghcr.io')).rejects.toMatchObject({
      code: 'file-error',
      message: expect.stringContaining('docker-credential-nope was not found'),
    });
  });

  it('reports a broken config.json as a file error', async () => {
    await mkdir(join(home, '.docker'));
    await writeFile(join(home, '.docker', 'config.json'), '{ nope');
    await expect(machineCredentials({ env })('ghcr.io')).rejects.toMatchObject({ code: 'file-error' });
  });
});

describe('Podman auth.json', () => {
  it('reads XDG_RUNTIME_DIR then ~/.config, most specific key first', async () => {
    const runtime = join(dir, 'run');
    await mkdir(join(runtime, 'containers'), { recursive: true });
    await writeFile(
      join(runtime, 'containers', 'auth.json'),
      JSON.stringify({
        auths: { 'quay.io/org': { auth: b64('orguser:1') }, 'quay.io': { auth: b64('hostuser:2') } },
      }),
    );
    await mkdir(join(home, '.config', 'containers'), { recursive: true });
    await writeFile(
      join(home, '.config', 'containers', 'auth.json'),
      JSON.stringify({ auths: { 'registry.example': { auth: b64('cfg:3') } } }),
    );
    const creds = machineCredentials({ env: { ...env, XDG_RUNTIME_DIR: runtime } });
    expect(await creds('quay.io', 'org/app')).toEqual({ username: 'orguser', password: '1' });
    expect(await creds('quay.io', 'else/app')).toEqual({ username: 'hostuser', password: '2' });
    expect(await creds('quay.io')).toEqual({ username: 'hostuser', password: '2' });
    expect(await creds('registry.example')).toEqual({ username: 'cfg', password: '3' });
  });

  it('reads Docker first, unless REGISTRY_AUTH_FILE is set', async () => {
    await writeDockerConfig({ auths: { 'ghcr.io': { auth: b64('docker:d') } } });
    const authFile = join(dir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { 'ghcr.io': { auth: b64('podman:p') } } }));
    await mkdir(join(home, '.config', 'containers'), { recursive: true });
    await writeFile(join(home, '.config', 'containers', 'auth.json'), await readFile(authFile, 'utf8'));

    const dockerFirst = await findMachineCredential('ghcr.io', undefined, { env });
    expect(dockerFirst?.source).toBe('docker-config');
    expect(dockerFirst?.credential.username).toBe('docker');

    const podmanFirst = await findMachineCredential('ghcr.io', undefined, {
      env: { ...env, REGISTRY_AUTH_FILE: authFile },
    });
    expect(podmanFirst).toMatchObject({
      source: 'podman-auth',
      path: authFile,
      credential: { username: 'podman' },
    });
  });
});

describe('listMachineCredentials', () => {
  it('lists every source without secrets', async () => {
    await writeDockerConfig({
      credsStore: 'test',
      credHelpers: { 'gcr.io': 'test' },
      auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret-hub') }, 'ghcr.io': {} },
    });
    await seedHelper({
      'ghcr.io': { u: 'octo', s: 'secret-ghcr' },
      'gcr.io': { u: 'oauth2accesstoken', s: 'secret-gcr' },
    });
    await mkdir(join(home, '.config', 'containers'), { recursive: true });
    await writeFile(
      join(home, '.config', 'containers', 'auth.json'),
      JSON.stringify({ auths: { 'quay.io/org': { auth: b64('qu:secret-quay') } } }),
    );
    const list = await listMachineCredentials({ env });
    expect(list).toEqual(
      expect.arrayContaining([
        {
          registry: 'gcr.io',
          username: 'oauth2accesstoken',
          source: 'docker-credential-helper',
          helper: 'test',
        },
        { registry: 'ghcr.io', username: 'octo', source: 'docker-credential-helper', helper: 'test' },
        { registry: 'docker.io', username: 'hub', source: 'docker-config' },
        { registry: 'quay.io/org', username: 'qu', source: 'podman-auth' },
      ]),
    );
    expect(list).toHaveLength(4);
    expect(JSON.stringify(list)).not.toMatch(/secret/);
  });

  it('is empty when nothing is configured', async () => {
    expect(await listMachineCredentials({ env })).toEqual([]);
  });
});

describe('login and logout', () => {
  it('writes base64 auths to a new config.json (dir 0700, file 0600) and removes it again', async () => {
    const configDir = join(dir, 'fresh', 'docker');
    const e = { ...env, DOCKER_CONFIG: configDir };
    const saved = await login('localhost:5000', { username: 'me', password: 'p:w' }, { env: e });
    expect(saved).toEqual({
      registry: 'localhost:5000',
      key: 'localhost:5000',
      path: join(configDir, 'config.json'),
    });
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(configDir, 'config.json'))).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8'));
    expect(config).toEqual({ auths: { 'localhost:5000': { auth: b64('me:p:w') } } });
    expect(await machineCredentials({ env: e })('localhost:5000')).toEqual({
      username: 'me',
      password: 'p:w',
    });

    expect(await logout('localhost:5000', { env: e })).toMatchObject({ removed: true });
    expect(JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8'))).toEqual({ auths: {} });
    expect(await logout('localhost:5000', { env: e })).toMatchObject({ removed: false });
  });

  it('keeps other keys and replaces differently spelled keys for the same registry', async () => {
    await writeDockerConfig({
      auths: { 'https://ghcr.io': { auth: b64('old:old') }, 'quay.io': { auth: b64('q:q') } },
      psFormat: 'table {{.ID}}',
      proxies: { default: { httpProxy: 'http://p' } },
    });
    await login('docker.io', { username: 'hub', password: 'h' }, { env });
    await login('ghcr.io', { username: 'new', password: 'n' }, { env });
    expect(await readDockerConfig()).toEqual({
      auths: {
        'quay.io': { auth: b64('q:q') },
        'https://index.docker.io/v1/': { auth: b64('hub:h') },
        'ghcr.io': { auth: b64('new:n') },
      },
      psFormat: 'table {{.ID}}',
      proxies: { default: { httpProxy: 'http://p' } },
    });
  });

  it('stores through the credential helper when one is configured, leaving only a marker in config.json', async () => {
    await writeDockerConfig({ credsStore: 'test' });
    const saved = await login('ghcr.io', { username: 'octo', password: 'secret-x' }, { env });
    expect(saved).toEqual({ registry: 'ghcr.io', key: 'ghcr.io', helper: 'test' });
    const text = await readFile(join(home, '.docker', 'config.json'), 'utf8');
    expect(text).not.toContain('secret-x');
    expect(JSON.parse(text)).toEqual({ credsStore: 'test', auths: { 'ghcr.io': {} } });
    expect(JSON.parse(await readFile(storeFile, 'utf8'))).toEqual({
      'ghcr.io': { u: 'octo', s: 'secret-x' },
    });
    expect(await machineCredentials({ env })('ghcr.io')).toEqual({ username: 'octo', password: 'secret-x' });

    expect(await logout('ghcr.io', { env })).toMatchObject({ removed: true, helper: 'test' });
    expect(JSON.parse(await readFile(storeFile, 'utf8'))).toEqual({});
    expect(await readDockerConfig()).toEqual({ credsStore: 'test', auths: {} });
  });

  it('fails without touching config.json when the helper cannot store', async () => {
    await writeDockerConfig({ credHelpers: { 'ghcr.io': 'missing' } });
    await expect(login('ghcr.io', { username: 'a', password: 'b' }, { env })).rejects.toMatchObject({
      code: 'file-error',
    });
    expect(await readDockerConfig()).toEqual({ credHelpers: { 'ghcr.io': 'missing' } });
  });
});
