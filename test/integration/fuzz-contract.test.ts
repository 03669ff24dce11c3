/**
 * Property-based fuzzing of every contract call, in process through `dispatch` and over the browser bridge's
 * HTTP endpoint: random values, objects with the contract's own keys holding hostile values (path traversal,
 * NUL bytes, huge strings, prototype keys, wrong types), and valid-looking requests against real saved
 * connections. Whatever arrives, the main side must answer a typed Result (never throw, never an `internal`
 * error, never a stack trace) and must not write outside its own directories.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Bridge, startBridge } from '../../electron/app/bridge/server';
import { createServices, dispatch, type Services } from '../../electron/app/services';
import { MemorySecretStore } from '../../electron/core/connections/secret-store';
import type { ErrorCode } from '../../electron/core/registry/errors';
import {
  BRIDGE_EVENTS_PATH,
  BRIDGE_FILENAME_HEADER,
  BRIDGE_TOKEN_HEADER,
  BRIDGE_UPLOAD_PATH,
  BRIDGE_WS_PROTOCOL_PREFIX,
} from '../../shared/bridge-protocol';
import { type CallName, callNames, contract, type Result } from '../../shared/contract';
import { buildImage, pushImage } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

const ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid-reference',
  'invalid-input',
  'unauthorized',
  'denied',
  'name-unknown',
  'manifest-unknown',
  'blob-unknown',
  'unsupported',
  'rate-limited',
  'unreachable',
  'digest-mismatch',
  'too-large',
  'protocol-error',
  'server-error',
  'archive-invalid',
  'file-error',
  'conflict',
  'cancelled',
]);

const SECRET = 'fuzz-secret-Zq81-never-shown';

let root: string;
let forbidden: string;
let registry: TestRegistry;
let envBefore: NodeJS.ProcessEnv;
const opened: string[] = [];

/** A directory the services were never given: nothing may appear in it or change in it. */
const SENTINEL = 'sentinel.txt';
const SENTINEL_TEXT = 'do not touch\n';

interface Sandbox {
  services: Services;
  dataDir: string;
  connectionIds: string[];
}

async function makeServices(mode: 'electron' | 'bridge'): Promise<Sandbox> {
  const dataDir = await mkdtemp(join(root, `${mode}-data-`));
  const tempDir = await mkdtemp(join(root, `${mode}-tmp-`));
  const services = await createServices({
    dataDir,
    tempDir,
    mode,
    // No `pipelines`: the real push and pull pipelines that createServices wires by default.
    secretStore: new MemorySecretStore(),
    transferConcurrency: 2,
    dialogs:
      mode === 'electron'
        ? { openArchives: async () => [], saveFile: async () => join(tempDir, 'saved.tar') }
        : undefined,
    openExternal:
      mode === 'electron'
        ? async (url) => {
            opened.push(url);
          }
        : undefined,
  });
  return { services, dataDir, connectionIds: await saveConnections(services) };
}

async function saveConnections(services: Services): Promise<string[]> {
  const connectionIds: string[] = [];
  for (const input of [
    { name: 'open', kind: 'generic', registry: registry.host },
    { name: 'with secret', kind: 'generic', registry: registry.host, username: 'u', secret: SECRET },
    { name: 'nowhere', kind: 'generic', registry: '127.0.0.1:1' },
  ]) {
    const r = await dispatch(services.handlers, 'connections.save', input);
    if (!r.ok) throw new Error(`could not save a connection: ${r.error.message}`);
    connectionIds.push(r.value.id);
  }
  return connectionIds;
}

