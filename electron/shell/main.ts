/**
 * The Electron main process: one hardened window over the shared services. Every contract call is an
 * `ipcMain.handle` channel that goes through `dispatch` (validation, typed errors); job events are forwarded
 * to the window. This folder is the only place that imports Electron.
 */
import { isAbsolute, join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session } from 'electron';
import { callNames, channelFor } from '../../shared/contract';
import { createServices, dispatch, type Services } from '../app/services/index';
import { ladingConfigDir } from '../core/connections/config-dir';
import { nodeSecretStore, SafeStorageSecretStore, type SecretStore } from '../core/connections/secret-store';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, appSchemeResponse } from './app-scheme';
import { FILES_CHOSEN_CHANNEL, MAX_CHOSEN_PATH_LENGTH, MAX_CHOSEN_PATHS } from './internal-ipc';
import { installMenu } from './menu';
import { hardenApp, hardenSession, openExternalHttps } from './security';

let mainWindow: BrowserWindow | null = null;
let services: Services | null = null;

/** safeStorage when it is backed by a real keychain; Linux without one ('basic_text') is no better than a file. */
async function secretStore(dataDir: string): Promise<SecretStore> {
  const basicText = process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (safeStorage.isEncryptionAvailable() && !basicText)
    return new SafeStorageSecretStore(safeStorage, dataDir);
  return nodeSecretStore(dataDir);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Lading',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click would open links in new windows; those are denied anyway, but turn the feature off too.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_INDEX_URL);
  return win;
}

/** Only our window's top frame may talk to the main process; anything else (a subframe, another window) is refused. */
function fromMainFrame(event: Electron.IpcMainEvent | Electron.IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!mainWindow && event.sender === mainWindow.webContents && !!frame && frame.parent === null;
}

/** Paths from the preload's drop / file-input watcher become read grants for archive.inspect and jobs.push. */
function grantChosenFiles(svc: Services, event: Electron.IpcMainEvent, paths: unknown): void {
  if (!fromMainFrame(event) || !Array.isArray(paths)) return;
  for (const path of paths.slice(0, MAX_CHOSEN_PATHS)) {
    if (typeof path === 'string' && path.length <= MAX_CHOSEN_PATH_LENGTH && isAbsolute(path)) {
      svc.context.readPaths.grant(path);
    }
  }
}

function registerIpc(svc: Services): void {
  for (const name of callNames) {
    ipcMain.handle(channelFor(name), (event, request: unknown) => {
      if (!fromMainFrame(event)) {
        return { ok: false, error: { code: 'denied', message: 'This frame may not call Lading.' } };
      }
      return dispatch(svc.handlers, name, request);
    });
  }
  ipcMain.on(FILES_CHOSEN_CHANNEL, (event, paths: unknown) => grantChosenFiles(svc, event, paths));
  svc.events.subscribe((event, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channelFor(event), payload);
  });
}

async function start(): Promise<void> {
  hardenApp();
  await app.whenReady();
  hardenSession(session.defaultSession);
  // The renderer comes from app://lading (dist/renderer only), never from file://.
  const rendererDir = join(__dirname, '..', 'renderer');
  protocol.handle(APP_SCHEME, (request) => appSchemeResponse(rendererDir, request));
  installMenu();
  const dataDir = ladingConfigDir();
  services = await createServices({
    dataDir,
    secretStore: await secretStore(dataDir),
    mode: 'electron',
    version: app.getVersion(),
    openExternal: openExternalHttps,
    dialogs: {
      async openArchives() {
        const options: Electron.OpenDialogOptions = {
          title: 'Choose image archives to push',
          properties: ['openFile', 'multiSelections'],
          filters: [
            { name: 'Image archives', extensions: ['tar', 'gz', 'tgz', 'zst', 'tzst', 'oci'] },
            { name: 'All files', extensions: ['*'] },
          ],
        };
        const r = mainWindow
          ? await dialog.showOpenDialog(mainWindow, options)
          : await dialog.showOpenDialog(options);
        return r.canceled ? [] : r.filePaths;
      },
      async saveFile(defaultName) {
        const options: Electron.SaveDialogOptions = {
          title: 'Save the pulled image',
          defaultPath: join(app.getPath('downloads'), defaultName),
          filters: [{ name: 'Image archive', extensions: ['tar'] }],
        };
        const r = mainWindow
          ? await dialog.showSaveDialog(mainWindow, options)
          : await dialog.showSaveDialog(options);
        return r.canceled || !r.filePath ? null : r.filePath;
      },
    },
  });
  registerIpc(services);
  mainWindow = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
}

// Must happen before the app is ready: a standard, secure scheme gets its own origin for CSP 'self'.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed || !services) return;
    // Cancel running jobs so their pipelines remove temp files before we exit.
    event.preventDefault();
    disposed = true;
    void services.dispose().finally(() => app.quit());
  });
  start().catch((e: unknown) => {
    dialog.showErrorBox('Lading could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
  });
}
