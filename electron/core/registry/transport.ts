/**
 * The one HTTP path every registry request takes: base URL, User-Agent, manual redirects (Authorization is
 * attached per hop and only for the registry's own host), retries with backoff for transient failures, and
 * translation of connection errors and error bodies into LadingErrors.
 */
import type { Readable } from 'node:stream';
import { formatSize } from '../../../shared/sizes';
import { LadingError } from './errors';
import { type Headers, header, parseRetryAfter } from './headers';
import { traceEnd, traceStart } from './http-trace';
import { Agent, type Dispatcher, request } from './undici-core';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request body: bytes (replayable), or a factory that produces a fresh body for every attempt. */
export type RequestBody = Buffer | Uint8Array | string | (() => Buffer | Uint8Array | Readable);

export interface SendRequest {
  method: Method;
  /** Absolute URL, or a path resolved against the transport's base URL. */
  url: string | URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
  /** Authorization header value; sent only to the registry host (never after a redirect to another host). */
  authorization?: string;
  /** The host allowed to receive `authorization` when it is not the registry (a token realm). */
  authorizationHost?: string;
  /** The body carries a secret (an OAuth2 refresh token): refuse to replay it to another host on a redirect. */
  secretBody?: boolean;
  /** Override the retry count for this request (0 = no retries). */
  retries?: number;
  /** Mark a non-idempotent request (POST/PATCH) as safe to retry. */
  idempotent?: boolean;
}

export interface Response {
  status: number;
  headers: Headers;
  body: Dispatcher.ResponseData['body'];
  /** The final URL after redirects. */
  url: URL;
}

export interface TransportOptions {
  baseUrl: string;
  userAgent?: string;
  retries?: number;
  /** First backoff delay in ms (then ×3 each attempt, with jitter). */
  retryBaseMs?: number;
  /** Longest wait honoured from Retry-After, seconds. */
  maxRetryAfterSeconds?: number;
  /** Longest wait for response headers, ms (default 60 s); a registry silent for longer "stopped answering". */
  headersTimeoutMs?: number;
  /**
   * Longest gap between two body chunks, ms (default 60 s). Not a total time limit: a 10 GB layer may take
   * hours, but a body that makes no progress for this long is a stalled connection.
   */
  bodyTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;

export const DEFAULT_USER_AGENT = 'lading/0.1 (+https://github.com/lading)';
const MAX_REDIRECTS = 10;
const RETRY_STATUSES = new Set([408, 429, 499, 500, 502, 503, 504, 522]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const IDEMPOTENT = new Set<Method>(['GET', 'HEAD', 'PUT', 'DELETE']);

let sharedAgent: Agent | undefined;
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({
    // Per origin: a push has up to 30 small blobs in flight (push-tuning.ts), each waiting on round trips.
    connections: 32,
    keepAliveTimeout: 10_000,
    connect: { timeout: 30_000 },
    headersTimeout: DEFAULT_HEADERS_TIMEOUT_MS,
    bodyTimeout: DEFAULT_BODY_TIMEOUT_MS,
  });
  return sharedAgent;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function cancelled(): LadingError {
  return new LadingError('cancelled', 'The operation was cancelled.');
}

/** Error code of a Node/undici error, looking through `cause`. */
export function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isAbortError(e: unknown): boolean {
  return (
    (e instanceof LadingError && e.code === 'cancelled') ||
    (e instanceof Error &&
      (e.name === 'AbortError' || errorCode(e) === 'UND_ERR_ABORTED' || errorCode(e) === 'ABORT_ERR'))
  );
}

/** A connection-level failure that a retry (or a resumed transfer) might get past. */
export function isTransientNetworkError(e: unknown): boolean {
  if (e instanceof LadingError) return e.temporary;
  const code = errorCode(e);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Turns a connection error into `unreachable` with the host and a human cause; never includes headers. */
export function connectionError(e: unknown, host: string): LadingError {
  if (e instanceof LadingError) return e;
  const code = errorCode(e) ?? '';
  let cause: string;
  let hint = 'Check the registry address and that it is running and reachable from this machine.';
  if (code === 'ECONNREFUSED') cause = 'connection refused';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') cause = 'DNS lookup failed (no such host)';
  else if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') cause = 'connection timed out';
  else if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    cause = 'the registry stopped answering';
    hint =
      'The registry accepted the connection but sent nothing for too long; it may be overloaded, or a proxy in between may be stuck. Try again later.';
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    cause = 'connection reset';
  else if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    cause = 'TLS handshake failed (the server may only speak plain HTTP)';
    hint = 'If this registry serves plain HTTP, mark it as insecure (--insecure).';
  } else if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(code)) {
    cause = `TLS certificate problem (${code})`;
    hint =
      "The registry's certificate is not trusted. Install its CA certificate, or mark it insecure if it is a test registry.";
  } else cause = code ? `network error ${code}` : 'network error';
  return new LadingError('unreachable', `Cannot reach ${host}: ${cause}.`, {
    hint,
    temporary: TRANSIENT_CODES.has(code),
    cause: e,
  });
}

export class Transport {
  readonly baseUrl: URL;
  readonly host: string;
  readonly userAgent: string;
  readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryAfter: number;
  private readonly dispatcher: Dispatcher;
  private readonly headersTimeoutMs: number;
  private readonly bodyTimeoutMs: number;