beforeAll(async () => {
  envBefore = { ...process.env };
  root = await mkdtemp(join(tmpdir(), 'lading-fuzz-'));
  forbidden = await mkdtemp(join(tmpdir(), 'lading-fuzz-forbidden-'));
  await writeFile(join(forbidden, SENTINEL), SENTINEL_TEXT);
  registry = await startRegistry({ mode: 'open' });
  const image = await buildImage({ layers: [{ 'fuzz.txt': 'fuzz\n' }] });
  await pushImage(registry, image, 'fuzz/app:1');
  // Machine credential discovery reads (and login would write) these: keep them inside the sandbox. Set
  // only now: docker-registry reads REGISTRY_* variables as configuration, and skopeo reads them too.
  const home = join(root, 'home');
  await mkdir(home);
  Object.assign(process.env, {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    REGISTRY_AUTH_FILE: join(home, 'auth.json'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
  });
});

afterAll(async () => {
  await registry?.stop();
  process.env = envBefore;
  if (root) await rm(root, { recursive: true, force: true });
  if (forbidden) await rm(forbidden, { recursive: true, force: true });
});

async function expectForbiddenUntouched(): Promise<void> {
  expect(await readdir(forbidden)).toEqual([SENTINEL]);
  expect(await readFile(join(forbidden, SENTINEL), 'utf8')).toBe(SENTINEL_TEXT);
}

/** Every key any request schema knows, so generated objects reach past "unknown key" checks. */
const KNOWN_KEYS = [
  'id',
  'name',
  'kind',
  'registry',
  'insecure',
  'username',
  'secret',
  'useMachineCredentials',
  'owner',
  'ownerType',
  'githubApiUrl',
  'draft',
  'connectionId',
  'repository',
  'tags',
  'reference',
  'platform',
  'source',
  'path',
  'uploadId',
  'image',
  'target',
  'tag',
  'compression',
  'format',
  'allPlatforms',
  'digests',
  'defaultName',
  'url',
  'packageName',
  'state',
  'versionId',
];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''];

function nastyStrings(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.constantFrom(
      '../../../../etc/passwd',
      '/etc/shadow',
      '..\\..\\windows\\system32',
      'a\u0000b',
      '\u202e\u0000\ud800',
      'x'.repeat(70_000),
      '%2e%2e%2f%2e%2e%2f',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://example.com',
      'https://example.com/path',
      'data:text/html,<script>alert(1)</script>',
      `sha256:${'0'.repeat(64)}`,
      'sha256:zz',
      'fuzz/app',
      '1',
      'latest',
      'UPPER/Case',
      'ghcr.io',
      '127.0.0.1:1',
      'linux/amd64',
      '$(touch /tmp/pwned)',
      '`id`',
      '<html><script>alert(1)</script></html>',
    ),
    fc.constant(forbiddenPathPlaceholder),
  );
}
/** Replaced with a path inside the forbidden directory when the request is built. */
const forbiddenPathPlaceholder = '@@FORBIDDEN@@';

function withForbidden(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (v === forbiddenPathPlaceholder) return join(forbidden, 'written.tar');
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      if (seen.has(v)) return v;
      seen.add(v);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v))
        Object.defineProperty(out, k, {
          value: walk((v as Record<string, unknown>)[k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
    return v;
  };
  return walk(value);
}

function nastyValue(ids: string[]): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    nastyStrings(),
    fc.constantFrom(...ids),
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53 + 1, -1, 0),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
  );
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), tie('object')),
    object: fc.dictionary(
      fc.oneof(fc.constantFrom(...KNOWN_KEYS, ...NASTY_KEYS), fc.string()),
      tie('value'),
      {
        maxKeys: 6,
      },
    ),
  })).value;
}

/** Keys of a request schema (for a union, of one of its options), so generated objects pass `.strict()`. */
function requestKeys(name: CallName): string[][] {
  // biome-ignore lint/suspicious/noExplicitAny: reaching into zod's runtime shape
  const schema = contract[name].request as any;
  if (schema.shape) return [Object.keys(schema.shape)];
  if (Array.isArray(schema.options))
    return (schema.options as Array<{ shape?: object }>).map((o) => Object.keys(o.shape ?? {}));
  return [[]];
}

/**
 * An object with exactly one request schema's keys (sometimes one extra, hostile key), each holding a
 * valid-looking value or a hostile one, so handlers are reached, not just the validator.
 */
