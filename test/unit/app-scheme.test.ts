/**
 * app://lading, the scheme the Electron window loads the renderer from (electron/shell/app-scheme.ts):
 * only files under dist/renderer, SPA fallback to index.html, traversal and foreign hosts refused, and the
 * CSP + nosniff headers on every response. Pure module, so no Electron binary is needed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, appSchemeResponse, isAppUrl, resolveAppFile } from '../../electron/shell/app-scheme';

let dir: string;
let rendererDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-scheme-'));
  rendererDir = join(dir, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Lading</title>');
  await writeFile(join(rendererDir, 'assets', 'main-abc.js'), 'console.log(1)');
  // A file next to the renderer dir, with a name that shares its prefix: must stay out of reach.
  await mkdir(join(dir, 'renderer-secrets'));
  await writeFile(join(dir, 'renderer-secrets', 'key.txt'), 'secret');
  await writeFile(join(dir, 'outside.txt'), 'outside');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => appSchemeResponse(rendererDir, { url, method });

describe('app:// scheme', () => {
  it('serves index.html and assets with the CSP and nosniff headers', async () => {
    expect(APP_INDEX_URL).toBe('app://lading/index.html');
    const index = await get(APP_INDEX_URL);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/connect-src 'self'(;|$)/);
    expect(csp).not.toMatch(/ws:|unsafe-eval/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>Lading</title>');

    const js = await get('app://lading/assets/main-abc.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('answers unknown paths (the SPA routes) with index.html', async () => {
    const route = await get('app://lading/repositories/x');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Lading</title>');
  });

  it.each([
    'app://lading/..%2foutside.txt',
    'app://lading/%2e%2e/outside.txt',
    'app://lading/%2e%2e%2frenderer-secrets%2fkey.txt',
    'app://lading/..%5coutside.txt',
    'app://lading/assets/%00.js',
    'app://lading/%E0%A4%A',
  ])('refuses %s (traversal, NUL, bad escape) and never reads outside', async (url) => {
    const res = await get(url);
    const body = await res.text();
    expect(body).not.toMatch(/outside|secret/);
    expect(res.headers.get('content-security-policy')).toBeTruthy();
    // Either refused, or (where URL parsing already folded the `..` away) the app's own index.html.
    if (res.status !== 404) expect(body).toContain('<title>Lading</title>');
  });

  it('refuses other hosts, userinfo and other schemes', async () => {
    expect(await resolveAppFile(rendererDir, 'app://evil/index.html')).toBeNull();
    expect(await resolveAppFile(rendererDir, 'app://x@lading/index.html')).toBeNull();
    expect(await resolveAppFile(rendererDir, 'file:///etc/passwd')).toBeNull();
    expect((await get('app://evil/index.html')).status).toBe(404);
  });

  it('answers GET and HEAD only', async () => {
    expect((await get(APP_INDEX_URL, 'POST')).status).toBe(405);
    const head = await get(APP_INDEX_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('recognises only its own origin for the navigation guards', () => {
    expect(isAppUrl('app://lading/index.html')).toBe(true);
    expect(isAppUrl('app://lading/repositories')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('https://lading/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});
