// Electron cannot run here, so the main process's wiring is tested with small fakes of the
// objects it touches: the window options, the session's CSP, navigation, and every IPC handler.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, HOST_API_METHODS, ipcChannel, type HostEvent } from '../../src/shared/api';
import {
  APP_NAME,
  builtPaths,
  startMainApp,
  type BrowserWindowLike,
  type BrowserWindowOptions,
  type ElectronLike,
  type MainAppOptions,
} from '../../src/main/app';
import { forwardHostEvents, makeSenderCheck, registerHostApi, type IpcEventLike } from '../../src/main/ipc';
import { CONTENT_SECURITY_POLICY as APP_CSP } from '../../src/shared/csp';
import { lockDownWebContents, secureSession, secureWebPreferences } from '../../src/main/security';
import { createService, type ProfileBackendFactory, type Service, type ServiceOptions } from '../../src/node/service';
import type { ProfileBackendOptions } from '../../src/node/profiles/store';
import { makeSnapshot } from '../helpers/hardware';

describe('Electron main wiring', () => {
  it('opens the window isolated, sandboxed and without Node', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('adds a strict CSP to every response and denies permissions', () => {
    let listener:
      | ((
          d: { responseHeaders?: Record<string, string[] | string> },
          cb: (r: { responseHeaders: Record<string, string[] | string> }) => void,
        ) => void)
      | null = null;
    let permission: ((wc: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
    secureSession({
      webRequest: { onHeadersReceived: (l) => (listener = l) },
      setPermissionRequestHandler: (h) => (permission = h),
    });
    let headers: Record<string, string[] | string> = {};
    listener!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([APP_CSP]);
    expect(APP_CSP).toContain("default-src 'none'");
    expect(APP_CSP).not.toContain('unsafe');
    let granted = true;
    permission!(null, 'geolocation', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('denies navigation, redirects, webviews and new windows', () => {
    const handlers = new Map<string, (e: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    const opened: string[] = [];
    lockDownWebContents(
      {
        on: ((event: string, l: (e: { preventDefault(): void }, url?: string) => void) => handlers.set(event, l)) as never,
        setWindowOpenHandler: (h) => (openHandler = h),
      },
      (url) => opened.push(url),
    );
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      handlers.get(event)!({ preventDefault: () => (prevented = true) }, 'https://evil.example');
      expect(prevented).toBe(true);
    }
    expect(openHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.com/docs']);
  });

  it('wires every HostApi method, checks the sender and validates payloads', async () => {
    const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
    const service = createService({ face: 'electron', detect: async () => makeSnapshot() });
    const check = makeSenderCheck(() => 7, ['file:///app/out/renderer/index.html']);
    registerHostApi({ handle: (channel, l) => handlers.set(channel, l) }, service, check);
    expect([...handlers.keys()].sort()).toEqual(HOST_API_METHODS.map(ipcChannel).sort());

    const ours: IpcEventLike = { sender: { id: 7 }, senderFrame: { url: 'file:///app/out/renderer/index.html' } };
    const otherWindow: IpcEventLike = { sender: { id: 8 }, senderFrame: { url: 'file:///app/out/renderer/index.html' } };
    const otherPage: IpcEventLike = { sender: { id: 7 }, senderFrame: { url: 'https://evil.example/' } };
    const getReport = handlers.get(ipcChannel('getReport'))!;

    const ok = (await getReport(ours, { contextTokens: 4096 })) as { ok: { settings: unknown } };
    expect(ok.ok.settings).toEqual({ contextTokens: 4096, kvType: 'f16' });
    for (const event of [otherWindow, otherPage]) {
      expect(await getReport(event, { contextTokens: 4096 })).toEqual({
        error: { message: 'IPC refused: unknown sender.', code: 'untrusted-sender' },
      });
    }
    const bad = (await getReport(ours, { contextTokens: -1 })) as { error: { code: string } };
    expect(bad.error.code).toBe('invalid-input');
    const extra = (await getReport(ours, { contextTokens: 4096, __proto__x: 1 })) as { error: { code: string } };
    expect(extra.error.code).toBe('invalid-input');
  });

  it("pushes the service's events to the window on one channel, and stops when the window is gone", () => {
    const listeners = new Set<(e: HostEvent) => void>();
    const service = { onEvent: (l: (e: HostEvent) => void) => (listeners.add(l), () => listeners.delete(l)) };
    const sent: Array<[string, unknown]> = [];
    let destroyed = false;
    const stop = forwardHostEvents(service, () => ({
      isDestroyed: () => destroyed,
      send: (channel, payload) => sent.push([channel, payload]),
    }));
    const event: HostEvent = { type: 'hardware', phase: 'refreshed', message: 'node-llama-cpp answered' };
    listeners.forEach((l) => l(event));
    expect(sent).toEqual([[EVENT_CHANNEL, event]]);
    destroyed = true;
    listeners.forEach((l) => l(event));
    expect(sent).toHaveLength(1);
    stop();
    expect(listeners.size).toBe(0);
  });
});

// ---------------------------------------------------------------- the whole main process, with a fake `electron`

const STORIES = fileURLToPath(new URL('../../../shared/models/stories260K.gguf', import.meta.url));
// Where the packaged app lives (a space in the path, as in "Program Files"): the page's URL must still match.
const INSTALL_DIR = join(tmpdir(), 'My Apps', 'rightsize', 'resources', 'app.asar');
const MAIN_URL = pathToFileURL(join(INSTALL_DIR, 'out', 'main', 'index.js')).href;
const PAGE_URL = pathToFileURL(join(INSTALL_DIR, 'out', 'renderer', 'index.html')).href;

type PreventableListener = (event: { preventDefault(): void }, url?: string) => void;
type IpcHandler = (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>;

interface FakeWebContents {
  id: number;
  sent: Array<[string, unknown]>;
  listeners: Map<string, PreventableListener>;
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null;
}

/** The parts of `electron` the main process uses, recording what it does with them. */
function fakeElectron(options: { otherInstanceRuns?: boolean } = {}) {
  const log: string[] = [];
  const appListeners = new Map<string, Array<() => void>>();
  const paths = new Map<string, string>([['appData', mkdtempSync(join(tmpdir(), 'rightsize-appdata-'))]]);
  const ipcHandlers = new Map<string, IpcHandler>();
  const windows: FakeWindow[] = [];
  const defaultSession: {
    headersListener:
      | ((
          d: { responseHeaders?: Record<string, string[] | string> },
          cb: (r: { responseHeaders: Record<string, string[] | string> }) => void,
        ) => void)
      | null;
    permissionHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null;
  } = { headersListener: null, permissionHandler: null };
  const openedExternally: string[] = [];

  class FakeWindow implements BrowserWindowLike {
    readonly contents: FakeWebContents;
    readonly webContents: BrowserWindowLike['webContents'];
    readonly listeners = new Map<string, () => void>();
    loaded: string | null = null;
    shown = false;
    focused = false;
    constructor(readonly options: BrowserWindowOptions) {
      log.push('new BrowserWindow');
      const contents: FakeWebContents = { id: 41 + windows.length, sent: [], listeners: new Map(), openHandler: null };
      this.contents = contents;
      this.webContents = {
        id: contents.id,
        on: ((event: string, listener: PreventableListener) => contents.listeners.set(event, listener)) as never,
        setWindowOpenHandler: (handler) => (contents.openHandler = handler),
        isDestroyed: () => false,
        send: (channel, payload) => contents.sent.push([channel, payload]),
      };
      windows.push(this);
    }
    once(event: string, listener: () => void): void {
      this.listeners.set(event, listener);
    }
    on(event: string, listener: () => void): void {
      this.listeners.set(event, listener);
    }
    show(): void {
      this.shown = true;
    }
    focus(): void {
      this.focused = true;
    }
    isMinimized(): boolean {
      return false;
    }
    restore(): void {}
    async loadURL(url: string): Promise<void> {
      this.loaded = url;
    }
    async loadFile(path: string): Promise<void> {
      this.loaded = pathToFileURL(path).href;
    }
  }

  const electron: ElectronLike = {
    app: {
      enableSandbox: () => void log.push('enableSandbox'),
      requestSingleInstanceLock: () => (log.push('requestSingleInstanceLock'), !options.otherInstanceRuns),
      whenReady: async () => void log.push('whenReady'),
      getVersion: () => '0.1.0',
      getPath: (name) => paths.get(name) ?? expect.unreachable(`getPath(${name}) before it was set`),
      setPath: (name, path) => (log.push(`setPath ${name}`), paths.set(name, path)),
      on: (event, listener) => appListeners.set(event, [...(appListeners.get(event) ?? []), listener]),
      quit: () => void log.push('quit'),
    },
    BrowserWindow: FakeWindow,
    ipcMain: { handle: (channel, listener) => void ipcHandlers.set(channel, listener) },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (listener) => void (defaultSession.headersListener = listener) },
        setPermissionRequestHandler: (handler) => void (defaultSession.permissionHandler = handler),
      },
    },
    shell: { openExternal: async (url) => void openedExternally.push(url) },
  };
  const emitApp = (event: string): void => appListeners.get(event)?.forEach((listener) => listener());
  return { electron, log, paths, ipcHandlers, windows, defaultSession, openedExternally, emitApp };
}

/** Starts the main process over fakes, with the real service on fake detection; returns what it built. */
async function startWithFakes(
  options: { env?: NodeJS.ProcessEnv; otherInstanceRuns?: boolean; profileBackend?: ProfileBackendFactory } = {},
) {
  const fake = fakeElectron(options);
  let serviceOptions: ServiceOptions | null = null;
  let created: Service | null = null;
  const appOptions: MainAppOptions = {
    mainModuleUrl: MAIN_URL,
    env: options.env ?? {},
    ...(options.profileBackend ? { profileBackend: options.profileBackend } : {}),
    createService: (o) => {
      serviceOptions = o;
      created = createService({ ...o, detect: async () => makeSnapshot(), discover: async () => ({ models: [], searched: [] }) });
      return created;
    },
  };
  const started = await startMainApp(fake.electron, appOptions);
  const window = fake.windows[0];
  const fromOurPage: IpcEventLike = { sender: { id: window?.contents.id ?? -1 }, senderFrame: { url: PAGE_URL } };
  const invoke = (method: string, input: unknown, event: IpcEventLike = fromOurPage) =>
    fake.ipcHandlers.get(ipcChannel(method as never))!(event, input);
  return {
    ...fake,
    started,
    window,
    serviceOptions: serviceOptions as ServiceOptions | null,
    service: created as Service | null,
    fromOurPage,
    invoke,
  };
}

describe('Electron main process (startMainApp over a fake electron)', () => {
  it('turns the sandbox on and sets the data folder before Electron is ready', async () => {
    const { log } = await startWithFakes();
    expect(log).toContain('enableSandbox');
    expect(log.indexOf('enableSandbox')).toBeLessThan(log.indexOf('whenReady'));
    // The single-instance lock lives in userData, so the folder is set first.
    expect(log.indexOf('setPath userData')).toBeLessThan(log.indexOf('requestSingleInstanceLock'));
  });

  it("keeps history in <appData>/rightsize (the CLI's data folder), or RIGHTSIZE_DATA_DIR as the CLI does, and caches where the CLI keeps them", async () => {
    const plain = await startWithFakes();
    const userData = join(plain.paths.get('appData')!, APP_NAME);
    expect(plain.paths.get('userData')).toBe(userData);
    expect(plain.serviceOptions).toMatchObject({ face: 'electron', dataDir: userData, appVersion: '0.1.0' });
    // A first launch calibrates itself in the background (the service skips it where a calibration is stored).
    expect(plain.serviceOptions?.autoProbe).toBe(true);
    // No cacheDir: the service's default is the CLI's, so a probe run from the CLI calibrates the app too.
    expect(plain.serviceOptions?.cacheDir).toBeUndefined();

    const chosen = join(tmpdir(), 'rightsize-chosen-data');
    const overridden = await startWithFakes({ env: { RIGHTSIZE_DATA_DIR: chosen } });
    expect(overridden.paths.get('userData')).toBe(chosen);
    expect(overridden.serviceOptions?.dataDir).toBe(chosen);
  });

  it('opens profiles.json in userData through the store factory it is given (electron-store in the app) and writes through it', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'rightsize-main-profiles-'));
    const opened: ProfileBackendOptions[] = [];
    const written: Array<Record<string, unknown>> = [];
    const profileBackend: ProfileBackendFactory = (o) => {
      opened.push(o);
      return {
        path: join(o.cwd, `${o.name}.json`),
        get store() {
          return written.at(-1) ?? {};
        },
        set store(values) {
          written.push(values);
        },
      };
    };
    try {
      const { invoke, serviceOptions } = await startWithFakes({ env: { RIGHTSIZE_DATA_DIR: userData }, profileBackend });
      expect(serviceOptions?.profileBackend).toBe(profileBackend);
      const saved = (await invoke('saveProfile', { name: 'Desk', from: 'detected' })) as { ok?: { name: string } };
      expect(saved.ok?.name).toBe('Desk');
      expect(opened).toEqual([{ name: 'profiles', cwd: userData, clearInvalidConfig: false }]);
      expect(written).toHaveLength(1);
      expect(written[0]).toMatchObject({ version: 1, profiles: [{ name: 'Desk', origin: 'detected' }] });
    } finally {
      rmSync(userData, { recursive: true, force: true });
    }
  });

  it('opens one window with the secure preferences and the CommonJS preload, and shows it when ready', async () => {
    const { windows, window } = await startWithFakes();
    expect(windows).toHaveLength(1);
    const { preloadPath, rendererIndex } = builtPaths(MAIN_URL);
    expect(preloadPath.endsWith('.cjs')).toBe(true);
    expect(window!.options.webPreferences).toEqual(secureWebPreferences(preloadPath));
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(window!.loaded).toBe(pathToFileURL(rendererIndex).href);
    expect(window!.shown).toBe(false);
    window!.listeners.get('ready-to-show')!();
    expect(window!.shown).toBe(true);
  });

  it('finds the preload and the page the build really writes next to out/main/index.js', () => {
    const built = builtPaths(pathToFileURL(fileURLToPath(new URL('../../out/main/index.js', import.meta.url))).href);
    expect(existsSync(built.preloadPath), `${built.preloadPath} (npm run build)`).toBe(true);
    expect(existsSync(built.rendererIndex), `${built.rendererIndex} (npm run build)`).toBe(true);
  });

  it('puts the CSP on every response of the default session and denies permissions', async () => {
    const { defaultSession } = await startWithFakes();
    let headers: Record<string, string[] | string> = {};
    defaultSession.headersListener!({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([APP_CSP]);
    let granted = true;
    defaultSession.permissionHandler!(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it("locks the window's page in: no navigation or new windows, https links go to the browser", async () => {
    const { window, openedExternally } = await startWithFakes();
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      window!.contents.listeners.get(event)!({ preventDefault: () => (prevented = true) }, 'https://example.com/');
      expect(prevented, event).toBe(true);
    }
    expect(window!.contents.openHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    await Promise.resolve();
    expect(openedExternally).toEqual(['https://example.com/docs']);
  });

  it('answers every HostApi method over IPC, to its own page only', async () => {
    const { ipcHandlers, invoke, fromOurPage } = await startWithFakes();
    expect([...ipcHandlers.keys()].sort()).toEqual(HOST_API_METHODS.map(ipcChannel).sort());
    const version = (await invoke('getVersion', {})) as { ok: { face: string } };
    expect(version.ok.face).toBe('electron');
    const refused = { error: { message: 'IPC refused: unknown sender.', code: 'untrusted-sender' } };
    expect(await invoke('getVersion', {}, { ...fromOurPage, sender: { id: 999 } })).toEqual(refused);
    expect(await invoke('getVersion', {}, { ...fromOurPage, senderFrame: { url: 'https://evil.example/' } })).toEqual(refused);
    expect(await invoke('getVersion', {}, { ...fromOurPage, senderFrame: null })).toEqual(refused);
  });

  it('trusts the dev server page instead of the built one under electron-vite dev', async () => {
    const devUrl = 'http://localhost:5173/';
    const { window, invoke, fromOurPage } = await startWithFakes({ env: { ELECTRON_RENDERER_URL: devUrl } });
    expect(window!.loaded).toBe(devUrl);
    expect(((await invoke('getVersion', {}, { ...fromOurPage, senderFrame: { url: devUrl } })) as { ok: unknown }).ok).toBeDefined();
    expect(((await invoke('getVersion', {}, fromOurPage)) as { error: { code: string } }).error.code).toBe('untrusted-sender');
  });

  it("pushes the service's events to the window on the event channel until the window closes", async () => {
    const { window, service } = await startWithFakes();
    await service!.call('getHardware', { refresh: true });
    const pushed = window!.contents.sent.filter(([channel]) => channel === EVENT_CHANNEL).map(([, payload]) => payload as HostEvent);
    expect(pushed).toContainEqual(expect.objectContaining({ type: 'hardware', phase: 'detecting' }));
    window!.listeners.get('closed')!();
    const before = window!.contents.sent.length;
    await service!.call('getHardware', { refresh: true });
    expect(window!.contents.sent).toHaveLength(before);
  });

  it('a dropped folder or non-GGUF file comes back with a message the page shows', async () => {
    const { invoke } = await startWithFakes();
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-drop-'));
    const folder = join(dir, 'models');
    mkdirSync(folder);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'shopping list');
    const reply = (await invoke('getReport', { files: [folder, notes] })) as {
      ok: { fileProblems: Array<{ path: string; message: string }> };
    };
    const messages = Object.fromEntries(reply.ok.fileProblems.map((p) => [p.path, p.message]));
    expect(messages[folder]).toMatch(/is a folder, not a file: pick the \.gguf file inside it/);
    expect(messages[notes]).toMatch(/^not a GGUF file .*pick a \.gguf model file/);
  });

  it('stops a running measurement (its llama child process) when the app quits', async () => {
    const { invoke, emitApp } = await startWithFakes();
    const started = (await invoke('startMeasure', { path: STORIES, contextTokens: 512, gpuLayers: 0, threads: 1 })) as {
      ok: { runId: string; state: string };
    };
    expect(started.ok.state).toBe('running');
    emitApp('before-quit');
    const state = async () => ((await invoke('getRun', { runId: started.ok.runId })) as { ok: { state: string } }).ok.state;
    await expect.poll(state, { timeout: 10_000 }).toBe('cancelled');
  }, 30_000);

  it('quits with its last window, and a second copy hands over to the first', async () => {
    const first = await startWithFakes();
    first.emitApp('second-instance');
    expect(first.window!.focused).toBe(true);
    first.emitApp('window-all-closed');
    expect(first.log).toContain('quit');

    const second = await startWithFakes({ otherInstanceRuns: true });
    expect(second.started).toBeNull();
    expect(second.log).toContain('quit');
    expect(second.windows).toHaveLength(0);
    expect(second.ipcHandlers.size).toBe(0);
  });
});
