// MoE generation with the experts of some blocks kept in RAM (llama.cpp's --n-cpu-moe) checked without a GPU: published
// and measured runs (bench/data/moe-experts-in-ram.json), each against the report's figure for the same GPU preset,
// catalog model (at the precision nearest the run's file size) and --n-cpu-moe. The CPU side of a published machine is
// rarely known: where it is not, the group's pin row fixes it (the RAM rate at which the model reproduces that row) and
// the other rows are predicted from it, which checks how the speed moves with the number of blocks in RAM and with the
// GPU's share; where the machine's all-core read is known (this project's probe on the lent H200), nothing is fitted.
// Usage: npx tsx bench/moe-experts-in-ram.ts [--out bench/results/moe-experts-in-ram-DATE.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { computeTarget } from '../src/core/budget';
import { catalogModelAt, sizeModel } from '../src/core/report';
import { CPU_ALL_THREADS_SHARE, CPU_BANDWIDTH_EFFICIENCY } from '../src/core/speed';
import { matchGpuPreset } from '../src/node/hardware/merge/presets';
import { applyWhatIf } from '../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../src/node/resources';
import { PRECISIONS } from '../src/shared/precision';
import type { HardwareSnapshot } from '../src/shared/schema';
import { GiB } from '../src/shared/units';
import { makeSnapshot } from '../test/helpers/hardware';
import { ratioSummary } from './lib/published';

const RowSchema = z.object({
  model: z.string(),
  catalogId: z.string(),
  sizeGiB: z.number().positive(),
  ncmoe: z.number().int().nonnegative().optional(),
  ngl: z.number().int().nonnegative().optional(),
  tg128: z.number().positive(),
  pin: z.boolean().optional(),
  evidence: z.string(),
});
const GroupSchema = z.object({
  gpu: z.string(),
  backend: z.string(),
  date: z.string().nullable(),
  url: z.string().nullable(),
  source: z.string().optional(),
  note: z.string().optional(),
  cpu: z.object({
    how: z.enum(['probe', 'allCores', 'pin']),
    allCoresGBps: z.number().positive().optional(),
    threads: z.number().int().positive(),
    detail: z.string(),
  }),
  rows: z.array(RowSchema),
});
const { values } = parseArgs({
  options: { data: { type: 'string', default: 'bench/data/moe-experts-in-ram.json' }, out: { type: 'string' } },
});
const groups = z.object({ groups: z.array(GroupSchema) }).parse(JSON.parse(readFileSync(values.data, 'utf8'))).groups;
const catalog = loadCatalog();
const presets = loadGpuPresets();
const machines = loadMachinePresets();

/** The report's tok/s for a row on the preset with this CPU-side rate (the VRAM doubled: the runs ran, the fit is not checked). */
function predict(gpuName: string, cpuBandwidth: number, r: z.infer<typeof RowSchema>): { tokPerSec: number | null; sizedAs: string } {
  const entry = catalog.find((m) => m.id === r.catalogId);
  if (!entry) return { tokPerSec: null, sizedAs: `${r.catalogId}: not in the catalog` };
  const planned = applyWhatIf(makeSnapshot({ ramBytes: 512 * GiB, cpuBandwidth }), { gpuName }, presets, machines);
  const hardware: HardwareSnapshot = { ...planned, gpus: planned.gpus.map((g) => ({ ...g, vramBytes: (g.vramBytes ?? 0) * 2 })) };
  const target = computeTarget(hardware);
  const sized = PRECISIONS.map((p) => ({ p, model: catalogModelAt(entry, p) })).reduce((a, b) =>
    Math.abs(b.model.weights.totalBytes / GiB - r.sizeGiB) < Math.abs(a.model.weights.totalBytes / GiB - r.sizeGiB) ? b : a,
  );
  const s = sizeModel(sized.model, hardware, target, { contextTokens: 4096, kvType: 'f16', nCpuMoe: r.ncmoe ?? 0 }, r.ngl ?? 1000);
  return {
    tokPerSec: s.row.tokPerSec ?? null,
    sizedAs: `${r.catalogId} ${sized.p} (${(sized.model.weights.totalBytes / GiB).toFixed(2)} GiB)`,
  };
}

