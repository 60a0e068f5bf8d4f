// Where rightsize keeps what a user saves (benchmark history, hardware profiles): the same folder
// Electron gives the app as userData, so the CLI, the web mode and the app share one set of files.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RIGHTSIZE_DATA_DIR) return env.RIGHTSIZE_DATA_DIR;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'rightsize');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'rightsize');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'rightsize');
}
