// Human output of `rightsize report` and `rightsize hardware`: a hardware card, the ladder and a
// coloured fit matrix.
import Table from 'cli-table3';
import pc from 'picocolors';
import { FIT_LEGEND, fitShortLabel } from '../../shared/fit-words';
import { LADDER_STEPS } from '../../shared/ladder';
import { promptRateOrigin, ramBandwidthScope } from '../../shared/source-words';
import { PRECISIONS, type FitLevel } from '../../shared/precision';
import type { HardwareSnapshot, Report, ReportRow, Source, SpeedCalibration } from '../../shared/schema';
import { formatBytes, formatContext, formatCores, formatTokPerSec } from '../../shared/units';

type Colors = ReturnType<typeof pc.createColors>;

function sourceLabel(source: Source | null | undefined): string {
  if (!source) return '';
  return source.kind === 'detected' || source.kind === source.by ? source.by : `${source.kind}: ${source.by}`;
}

/** The terminal's colour for each fit level, matching the app's. */
function fitColor(fit: FitLevel, c: Colors): (text: string) => string {
  return { gpu: c.green, partial: c.yellow, cpu: c.cyan, none: c.dim }[fit];
}

function cell(row: ReportRow | undefined, c: Colors): string {
  if (!row) return '';
  const label = fitShortLabel(row.fit, row.gpuLayers, row.totalLayers, row.cpuMoeLayers);
  return fitColor(row.fit, c)(row.fit === 'none' ? label : `${label} ${formatTokPerSec(row.tokPerSec)}${runMark(row)}`);
}

/** GGUF files asked for (paths, URLs, hf: quants), a line each from their real tensors, and those that could not be read. */
function formatFiles(report: Report, c: Colors): string[] {
  const files = report.rows.filter((r) => r.origin === 'file');
  if (files.length === 0 && report.fileProblems.length === 0) return [];
  const lines = ['', c.bold('Your files, sized from their real tensors')];
  for (const row of files) lines.push(`  ${row.name}  ${row.quant}  ${cell(row, c)}  ${formatBytes(row.memory.totalBytes)}`);
  for (const problem of report.fileProblems) lines.push(c.yellow(`  ${problem.path}: ${problem.message}`));
  return lines;
}

/** ✓ a speed measured by the user's benchmark, * one corrected by those runs. */
const runMark = (row: ReportRow): string =>
  row.speedSource.kind === 'measured' ? '✓' : row.speedSource.by === 'speed.corrected-by-runs' ? '*' : '';

/** The hardware card: each GPU, RAM, CPU and bandwidth with its source, and sources that failed. */
export function formatHardware(hw: HardwareSnapshot, useColor: boolean, profile?: string, calibration?: SpeedCalibration | null): string[] {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  lines.push(
    c.bold(`${profile === undefined ? 'This machine' : `Profile "${profile}"`}${hw.whatIf ? c.magenta('  (what-if hardware)') : ''}`),
  );
  if (hw.gpus.length === 0)
    lines.push(
      `  GPU   none detected                         ${c.dim(
        hw.sources
          .filter((s) => s.id !== 'memory-bandwidth-probe')
          .map((s) => `${s.id}: ${s.status}`)
          .join(', '),
      )}`,
    );
  for (const g of hw.gpus) {
    const mem = g.unifiedMemory
      ? `unified, GPU may use ${formatBytes(g.vramBytes)}`
      : g.integrated
        ? 'integrated (shares RAM)'
        : `${formatBytes(g.vramBytes)} VRAM${g.vramFreeBytes !== null ? `, ${formatBytes(g.vramFreeBytes)} free` : ''}`;
    const link = g.pcieLink ? `, PCIe ${g.pcieLink.gen}.0 x${g.pcieLink.width}` : '';
    lines.push(`  GPU   ${g.name}, ${mem}, ${g.backend}${link}   ${c.dim(sourceLabel(g.vramSource))}`);
    // The figure every GPU speed rests on, with where it came from; an assumed one says so and why.
    if (g.memoryBandwidthBytesPerSec)
      lines.push(
        c.dim(
          g.bandwidthSource?.kind === 'assumed' && g.bandwidthSource.detail
            ? `        memory bandwidth: ${g.bandwidthSource.detail}`
            : `        memory bandwidth ${(g.memoryBandwidthBytesPerSec / 1e9).toFixed(0)} GB/s (${sourceLabel(g.bandwidthSource)})`,
        ),
      );
    if (g.promptRate)
      lines.push(
        c.dim(`        prompts at ${(g.promptRate.flopsPerSec / 1e12).toFixed(1)} TFLOP/s (${promptRateOrigin(g.promptRate.source)})`),
      );
    for (const alt of g.alternatives) lines.push(c.dim(`        (${alt.source.by} said ${alt.field} = ${alt.value}: ${alt.why})`));
  }
  lines.push(
    `  RAM   ${formatBytes(hw.ram.totalBytes)} total${hw.ram.availableBytes !== null ? `, ${formatBytes(hw.ram.availableBytes)} available` : ''}   ${c.dim(sourceLabel(hw.ram.source))}`,
  );
  lines.push(
    `  CPU   ${hw.cpu.model}, ${formatCores(hw.cpu)}${hw.cpu.simd.length ? `, ${hw.cpu.simd.join(' ')}` : ''}   ${c.dim(sourceLabel(hw.cpu.source))}`,
  );
  if (hw.cpu.memoryBandwidthBytesPerSec) {
    lines.push(
      `  RAM bandwidth ${(hw.cpu.memoryBandwidthBytesPerSec / 1e9).toFixed(1)} GB/s ${ramBandwidthScope(hw.cpu)}   ${c.dim(sourceLabel(hw.cpu.bandwidthSource))}`,
    );
    if (calibration)
      lines.push(
        `                ${(calibration.tgMemoryBytesPerSec / 1e9).toFixed(1)} GB/s llama.cpp on ${calibration.threads.tg} thread(s)   ${c.dim('rightsize probe: what CPU speeds use')}`,
      );
  }
  const unavailable = hw.sources.filter((s) => s.status === 'failed' || s.status === 'timeout');
  for (const s of unavailable) lines.push(c.yellow(`  ! ${s.id} ${s.status}${s.detail ? `: ${s.detail}` : ''}`));
  return lines;
}

