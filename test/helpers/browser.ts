// Finds a Chromium for the web-mode end-to-end tests, so `npm test` passes on a fresh machine
// with no browser installed: a system Chrome where there is one, else the Chromium that ships
// inside the @sparticuz/chromium dev dependency (Linux x64 only).
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { chromium } from 'playwright-core';

export interface ResolvedBrowser {
  executablePath: string;
  args: string[];
  /** Where the browser came from, for the log line and for failure messages. */
  from: string;
}

// Root runs no sandbox (CI containers); the rest keeps a test run off the network and quiet.
const DESKTOP_BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function systemBrowserPaths(): string[] {
  if (process.platform === 'darwin') {
    const apps = [
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Chromium.app/Contents/MacOS/Chromium',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
    return [...apps.map((a) => join('/Applications', a)), ...apps.map((a) => join(homedir(), 'Applications', a))];
  }
  if (process.platform === 'win32') {
    const roots = [process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA].filter((r): r is string =>
      Boolean(r),
    );
    const exes = [
      'Google\\Chrome\\Application\\chrome.exe',
      'Chromium\\Application\\chrome.exe',
      'Microsoft\\Edge\\Application\\msedge.exe',
    ];
    return roots.flatMap((root) => exes.map((exe) => join(root, exe)));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/opt/google/chrome/chrome',
  ];
}

/** Browsers that `npx playwright-core install chromium` downloaded: the full Chromium, then its headless shell. */
function playwrightBrowserPaths(): string[] {
  const full = chromium.executablePath(); // <cache>/chromium-<rev>/<platform folder and app>/chrome, present or not
  const segments = full.split(sep);
  const revisionAt = segments.findIndex((s) => /^chromium-\d+$/.test(s));
  if (revisionAt < 0) return [full];
  // The headless shell sits next to it: <cache>/chromium_headless_shell-<rev>/chrome-headless-shell-<platform>/.
  const shellDir = [...segments.slice(0, revisionAt), segments[revisionAt]?.replace('chromium-', 'chromium_headless_shell-') ?? ''].join(
    sep,
  );
  const shellName = process.platform === 'win32' ? 'chrome-headless-shell.exe' : 'chrome-headless-shell';
  const shells = existsSync(shellDir)
    ? readdirSync(shellDir).map((platformDir) => join(shellDir, platformDir, shellName))
    : [join(shellDir, '*', shellName)];
  return [full, ...shells];
}

/**
 * The browser the e2e tests launch, in this order: CHROMIUM_PATH, a Chrome or Chromium installed on
 * the system, Playwright's downloaded browsers, the Chromium inside @sparticuz/chromium.
 * Throws, listing what it tried and how to fix it, when none can be had: the e2e never skips silently.
 * Open pages with `locale: 'en-US'`: under LANG=C.UTF-8 a headless shell reports navigator.language
 * 'en-US@posix', which Intl.NumberFormat rejects.
 */
export async function resolveChromium(): Promise<ResolvedBrowser> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    // An explicit choice that is wrong is an error, not a reason to quietly pick another browser.
    if (!existsSync(fromEnv))
      throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, which does not exist. Point it at a Chrome or Chromium binary, or unset it.`);
    return announce({ executablePath: fromEnv, args: DESKTOP_BROWSER_ARGS, from: 'CHROMIUM_PATH' });
  }
  const tried: string[] = ['CHROMIUM_PATH (not set)'];
  for (const path of systemBrowserPaths()) {
    if (existsSync(path)) return announce({ executablePath: path, args: DESKTOP_BROWSER_ARGS, from: 'system browser' });
    tried.push(path);
  }
  for (const path of playwrightBrowserPaths()) {
    if (existsSync(path)) return announce({ executablePath: path, args: DESKTOP_BROWSER_ARGS, from: "Playwright's downloaded browser" });
    tried.push(path);
  }
  if (process.platform === 'linux' && process.arch === 'x64') {
    try {
      const { default: packaged } = await import('@sparticuz/chromium');
      // Its Chromium is the headless shell; WebGL is not needed here, so skip unpacking SwiftShader.
      packaged.setGraphicsMode = false;
      const executablePath = await packaged.executablePath();
      // Its serverless flags minus the two that would hide the web host's own origin and CSP checks.
      const args = packaged.args.filter((a) => a !== '--disable-web-security' && a !== '--allow-running-insecure-content');
      return announce({ executablePath, args, from: '@sparticuz/chromium (npm package)' });
    } catch (e) {
      tried.push(`@sparticuz/chromium: ${(e as Error).message}`);
    }
  } else {
    tried.push(`@sparticuz/chromium: ships Linux x64 only, this is ${process.platform} ${process.arch}`);
  }
  throw new Error(
    [
      'No Chromium for the end-to-end tests. Tried:',
      ...tried.map((t) => `  - ${t}`),
      'Fix it with one of:',
      '  - install Google Chrome or Chromium (e.g. apt-get install chromium),',
      '  - set CHROMIUM_PATH to a Chrome or Chromium binary,',
      "  - npx playwright-core install chromium (Playwright's own build),",
      '  - on Linux x64: npm install (restores the @sparticuz/chromium dev dependency).',
    ].join('\n'),
  );
}

function announce(browser: ResolvedBrowser): ResolvedBrowser {
  console.log(`e2e browser: ${browser.from}: ${browser.executablePath}`);
  return browser;
}
