// The installer rules electron-builder follows (electron-builder.cjs), checked without building:
// a wrong pattern here only shows on a user's machine, as an app that cannot load llama.cpp.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_NAME } from '../../src/main/app';
import { defaultDataDir } from '../../src/node/data-dir';

interface BuilderConfig {
  productName?: string;
  files: string[];
  asarUnpack: string[];
  mac: { target: string | string[] };
  win: { target: string | string[] };
  linux: { target: string | string[]; maintainer?: string };
  electronFuses?: { runAsNode?: boolean };
}

const require = createRequire(import.meta.url);
const config = require('../../electron-builder.cjs') as BuilderConfig;
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  productName?: string;
  main: string;
};
const targets = (target: string | string[]): string[] => (Array.isArray(target) ? target : [target]);

/** A minimal glob match for electron-builder's patterns (`**` any depth, `*` one segment). */
function matches(pattern: string, path: string): boolean {
  const regex = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${regex}$`).test(path);
}

describe('installers (electron-builder.cjs)', () => {
  it('builds AppImage and deb on Linux, dmg on macOS, an NSIS installer on Windows', () => {
    expect(targets(config.linux.target)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.maintainer, 'deb refuses to build without a maintainer').toBeTruthy();
    expect(targets(config.mac.target)).toContain('dmg');
    expect(targets(config.win.target)).toContain('nsis');
  });

  it('ships the build, the catalogs and package.json (whose main is the built main process)', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'resources/**', 'package.json']));
    expect(packageJson.main).toBe('out/main/index.js');
  });

  it("unpacks node-llama-cpp and its platform packages from the archive: the OS loads llama.cpp's libraries from there", () => {
    for (const file of [
      'node_modules/node-llama-cpp/dist/index.js',
      'node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/llama-addon.node',
      'node_modules/@node-llama-cpp/mac-arm64-metal/bins/mac-arm64-metal/libggml-metal.dylib',
    ]) {
      expect(
        config.asarUnpack.some((pattern) => matches(pattern, file)),
        file,
      ).toBe(true);
    }
  });

  it('keeps the llama worker in the archive and Electron able to run it as Node', () => {
    // The worker runs as Electron-as-node (src/node/llama/measure.ts), which reads app.asar and
    // resolves the worker's imports there; an unpacked worker would not find zod or its chunks' packages.
    expect(config.files.some((pattern) => matches(pattern, 'out/main/llama-worker.js'))).toBe(true);
    expect(config.asarUnpack.some((pattern) => matches(pattern, 'node_modules/zod/index.js'))).toBe(false);
    // The RunAsNode fuse turned off would make every benchmark open a second app window instead.
    expect(config.electronFuses?.runAsNode).not.toBe(false);
  });

  it("names the app rightsize, so the installed app's userData is the CLI's data folder", () => {
    expect(packageJson.name).toBe(APP_NAME);
    expect(packageJson.productName ?? packageJson.name).toBe(APP_NAME);
    expect(config.productName).toBe(APP_NAME);
  });
});

describe("Electron's userData and the CLI's data folder are one folder", () => {
  const realPlatform = process.platform;
  afterEach(() => {
    Object.defineProperty(process, 'platform', { value: realPlatform });
  });

  /** Electron's documented appData per platform: %APPDATA%, $XDG_CONFIG_HOME or ~/.config, ~/Library/Application Support. */
  function electronAppData(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
    if (platform === 'win32') return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
    if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support');
    return env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  }

  const cases: Array<{ platform: NodeJS.Platform; env: NodeJS.ProcessEnv; folder: string }> = [
    { platform: 'linux', env: {}, folder: join(homedir(), '.config', 'rightsize') },
    { platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg/config' }, folder: join('/xdg/config', 'rightsize') },
    { platform: 'darwin', env: {}, folder: join(homedir(), 'Library', 'Application Support', 'rightsize') },
    {
      platform: 'win32',
      env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' },
      folder: join('C:\\Users\\ada\\AppData\\Roaming', 'rightsize'),
    },
  ];
  for (const { platform, env, folder } of cases) {
    it(`${platform}${Object.keys(env).length ? ` with ${Object.keys(env).join(', ')}` : ''}: ${folder}`, () => {
      Object.defineProperty(process, 'platform', { value: platform });
      expect(defaultDataDir(env)).toBe(folder);
      expect(join(electronAppData(platform, env), APP_NAME)).toBe(folder);
    });
  }
});
