/**
 * The one rule for links leaving the app (shared/external-url.ts): https only, no userinfo; and the
 * `shell.openExternal` handler that applies it before the shell opens anything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services';
import { dispatch } from '../../electron/app/services/dispatch';
import { MemorySecretStore } from '../../electron/core/connections/secret-store';
import { checkExternalUrl, textNamesHost } from '../../shared/external-url';

describe('external URL rule', () => {
  it('accepts plain https links and names their host', () => {
    expect(checkExternalUrl('https://github.com/lading/lading')).toEqual({
      ok: true,
      url: 'https://github.com/lading/lading',
      host: 'github.com',
    });
    expect(checkExternalUrl(' https://example.com:8443/x ')).toMatchObject({
      ok: true,
      host: 'example.com:8443',
    });
  });

  it.each([
    'https://user:pass@example.com/',
    'https://good.com@evil.com/',
    'https://good.com:443@evil.com',
    'https://@evil.com/',
    'https://user@evil.com',
  ])('refuses userinfo: %s', (url) => {
    const check = checkExternalUrl(url);
    expect(check).toMatchObject({ ok: false, reason: 'userinfo' });
    if (!check.ok) {
      expect(check.message).toContain(new URL(url).host);
      // Never echo a password back.
      expect(check.message).not.toMatch(/user:|pass@/);
      expect(check.hint).toBeTruthy();
    }
  });

  it.each([
    ['http://example.com', 'not-https'],
    ['file:///etc/passwd', 'not-https'],
    ['javascript:alert(1)', 'not-https'],
    ['not a url', 'not-a-url'],
  ])('refuses %s', (url, reason) => {
    expect(checkExternalUrl(url)).toMatchObject({ ok: false, reason });
  });

  it('tells whether a link text already names the host', () => {
    expect(textNamesHost('github.com', 'github.com')).toBe(true);
    expect(textNamesHost('https://github.com/o/r', 'github.com')).toBe(true);
    expect(textNamesHost('GitHub.com/o/r', 'github.com')).toBe(true);
    expect(textNamesHost('Source', 'github.com')).toBe(false);
    expect(textNamesHost('https://github.com', 'evil.com')).toBe(false);
    expect(textNamesHost('github.com@evil.com', 'evil.com')).toBe(false);
  });
});

describe('shell.openExternal handler', () => {
  let dir: string;
  let services: Services;
  const opened: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lading-open-'));
    services = await createServices({
      dataDir: dir,
      secretStore: new MemorySecretStore(),
      mode: 'electron',
      tempDir: dir,
      openExternal: async (url) => void opened.push(url),
    });
  });
  afterAll(async () => {
    await services.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a plain https link', async () => {
    expect(await dispatch(services.handlers, 'shell.openExternal', { url: 'https://github.com/x' })).toEqual({
      ok: true,
      value: { ok: true },
    });
    expect(opened).toEqual(['https://github.com/x']);
  });

  it.each(['https://user:pass@example.com/', 'https://good.com@evil.com/'])(
    'refuses %s with a clear error, before the shell sees it',
    async (url) => {
      const before = opened.length;
      const result = await dispatch(services.handlers, 'shell.openExternal', { url });
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'invalid-input',
          message: expect.stringMatching(/user name or password/),
          hint: expect.any(String),
        },
      });
      expect(JSON.stringify(result)).not.toContain('pass@');
      expect(opened.length).toBe(before);
    },
  );
});
