import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerEndpoint, engineEndpoints, parseDockerHost } from '../../electron/core/engines/endpoint';

const home = mkdtempSync(join(tmpdir(), 'lading-endpoint-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function writeContext(name: string, host: string): void {
  const dir = join(home, '.docker', 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }),
  );
}

describe('finding the engine as the docker CLI does', () => {
  it('reads unix, npipe and loopback tcp hosts, and refuses the rest', () => {
    expect(parseDockerHost('unix:///run/user/1000/docker.sock', 'DOCKER_HOST')).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(parseDockerHost('npipe:////./pipe/docker_engine', 'DOCKER_HOST').socketPath).toBe(
      '\\\\.\\pipe\\docker_engine',
    );
    expect(parseDockerHost('tcp://127.0.0.1:2375', 'DOCKER_HOST').origin).toBe('http://127.0.0.1:2375');
    expect(parseDockerHost('tcp://localhost', 'DOCKER_HOST').origin).toBe('http://localhost:2375');
    expect(() => parseDockerHost('tcp://10.0.0.5:2375', 'DOCKER_HOST')).toThrow(/loopback/);
    expect(() => parseDockerHost('ssh://me@host', 'docker context remote')).toThrow(/ssh:\/\//);
  });

  it('takes DOCKER_HOST first, then DOCKER_CONTEXT, then currentContext, then the default socket', () => {
    writeContext('colima', `unix://${home}/colima.sock`);
    writeContext('other', `unix://${home}/other.sock`);
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    const env = { HOME: home };
    expect(dockerEndpoint({ env, platform: 'linux' })).toMatchObject({
      socketPath: `${home}/colima.sock`,
      source: 'docker context colima',
    });
    expect(dockerEndpoint({ env: { ...env, DOCKER_CONTEXT: 'other' } }).socketPath).toBe(
      `${home}/other.sock`,
    );
    expect(dockerEndpoint({ env: { ...env, DOCKER_HOST: 'unix:///x.sock' } }).source).toBe('DOCKER_HOST');
    expect(dockerEndpoint({ env: { ...env, DOCKER_CONTEXT: 'default' }, platform: 'linux' }).socketPath).toBe(
      '/var/run/docker.sock',
    );
    expect(dockerEndpoint({ env: { HOME: join(home, 'nowhere') }, platform: 'win32' }).socketPath).toBe(
      '\\\\.\\pipe\\docker_engine',
    );
    expect(() => dockerEndpoint({ env: { ...env, DOCKER_CONTEXT: 'gone' } })).toThrow(/no endpoint/);
  });

  it('adds the podman sockets that exist, or all of them when podman is asked for', () => {
    const run = join(home, 'run');
    mkdirSync(join(run, 'podman'), { recursive: true });
    writeFileSync(join(run, 'podman', 'podman.sock'), '');
    const env = { HOME: home, XDG_RUNTIME_DIR: run, DOCKER_HOST: 'unix:///d.sock' };
    const all = engineEndpoints({ env });
    expect(all.map((e) => [e.kind, e.socketPath])).toContainEqual([
      'podman',
      join(run, 'podman', 'podman.sock'),
    ]);
    expect(all[0]?.kind).toBe('docker');
    expect(engineEndpoints({ env, kind: 'podman' }).map((e) => e.socketPath)).toEqual([
      join(run, 'podman', 'podman.sock'),
      '/run/podman/podman.sock',
    ]);
  });
});
