/**
 * The browser bridge: the same main-process services as the Electron window, over loopback HTTP, for
 * `npm run web`, `lading serve` and the Playwright e2e. Wire protocol: README.md and shared/bridge-protocol.ts.
 *
 * Threat model: any web page the user visits can send requests to 127.0.0.1. So every API request needs the
 * per-launch secret (printed once on stdout, passed to the tab in the URL fragment, which browsers never send
 * to servers), the Host header must name us (DNS rebinding), an Origin, when sent, must be ours, and we never
 * bind beyond loopback.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  BRIDGE_CALL_PATH,
  BRIDGE_DOWNLOAD_PATH,
  BRIDGE_EVENTS_PATH,
  BRIDGE_FILENAME_HEADER,
  BRIDGE_MAX_CALL_BODY_BYTES,
  BRIDGE_MAX_UPLOAD_BYTES,
  BRIDGE_TICKET_PATH,
  BRIDGE_TICKET_QUERY,
  BRIDGE_TOKEN_FRAGMENT,
  BRIDGE_TOKEN_HEADER,
  BRIDGE_UPLOAD_PATH,
  BRIDGE_WS_PROTOCOL_PREFIX,
  type BridgeEventMessage,
} from '../../../shared/bridge-protocol';
import { BRIDGE_READY_EVENT, type Result } from '../../../shared/contract';
import type { MainErrorInfo as ErrorInfo } from '../../../shared/errors';
import { dispatch } from '../services/dispatch';
import type { Services } from '../services/index';
import {
  assertLoopback,
  hostAllowed,
  newSecret,
  originAllowed,
  SECURITY_HEADERS,
  secretMatches,
} from './security';
import { serveStatic } from './static';
import { DownloadTickets } from './tickets';

export interface BridgeOptions {
  services: Services;
  /** 0 or omitted: any free port. */
  port?: number;
  host?: string;
  /** The built renderer (dist/renderer); omitted: a page saying it is not built. */
  rendererDir?: string;
  /** Fixed secret (tests); default: random per launch. */
  token?: string;
  /** How long a download ticket stays valid (default 60 s). */
  ticketTtlMs?: number;
  maxUploadBytes?: number;
  /** An upload must finish within this time (default 2 h) and never stall longer than uploadIdleMs (60 s). */
  uploadTimeoutMs?: number;
  uploadIdleMs?: number;
}