  constructor(opts: TransportOptions) {
    this.baseUrl = new URL(opts.baseUrl);
    this.host = this.baseUrl.host;
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.retries = opts.retries ?? 3;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.maxRetryAfter = opts.maxRetryAfterSeconds ?? 60;
    this.dispatcher = opts.dispatcher ?? defaultDispatcher();
    this.headersTimeoutMs = opts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.bodyTimeoutMs = opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  }

  resolve(url: string | URL): URL {
    return new URL(url, this.baseUrl);
  }

  /** Backoff before attempt `attempt` (1-based): base × 3^(attempt-1), ±50 % jitter. */
  backoffMs(attempt: number): number {
    const base = this.retryBaseMs * 3 ** (attempt - 1);
    return Math.round(base * (0.5 + Math.random()));
  }

  /**
   * Sends a request, following redirects and retrying transient failures. Returns the response for any status
   * except those retried (408/429/5xx), which become `rate-limited` / `server-error` once retries run out.
   * The caller must consume or dump the body.
   */
  async send(req: SendRequest): Promise<Response> {
    // Every RequestBody can be produced again (bytes, or a factory), so idempotency alone decides.
    const retryable = IDEMPOTENT.has(req.method) || req.idempotent === true;
    const maxRetries = retryable ? (req.retries ?? this.retries) : 0;
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw cancelled();
      let res: Response;
      try {
        res = await this.sendFollowingRedirects(req);
      } catch (e) {
        if (isAbortError(e) || req.signal?.aborted) throw cancelled();
        if (e instanceof LadingError) throw e;
        if (attempt < maxRetries && isTransientNetworkError(e)) {
          await sleep(this.backoffMs(attempt + 1), req.signal);
          continue;
        }
        throw connectionError(e, this.resolve(req.url).host);
      }
      if (!RETRY_STATUSES.has(res.status)) return res;
      const retryAfter = parseRetryAfter(header(res.headers, 'retry-after'), Date.now(), this.maxRetryAfter);
      if (attempt < maxRetries) {
        await res.body.dump().catch(() => {});
        await sleep(retryAfter !== undefined ? retryAfter * 1000 : this.backoffMs(attempt + 1), req.signal);
        continue;
      }
      throw await statusError(res, { retryAfter });
    }
  }

