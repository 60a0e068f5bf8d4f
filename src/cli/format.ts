// Human output of the report: a hardware card, the ladder and a coloured fit matrix.
import Table from 'cli-table3';
import pc from 'picocolors';
import { PRECISIONS } from '../shared/precision';
import type { DeviceMemory, EstimateResult, HardwareSnapshot, Measurement, Report, ReportRow, Source } from '../shared/schema';
import { formatBytes, formatContext, formatTokPerSec } from '../shared/units';

type Colors = ReturnType<typeof pc.createColors>;

function sourceLabel(source: Source | null | undefined): string {
  if (!source) return '';
  return source.kind === 'detected' || source.kind === source.by ? source.by : `${source.kind}: ${source.by}`;
}

function cell(row: ReportRow | undefined, c: Colors): string {
  if (!row) return '';
  const speed = formatTokPerSec(row.tokPerSec);
  switch (row.fit) {
    case 'gpu':
      return c.green(`GPU ${speed}`);
    case 'partial':
      return c.yellow(`${row.gpuLayers}/${row.totalLayers} ${speed}`);
    case 'cpu':
      return c.cyan(`CPU ${speed}`);
    default:
      return c.dim('—');
  }
}

/** The hardware card: each GPU, RAM, CPU and bandwidth with its source, and sources that failed. */
export function formatHardware(hw: HardwareSnapshot, useColor: boolean): string[] {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  lines.push(c.bold(`This machine${hw.whatIf ? c.magenta('  (what-if hardware)') : ''}`));
  if (hw.gpus.length === 0) lines.push(`  GPU   none detected                         ${c.dim(hw.sources.filter((s) => s.id !== 'memory-bandwidth-probe').map((s) => `${s.id}: ${s.status}`).join(', '))}`);
  for (const g of hw.gpus) {
    const mem = g.unifiedMemory
      ? `unified, GPU may use ${formatBytes(g.vramBytes)}`
      : g.integrated
        ? 'integrated (shares RAM)'
        : `${formatBytes(g.vramBytes)} VRAM${g.vramFreeBytes !== null ? `, ${formatBytes(g.vramFreeBytes)} free` : ''}`;
    lines.push(`  GPU   ${g.name}, ${mem}, ${g.backend}   ${c.dim(sourceLabel(g.vramSource))}`);
    for (const alt of g.alternatives) lines.push(c.dim(`        (${alt.source.by} said ${alt.field} = ${alt.value}: ${alt.why})`));
  }
  lines.push(
    `  RAM   ${formatBytes(hw.ram.totalBytes)} total${hw.ram.availableBytes !== null ? `, ${formatBytes(hw.ram.availableBytes)} available` : ''}   ${c.dim(sourceLabel(hw.ram.source))}`,
  );
  lines.push(
    `  CPU   ${hw.cpu.model}, ${hw.cpu.physicalCores}c/${hw.cpu.logicalCores}t${hw.cpu.simd.length ? `, ${hw.cpu.simd.join(' ')}` : ''}   ${c.dim(sourceLabel(hw.cpu.source))}`,
  );
  if (hw.cpu.memoryBandwidthBytesPerSec) {
    lines.push(`  RAM bandwidth ${(hw.cpu.memoryBandwidthBytesPerSec / 1e9).toFixed(1)} GB/s   ${c.dim(sourceLabel(hw.cpu.bandwidthSource))}`);
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
  lines.push(...formatHardware(report.hardware, useColor));
  lines.push(c.dim(`  Budget: ${report.budget.explanation}`));
  lines.push('');

  const { recommendation: r, settings } = report;
  lines.push(c.bold(`Start small, scale up (chat, ${formatContext(settings.contextTokens)} context, ${settings.kvType} KV cache)`));
  const ladder: Array<[string, typeof r.start, string]> = [
    ['Start here', r.start, 'no catalogued model runs here at a usable speed'],
    ['Scale up', r.scaleUp, 'no bigger model gains enough quality while still running at reading speed (10 tok/s)'],
    ['Ceiling', r.ceiling, 'nothing runs at 2 tok/s or more at Q3_K_M or better'],
  ];
  for (const [label, step, none] of ladder) {
    if (!step) {
      lines.push(`  ${label.padEnd(11)}${c.dim(none)}`);
      continue;
    }
    lines.push(`  ${c.bold(label.padEnd(11))}${step.name}  ${step.quant}  ~${formatTokPerSec(step.tokPerSec)} tok/s`);
    lines.push(c.dim(`             ${step.reason}`));
  }
  lines.push('');

  const table = new Table({
    head: ['Model', 'Params', ...PRECISIONS, 'Q4_K_M mem'],
    style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const models = new Map<string, ReportRow[]>();
  for (const row of report.rows) models.set(row.modelId, [...(models.get(row.modelId) ?? []), row]);
  const ordered = [...models.values()].sort((a, b) => (a[0]?.paramsB ?? 0) - (b[0]?.paramsB ?? 0));
  for (const rows of ordered) {
    const first = rows[0] as ReportRow;
    const q4 = rows.find((x) => x.quant === 'Q4_K_M');
    const params = first.activeParamsB < first.paramsB * 0.9 ? `${first.paramsB}B (${first.activeParamsB.toFixed(1)}B act)` : `${first.paramsB}B`;
    table.push([first.name, params, ...PRECISIONS.map((p) => cell(rows.find((x) => x.quant === p), c)), formatBytes(q4?.memory.totalBytes)]);
  }
  lines.push(c.bold(`Fit matrix: ${formatContext(settings.contextTokens)} context, ${settings.kvType} KV; cells show where it runs and estimated tok/s`));
  lines.push(table.toString());
  lines.push(c.dim(`  ${c.green('GPU')} all layers on the GPU   ${c.yellow('k/N')} k of N layers offloaded   ${c.cyan('CPU')} CPU only   — too large`));
  const speeds = report.calibration
    ? `CPU speeds calibrated by the probe of ${report.calibration.measuredAt.slice(0, 16).replace('T', ' ')} (\`rightsize probe\` measures again)`
    : 'Speeds are estimates from memory bandwidth, not yet calibrated (`rightsize probe`, about 10 s, calibrates them)';
  lines.push(c.dim(`  ${speeds}; memory per llama.cpp's per-tensor types. \`--json\` gives every figure with its source.`));
  lines.push(c.dim(`  Detection ${report.timings.detectMs.toFixed(0)} ms, estimates ${report.timings.estimateMs.toFixed(0)} ms.`));
  return lines.join('\n');
}

type DeviceRows = Array<[string, keyof DeviceMemory]>;
const DEVICE_ROWS: DeviceRows = [
  ['Weights', 'weightsBytes'],
  ['Repacked copy (CPU)', 'repackBytes'],
  ['KV cache', 'kvBytes'],
  ['Compute buffers', 'computeBytes'],
  ['Output buffer', 'outputBytes'],
  ['Overhead', 'overheadBytes'],
  ['Total', 'totalBytes'],
];

function fitText(fit: string, gpuLayers: number, totalLayers: number): string {
  if (fit === 'gpu') return 'all layers on the GPU';
  if (fit === 'partial') return `${gpuLayers} of ${totalLayers} layers on the GPU`;
  if (fit === 'cpu') return 'CPU only';
  return 'does not fit';
}

export function formatEstimate(e: EstimateResult, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  lines.push(c.bold(`${e.model.name}  ${e.model.quant}  (${e.model.architecture}, ${e.model.paramsB.toFixed(2)}B params, ${e.model.layers} layers)`));
  lines.push(c.dim(`  ${e.model.weightsSource.detail ?? ''}`));
  lines.push(`  Context ${e.settings.contextTokens} tokens, KV ${e.settings.kvType}, backend ${e.backend}: ${c.bold(fitText(e.fit, e.gpuLayers, e.totalLayers))}`);
  lines.push(c.dim(`  ${e.why}`));
  const table = new Table({ head: ['', 'GPU', 'CPU / RAM'], style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true } });
  for (const [label, key] of DEVICE_ROWS) table.push([label, formatBytes(e.devices.gpu[key], 2), formatBytes(e.devices.cpu[key], 2)]);
  lines.push(table.toString());
  lines.push(`  Total ${formatBytes(e.totalBytes, 2)}; RAM peak while loading ${formatBytes(e.peakLoadBytes, 2)}${e.tokPerSec !== null ? `; ~${formatTokPerSec(e.tokPerSec)} tok/s (estimated)` : ''}`);
  if (e.promptTokPerSec !== null) lines.push(`  Prompt processing ~${formatTokPerSec(e.promptTokPerSec)} tok/s: a 512-token prompt takes ~${(512 / e.promptTokPerSec).toFixed(1)} s before the first token (calibrated estimate)`);
  lines.push(c.dim(`  Budget: ${e.budget.explanation}`));
  return lines.join('\n');
}

function errorPercent(estimate: number, measured: number): string {
  if (measured === 0) return estimate === 0 ? '0%' : 'n/a';
  const pct = ((estimate - measured) / measured) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export function formatMeasurement(m: Measurement, e: EstimateResult | null, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  lines.push(c.bold(`${m.model.name}  ${m.model.quant}: what llama.cpp allocated (${m.source.detail ?? m.source.by})`));
  lines.push(`  Context ${m.settings.contextTokens} tokens, KV ${m.settings.kvType}, ${m.settings.threads} threads, backend ${m.backend}, ${m.gpuLayers} of ${m.totalLayers} layers on the GPU; loaded in ${(m.loadMs / 1000).toFixed(2)} s`);
  const head = e ? ['', 'GPU measured', 'GPU estimate', 'CPU measured', 'CPU estimate', 'error'] : ['', 'GPU', 'CPU / RAM'];
  const table = new Table({ head, style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true } });
  for (const [label, key] of DEVICE_ROWS) {
    if (key === 'overheadBytes') continue;
    const mg = m.devices.gpu[key];
    const mc = m.devices.cpu[key];
    if (!e) {
      table.push([label, formatBytes(mg, 2), formatBytes(mc, 2)]);
      continue;
    }
    const eg = key === 'totalBytes' ? e.devices.gpu.totalBytes - e.devices.gpu.overheadBytes : e.devices.gpu[key];
    const ec = key === 'totalBytes' ? e.devices.cpu.totalBytes - e.devices.cpu.overheadBytes : e.devices.cpu[key];
    table.push([label, formatBytes(mg, 2), formatBytes(eg, 2), formatBytes(mc, 2), formatBytes(ec, 2), errorPercent(eg + ec, mg + mc)]);
  }
  lines.push(table.toString());
  lines.push(`  llama.cpp buffers ${formatBytes(m.buffersBytes, 2)} (weights incl. the repacked copy, KV, compute, output)`);
  lines.push(`  Process RSS: ${formatBytes(m.rss.beforeLoadBytes)} before loading, ${formatBytes(m.rss.afterContextBytes)} with the context, peak ${formatBytes(m.rss.peakBytes)}`);
  if (e) lines.push(c.dim('  Estimate totals leave out the fixed overhead (not a llama.cpp buffer); the repacked copy is counted as llama.cpp allocates it.'));
  return lines.join('\n');
}
