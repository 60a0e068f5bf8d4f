import { describe, expect, it } from 'vitest';
import { layoutWeights, layoutWeightsWithTypes, estimateKvCacheBytesPerLayer, buildMemoryModel } from '../../src/core/estimate';
import { placeModel } from '../../src/core/placement';
import { assignTensorTypes } from '../../src/core/quantize';
import { countParameters, listTensors, type ModelShape } from '../../src/core/tensors';
import { GiB, MiB } from '../../src/shared/units';
import { computeTarget } from '../../src/core/budget';
import { makeCalibration, makeGpu, makeSnapshot, rtx4090 } from '../helpers/hardware';

// Llama 3.1 8B's config.json (meta-llama/Llama-3.1-8B).
const llama31_8b: ModelShape = {
  arch: 'llama',
  layers: 32,
  hiddenSize: 4096,
  ffnSize: 14336,
  ffnType: 'gated',
  heads: 32,
  kvHeads: 8,
  headDim: 128,
  vocabSize: 128256,
  tiedEmbeddings: false,
};

const within = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(tolerance);
};

describe('weights follow llama.cpp per-tensor types', () => {
  it('Llama 3.1 8B matches the published GGUF file sizes within 3%', () => {
    // Published sizes of the Q4_K_M, Q8_0 and F16 GGUF files (4.92, 8.54, 16.07 GB).
    within(layoutWeights(llama31_8b, 'Q4_K_M').totalBytes, 4.92e9, 0.03);
    within(layoutWeights(llama31_8b, 'Q8_0').totalBytes, 8.54e9, 0.03);
    within(layoutWeights(llama31_8b, 'F16').totalBytes, 16.07e9, 0.03);
    within(countParameters(llama31_8b), 8.03e9, 0.01);
  });

  it('Q4_K_M keeps output at Q6_K and half of attn_v/ffn_down at Q6_K', () => {
    const tensors = listTensors(llama31_8b);
    const types = assignTensorTypes(llama31_8b, tensors, 'Q4_K_M');
    expect(types.get('output.weight')).toBe('Q6_K');
    expect(types.get('token_embd.weight')).toBe('Q4_K');
    expect(types.get('blk.0.attn_norm.weight')).toBe('F32');
    const down = tensors.filter((t) => t.role === 'ffn_down').map((t) => types.get(t.name));
    expect(down.filter((t) => t === 'Q6_K')).toHaveLength(16);
    expect(down.filter((t) => t === 'Q4_K')).toHaveLength(16);
    expect(types.get('blk.0.attn_q.weight')).toBe('Q4_K');
  });

  it('precisions order by size: F32 > F16 = BF16 > Q8_0 > Q6_K > Q5_K_M > Q4_K_M > Q3_K_M > Q2_K', () => {
    const sizes = (['F32', 'F16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_M', 'Q2_K'] as const).map(
      (p) => layoutWeights(llama31_8b, p).totalBytes,
    );
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1] as number);
    expect(layoutWeights(llama31_8b, 'BF16').totalBytes).toBe(layoutWeights(llama31_8b, 'F16').totalBytes);
  });

  it('rows that do not divide into 256-blocks fall back as llama.cpp does', () => {
    const small: ModelShape = {
      ...llama31_8b,
      hiddenSize: 576,
      ffnSize: 1536,
      heads: 9,
      kvHeads: 3,
      headDim: 64,
      vocabSize: 49152,
      layers: 30,
      tiedEmbeddings: true,
    };
    const types = assignTensorTypes(small, listTensors(small), 'Q4_K_M');
    expect(types.get('blk.1.attn_q.weight')).toBe('Q5_0');
    expect(types.get('token_embd.weight')).toBe('Q8_0');
  });
});

