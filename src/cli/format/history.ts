// Human output of `rightsize history`.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { BenchRecord } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

export function formatHistory(records: BenchRecord[], color: boolean): string {
  const c = pc.createColors(color);
  if (records.length === 0) return 'No benchmark runs saved yet: `rightsize bench <model>` runs one.';
  const table = new Table({
    head: ['When', 'Model', 'Size', 'Backend', 'pp t/s', 'tg t/s', 'Threads', 'Hardware'].map((h) => c.bold(h)),
    style: { head: [], border: [] },
  });
  for (const r of records) {
    table.push([
      r.at.slice(0, 16).replace('T', ' '),
      `${r.model.name} ${r.model.quant}`,
      formatBytes(r.model.fileBytes, 2),
      `${r.backend}${r.gpuLayers ? ` ${r.gpuLayers}/${r.totalLayers}` : ''}`,
      `pp${r.settings.promptTokens} ${r.pp.mean.toFixed(1)} ± ${r.pp.sd.toFixed(1)}`,
      `tg${r.settings.genTokens} ${r.tg.mean.toFixed(1)} ± ${r.tg.sd.toFixed(1)}`,
      `${r.threads.pp}/${r.threads.tg}`,
      [r.hardware.cpu, ...r.hardware.gpus].join(', '),
    ]);
  }
  return `${c.bold(`Benchmark history (${records.length})`)}\n${table.toString()}`;
}
