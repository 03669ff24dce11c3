/**
 * The `unauthorized` hint is worded for the front end the user is in: the app points at the connection's
 * saved login, the CLI names `lading login` (cli-auth.test.ts), the registry core alone names neither.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry/client';
import { repositoryName } from '../../electron/core/registry/names';
import { errorOf } from '../support/clients';
import { startRegistry, type TestRegistry } from '../support/registry';
import { callers, connectionTo, servicesInTempDir, type TestServices } from '../support/services';

let registry: TestRegistry;
let sandbox: TestServices;
const { call, ok } = callers(() => sandbox.services);

beforeAll(async () => {
  registry = await startRegistry({ mode: 'basic' });
  sandbox = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-auth-hints-' });
});

afterAll(async () => {
  await sandbox?.dispose();
  await registry?.stop();
});

describe('unauthorized hints', () => {
  it('in the app: a wrong saved password points at the connection, not at a CLI command', async () => {
    const user = registry.user as { username: string; password: string };
    const { id } = await ok('connections.save', {
      ...connectionTo(registry, 'wrong password'),
      username: user.username,
      secret: 'not-the-password',
    });
    const r = await call('registry.tags', { connectionId: id, repository: 'team/app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    if (r.ok) return;
    expect(r.error.hint).toMatch(/saved for this connection/);
    expect(r.error.hint).not.toMatch(/lading login/);
  });

  it('in the app: no login at all says to add one to the connection', async () => {
    const { id } = await ok('connections.save', {
      name: 'no login',
      kind: 'generic',
      registry: registry.host,
      insecure: true,
    });
    const r = await call('registry.tags', { connectionId: id, repository: 'team/app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    if (r.ok) return;
    expect(r.error.hint).toMatch(/edit this connection/i);
    expect(r.error.hint).not.toMatch(/lading login/);
  });

  it('in the registry core: neutral wording', async () => {
    const e = await errorOf(
      new RegistryClient({ registry: registry.host, insecure: true }).tags(repositoryName('team/app')),
    );
    expect(e.code).toBe('unauthorized');
    expect(e.hint).toMatch(/log in first/i);
    expect(e.hint).not.toMatch(/lading login/);
  });
});
