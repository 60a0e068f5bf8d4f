// `npm start`: build, then open the Electron app. Where Electron's binary is missing (it could not
// be downloaded), say how to get it and how to use the web mode meanwhile.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const electronVite = fileURLToPath(new URL('../node_modules/electron-vite/bin/electron-vite.js', import.meta.url));
const build = spawnSync(process.execPath, [electronVite, 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath;
try {
  electronPath = require('electron'); // the path of the binary, or a throw when it was never downloaded
} catch (error) {
  console.error(`rightsize: Electron's binary is not installed (${error.message.split('\n')[0]}).`);
  console.error('  Get it with `node node_modules/electron/install.js` (needs network access),');
  console.error('  or use the same UI in your browser: `npm run serve`, or the CLI: `npm run -s rightsize -- report`.');
  process.exit(1);
}
// Inherited from a terminal inside another Electron app (an editor's), it would run ours as plain Node.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(electronPath, ['.'], { cwd: root, stdio: 'inherit', env });
child.on('exit', (code) => process.exit(code ?? 0));