  private async sendFollowingRedirects(req: SendRequest): Promise<Response> {
    let url = this.resolve(req.url);
    let method = req.method;
    let body: RequestBody | undefined = req.body;
    const seen = new Set<string>();
    const origin = url;
    const authHost = req.authorizationHost ?? this.host;
    let bodyDropped = false;
    for (let hop = 0; ; hop++) {
      seen.add(url.href);
      const headers: Record<string, string> = {
        'user-agent': this.userAgent,
        ...lowerKeys(req.headers ?? {}),
      };
      if (bodyDropped) {
        delete headers['content-length'];
        delete headers['content-type'];
      }
      // Credentials only go to their own host and never downgrade from HTTPS to HTTP.
      if (
        req.authorization &&
        url.host === authHost &&
        !(origin.protocol === 'https:' && url.protocol !== 'https:')
      ) {
        headers.authorization = req.authorization;
      }
      const payload = body === undefined ? undefined : typeof body === 'function' ? body() : body;
      if (payload !== undefined && headers['content-length'] === undefined && !isStream(payload)) {
        headers['content-length'] = String(
          typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength,
        );
      }
      const trace = traceStart(method, url);
      const r = await request(this.dispatcher, {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body: payload as Buffer | Readable | string | undefined,
        signal: req.signal,
        // Per request, so that the limits hold whatever dispatcher the caller supplied.
        headersTimeout: this.headersTimeoutMs,
        bodyTimeout: this.bodyTimeoutMs,
      }).catch((e: unknown) => {
        traceEnd(trace, errorCode(e) ?? 'error');
        throw e;
      });
      traceEnd(trace, r.statusCode);
      const res: Response = { status: r.statusCode, headers: r.headers as Headers, body: r.body, url };
      const location = header(res.headers, 'location');
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      await res.body.dump().catch(() => {});
      if (hop + 1 >= MAX_REDIRECTS) {
        throw new LadingError(
          'protocol-error',
          `Too many redirects from ${this.host} (more than ${MAX_REDIRECTS}).`,
        );
      }
      const next = new URL(location, url);
      if (seen.has(next.href)) {
        throw new LadingError(
          'protocol-error',
          `Redirect loop at ${this.host}: ${next.host}${next.pathname} was already visited.`,
        );
      }
      if (
        res.status === 303 ||
        ((res.status === 301 || res.status === 302) && method !== 'GET' && method !== 'HEAD')
      ) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        bodyDropped = true;
      }
      if (req.secretBody && body !== undefined && next.host !== origin.host) {
        throw new LadingError(
          'protocol-error',
          `${origin.host} redirected a token request to ${next.host}; Lading will not send the token there.`,
        );
      }
      url = next;
    }
  }
}

function isStream(x: unknown): x is Readable {
  return !!x && typeof x === 'object' && typeof (x as Readable).pipe === 'function';
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** Stops reading a response body; the abort error undici emits for it is expected and swallowed. */
export function abandonBody(res: Pick<Response, 'body'>): void {
  res.body.on('error', () => {});
  res.body.destroy();
}

/** Reads at most `maxBytes` of a body; more is `too-large` (the rest is discarded). */
export async function readBytes(res: Response, maxBytes: number, what = 'response'): Promise<Buffer> {
  const declared = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    abandonBody(res);
    throw tooLarge(res, maxBytes, what);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > maxBytes) {
        abandonBody(res);
        throw tooLarge(res, maxBytes, what);
      }
      chunks.push(buf);
    }
  } catch (e) {
    // A body that stalls (bodyTimeoutMs) or drops midway is a connection failure, not a raw undici error.
    if (e instanceof LadingError || isAbortError(e)) throw e;
    throw connectionError(e, res.url.host);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(res: Response, maxBytes: number, what: string): LadingError {
  return new LadingError(
    'too-large',
    `The ${what} from ${res.url.host} is larger than ${formatSize(maxBytes, 'binary')}; refusing to read it.`,
    {
      hint: 'This is more than any registry should send here; the registry or a proxy in between may be misbehaving.',
    },
  );
}

/** Parses a bounded JSON body; anything else (HTML error pages, truncated JSON) is `protocol-error`. */
export async function readJson<T = unknown>(
  res: Response,
  maxBytes: number,
  what = 'response',
): Promise<{ value: T; bytes: Buffer }> {
  const bytes = await readBytes(res, maxBytes, what);
  return { value: parseJsonBody<T>(bytes, res, what), bytes };
}

export function parseJsonBody<T>(bytes: Buffer, res: Pick<Response, 'url' | 'headers'>, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    const type = header(res.headers, 'content-type');
    throw new LadingError(
      'protocol-error',
      `The ${what} from ${res.url.host} is not valid JSON${type ? ` (content-type ${type.split(';')[0]})` : ''}.`,
      { hint: 'The address may point at a web server or proxy rather than a container registry.' },
    );
  }
}

