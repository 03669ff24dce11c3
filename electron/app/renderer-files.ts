/**
 * Which built renderer file (dist/renderer) answers a request path, for both ways the renderer is served:
 * the bridge's HTTP server and the Electron window's app:// scheme. One rule for both: decoded path, no
 * NUL, nothing outside the directory; a missing asset (a name with an extension) is not found, any other
 * unknown path is one of the SPA's routes and gets index.html.
 */
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
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
  '.map': 'application/json',
};

export interface RendererFile {
  path: string;
  size: number;
  contentType: string;
}

async function fileAt(path: string): Promise<RendererFile | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return { path, size: info.size, contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' };
}

/**
 * The file for `rawPathname` (still percent-encoded, as in the URL), 'no-index' when the path is an SPA
 * route but index.html is missing (the renderer is not built), or null when nothing may answer.
 */
export async function resolveRendererFile(
  rendererDir: string,
  rawPathname: string,
): Promise<RendererFile | 'no-index' | null> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rendererDir);
  // Decoded `%2e%2e%2f` segments survive URL parsing; resolve() applies them, and the prefix check catches it.
  const path = resolve(root, `.${pathname}`);
  if (path !== root && !path.startsWith(root + sep)) return null;
  const file = await fileAt(path);
  if (file) return file;
  if (extname(pathname)) return null;
  return (await fileAt(resolve(root, 'index.html'))) ?? 'no-index';
}
