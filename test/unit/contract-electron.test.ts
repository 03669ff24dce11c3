/**
 * The Electron transport without an Electron binary: `electron` is replaced by a recording stand-in, then the
 * real preload and main modules are loaded. Checks that the preload exposes exactly `window.lading`, that
 * main registers one IPC handler per contract call (through dispatch), and the window hardening.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FILES_CHOSEN_CHANNEL } from '../../electron/shell/internal-ipc';
import { callNames, channelFor, type LadingApi } from '../../shared/contract';

type Handler = (...args: unknown[]) => unknown;

const rec = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  ipcHandlers: new Map<string, (...args: unknown[]) => unknown>(),
  rendererListeners: new Map<string, (...args: unknown[]) => void>(),
  invoked: [] as Array<[string, unknown]>,
  windows: [] as Array<{ options: { webPreferences: Record<string, unknown> }; webContents: unknown }>,
  appEvents: new Map<string, (...args: unknown[]) => void>(),
  opened: [] as string[],
  permission: undefined as undefined | ((...args: unknown[]) => void),
  headers: undefined as undefined | ((details: unknown, cb: (r: unknown) => void) => void),
  sent: [] as Array<[string, unknown]>,
  /** ipcRenderer.send from the preload, and ipcMain.on listeners in main. */
  rendererSent: [] as Array<[string, unknown]>,
  ipcListeners: new Map<string, (...args: unknown[]) => void>(),
  /** Listeners the preload put on the document. */
  documentListeners: new Map<string, { fn: (e: unknown) => void; capture: unknown }>(),
  /** What the next open dialog returns (empty: cancelled). */
  openDialogPaths: [] as string[],
  /** protocol.registerSchemesAsPrivileged (and whether the app was ready by then), protocol.handle, loadURL. */
  privileged: [] as Array<{ scheme: string; privileges: Record<string, boolean>; whenReady: boolean }>,
  protocolHandlers: new Map<string, (req: { url: string; method: string }) => Promise<Response>>(),
  loaded: [] as string[],
  ready: false,
}));

// The preload watches the document for drops; vitest runs in Node, so it gets this recording stand-in.
vi.stubGlobal('document', {
  addEventListener: (type: string, fn: (e: unknown) => void, capture: unknown) =>
    rec.documentListeners.set(type, { fn, capture }),
});

vi.mock('electron', () => {
  const mainFrame = { parent: null };
  class BrowserWindow {
    webContents = { mainFrame, send: (ch: string, p: unknown) => rec.sent.push([ch, p]) };
    constructor(public options: { webPreferences: Record<string, unknown> }) {
      rec.windows.push(this);
    }
    once() {}
    on() {}
    loadURL(url: string) {
      rec.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    static getAllWindows() {
      return rec.windows;
    }
  }
  return {
    app: {
      requestSingleInstanceLock: () => true,
      on: (name: string, fn: (...a: unknown[]) => void) => rec.appEvents.set(name, fn),
      whenReady: () => {
        rec.ready = true;
        return Promise.resolve();
      },
      getVersion: () => '9.9.9',
      getPath: () => tmpdir(),
      quit: () => {},
      exit: () => {},
    },
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (
        schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>,
      ) => rec.privileged.push(...schemes.map((s) => ({ ...s, whenReady: rec.ready }))),
      handle: (scheme: string, fn: (req: { url: string; method: string }) => Promise<Response>) =>
        rec.protocolHandlers.set(scheme, fn),
    },
    ipcMain: {
      handle: (ch: string, fn: Handler) => rec.ipcHandlers.set(ch, fn),
      on: (ch: string, fn: Handler) => rec.ipcListeners.set(ch, fn),
    },
    dialog: {
      showOpenDialog: async () =>
        rec.openDialogPaths.length
          ? { canceled: false, filePaths: rec.openDialogPaths }
          : { canceled: true, filePaths: [] },
      showErrorBox: () => {},
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => {} },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (s: string) => Buffer.from(s).reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: (...a: unknown[]) => void) => {
          rec.permission = fn;
        },
        setPermissionCheckHandler: () => {},
        webRequest: {
          onHeadersReceived: (fn: (details: unknown, cb: (r: unknown) => void) => void) => {
            rec.headers = fn;
          },
        },
      },
    },
    shell: { openExternal: async (url: string) => void rec.opened.push(url) },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => rec.exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (ch: string, req: unknown) => {
        rec.invoked.push([ch, req]);
        return { ok: true, value: null };
      },
      send: (ch: string, payload: unknown) => rec.rendererSent.push([ch, payload]),
      on: (ch: string, fn: (...a: unknown[]) => void) => rec.rendererListeners.set(ch, fn),
      removeListener: (ch: string) => rec.rendererListeners.delete(ch),
    },
    webUtils: { getPathForFile: (f: { name: string }) => (f.name === 'nopath' ? '' : `/home/me/${f.name}`) },
  };
});

