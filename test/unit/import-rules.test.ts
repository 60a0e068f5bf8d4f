// The design's import rules, proven able to fail: lint a wrong arrow as if it were in each layer.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

// These made-up files belong to no tsconfig, so the type-aware rules (which the import rules do not need) are off.
const eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result?.messages ?? [];
  // A file that does not parse has no import problems: fail rather than let a "may" case pass unseen.
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  return messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it.each([
    ['src/shared/x.ts', "import { buildReport } from '../core/report';"],
    ['src/core/x.ts', "import { createService } from '../node/service';"],
    ['src/core/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/core/x.ts', "import si from 'systeminformation';"],
    ['src/node/x.ts', "import { main } from '../cli/index';"],
    ['src/preload/x.ts', "import { buildReport } from '../core/report';"],
    ['src/renderer/src/x.ts', "import { buildReport } from '../../core/report';"],
    ['src/renderer/src/x.ts', "import { createService } from '../../node/service';"],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron';"],
    ['src/main/x.ts', "import { App } from '../renderer/src/App';"],
    ['src/cli/x.ts', "import { registerHostApi } from '../main/ipc';"],
    ['src/cli/x.ts', "import { runBenchmark } from '../node/bench/run';"],
    ['src/web/x.ts', "import { detectHardware } from '../node/hardware/index';"],
  ])('%s may not: %s', async (file, code) => {
    expect((await problems(file, code)).length).toBeGreaterThan(0);
  });

  it.each([
    ['src/core/x.ts', "import { GiB } from '../shared/units';"],
    ['src/node/x.ts', "import { buildReport } from '../core/report';"],
    ['src/cli/x.ts', "import { createService } from '../node/service';"],
    ['src/web/x.ts', "import { createService } from '../node/service';"],
    ['src/renderer/src/x.ts', "import { PRECISIONS } from '../../shared/precision';"],
    ['src/preload/x.ts', "import { ipcChannel } from '../shared/api';"],
  ])('%s may: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
