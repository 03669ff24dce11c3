import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRegistryArg } from '../../electron/app/cli/args';
import { resolveTagTarget } from '../../electron/app/cli/commands/tag';
import { type CliIo, isInsecure } from '../../electron/app/cli/context';
import { exitCodeFor } from '../../electron/app/cli/exit-codes';
import { reportError, runCli } from '../../electron/app/cli/main';
import { LadingError } from '../../electron/core/registry/errors';
import { parseReference } from '../../electron/core/registry/reference';

/** Runs the CLI in-process with captured output. */
async function cli(args: string[], opts: { stdin?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdinIsTTY: opts.tty ?? false,
    env: opts.env ?? { HOME: '/nonexistent-lading-home' },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

function memoryIo() {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: (s) => {
      out.stdout += s;
    },
    stderr: (s) => {
      out.stderr += s;
    },
    stdin: Readable.from([]),
    stdinIsTTY: false,
    env: {},
  };
  return { io, out };
}

describe('exit codes', () => {
  it('groups error codes by what a script would do', () => {
    expect(exitCodeFor('invalid-input')).toBe(2);
    expect(exitCodeFor('invalid-reference')).toBe(2);
    expect(exitCodeFor('unauthorized')).toBe(3);
    expect(exitCodeFor('denied')).toBe(3);
    expect(exitCodeFor('name-unknown')).toBe(4);
    expect(exitCodeFor('manifest-unknown')).toBe(4);
    expect(exitCodeFor('unreachable')).toBe(5);
    expect(exitCodeFor('cancelled')).toBe(130);
    expect(exitCodeFor('server-error')).toBe(1);
    expect(exitCodeFor('internal')).toBe(1);
  });
});

describe('error reporting', () => {
  it('prints a LadingError as one line plus a hint line', () => {
    const { io, out } = memoryIo();
    const code = reportError(
      new LadingError('unauthorized', 'Wrong password\nfor x.', { hint: 'Log in again.' }),
      io,
      {
        debug: false,
        cancelled: false,
      },
    );
    expect(code).toBe(3);
    expect(out.stderr).toBe('lading: Wrong password for x.\nhint: Log in again.\n');
    expect(out.stdout).toBe('');
  });

  it('prints unknown errors as one line, with the stack only under --debug', () => {
    const plain = memoryIo();
    expect(reportError(new Error('boom'), plain.io, { debug: false, cancelled: false })).toBe(1);
    expect(plain.out.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.out.stderr).toContain('lading: unexpected error: boom');
    expect(plain.out.stderr).not.toMatch(/\bat .*\.ts/);

    const debug = memoryIo();
    reportError(new Error('boom'), debug.io, { debug: true, cancelled: false });
    expect(debug.out.stderr).toMatch(/\n\s+at /);
  });

  it('reports an abort after Ctrl-C as cancelled (130)', () => {
    const { io, out } = memoryIo();
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(reportError(abort, io, { debug: false, cancelled: true })).toBe(130);
    expect(out.stderr).toBe('lading: cancelled.\n');
  });
});

describe('argument handling', () => {
  it('prints help and the version with exit 0', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['catalog', 'tags', 'inspect', 'tag', 'delete', 'login', 'logout']) {
      expect(help.stdout).toContain(name);
    }
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reports usage errors in one line with exit 2', async () => {
    const unknown = await cli(['tags', 'localhost:5000/a', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe("lading: unknown option '--nope'");
    expect(unknown.stderr).toContain('hint: ');

    const missing = await cli(['tags']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^lading: missing required argument 'repository'\n/);

    const noCommand = await cli(['frobnicate']);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/^lading: unknown command 'frobnicate'/);

    const badPageSize = await cli(['catalog', 'localhost:5000', '--page-size', '0']);
    expect(badPageSize.code).toBe(2);
  });

  it('rejects invalid references before contacting anything', async () => {
    const upper = await cli(['tags', 'localhost:5000/Upper']);
    expect(upper.code).toBe(2);
    expect(upper.stderr).toMatch(
      /^lading: Invalid repository name "Upper": repository names must be lowercase\.\n/,
    );
    expect(upper.stderr).toContain('hint: Did you mean');

    const badPlatform = await cli(['inspect', 'localhost:5000/a:1', '--platform', 'linux']);
    expect(badPlatform.code).toBe(2);

    const registry = await cli(['catalog', 'localhost:5000/path']);
    expect(registry.code).toBe(2);
    expect(registry.stderr).toContain('is not a registry host');
  });

  it('refuses to delete without --yes when stdin is not a terminal', async () => {
    const r = await cli(['delete', '127.0.0.1:1/app:old']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'lading: Refusing to delete 127.0.0.1:1/app:old without confirmation: stdin is not a terminal.\nhint: Add --yes to delete from a script.\n',
    );
  });

  it('never assumes latest for delete', async () => {
    const r = await cli(['delete', '127.0.0.1:1/app', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('names no tag or digest');
  });

  it('needs --password-stdin with --username, and both for login', async () => {
    const r = await cli(['tags', '127.0.0.1:1/app', '-u', 'me']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--username needs --password-stdin');

    const l = await cli(['login', '127.0.0.1:1']);
    expect(l.code).toBe(2);
    expect(l.stderr).toContain('login needs -u USER.');

    const noTty = await cli(['login', '127.0.0.1:1', '-u', 'me']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('login needs --password-stdin when stdin is not a terminal');

    const empty = await cli(['login', '127.0.0.1:1', '-u', 'me', '--password-stdin'], { stdin: '\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No password was given on stdin');
  });

  it('reports an unreachable registry with exit 5', async () => {
    const r = await cli(['tags', '127.0.0.1:1/app']);
    expect(r.code).toBe(5);
    expect(r.stderr.startsWith('lading: ')).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('tag targets', () => {
  const source = parseReference('localhost:5000/team/app:1.0');

  it('treats a bare tag as the same repository', () => {
    expect(resolveTagTarget(source, 'latest')).toEqual({ repository: 'team/app', tag: 'latest' });
  });

  it('accepts another repository on the same registry', () => {
    expect(resolveTagTarget(source, 'localhost:5000/team/other:2')).toEqual({
      repository: 'team/other',
      tag: '2',
    });
  });

  it('refuses other registries, digests and missing tags', () => {
    expect(() => resolveTagTarget(source, 'ghcr.io/team/app:1')).toThrow(/Cannot tag across registries/);
    expect(() => resolveTagTarget(source, 'localhost:5000/team/other')).toThrow(/has no tag/);
    expect(() => resolveTagTarget(source, `localhost:5000/team/other@sha256:${'a'.repeat(64)}`)).toThrow(
      /digest/,
    );
  });
});

describe('registry arguments', () => {
  it('accepts host[:port] with an optional scheme; http:// means insecure', () => {
    expect(parseRegistryArg('ghcr.io')).toEqual({ registry: 'ghcr.io', insecure: false });
    expect(parseRegistryArg('http://Reg.Example:5000/')).toEqual({
      registry: 'reg.example:5000',
      insecure: true,
    });
    expect(parseRegistryArg('index.docker.io')).toEqual({ registry: 'docker.io', insecure: false });
  });
});

describe('insecure registries', () => {
  it('honours --insecure and LADING_INSECURE_REGISTRIES by host:port or host', () => {
    const env = { LADING_INSECURE_REGISTRIES: ' reg.local:5000, other.example ' };
    expect(isInsecure('reg.local:5000', {}, env)).toBe(true);
    expect(isInsecure('reg.local:6000', {}, env)).toBe(false);
    expect(isInsecure('other.example:443', {}, env)).toBe(true);
    expect(isInsecure('ghcr.io', {}, env)).toBe(false);
    expect(isInsecure('ghcr.io', { insecure: true }, {})).toBe(true);
  });
});

describe('logins', () => {
  it('lists logins without secrets, and says so when there are none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lading-logins-'));
    try {
      const env = { HOME: dir, DOCKER_CONFIG: dir, PATH: process.env.PATH };
      expect((await cli(['logins'], { env })).stdout).toBe('No registry logins found.\n');
      const auth = Buffer.from('octo:very-secret').toString('base64');
      await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth } } }));
      const json = await cli(['logins', '--json'], { env });
      expect(JSON.parse(json.stdout)).toEqual([
        { registry: 'ghcr.io', username: 'octo', source: 'docker-config' },
      ]);
      const text = await cli(['logins'], { env });
      expect(text.stdout).toMatch(/^REGISTRY\s+USERNAME\s+SOURCE\nghcr\.io\s+octo\s+docker-config\n$/);
      expect(json.stdout + text.stdout).not.toContain('very-secret');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('credentials in a reference', () => {
  const secret = 'hunter2-userinfo-secret';
  it.each([
    ['tags', `octocat:${secret}@ghcr.io/acme/app`],
    ['inspect', `octocat:${secret}@ghcr.io/acme/app:1.0`],
    ['inspect', `https://octocat:${secret}@ghcr.io/acme/app@sha256:${'a'.repeat(64)}`],
    ['pull', `octocat:${secret}@localhost:5000/app:1`, 'out.tar'],
    ['delete', `octocat:${secret}@ghcr.io/acme/app:old`, '--yes'],
    ['login', `https://octocat:${secret}@ghcr.io/v2/`, '-u', 'octocat', '--password-stdin'],
  ])('lading %s %s is refused (exit 2), the password repeated nowhere', async (...args) => {
    const r = await cli(args, { stdin: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/username or password/);
    expect(r.stderr + r.stdout).not.toContain(secret);
  });
});
