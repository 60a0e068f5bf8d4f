#!/usr/bin/env node
// Entry point of the `rightsize` command. Runs the built CLI (out/main/cli.js). In a checkout it
// builds first when nothing is built yet or when a source file is newer than the build, so a
// `git pull` never leaves it silently running stale code. An installed package has no src/ and
// runs what it shipped.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));

/** The newest modification time under the sources the build reads, in ms; 0 when there are none. */
function newestSourceMs() {
  let newest = 0;
  const visit = (path) => {
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) return;
    if (info.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, info.mtimeMs);
  };
  for (const part of ['src', 'package.json', 'electron.vite.config.ts']) visit(join(root, part));
  return newest;
}

function staleness() {
  if (!existsSync(cli)) return 'first run';
  if (process.env.RIGHTSIZE_NO_REBUILD || !existsSync(join(root, 'src'))) return null;
  return newestSourceMs() > statSync(cli).mtimeMs ? 'sources changed since the last build' : null;
}

/** One build at a time: a second `rightsize` started meanwhile waits for it instead of building too. */
function buildOnce(why) {
  const lock = join(root, 'out', '.build-lock');
  mkdirSync(join(root, 'out'), { recursive: true });
  let fd = null;
  const deadline = Date.now() + 120_000;
  while (fd === null) {
    try {
      fd = openSync(lock, 'wx');
    } catch {
      const info = statSync(lock, { throwIfNoEntry: false });
      // A lock older than two minutes belongs to a build that died.
      if (info && Date.now() - info.mtimeMs > 120_000) rmSync(lock, { force: true });
      else if (Date.now() > deadline) break;
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (!staleness()) return; // another process built it while we waited
    process.stderr.write(`rightsize: ${why}, building (a few seconds)...\n`);
    const electronVite = fileURLToPath(new URL('../node_modules/electron-vite/bin/electron-vite.js', import.meta.url));
    const build = spawnSync(process.execPath, [electronVite, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0 || !existsSync(cli)) {
      process.stderr.write('rightsize: the build failed; run `npm run build` to see why.\n');
      process.exit(1);
    }
  } finally {
    if (fd !== null) {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

const why = staleness();
if (why) buildOnce(why);
const { main } = await import(new URL('../out/main/cli.js', import.meta.url).href);
const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
});
// Let stdout drain (a pipe may still be writing the JSON), then leave even if a handle lingers.
process.stdout.write('', () => process.exit(code));