describe('KV cache', () => {
  it('is 2 x layers x kv heads x head dim x context x bytes', () => {
    const perLayer = estimateKvCacheBytesPerLayer(llama31_8b, 8192, 'f16');
    const total = perLayer.reduce((a, b) => a + b, 0);
    expect(total).toBe(2 * 32 * 8 * 128 * 8192 * 2); // 1 GiB
    expect(total).toBe(1 * GiB);
    const q8 = estimateKvCacheBytesPerLayer(llama31_8b, 8192, 'q8_0').reduce((a, b) => a + b, 0);
    expect(q8).toBe((total / 2) * (34 / 32));
  });

  it('sliding-window layers keep only their window', () => {
    const gemma: ModelShape = { ...llama31_8b, arch: 'gemma2', slidingWindow: { windowTokens: 4096, period: 2, globalPerPeriod: 1 } };
    const perLayer = estimateKvCacheBytesPerLayer(gemma, 32768, 'f16');
    expect(perLayer[0]).toBeLessThan(perLayer[1] as number);
  });

  it("a sliding-window layer keeps window + one micro-batch, padded to 256: 512 more for llama.cpp's tools, 513 for node-llama-cpp", () => {
    const gemma: ModelShape = { ...llama31_8b, arch: 'gemma3', slidingWindow: { windowTokens: 512, period: 6, globalPerPeriod: 1 } };
    const perCell = 2 * gemma.kvHeads * gemma.headDim * 2;
    // llama-fit-params: 1024 cells for a 512 window at 4096 context (bench/results/fit-params-*.md).
    expect((estimateKvCacheBytesPerLayer(gemma, 4096, 'f16')[0] ?? 0) / perCell).toBe(1024);
    // node-llama-cpp asks a micro-batch of 513 for SWA models: 1280 cells, as measured.
    expect((estimateKvCacheBytesPerLayer(gemma, 4096, 'f16', 'node-llama-cpp')[0] ?? 0) / perCell).toBe(1280);
    // Global layers keep the whole context either way.
    expect((estimateKvCacheBytesPerLayer(gemma, 4096, 'f16')[5] ?? 0) / perCell).toBe(4096);
  });
});

describe('placement', () => {
  it('splits weights, KV and compute between GPU and CPU and keeps the totals', () => {
    const model = buildMemoryModel(llama31_8b, 'Q4_K_M', 8192, 'f16');
    const full = placeModel(model, 33, 'cuda', { repackTypes: new Set(['Q4_K', 'Q4_0']) });
    const half = placeModel(model, 16, 'cuda', { repackTypes: new Set(['Q4_K', 'Q4_0']) });
    const cpu = placeModel(model, 0, 'cpu', { repackTypes: new Set(['Q4_K', 'Q4_0']) });
    expect(full.cpuBytes).toBeLessThan(half.cpuBytes);
    expect(half.cpuBytes).toBeLessThan(cpu.cpuBytes);
    expect(cpu.gpuBytes).toBe(0);
    // The CPU compute buffer for an 8B at 8k is dominated by 128256 x 512 x 4 bytes of logits (~250 MiB).
    expect(cpu.computeBytes).toBeGreaterThan(250 * MiB);
    expect(cpu.computeBytes).toBeLessThan(300 * MiB);
    // x86 repacks the Q4_K matrices while loading: the peak is well above the steady state.
    expect(cpu.peakLoadBytes).toBeGreaterThan(cpu.cpuBytes * 1.4);
    for (const p of [full, half, cpu]) {
      expect(p.totalBytes).toBeCloseTo(p.weightsBytes + p.kvBytes + p.computeBytes + p.overheadBytes, 0);
      expect(p.totalBytes).toBeCloseTo(p.gpuBytes + p.cpuBytes, 0);
    }
  });
});

describe('the repacked copy (CPU_REPACK)', () => {
  it('is made on a CPU-only x86 machine, never beside a GPU: llama.cpp keeps weights left in RAM in CPU_Mapped there', () => {
    expect([...computeTarget(makeSnapshot()).repackTypes]).toEqual(expect.arrayContaining(['Q4_K', 'Q4_0']));
    // Layers not offloaded and experts kept in RAM prefer the GPU's host buffer type; with mmap, the mapped file.
    expect(computeTarget(makeSnapshot({ gpus: [rtx4090()] })).repackTypes.size).toBe(0);
    const vulkan = makeGpu({ name: 'AMD Radeon RX 7900 XTX', vendor: 'amd', backend: 'vulkan', vramBytes: 24 * GiB });
    expect(computeTarget(makeSnapshot({ gpus: [vulkan] })).repackTypes.size).toBe(0);
    // Partial offload: the CPU side holds its share of the weights and no second copy of them.
    const model = buildMemoryModel(llama31_8b, 'Q4_K_M', 8192, 'f16');
    const target = computeTarget(makeSnapshot({ gpus: [rtx4090()] }));
    const half = placeModel(model, 16, 'cuda', { repackTypes: target.repackTypes });
    expect(half.cpu.repackBytes).toBe(0);
    expect(half.peakLoadBytes).toBeLessThan(placeModel(model, 16, 'cuda', { repackTypes: new Set(['Q4_K']) }).peakLoadBytes);
  });
});