export function formatReport(report: Report, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  lines.push(c.bold('rightsize: what can I run here?'));
  lines.push('');
  lines.push(...formatHardware(report.hardware, useColor, report.profile, report.calibration));
  lines.push(c.dim(`  Budget: ${report.budget.explanation}`));
  lines.push('');

  const { recommendation: r, settings } = report;
  lines.push(c.bold(`Start small, scale up (chat, ${formatContext(settings.contextTokens)} context, ${settings.kvType} KV cache)`));
  for (const { key, label, none } of LADDER_STEPS) {
    const step = r[key];
    if (!step) {
      lines.push(`  ${label.padEnd(11)}${c.dim(none)}`);
      continue;
    }
    lines.push(
      `  ${c.bold(label.padEnd(11))}${step.name}  ${step.quant}  ${fitColor(step.fit, c)(fitShortLabel(step.fit))}  ~${formatTokPerSec(step.tokPerSec)} tok/s`,
    );
    lines.push(c.dim(`             ${step.reason}`));
  }
  lines.push('');

  const table = new Table({
    head: ['Model', 'Params', r.benchmark ?? r.bar?.benchmark ?? 'Score', ...PRECISIONS, 'Q4_K_M mem'],
    style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const models = new Map<string, ReportRow[]>();
  for (const row of report.rows) if (row.origin === 'catalog') models.set(row.modelId, [...(models.get(row.modelId) ?? []), row]);
  const ordered = [...models.values()].sort((a, b) => (a[0]?.paramsB ?? 0) - (b[0]?.paramsB ?? 0));
  for (const rows of ordered) {
    const first = rows[0] as ReportRow;
    const q4 = rows.find((x) => x.quant === 'Q4_K_M');
    const params =
      first.activeParamsB < first.paramsB * 0.9 ? `${first.paramsB}B (${first.activeParamsB.toFixed(1)}B act)` : `${first.paramsB}B`;
    const score = r.scores[first.modelId];
    table.push([
      first.name,
      params,
      score ? `${score.score}${score.thinking ? ' r' : ''}` : c.dim('-'),
      ...PRECISIONS.map((p) =>
        cell(
          rows.find((x) => x.quant === p),
          c,
        ),
      ),
      formatBytes(q4?.memory.totalBytes),
    ]);
  }
  lines.push(
    c.bold(
      `Fit matrix: ${formatContext(settings.contextTokens)} context, ${settings.kvType} KV; cells show where it runs and estimated tok/s`,
    ),
  );
  lines.push(table.toString());
  lines.push(c.dim(`  ${FIT_LEGEND.map((entry) => `${fitColor(entry.fit, c)(entry.label)} ${entry.description}`).join('   ')}`));
  lines.push(
    c.dim(`  ${r.benchmark ?? 'Score'}: the published score the ladder judges by (r: measured while reasoning; -: none published).`),
  );
  lines.push(...formatFiles(report, c));
  const speeds = report.calibration
    ? `CPU speeds calibrated by the probe of ${report.calibration.measuredAt.slice(0, 16).replace('T', ' ')} (\`rightsize probe\` measures again)`
    : 'Speeds are estimates from memory bandwidth, not yet calibrated (`rightsize probe`, about 10 s, calibrates them)';
  const corrected = report.rows.filter((r) => r.speedSource.by === 'speed.corrected-by-runs').length;
  const measured = report.rows.filter((r) => r.speedSource.kind === 'measured').length;
  if (corrected + measured > 0)
    lines.push(
      c.dim(
        `  Your benchmark runs: ${measured} speed(s) measured (✓), ${corrected} corrected by them (*); \`rightsize history\` lists the runs.`,
      ),
    );
  lines.push(c.dim(`  ${speeds}; memory per llama.cpp's per-tensor types. \`--json\` gives every figure with its source.`));
  lines.push(c.dim(`  Detection ${report.timings.detectMs.toFixed(0)} ms, estimates ${report.timings.estimateMs.toFixed(0)} ms.`));
  return lines.join('\n');
}
