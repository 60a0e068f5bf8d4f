// The "Fine-tune…" panel as a user sees it: `rightsize serve` in a child process, the page in
// headless Chromium; sized on a GPU preset, read with how each figure was computed, checked by axe
// in both themes, closed from the keyboard.
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Result } from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { describeViolations, isSeriousOrWorse, runAxe } from './axe';

let browser: Browser;
let page: Page;
let serve: ChildProcess;
let url: string;

beforeAll(async () => {
  const found = await resolveChromium();
  ({ url, child: serve } = await startServe());
  browser = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

/** axe's serious or critical violations inside the panel, in both themes. */
async function axeWithinPanel(): Promise<string> {
  const problems: string[] = [];
  const inside = async (v: Result): Promise<boolean> =>
    page.evaluate(
      (selectors) => {
        const doc = (globalThis as unknown as { document: { querySelector: (s: string) => { closest: (s: string) => unknown } | null } })
          .document;
        return selectors.some((s) => Boolean(doc.querySelector(s)?.closest('[data-testid="finetune-panel"]')));
      },
      v.nodes.map((n) => n.target.join(' ')),
    );
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const serious: Result[] = [];
      for (const v of (await runAxe(page)).filter(isSeriousOrWorse)) if (await inside(v)) serious.push(v);
      if (serious.length > 0) problems.push(`${colorScheme} theme:\n${describeViolations(serious)}`);
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
  return problems.join('\n');
}

describe('Fine-tune… in Chromium', () => {
  it('sizes QLoRA of Llama 3.1 8B on an RTX 4090 with a price, each figure with how it was computed', async () => {
    await page.goto(url);
    await page.getByTestId('matrix').waitFor({ timeout: 20_000 });
    await page.getByTestId('finetune-open').click();
    const panel = page.getByTestId('finetune-panel');
    await panel.waitFor();
    // Every field has a visible label a screen reader announces.
    for (const name of [
      'Model',
      'Method',
      'Sequence',
      'Batch',
      'LoRA rank',
      'Tokens (millions)',
      'GPU',
      'Efficiency %',
      'Price per GPU-hour',
    ])
      expect(await panel.getByLabel(name, { exact: true }).count()).toBe(1);
    await page.getByTestId('finetune-model').selectOption('llama-3.1-8b');
    await page.getByTestId('finetune-method').selectOption('qlora');
    await page.getByTestId('finetune-gpu').selectOption('nvidia-rtx-4090');
    await page.getByTestId('finetune-price').fill('0.7');
    // Submitted from the keyboard.
    await page.getByTestId('finetune-price').press('Enter');
    const table = page.getByTestId('finetune-table');
    await table.waitFor({ timeout: 20_000 });
    const text = (await table.textContent()) ?? '';
    for (const words of [
      'QLoRA',
      'Frozen weights (NF4 + bf16)',
      'Total, checkpointing',
      'On NVIDIA GeForce RTX 4090',
      'GPUs needed',
      'Cost',
    ])
      expect(text).toContain(words);
    expect(text).toContain('Korthikanti');
    expect(text).toMatch(/1 x 24\.0 GiB/);
    // A DGX Spark is offered, its GPU sized with the share of its 128 GB it may use: a 70B QLoRA takes one.
    expect(await page.getByTestId('finetune-gpu').locator('option', { hasText: 'DGX Spark' }).count()).toBe(1);
    await page.getByTestId('finetune-model').selectOption('llama-3.1-70b');
    await page.getByTestId('finetune-gpu').selectOption('nvidia-gb10');
    await page.getByTestId('finetune-run').click();
    await page.getByTestId('finetune-table').getByText('On NVIDIA GB10 (DGX Spark)').waitFor({ timeout: 20_000 });
    expect((await page.getByTestId('finetune-table').textContent()) ?? '').toMatch(/1 x 121\.6 GiB/);
    expect((await page.getByTestId('finetune-notes').textContent()) ?? '').toContain("shares the machine's memory");
    // The rank is meaningless for full fine-tuning: the field says so by being disabled.
    await page.getByTestId('finetune-method').selectOption('full');
    expect(await page.getByTestId('finetune-rank').isDisabled()).toBe(true);
    expect(await axeWithinPanel()).toBe('');
    await page.getByTestId('finetune-run').focus();
    await page.keyboard.press('Escape');
    expect(await panel.count()).toBe(0);
  }, 90_000);
});
