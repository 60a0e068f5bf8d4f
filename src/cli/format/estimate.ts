// Human output of `rightsize estimate` and `rightsize measure`: memory per device, and llama.cpp's
// own buffers next to the estimate.
import Table from 'cli-table3';
import pc from 'picocolors';
import { PROMPT_TOKENS } from '../../shared/defaults';
import { contextLimitsText, fitLabel, loadPeakNote } from '../../shared/fit-words';
import { scoresSummary } from '../../shared/ladder';
import type { DeviceMemory, EstimateResult, Measurement } from '../../shared/schema';
import { largeUbatchText, promptUnknownPredicate, promptWord, speedWord } from '../../shared/source-words';
import { formatBytes, formatTokPerSec, formatWait } from '../../shared/units';

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

/** `planned`: the hardware is a what-if, where a missing prompt speed takes a run on the real machine. */
export function formatEstimate(e: EstimateResult, useColor: boolean, planned = false): string {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  lines.push(
    c.bold(
      `${e.model.name}  ${e.model.quant}  (${e.model.architecture}, ${e.model.paramsB.toFixed(2)}B params, ${e.model.layers} layers + output = ${e.totalLayers} for -ngl)`,
    ),
  );
  lines.push(c.dim(`  ${e.model.weightsSource.detail ?? ''}`));
  lines.push(
    `  Context ${e.settings.contextTokens} tokens, KV ${e.settings.kvType}, backend ${e.backend}: ${c.bold(fitLabel(e.fit, e.gpuLayers, e.totalLayers))}${e.cpuMoeLayers > 0 ? c.bold(`, experts of the first ${e.cpuMoeLayers} blocks in RAM`) : ''}`,
  );
  if (e.cpuMoeLayers > 0)
    lines.push(
      `  Run with: -ngl ${e.gpuLayers} --n-cpu-moe ${e.cpuMoeLayers}${e.tensorSplit ? ` -ts ${e.tensorSplit.join(',')}` : ''}  (${formatBytes(e.expertsInRamReadBytesPerToken, 2)} of active experts read from RAM per token)`,
    );
  lines.push(c.dim(`  ${e.why}`));
  if (e.projector) lines.push(...projectorLines(e.projector, c));
  const table = new Table({
    head: ['', 'GPU', 'CPU / RAM'],
    style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true },
  });
  for (const [label, key] of DEVICE_ROWS) table.push([label, formatBytes(e.devices.gpu[key], 2), formatBytes(e.devices.cpu[key], 2)]);
  lines.push(table.toString());
  if (e.gpus && e.gpus.length > 1) lines.push(perGpuTable(e.gpus, useColor));
  lines.push(
    `  Total ${formatBytes(e.totalBytes, 2)}; RAM peak while loading ${formatBytes(e.peakLoadBytes, 2)}${e.tokPerSec !== null ? `; ${e.speedSource.kind === 'measured' ? '' : '~'}${formatTokPerSec(e.tokPerSec)} tok/s (${speedWord(e.speedSource)})` : ''}`,
  );
  if (e.promptTokPerSec !== null)
    lines.push(
      `  Prompt processing ${e.promptSource?.kind === 'measured' ? '' : '~'}${formatTokPerSec(e.promptTokPerSec)} tok/s: a ${PROMPT_TOKENS}-token prompt takes ~${(PROMPT_TOKENS / e.promptTokPerSec).toFixed(1)} s before the first token${e.fullPromptSeconds ? `, one that fills the context ~${formatWait(e.fullPromptSeconds)}` : ''} (${promptWord(e.promptSource)})`,
    );
  if (e.promptTokPerSec === null) {
    // No prompt speed: say what would give one, as the app's details do.
    const unknown = promptUnknownPredicate({ fit: e.fit, cpuMoeLayers: e.cpuMoeLayers }, planned);
    if (unknown) lines.push(c.dim(`  The wait before the first token ${unknown}.`));
  }
  if (e.promptTokPerSec !== null && e.largeUbatchPrompt) lines.push(`  ${largeUbatchText(e.largeUbatchPrompt)}`);
  if (e.contextLimits) lines.push(`  ${contextLimitsText(e.contextLimits)}`);
  if (e.model.scores.length > 0)
    lines.push(
      `  Published scores${e.model.catalogId !== e.model.id ? ` (of ${e.model.catalogId})` : ''}: ${scoresSummary(e.model.scores)}${e.model.scores.some((x) => x.thinking) ? '; (r) measured while reasoning' : ''}`,
    );
  const peakNote = e.budget.unifiedMemory
    ? null
    : loadPeakNote(e.peakLoadBytes, e.devices.cpu.totalBytes, e.budget.ramBytes, e.fit !== 'none');
  if (peakNote) lines.push(c.dim(`  ${peakNote}`));
  lines.push(c.dim(`  Budget: ${e.budget.explanation}`));
  return lines.join('\n');
}

