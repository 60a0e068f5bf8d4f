// The real desktop app: the built main process (package.json main, out/main/index.js) in Electron,
// driven by Playwright. Where Electron's binary could not be downloaded (offline machines, this
// project's development VM) the suite is skipped and says why; CI runs it on Linux, macOS and Windows.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Electron binary's path, or why there is none: the `electron` package exports the path once its download succeeded. */
function findElectronBinary(): { path: string | null; reason: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path, reason: '' };
    return { path: null, reason: `Electron's binary is not at ${String(path)}` };
  } catch (error) {
    return { path: null, reason: `Electron's binary is not installed (${(error as Error).message.split('\n')[0]})` };
  }
}

const electron = findElectronBinary();
if (!electron.path) {
  console.warn(
    `Skipping the Electron app's end-to-end tests: ${electron.reason}. Get it with \`node node_modules/electron/install.js\` (needs network access).`,
  );
}

/** The page's globals this suite touches, typed by hand: the tests compile without the DOM library. */
interface PageGlobals {
  rightsize: { getVersion(input: object): Promise<{ face: string; app: string }> };
  location: { href: string };
  open(url: string): unknown;
}

describe.skipIf(!electron.path)('the Electron app', () => {
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    const main = join(ROOT, 'out', 'main', 'index.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first.`);
    // Vitest's environment points RIGHTSIZE_DATA_DIR and RIGHTSIZE_CACHE_DIR at a scratch folder,
    // so the app under test never touches the developer's history or caches.
    // ELECTRON_RUN_AS_NODE, inherited from an editor's terminal, would start Electron as plain Node.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && entry[0] !== 'ELECTRON_RUN_AS_NODE',
      ),
    );
    app = await _electron.launch({ executablePath: electron.path!, args: [ROOT], cwd: ROOT, env });
    page = await app.firstWindow();
  }, 90_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows the first screen: this machine and the fit matrix', async () => {
    await page.getByTestId('matrix').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('hardware').textContent()).resolves.toContain('RAM');
    expect(await page.locator('td.cell').count()).toBeGreaterThan(40);
    expect(page.url()).toMatch(/^file:.*\/out\/renderer\/index\.html/);
  }, 60_000);

  it('answers over IPC through the preload bridge, as the electron face', async () => {
    const version = await page.evaluate(() => (globalThis as unknown as PageGlobals).rightsize.getVersion({}));
    expect(version.face).toBe('electron');
  });

  it('refuses navigation away from the app and new windows', async () => {
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(1000);
    expect(page.url()).toBe(before);
    // Not an https link, which the app would hand to the system browser.
    const opened = await page.evaluate(() => (globalThis as unknown as PageGlobals).open('http://127.0.0.1:9/') !== null);
    expect(opened).toBe(false);
    expect(app.windows()).toHaveLength(1);
  });
});
