/**
 * `window.lading` over the browser bridge: calls are `POST /api/call/:name`, events arrive over a WebSocket,
 * dropped files are streamed with `POST /api/upload`, pulled files come from `GET /api/download/:jobId`.
 * Every request carries the per-launch secret that the bridge printed in the URL fragment, in a header; a
 * download link carries only a one-time ticket, fetched when it is clicked (see `followDownloadLinks`).
 */
import type { BridgeEventMessage } from '../../shared/bridge-protocol';
import {
  BRIDGE_READY_EVENT,
  type CallName,
  type CallRequest,
  type CallResponse,
  type EventName,
  type EventPayload,
  type LadingApi,
  type Result,
} from '../../shared/contract';
import { useUi } from '../state/ui';
import { BRIDGE, RECONNECTED_EVENT } from './bridge-constants';

const TOKEN_KEY = BRIDGE.storageKey;

/**
 * Splits the secret out of a fragment, keeping the rest (a screen's route): `#token=…`, `#token=…&/c/…`,
 * or `#/c/…?token=…&platform=…`.
 */
export function splitBridgeToken(hash: string): { token: string | null; rest: string } {
  const match = new RegExp(`(^#|[?&])${BRIDGE.tokenFragment}=([^&]*)&?`).exec(hash);
  if (!match) return { token: null, rest: hash };
  let token: string | null = null;
  try {
    token = match[2] ? decodeURIComponent(match[2]) : null;
  } catch {
    // a mangled secret is no secret: the page asks for the printed URL
  }
  const rest = (hash.slice(0, match.index) + match[1] + hash.slice(match.index + match[0].length)).replace(
    /[?&]$/,
    '',
  );
  return { token, rest: rest === '#' ? '' : rest };
}

/**
 * Reads the secret from the URL once, keeps it for reloads in sessionStorage (this tab only), and takes it
 * out of the address, so it is in neither history nor a copied link; the screen's route stays.
 */
export function takeBridgeToken(): string | null {
  const { hash, pathname, search } = window.location;
  const { token, rest } = splitBridgeToken(hash);
  if (rest !== hash) history.replaceState(history.state, '', pathname + search + rest);
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const TOKEN_CHANNEL = 'lading.bridge-token';

/**
 * Answers other tabs of this bridge that ask for the secret: a copied link never carries it, so a link
 * opened in a new tab asks an open one. Same-origin only (BroadcastChannel), i.e. the bridge's own pages.
 */
export function shareBridgeToken(token: string): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(TOKEN_CHANNEL);
  channel.onmessage = (event) => {
    if (event.data === 'request') channel.postMessage({ token });
  };
}

/** Asks the bridge's other open tabs for the secret; null if none answers within `timeoutMs`. */
export function requestBridgeToken(timeoutMs = 500): Promise<string | null> {
  if (typeof BroadcastChannel === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new BroadcastChannel(TOKEN_CHANNEL);
    const done = (token: string | null) => {
      clearTimeout(timer);
      channel.close();
      resolve(token);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    channel.onmessage = (event) => {
      const token = (event.data as { token?: unknown } | null)?.token;
      if (typeof token === 'string' && token) done(token);
    };
    channel.postMessage('request');
  });
}

/** At start in a browser: the secret from the URL, this tab's storage, or another tab; then shared on. */
export async function obtainBridgeToken(): Promise<string | null> {
  const token = takeBridgeToken() ?? (await requestBridgeToken());
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    shareBridgeToken(token);
  }
  return token;
}

function networkError(what: string, error: unknown): Result<never> {
  return {
    ok: false,
    error: {
      code: 'bridge-unreachable',
      message: `Could not reach Lading's bridge (${what}): ${error instanceof Error ? error.message : String(error)}`,
      hint: 'Is `lading serve` still running? Restart it and open the URL it prints.',
    },
  };
}

async function readResult<T>(response: Response): Promise<Result<T>> {
  if (response.status === 401 || response.status === 403) {
    return {
      ok: false,
      error: {
        code: 'bridge-unauthorized',
        message: 'The bridge refused this page: its secret is missing or out of date.',
        hint: 'Open the URL that `lading serve` printed (it includes #token=…).',
      },
    };
  }
  const body = (await response.json().catch(() => null)) as Result<T> | null;
  if (body && typeof body === 'object' && 'ok' in body) return body;
  return {
    ok: false,
    error: {
      code: 'bridge-protocol',
      message: `The bridge answered HTTP ${response.status} without a result.`,
    },
  };
}

type Listener = (payload: unknown) => void;
type TicketFetcher = (jobId: string) => Promise<Result<{ ticket: string }>>;

let fetchTicket: TicketFetcher | null = null;

