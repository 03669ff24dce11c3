/** Serves the built renderer (dist/renderer) with the strict CSP; unknown paths fall back to index.html. */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveRendererFile } from '../renderer-files';
import { SECURITY_HEADERS } from './security';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Lading</title>
<p>The renderer has not been built. Run <code>npm run build</code>, then start the bridge again.</p>`;

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
  let rawPathname: string;
  try {
    rawPathname = new URL(req.url ?? '/', 'http://x').pathname;
    decodeURIComponent(rawPathname); // a malformed escape is the client's error: 400, not 404
  } catch {
    res.writeHead(400, SECURITY_HEADERS).end();
    return;
  }
  const file = await resolveRendererFile(rendererDir, rawPathname);
  if (file === 'no-index') {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
    return;
  }
  if (!file) {
    res.writeHead(404, SECURITY_HEADERS).end();
    return;
  }
  const { path } = file;
  const isHtml = path.endsWith('.html');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': file.contentType,
    'content-length': file.size,
    // Vite's hashed assets never change; the HTML must always be fresh.
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path).pipe(res);
}
