// axe-core run inside the page under test, and its violations in a form a failing test can print.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Injects axe through the DevTools protocol (the page's CSP would block a script tag) and runs every rule. */
export async function runAxe(page: Page): Promise<Result[]> {
  await page.evaluate(axeSource);
  // The test compiles without the DOM library, so the page's globals are typed here by hand.
  const results = await page.evaluate(() => {
    const pageGlobals = globalThis as unknown as {
      document: unknown;
      axe: { run: (context: unknown, options: object) => Promise<AxeResults> };
    };
    return pageGlobals.axe.run(pageGlobals.document, { resultTypes: ['violations'] });
  });
  return results.violations;
}

export const isSeriousOrWorse = (v: Result): boolean => v.impact === 'serious' || v.impact === 'critical';

/** One line per rule: id, impact, how many elements, the rule's help, a few targets. */
export function describeViolations(violations: Result[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact ?? 'no impact'}, ${v.nodes.length} elements): ${v.help}\n    e.g. ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    )
    .join('\n');
}

export const countsByRule = (violations: Result[]): Record<string, number> =>
  Object.fromEntries(violations.map((v) => [v.id, v.nodes.length]));
