// The automatic MoE placement against a brute-force search: for every catalog MoE at every precision,
// on a few what-if machines, the report is built once as the app builds it (auto) and once per
// --n-cpu-moe N from 0 to the most blocks (each with the most layers that fit), and the fastest of
// those is the best a user could pick by hand. Prints every row where auto is slower than that best
// by more than --slack, or says "too large" where some N runs. Pure arithmetic: no GGUF, no GPU.
// Usage: npx tsx bench/moe-placement-search.ts [--slack 0.05] [--out bench/results/moe-placement-DATE.md]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildReport } from '../src/core/report';
import { applyWhatIf } from '../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../src/node/resources';
import type { WhatIf } from '../src/shared/schema';
import { GiB } from '../src/shared/units';
import { makeSnapshot } from '../test/helpers/hardware';

const { values } = parseArgs({ options: { slack: { type: 'string', default: '0.05' }, out: { type: 'string' } } });
const slack = Number(values.slack);
const catalog = loadCatalog();
const blocksOf = new Map(catalog.filter((m) => m.experts).map((m) => [m.id, m.layers]));
const mostBlocks = Math.max(...blocksOf.values());
// The CPU side is a fixed 60 GB/s machine (dual-channel DDR5): what differs is the GPU and RAM.
const machines: Array<{ label: string; whatIf: WhatIf }> = [
  { label: 'RTX 3060 12 GB, 32 GB RAM', whatIf: { gpuName: 'RTX 3060', ramBytes: 32 * GiB } },
  { label: 'RTX 4070 12 GB, 32 GB RAM', whatIf: { gpuName: 'RTX 4070', ramBytes: 32 * GiB } },
  { label: 'RTX 4060 Ti 16 GB, 64 GB RAM', whatIf: { gpuName: 'RTX 4060 Ti 16GB', ramBytes: 64 * GiB } },
  { label: 'RTX 4090 24 GB, 64 GB RAM', whatIf: { gpuName: 'RTX 4090', ramBytes: 64 * GiB } },
  { label: 'RTX 4090 24 GB, 128 GB RAM', whatIf: { gpuName: 'RTX 4090', ramBytes: 128 * GiB } },
  { label: '2 x RTX 3090, 128 GB RAM', whatIf: { machine: 'desktop-2x-rtx-3090-128gb' } },
];

const lines: string[] = [
  `# MoE placement: auto against every --n-cpu-moe (${new Date().toISOString().slice(0, 10)})`,
  '',
  `${blocksOf.size} catalog MoE models x 9 precisions, 8k context, f16 KV, CPU side 60 GB/s. A row is listed where auto is more than ${(slack * 100).toFixed(0)}% slower than the best N, or too large where one runs.`,
  '',
  '| machine | model / precision | auto | best by hand | best / auto |',
  '|---|---|---|---|---:|',
];
let misses = 0;
let compared = 0;
for (const { label, whatIf } of machines) {
  const hardware = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB, cpuBandwidth: 60e9 }), whatIf, loadGpuPresets(), loadMachinePresets());
  const settings = { contextTokens: 8192, kvType: 'f16' as const };
  const auto = buildReport(hardware, catalog, settings, { detectMs: 0 });
  const best = new Map<string, { tps: number; n: number; k: number }>();
  for (let n = 0; n <= mostBlocks; n++) {
    for (const row of buildReport(hardware, catalog, { ...settings, nCpuMoe: n }, { detectMs: 0 }).rows) {
      const blocks = blocksOf.get(row.modelId);
      if (blocks === undefined || n > blocks || row.fit === 'none' || !row.tokPerSec) continue;
      const key = `${row.modelId}/${row.quant}`;
      const b = best.get(key);
      if (!b || row.tokPerSec > b.tps) best.set(key, { tps: row.tokPerSec, n, k: row.gpuLayers });
    }
  }
  for (const row of auto.rows) {
    const b = best.get(`${row.modelId}/${row.quant}`);
    if (!b) continue;
    compared++;
    const tps = row.fit === 'none' ? 0 : (row.tokPerSec ?? 0);
    if (tps >= b.tps * (1 - slack)) continue;
    misses++;
    const autoText =
      row.fit === 'none' ? 'too large' : `-ngl ${row.gpuLayers} --n-cpu-moe ${row.cpuMoeLayers ?? 0}, ${tps.toFixed(1)} tok/s`;
    lines.push(
      `| ${label} | ${row.modelId} ${row.quant} | ${autoText} | -ngl ${b.k} --n-cpu-moe ${b.n}, ${b.tps.toFixed(1)} tok/s | ${tps > 0 ? (b.tps / tps).toFixed(2) : 'n/a'} |`,
    );
  }
}
lines.push('', `${misses} of ${compared} rows that run somewhere miss the best by more than ${(slack * 100).toFixed(0)}%.`);
const text = `${lines.join('\n')}\n`;
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
