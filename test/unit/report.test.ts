import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport, ReportInputError } from '../../src/core/report';
import { gpuBandwidthEfficiency } from '../../src/core/speed';
import { PRECISIONS, FIT_LEVELS } from '../../src/shared/precision';
import { CatalogSchema, ReportSchema, type Report, type ReportRow, type SpeedCalibration } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { appleM1, makeCalibration, makeGpu, makeSnapshot, rtx4090 } from '../helpers/hardware';

const catalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const fitRank = (f: ReportRow['fit']): number => FIT_LEVELS.indexOf(f);
const row = (report: Report, modelId: string, quant: string): ReportRow => {
  const r = report.rows.find((x) => x.modelId === modelId && x.quant === quant);
  if (!r) throw new Error(`no row ${modelId} ${quant}`);
  return r;
};
const report = (
  hw = makeSnapshot(),
  contextTokens = 8192,
  kvType: 'f16' | 'q8_0' | 'q4_0' = 'f16',
  calibration: SpeedCalibration | null = null,
): Report => buildReport(hw, catalog, { contextTokens, kvType, calibration }, { detectMs: 0, generatedAt: '2026-01-01T00:00:00.000Z' });

describe('the report over the whole catalog', () => {
  const machines = {
    'no GPU, 32 GiB': makeSnapshot(),
    'RTX 4090, 64 GiB': makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] }),
    'Apple M1, 8 GiB': makeSnapshot({ ramBytes: 8 * GiB, gpus: [appleM1(8 * GiB)], arch: 'arm64' }),
    '2 x GTX 1080 Ti, 16 GiB': makeSnapshot({
      ramBytes: 16 * GiB,
      gpus: [
        makeGpu({ name: 'GTX 1080 Ti', vramBytes: 11 * GiB, memoryBandwidthBytesPerSec: 484e9 }),
        makeGpu({ name: 'GTX 1080 Ti', vramBytes: 11 * GiB, memoryBandwidthBytesPerSec: 484e9 }),
      ],
    }),
  };
  for (const [label, hw] of Object.entries(machines)) {
    it(`is valid and self-consistent on ${label}`, () => {
      const r = report(hw);
      ReportSchema.parse(r);
      expect(r.rows).toHaveLength(catalog.length * PRECISIONS.length);
      for (const x of r.rows) {
        const m = x.memory;
        expect(m.totalBytes).toBeCloseTo(m.weightsBytes + m.kvBytes + m.computeBytes + m.overheadBytes, -2);
        expect(m.totalBytes).toBeCloseTo(m.gpuBytes + m.cpuBytes, -2);
        expect(x.fit === 'none' ? x.tokPerSec === null : (x.tokPerSec ?? 0) > 0).toBe(true);
        if (x.fit === 'gpu') expect(x.gpuLayers).toBe(x.totalLayers);
        if (x.fit === 'partial') expect(x.gpuLayers).toBeGreaterThan(0);
        // Partial: some layers in RAM, or every layer on the GPU with an MoE's experts of the first blocks in RAM.
        if (x.fit === 'partial' && x.cpuMoeLayers === undefined) expect(x.gpuLayers).toBeLessThan(x.totalLayers);
        if (x.cpuMoeLayers !== undefined) expect(x.fit).toBe('partial');
        if (x.fit !== 'none' && !r.budget.unifiedMemory) {
          expect(x.memory.gpuBytes).toBeLessThanOrEqual(r.budget.gpuBytes);
          expect(x.memory.cpuBytes).toBeLessThanOrEqual(r.budget.ramBytes);
        }
        expect(x.why.length).toBeGreaterThan(10);
        expect(x.memorySource.kind).toBe('estimated');
      }
      // Fewer bits never fit worse (F32 -> Q2_K, BF16 the same size as F16).
      for (const model of catalog) {
        const order = ['F32', 'F16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_M', 'Q2_K'];
        for (let i = 1; i < order.length; i++) {
          expect(fitRank(row(r, model.id, order[i] as string).fit)).toBeLessThanOrEqual(
            fitRank(row(r, model.id, order[i - 1] as string).fit),
          );
        }
      }
    });
  }

  it('places familiar models where people find them', () => {
    const cpu = report(machines['no GPU, 32 GiB']);
    expect(row(cpu, 'llama-3.1-8b', 'Q4_K_M').fit).toBe('cpu');
    expect(row(cpu, 'llama-3.1-405b', 'Q4_K_M').fit).toBe('none');
    const gpu = report(machines['RTX 4090, 64 GiB']);
    const l8 = row(gpu, 'llama-3.1-8b', 'Q4_K_M');
    expect(l8.fit).toBe('gpu');
    // llama-bench tg128 on a 4090 for this file is ~130-150 tok/s.
    expect(l8.tokPerSec).toBeGreaterThan(100);
    expect(l8.tokPerSec).toBeLessThan(200);
    // Per-token launch and sampling work caps tiny models: no thousands of tok/s.
    expect(row(gpu, 'smollm2-135m', 'Q4_K_M').tokPerSec).toBeLessThan(1500);
    const l70 = row(gpu, 'llama-3.1-70b', 'Q4_K_M');
    expect(l70.fit).toBe('partial');
    expect(l70.gpuLayers).toBeGreaterThan(30);
    expect(l70.gpuLayers).toBeLessThan(60);
    expect(row(gpu, 'llama-3.1-70b', 'F16').fit).toBe('none');
    const mac = report(machines['Apple M1, 8 GiB']);
    expect(row(mac, 'llama-3.2-3b', 'Q4_K_M').fit).toBe('gpu');
    expect(row(mac, 'llama-3.1-8b', 'Q8_0').fit).not.toBe('gpu');
    // Two 11 GiB cards pool their memory: a 14B Q8_0 (~15.7 GB) fits across both.
    const dual = report(machines['2 x GTX 1080 Ti, 16 GiB']);
    expect(dual.budget.gpuBytes).toBeGreaterThan(20 * GiB);
    expect(row(dual, 'qwen2.5-14b', 'Q8_0').fit).toBe('gpu');
  });

  it('MoE models generate at the speed of their active parameters', () => {
    const gpu = report(machines['no GPU, 32 GiB']);
    const moe = row(gpu, 'qwen3-30b-a3b', 'Q4_K_M');
    const dense = row(gpu, 'qwen3-32b', 'Q4_K_M');
    expect(moe.fit).toBe('cpu');
    expect(moe.tokPerSec ?? 0).toBeGreaterThan(5 * (dense.tokPerSec ?? 0));
  });

  it('once a probe calibrated the CPU, CPU rows show a prompt speed and where it came from', () => {
    const plain = machines['no GPU, 32 GiB'];
    expect(row(report(plain), 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeNull();
    const calibration = makeCalibration({
      tgBytesPerSecByType: { Q4_K: 20e9, Q6_K: 20e9, Q8_0: 30e9, Q5_0: 10e9, F16: 40e9 },
      tgSecondsPerRowByType: { F16: 50e-9 },
      ppFlopsByType: { Q4_K: 400e9, Q6_K: 300e9, Q8_0: 500e9, Q5_0: 200e9, F16: 300e9 },
      threads: { pp: 8, tg: 8 },
      measuredAt: '2026-12-02T00:00:00.000Z',
    });
    const calibrated = report(plain, 8192, 'f16', calibration);
    // Calibration is an input of its own: the detected hardware in the report stays as detected.
    expect(calibrated.calibration).toEqual(calibration);
    expect(report(plain).calibration).toBeNull();
    const q4 = row(calibrated, 'llama-3.1-8b', 'Q4_K_M');
    expect(q4.fit).toBe('cpu');
    expect(q4.promptSource?.by).toBe('speed.prompt-calibrated');
    // About 2 x 7B FLOP per token at 400 GFLOP/s, plus RAM re-reads: tens of tokens per second, not thousands.
    expect(q4.promptTokPerSec ?? 0).toBeGreaterThan(10);
    expect(q4.promptTokPerSec ?? 0).toBeLessThan(40);
    // A smaller model processes prompts faster.
    expect(row(calibrated, 'llama-3.2-1b', 'Q4_K_M').promptTokPerSec ?? 0).toBeGreaterThan(4 * (q4.promptTokPerSec ?? 0));
    // A prompt that fills the 8k context reads slower per token than 512 tokens do (attention over it grows), by
    // a share that 32 layers of 4,096-wide queries put at about a quarter here; rows without a prompt speed have no wait.
    const pp512Wait = 8192 / (q4.promptTokPerSec ?? 1);
    expect(q4.fullPromptSeconds ?? 0).toBeGreaterThan(1.1 * pp512Wait);
    expect(q4.fullPromptSeconds ?? 0).toBeLessThan(1.5 * pp512Wait);
    expect(row(report(plain), 'llama-3.1-8b', 'Q4_K_M').fullPromptSeconds).toBeUndefined();
  });

  it('a longer context or a wider KV type costs more memory, never less', () => {
    const hw = machines['RTX 4090, 64 GiB'];
    const short = row(report(hw, 4096), 'llama-3.1-8b', 'Q4_K_M');
    const long = row(report(hw, 32768), 'llama-3.1-8b', 'Q4_K_M');
    const q4kv = row(report(hw, 32768, 'q4_0'), 'llama-3.1-8b', 'Q4_K_M');
    expect(long.memory.kvBytes).toBe(short.memory.kvBytes * 8);
    expect(q4kv.memory.kvBytes).toBeLessThan(long.memory.kvBytes / 3);
    // A model is sized at most at its own maximum context.
    const tiny = row(report(hw, 131072), 'smollm2-135m', 'Q8_0');
    expect(tiny.contextTokens).toBe(catalog.find((m) => m.id === 'smollm2-135m')?.maxContext);
  });

  it('what fits grows with VRAM', () => {
    let previous: Report | null = null;
    for (const gib of [4, 8, 12, 16, 24, 48, 80]) {
      const r = report(makeSnapshot({ ramBytes: 32 * GiB, gpus: [makeGpu({ name: 'GPU', vramBytes: gib * GiB })] }));
      if (previous) {
        for (const x of r.rows) expect(fitRank(x.fit)).toBeLessThanOrEqual(fitRank(row(previous, x.modelId, x.quant).fit));
      }
      previous = r;
    }
  });

  it('warns that a quantized KV cache does not work with Gemma 2 in llama.cpp', () => {
    const r = report(makeSnapshot(), 8192, 'q8_0');
    expect(row(r, 'gemma-2-9b', 'Q4_K_M').why).toMatch(/Caution: .*Gemma 2/);
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').why).not.toMatch(/Caution/);
    expect(row(report(makeSnapshot(), 8192, 'f16'), 'gemma-2-9b', 'Q4_K_M').why).not.toMatch(/Caution/);
  });

  it('rejects a context of 0 or beyond every model with advice', () => {
    expect(() => report(makeSnapshot(), 0)).toThrow(ReportInputError);
    expect(() => report(makeSnapshot(), 50_000_000)).toThrow(/beyond every catalogued model's maximum/);
  });

  it("rejects a benchmark the task is not judged by, naming the task's own", () => {
    const settings = { contextTokens: 8192, kvType: 'f16' as const };
    expect(() => buildReport(makeSnapshot(), catalog, { ...settings, task: 'extraction', benchmark: 'MMLU-Pro' }, { detectMs: 0 })).toThrow(
      /extraction is judged by IFEval only, not "MMLU-Pro"; leave the benchmark out/,
    );
    expect(() => buildReport(makeSnapshot(), catalog, { ...settings, benchmark: 'GPQA' }, { detectMs: 0 })).toThrow(
      /chat is judged by MMLU or MMLU-Pro, not "GPQA"; choose one of MMLU, MMLU-Pro/,
    );
    const r = buildReport(makeSnapshot(), catalog, { ...settings, benchmark: 'MMLU-Pro' }, { detectMs: 0 });
    expect(r.recommendation.benchmark).toBe('MMLU-Pro');
  });
});

describe('GPU generation speed by vendor', () => {
  it('reads an AMD card at 0.55 of its bandwidth and an NVIDIA card of the same bandwidth at 0.7, and says so', () => {
    // Published llama-bench tg128 runs: AMD cards at 0.7 read a median 1.28 of the published speed, NVIDIA 0.93
    // (bench/gpu-speed-published.ts); same VRAM and bandwidth here, so only the vendor differs.
    const card = { name: 'Card', vramBytes: 24 * GiB, memoryBandwidthBytesPerSec: 960e9 };
    const nvidia = report(makeSnapshot({ gpus: [makeGpu({ ...card, vendor: 'nvidia', backend: 'cuda' })] }));
    const amd = report(makeSnapshot({ gpus: [makeGpu({ ...card, vendor: 'amd', backend: 'rocm' })] }));
    const a = row(amd, 'llama-3.1-8b', 'Q4_K_M');
    const n = row(nvidia, 'llama-3.1-8b', 'Q4_K_M');
    expect(a.fit).toBe('gpu');
    expect(a.speedSource.detail).toMatch(/GB on the GPU at 960 GB\/s x 0\.55/);
    expect(n.speedSource.detail).toMatch(/GB on the GPU at 960 GB\/s x 0\.7/);
    // Weights dominate a token's time, so the speeds stand near 0.55 / 0.7 to each other.
    expect((a.tokPerSec ?? 0) / (n.tokPerSec ?? 1)).toBeGreaterThan(0.78);
    expect((a.tokPerSec ?? 0) / (n.tokPerSec ?? 1)).toBeLessThan(0.86);
  });

  it('keeps 0.7 for a GPU that shares the system RAM (Strix Halo, Apple): the AMD figure rests on discrete cards', () => {
    expect(gpuBandwidthEfficiency('amd')).toBe(0.55);
    expect(gpuBandwidthEfficiency('amd', true)).toBe(0.7);
    expect(gpuBandwidthEfficiency('apple', true)).toBe(0.7);
    expect(gpuBandwidthEfficiency('nvidia')).toBe(0.7);
    expect(gpuBandwidthEfficiency(undefined)).toBe(0.7);
  });
});

describe('start small, scale up', () => {
  it('climbs from a small model to bigger ones, each with a reason', () => {
    const r = report(makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] }));
    const { start, scaleUp, ceiling } = r.recommendation;
    expect(start && scaleUp && ceiling).toBeTruthy();
    const params = (id: string): number => catalog.find((m) => m.id === id)?.publishedParamsB ?? 0;
    expect(params(start!.modelId)).toBeLessThan(params(scaleUp!.modelId));
    expect(params(scaleUp!.modelId)).toBeLessThanOrEqual(params(ceiling!.modelId));
    for (const s of [start!, scaleUp!, ceiling!]) expect(s.reason.length).toBeGreaterThan(20);
    expect(start!.tokPerSec ?? 0).toBeGreaterThan(10);
  });

  it("a step up keeps the start's placement when it can (all on the GPU rather than spilling to RAM)", () => {
    const r = report(
      makeSnapshot({ ramBytes: 64 * GiB, gpus: [makeGpu({ name: 'GPU', vramBytes: 24 * GiB, memoryBandwidthBytesPerSec: 448e9 })] }),
      // At 32k the KV cache pushes Qwen2.5 32B and the 70Bs partly into RAM; gpt-oss-20b still fits the GPU.
      32768,
    );
    expect(r.recommendation.start?.fit).toBe('gpu');
    expect(r.recommendation.scaleUp?.fit).toBe('gpu');
  });

  it('still recommends something on a small CPU-only laptop, and nothing when nothing fits', () => {
    const small = report(makeSnapshot({ ramBytes: 8 * GiB, cpuBandwidth: 20e9 }));
    expect(small.recommendation.start).not.toBeNull();
    expect(small.recommendation.ceiling).not.toBeNull();
    const tiny = report(makeSnapshot({ ramBytes: 2 * GiB }));
    expect(tiny.rows.every((x) => x.fit === 'none')).toBe(true);
    const { start, scaleUp, ceiling, notes } = tiny.recommendation;
    expect({ start, scaleUp, ceiling }).toEqual({ start: null, scaleUp: null, ceiling: null });
    expect(notes.join(' ')).toMatch(/No catalogued model with a published MMLU or MMLU-Redux score runs here/);
  });
});
