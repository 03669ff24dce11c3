/**
 * The `lading` CLI against registries that need credentials: htpasswd (Basic) and Docker token auth.
 * Wrong passwords give one line and exit 3; `login` verifies before it writes config.json (0600), later
 * commands use the saved login, `logout` removes it.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE, startHostileRegistry } from '../support/hostile-registry';
import { seedTags } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type CliSandbox, cliSandbox, expectOneLineError, FAKE_HELPER } from './cli-helpers';

let cli: CliSandbox;

beforeAll(async () => {
  cli = await cliSandbox();
});

afterAll(async () => {
  await cli?.cleanup();
});

afterEach(async () => {
  await rm(cli.dockerConfig, { recursive: true, force: true });
});

const configFile = () => join(cli.dockerConfig, 'config.json');

describe.each(['basic', 'token'] as const)('%s auth', (mode) => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ mode });
    await seedTags(registry, 'auth/app', ['1', '2']);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('says credentials are needed when there are none (exit 3)', async () => {
    const r = await cli.lading(['tags', `${registry.host}/auth/app`]);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r.stderr).hint).toContain('lading login');
  });

  it('reports a wrong password in one line with exit 3 and no stack trace', async () => {
    const user = registry.user!;
    const r = await cli.lading(
      ['tags', `${registry.host}/auth/app`, '-u', user.username, '--password-stdin'],
      {
        input: 'not-the-password\n',
      },
    );
    expect(r.code).toBe(3);
    const { message } = expectOneLineError(r.stderr);
    expect(message).toContain(registry.host);
    expect(r.stderr).not.toContain('not-the-password');
    expect(r.stdout).toBe('');
  });

  it('uses --username/--password-stdin for one command', async () => {
    const user = registry.user!;
    const r = await cli.lading(
      ['tags', `${registry.host}/auth/app`, '--json', '-u', user.username, '--password-stdin'],
      { input: `${user.password}\n` },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sort()).toEqual(['1', '2']);
  });

  it('login refuses a wrong password and writes nothing', async () => {
    const r = await cli.lading(['login', registry.host, '-u', registry.user!.username, '--password-stdin'], {
      input: 'wrong-password',
    });
    expect(r.code).toBe(3);
    expectOneLineError(r.stderr);
    expect(existsSync(configFile())).toBe(false);
  });

  it('login saves to config.json (0600), later commands use it, logout removes it', async () => {
    const user = registry.user!;
    const login = await cli.lading(['login', registry.host, '-u', user.username, '--password-stdin'], {
      input: `${user.password}\n`,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(configFile());
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(configFile(), 'utf8'));
    expect(config.auths[registry.host].auth).toBe(
      Buffer.from(`${user.username}:${user.password}`).toString('base64'),
    );
    expect(login.stdout).not.toContain(user.password);
    // docker login's warning, on stderr: the login sits in config.json as base64, and how to avoid that.
    expect(login.stderr).toContain(`stored unencrypted (base64) in ${configFile()}`);
    expect(login.stderr).toContain('credsStore');

    expect((await cli.json<string[]>(['tags', `${registry.host}/auth/app`])).sort()).toEqual(['1', '2']);

    const logout = await cli.lading(['logout', registry.host]);
    expect(logout.code).toBe(0);
    expect(JSON.parse(await readFile(configFile(), 'utf8')).auths).toEqual({});
    const after = await cli.lading(['tags', `${registry.host}/auth/app`]);
    expect(after.code).toBe(3);
  });
});

describe('credential helper', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ mode: 'basic' });
    await seedTags(registry, 'helper/app', ['1']);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('login stores through credsStore, later commands read it back, logout erases it', async () => {
    const bin = join(cli.home, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'docker-credential-test'), FAKE_HELPER);
    await chmod(join(bin, 'docker-credential-test'), 0o755);
    const store = join(cli.home, 'helper-store.json');
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_HELPER_STORE: store,
      FAKE_HELPER_LOG: join(cli.home, 'helper.log'),
    };
    await mkdir(cli.dockerConfig, { recursive: true });
    await writeFile(configFile(), JSON.stringify({ credsStore: 'test' }));

    const user = registry.user!;
    const login = await cli.lading(['login', registry.host, '-u', user.username, '--password-stdin'], {
      input: user.password,
      env,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('docker-credential-test');
    expect(login.stderr).not.toContain('unencrypted');
    expect(await readFile(configFile(), 'utf8')).not.toContain(user.password);
    expect(JSON.parse(await readFile(store, 'utf8'))[registry.host]).toEqual({
      u: user.username,
      s: user.password,
    });

    const tags = await cli.lading(['tags', `${registry.host}/helper/app`, '--json'], { env });
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout)).toEqual(['1']);

    const logins = await cli.lading(['logins', '--json'], { env });
    expect(JSON.parse(logins.stdout)).toEqual([
      {
        registry: registry.host,
        username: user.username,
        source: 'docker-credential-helper',
        helper: 'test',
      },
    ]);

    expect((await cli.lading(['logout', registry.host], { env })).code).toBe(0);
    expect(JSON.parse(await readFile(store, 'utf8'))).toEqual({});
    expect((await cli.lading(['tags', `${registry.host}/helper/app`], { env })).code).toBe(3);
  });

  it('a helper that fails and echoes the secret on stderr: the error says so, without the secret', async () => {
    const bin = join(cli.home, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'docker-credential-test'), FAKE_HELPER);
    await chmod(join(bin, 'docker-credential-test'), 0o755);
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_HELPER_STORE: join(cli.home, 'helper-store.json'),
      FAKE_HELPER_LOG: join(cli.home, 'helper.log'),
      FAKE_HELPER_FAIL_STORE: '1',
    };
    await mkdir(cli.dockerConfig, { recursive: true });
    await writeFile(configFile(), JSON.stringify({ credsStore: 'test' }));
    const user = registry.user!;
    const r = await cli.lading(['login', registry.host, '-u', user.username, '--password-stdin'], {
      input: user.password,
      env,
    });
    expect(r.code).not.toBe(0);
    const error = expectOneLineError(r.stderr);
    expect(error.message).toContain('docker-credential-test store failed');
    expect(error.message).toContain('cannot store');
    expect(error.message).toContain('[redacted]');
    expect(r.stderr + r.stdout).not.toContain(user.password);
  });
});

describe('token services on another host', () => {
  it('credentials go to a cross-site token realm only with --allow-cross-host-realm', async () => {
    // The registry on 127.0.0.1 names a token service on 127.0.0.2: another host.
    const h = await startHostileRegistry({ auth: 'bearer-cross-host' });
    try {
      const ref = `${h.host}/${HOSTILE.good}`;
      const args = ['tags', ref, '--json', '-u', 'someone', '--password-stdin'];
      const refused = await cli.lading(args, { input: 'cross-host-cli-secret' });
      expect(refused.code).toBe(3);
      expect(expectOneLineError(refused.stderr).message).toContain(h.other.host);
      expect(h.other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);

      const allowed = await cli.lading([...args, '--allow-cross-host-realm'], {
        input: 'cross-host-cli-secret',
      });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(JSON.parse(allowed.stdout)).toEqual(['latest']);
      expect(h.other.requests.some((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
