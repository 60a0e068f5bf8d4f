// Memory estimates against what llama.cpp really allocates: generated GGUF files of real model
// shapes (sparse: no download, no disk), loaded by node-llama-cpp in a child process on the CPU.
// For each configuration: our estimate, node-llama-cpp's GgufInsights and the simple formula
// (params x bytes per param + KV + 0.5 GB) against llama.cpp's own buffer sizes.
// Usage: npx tsx bench/accuracy.ts [--quick] [--only TEXT] [--out results.json]
// --only keeps the configurations whose model id contains TEXT (e.g. --only mla).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KvType, Precision } from '../src/shared/precision';
import { CatalogSchema, type CatalogModel } from '../src/shared/schema';
import { KV_BYTES_PER_ELEMENT } from '../src/core/estimate';
import { detectHardware } from '../src/node/hardware/index';
import { buffersByDevice, measureModel } from '../src/node/llama/measure';
import { estimateResolved, modelFromFile } from '../src/node/models/resolve';
import { writeGgufModel } from '../src/node/gguf-writer';
import { readFileSync } from 'node:fs';
import { HYBRID_ACCURACY_CASES } from './lib/accuracy-cases-hybrid';
import { MLA_LLAMA4_GPTOSS_CASES } from './lib/accuracy-cases-mla-llama4-gptoss';
import { GLM_ACCURACY_CASES } from './lib/accuracy-cases-glm';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' } },
});
const catalog = CatalogSchema.parse(JSON.parse(readFileSync(new URL('../resources/catalog/models.json', import.meta.url), 'utf8'))).models;
const byId = (id: string): CatalogModel => {
  const m = catalog.find((x) => x.id === id);
  if (!m) throw new Error(`no catalog model ${id}`);
  return m;
};

/** A small MoE of the Mixtral layout, sized to load in seconds here. */
const tinyMoe: CatalogModel = {
  ...byId('mixtral-8x7b'),
  id: 'moe-8x-1b',
  name: 'MoE 8 experts (1B class)',
  layers: 8,
  hiddenSize: 1024,
  ffnSize: 2816,
  heads: 16,
  kvHeads: 4,
  headDim: 64,
  vocabSize: 32000,
  publishedParamsB: 0.6,
};

interface Config {
  model: CatalogModel;
  precision: Precision;
  ctx: number;
  kv: KvType;
}
const c = (id: string | CatalogModel, precision: Precision, ctx: number, kv: KvType = 'f16'): Config => ({
  model: typeof id === 'string' ? byId(id) : id,
  precision,
  ctx,
  kv,
});

