// Prompt speed on the GPU from the user's own runs: one run of a model all on this GPU gives the FLOP rate the GPU
// reads prompts at, its own row shows the measured pp512, and every other row all on the GPU gets a prompt speed and
// a full-context wait at that rate; runs on other hardware, partial offloads and test-sized files give none.
import { describe, expect, it } from 'vitest';
import {
  floatPromptFactor,
  GPU_PROMPT_EXPERT_OVERHEAD_ROWS,
  gpuPromptExpertEfficiency,
  promptExpertProductSeconds,
  promptFlopsPerToken,
  promptWorkOf,
} from '../../src/core/gpu-prompt';
import { countActiveParameters } from '../../src/core/tensors';
import { buildReport, catalogModelAt, type SizableModel } from '../../src/core/report';
import { estimateResolved } from '../../src/node/models/resolve';
import { loadCatalog } from '../../src/node/resources';
import type { BenchRecord, Report } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeBenchRecord } from '../helpers/bench-record';
import { makeGpu, makeSnapshot } from '../helpers/hardware';

const catalog = loadCatalog();
const hardware = makeSnapshot({ ramBytes: 64 * GiB, gpus: [makeGpu({ name: 'GPU', vramBytes: 24 * GiB })] });
const model = (id: string) => catalog.find((m) => m.id === id) ?? (undefined as never);
const llama: SizableModel = { ...catalogModelAt(model('llama-3.1-8b'), 'Q4_K_M'), origin: 'file', filePath: '/m/llama.gguf' };
const record = (over: Partial<BenchRecord> = {}): BenchRecord =>
  makeBenchRecord({
    id: 'r1',
    at: '2026-12-03T08:00:00.000Z',
    model: { path: '/m/llama.gguf', name: 'llama', quant: 'Q4_K_M', paramsB: 8, fileBytes: 4.9e9 },
    backend: 'cuda',
    gpuLayers: 33,
    totalLayers: 33,
    pp: { samples: [3000], mean: 3000, sd: 20 },
    tg: { samples: [100], mean: 100, sd: 1 },
    predictedTgTokPerSec: 100,
    hardware: { cpu: hardware.cpu.model, gpus: ['GPU'], ramBytes: hardware.ram.totalBytes, os: 'linux' },
    ...over,
  });
const reportWith = (records: BenchRecord[]): Report =>
  buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16', benchRecords: records, task: 'long-docs' }, { detectMs: 0 }, [
    llama,
  ]);
const row = (r: Report, id: string, quant: string, file = false) =>
  r.rows.find((x) => x.modelId === id && x.quant === quant && (x.origin === 'file') === file) ?? (undefined as never);

