// How much of what runs the ladder can judge: on every whole-machine preset (and a no-GPU laptop), per
// task, the catalog models that run at the balanced minimum speed (10 tok/s) at Q4_K_M or better, how
// many of them each of the task's benchmarks rates, and how many none of them rates. Also the newest
// of those models (released 2025-07 or later) on their own: what a user asks for first. Pure
// arithmetic, no GGUF, no GPU; the CPU side is a fixed 60 GB/s.
// Usage: npx tsx bench/ladder-coverage.ts [--out bench/results/ladder-coverage-DATE.md]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildReport } from '../src/core/report';
import { applyWhatIf } from '../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../src/node/resources';
import { DEFAULT_MIN_TOK_PER_SEC, LADDER_PRECISIONS, scoreOn, TASK_SCALES, TASKS } from '../src/shared/ladder';
import type { WhatIf } from '../src/shared/schema';
import { GiB } from '../src/shared/units';
import { makeSnapshot } from '../test/helpers/hardware';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const catalog = loadCatalog();
const RECENT = '2025-07';
const minTps = DEFAULT_MIN_TOK_PER_SEC.balanced;
const machines: Array<{ label: string; whatIf: WhatIf | null }> = [
  { label: 'laptop, no GPU, 16 GB', whatIf: null },
  ...loadMachinePresets().map((m) => ({ label: m.name, whatIf: { machine: m.id } })),
];

const lines: string[] = [
  `# Ladder coverage: what runs here and what the ladder can judge (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Models that run at ${minTps}+ tok/s at ${LADDER_PRECISIONS.join(', ')} (8k context, f16 KV, CPU side 60 GB/s), per machine and task: how many each benchmark rates, and how many none rates. "new" counts models released ${RECENT} or later.`,
  '',
  `| machine | task | run | ${['first', 'second'].map((n) => `rated by the ${n} benchmark (new)`).join(' | ')} | rated by neither (new) |`,
  '|---|---|---:|---|---|---|',
];
const totals = new Map<string, { run: number; first: number; any: number; newRun: number; newFirst: number; newAny: number }>();
for (const { label, whatIf } of machines) {
  const base = makeSnapshot({ ramBytes: 16 * GiB, cpuBandwidth: 60e9 });
  const hw = whatIf ? applyWhatIf(base, whatIf, loadGpuPresets(), loadMachinePresets()) : base;
  const report = buildReport(hw, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 });
  const runs = catalog.filter((m) =>
    report.rows.some(
      (r) =>
        r.modelId === m.id &&
        (LADDER_PRECISIONS as readonly string[]).includes(r.quant) &&
        r.fit !== 'none' &&
        (r.tokPerSec ?? 0) >= minTps,
    ),
  );
  for (const task of TASKS) {
    const scales = TASK_SCALES[task].scales;
    const isNew = (m: (typeof runs)[number]): boolean => m.released >= RECENT;
    const rated = scales.map((s) => runs.filter((m) => scoreOn(m, task, s)));
    const neither = runs.filter((m) => scales.every((s) => !scoreOn(m, task, s)));
    const cells = [0, 1].map((i) => {
      const list = rated[i];
      return list ? `${scales[i]?.benchmark} ${list.length} (${list.filter(isNew).length})` : '-';
    });
    lines.push(
      `| ${label} | ${task} | ${runs.length} (${runs.filter(isNew).length}) | ${cells.join(' | ')} | ${neither.length} (${neither.filter(isNew).length}) |`,
    );
    const t = totals.get(task) ?? { run: 0, first: 0, any: 0, newRun: 0, newFirst: 0, newAny: 0 };
    t.run += runs.length;
    t.first += rated[0]?.length ?? 0;
    t.any += runs.length - neither.length;
    t.newRun += runs.filter(isNew).length;
    t.newFirst += rated[0]?.filter(isNew).length ?? 0;
    t.newAny += runs.filter(isNew).length - neither.filter(isNew).length;
    totals.set(task, t);
  }
}
const pct = (a: number, b: number): string => (b === 0 ? '-' : `${Math.round((100 * a) / b)}%`);
lines.push('', `Summed over the ${machines.length} machines (model-machine pairs that run):`, '');
lines.push(
  '| task | rated by the first benchmark | rated by either | new models: first | new models: either |',
  '|---|---:|---:|---:|---:|',
);
for (const [task, t] of totals)
  lines.push(`| ${task} | ${pct(t.first, t.run)} | ${pct(t.any, t.run)} | ${pct(t.newFirst, t.newRun)} | ${pct(t.newAny, t.newRun)} |`);
const text = `${lines.join('\n')}\n`;
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
