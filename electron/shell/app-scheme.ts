/**
 * The `app://lading` scheme the Electron window loads the renderer from, instead of file:// (where 'self'
 * spans the whole disk and header CSP may not apply). Pure: no Electron import, so it is unit-tested
 * without a binary; main.ts registers it with `protocol.handle(APP_SCHEME, ...)`.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SECURITY_HEADERS } from '../app/bridge/security';
import { type RendererFile, resolveRendererFile } from '../app/renderer-files';

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
 * Which file under rendererDir answers this URL (electron/app/renderer-files.ts has the rule): null for
 * another host, a malformed escape, a NUL, a path that leaves the directory or a missing asset.
 */
export async function resolveAppFile(rendererDir: string, url: string): Promise<RendererFile | null> {
  if (!isAppUrl(url)) return null;
  const file = await resolveRendererFile(rendererDir, new URL(url).pathname);
  return file === 'no-index' ? null : file;
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
  const file = await resolveAppFile(rendererDir, request.url);
  if (!file)
    return new Response('Not found', { status: 404, headers: headers({ 'content-type': 'text/plain' }) });
  const body =
    request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(file.path)) as ReadableStream);
  return new Response(body, {
    status: 200,
    headers: headers({
      'content-type': file.contentType,
      'content-length': String(file.size),
      'cache-control': 'no-store',
    }),
  });
}
