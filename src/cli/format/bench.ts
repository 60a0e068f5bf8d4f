// Human output of `rightsize bench`: llama-bench's markdown table (so results compare line by line),
// its CSV, and what llama-bench does not show.
import type { BenchRecord } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { compareWithLlamaBench, tgMethodNote } from '../../shared/bench-compare';

const fmt = (mean: number, sd: number): string => `${mean.toFixed(2)} ± ${sd.toFixed(2)}`;

/** llama-bench's markdown table, so results compare line by line, plus what llama-bench does not show. */
export function formatBenchMarkdown(r: BenchRecord): string {
  const backend = r.backend === 'cpu' ? 'CPU' : r.backend.toUpperCase();
  const head = `| model | size | params | backend | ngl | threads | test | t/s |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |`;
  const model = `${r.model.name} ${r.model.quant}`;
  const size = formatBytes(r.model.fileBytes, 2);
  const b = r.model.paramsB;
  const params = b >= 1 ? `${b.toFixed(2)} B` : b >= 0.001 ? `${(b * 1e3).toFixed(2)} M` : `${(b * 1e6).toFixed(2)} K`;
  const lines = [
    head,
    `| ${model} | ${size} | ${params} | ${backend} | ${r.gpuLayers} | ${r.threads.pp} | pp${r.settings.promptTokens} | ${fmt(r.pp.mean, r.pp.sd)} |`,
    `| ${model} | ${size} | ${params} | ${backend} | ${r.gpuLayers} | ${r.threads.tg} | tg${r.settings.genTokens} | ${fmt(r.tg.mean, r.tg.sd)} |`,
    ...llamaBenchLines(r),
    '',
    tgMethodNote(r),
    `time to first token (pp${r.settings.promptTokens} + 1): ${r.ttftMs.toFixed(0)} ms; load ${(r.loadMs / 1000).toFixed(2)} s; peak RSS ${formatBytes(r.peakRssBytes)}`,
    `threads: ${r.threads.sweep.length ? r.threads.sweep.map((s) => `${s.threads}t pp ${s.ppTokPerSec.toFixed(0)} / tg ${s.tgTokPerSec.toFixed(1)}`).join(', ') + ` -> pp ${r.threads.pp}, tg ${r.threads.tg}` : `${r.threads.pp} (as asked)`}`,
  ];
  if (r.predictedTgTokPerSec !== null) {
    lines.push(
      `estimate before measuring: tg ${r.predictedTgTokPerSec.toFixed(1)} t/s (measured / estimated = ${(r.tg.mean / r.predictedTgTokPerSec).toFixed(2)})`,
    );
  }
  if (r.energy) {
    lines.push(
      `energy: ${r.energy.joulesPerToken.toFixed(2)} J/token at ${r.energy.watts} W (${r.energy.wattsSource.detail ?? r.energy.wattsSource.by})${r.energy.costPerMillionTokens !== null ? `; ${r.energy.costPerMillionTokens.toFixed(3)} per million tokens at ${r.energy.pricePerKwh} per kWh` : ''}`,
    );
  } else {
    lines.push("energy: no power figure for a CPU-only run (GPU runs use the GPU's board power)");
  }
  return lines.join('\n');
}

/** llama-bench's own rows under ours, the ratios, and the cause of any gap. */
function llamaBenchLines(r: BenchRecord): string[] {
  const ref = r.llamaBench;
  if (!ref) return [];
  const c = compareWithLlamaBench(r);
  if (!c) return ['', `llama-bench (${ref.binary}) gave no figures: ${ref.error ?? 'unknown error'}`];
  const lines: string[] = [];
  if (ref.pp)
    lines.push(
      `| llama-bench ${ref.version ?? ''} | | | | ${r.gpuLayers} | ${ref.pp.threads} | pp${r.settings.promptTokens} | ${fmt(ref.pp.mean, ref.pp.sd)} |`,
    );
  if (ref.tg)
    lines.push(
      `| llama-bench ${ref.version ?? ''} | | | | ${r.gpuLayers} | ${ref.tg.threads} | tg${r.settings.genTokens} | ${fmt(ref.tg.mean, ref.tg.sd)} |`,
    );
  const ratio = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)}x`);
  lines.push('', `rightsize / llama-bench (same file, threads and GPU layers): pp ${ratio(c.ppRatio)}, tg ${ratio(c.tgRatio)}`);
  for (const gap of c.gaps) lines.push(`  ${gap}`);
  return lines;
}

export function formatBenchCsv(r: BenchRecord): string {
  const rows = [['model', 'quant', 'size_bytes', 'params_b', 'backend', 'ngl', 'threads', 'test', 'avg_ts', 'stddev_ts', 'samples_ts']];
  for (const [test, s, threads] of [
    [`pp${r.settings.promptTokens}`, r.pp, r.threads.pp],
    [`tg${r.settings.genTokens}`, r.tg, r.threads.tg],
  ] as const) {
    rows.push([
      r.model.name,
      r.model.quant,
      String(r.model.fileBytes ?? ''),
      r.model.paramsB.toFixed(3),
      r.backend,
      String(r.gpuLayers),
      String(threads),
      test,
      s.mean.toFixed(3),
      s.sd.toFixed(3),
      s.samples.map((x) => x.toFixed(3)).join(' '),
    ]);
  }
  return rows.map((row) => row.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\n');
}