/** The RAM rate (bytes/s) at which the report reproduces a row: bisection on its logarithm. */
function pinRate(gpuName: string, r: z.infer<typeof RowSchema>): number {
  let lo = Math.log(1e9);
  let hi = Math.log(2000e9);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const t = predict(gpuName, Math.exp(mid), r).tokPerSec ?? 0;
    if (t < r.tg128) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

const lines: string[] = [];
const ratios: Array<{ fitted: boolean; ratio: number }> = [];
for (const g of groups) {
  const preset = matchGpuPreset({ names: [g.gpu] }, presets)?.preset;
  if (!preset) {
    lines.push(`| ${g.gpu} | no preset | | | | | |`);
    continue;
  }
  const pinRow = g.rows.find((r) => r.pin);
  const rate =
    g.cpu.how === 'pin'
      ? pinRow
        ? pinRate(preset.name, pinRow)
        : null
      : ((g.cpu.allCoresGBps ?? 0) * 1e9 * CPU_ALL_THREADS_SHARE) / CPU_BANDWIDTH_EFFICIENCY;
  const rateWhy =
    g.cpu.how === 'pin'
      ? `pinned on the ${pinRow?.ngl === 0 ? 'CPU-only' : `--n-cpu-moe ${pinRow?.ncmoe}`} row: ${rate ? (rate / 1e9).toFixed(1) : '?'} GB/s`
      : `${g.cpu.allCoresGBps} GB/s all cores x ${CPU_ALL_THREADS_SHARE} / ${CPU_BANDWIDTH_EFFICIENCY} = ${rate ? (rate / 1e9).toFixed(1) : '?'} GB/s`;
  for (const r of g.rows) {
    const p = rate ? predict(preset.name, rate, r) : { tokPerSec: null, sizedAs: '' };
    const ratio = p.tokPerSec ? p.tokPerSec / r.tg128 : null;
    if (ratio !== null && !r.pin) ratios.push({ fitted: g.cpu.how === 'pin', ratio });
    lines.push(
      `| ${g.gpu} (${g.backend}, ${g.date ?? '?'}), ${g.cpu.threads} threads | ${r.model} | ${r.ngl === 0 ? '-ngl 0' : `--n-cpu-moe ${r.ncmoe}`} | ${r.tg128} | ${p.tokPerSec?.toFixed(1) ?? 'none'} | ${r.pin ? '(pin)' : (ratio?.toFixed(2) ?? '')} | ${p.sizedAs} | ${rateWhy} | ${g.url?.startsWith('http') ? `[link](${g.url})` : (g.url ?? 'see the data file')} |`,
    );
  }
}

const text = [
  `# MoE generation with experts in RAM against published and measured runs (${new Date().toISOString().slice(0, 10)})`,
  '',
  "Predicted: the report for the GPU preset of that name, the catalog model at the precision nearest the run's file size, every layer on the GPU with the experts of N blocks in RAM (--n-cpu-moe N), 4k context. The CPU side: the machine's all-core read where known, else pinned on one row of the same machine (marked), which the other rows are then predicted from. Ratio above 1: predicted faster than it ran.",
  '',
  '| machine | model | placement | tg published | predicted | predicted / published | sized as | CPU side | source |',
  '|---|---|---|---:|---:|---:|---|---|---|',
  ...lines,
  '',
  ratioSummary(
    'rows predicted from a pinned row of the same machine',
    ratios.filter((r) => r.fitted).map((r) => r.ratio),
  ),
  ratioSummary(
    "rows predicted from the machine's known all-core read (nothing fitted)",
    ratios.filter((r) => !r.fitted).map((r) => r.ratio),
  ),
  '',
].join('\n');
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