function shapedRequest(name: CallName, ids: string[], hostile = true): fc.Arbitrary<unknown> {
  const draft = fc.record(
    {
      name: fc.constantFrom('draft', ''),
      kind: fc.constantFrom('generic', 'ghcr', 'dockerhub', 'nope'),
      registry: fc.constantFrom('127.0.0.1:1', 'bad host', '127.0.0.1:9'),
      secret: fc.constant(SECRET),
      username: fc.constantFrom('u', ''),
    },
    { requiredKeys: ['name', 'kind', 'registry'] },
  );
  const good: Record<string, fc.Arbitrary<unknown>> = {
    id: fc.constantFrom(...ids, 'no-such-id'),
    connectionId: fc.constantFrom(...ids, 'no-such-id'),
    repository: fc.constantFrom('fuzz/app', 'fuzz/none', 'library/x', 'UPPER', '../x'),
    packageName: fc.constantFrom('fuzz/app', 'x'),
    reference: fc.constantFrom(
      '1',
      'latest',
      `sha256:${'a'.repeat(64)}`,
      'sha256:zz',
      ':',
      // Path traversal: must never turn into a request to another endpoint (`/v2/_catalog`).
      '../../../_catalog',
      '..',
      'latest?x=1',
    ),
    tags: fc.array(fc.constantFrom('1', 'nope', 'x'.repeat(129), '..'), { maxLength: 3 }),
    digests: fc.array(fc.constantFrom(`sha256:${'b'.repeat(64)}`, 'sha256:short'), { maxLength: 2 }),
    format: fc.constantFrom('docker', 'oci', 'zip'),
    source: fc.oneof(
      fc.record({ path: nastyStrings() }),
      fc.record({ uploadId: fc.constantFrom('abcdefgh', '../../etc', 'x') }),
      // jobs.tag's source
      fc.record({ repository: fc.constantFrom('fuzz/app', 'nope'), reference: fc.constantFrom('1', 'x') }),
    ),
    image: fc.constantFrom('fuzz/app:1', 'x'),
    compression: fc.constantFrom('gzip', 'zstd', 'none'),
    allPlatforms: fc.boolean(),
    insecure: fc.boolean(),
    useMachineCredentials: fc.boolean(),
    username: fc.constantFrom('u', ''),
    owner: fc.constantFrom('octo', ''),
    ownerType: fc.constantFrom('org', 'user'),
    githubApiUrl: fc.constantFrom('https://api.github.com', 'http://127.0.0.1:1'),
    tag: fc.constantFrom('t', ''),
    target: fc.record({
      repository: fc.constantFrom('fuzz/pushed', 'Bad Name', ''),
      tag: fc.constantFrom('t', ''),
    }),
    draft,
    path: nastyStrings(),
    url: nastyStrings(),
    kind: fc.constantFrom('generic', 'ghcr', 'nope'),
    registry: fc.constantFrom('127.0.0.1:1', 'bad host', 'ghcr.io'),
    name: nastyStrings(),
    secret: fc.constant(SECRET),
    state: fc.constantFrom('active', 'deleted', 'x'),
    versionId: fc.oneof(fc.integer(), fc.double()),
    platform: fc.constantFrom('linux/amd64', 'x', ''),
    defaultName: nastyStrings(),
  };
  // Mostly plausible values (to get past validation into the handlers), sometimes hostile ones.
  const value = (k: string) =>
    !Object.hasOwn(good, k)
      ? nastyValue(ids)
      : hostile
        ? fc.oneof({ weight: 4, arbitrary: good[k]! }, { weight: 1, arbitrary: nastyValue(ids) })
        : good[k]!;
  return fc.constantFrom(...requestKeys(name)).chain((keys) =>
    fc
      .tuple(
        hostile ? fc.subarray(keys, { minLength: Math.max(0, keys.length - 2) }) : fc.constant(keys),
        hostile
          ? fc.oneof(
              { weight: 5, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: fc.constantFrom(...NASTY_KEYS, ...KNOWN_KEYS) },
            )
          : fc.constant(null),
      )
      .chain(([picked, extra]) => {
        const ks = extra === null ? picked : [...picked, extra];
        return fc.tuple(...ks.map(value)).map((values) => {
          const out: Record<string, unknown> = {};
          ks.forEach((k, i) => {
            // defineProperty so that '__proto__' becomes an own key, as JSON.parse would make it.
            Object.defineProperty(out, k, {
              value: values[i],
              enumerable: true,
              writable: true,
              configurable: true,
            });
          });
          return out;
        });
      }),
  );
}