const CONFIGS: Config[] = [
  c('smollm2-135m', 'F16', 512),
  c('smollm2-135m', 'Q8_0', 2048),
  c('smollm2-135m', 'Q4_K_M', 8192, 'q8_0'),
  c('smollm2-360m', 'Q4_K_M', 4096),
  c('qwen2.5-0.5b', 'F16', 1024),
  c('qwen2.5-0.5b', 'Q8_0', 4096, 'q4_0'),
  c('qwen2.5-0.5b', 'Q4_K_M', 32768),
  c('qwen2.5-0.5b', 'Q2_K', 8192),
  c('qwen3-0.6b', 'Q6_K', 4096),
  c('qwen3-0.6b', 'Q4_K_M', 16384, 'q8_0'),
  c('gemma-3-1b', 'Q4_K_M', 4096),
  c('gemma-3-1b', 'Q8_0', 32768),
  c('llama-3.2-1b', 'F16', 2048),
  c('llama-3.2-1b', 'BF16', 512),
  c('llama-3.2-1b', 'Q8_0', 8192),
  c('llama-3.2-1b', 'Q5_K_M', 4096, 'q8_0'),
  c('llama-3.2-1b', 'Q4_K_M', 16384),
  c('llama-3.2-1b', 'Q3_K_M', 4096),
  c('llama-3.2-1b', 'Q2_K', 32768, 'q4_0'),
  c('tinyllama-1.1b', 'Q4_K_M', 2048),
  c('qwen2.5-1.5b', 'Q4_K_M', 8192),
  c('qwen2.5-1.5b', 'Q6_K', 4096, 'q4_0'),
  c('qwen2.5-1.5b', 'F32', 512),
  c('smollm2-1.7b', 'Q8_0', 4096),
  c('qwen3-1.7b', 'Q4_K_M', 8192),
  c('gemma-2-2b', 'Q4_K_M', 4096),
  // Gemma 2's attention soft-capping rules out flash attention in llama.cpp, and with it a quantized KV cache.
  c('gemma-2-2b', 'Q8_0', 8192),
  c('granite-3.1-2b', 'Q4_K_M', 4096),
  c('exaone-3.5-2.4b', 'Q4_K_M', 4096),
  c('llama-3.2-3b', 'Q4_K_M', 8192),
  c('llama-3.2-3b', 'Q6_K', 2048),
  c('qwen2.5-3b', 'Q4_K_M', 16384, 'q8_0'),
  c('phi-3.5-mini', 'Q4_K_M', 4096),
  c('phi-3.5-mini', 'Q8_0', 2048),
  c('gemma-3-4b', 'Q4_K_M', 8192),
  c(tinyMoe, 'Q4_K_M', 4096),
  c(tinyMoe, 'Q8_0', 2048),
  c('mistral-7b-v0.3', 'Q4_K_M', 4096),
  c('qwen2.5-7b', 'Q4_K_M', 8192),
  c('llama-3.1-8b', 'Q4_K_M', 4096),
  c('llama-3.1-8b', 'Q8_0', 8192, 'q8_0'),
  c('llama-3.1-8b', 'Q2_K', 32768, 'q4_0'),
  c('gemma-2-9b', 'Q4_K_M', 8192),
  ...HYBRID_ACCURACY_CASES, // recurrent-state hybrids; llama.cpp logs their state as "RS buffer size"
  ...MLA_LLAMA4_GPTOSS_CASES, // DeepSeek MLA, Llama 4 chunked attention, gpt-oss
  ...GLM_ACCURACY_CASES, // GLM-4.5 (glm4moe): biases, QK norms, shared expert, an MTP block in block_count
];

/** llmfit-style constants: one bytes-per-parameter figure per precision. */
const SIMPLE_BYTES_PER_PARAM: Record<Precision, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  Q8_0: 1.0625,
  Q6_K: 0.82,
  Q5_K_M: 0.69,
  Q4_K_M: 0.6,
  Q3_K_M: 0.49,
  Q2_K: 0.41,
};

function simpleFormula(cfg: Config, params: number): number {
  const m = cfg.model;
  const kv = 2 * m.layers * m.kvHeads * m.headDim * cfg.ctx * KV_BYTES_PER_ELEMENT[cfg.kv];
  return params * SIMPLE_BYTES_PER_PARAM[cfg.precision] + kv + 0.5e9;
}