export interface RegistryErrorEntry {
  code?: string;
  message?: string;
  detail?: unknown;
}

const REGISTRY_CODE_MAP: Record<string, LadingError['code']> = {
  UNAUTHORIZED: 'unauthorized',
  DENIED: 'denied',
  NAME_UNKNOWN: 'name-unknown',
  MANIFEST_UNKNOWN: 'manifest-unknown',
  BLOB_UNKNOWN: 'blob-unknown',
  UNSUPPORTED: 'unsupported',
  TOOMANYREQUESTS: 'rate-limited',
  NAME_INVALID: 'invalid-reference',
  TAG_INVALID: 'invalid-reference',
  DIGEST_INVALID: 'digest-mismatch',
  SIZE_INVALID: 'protocol-error',
  MANIFEST_INVALID: 'protocol-error',
  MANIFEST_BLOB_UNKNOWN: 'blob-unknown',
};

/** Reads a registry error body `{"errors":[...]}` (bounded, tolerant of non-JSON). */
export async function readRegistryErrors(res: Response): Promise<RegistryErrorEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readBytes(res, 64 * 1024, 'error body');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { errors?: unknown };
    if (Array.isArray(parsed.errors))
      return parsed.errors.filter((e): e is RegistryErrorEntry => !!e && typeof e === 'object');
  } catch {
    // Not JSON (an HTML error page, say): never echo it.
  }
  return [];
}

export interface StatusContext {
  /** What was being done, e.g. "get manifest alpine:latest"; used in the message. */
  what?: string;
  /** Fallback code for a 404 without a registry error body. */
  notFound?: LadingError['code'];
  retryAfter?: number;
}

/**
 * Maps an unsuccessful response to a LadingError, keeping the registry's own message (useful to users)
 * but never headers.
 */
export async function statusError(res: Response, ctx: StatusContext = {}): Promise<LadingError> {
  const errors = await readRegistryErrors(res);
  const first = errors[0];
  const registryCode = first?.code?.toUpperCase();
  const host = res.url.host;
  const retryAfter = ctx.retryAfter ?? parseRetryAfter(header(res.headers, 'retry-after'));
  let code: LadingError['code'] | undefined = registryCode ? REGISTRY_CODE_MAP[registryCode] : undefined;
  if (!code) {
    if (res.status === 401) code = 'unauthorized';
    else if (res.status === 403) code = 'denied';
    else if (res.status === 404) code = ctx.notFound ?? 'name-unknown';
    else if (res.status === 405) code = 'unsupported';
    else if (res.status === 429) code = 'rate-limited';
    else if (res.status === 413) code = 'too-large';
    else if (res.status >= 500) code = 'server-error';
    else code = 'protocol-error';
  }
  const registryMessage = errors
    .map((e) => [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': '))
    .filter(Boolean)
    .join('; ')
    // One line, no terminal control characters, bounded: the text comes from the server.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .slice(0, 300);
  const doing = ctx.what ? ` (${ctx.what})` : '';
  const message = registryMessage
    ? `${host} answered ${res.status}${doing}: ${registryMessage}`
    : `${host} answered HTTP ${res.status}${doing}.`;
  const hints: Partial<Record<LadingError['code'], string>> = {
    'rate-limited': `The registry is rate-limiting requests${retryAfter !== undefined ? `; it asked to wait ${retryAfter} s` : ''}. Try again later or log in for a higher limit.`,
    'server-error': 'The registry had an internal error. Try again later.',
    unsupported: 'This registry does not support the operation.',
    'name-unknown': 'Check the repository name (and that you have access to it).',
    'manifest-unknown': 'Check the tag or digest; list tags to see what exists.',
    unauthorized: 'Log in to this registry and try again.',
  };
  return new LadingError(code, message, {
    hint: hints[code],
    status: res.status,
    registryCode,
    retryAfter,
    temporary: code === 'server-error' || code === 'rate-limited',
  });
}