const configDir = mkdtempSync(join(tmpdir(), 'lading-electron-'));
process.env.LADING_CONFIG_DIR = configDir;
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

describe('preload', () => {
  let api: LadingApi;
  beforeAll(async () => {
    await import('../../electron/shell/preload');
    api = rec.exposed.get('lading') as LadingApi;
  });

  it('exposes exactly window.lading with call, on and resolveFile', () => {
    expect([...rec.exposed.keys()]).toEqual(['lading']);
    expect(Object.keys(api).sort()).toEqual(['call', 'on', 'resolveFile']);
  });

  it('invokes only contract channels', async () => {
    await api.call('app.info', {});
    expect(rec.invoked).toEqual([[channelFor('app.info'), {}]]);
    const refused = await api.call('fs.readFile' as never, {} as never);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(rec.invoked).toHaveLength(1);
  });

  it('subscribes only to contract events and hands the listener the payload alone', () => {
    const got: unknown[] = [];
    const off = api.on('jobs.removed', (p) => got.push(p));
    rec.rendererListeners.get(channelFor('jobs.removed'))!({ sender: 'secret ipc object' }, { ids: ['a'] });
    expect(got).toEqual([{ ids: ['a'] }]);
    off();
    expect(rec.rendererListeners.has(channelFor('jobs.removed'))).toBe(false);
    expect(() => api.on('ipc.anything' as never, () => {})).toThrow(/Unknown event/);
  });

  it('resolves dropped files to paths', async () => {
    expect(await api.resolveFile({ name: 'app.tar' } as File)).toEqual({
      ok: true,
      value: { path: '/home/me/app.tar' },
    });
    expect(await api.resolveFile({ name: 'nopath' } as File)).toMatchObject({
      ok: false,
      error: { code: 'file-error' },
    });
  });
});

describe('preload: files the user drops or picks', () => {
  const drop = (isTrusted: boolean, names: string[]) =>
    rec.documentListeners.get('drop')!.fn({
      isTrusted,
      dataTransfer: { files: names.map((name) => ({ name })) },
    });
  const change = (isTrusted: boolean, type: string, names: string[]) =>
    rec.documentListeners.get('change')!.fn({
      isTrusted,
      target: { type, files: names.map((name) => ({ name })) },
    });

  beforeAll(async () => {
    await import('../../electron/shell/preload');
  });

  it('listens on the document in the capture phase, before the page', () => {
    expect(rec.documentListeners.get('drop')?.capture).toBe(true);
    expect(rec.documentListeners.get('change')?.capture).toBe(true);
  });

  it('tells main the paths of a trusted drop over the internal channel, skipping files without a path', () => {
    rec.rendererSent.length = 0;
    drop(true, ['a.tar', 'nopath', 'b.tar.gz']);
    expect(rec.rendererSent).toEqual([[FILES_CHOSEN_CHANNEL, ['/home/me/a.tar', '/home/me/b.tar.gz']]]);
    expect(FILES_CHOSEN_CHANNEL.startsWith('lading:')).toBe(false);
  });

  it('ignores drops the page made up, and empty drops', () => {
    rec.rendererSent.length = 0;
    drop(false, ['secret.tar']);
    drop(true, []);
    drop(true, ['nopath']);
    expect(rec.rendererSent).toEqual([]);
  });

  it('tells main the files picked in a file input (trusted change events only)', () => {
    rec.rendererSent.length = 0;
    change(false, 'file', ['forged.tar']);
    change(true, 'text', ['x.tar']);
    change(true, 'file', ['picked.tar']);
    expect(rec.rendererSent).toEqual([[FILES_CHOSEN_CHANNEL, ['/home/me/picked.tar']]]);
  });
});

