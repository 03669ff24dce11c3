/**
 * No secret leaks. The CLI, the services and the browser bridge are driven through logins, listings, pushes,
 * pulls, deletes and failures with distinctive passwords against real registries (Basic and token auth);
 * every stdout/stderr, every answer, every event, and every file they leave behind is then searched for the
 * password, its Base64 forms, Authorization headers and bearer tokens. The only places a secret may live are
 * the encrypted store (ciphertext only) and Docker's own config.json, where `lading login` writes exactly as
 * `docker login` does.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge } from '../../electron/app/bridge/server';
import { createServices, dispatch } from '../../electron/app/services';
import { EncryptedFileSecretStore } from '../../electron/core/connections/secret-store';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { BRIDGE_TOKEN_HEADER } from '../../shared/bridge-protocol';
import { buildImage, pushImage, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { chooseArchives, chooseSavePath, ScriptedDialogs } from '../support/services';
import { cliSandbox } from './cli-helpers';

/** A place something was written or said, and what. */
interface Capture {
  where: string;
  text: string;
}

const captures: Capture[] = [];
const record = (where: string, text: unknown) =>
  captures.push({ where, text: typeof text === 'string' ? text : JSON.stringify(text) });

let tokenRegistry: TestRegistry;
let basicRegistry: TestRegistry;
let root: string;
let archive: string;

/** Every form in which a credential could leak. */
function needles(user: { username: string; password: string }): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [user.password, b64(`${user.username}:${user.password}`), b64(user.password)];
}
/** A JWT (the token issuer's tokens) or an Authorization header value. */
const TOKEN_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
const AUTH_HEADER_PATTERN = /\b(Basic|Bearer) [A-Za-z0-9+/=._-]{12,}/;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lading-secrets-'));
  tokenRegistry = await startRegistry({ mode: 'token' });
  basicRegistry = await startRegistry({ mode: 'basic' });
  // Distinctive passwords (the helpers make random ones) are what we search for.
  const image = await buildImage({ layers: [{ 'secret-test.txt': 'nothing secret here\n' }] });
  await pushImage(tokenRegistry, image, 'team/app:1');
  await pushImage(basicRegistry, image, 'team/app:1');
  archive = join(root, 'app.tar');
  await writeArchive(image, 'docker-archive', archive, { refName: 'team/app:1' });
});

