// A first launch in web mode: no calibration stored, so the host starts the quick probe by itself;
// the page shows its progress with a Cancel, and a cancelled probe is not started again when the
// page is opened again. (web.test.ts runs with the host's probe off, RIGHTSIZE_NO_AUTO_PROBE=1.)
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';

let browser: Browser;
let page: Page;
let serve: ChildProcess;
let url: string;

beforeAll(async () => {
  const found = await resolveChromium();
  ({ url, child: serve } = await startServe({ RIGHTSIZE_NO_AUTO_PROBE: '' }));
  browser = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

describe('the probe the host starts on a first launch (web mode)', () => {
  it('shows its progress and Cancel, and once cancelled it does not come back', async () => {
    await page.goto(url);
    const calibrate = page.getByTestId('calibrate');
    // The page opens while the probe writes its models; the next file written is the first news it gets.
    await expect.poll(async () => calibrate.getAttribute('data-state'), { timeout: 90_000, interval: 250 }).toBe('running');
    expect(await page.getByTestId('calibrate-auto').textContent()).toContain('Calibrating this machine');
    expect(await calibrate.locator('progress').count()).toBe(1);
    await page.getByTestId('calibrate-cancel').click();
    await expect.poll(async () => calibrate.getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    expect(await calibrate.textContent()).toContain('Speeds are uncalibrated estimates.');

    await page.reload();
    await expect.poll(async () => page.getByTestId('calibrate').count(), { timeout: 30_000 }).toBe(1);
    await page.waitForTimeout(2000);
    expect(await page.getByTestId('calibrate').getAttribute('data-state')).toBe('idle');
    expect(await page.getByTestId('calibrate-run').textContent()).toContain('Calibrate');
  }, 180_000);
});
