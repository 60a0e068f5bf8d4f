// MoE generation speed on the GPU checked without a GPU: published llama-bench tg128 of mixture-of-experts models
// with every layer and expert on one GPU (bench/data/gpu-moe-tg.json), against what the report predicts for the same
// GPU preset (as a what-if user gets it) and the same model. The precision is the catalog's whose sized weights are
// nearest the run's file size (gpt-oss files keep MXFP4 experts whatever their name says). Dense rows published beside
// them in the same tables are checked the same way, as a reference.
// Usage: npx tsx bench/gpu-moe-speed.ts [--out bench/results/gpu-moe-speed-DATE.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { computeTarget } from '../src/core/budget';
import { catalogModelAt, sizeModel } from '../src/core/report';
import { matchGpuPreset } from '../src/node/hardware/merge/presets';
import { applyWhatIf } from '../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../src/node/resources';
import { PRECISIONS } from '../src/shared/precision';
import { GiB } from '../src/shared/units';
import { makeSnapshot } from '../test/helpers/hardware';
import { publishedGroupSchema, ratioSummary } from './lib/published';

const RowSchema = z.object({
  model: z.string(),
  type: z.string().nullable().optional(),
  sizeGiB: z.number().nullable().optional(),
  tg128: z.number().positive(),
  evidence: z.string(),
  catalogId: z.string().optional(),
  exclude: z.string().optional(),
});
const GroupSchema = publishedGroupSchema(RowSchema);
const { values } = parseArgs({ options: { data: { type: 'string', default: 'bench/data/gpu-moe-tg.json' }, out: { type: 'string' } } });
const groups = z.object({ groups: z.array(GroupSchema) }).parse(JSON.parse(readFileSync(values.data, 'utf8'))).groups;
const catalog = loadCatalog();
const presets = loadGpuPresets();
const machines = loadMachinePresets();

/** llama-bench's model names, as the catalog's ids. */
const NAMES: Array<[RegExp, string]> = [
  [/^qwen3moe 30B/i, 'qwen3-30b-a3b'],
  [/^qwen3moe 235B/i, 'qwen3-235b-a22b'],
  [/^gpt-oss 20B/i, 'gpt-oss-20b'],
  [/^gpt-oss 120B/i, 'gpt-oss-120b'],
  [/^llama 8x7B/i, 'mixtral-8x7b'],
  [/^qwen35moe 35B/i, 'qwen3.6-35b-a3b'],
  // Qwen3.5 27B and Qwen3.6 27B share one layout (the catalog has the 3.6).
  [/^qwen35 27B/i, 'qwen3.6-27b'],
  [/^qwen35 9B/i, 'qwen3.5-9b'],
  [/^gemma4 26B/i, 'gemma-4-26b-a4b'],
  [/^glm4moe 106B/i, 'glm-4.5-air'],
  [/^llama4 17Bx16E/i, 'llama-4-scout'],
  [/^qwen3next 80B/i, 'qwen3-next-80b-a3b'],
  [/^llama 8B/i, 'llama-3.1-8b'],
  [/^llama 7B/i, 'llama-2-7b'],
  [/^llama 70B/i, 'llama-3.1-70b'],
];