afterAll(async () => {
  closeGzipPool();
  await tokenRegistry?.stop();
  await basicRegistry?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function expectClean(
  where: string,
  text: string,
  users: Array<{ username: string; password: string }>,
): void {
  for (const user of users) {
    for (const needle of needles(user))
      expect(text.includes(needle), `${where} contains a credential`).toBe(false);
  }
  expect(TOKEN_PATTERN.test(text), `${where} contains a bearer token`).toBe(false);
  expect(AUTH_HEADER_PATTERN.test(text), `${where} contains an Authorization header`).toBe(false);
}

describe('the CLI', () => {
  it('never prints or writes a password or token, in success or failure, with or without --debug', {
    timeout: 180_000,
  }, async () => {
    const cli = await cliSandbox();
    try {
      for (const registry of [tokenRegistry, basicRegistry]) {
        const user = registry.user!;
        const host = registry.host;
        const out = join(root, `cli-pull-${registry.mode}.tar`);
        const steps: Array<{ args: string[]; input?: string }> = [
          { args: ['login', host, '-u', user.username, '--password-stdin'], input: `${user.password}\n` },
          { args: ['tags', `${host}/team/app`] },
          { args: ['tags', `${host}/team/app`, '--json', '--debug'] },
          { args: ['catalog', host, '--json'] },
          { args: ['inspect', `${host}/team/app:1`, '--json'] },
          { args: ['push', archive, `${host}/team/pushed:1`] },
          { args: ['pull', `${host}/team/app:1`, out] },
          { args: ['tag', `${host}/team/app:1`, 'second'] },
          { args: ['delete', `${host}/team/app:second`, '--yes'] },
          { args: ['inspect', `${host}/team/nope:1`, '--debug'] },
          { args: ['tags', `${host}/team/app`, '--debug'], input: '' },
        ];
        for (const step of steps) {
          const r = await cli.lading(step.args, { input: step.input });
          record(`lading ${step.args.join(' ')} (stdout)`, r.stdout);
          record(`lading ${step.args.join(' ')} (stderr)`, r.stderr);
          // Everything but the deliberate failure must have worked (or the test proves little).
          if (!step.args.includes(`${host}/team/nope:1`))
            expect(r.code, `${step.args.join(' ')}: ${r.stderr}`).toBe(0);
        }
        // Failures that involve the secret directly.
        const wrong = { username: user.username, password: `${user.password}-wrong` };
        for (const args of [
          ['login', host, '-u', wrong.username, '--password-stdin'],
          ['login', host, '-u', wrong.username, '--password-stdin', '--debug'],
        ]) {
          const r = await cli.lading(args, { input: `${wrong.password}\n` });
          expect(r.code).not.toBe(0);
          record(`lading ${args.join(' ')} (stdout)`, r.stdout);
          record(`lading ${args.join(' ')} (stderr)`, r.stderr);
          expectClean(`lading ${args.join(' ')}`, r.stdout + r.stderr, [wrong]);
        }
        const logout = await cli.lading(['logout', host]);
        record(`lading logout ${host}`, logout.stdout + logout.stderr);
      }
      for (const c of captures) expectClean(c.where, c.text, [tokenRegistry.user!, basicRegistry.user!]);

      // Files the CLI left in its sandbox HOME: Docker's config.json is the credential store `docker login`
      // uses (it keeps Base64 credentials there); it must be private to the user. Nothing else may hold one.
      for await (const file of walk(join(cli.home, '..'))) {
        const rel = relative(join(cli.home, '..'), file);
        const info = await stat(file);
        if (info.size > 64 * 1024 * 1024) continue;
        const text = await readFile(file, 'latin1');
        if (file === join(cli.dockerConfig, 'config.json')) {
          expect(info.mode & 0o077, 'config.json is readable by others').toBe(0);
          expect(TOKEN_PATTERN.test(text), 'config.json holds a bearer token').toBe(false);
          continue;
        }
        expectClean(`CLI file ${rel}`, text, [tokenRegistry.user!, basicRegistry.user!]);
      }
    } finally {
      await cli.cleanup();
    }
  });
});

describe('the services and the browser bridge', () => {
  it('keep secrets in the encrypted store only: never in answers, events, job errors or other files', {
    timeout: 180_000,
  }, async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const tempDir = await mkdtemp(join(root, 'tmp-'));
    const outDir = await mkdtemp(join(root, 'out-'));
    const dialogs = new ScriptedDialogs();
    const services = await createServices({
      dataDir,
      tempDir,
      mode: 'electron',
      secretStore: new EncryptedFileSecretStore(dataDir),
      dialogs,
    });
    const events: Capture[] = [];
    const unsubscribe = services.events.subscribe((event, payload) =>
      events.push({ where: `event ${event}`, text: JSON.stringify(payload) }),
    );
    const bridgeServices = await createServices({
      dataDir,
      tempDir,
      mode: 'bridge',
      secretStore: new EncryptedFileSecretStore(dataDir),
    });
    const bridge = await startBridge({ services: bridgeServices });
    try {
      const call = async (name: string, request: unknown) => {
        const r = await dispatch(services.handlers, name as never, request);
        record(`dispatch ${name}`, r);
        return r as { ok: boolean; value?: unknown; error?: { message: string } };
      };
      const ids: string[] = [];
      for (const registry of [tokenRegistry, basicRegistry]) {
        const user = registry.user!;
        const saved = await call('connections.save', {
          name: `secret ${registry.mode}`,
          kind: 'generic',
          registry: registry.host,
          username: user.username,
          secret: user.password,
        });
        expect(saved.ok, saved.error?.message).toBe(true);
        const id = (saved.value as { id: string }).id;
        ids.push(id);
        await call('connections.list', {});
        await call('connections.verify', { id });
        await call('connections.verify', {
          draft: {
            name: 'wrong',
            kind: 'generic',
            registry: registry.host,
            username: user.username,
            secret: `${user.password}-wrong`,
          },
        });
        await call('registry.repositories', { connectionId: id });
        await call('registry.tags', { connectionId: id, repository: 'team/app' });
        await call('registry.tagDetails', { connectionId: id, repository: 'team/app', tags: ['1'] });
        await call('registry.inspect', { connectionId: id, repository: 'team/app', reference: '1' });
        await call('registry.inspect', { connectionId: id, repository: 'team/none', reference: '1' });
        await chooseArchives({ services, dialogs }, [archive]);
        await call('jobs.push', {
          connectionId: id,
          source: { path: archive },
          target: { repository: 'team/pushed', tag: 's' },
        });
        await call('jobs.pull', {
          connectionId: id,
          repository: 'team/app',
          reference: '1',
          format: 'docker',
          path: await chooseSavePath({ services, dialogs }, join(outDir, `${registry.mode}.tar`)),
        });
        await call('jobs.pull', {
          connectionId: id,
          repository: 'team/none',
          reference: '1',
          format: 'oci',
          path: await chooseSavePath({ services, dialogs }, join(outDir, 'none.tar')),
        });
        await call('jobs.tag', {
          connectionId: id,
          source: { repository: 'team/app', reference: '1' },
          target: { repository: 'team/app', tag: 'two' },
        });
        await call('jobs.delete', { connectionId: id, repository: 'team/app', tags: ['two'], digests: [] });
      }
      // Wait for the jobs, then keep their final state (errors included).
      for (let i = 0; i < 600; i++) {
        const list = await call('jobs.list', {});
        const jobs = (list.value ?? []) as Array<{ state: string }>;
        if (jobs.every((j) => j.state !== 'queued' && j.state !== 'running')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const finalJobs = (await call('jobs.list', {})).value as Array<{ state: string; title: string }>;
      expect(finalJobs.filter((j) => j.state === 'done').length).toBeGreaterThanOrEqual(6);

      // The same calls over the bridge's HTTP API (what a browser tab sees).
      for (const [name, body] of [
        ['connections.list', {}],
        ['connections.verify', { id: ids[0] }],
        ['registry.tags', { connectionId: ids[1], repository: 'team/app' }],
        ['jobs.list', {}],
      ] as const) {
        const res = await fetch(`${bridge.origin}/api/call/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token },
          body: JSON.stringify(body),
        });
        record(`bridge ${name}`, await res.text());
      }

      const users = [tokenRegistry.user!, basicRegistry.user!];
      // The flows really ran with the credentials (a leak check over failures only would prove little).
      expect(
        captures.filter((c) => c.where === 'dispatch registry.tags' && c.text.includes('"ok":true')),
      ).toHaveLength(2);
      expect(
        captures.some(
          (c) => c.where === 'dispatch connections.verify' && c.text.includes('"value":{"ok":false'),
        ),
      ).toBe(true);
      for (const c of [...captures, ...events]) expectClean(c.where, c.text, users);

      // Files: the encrypted store holds ciphertext only; nothing else holds a secret at all.
      let sawStore = false;
      for (const dir of [dataDir, tempDir, outDir]) {
        for await (const file of walk(dir)) {
          const text = await readFile(file, 'latin1');
          if (file === join(dataDir, 'secrets.enc.json')) sawStore = true;
          expectClean(`file ${relative(root, file)}`, text, users);
        }
      }
      expect(sawStore, 'the encrypted store was used').toBe(true);
    } finally {
      unsubscribe();
      await bridge.close();
      await bridgeServices.dispose();
      await services.dispose();
    }
  });
});
