/** The bridge's wire constants as the renderer uses them, from `shared/bridge-protocol.ts`. */
import {
  BRIDGE_CALL_PATH,
  BRIDGE_DOWNLOAD_PATH,
  BRIDGE_EVENTS_PATH,
  BRIDGE_FILENAME_HEADER,
  BRIDGE_TICKET_PATH,
  BRIDGE_TICKET_QUERY,
  BRIDGE_TOKEN_FRAGMENT,
  BRIDGE_TOKEN_HEADER,
  BRIDGE_TOKEN_STORAGE_KEY,
  BRIDGE_UPLOAD_PATH,
  BRIDGE_WS_PROTOCOL_PREFIX,
} from '../../shared/bridge-protocol';

export const BRIDGE = {
  callPath: `${BRIDGE_CALL_PATH}/`,
  eventsPath: BRIDGE_EVENTS_PATH,
  uploadPath: BRIDGE_UPLOAD_PATH,
  downloadPath: `${BRIDGE_DOWNLOAD_PATH}/`,
  tokenHeader: BRIDGE_TOKEN_HEADER,
  tokenFragment: BRIDGE_TOKEN_FRAGMENT,
  ticketPath: BRIDGE_TICKET_PATH,
  ticketQuery: BRIDGE_TICKET_QUERY,
  storageKey: BRIDGE_TOKEN_STORAGE_KEY,
  wsProtocolPrefix: BRIDGE_WS_PROTOCOL_PREFIX,
  fileNameHeader: BRIDGE_FILENAME_HEADER,
} as const;

/** Fired on window when the event socket comes back after a drop: state may have been missed. */
export const RECONNECTED_EVENT = 'lading:bridge-reconnected';