function expectTypedResult(name: string, result: Result<unknown>): void {
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) return;
  const { error } = result;
  expect(
    ERROR_CODES.has(error.code as ErrorCode),
    `${name}: unexpected code ${error.code}: ${error.message}`,
  ).toBe(true);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message.length).toBeLessThan(2000);
  expect(error.message).not.toMatch(/\n\s+at /);
  expect(error.message).not.toContain(SECRET);
  expect(error.hint ?? '').not.toContain(SECRET);
}

async function settleJobs(services: Services): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await dispatch(services.handlers, 'jobs.list', {});
    if (!r.ok) throw new Error(r.error.message);
    const active = r.value.filter((j) => j.state === 'queued' || j.state === 'running');
    if (active.length === 0) return;
    if (Date.now() > deadline) {
      for (const j of active) await dispatch(services.handlers, 'jobs.cancel', { id: j.id });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('fuzzing dispatch in process', () => {
  for (const mode of ['electron', 'bridge'] as const) {
    it(`${mode}: every call answers a typed Result for random and hostile payloads`, {
      timeout: 240_000,
    }, async () => {
      const { services, connectionIds } = await makeServices(mode);
      try {
        for (const name of callNames) {
          // connections.remove may have removed them: the next calls should reach saved connections again.
          connectionIds.splice(0, connectionIds.length, ...(await saveConnections(services)));
          await fc.assert(
            fc.asyncProperty(
              fc.oneof(
                fc.anything({
                  withNullPrototype: true,
                  withBigInt: true,
                  withMap: true,
                  withSet: true,
                  withTypedArray: true,
                }),
                nastyValue(connectionIds),
                shapedRequest(name, connectionIds),
                shapedRequest(name, connectionIds),
                shapedRequest(name, connectionIds, false),
                shapedRequest(name, connectionIds, false),
              ),
              async (raw) => {
                const result = await dispatch(services.handlers, name, withForbidden(raw));
                expectTypedResult(name, result);
              },
            ),
            { numRuns: 60, seed: 7 },
          );
        }
        // Unknown names and name-shaped garbage.
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(fc.string(), fc.anything(), fc.constantFrom('__proto__', 'constructor', 'toString')),
            async (name) => {
              const r = await dispatch(services.handlers, name, {});
              if (typeof name === 'string' && (callNames as string[]).includes(name)) return;
              expect(r.ok).toBe(false);
              if (!r.ok) expect(r.error.code).toBe('invalid-input');
            },
          ),
          { numRuns: 100, seed: 7 },
        );
        await settleJobs(services);
        // Jobs that ran must have failed or finished with typed errors too.
        const jobs = await dispatch(services.handlers, 'jobs.list', {});
        expect(jobs.ok).toBe(true);
        if (jobs.ok) {
          for (const job of jobs.value) {
            if (job.error) {
              expect(
                ERROR_CODES.has(job.error.code as ErrorCode),
                `job ${job.title}: ${job.error.code} ${job.error.message}`,
              ).toBe(true);
              expect(job.error.message).not.toContain(SECRET);
            }
          }
        }
        await expectForbiddenUntouched();
        // Only https links ever reached the system browser.
        for (const url of opened) expect(url.startsWith('https://')).toBe(true);
      } finally {
        await services.dispose();
      }
    });
  }
});

describe('references that would walk out of the repository path', () => {
  it('are refused as invalid, never sent to another endpoint', { timeout: 60_000 }, async () => {
    const { services, connectionIds } = await makeServices('bridge');
    const [connectionId] = connectionIds;
    try {
      for (const reference of ['../../../_catalog', '..', '../x', 'latest?n=1', 'sha256:zz', 'a/../../b']) {
        const inspect = await dispatch(services.handlers, 'registry.inspect', {
          connectionId,
          repository: 'fuzz/app',
          reference,
        });
        expect(inspect.ok, reference).toBe(false);
        if (!inspect.ok)
          expect(['invalid-reference', 'invalid-input'], `${reference}: ${inspect.error.message}`).toContain(
            inspect.error.code,
          );
      }
    } finally {
      await services.dispose();
    }
  });
});

