// Human output of `rightsize compare`: one column per machine; hardware, the ladder, then every
// model that at least one of them runs at reading speed, the best machine for it marked.
import Table from 'cli-table3';
import pc from 'picocolors';
import { fitShortLabel } from '../../shared/fit-words';
import { LADDER_STEPS, ladderTitle } from '../../shared/ladder';
import type { CompareCell, CompareResult, LadderStep } from '../../shared/schema';
import { formatBytes, formatContext, formatTokPerSec, formatWait } from '../../shared/units';

type Colors = ReturnType<typeof pc.createColors>;

const gpusText = (gpus: CompareResult['machines'][number]['hardware']['gpus']): string =>
  gpus.length ? gpus.map((g) => `${g.name} ${formatBytes(g.vramBytes)}`).join('\n') : 'none';

const stepText = (step: LadderStep | null): string =>
  step
    ? `${step.name}\n${step.quant} ${fitShortLabel(step.fit)} ~${formatTokPerSec(step.tokPerSec)} tok/s${step.fullPromptSeconds !== undefined ? `\nfull prompt ~${formatWait(step.fullPromptSeconds)}` : ''}`
    : '—';

function cellText(cell: CompareCell | null, best: boolean, c: Colors): string {
  if (!cell) return c.dim('—');
  const text = `${cell.quant} ${fitShortLabel(cell.fit, cell.gpuLayers, cell.totalLayers)}\n${formatBytes(cell.totalBytes)} ~${formatTokPerSec(cell.tokPerSec)} tok/s`;
  return best ? c.green(`* ${text}`) : `  ${text}`;
}

export function formatComparison(result: CompareResult, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const table = new Table({
    head: ['', ...result.machines.map((m) => `${m.name}${m.hardware.whatIf ? ' (what-if)' : ''}`)].map((h) => c.bold(h)),
    style: { head: [], border: useColor ? ['grey'] : [] },
  });
  const section = (title: string): void => {
    table.push([{ colSpan: result.machines.length + 1, content: c.bold(title) }]);
  };
  section('Hardware');
  table.push(
    ['GPUs', ...result.machines.map((m) => gpusText(m.hardware.gpus))],
    ['RAM', ...result.machines.map((m) => formatBytes(m.hardware.ramBytes))],
    ['CPU', ...result.machines.map((m) => m.hardware.cpu)],
    ['Calibrated', ...result.machines.map((m) => (m.hardware.calibrated ? 'yes' : 'no (speeds from bandwidth)'))],
  );
  const first = result.machines[0]?.recommendation;
  section(`Start small, scale up${first ? `: ${ladderTitle(first)}` : ''}`);
  for (const { key, label } of LADDER_STEPS) table.push([label, ...result.machines.map((m) => stepText(m.recommendation[key]))]);
  const run = result.models.filter((m) => m.best.length > 0);
  section(`Models (${run.length} of ${result.models.length} run at ${result.minTokPerSec}+ tok/s on at least one)`);
  for (const model of run)
    table.push([`${model.name}\n${model.paramsB}B`, ...model.cells.map((cell, i) => cellText(cell, model.best.includes(i), c))]);
  const { contextTokens, kvType } = result.settings;
  return [
    c.bold(`rightsize compare: ${formatContext(contextTokens)} context, ${kvType} KV cache`),
    table.toString(),
    c.dim(
      `  Each model at the best precision that runs at ${result.minTokPerSec} tok/s or more; * marks the machine that runs it best (highest precision, then fastest; all of them on a tie).`,
    ),
    c.dim('  `--json` gives every figure; `rightsize report --profile NAME` gives one machine in full.'),
  ].join('\n');
}