export interface Bridge {
  /** http://127.0.0.1:PORT/#token=SECRET */
  url: string;
  origin: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const JSON_HEADERS = {
  ...SECURITY_HEADERS,
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, error: ErrorInfo): void {
  sendJson(res, status, { ok: false, error } satisfies Result<never>);
}

/**
 * Answer without reading the rest of the body, then drop the connection: the unread bytes would otherwise be
 * parsed as the next request on this keep-alive connection.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse, error: ErrorInfo, status = 413): void {
  if (!res.headersSent) {
    res.writeHead(status, { ...JSON_HEADERS, connection: 'close' });
    res.end(JSON.stringify({ ok: false, error }), () => req.socket?.destroy());
  } else req.socket?.destroy();
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Percent-decoding that never throws: a malformed escape is kept as written (and matches nothing). */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A file name from the upload header, for display only: never used as a path. */
function uploadFileName(header: string | string[] | undefined): string {
  const name = typeof header === 'string' && header ? safeDecode(header) : 'upload.tar';
  // Control characters would garble titles and Content-Disposition headers.
  const printable = [...basename(name)]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('');
  return printable.slice(0, 255) || 'upload.tar';
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopback(host);
  const token = opts.token ?? newSecret();
  const { services } = opts;
  const maxUpload = opts.maxUploadBytes ?? BRIDGE_MAX_UPLOAD_BYTES;
  const uploadTimeout = opts.uploadTimeoutMs ?? 2 * 60 * 60 * 1000;
  const uploadIdle = opts.uploadIdleMs ?? 60_000;
  let port = 0;
  const tickets = new DownloadTickets(opts.ticketTtlMs);

  const sockets = new Set<WebSocket>();
  const sseClients = new Set<ServerResponse>();
  const unsubscribe = services.events.subscribe((event, payload) => {
    const message = JSON.stringify({ event, payload } satisfies BridgeEventMessage);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
    for (const res of sseClients) res.write(`data: ${message}\n\n`);
  });

  const authorised = (req: IncomingMessage) => {
    const given = req.headers[BRIDGE_TOKEN_HEADER];
    return secretMatches(token, typeof given === 'string' ? given : undefined);
  };

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST')
      return sendError(res, 405, { code: 'invalid-input', message: 'Calls are POST requests.' });
    const type = req.headers['content-type'] ?? '';
    // A JSON content type cannot be sent cross-site without a CORS preflight, which we never answer.
    if (!type.startsWith('application/json')) {
      return sendError(res, 415, {
        code: 'invalid-input',
        message: 'Calls must be sent as application/json.',
      });
    }
    const body = await readBody(req, BRIDGE_MAX_CALL_BODY_BYTES);
    if (!body) return refuseBody(req, res, { code: 'too-large', message: 'The request body is too large.' });
    let request: unknown;
    try {
      request = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return sendError(res, 400, { code: 'invalid-input', message: 'The request body is not valid JSON.' });
    }
    sendJson(res, 200, await dispatch(services.handlers, safeDecode(name), request));
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST')
      return sendError(res, 405, { code: 'invalid-input', message: 'Uploads are POST requests.' });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxUpload) {
      return sendError(res, 413, {
        code: 'too-large',
        message: 'The file is larger than the bridge accepts.',
      });
    }
    const { uploads } = services.context;
    const { id, path } = uploads.allocate();
    const fileName = uploadFileName(req.headers[BRIDGE_FILENAME_HEADER]);
    let size = 0;
    let failure: ErrorInfo | undefined;
    const abort = new AbortController();
    const overall = setTimeout(() => {
      failure = { code: 'too-large', message: 'The upload took too long and was stopped.' };
      abort.abort();
    }, uploadTimeout);
    req.setTimeout(uploadIdle, () => {
      failure = { code: 'unreachable', message: 'The upload stalled and was stopped.' };
      abort.abort();
    });
    try {
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > maxUpload) {
              failure = { code: 'too-large', message: 'The file is larger than the bridge accepts.' };
              throw new Error('too large');
            }
            yield chunk;
          }
        },
        createWriteStream(path, { mode: 0o600 }),
        { signal: abort.signal },
      );
      clearTimeout(overall);
      uploads.register({ id, path, fileName, size });
      sendJson(res, 200, { ok: true, value: { uploadId: id } });
    } catch {
      clearTimeout(overall);
      await rm(path, { force: true });
      const error = failure ?? {
        code: 'file-error',
        message: 'The upload was interrupted.',
        hint: 'Drop the file again.',
      };
      sendError(res, error.code === 'too-large' ? 413 : 400, error);
      // Stop reading whatever the client still sends.
      req.destroy();
    }
  }

  async function handleTicket(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendError(res, 415, {
        code: 'invalid-input',
        message: 'Ticket requests are JSON POST requests.',
      });
    }
    const body = await readBody(req, 4096);
    if (!body) return refuseBody(req, res, { code: 'too-large', message: 'The request body is too large.' });
    let jobId: unknown;
    try {
      jobId = (JSON.parse(body.toString('utf8')) as { jobId?: unknown }).jobId;
    } catch {
      jobId = undefined;
    }
    if (typeof jobId !== 'string' || !services.context.downloads.has(jobId)) {
      return sendError(res, 404, {
        code: 'file-error',
        message: 'There is no pulled file for this job.',
        hint: 'It is available once the pull has finished, until the job is cleared.',
      });
    }
    sendJson(res, 200, { ok: true, value: { ticket: tickets.issue(jobId) } });
  }

  async function handleDownload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // Before the ticket is looked at, so a HEAD or POST does not spend it.
    if (req.method !== 'GET')
      return sendError(res, 405, { code: 'invalid-input', message: 'Downloads are GET requests.' });
    const jobId = safeDecode(url.pathname.slice(BRIDGE_DOWNLOAD_PATH.length + 1));
    const ticket = url.searchParams.get(BRIDGE_TICKET_QUERY);
    // Spent whatever else is wrong with the request.
    const redeemed = ticket !== null && tickets.redeem(ticket, jobId);
    // The session secret must never be put in a URL (history, logs): refuse it outright.
    const secretInUrl = [...url.searchParams.values()].some((v) => secretMatches(token, v));
    if (secretInUrl || (ticket !== null && !redeemed)) {
      return sendError(res, 403, {
        code: 'denied',
        message: 'This download link is used up, expired or not for this file.',
        hint: 'Click Download again in Lading for a fresh link.',
      });
    }
    if (ticket === null) {
      return sendError(res, 401, {
        code: 'unauthorized',
        message: 'A download needs a one-time ticket.',
        hint: 'Click Download in Lading; the link it opens carries the ticket.',
      });
    }
    const download = services.context.downloads.get(jobId);
    const info = download && (await stat(download.path).catch(() => undefined));
    if (!download || !info) {
      return sendError(res, 404, {
        code: 'file-error',
        message: 'There is no pulled file for this job.',
        hint: 'It is available once the pull has finished, until the job is cleared.',
      });
    }
    const ascii = download.fileName.replace(/[^A-Za-z0-9._-]/g, '_');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/x-tar',
      'content-length': info.size,
      'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.fileName)}`,
      'cache-control': 'no-store',
    });
    await pipeline(createReadStream(download.path), res).catch(() => undefined);
  }

  function handleSse(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    sseClients.add(res);
    const keepAlive = setInterval(() => res.write(': ping\n\n'), 25_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      sseClients.delete(res);
    });
  }

  // Not a static `import from 'node:http'`: this module is bundled into the CLI, and Node builds an ES
  // module facade of node:http for such an import, whose lazy getters load Node's internal fetch (undici):
  // a few ms on every `lading` start, `serve` or not.
  const { createServer } = process.getBuiltinModule('node:http');
  const server = createServer((req, res) => {
    void (async () => {
      if (!hostAllowed(req.headers.host, port)) {
        return sendError(res, 403, { code: 'denied', message: 'Unexpected Host header.' });
      }
      if (!originAllowed(req.headers.origin, port)) {
        return sendError(res, 403, { code: 'denied', message: 'Cross-origin requests are not accepted.' });
      }
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const path = url.pathname;
      if (!path.startsWith('/api/')) return serveStatic(req, res, opts.rendererDir);

      // A download authenticates with its one-time ticket alone; everything else with the secret header.
      if (path.startsWith(`${BRIDGE_DOWNLOAD_PATH}/`)) return handleDownload(req, res, url);
      if (!authorised(req)) {
        return sendError(res, 401, {
          code: 'unauthorized',
          message: 'Missing or wrong bridge secret.',
          hint: 'Open the URL the bridge printed when it started (it includes #token=...).',
        });
      }
      if (path.startsWith(`${BRIDGE_CALL_PATH}/`))
        return handleCall(req, res, path.slice(BRIDGE_CALL_PATH.length + 1));
      if (path === BRIDGE_UPLOAD_PATH) return handleUpload(req, res);
      if (path === BRIDGE_TICKET_PATH) return handleTicket(req, res);
      if (path === BRIDGE_EVENTS_PATH && req.method === 'GET') return handleSse(req, res);
      sendError(res, 404, { code: 'invalid-input', message: `No such endpoint: ${path}` });
    })().catch((e: unknown) => {
      sendError(res, 500, { code: 'internal', message: `Bridge error: ${(e as Error).message}` });
    });
  });

  // WebSocket events: authenticate with the subprotocol `lading.<token>`, `?token=`, or a first `{"token": "..."}` message.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    handleProtocols: (protocols) => {
      for (const p of protocols) {
        if (
          p.startsWith(BRIDGE_WS_PROTOCOL_PREFIX) &&
          secretMatches(token, p.slice(BRIDGE_WS_PROTOCOL_PREFIX.length))
        )
          return p;
      }
      return false;
    },
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (
      !hostAllowed(req.headers.host, port) ||
      !originAllowed(req.headers.origin, port) ||
      url.pathname !== BRIDGE_EVENTS_PATH
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const add = () => {
        sockets.add(ws);
        ws.send(JSON.stringify({ event: BRIDGE_READY_EVENT, payload: {} } satisfies BridgeEventMessage));
      };
      // The token in the subprotocol or the query (`?token=`) authenticates at once; else the first message.
      if (ws.protocol || secretMatches(token, url.searchParams.get('token'))) add();
      else {
        const timer = setTimeout(() => ws.close(4401, 'unauthorized'), 5000);
        ws.once('message', (data) => {
          clearTimeout(timer);
          let given: unknown;
          try {
            given = (JSON.parse(data.toString()) as { token?: unknown }).token;
          } catch {
            given = undefined;
          }
          if (typeof given === 'string' && secretMatches(token, given)) add();
          else ws.close(4401, 'unauthorized');
        });
      }
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });

  server.listen(opts.port ?? 0, host);
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  const hostForUrl = host === '::1' ? '[::1]' : host === 'localhost' ? '127.0.0.1' : host;
  const origin = `http://${hostForUrl}:${port}`;

  return {
    url: `${origin}/#${BRIDGE_TOKEN_FRAGMENT}=${token}`,
    origin,
    port,
    token,
    server,
    async close() {
      unsubscribe();
      tickets.clear();
      for (const ws of sockets) ws.terminate();
      for (const res of sseClients) res.end();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
