// bin/rightsize.js rebuilds when a source is newer than the build, instead of running stale code.
// Checked in a scratch tree with a stand-in build tool, so the real out/ is never touched.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

function scratchTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-bin-'));
  for (const sub of ['bin', 'src/cli', 'out/main', 'node_modules/electron-vite/bin']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(join(ROOT, 'bin/rightsize.js'), join(dir, 'bin/rightsize.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'src/cli/index.ts'), '// source');
  const cli = (label: string): string => `export async function main(argv, io) { io.stdout('${label}\\n'); return 0; }\n`;
  writeFileSync(join(dir, 'out/main/cli.js'), cli('old build'));
  // The stand-in for electron-vite: writes a new build.
  writeFileSync(
    join(dir, 'node_modules/electron-vite/bin/electron-vite.js'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync('out/main/cli.js', ${JSON.stringify(cli('new build'))});\n`,
  );
  return dir;
}

const run = (dir: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(dir, 'bin/rightsize.js')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, RIGHTSIZE_NO_REBUILD: '', ...env },
  });
const at = (dir: string, path: string, seconds: number): void => utimesSync(join(dir, path), seconds, seconds);

describe('bin/rightsize.js', () => {
  it('runs the build as it is when no source is newer', () => {
    const dir = scratchTree();
    at(dir, 'src/cli/index.ts', 1_000);
    at(dir, 'package.json', 1_000);
    at(dir, 'out/main/cli.js', 2_000);
    const r = run(dir);
    expect(r.stdout).toBe('old build\n');
    expect(r.stderr).toBe('');
  });

  it('rebuilds first when a source changed after the build, and says why', () => {
    const dir = scratchTree();
    at(dir, 'package.json', 1_000);
    at(dir, 'out/main/cli.js', 2_000);
    at(dir, 'src/cli/index.ts', 3_000);
    const r = run(dir);
    expect(r.stderr).toMatch(/sources changed since the last build, building/);
    expect(r.stdout).toBe('new build\n');
  });
});
