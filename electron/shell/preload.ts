/**
 * The preload: exposes exactly `window.lading` (the contract's `LadingApi`) and nothing else. Calls are
 * limited to contract names, listeners to contract events; the renderer never sees `ipcRenderer`.
 * Bundled to one CJS file: a sandboxed preload can only `require('electron')`.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer, webUtils } from 'electron';
import {
  type CallName,
  channelFor,
  type EventName,
  eventNames,
  isCallName,
  type LadingApi,
} from '../../shared/contract';

const eventSet = new Set<string>(eventNames);

const api: LadingApi = {
  call(name, request) {
    if (!isCallName(name)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'invalid-input', message: `Unknown call "${String(name)}".` },
      });
    }
    return ipcRenderer.invoke(channelFor(name as CallName), request);
  },
  on(event, listener) {
    if (!eventSet.has(event)) throw new Error(`Unknown event "${String(event)}".`);
    const channel = channelFor(event as EventName);
    // Strip the IpcRendererEvent: it carries `sender`, which must not reach the page.
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
  async resolveFile(file) {
    const path = webUtils.getPathForFile(file);
    if (!path) {
      return {
        ok: false,
        error: {
          code: 'file-error',
          message: `"${file.name}" has no path on disk.`,
          hint: 'Save the file first, then drop it from the file manager.',
        },
      };
    }
    return { ok: true, value: { path } };
  },
};

contextBridge.exposeInMainWorld('lading', api);