describe('speed calibration', () => {
  it('a probe calibrates CPU rows: fixed costs and slower fallback types, and says so', async () => {
    const { estimateGenerationSpeed } = await import('../../src/core/speed');
    const model = buildMemoryModel(llama31_8b, 'Q4_K_M', 4096, 'f16');
    const cpu = placeModel(model, 0, 'cpu', { repackTypes: new Set() });
    const inputs = { gpuBandwidthBytesPerSec: null, cpuBandwidthBytesPerSec: 25e9, cpuBandwidthSource: null };
    const plain = estimateGenerationSpeed(cpu, inputs, { gpu: 0, total: 32 });
    const calibration = {
      model: 2 as const,
      tgBytesPerSecByType: { Q8_0: 30e9, Q4_K: 30e9, Q6_K: 30e9, Q5_0: 15e9 },
      tgSecondsPerRowByType: { Q8_0: 0, Q4_K: 0, Q6_K: 0, Q5_0: 0 },
      ppFlopsByType: { Q8_0: 1e11 },
      ppSecondsPerRowByType: {},
      tgMemoryBytesPerSec: 1e15,
      ppRamReadsPerToken: 0,
      lastLevelCacheBytes: 0,
      tgSecondsPerToken: 0.001,
      tgSecondsPerLayer: 0.0001,
      threads: { pp: 2, tg: 1 },
      measuredAt: '2026-11-24T00:00:00.000Z',
      durationMs: 9000,
      runs: [],
      source: { kind: 'measured' as const, by: 'rightsize probe' },
    };
    const calibrated = estimateGenerationSpeed(cpu, { ...inputs, calibration }, { gpu: 0, total: 32 });
    expect(calibrated.source.by).toBe('speed.calibrated');
    expect(plain.source.by).toBe('speed.memory-bound');
    // Fixed costs plus each type's bytes at the probe's read speed for that type.
    const expectedSeconds = 0.001 + 32 * 0.0001 + Object.values(cpu.cpuReadBytesByType).reduce((s, b) => s + b, 0) / 30e9;
    expect(calibrated.tokPerSec).toBeCloseTo(1 / expectedSeconds, 3);
    // A model of types that fall back to Q5_0 (small hidden sizes) reads at the slower Q5_0 speed.
    const small: ModelShape = { ...llama31_8b, hiddenSize: 896, heads: 14, kvHeads: 2, headDim: 64, ffnSize: 4864, vocabSize: 32000 };
    const smallCpu = placeModel(buildMemoryModel(small, 'Q4_K_M', 4096, 'f16'), 0, 'cpu', { repackTypes: new Set() });
    expect(smallCpu.cpuReadBytesByType.Q5_0).toBeGreaterThan(0);
    const slowShare = estimateGenerationSpeed(smallCpu, { ...inputs, calibration }, { gpu: 0, total: 32 }).tokPerSec;
    const fastCalibration = { ...calibration, tgBytesPerSecByType: { ...calibration.tgBytesPerSecByType, Q5_0: 30e9 } };
    expect(slowShare).toBeLessThan(
      estimateGenerationSpeed(smallCpu, { ...inputs, calibration: fastCalibration }, { gpu: 0, total: 32 }).tokPerSec,
    );
    // gpt-oss's MXFP4 experts read at the nearest measured 32-block type's rate (Q5_0), not the slowest type's.
    const { loadCatalog } = await import('../../src/node/resources');
    const gptOss = loadCatalog().find((m) => m.id === 'gpt-oss-20b') as ModelShape;
    const mxCpu = placeModel(buildMemoryModel(gptOss, 'Q4_K_M', 4096, 'f16'), 0, 'cpu', { repackTypes: new Set() });
    expect(mxCpu.cpuReadBytesByType.MXFP4).toBeGreaterThan(0.6 * mxCpu.cpuReadBytesPerToken);
    // Its 2,880-wide rows are not whole K-quant blocks: no Q6_K (it falls back to Q8_0), the slowest type below.
    expect(mxCpu.cpuReadBytesByType.Q6_K ?? 0).toBe(0);
    const mxSpeed = (rates: Record<string, number>): number =>
      estimateGenerationSpeed(mxCpu, { ...inputs, calibration: { ...calibration, tgBytesPerSecByType: rates } }, { gpu: 0, total: 24 })
        .tokPerSec;
    const base = { Q8_0: 30e9, Q4_K: 30e9, Q6_K: 5e9, Q5_0: 60e9, F16: 30e9 };
    expect(mxSpeed({ ...base, Q6_K: 2.5e9 })).toBeCloseTo(mxSpeed(base), 6);
    expect(mxSpeed({ ...base, Q5_0: 120e9 })).toBeGreaterThan(1.3 * mxSpeed(base));
    // A type that pays per matrix row (F16 on x86) costs each of its rows on top of its bytes.
    const f16 = placeModel(buildMemoryModel(llama31_8b, 'F16', 4096, 'f16'), 0, 'cpu', { repackTypes: new Set() });
    const f16Calibration = { ...calibration, tgBytesPerSecByType: { F16: 40e9 }, tgSecondsPerRowByType: { F16: 50e-9 } };
    const f16Seconds = 1 / estimateGenerationSpeed(f16, { ...inputs, calibration: f16Calibration }, { gpu: 0, total: 32 }).tokPerSec;
    const f16Bytes = Object.values(f16.cpuReadBytesByType).reduce((a, b) => a + b, 0);
    expect(f16Seconds).toBeCloseTo(0.001 + 32 * 0.0001 + f16Bytes / 40e9 + f16.cpuRowsPerToken * 50e-9, 6);
    expect(f16.cpuRowsByType.F16).toBe(f16.cpuRowsPerToken);
    // Weights larger than the last-level cache stream from RAM: the slower of the two bounds a token.
    const ramBound = { ...f16Calibration, tgMemoryBytesPerSec: 20e9, lastLevelCacheBytes: 32 * MiB };
    const ramEstimate = estimateGenerationSpeed(f16, { ...inputs, calibration: ramBound }, { gpu: 0, total: 32 });
    expect(1 / ramEstimate.tokPerSec).toBeCloseTo(
      0.001 + 32 * 0.0001 + Math.max(f16.cpuReadBytesPerToken / 20e9, f16Bytes / 40e9 + f16.cpuRowsPerToken * 50e-9),
      6,
    );
    expect(ramEstimate.source.detail).toMatch(/bound by RAM: .* GB per token, more than the 32 MiB cache/);
    const cacheHeld = estimateGenerationSpeed(
      f16,
      { ...inputs, calibration: { ...ramBound, lastLevelCacheBytes: 64 * GiB } },
      { gpu: 0, total: 32 },
    );
    expect(cacheHeld.source.detail).toMatch(/bound by compute/);
  });

  it("times the CPU's part of a split (layers kept in RAM) at the probe's rates, the GPU's part as before", async () => {
    const { estimateGenerationSpeed } = await import('../../src/core/speed');
    const model = buildMemoryModel(llama31_8b, 'Q4_K_M', 4096, 'f16');
    const half = placeModel(model, 17, 'cuda', { repackTypes: new Set() });
    expect(half.cpuReadBytesPerToken).toBeGreaterThan(0);
    const inputs = { gpuBandwidthBytesPerSec: 1000e9, cpuBandwidthBytesPerSec: 25e9, cpuBandwidthSource: null };
    const layers = { gpu: 16, total: 32 };
    const calibration = makeCalibration({
      tgBytesPerSecByType: { Q8_0: 60e9, Q4_K: 60e9, Q6_K: 60e9, F32: 60e9 },
      tgMemoryBytesPerSec: 50e9,
      threads: { pp: 8, tg: 8 },
      measuredAt: '2026-12-04T00:00:00.000Z',
    });
    const plain = estimateGenerationSpeed(half, inputs, layers);
    const calibrated = estimateGenerationSpeed(half, { ...inputs, calibration }, layers);
    // Only the CPU's bytes change clock: from 25 GB/s x 0.9 to the measured RAM rate (50 GB/s bounds them, past the cache).
    expect(1 / plain.tokPerSec - 1 / calibrated.tokPerSec).toBeCloseTo(
      half.cpuReadBytesPerToken / (25e9 * 0.9) - half.cpuReadBytesPerToken / 50e9,
      9,
    );
    expect(calibrated.source.detail).toContain("timed at this machine's calibrated rates");
    expect(calibrated.source.detail).toContain('RAM at the measured 50.0 GB/s, 8 thread(s)');
    expect(calibrated.source.detail).toContain("The CPU's part calibrated by the probe of 2026-12-04 00:00; the GPU's is not");
    expect(plain.source.detail).toContain('Not calibrated by a probe yet.');
    // All on the GPU, a calibration changes nothing.
    const full = placeModel(model, 33, 'cuda', { repackTypes: new Set() });
    expect(estimateGenerationSpeed(full, { ...inputs, calibration }, { gpu: 32, total: 32 }).tokPerSec).toBe(
      estimateGenerationSpeed(full, inputs, { gpu: 32, total: 32 }).tokPerSec,
    );
  });

  it("solves a type's read speed and cost per row from two shapes, and ignores a negative row cost", async () => {
    const { solveTwoShapes } = await import('../../src/core/calibration');
    const seconds = (amount: number, rows: number): number => amount / 40e9 + rows * 50e-9;
    const fit = solveTwoShapes(
      { amount: 300e6, rows: 50e3, seconds: seconds(300e6, 50e3) },
      { amount: 100e6, rows: 120e3, seconds: seconds(100e6, 120e3) },
    );
    expect(1 / fit.perAmount).toBeCloseTo(40e9, -6);
    expect(fit.perRow).toBeCloseTo(50e-9, 12);
    // A narrow file that ran faster per byte than the wide one (it sat in cache): the wide one alone.
    const cached = solveTwoShapes({ amount: 300e6, rows: 50e3, seconds: 0.01 }, { amount: 100e6, rows: 120e3, seconds: 0.002 });
    expect(cached).toEqual({ perAmount: 0.01 / 300e6, perRow: 0 });
    // A wide file the cache held (read almost for free) next to a row-heavy narrow one: rows carry the time.
    const rowBound = solveTwoShapes({ amount: 150e6, rows: 31.5e3, seconds: 0.0003 }, { amount: 150e6, rows: 125e3, seconds: 0.007 });
    expect(rowBound.perRow).toBeGreaterThan(40e-9);
    expect(rowBound.perAmount).toBeLessThan(1e-14);
  });
});