const rel = (estimate: number, measured: number): number =>
  measured === 0 ? (estimate === 0 ? 0 : Infinity) : (estimate - measured) / measured;
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const picked = values.only ? CONFIGS.filter((cfg) => cfg.model.id.includes(values.only as string)) : CONFIGS;
  const configs = values.quick ? picked.filter((_, i) => i % 4 === 0) : picked;
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-accuracy-'));
  const hardware = await detectHardware({ backgroundRefresh: false });
  const threads = 1;
  const rows: Array<Record<string, unknown>> = [];
  const errs = {
    total: [] as number[],
    weights: [] as number[],
    repack: [] as number[],
    kv: [] as number[],
    compute: [] as number[],
    output: [] as number[],
    insights: [] as number[],
    simple: [] as number[],
  };
  console.log(
    `Memory accuracy on ${cpus()[0]?.model ?? 'CPU'} (${cpus().length} threads, ${(totalmem() / 2 ** 30).toFixed(1)} GiB), CPU backend, ${configs.length} configurations`,
  );
  console.log('');
  console.log('| model | quant | ctx | kv | measured | ours | err | weights | repack | KV | compute | GgufInsights | err | simple | err |');
  console.log('|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const cfg of configs) {
    const path = join(dir, `${cfg.model.id}-${cfg.precision}.gguf`);
    await writeGgufModel(path, {
      shape: { ...cfg.model },
      precision: cfg.precision,
      data: 'sparse',
      contextLength: cfg.model.maxContext,
      name: cfg.model.name,
    });
    try {
      const measured = await measureModel(
        { modelPath: path, contextTokens: cfg.ctx, kvType: cfg.kv, gpuLayers: 0, gpu: false, threads, withInsights: true },
        { timeoutMs: 600_000 },
      );
      const m = buffersByDevice(measured.buffers).cpu;
      const resolved = await modelFromFile(path);
      const e = estimateResolved(resolved, hardware, { contextTokens: cfg.ctx, kvType: cfg.kv, gpuLayers: 0, runtime: 'node-llama-cpp' })
        .devices.cpu;
      const measuredTotal = m.weightsBytes + m.repackBytes + m.kvBytes + m.computeBytes + m.outputBytes;
      const oursTotal = e.weightsBytes + e.repackBytes + e.kvBytes + e.computeBytes + e.outputBytes;
      const insightsTotal = measured.insights ? measured.insights.modelCpuBytes + measured.insights.contextCpuBytes : NaN;
      const simpleTotal = simpleFormula(cfg, resolved.sizable.paramsB * 1e9);
      const r = {
        total: rel(oursTotal, measuredTotal),
        weights: rel(e.weightsBytes, m.weightsBytes),
        repack: rel(e.repackBytes, m.repackBytes),
        kv: rel(e.kvBytes, m.kvBytes),
        compute: rel(e.computeBytes + e.outputBytes, m.computeBytes + m.outputBytes),
        insights: rel(insightsTotal, measuredTotal),
        simple: rel(simpleTotal, measuredTotal),
      };
      errs.total.push(Math.abs(r.total));
      errs.weights.push(Math.abs(r.weights));
      if (m.repackBytes > 0 || e.repackBytes > 0) errs.repack.push(Math.abs(r.repack));
      errs.kv.push(Math.abs(r.kv));
      errs.compute.push(Math.abs(r.compute));
      if (Number.isFinite(r.insights)) errs.insights.push(Math.abs(r.insights));
      errs.simple.push(Math.abs(r.simple));
      const gib = (b: number): string => (b / 2 ** 30).toFixed(3);
      console.log(
        `| ${cfg.model.name} | ${cfg.precision} | ${cfg.ctx} | ${cfg.kv} | ${gib(measuredTotal)} | ${gib(oursTotal)} | ${pct(r.total)} | ${pct(r.weights)} | ${m.repackBytes || e.repackBytes ? pct(r.repack) : '—'} | ${pct(r.kv)} | ${pct(r.compute)} | ${Number.isFinite(insightsTotal) ? gib(insightsTotal) : '—'} | ${Number.isFinite(r.insights) ? pct(r.insights) : '—'} | ${gib(simpleTotal)} | ${pct(r.simple)} |`,
      );
      rows.push({
        config: { model: cfg.model.id, precision: cfg.precision, ctx: cfg.ctx, kv: cfg.kv },
        measured: m,
        ours: e,
        insightsTotal,
        simpleTotal,
        errors: r,
      });
    } catch (error) {
      console.log(`| ${cfg.model.name} | ${cfg.precision} | ${cfg.ctx} | ${cfg.kv} | failed: ${(error as Error).message.slice(0, 120)} |`);
    } finally {
      rmSync(path, { force: true });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const line = (label: string, xs: number[]): string =>
    `| ${label} | ${xs.length} | ${(median(xs) * 100).toFixed(2)}% | ${(Math.max(...xs) * 100).toFixed(2)}% |`;
  console.log('');
  console.log('| |absolute relative error| | n | median | max |');
  console.log('|---|---:|---:|---:|');
  console.log(line('rightsize total', errs.total));
  console.log(line('  weights', errs.weights));
  console.log(line('  repacked copy', errs.repack));
  console.log(line('  KV cache', errs.kv));
  console.log(line('  compute + output', errs.compute));
  console.log(line('node-llama-cpp GgufInsights total', errs.insights));
  console.log(line('simple formula total', errs.simple));
  const best =
    median(errs.total) <= Math.min(median(errs.insights), median(errs.simple)) &&
    Math.max(...errs.total) <= Math.min(Math.max(...errs.insights), Math.max(...errs.simple));
  console.log('');
  console.log(
    best
      ? 'rightsize is the most accurate of the three on both the median and the maximum.'
      : 'rightsize is NOT the most accurate on every measure here: see the table.',
  );
  console.log(`Targets (median <= 2%, max <= 5%): ${median(errs.total) <= 0.02 && Math.max(...errs.total) <= 0.05 ? 'met' : 'NOT met'}.`);
  if (values.out) writeFileSync(values.out, JSON.stringify(rows, null, 2));
}

void main();
