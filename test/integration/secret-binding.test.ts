/**
 * A saved secret is sent only where it was saved for. Editing a connection (connections.save) or checking an
 * edited draft (connections.verify) with a saved id and another registry, another GitHub API URL, plain HTTP
 * or cross-site token realms, without typing the secret again, is refused before any request is made; tried
 * through the services (as IPC calls them) and through the browser bridge. A recording server plays the
 * other host and must receive no Authorization at all.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../../electron/app/bridge/server';
import { BRIDGE_TOKEN_HEADER } from '../../shared/bridge-protocol';
import type { CallRequest } from '../../shared/contract';
import { seedTags } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';

let registry: TestRegistry;
let sandbox: TestServices;
let bridge: Bridge;
let collector: { server: Server; host: string; seen: string[] };
let savedId: string;
let githubId: string;
const { call, ok } = callers(() => sandbox.services);

/** Answers every request 401 with a Basic challenge (what makes a client send its password) and records it. */
async function startCollector(): Promise<typeof collector> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '(no authorization)'}`);
    res.writeHead(401, { 'www-authenticate': 'Basic realm="collector"', 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"who are you"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return { server, host: `127.0.0.2:${(server.address() as AddressInfo).port}`, seen };
}

beforeAll(async () => {
  registry = await startRegistry({ mode: 'basic' });
  await seedTags(registry, 'bound/app', ['1']);
  collector = await startCollector();
  sandbox = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-secret-binding-' });
  bridge = await startBridge({ services: sandbox.services });
  savedId = (await ok('connections.save', connectionTo(registry, 'Bound'))).id;
  githubId = (
    await ok('connections.save', {
      name: 'GitHub',
      kind: 'ghcr',
      registry: 'ghcr.io',
      username: 'octocat',
      secret: 'ghp_bound000000000000000000000000000000',
      owner: 'acme',
    })
  ).id;
});

afterAll(async () => {
  await bridge?.close();
  await sandbox?.dispose();
  await registry?.stop();
  await new Promise((resolve) => collector?.server.close(resolve));
});

type Draft = CallRequest<'connections.save'>;
const edited = (change: Partial<Draft>): Draft => ({
  id: savedId,
  name: 'Bound',
  kind: 'generic',
  registry: registry.host,
  insecure: true,
  username: registry.user!.username,
  ...change,
});
const githubEdited = (change: Partial<Draft>): Draft => ({
  id: githubId,
  name: 'GitHub',
  kind: 'ghcr',
  registry: 'ghcr.io',
  username: 'octocat',
  owner: 'acme',
  ...change,
});

/** Through the bridge's HTTP API, as a browser tab (or anyone holding the bridge token) would call it. */
async function bridgeCall(
  name: string,
  body: unknown,
): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  const res = await fetch(`${bridge.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; error?: { code: string; message: string } };
}

const widenings: Array<[string, () => Partial<Draft>, RegExp]> = [
  ['another registry', () => ({ registry: collector.host }), /the registry/],
  ['plain HTTP', () => ({ insecure: true }), /plain HTTP/],
  ['cross-site token realms', () => ({ allowCrossHostRealm: true }), /cross-site token services/],
];

describe('a saved secret stays with the registry it was saved for', () => {
  it.each(widenings)(
    'connections.verify of a draft with %s and no secret is refused, nothing sent',
    async (_, change, words) => {
      // "plain HTTP" needs a connection saved with TLS: use the GitHub one for that case.
      const draft = change().insecure ? githubEdited(change()) : edited(change());
      const r = await call('connections.verify', { draft });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-input');
        expect(r.error.message).toMatch(words);
        expect(r.error.message).toMatch(/entered again/);
      }
      expect(collector.seen).toEqual([]);
    },
  );

  it.each(widenings)(
    'connections.save with %s and no secret is refused and changes nothing',
    async (_, change) => {
      const draft = change().insecure ? githubEdited(change()) : edited(change());
      const before = await ok('connections.list', {});
      const r = await call('connections.save', draft);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid-input');
      expect(await ok('connections.list', {})).toEqual(before);
    },
  );

  it('the same refusals through the browser bridge', async () => {
    for (const [, change] of widenings) {
      const draft = change().insecure ? githubEdited(change()) : edited(change());
      const verify = await bridgeCall('connections.verify', { draft });
      expect(verify.ok).toBe(false);
      expect(verify.error?.code).toBe('invalid-input');
      const save = await bridgeCall('connections.save', draft);
      expect(save.ok).toBe(false);
    }
    expect(collector.seen).toEqual([]);
  });

  it('a GitHub connection: another API URL needs the token again; it is never sent there', async () => {
    const apiUrl = `http://${collector.host}/api/v3`;
    const verify = await call('connections.verify', { draft: githubEdited({ githubApiUrl: apiUrl }) });
    expect(verify.ok).toBe(false);
    if (!verify.ok) expect(verify.error.message).toMatch(/the GitHub API URL/);
    const save = await call('connections.save', githubEdited({ githubApiUrl: apiUrl }));
    expect(save.ok).toBe(false);
    expect(collector.seen).toEqual([]);
  });

  it('an edit that keeps the address keeps using the saved secret', async () => {
    const r = await ok('connections.verify', { draft: edited({ name: 'Renamed' }) });
    expect(r.ok, r.summary).toBe(true);
    const saved = await ok('connections.save', edited({ name: 'Renamed' }));
    expect(saved).toMatchObject({ registry: registry.host, hasSecret: true, credentialSource: 'saved' });
  });

  it('with the secret typed again, the registry may change (and the new host gets that secret only)', async () => {
    const typed = 'typed-again-for-the-collector';
    const r = await ok('connections.verify', { draft: edited({ registry: collector.host, secret: typed }) });
    expect(r.ok).toBe(false);
    const sent = collector.seen.filter((line) => !line.endsWith('(no authorization)'));
    expect(sent.length).toBeGreaterThan(0);
    const basic = Buffer.from(`${registry.user!.username}:${typed}`).toString('base64');
    for (const line of sent) expect(line).toContain(basic);
    collector.seen.length = 0;
  });
});

describe('the GitHub API URL must be https', () => {
  const base = { name: 'GHES', kind: 'ghes' as const, registry: 'containers.ghe.example.com' };

  it.each([
    ['plain http to a remote host', 'http://ghe.example.com/api/v3', /must use https/],
    ['another scheme', 'ftp://ghe.example.com/api/v3', /must use https/],
    [
      'a password in the URL',
      'https://octocat:hunter2-secret@ghe.example.com/api/v3',
      /username or password/,
    ],
  ])('refuses %s, without repeating the URL', async (_, url, words) => {
    for (const name of ['connections.save', 'connections.verify'] as const) {
      const r = await call(
        name,
        name === 'connections.save'
          ? { ...base, githubApiUrl: url }
          : { draft: { ...base, githubApiUrl: url } },
      );
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-input');
        expect(`${r.error.message} ${r.error.hint ?? ''}`).toMatch(words);
        expect(`${r.error.message} ${r.error.hint ?? ''}`).not.toContain('hunter2');
      }
    }
  });

  it('accepts https, and http on loopback (local stand-ins)', async () => {
    for (const url of ['https://ghe.example.com/api/v3', 'http://127.0.0.1:9/api/v3']) {
      const saved = await ok('connections.save', { ...base, githubApiUrl: url });
      expect(saved.githubApiUrl).toBe(url);
      await ok('connections.remove', { id: saved.id });
    }
  });
});