/** The vision projector: which file, how big, where it sits, and where each figure came from. */
function projectorLines(p: NonNullable<EstimateResult['projector']>, c: ReturnType<typeof pc.createColors>): string[] {
  const device = p.device === 'gpu' ? 'GPU' : 'CPU / RAM';
  return [
    `  Vision projector ${p.path}  (${p.projectorType}): weights ${formatBytes(p.weightsBytes, 2)} + compute ${formatBytes(p.computeBytes, 2)} on the ${device} (included in its column below)`,
    c.dim(
      `    ${p.chosen}; weights ${p.source.kind} (${p.source.by}); compute ${p.computeSource.kind}: ${p.computeSource.detail ?? p.computeSource.by}`,
    ),
  ];
}

/** Each card's own share when the layers are split: what must fit in that card's VRAM. */
function perGpuTable(gpus: NonNullable<EstimateResult['gpus']>, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const table = new Table({
    head: ['Per GPU', 'Weights', 'KV cache', 'Compute', 'Overhead', 'Total', 'Usable VRAM'],
    style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true },
  });
  gpus.forEach((g, i) => {
    const over = g.totalBytes > g.budgetBytes;
    table.push([
      `${i}: ${g.name}`,
      formatBytes(g.weightsBytes, 2),
      formatBytes(g.kvBytes, 2),
      formatBytes(g.computeBytes, 2),
      formatBytes(g.overheadBytes, 2),
      over ? c.red(formatBytes(g.totalBytes, 2)) : formatBytes(g.totalBytes, 2),
      formatBytes(g.budgetBytes, 2),
    ]);
  });
  return table.toString();
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
  lines.push(
    `  Context ${m.settings.contextTokens} tokens, KV ${m.settings.kvType}, ${m.settings.threads} threads, backend ${m.backend}, ${m.gpuLayers} of ${m.totalLayers} layers on the GPU; loaded in ${(m.loadMs / 1000).toFixed(2)} s`,
  );
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
  lines.push(
    `  Process RSS: ${formatBytes(m.rss.beforeLoadBytes)} before loading, ${formatBytes(m.rss.afterContextBytes)} with the context, peak ${formatBytes(m.rss.peakBytes)}`,
  );
  if (e)
    lines.push(
      c.dim(
        '  Estimate totals leave out the fixed overhead (not a llama.cpp buffer); the repacked copy is counted as llama.cpp allocates it.',
      ),
    );
  // llama.cpp used a device the hardware detection does not count as a GPU: the estimate cannot be for the same placement.
  if (e && m.gpuLayers > 0 && m.devices.gpu.totalBytes > 0 && e.devices.gpu.totalBytes === 0)
    lines.push(
      c.yellow(
        `  llama.cpp put ${m.gpuLayers} layers on a ${m.backend} device that rightsize's hardware detection does not count as a GPU (a CPU-type Vulkan device such as Mesa's llvmpipe, named with GGML_VK_VISIBLE_DEVICES, or a GPU the detection missed): the estimate is for the machine as detected, with everything on the CPU. \`rightsize hardware\` shows what was detected.`,
      ),
    );
  return lines.join('\n');
}