describe('prompt speed on the GPU from your runs', () => {
  const work = (id: string) => ({ activeParamsB: row(reportWith([]), id, 'Q4_K_M').activeParamsB, shape: model(id) });

  it('has none without a run: no datasheet figure stands in for it', () => {
    const r = reportWith([]);
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').fit).toBe('gpu');
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeNull();
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').fullPromptSeconds).toBeUndefined();
  });

  it("shows the run's pp512 on its file and carries its FLOP rate to every row all on the GPU", () => {
    const r = reportWith([record()]);
    const own = row(r, llama.modelId, 'Q4_K_M', true);
    expect(own.promptTokPerSec).toBe(3000);
    expect(own.promptSource?.kind).toBe('measured');
    const rate = 3000 * promptFlopsPerToken(work('llama-3.1-8b'), 512);
    // The same model from the catalog reads at the same rate; a 1.5B about five times faster, by its FLOPs.
    const same = row(r, 'llama-3.1-8b', 'Q4_K_M');
    expect(same.promptTokPerSec).toBeCloseTo(3000, 6);
    expect(same.promptSource?.by).toBe('speed.prompt-from-runs');
    const small = row(r, 'qwen2.5-1.5b', 'Q4_K_M');
    expect(small.promptTokPerSec).toBeCloseTo(rate / promptFlopsPerToken(work('qwen2.5-1.5b'), 512), 6);
    expect(small.promptTokPerSec ?? 0).toBeGreaterThan(4 * 3000);
    // A prompt that fills 8k reads slower per token than 512 tokens do: attention over it grows.
    expect(same.fullPromptSeconds).toBeCloseTo((8192 * promptFlopsPerToken(work('llama-3.1-8b'), 8192)) / rate, 6);
    expect(same.fullPromptSeconds ?? 0).toBeGreaterThan(8192 / 3000);
    // The long-docs ladder's rungs on this GPU now say how long a full context takes.
    expect(r.recommendation.start?.fit).toBe('gpu');
    expect(r.recommendation.start?.fullPromptSeconds ?? 0).toBeGreaterThan(0);
    // Rows not all on the GPU keep the prompt speed they had (none here: the CPU is not calibrated).
    const cpuRow = r.rows.find((x) => x.fit === 'cpu');
    expect(cpuRow?.promptTokPerSec ?? null).toBeNull();
  });

  it('F16 and BF16 weights read at their own rate: 1.25x the quantized one on CUDA, Metal and ROCm; BF16 on Vulkan 1/2.15', () => {
    expect(floatPromptFactor('F16', 'cuda')).toBe(1.25);
    expect(floatPromptFactor('BF16', 'rocm')).toBe(1.25);
    expect(floatPromptFactor('MOSTLY_F16', 'metal')).toBe(1.25);
    expect(floatPromptFactor('BF16', 'vulkan')).toBeCloseTo(1 / 2.15, 6);
    expect(floatPromptFactor('F16', 'vulkan')).toBe(1);
    expect(floatPromptFactor('Q8_0', 'cuda')).toBe(1);
    // A quantized run carries to the F16 row at 1.25x its FLOP rate, and the row says so.
    const r = reportWith([record()]);
    const q4 = row(r, 'llama-3.1-8b', 'Q4_K_M');
    const f16 = row(r, 'llama-3.1-8b', 'F16');
    expect(f16.fit).toBe('gpu');
    expect((f16.promptTokPerSec ?? 0) / (q4.promptTokPerSec ?? 1)).toBeCloseTo(1.25, 6);
    expect(f16.promptSource?.detail).toMatch(/F16 weights at 1\.25x the quantized rate/);
    // A run of an F16 file gives the quantized rate back: the Q4_K_M row reads at its pp / 1.25.
    const fromF16 = reportWith([record({ model: { path: '/m/llama.gguf', name: 'llama', quant: 'F16', paramsB: 8, fileBytes: 16e9 } })]);
    expect(row(fromF16, 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeCloseTo(3000 / 1.25, 6);
  });

  it('ignores runs on other hardware, partial offloads and test-sized files', () => {
    for (const other of [
      record({ hardware: { cpu: hardware.cpu.model, gpus: ['Other GPU'], ramBytes: hardware.ram.totalBytes, os: 'linux' } }),
      record({ gpuLayers: 20 }),
      record({ model: { path: '/m/llama.gguf', name: 'llama', quant: 'Q4_K_M', paramsB: 8, fileBytes: 5e6 } }),
    ])
      expect(row(reportWith([other]), 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeNull();
  });

  it("needs no file at hand when the run kept its model's prompt work", () => {
    const work8b = work('llama-3.1-8b');
    const kept = record({
      model: { path: '/gone/llama.gguf', name: 'llama', quant: 'Q4_K_M', paramsB: 8, fileBytes: 4.9e9 },
      promptWork: { activeParamsB: work8b.activeParamsB, layers: 32, heads: 32, headDim: 128, routed: null },
    });
    // The file is not among the report's rows (moved or deleted), yet its run still gives the rate.
    const r = buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16', benchRecords: [kept] }, { detectMs: 0 });
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeCloseTo(3000, 6);
    // A record without it, of a file the report does not size, gives nothing to go on.
    const old = record({ model: kept.model });
    const r2 = buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16', benchRecords: [old] }, { detectMs: 0 });
    expect(row(r2, 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeNull();
  });
});

describe('an MoE on the GPU reads prompts below the dense rate', () => {
  it("counts routed experts at rows / (rows + overhead): each expert gets 512 x top-k / experts of a micro-batch's rows", () => {
    // Qwen3 30B-A3B: 128 experts, 8 per token: 32 rows each.
    expect(gpuPromptExpertEfficiency({ count: 128, active: 8 })).toBeCloseTo(32 / (32 + GPU_PROMPT_EXPERT_OVERHEAD_ROWS), 9);
    // gpt-oss 20B: 32 experts, 4 per token: 64 rows, so a higher share of the dense rate.
    expect(gpuPromptExpertEfficiency({ count: 32, active: 4 })).toBeGreaterThan(gpuPromptExpertEfficiency({ count: 128, active: 8 }));
    const qwen = model('qwen3-30b-a3b');
    const w = promptWorkOf(countActiveParameters(qwen) / 1e9, qwen);
    // The routed experts a token uses are most of its 3.3B active parameters, not all: attention and the router stay dense.
    expect(w.routed?.count).toBe(128);
    expect(w.routed?.paramsB ?? 0).toBeGreaterThan(0.5 * w.activeParamsB);
    expect(w.routed?.paramsB ?? Infinity).toBeLessThan(w.activeParamsB);
    // A dense model has none, and its prompt FLOPs are its active FLOPs plus attention.
    const llama8b = model('llama-3.1-8b');
    expect(promptWorkOf(8, llama8b).routed).toBeNull();
  });

  it("carries a dense run's rate to an MoE row at the experts' efficiency", () => {
    const r = reportWith([record()]);
    const moe = row(r, 'qwen3-30b-a3b', 'Q4_K_M');
    expect(moe.fit).toBe('gpu');
    const rate = 3000 * promptFlopsPerToken(promptWorkOf(row(r, 'llama-3.1-8b', 'Q4_K_M').activeParamsB, model('llama-3.1-8b')), 512);
    const qwen = model('qwen3-30b-a3b');
    const w = promptWorkOf(moe.activeParamsB, qwen);
    // Its FLOPs at the rate, plus each token's share of its micro-batch's expert products at 2 µs each: 144 expert
    // tensors (3 x 48 blocks) x 128 experts (512 tokens x 8 reach them all) x 2 µs / 512 tokens = 72 µs a token.
    expect(promptExpertProductSeconds(w, 512)).toBeCloseTo((144 * 128 * 0.000002) / 512, 12);
    expect(moe.promptTokPerSec).toBeCloseTo(1 / (promptFlopsPerToken(w, 512) / rate + promptExpertProductSeconds(w, 512)), 6);
    // Slower than its active FLOPs alone would read: the published runs put MoE prompts 1.7x slower at the median.
    const asDense = rate / promptFlopsPerToken({ activeParamsB: w.activeParamsB, shape: qwen }, 512);
    expect(moe.promptTokPerSec ?? Infinity).toBeLessThan(asDense / 1.5);
  });
});

describe("an MoE run's rate", () => {
  it('is read from its time less its expert products, and carries to a dense row at that rate', () => {
    const qwen = model('qwen3-30b-a3b');
    const w = promptWorkOf(row(reportWith([]), 'qwen3-30b-a3b', 'Q4_K_M').activeParamsB, qwen);
    const moeRun = record({
      model: { path: '/m/qwen.gguf', name: 'qwen', quant: 'Q4_K_M', paramsB: 30.5, fileBytes: 18.5e9 },
      gpuLayers: 49,
      totalLayers: 49,
      pp: { samples: [2000], mean: 2000, sd: 10 },
      promptWork: { activeParamsB: w.activeParamsB, layers: 48, heads: 32, headDim: 128, routed: w.routed ?? null },
    });
    const rate = promptFlopsPerToken(w, 512) / (1 / 2000 - promptExpertProductSeconds(w, 512));
    const dense = row(reportWith([moeRun]), 'llama-3.1-8b', 'Q4_K_M');
    const llamaWork = promptWorkOf(dense.activeParamsB, model('llama-3.1-8b'));
    expect(dense.promptTokPerSec).toBeCloseTo(rate / promptFlopsPerToken(llamaWork, 512), 6);
    // A record written before the expert tensors were counted takes 3 per layer: Qwen3's count, the same rate.
    expect(w.routed?.matrices).toBe(144);
  });
});

describe('rightsize estimate uses the same runs as the report', () => {
  const resolvedAt = (id: string) => ({ sizable: catalogModelAt(model(id), 'Q4_K_M'), architecture: model(id).arch, fileBytes: null });
  const settings = { contextTokens: 8192, kvType: 'f16' as const, gpuLayers: 'auto' as const };
  const kept = record({
    model: { path: '/m/other.gguf', name: 'other', quant: 'Q4_K_M', paramsB: 8, fileBytes: 4.9e9 },
    promptWork: { activeParamsB: 8.03, layers: 32, heads: 32, headDim: 128, routed: null },
    tg: { samples: [80], mean: 80, sd: 1 },
    predictedTgTokPerSec: 100,
  });

  it('estimates as the report row does: generation corrected by the run, prompt speed from its GPU rate', () => {
    const report = buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16', benchRecords: [kept] }, { detectMs: 0 });
    for (const id of ['llama-3.1-8b', 'qwen2.5-1.5b']) {
      const e = estimateResolved(resolvedAt(id), hardware, { ...settings, benchRecords: [kept] });
      const inReport = row(report, id, 'Q4_K_M');
      expect(e.tokPerSec).toBeCloseTo(inReport.tokPerSec ?? NaN, 6);
      expect(e.speedSource.by).toBe('speed.corrected-by-runs');
      expect(e.promptTokPerSec).toBeCloseTo(inReport.promptTokPerSec ?? NaN, 6);
      expect(e.promptSource?.by).toBe('speed.prompt-from-runs');
      expect(e.fullPromptSeconds).toBeCloseTo(inReport.fullPromptSeconds ?? NaN, 6);
    }
    // Without the run: the plain estimate, 0.8 of which the run measured.
    const plain = estimateResolved(resolvedAt('llama-3.1-8b'), hardware, settings);
    const corrected = estimateResolved(resolvedAt('llama-3.1-8b'), hardware, { ...settings, benchRecords: [kept] });
    expect(corrected.tokPerSec).toBeCloseTo((plain.tokPerSec ?? NaN) * 0.8, 6);
    expect(plain.promptTokPerSec).toBeNull();
  });

  it('ignores the runs on a planned machine', () => {
    const planned = makeSnapshot({ ramBytes: 64 * GiB, gpus: [makeGpu({ name: 'Other GPU', vramBytes: 24 * GiB })] });
    const e = estimateResolved(resolvedAt('llama-3.1-8b'), planned, { ...settings, benchRecords: [kept] });
    expect(e.speedSource.by).not.toBe('speed.corrected-by-runs');
    expect(e.promptTokPerSec).toBeNull();
  });
});