const lines: string[] = [];
const ratios: Array<{ moe: boolean; vendor: string; ratio: number }> = [];
for (const g of groups) {
  const preset = matchGpuPreset({ names: [g.gpu] }, presets)?.preset;
  for (const r of g.rows) {
    if (r.exclude) {
      lines.push(
        `| ${g.gpu} (${g.backend}) | ${r.model} | ${r.tg128} | left out: ${r.exclude} | | | ${g.url ? `[link](${g.url})` : 'no URL'} |`,
      );
      continue;
    }
    const id = r.catalogId ?? NAMES.find(([re]) => re.test(r.model))?.[1];
    const entry = id ? catalog.find((m) => m.id === id) : undefined;
    if (!entry || !preset) {
      lines.push(
        `| ${g.gpu} (${g.backend}) | ${r.model} | ${r.tg128} | ${!preset ? 'no preset' : 'not in the catalog'} | | | ${g.url ?? ''} |`,
      );
      continue;
    }
    // An integrated GPU is planned as the whole machine it comes in (Strix Halo: the Framework Desktop preset).
    const machine = preset.integrated ? machines.find((m) => m.gpus.length === 1 && m.gpus[0]?.presetId === preset.id) : undefined;
    const hardware = applyWhatIf(
      makeSnapshot({ ramBytes: 128 * GiB, cpuBandwidth: 60e9 }),
      machine ? { machine: machine.id } : { gpuName: preset.name },
      presets,
      machines,
    );
    const target = computeTarget(hardware);
    // The precision whose weights are nearest the run's file: its own type where no size is given.
    // The file's tensor bytes, as llama-bench's size column counts them (not the memory: a tied embedding table
    // is held twice once offloaded).
    const sized = PRECISIONS.map((p) => {
      const model = catalogModelAt(entry, p);
      return { p, fileGiB: model.weights.totalBytes / GiB, s: sizeModel(model, hardware, target, { contextTokens: 4096, kvType: 'f16' }) };
    });
    const pick = r.sizeGiB
      ? sized.reduce((a, b) => (Math.abs(b.fileGiB - (r.sizeGiB as number)) < Math.abs(a.fileGiB - (r.sizeGiB as number)) ? b : a))
      : sized.find((x) => x.p === (r.type ?? '').toUpperCase());
    if (!pick) {
      lines.push(`| ${g.gpu} (${g.backend}) | ${r.model} | ${r.tg128} | no size and no catalog precision | | | ${g.url ?? ''} |`);
      continue;
    }
    const row = pick.s.row;
    // An integrated GPU without unified memory is planned as the RAM it reads (fit cpu, at the machine's RAM bandwidth):
    // that is the figure its user sees.
    const predicted = row.fit === 'gpu' || (preset.integrated && row.fit === 'cpu') ? row.tokPerSec : null;
    const moe = Boolean(entry.experts && entry.experts.count > 1);
    if (predicted !== null) ratios.push({ moe, vendor: preset.vendor, ratio: predicted / r.tg128 });
    lines.push(
      `| ${g.gpu} (${g.backend}, ${g.date ?? '?'}) | ${r.model}${r.sizeGiB ? ` (${r.sizeGiB} GiB)` : ''} | ${r.tg128} | ${predicted !== null ? predicted.toFixed(1) : row.fit} | ${predicted !== null ? (predicted / r.tg128).toFixed(2) : ''} | ${id} ${pick.p} (${pick.fileGiB.toFixed(2)} GiB) | ${g.url ? `[link](${g.url})` : 'no URL'} |`,
    );
  }
}
const text = [
  `# MoE generation speed on the GPU against published llama-bench runs (${new Date().toISOString().slice(0, 10)})`,
  '',
  "Predicted: the report for the GPU preset of that name (catalogued bandwidth, uncalibrated), the catalog model at the precision nearest the run's file size, every layer on the GPU, 4k context. Measured: tg128 as published. Ratio above 1: predicted faster than it ran.",
  '',
  '| GPU (backend, date) | model | tg128 published | predicted | predicted / published | sized as | source |',
  '|---|---|---:|---:|---:|---|---|',
  ...lines,
  '',
  ratioSummary(
    'MoE',
    ratios.filter((r) => r.moe).map((r) => r.ratio),
  ),
  ratioSummary(
    'dense beside them',
    ratios.filter((r) => !r.moe).map((r) => r.ratio),
  ),
  ...[...new Set(ratios.map((r) => r.vendor))].map((v) =>
    ratioSummary(
      `MoE on ${v}`,
      ratios.filter((r) => r.moe && r.vendor === v).map((r) => r.ratio),
    ),
  ),
  '',
].join('\n');
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
