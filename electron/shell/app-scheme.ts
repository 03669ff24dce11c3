/**
 * The `app://lading` scheme the Electron window loads the renderer from, instead of file:// (where 'self'
 * spans the whole disk and header CSP may not apply). Pure: no Electron import, so it is unit-tested
 * without a binary; main.ts registers it with `protocol.handle(APP_SCHEME, ...)`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { SECURITY_HEADERS } from '../app/bridge/security';

export const APP_SCHEME = 'app';
export const APP_HOST = 'lading';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** registerSchemesAsPrivileged: a standard, secure origin of its own (fetch and CSP 'self' mean just us). */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** Is this URL our renderer's origin? The navigation guards let only these through. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password;
  } catch {
    return false;
  }
}

/**
 * Which file under rendererDir answers this URL: null for another host, a malformed escape, a NUL or a
 * path that leaves the directory; unknown paths get index.html (the SPA's routes).
 */
export async function resolveAppFile(rendererDir: string, url: string): Promise<string | null> {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rendererDir);
  // Decoded `%2e%2e%2f` segments survive URL parsing; resolve() applies them, and the prefix check catches it.
  const path = resolve(root, `.${pathname}`);
  if (path !== root && !path.startsWith(root + sep)) return null;
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return path;
  const index = resolve(root, 'index.html');
  return (await stat(index).catch(() => undefined))?.isFile() ? index : null;
}

function headers(extra: Record<string, string>): Headers {
  return new Headers({ ...SECURITY_HEADERS, ...extra });
}

/** The protocol handler's answer: the file, with the CSP and nosniff on every response. */
export async function appSchemeResponse(
  rendererDir: string,
  request: { url: string; method: string },
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(null, { status: 405, headers: headers({ allow: 'GET, HEAD' }) });
  }
  const path = await resolveAppFile(rendererDir, request.url);
  if (!path)
    return new Response('Not found', { status: 404, headers: headers({ 'content-type': 'text/plain' }) });
  const info = await stat(path);
  const body = request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(path)) as ReadableStream);
  return new Response(body, {
    status: 200,
    headers: headers({
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'cache-control': 'no-store',
    }),
  });
}
