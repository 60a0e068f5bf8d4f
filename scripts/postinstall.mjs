// Downloads Electron's binary when it can; where it cannot (CI, offline machines) the CLI and
// the web mode still work, so a failed download is a warning, never a failed install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('rightsize: ELECTRON_SKIP_BINARY_DOWNLOAD is set; the CLI and web mode work, `npm start` needs Electron.');
} else {
  let installScript = null;
  try {
    installScript = require.resolve('electron/install.js');
  } catch {
    /* electron is a dev dependency */
  }
  if (installScript && existsSync(installScript)) {
    const result = spawnSync(process.execPath, [installScript], { stdio: 'inherit' });
    if (result.status !== 0) {
      console.warn(
        "rightsize: could not download Electron's binary. The CLI (`npm run -s rightsize -- report`) and web mode (`npm run serve`) work without it; to get the app, run `node node_modules/electron/install.js` when you are online.",
      );
    }
  }
}
