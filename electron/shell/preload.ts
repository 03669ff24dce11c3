/**
 * The preload: exposes exactly `window.lading` (the contract's `LadingApi`) and nothing else. Calls are
 * limited to contract names, listeners to contract events; the renderer never sees `ipcRenderer`.
 * Bundled to one CJS file: a sandboxed preload can only `require('electron')`.
 *
 * It also watches, from its isolated world, for files the user drops on the window (or picks in a file
 * input) and tells the main process their paths over an internal channel: the main process reads only such
 * files and those from the open dialog, so the page cannot make it read a file the user never chose.
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
import { FILES_CHOSEN_CHANNEL, MAX_CHOSEN_PATHS } from './internal-ipc';

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

/** Grants read access to the files of a user gesture; events the page made up (`isTrusted` false) grant nothing. */
function grantChosenFiles(event: Event, files: FileList | null | undefined): void {
  if (!event.isTrusted || !files?.length) return;
  const paths = [...files].map((file) => webUtils.getPathForFile(file)).filter((path) => path !== '');
  if (paths.length) ipcRenderer.send(FILES_CHOSEN_CHANNEL, paths.slice(0, MAX_CHOSEN_PATHS));
}

// Capture phase on the document: this runs before the page's own drop handler (on window, bubbling) asks
// resolveFile for the path and calls archive.inspect, and IPC messages from one frame arrive in order.
document.addEventListener('drop', (event) => grantChosenFiles(event, event.dataTransfer?.files), true);
document.addEventListener(
  'change',
  (event) => {
    const target = event.target as HTMLInputElement | null;
    if (target?.type === 'file') grantChosenFiles(event, target.files);
  },
  true,
);
