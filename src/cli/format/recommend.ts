// Human output of `rightsize recommend`: the hardware in a line, the three rungs with their placement
// and the reasons in numbers, then what the ladder could not judge and where the figures come from.
import pc from 'picocolors';
import { fitLabel } from '../../shared/fit-words';
import { defaultScale, emptyStepText, LADDER_STEPS, QUANT_COST_SOURCE, scaleOf, TASK_SCALES } from '../../shared/ladder';
import type { LadderStep, Report } from '../../shared/schema';
import { formatBytes, formatContext, formatTokPerSec, formatWait } from '../../shared/units';

/** The terminal's colour for each fit level, matching the app's and `report`'s. */
const fitColor = (fit: LadderStep['fit'], c: ReturnType<typeof pc.createColors>): ((text: string) => string) =>
  ({ gpu: c.green, partial: c.yellow, cpu: c.cyan, none: c.dim })[fit];

function placementText(step: LadderStep): string {
  const layers =
    step.gpuLayers !== undefined && step.totalLayers !== undefined
      ? fitLabel(step.fit, step.gpuLayers, step.totalLayers, step.cpuMoeLayers, false)
      : step.fit;
  const moe = step.cpuMoeLayers ? ` --n-cpu-moe ${step.cpuMoeLayers}` : '';
  return step.fit === 'gpu' || step.fit === 'partial' ? `${layers}, -ngl ${step.gpuLayers ?? 'all'}${moe}` : layers;
}

/** Each rung's llama-server command (How to run it), or why it could not be written; absent: not asked. */
export type RungCommands = Partial<Record<'start' | 'scaleUp' | 'ceiling', { command: string | null; problem?: string }>>;

export function formatRecommendation(report: Report, useColor: boolean, runLines: RungCommands = {}): string {
  const c = pc.createColors(useColor);
  const r = report.recommendation;
  const bench = scaleOf(r.task, r.benchmark) ?? defaultScale(r.task);
  const gpus = report.hardware.gpus.map((g) => `${g.name}${g.vramBytes ? ` ${formatBytes(g.vramBytes)}` : ''}`).join(' + ') || 'no GPU';
  const lines: string[] = [
    c.bold(
      `rightsize recommend: ${r.task} (${TASK_SCALES[r.task].label}, judged by ${bench.benchmark}), ${r.priority} priority, ${r.minTokPerSec ?? '?'}+ tok/s, ${formatContext(report.settings.contextTokens)} context`,
    ),
    c.dim(
      `${report.profile !== undefined ? `Profile "${report.profile}": ` : ''}${gpus}, ${formatBytes(report.hardware.ram.totalBytes)} RAM${report.hardware.whatIf ? ' (what-if)' : ''}${report.calibration ? ', calibrated' : report.hardware.whatIf ? ', CPU speeds from bandwidth' : ', speeds from bandwidth (run `rightsize probe` to calibrate)'}`,
    ),
    r.bar
      ? `Bar: ${r.bar.benchmark} ${Math.round(r.bar.score * 10) / 10}`
      : c.dim(`No bar: nothing rated on ${bench.benchmark} runs here at the minimum speed.`),
    '',
  ];
  LADDER_STEPS.forEach(({ key, label }, i) => {
    const step = r[key];
    if (!step) {
      lines.push(`${i + 1} ${c.bold(label.padEnd(11))}${c.dim(emptyStepText(key, r))}`, '');
      return;
    }
    lines.push(
      `${i + 1} ${c.bold(label.padEnd(11))}${c.bold(step.name)}  ${step.quant}  ${fitColor(step.fit, c)(placementText(step))}  ~${formatTokPerSec(step.tokPerSec)} tok/s${step.memoryBytes !== undefined ? `  ${formatBytes(step.memoryBytes)}` : ''}${step.contextTokens !== undefined ? `  ${formatContext(step.contextTokens)} ctx` : ''}${step.fullPromptSeconds !== undefined ? `  full prompt ~${formatWait(step.fullPromptSeconds)}` : ''}`,
    );
    lines.push(`  ${' '.repeat(11)}${step.reason}`);
    if (step.score)
      lines.push(
        c.dim(
          `  ${' '.repeat(11)}${step.score.benchmark} ${step.score.score}: ${step.score.detail ?? ''} (${step.score.source}, ${step.score.date})`,
        ),
      );
    const run = runLines[key];
    if (run?.command) lines.push(`  ${'Run it'.padEnd(11)}${run.command}`);
    else if (run?.problem) lines.push(c.dim(`  ${'Run it'.padEnd(11)}not written: ${run.problem}`));
    lines.push('');
  });
  const first = LADDER_STEPS.map(({ key }) => r[key]).find((step) => step);
  if (first && Object.values(runLines).some((run) => run.command))
    lines.push(
      c.dim(
        `Ollama, LM Studio and node-llama-cpp, with where each flag comes from: rightsize command ${first.modelId} --quant ${first.quant} (--for TOOL), and the same for the other rungs.`,
      ),
    );
  for (const note of r.notes) lines.push(c.dim(note));
  const others = TASK_SCALES[r.task].scales.filter((x) => x !== bench);
  if (others.length > 0) lines.push(c.dim(`Also judged by: ${others.map((x) => `${x.about} (--benchmark ${x.benchmark})`).join('; ')}.`));
  lines.push(c.dim(`Precision costs: ${QUANT_COST_SOURCE.detail} (${QUANT_COST_SOURCE.url}).`));
  return lines.join('\n');
}
