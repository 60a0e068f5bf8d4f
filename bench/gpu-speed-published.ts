// GPU generation speed checked without a GPU: published llama-bench tg128 figures (llama.cpp's own
// Apple Silicon and CUDA scoreboards, pasted runs in issues and pull requests) against what the report
// predicts for the same GPU (its catalogued preset, as a what-if user gets it) and the same model and
// quantization, every layer on the GPU. The points, each with the page it was read from and the row
// quoted, are in bench/data/gpu-published.json.
// Usage: npx tsx bench/gpu-speed-published.ts [--out bench/results/gpu-speed-published-DATE.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { computeTarget } from '../src/core/budget';
import { layoutWeightsWithTypes } from '../src/core/estimate';
import { catalogModelAt, sizeModel, type SizableModel } from '../src/core/report';
import { listTensors } from '../src/core/tensors';
import { matchGpuPreset } from '../src/node/hardware/merge/presets';
import { applyWhatIf } from '../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets } from '../src/node/resources';
import { PRECISIONS, type Precision } from '../src/shared/precision';
import { GiB } from '../src/shared/units';
import { makeSnapshot } from '../test/helpers/hardware';
import { ratioSummary } from './lib/published';

const PointSchema = z.object({
  gpu: z.string(),
  count: z.number().int().positive().default(1),
  backend: z.string(),
  model: z.string(),
  modelFamily: z.enum(['llama2-7b', 'mistral-7b', 'llama3.1-8b', 'qwen2.5-7b', 'llama3.1-70b']),
  quant: z.string(),
  sizeGiB: z.number().nullable().optional(),
  tg128: z.number().positive(),
  pp512: z.number().nullable().optional(),
  /** The memory bandwidth the source states for this chip (Apple's table does), GB/s. */
  bandwidthGBps: z.number().nullable().optional(),
  date: z.string(),
  url: z.string(),
  evidence: z.string(),
  note: z.string().optional(),
});
const FileSchema = z.object({ about: z.string().optional(), points: z.array(PointSchema) });

const { values } = parseArgs({
  options: { data: { type: 'string', default: 'bench/data/gpu-published.json' }, out: { type: 'string' } },
});
const points = FileSchema.parse(JSON.parse(readFileSync(values.data, 'utf8'))).points;
const catalog = loadCatalog();
const presets = loadGpuPresets();
const CATALOG_ID: Record<z.infer<typeof PointSchema>['modelFamily'], string> = {
  'llama2-7b': 'llama-2-7b',
  'mistral-7b': 'mistral-7b-v0.3',
  'llama3.1-8b': 'llama-3.1-8b',
  'qwen2.5-7b': 'qwen2.5-7b',
  'llama3.1-70b': 'llama-3.1-70b',
};

/** llama.cpp's plain Q4_0 / Q8_0 / F16 files: every matrix in the type, the output matrix Q6_K (F16 and Q8_0 keep their own). */
function pureModel(id: string, type: string): SizableModel {
  const entry = catalog.find((m) => m.id === id);
  if (!entry) throw new Error(`no catalog entry ${id}`);
  const base = catalogModelAt(entry, 'Q8_0');
  const tensors = listTensors(entry);
  const types = tensors.map((t) => (t.dims.length < 2 ? 'F32' : t.name === 'output.weight' && type === 'Q4_0' ? 'Q6_K' : type));
  return { ...base, quant: type, weights: layoutWeightsWithTypes(entry, tensors, types) };
}

function modelOf(family: z.infer<typeof PointSchema>['modelFamily'], quant: string): SizableModel {
  const id = CATALOG_ID[family];
  const q = quant.toUpperCase();
  if ((PRECISIONS as readonly string[]).includes(q)) {
    const entry = catalog.find((m) => m.id === id);
    if (!entry) throw new Error(`no catalog entry ${id}`);
    return catalogModelAt(entry, q as Precision);
  }
  return pureModel(id, q);
}

const rows: string[] = [];
const ratios: Array<{ vendor: string; ratio: number }> = [];
for (const p of points) {
  // As detection matches a reported name (trademark marks and vendor words aside).
  const preset = matchGpuPreset({ names: [p.gpu] }, presets)?.preset;
  if (!preset) {
    rows.push(`| ${p.gpu} | ${p.model} | ${p.tg128} | no preset | | | [source](${p.url}) |`);
    continue;
  }
  const hardware = applyWhatIf(
    makeSnapshot({ ramBytes: 128 * GiB, cpuBandwidth: 60e9 }),
    p.count > 1 ? { gpus: [{ name: preset.name, count: p.count }] } : { gpuName: preset.name },
    presets,
  );
  // A variant the source states its own bandwidth for (Apple's 30-core M3 Max: 300 GB/s against the preset's 400).
  const gpu0 = hardware.gpus[0];
  if (p.bandwidthGBps && gpu0 && p.count === 1) gpu0.memoryBandwidthBytesPerSec = p.bandwidthGBps * 1e9;
  const model = modelOf(p.modelFamily, p.quant);
  const { row } = sizeModel(model, hardware, computeTarget(hardware), { contextTokens: 4096, kvType: 'f16' });
  const predicted = row.fit === 'gpu' ? row.tokPerSec : null;
  const ratio = predicted !== null ? predicted / p.tg128 : null;
  if (ratio !== null) ratios.push({ vendor: preset.vendor, ratio });
  const stated = p.bandwidthGBps ? `${p.bandwidthGBps} (source) / ${preset.memoryBandwidthGBps} (preset)` : `${preset.memoryBandwidthGBps}`;
  const size = (row.memory.weightsBytes / GiB).toFixed(2);
  rows.push(
    `| ${p.count > 1 ? `${p.count} x ` : ''}${p.gpu} (${p.backend}) | ${p.model}${p.sizeGiB ? ` (${p.sizeGiB} GiB; sized ${size})` : ` (sized ${size} GiB)`} | ${p.tg128} | ${predicted !== null ? predicted.toFixed(1) : row.fit} | ${ratio !== null ? ratio.toFixed(2) : ''} | ${stated} | [${p.date}](${p.url}) |`,
  );
}

const vendors = [...new Set(ratios.map((r) => r.vendor))];
const text = [
  `# GPU generation speed against published llama-bench runs (${new Date().toISOString().slice(0, 10)})`,
  '',
  'Predicted: the report for the GPU preset of that name (catalogued bandwidth, the speed model uncalibrated: weights read per token at 0.7 of the bandwidth plus fixed costs), the model at that quantization with every layer on the GPU, short context. Measured: llama-bench tg128 as published.',
  '',
  '| GPU | model | tg128 published | predicted | predicted / published | bandwidth GB/s | source |',
  '|---|---|---:|---:|---:|---|---|',
  ...rows,
  '',
  ratioSummary(
    'all',
    ratios.map((r) => r.ratio),
  ),
  ...vendors.map((v) =>
    ratioSummary(
      v,
      ratios.filter((r) => r.vendor === v).map((r) => r.ratio),
    ),
  ),
  '',
].join('\n');
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