/**
 * `downloadUrl()` links carry no credential, so the bridge would refuse them. A click on one is caught here
 * (one listener per page, for the current transport), a one-time ticket is fetched over the authenticated
 * channel, and the browser is sent to the link with only that ticket added.
 */
function followDownloadLinks(base: string, fetcher: TicketFetcher): void {
  const installed = fetchTicket !== null;
  fetchTicket = fetcher;
  if (installed) return;
  const prefix = new URL(`${base}${BRIDGE.downloadPath}`, window.location.href);
  document.addEventListener(
    'click',
    (event) => {
      const link = (event.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
      if (!link || !fetchTicket || event.defaultPrevented) return;
      const target = new URL(link.href, window.location.href);
      if (target.origin !== prefix.origin || !target.pathname.startsWith(prefix.pathname)) return;
      if (target.searchParams.has(BRIDGE.ticketQuery)) return;
      event.preventDefault();
      const jobId = decodeURIComponent(target.pathname.slice(prefix.pathname.length));
      void fetchTicket(jobId).then((result) => {
        if (!result.ok) {
          useUi.getState().toast(`${result.error.message} ${result.error.hint ?? ''}`.trim(), 'error');
          return;
        }
        target.searchParams.set(BRIDGE.ticketQuery, result.value.ticket);
        const once = document.createElement('a');
        once.href = target.toString();
        once.download = link.getAttribute('download') ?? '';
        once.rel = 'noreferrer';
        document.body.append(once);
        once.click();
        once.remove();
      });
    },
    true,
  );
}

export function createBridgeTransport(token: string, base = ''): LadingApi {
  const headers = { [BRIDGE.tokenHeader]: token };
  const listeners = new Map<EventName, Set<Listener>>();
  let socket: WebSocket | null = null;
  let retryMs = 500;
  let connectedBefore = false;

  async function ticketFor(jobId: string): Promise<Result<{ ticket: string }>> {
    try {
      const response = await fetch(`${base}${BRIDGE.ticketPath}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ jobId }),
      });
      return readResult(response);
    } catch (error) {
      return networkError('download', error);
    }
  }
  if (typeof document !== 'undefined') followDownloadLinks(base, ticketFor);

  function connectEvents(): void {
    const url = new URL(BRIDGE.eventsPath, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // The secret goes in the subprotocol so it stays out of URLs and logs.
    const ws = new WebSocket(url, [`${BRIDGE.wsProtocolPrefix}${token}`]);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
    };
    ws.onmessage = (message) => {
      try {
        const data = JSON.parse(String(message.data)) as BridgeEventMessage;
        if (data.event === BRIDGE_READY_EVENT) {
          if (connectedBefore) window.dispatchEvent(new Event(RECONNECTED_EVENT));
          connectedBefore = true;
          return;
        }
        for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
      } catch {
        // A malformed frame is dropped; the next jobs.list refetch repairs state.
      }
    };
    ws.onclose = () => {
      socket = null;
      // Reconnect with backoff so a restarted bridge resumes events without a reload.
      setTimeout(() => {
        if (listeners.size > 0) connectEvents();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }

  const api: LadingApi = {
    async call<N extends CallName>(name: N, request: CallRequest<N>): Promise<Result<CallResponse<N>>> {
      try {
        const response = await fetch(`${base}${BRIDGE.callPath}${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(request ?? {}),
        });
        return await readResult<CallResponse<N>>(response);
      } catch (error) {
        return networkError(name, error);
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener as Listener);
      if (!socket) connectEvents();
      return () => {
        set.delete(listener as Listener);
      };
    },
    resolveFile(file, onProgress) {
      // XHR rather than fetch: it reports upload progress, and large archives take a while.
      return new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `${base}${BRIDGE.uploadPath}`);
        xhr.setRequestHeader(BRIDGE.tokenHeader, token);
        xhr.setRequestHeader('content-type', 'application/octet-stream');
        xhr.setRequestHeader(BRIDGE.fileNameHeader, encodeURIComponent(file.name));
        xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total || file.size);
        xhr.onload = () => {
          void readResult<{ uploadId: string }>(
            new Response(xhr.responseText, {
              status: xhr.status,
              headers: { 'content-type': 'application/json' },
            }),
          ).then(resolve);
        };
        xhr.onerror = () => resolve(networkError('upload', new Error(`upload of ${file.name} failed`)));
        xhr.send(file);
      });
    },
    downloadUrl(jobId) {
      // No credential here: a click fetches the one-time ticket (followDownloadLinks).
      return `${base}${BRIDGE.downloadPath}${encodeURIComponent(jobId)}`;
    },
  };
  return api;
}