describe('the bridge refuses to write where the renderer says', () => {
  it('jobs.pull with a path is refused in bridge mode (the file is offered as a download instead)', {
    timeout: 60_000,
  }, async () => {
    const { services, connectionIds } = await makeServices('bridge');
    try {
      const target = join(forbidden, 'pulled.tar');
      const r = await dispatch(services.handlers, 'jobs.pull', {
        connectionId: connectionIds[0],
        repository: 'fuzz/app',
        reference: '1',
        format: 'docker',
        path: target,
      });
      if (r.ok) await settleJobs(services);
      else expect(r.error.code).toBe('invalid-input');
      expect(existsSync(target)).toBe(false);
      await expectForbiddenUntouched();
    } finally {
      await services.dispose();
    }
  });
});

describe('the Electron renderer writes only where the save dialog said', () => {
  it("jobs.pull with a path the dialog never returned is refused; the dialog's own path is accepted once", {
    timeout: 60_000,
  }, async () => {
    const { services, connectionIds } = await makeServices('electron');
    try {
      const target = join(forbidden, 'pulled.tar');
      const pull = (path: string) =>
        dispatch(services.handlers, 'jobs.pull', {
          connectionId: connectionIds[0],
          repository: 'fuzz/app',
          reference: '1',
          format: 'docker',
          path,
        });
      const refused = await pull(target);
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      const chosen = await dispatch(services.handlers, 'dialog.saveFile', { defaultName: 'app.tar' });
      if (!chosen.ok || !chosen.value.path) throw new Error('the scripted save dialog returned no path');
      expect((await pull(chosen.value.path)).ok).toBe(true);
      expect(await pull(chosen.value.path)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      await settleJobs(services);
      expect(existsSync(target)).toBe(false);
      await expectForbiddenUntouched();
    } finally {
      await services.dispose();
    }
  });
});

describe('fuzzing the bridge HTTP endpoint', () => {
  let sandbox: Sandbox;
  let bridge: Bridge;

  beforeAll(async () => {
    sandbox = await makeServices('bridge');
    bridge = await startBridge({ services: sandbox.services, maxUploadBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await bridge?.close();
    await sandbox?.services.dispose();
  });

  async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
    const res = await fetch(`${bridge.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token, ...headers },
      body: body as BodyInit,
    });
    return { status: res.status, text: await res.text() };
  }

  it('answers JSON Results (never a 5xx, never a stack) to random bodies for every call', {
    timeout: 240_000,
  }, async () => {
    const bodies = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      shapedRequest('jobs.pull', sandbox.connectionIds).map(
        (v) => JSON.stringify(withForbidden(v)) ?? 'null',
      ),
      shapedRequest('connections.save', sandbox.connectionIds).map((v) => JSON.stringify(v) ?? 'null'),
      fc.string(),
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom(
        '',
        '{',
        '{"__proto__":{"polluted":true}}',
        'null',
        '[]',
        '{"a":'.repeat(5000),
        '\u0000',
      ),
    );
    for (const name of callNames) {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const { status, text } = await post(`/api/call/${name}`, body);
          expect(status, text.slice(0, 300)).toBeLessThan(500);
          const parsed = JSON.parse(text) as Result<unknown> | { error?: unknown };
          if (status === 200) expectTypedResult(name, parsed as Result<unknown>);
          expect(text).not.toMatch(/\n\s+at /);
          expect(text).not.toContain(SECRET);
        }),
        { numRuns: 25, seed: 11 },
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers odd call names, huge bodies and wrong content types without falling over', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (name) => {
        const { status, text } = await post(`/api/call/${encodeURIComponent(name)}`, '{}');
        expect(status).toBeLessThan(500);
        expect(text).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 100, seed: 3 },
    );
    const huge = await post('/api/call/app.info', `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`).catch(() => ({
      status: 413,
      text: '',
    }));
    expect(huge.status).toBeLessThan(500);
    const wrongType = await post('/api/call/app.info', '{}', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBeLessThan(500);
    // Still alive and well.
    const info = await post('/api/call/app.info', '{}');
    expect(info.status).toBe(200);
    expect((JSON.parse(info.text) as Result<unknown>).ok).toBe(true);
  });

  it('stores uploads only in its own directory, whatever the file name says', {
    timeout: 60_000,
  }, async () => {
    const names = fc.sample(
      fc.oneof(
        nastyStrings(),
        fc.constantFrom(join(forbidden, 'x.tar'), '../../../../tmp/escaped.tar', '..', '/', 'a/../../b.tar'),
        // Already "encoded", and malformed: the server's decoding must not throw.
        fc.constantFrom('%E0%A4%A', '%', '%00', '%2e%2e%2f%2e%2e%2fescaped.tar'),
      ),
      { numRuns: 40, seed: 9 },
    );
    const encode = (name: string) => {
      const real = name.replace(forbiddenPathPlaceholder, join(forbidden, 'p.tar'));
      if (real.startsWith('%')) return real;
      try {
        return encodeURIComponent(real);
      } catch {
        return 'lone%20surrogate'; // not encodable as a header at all
      }
    };
    for (const name of names) {
      const res = await fetch(`${bridge.origin}${BRIDGE_UPLOAD_PATH}`, {
        method: 'POST',
        headers: {
          [BRIDGE_TOKEN_HEADER]: bridge.token,
          [BRIDGE_FILENAME_HEADER]: encode(name),
          'content-type': 'application/octet-stream',
        },
        body: Buffer.from(`not an archive ${name.length}`),
      });
      const text = await res.text();
      expect(res.status, text.slice(0, 200)).toBeLessThan(500);
      const r = JSON.parse(text) as Result<{ uploadId: string }>;
      if (r.ok) {
        const inspect = await dispatch(sandbox.services.handlers, 'archive.inspect', {
          source: { uploadId: r.value.uploadId },
        });
        expectTypedResult('archive.inspect', inspect);
      }
    }
    await expectForbiddenUntouched();
    expect(existsSync('/tmp/escaped.tar')).toBe(false);
  });

  it('survives random WebSocket messages, with and without the token', { timeout: 60_000 }, async () => {
    const wsUrl = `${bridge.origin.replace('http', 'ws')}${BRIDGE_EVENTS_PATH}`;
    const messages = fc.sample(
      fc.oneof(
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.constantFrom(
          '{"token":null}',
          '{"token":{}}',
          `{"token":"${'x'.repeat(100_000)}"}`,
          '{"__proto__":{"a":1}}',
        ),
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      ),
      { numRuns: 150, seed: 5 },
    );
    for (const protocols of [[`${BRIDGE_WS_PROTOCOL_PREFIX}${bridge.token}`], [] as string[]]) {
      const ws = new WebSocket(wsUrl, protocols, { headers: { origin: bridge.origin } });
      await new Promise<void>((resolve) => {
        ws.once('open', () => resolve());
        ws.once('error', () => resolve());
        ws.once('close', () => resolve());
      });
      // With the token the socket opens and takes every message; without, the server may close it.
      if (protocols.length) expect(ws.readyState).toBe(WebSocket.OPEN);
      for (const m of messages) if (ws.readyState === WebSocket.OPEN) ws.send(m);
      await new Promise((r) => setTimeout(r, 200));
      ws.terminate();
    }
    const info = await post('/api/call/app.info', '{}');
    expect(info.status).toBe(200);
    expect((JSON.parse(info.text) as Result<unknown>).ok).toBe(true);
  });

  it('wrote nothing outside its directories', async () => {
    await settleJobs(sandbox.services);
    await expectForbiddenUntouched();
  });
});

// Typed access to the contract keeps this file honest when calls are added.
const _allCallsHaveSchemas: Record<CallName, unknown> = contract;
void _allCallsHaveSchemas;