describe('main process', () => {
  beforeAll(async () => {
    await import('../../electron/shell/main');
    for (let i = 0; i < 100 && rec.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  });

  it('creates a hardened window', () => {
    expect(rec.windows).toHaveLength(1);
    expect(rec.windows[0]!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(String(rec.windows[0]!.options.webPreferences.preload)).toMatch(/preload\.cjs$/);
  });

  it('loads the renderer from the privileged app://lading scheme, not file://', async () => {
    expect(rec.privileged).toEqual([
      expect.objectContaining({
        scheme: 'app',
        whenReady: false,
        privileges: expect.objectContaining({ standard: true, secure: true }),
      }),
    ]);
    expect(rec.loaded).toEqual(['app://lading/index.html']);
    const handler = rec.protocolHandlers.get('app')!;
    const refused = await handler({ url: 'app://lading/..%2f..%2fpackage.json', method: 'GET' });
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('registers one IPC handler per contract call, answering through dispatch', async () => {
    expect([...rec.ipcHandlers.keys()].sort()).toEqual(callNames.map(channelFor).sort());
    const win = rec.windows[0]!;
    const handler = rec.ipcHandlers.get(channelFor('app.info'))!;
    const fromWindow = { sender: win.webContents, senderFrame: { parent: null } };
    expect(await handler(fromWindow, {})).toMatchObject({
      ok: true,
      value: { mode: 'electron', version: '9.9.9' },
    });
    expect(await handler(fromWindow, { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const fromSubframe = { sender: win.webContents, senderFrame: { parent: {} } };
    expect(await handler(fromSubframe, {})).toMatchObject({ ok: false, error: { code: 'denied' } });
    expect(await handler({ sender: {}, senderFrame: { parent: null } }, {})).toMatchObject({ ok: false });
  });

  it('denies navigation, new windows (https links go to the browser) and permissions', () => {
    const listeners = new Map<string, (e: { preventDefault(): void }) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    rec.appEvents.get('web-contents-created')!(
      {},
      {
        on: (name: string, fn: (e: { preventDefault(): void }) => void) => listeners.set(name, fn),
        setWindowOpenHandler: (fn: typeof openHandler) => {
          openHandler = fn;
        },
      },
    );
    const prevent = vi.fn();
    listeners.get('will-navigate')!({ preventDefault: prevent });
    listeners.get('will-attach-webview')!({ preventDefault: prevent });
    expect(prevent).toHaveBeenCalledTimes(2);
    // Navigation within app://lading (a reload) is allowed; anywhere else, or a redirect away, is not.
    const navigate = (name: string, url: string) => {
      const stop = vi.fn();
      listeners.get(name)!({ url, preventDefault: stop } as never);
      return stop.mock.calls.length > 0;
    };
    expect(navigate('will-navigate', 'app://lading/index.html')).toBe(false);
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-navigate', 'app://other/index.html')).toBe(true);
    expect(navigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(openHandler!({ url: 'https://github.com/x' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(rec.opened).toEqual(['https://github.com/x']);
    const decide = vi.fn();
    rec.permission!({}, 'media', decide);
    expect(decide).toHaveBeenCalledWith(false);
  });

  it('adds the CSP header to every response', () => {
    let out: { responseHeaders: Record<string, string[]> } | undefined;
    rec.headers!({ responseHeaders: {} }, (r) => {
      out = r as typeof out;
    });
    const csp = out!.responseHeaders['Content-Security-Policy']![0]!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval/);
  });

  it('forwards job events to the window', async () => {
    const win = rec.windows[0]!;
    const from = { sender: win.webContents, senderFrame: { parent: null } };
    const saved = (await rec.ipcHandlers.get(channelFor('connections.save'))!(from, {
      name: 'Nowhere',
      kind: 'generic',
      registry: '127.0.0.1:1',
      insecure: true,
      username: 'u',
      secret: 'electron-secret',
    })) as { ok: true; value: { id: string; hasSecret: boolean } };
    expect(saved.value.hasSecret).toBe(true);
    const started = (await rec.ipcHandlers.get(channelFor('jobs.tag'))!(from, {
      connectionId: saved.value.id,
      source: { repository: 'a', reference: '1' },
      target: { repository: 'a', tag: '2' },
    })) as { ok: true; value: { jobId: string } };
    expect(started.ok).toBe(true);
    expect(
      rec.sent.some(
        ([ch, p]) => ch === channelFor('jobs.updated') && (p as { id: string }).id === started.value.jobId,
      ),
    ).toBe(true);
  });

  describe('reads only archives the user chose (archive.inspect, jobs.push)', () => {
    const notAnArchive = join(configDir, 'chosen.tar');
    const other = join(configDir, 'other.tar');
    writeFileSync(notAnArchive, 'not an archive');
    writeFileSync(other, 'not an archive either');
    const fromWindow = () => ({ sender: rec.windows[0]!.webContents, senderFrame: { parent: null } });
    const inspect = (path: string) =>
      rec.ipcHandlers.get(channelFor('archive.inspect'))!(fromWindow(), { source: { path } }) as Promise<{
        ok: boolean;
        error?: { code: string; message: string; hint?: string };
      }>;
    const refusal = {
      ok: false,
      error: {
        code: 'invalid-input',
        message: 'Lading reads only archives you picked in the file dialog or dropped on the window.',
        hint: expect.stringContaining('Push archive'),
      },
    };

    it('refuses a path the user never chose, for inspect and push', async () => {
      expect(await inspect('/etc/passwd')).toEqual(refusal);
      expect(await inspect(notAnArchive)).toEqual(refusal);
      const push = await rec.ipcHandlers.get(channelFor('jobs.push'))!(fromWindow(), {
        connectionId: 'whatever',
        source: { path: '/etc/passwd' },
        target: { repository: 'a', tag: '1' },
      });
      expect(push).toEqual(refusal);
    });

    it('ignores the internal channel from a subframe or another sender, and junk paths', async () => {
      const send = rec.ipcListeners.get(FILES_CHOSEN_CHANNEL)!;
      send({ sender: rec.windows[0]!.webContents, senderFrame: { parent: {} } }, [notAnArchive]);
      send({ sender: {}, senderFrame: { parent: null } }, [notAnArchive]);
      send(fromWindow(), 'not a list');
      send(fromWindow(), ['relative/chosen.tar', 42, `/${'x'.repeat(5000)}`]);
      expect(await inspect(notAnArchive)).toEqual(refusal);
    });

    it('reads a file the preload reported as dropped (and keeps refusing others)', async () => {
      rec.ipcListeners.get(FILES_CHOSEN_CHANNEL)!(fromWindow(), [notAnArchive]);
      const read = await inspect(notAnArchive);
      expect(read.ok).toBe(false);
      expect(read.error?.code).toBe('archive-invalid');
      // Still granted for the push that follows the inspect.
      expect((await inspect(notAnArchive)).error?.code).toBe('archive-invalid');
      expect(await inspect(other)).toEqual(refusal);
    });

    it('reads files the open dialog returned', async () => {
      rec.openDialogPaths = [other];
      const picked = await rec.ipcHandlers.get(channelFor('dialog.openArchives'))!(fromWindow(), {});
      expect(picked).toEqual({ ok: true, value: { supported: true, paths: [other] } });
      expect((await inspect(other)).error?.code).toBe('archive-invalid');
    });
  });
});
