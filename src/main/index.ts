// Electron's main process: the real `electron` module handed to the factory in app.ts, where the
// window, its security and the IPC wiring live (tested there with fakes).
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import Store from 'electron-store';
import { startMainApp } from './app';

startMainApp(
  { app, BrowserWindow, ipcMain, session, shell },
  {
    mainModuleUrl: import.meta.url,
    // The product's store library; its name and folder (userData) make it the file the CLI's conf writes.
    profileBackend: (options) => new Store<Record<string, unknown>>(options),
  },
).catch((error: unknown) => {
  console.error('rightsize could not start:', error);
  app.exit(1);
});
