// Electron's main process: one secure window over the shared service. Thin on purpose: the
// logic lives in src/node and src/core, tested in plain Node.
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { fileURLToPath } from 'node:url';
import { createService } from '../node/service';
import { forwardHostEvents, registerHostApi, makeSenderCheck } from './ipc';
import { lockDownWebContents, secureSession, secureWebPreferences } from './security';

const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const rendererIndex = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const devServerUrl = process.env.ELECTRON_RENDERER_URL;

let mainWindow: BrowserWindow | null = null;

app.enableSandbox();

app.whenReady().then(() => {
  secureSession(session.defaultSession);
  const service = createService({ face: 'electron', appVersion: app.getVersion() });
  // Detect while the window opens; node-llama-cpp's answer comes from its cache (refreshed in the background on a miss).
  void service.call('getHardware', {}).catch(() => undefined);
  void service.call('listModels', {}).catch(() => undefined);
  app.on('before-quit', () => service.dispose());
  const allowed = devServerUrl ? [devServerUrl] : [new URL(`file://${rendererIndex}`).href];
  registerHostApi(ipcMain, service, makeSenderCheck(() => mainWindow?.webContents.id ?? null, allowed));

  mainWindow = new BrowserWindow({
    width: 1320,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'rightsize',
    backgroundColor: '#15171c',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  lockDownWebContents(mainWindow.webContents, (url) => void shell.openExternal(url));
  const stopEvents = forwardHostEvents(service, () => mainWindow?.webContents ?? null);
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    stopEvents();
    mainWindow = null;
  });
  if (devServerUrl) void mainWindow.loadURL(devServerUrl);
  else void mainWindow.loadFile(rendererIndex);
});

app.on('window-all-closed', () => app.quit());
