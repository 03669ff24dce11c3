/**
 * The `lading` CLI against registries that need credentials: htpasswd (Basic) and Docker token auth.
 * Wrong passwords give one line and exit 3; `login` verifies before it writes config.json (0600), later
 * commands use the saved login, `logout` removes it.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedTags } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

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

    expect((await cli.json<string[]>(['tags', `${registry.host}/auth/app`])).sort()).toEqual(['1', '2']);

    const logout = await cli.lading(['logout', registry.host]);
    expect(logout.code).toBe(0);
    expect(JSON.parse(await readFile(configFile(), 'utf8')).auths).toEqual({});
    const after = await cli.lading(['tags', `${registry.host}/auth/app`]);
    expect(after.code).toBe(3);
  });
});
