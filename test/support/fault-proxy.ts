import {
  Agent,
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { onCleanup } from './exec';

/** A fault to inject; `times` (default 1, `Infinity` for always) says how many matching requests it hits. */
export type FaultRule = {
  match?: { method?: string; path?: RegExp };
  times?: number;
} /** Read N bytes of the request body (forwarding them), then destroy the client socket. */ & (
  | { kind: 'drop-request-after'; bytes: number }
  /** Forward the response headers and N bytes of its body, then destroy the client socket. */
  | { kind: 'drop-response-after'; bytes: number }
  /** Answer with this status (and extra headers, e.g. WWW-Authenticate) without forwarding. */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string; headers?: Record<string, string> }
  /** Wait before forwarding. */
  | { kind: 'stall'; ms: number }
  /** Destroy the connection without answering. */
  | { kind: 'reset' }
  /** Forward, but deliver the response body at this rate. */
  | { kind: 'trickle'; bytesPerSecond: number }
  /** Forward without the Range header, as a server that does not serve byte ranges answers (200, whole). */
  | { kind: 'ignore-range' }
  /**
   * Answer a `POST …/blobs/uploads/?digest=` with a body as a registry that takes the monolithic upload
   * does (distribution 2.8 does not): the body goes to the registry as a POST then `PUT ?digest=`, so the
   * registry itself checks the digest, and its answer to the PUT (201, or the refusal) is returned.
   */
  | { kind: 'single-post' }
);

export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  /** The status the client received; undefined when the connection was dropped or reset. */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: FaultRule['kind'];
}

/** A loopback HTTP proxy in front of one registry that injects faults on request. */
export interface FaultProxy {
  url: string;
  host: string;
  /** Checked in order for each request; push new rules at any time. */
  rules: FaultRule[];
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

const MAX_CONNECTIONS = 64;

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const rules: FaultRule[] = [];
  const used = new Map<FaultRule, number>();
  const requests: ProxiedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let proxyUrl = '';

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  function takeRule(req: IncomingMessage): FaultRule | undefined {
    for (const rule of rules) {
      const times = rule.times ?? 1;
      if ((used.get(rule) ?? 0) >= times) continue;
      if (rule.match?.method && rule.match.method.toUpperCase() !== req.method) continue;
      if (rule.match?.path && !rule.match.path.test(req.url ?? '/')) continue;
      used.set(rule, (used.get(rule) ?? 0) + 1);
      return rule;
    }
    return undefined;
  }

  /** Keeps clients on the proxy when the registry redirects to itself (upload Locations). */
  function rewriteLocation(location: string): string {
    if (location.startsWith(targetUrl.origin)) return proxyUrl + location.slice(targetUrl.origin.length);
    return location;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const rule = takeRule(req);
    if (rule) record.fault = rule.kind;

    if (rule?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (rule?.kind === 'status') {
      req.resume();
      const headers: OutgoingHttpHeaders = { 'content-type': 'application/json', ...rule.headers };
      if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
      const body =
        rule.body ??
        JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected fault: HTTP ${rule.status}` }] });
      headers['content-length'] = Buffer.byteLength(body);
      res.writeHead(rule.status, headers);
      res.end(body);
      return;
    }
    if (rule?.kind === 'single-post') return singlePost(req, res);
    if (rule?.kind === 'stall') await wait(rule.ms);
    if (req.socket.destroyed) return;

    const headers = { ...req.headers, host: targetUrl.host };
    if (rule?.kind === 'ignore-range') delete headers.range;
    const upstream = request({
      agent,
      host: targetUrl.hostname,
      port: targetUrl.port,
      method: req.method,
      path: req.url,
      headers,
    });
    upstream.on('error', () => {
      if (!res.headersSent && !req.socket.destroyed) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('fault proxy: upstream error');
      } else {
        res.destroy();
      }
    });
    req.on('close', () => {
      if (!req.complete) upstream.destroy();
    });

    if (rule?.kind === 'drop-request-after') {
      let seen = 0;
      const drop = () => {
        upstream.destroy();
        req.socket.destroy();
      };
      if (rule.bytes <= 0) return drop();
      req.on('data', (chunk: Buffer) => {
        const room = rule.bytes - seen;
        seen += chunk.length;
        upstream.write(chunk.subarray(0, Math.max(0, room)));
        if (seen >= rule.bytes) drop();
      });
      req.on('end', drop);
      return;
    }
    req.pipe(upstream);

    upstream.on('response', (up) => {
      const outHeaders = { ...up.headers };
      if (typeof outHeaders.location === 'string') outHeaders.location = rewriteLocation(outHeaders.location);
      res.writeHead(up.statusCode ?? 502, outHeaders);
      if (rule?.kind === 'drop-response-after') {
        let sent = 0;
        const drop = () => {
          up.destroy();
          res.destroy();
          req.socket.destroy();
        };
        if (rule.bytes <= 0) {
          res.flushHeaders();
          return drop();
        }
        up.on('data', (chunk: Buffer) => {
          const room = rule.bytes - sent;
          sent += chunk.length;
          res.write(chunk.subarray(0, Math.max(0, room)));
          if (sent >= rule.bytes) drop();
        });
        up.on('end', drop);
        return;
      }
      if (rule?.kind === 'trickle') {
        void trickle(up, res, rule.bytesPerSecond);
        return;
      }
      up.pipe(res);
    });
  }

  async function singlePost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', targetUrl);
    const digest = url.searchParams.get('digest') ?? '';
    url.search = '';
    const auth: Record<string, string> = req.headers.authorization
      ? { authorization: req.headers.authorization }
      : {};
    const opened = await fetch(url, { method: 'POST', headers: auth });
    const location = new URL(opened.headers.get('location') ?? '', url);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      body: Buffer.concat(chunks),
      headers: { 'content-type': 'application/octet-stream', ...auth },
    });
    const body = Buffer.from(await put.arrayBuffer());
    const headers: OutgoingHttpHeaders = { 'content-length': body.length };
    for (const name of ['content-type', 'location', 'docker-content-digest']) {
      const v = put.headers.get(name);
      if (v) headers[name] = name === 'location' ? rewriteLocation(v) : v;
    }
    res.writeHead(put.status, headers);
    res.end(body);
  }

  async function trickle(up: IncomingMessage, res: ServerResponse, bytesPerSecond: number): Promise<void> {
    const tickMs = 50;
    const perTick = Math.max(1, Math.floor((bytesPerSecond * tickMs) / 1000));
    try {
      for await (const chunk of up) {
        const buf = chunk as Buffer;
        for (let i = 0; i < buf.length; i += perTick) {
          if (res.destroyed) {
            up.destroy();
            return;
          }
          res.write(buf.subarray(i, i + perTick));
          await wait(tickMs);
        }
      }
      res.end();
    } catch {
      res.destroy();
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  proxyUrl = `http://${host}`;

  let stopped = false;
  const forgetCleanup = onCleanup(() => stop());
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    forgetCleanup();
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return { url: proxyUrl, host, rules, requests, stop };
}
