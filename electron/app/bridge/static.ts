/** Serves the built renderer (dist/renderer) with the strict CSP; unknown paths fall back to index.html. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { SECURITY_HEADERS } from './security';

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
  '.map': 'application/json',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Lading</title>
<p>The renderer has not been built. Run <code>npm run build</code>, then start the bridge again.</p>`;

async function fileIfExists(path: string) {
  try {
    const s = await stat(path);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rendererDir: string | undefined,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD' }).end();
    return;
  }
  if (!rendererDir) {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400, SECURITY_HEADERS).end();
    return;
  }
  if (pathname.includes('\0')) {
    res.writeHead(404, SECURITY_HEADERS).end();
    return;
  }
  const root = normalize(rendererDir + sep);
  let path = normalize(join(root, pathname));
  // join() resolves '..'; anything that ends up outside the renderer dir is refused.
  if (!path.startsWith(root) && path !== rendererDir) {
    res.writeHead(404, SECURITY_HEADERS).end();
    return;
  }
  let info = await fileIfExists(path);
  if (!info) {
    // SPA routes (and a missing asset with no extension) get the app; a missing asset file is a 404.
    if (extname(pathname)) {
      res.writeHead(404, SECURITY_HEADERS).end();
      return;
    }
    path = join(root, 'index.html');
    info = await fileIfExists(path);
    if (!info) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
      return;
    }
  }
  const isHtml = path.endsWith('.html');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': info.size,
    // Vite's hashed assets never change; the HTML must always be fresh.
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path).pipe(res);
}