describe("a file's multi-token-prediction blocks", () => {
  it('are neither loaded nor read when the shape says they are MTP (llama.cpp skips them unless MTP is on)', () => {
    const shape: ModelShape = { ...llama31_8b, layers: 2, hiddenSize: 64, ffnSize: 128, heads: 4, kvHeads: 2, headDim: 16, vocabSize: 256 };
    const main = listTensors(shape);
    // The same tensors once more as block 2, the way GLM-4.5's converter appends its nextn layer.
    const mtp = main.filter((t) => t.layer === 1).map((t) => ({ ...t, name: t.name.replace('blk.1.', 'blk.2.'), layer: 2 }));
    const types = [...main, ...mtp].map(() => 'F32');
    const plain = layoutWeightsWithTypes(shape, main, types.slice(0, main.length));
    const withMtp = layoutWeightsWithTypes({ ...shape, nextnLayers: 1 }, [...main, ...mtp], types);
    expect(withMtp.totalBytes).toBe(plain.totalBytes);
    expect(withMtp.outputBytes).toBe(plain.outputBytes);
    // Without the MTP mark a block past the last is still counted (as the output side), as before.
    expect(layoutWeightsWithTypes(shape, [...main, ...mtp], types).totalBytes).toBeGreaterThan(plain.totalBytes);
  });
});
