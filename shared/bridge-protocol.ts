/**
 * The browser bridge's wire protocol, shared by the server (`electron/app/bridge/`) and the renderer's bridge
 * transport (`renderer/api/`). See `electron/app/bridge/README.md`.
 */
import type { BRIDGE_READY_EVENT, EventName } from './contract';

/** Header carrying the per-launch secret on every API request. */
export const BRIDGE_TOKEN_HEADER = 'x-lading-token';
/** The URL fragment key the secret arrives in (`http://127.0.0.1:PORT/#token=SECRET`). */
export const BRIDGE_TOKEN_FRAGMENT = 'token';
/** Where the renderer keeps the secret for the tab's lifetime. */
export const BRIDGE_TOKEN_STORAGE_KEY = 'lading.bridgeToken';

/** `POST {CALL_PATH}/{callName}` with the JSON request body → JSON `Result` envelope (always HTTP 200 once authorised). */
export const BRIDGE_CALL_PATH = '/api/call';
/**
 * WebSocket for events. Authenticate with the subprotocol `lading.<token>` (Sec-WebSocket-Protocol), `?token=`, or by
 * sending `{"token":"..."}` as the first message. Server messages: `{"event": EventName, "payload": ...}`.
 */
export const BRIDGE_EVENTS_PATH = '/api/events';
export const BRIDGE_WS_PROTOCOL_PREFIX = 'lading.';
/**
 * `POST /api/upload` with the raw file bytes as the body, headers `x-lading-token` and `x-lading-filename`
 * (URI-encoded) → `Result<{ uploadId }>`.
 */
export const BRIDGE_UPLOAD_PATH = '/api/upload';
export const BRIDGE_FILENAME_HEADER = 'x-lading-filename';
/** `GET {DOWNLOAD_PATH}/{jobId}?ticket=TICKET` → the file of a finished bridge pull (Content-Disposition: attachment). */
export const BRIDGE_DOWNLOAD_PATH = '/api/download';
/**
 * `POST {TICKET_PATH}` with the token header and JSON `{ jobId }` → `Result<{ ticket }>`: a one-time ticket,
 * valid for a minute, for that job's download URL (the secret itself never goes in a URL).
 */
export const BRIDGE_TICKET_PATH = '/api/download-ticket';
export const BRIDGE_TICKET_QUERY = 'ticket';

/** Bounds. */
export const BRIDGE_MAX_CALL_BODY_BYTES = 1024 * 1024;
export const BRIDGE_MAX_UPLOAD_BYTES = 20 * 1024 * 1024 * 1024;

/** One frame on the event socket: a contract event, or the bridge's own ready signal. */
export interface BridgeEventMessage {
  event: EventName | typeof BRIDGE_READY_EVENT;
  payload: unknown;
}
