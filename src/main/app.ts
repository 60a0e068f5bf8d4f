// Electron's main process as a factory over the parts of the `electron` module it uses, so tests run
// it with fakes (Electron cannot run on every machine) and index.ts only hands it the real module.
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createService as createRealService, type ProfileBackendFactory, type Service, type ServiceOptions } from '../node/service';
import { forwardHostEvents, makeSenderCheck, registerHostApi, type EventTargetLike, type IpcMainLike } from './ipc';
import {
  lockDownWebContents,
  secureSession,
  secureWebPreferences,
  type SecureWebPreferences,
  type SessionLike,
  type WebContentsLike,
} from './security';

/**
 * Electron's userData folder is <appData>/<this name>, which is the CLI's default data folder
 * (~/.config/rightsize, ~/Library/Application Support/rightsize, %APPDATA%\rightsize): what the CLI
 * saves, the app shows. Set explicitly so a productName change cannot move the folder.
 */
export const APP_NAME = 'rightsize';

export interface BrowserWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  backgroundColor: string;
  show: boolean;
  webPreferences: SecureWebPreferences;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike & EventTargetLike & { id: number };
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  show(): void;
  focus(): void;
  isMinimized(): boolean;
  restore(): void;
  loadURL(url: string): Promise<void>;
  loadFile(path: string): Promise<void>;
}

interface AppLike {
  enableSandbox(): void;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  getVersion(): string;
  getPath(name: 'appData' | 'userData'): string;
  setPath(name: 'userData', path: string): void;
  on(event: 'before-quit' | 'window-all-closed' | 'second-instance', listener: () => void): unknown;
  quit(): void;
}

/** The pieces of the `electron` module the main process uses. */
export interface ElectronLike {
  app: AppLike;
  BrowserWindow: new (options: BrowserWindowOptions) => BrowserWindowLike;
  ipcMain: IpcMainLike;
  session: { defaultSession: SessionLike };
  shell: { openExternal(url: string): Promise<void> };
}

export interface MainAppOptions {
  /** import.meta.url of the built main entry (out/main/index.js): the preload and the page sit next to it. */
  mainModuleUrl: string;
  /** Default: this process's. ELECTRON_RENDERER_URL (electron-vite dev) and RIGHTSIZE_DATA_DIR are read from it. */
  env?: NodeJS.ProcessEnv;
  /** Default: the real service (tests pass one with fake detection). */
  createService?: (options: ServiceOptions) => Service;
  /** Opens profiles.json in userData: electron-store in the app (index.ts); conf, the same file format, when not given. */
  profileBackend?: ProfileBackendFactory;
}

export interface MainApp {
  service: Service;
  window: BrowserWindowLike;
}

/** The sandboxed preload must be CommonJS (.cjs, see electron.vite.config.ts); the page is the built renderer. */
export function builtPaths(mainModuleUrl: string): { preloadPath: string; rendererIndex: string } {
  return {
    preloadPath: fileURLToPath(new URL('../preload/index.cjs', mainModuleUrl)),
    rendererIndex: fileURLToPath(new URL('../renderer/index.html', mainModuleUrl)),
  };
}

/**
 * Starts the app: sandbox on, the user's data folder, one instance, then (once Electron is ready)
 * the service, the secure session, the IPC handlers and one locked-down window. Resolves with the
 * service and the window, or null when another instance already runs (this one quits).
 */
export async function startMainApp(electron: ElectronLike, options: MainAppOptions): Promise<MainApp | null> {
  const { app } = electron;
  const env = options.env ?? process.env;
  const { preloadPath, rendererIndex } = builtPaths(options.mainModuleUrl);
  const devServerUrl = env.ELECTRON_RENDERER_URL;

  app.enableSandbox();
  // Before the single-instance lock, which lives in userData. Electron wants an absolute path.
  app.setPath('userData', env.RIGHTSIZE_DATA_DIR ? resolve(env.RIGHTSIZE_DATA_DIR) : join(app.getPath('appData'), APP_NAME));
  // A second copy would run its own probes and write the same history file: focus the first instead.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  let mainWindow: BrowserWindowLike | null = null;
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();
  secureSession(electron.session.defaultSession);
  // Caches stay where the CLI keeps them (the service's default), so a probe run from the CLI calibrates the app too.
  const service = (options.createService ?? createRealService)({
    face: 'electron',
    appVersion: app.getVersion(),
    dataDir: app.getPath('userData'),
    // A first launch calibrates itself in the background, with progress and cancel in the page.
    autoProbe: true,
    ...(options.profileBackend ? { profileBackend: options.profileBackend } : {}),
  });
  // Running benchmarks and probes are child processes that would outlive the app: stop them first.
  app.on('before-quit', () => service.dispose());
  // Detect while the window opens; node-llama-cpp's answer comes from its cache (refreshed in the background on a miss).
  // A failure here is dropped because the page's own call meets it again and shows it.
  service.call('getHardware', {}).catch(() => undefined);
  service.call('listModels', {}).catch(() => undefined);

  const allowedPages = devServerUrl ? [devServerUrl] : [pathToFileURL(rendererIndex).href];
  registerHostApi(
    electron.ipcMain,
    service,
    makeSenderCheck(() => mainWindow?.webContents.id ?? null, allowedPages),
  );

  const window = new electron.BrowserWindow({
    width: 1320,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'rightsize',
    backgroundColor: '#15171c',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  mainWindow = window;
  lockDownWebContents(window.webContents, (url) => {
    electron.shell.openExternal(url).catch((error: unknown) => console.error(`rightsize could not open ${url}:`, error));
  });
  const stopEvents = forwardHostEvents(service, () => mainWindow?.webContents ?? null);
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    stopEvents();
    mainWindow = null;
  });
  // A page that fails to load never sends ready-to-show: show the window anyway, or the app runs invisible.
  (devServerUrl ? window.loadURL(devServerUrl) : window.loadFile(rendererIndex)).catch((error: unknown) => {
    console.error('rightsize could not load its page:', error);
    window.show();
  });
  return { service, window };
}
