// llama.cpp's --n-cpu-moe N: the routed experts of the first N blocks stay in RAM, the rest of those
// blocks on the GPU. Hand-sized on a small all-F32 MoE (every byte is elements x 4), and the automatic
// choice between that and plain layer offload. llama.cpp's own figures for real layouts are in
// bench/results/fit-params-*.md (bench/fit-params-compare.ts, -ncmoe cases).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildMemoryModel, buildMemoryModelFromLayout, layoutWeightsWithTypes, type MemoryModel } from '../../src/core/estimate';
import { fitModel } from '../../src/core/fit';
import { ggmlType } from '../../src/core/ggml';
import { placeModel, type Placement } from '../../src/core/placement';
import {
  GPU_SECONDS_PER_EXPERT_PRODUCT,
  GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK,
  CPU_EXPERT_READ_EFFICIENCY,
  CPU_PROMPT_EXPERT_EFFICIENCY,
  cpuPromptExpertEfficiency,
  SGEMM_ONLY_EXPERT_EFFICIENCY,
  estimateGenerationSpeed,
  estimatePromptSpeedCpu,
} from '../../src/core/speed';
import { listTensors, type ModelShape } from '../../src/core/tensors';
import { buildReport } from '../../src/core/report';
import { CatalogSchema, type Budget, type ReportRow } from '../../src/shared/schema';
import { makeCalibration, makeGpu, makeSnapshot } from '../helpers/hardware';
import { GB, GiB, MiB } from '../../src/shared/units';

/** 4 blocks, hidden 256, 8 experts of FFN 128 with 2 used, 4 query and 2 KV heads of 64, 1,000 tokens. */
const shape: ModelShape = {
  arch: 'qwen3moe',
  layers: 4,
  hiddenSize: 256,
  ffnSize: 128,
  ffnType: 'gated',
  heads: 4,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 1000,
  tiedEmbeddings: false,
  experts: { count: 8, active: 2, shared: 0, denseLayers: 0 },
};
const tensors = listTensors(shape);
const layout = layoutWeightsWithTypes(
  shape,
  tensors,
  tensors.map(() => 'F32'),
);
const CTX = 512;
const model: MemoryModel = buildMemoryModelFromLayout(shape, layout, CTX, 'f16');

// Per block: gate, up and down experts, each 256 x 128 x 8 floats = 1 MiB; 2 of 8 experts read per token.
const EXPERTS = 3 * 256 * 128 * 8 * 4; // 3 MiB
const EXPERTS_READ = EXPERTS / 4; // 768 KiB
// The rest of a block: q and o 256x256, k and v 256x128, router 256x8, norms 256 + 64 + 64 + 256.
const DENSE = (2 * 256 * 256 + 2 * 256 * 128 + 256 * 8 + 640) * 4; // 797,184
const OUTPUT = (256 * 1000 + 256) * 4; // output matrix and final norm
const EMBD = 256 * 1000 * 4;
// KV: 512 cells x 2 KV heads x 64 x K and V x 2 bytes.
const KV = 512 * 2 * 64 * 2 * 2;
const MASK = 512 * 512 * 2;
const H = 512 * 256 * 4; // one hidden-size activation of a 512-token micro-batch

const none = new Set<string>();

describe('expert tensors in the layout', () => {
  it('are the ffn_*_exps tensors of each block, read 2 of 8 per token', () => {
    expect(layout.layerExpertBytes).toEqual([EXPERTS, EXPERTS, EXPERTS, EXPERTS]);
    expect(layout.layerExpertActiveBytes).toEqual([EXPERTS_READ, EXPERTS_READ, EXPERTS_READ, EXPERTS_READ]);
    expect(layout.layerWeightBytes[0]).toBe(DENSE + EXPERTS);
    expect(layout.layerExpertMatrixBytesByType[0]).toEqual({ F32: EXPERTS });
    // 2 of 8 experts' rows: gate and up 128 rows each, down 256, per expert.
    expect(layout.layerExpertActiveRows[0]).toBe(2 * (128 + 128 + 256));
  });
});

describe('placeModel with --n-cpu-moe', () => {
  const full = placeModel(model, 5, 'cuda', { repackTypes: none });

  it('-ngl 5 (all) --n-cpu-moe 2: the experts of blocks 0 and 1 move to RAM, nothing else does', () => {
    const p = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2 });
    expect(full.gpu.weightsBytes).toBe(4 * (DENSE + EXPERTS) + OUTPUT);
    expect(p.gpu.weightsBytes).toBe(4 * DENSE + 2 * EXPERTS + OUTPUT);
    expect(p.cpu.weightsBytes).toBe(EMBD + 2 * EXPERTS);
    // The KV cache follows the block, which stays on the GPU.
    expect(p.gpu.kvBytes).toBe(4 * KV);
    expect(p.cpu.kvBytes).toBe(0);
    expect(p.cpuMoeLayers).toBe(2);
    expect(p.expertsInRamGpuBlocks).toBe(2);
    // Per token the CPU reads the 2 active experts of 2 blocks; the GPU everything else.
    expect(p.cpuReadBytesPerToken).toBe(2 * EXPERTS_READ);
    expect(p.expertsInRamReadBytesPerToken).toBe(2 * EXPERTS_READ);
    expect(p.gpuReadBytesPerToken).toBe(full.gpuReadBytesPerToken - 2 * EXPERTS_READ);
  });

  it('compute without offload_op (an RPC device): the CPU runs the experts (max(3 x 256, 2 x 2 x 256) + 2 x 256 floats per token, and the mask); the GPU keeps its block phase', () => {
    const p = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2, opOffload: false });
    expect(full.cpu.computeBytes).toBe(2 * H + MASK); // staging only
    expect(p.cpu.computeBytes).toBe(512 * 4 * (1024 + 512) + MASK);
    // Output device with blocks that still run their FFN: the whole block phase (1,024 + 4 x 256 floats) less the input.
    expect(p.gpu.computeBytes).toBe(512 * 4 * (1024 + 1024) + MASK - H);
    expect(p.gpu.computeBytes).toBe(full.gpu.computeBytes);
  });

  it("compute on CUDA: the GPU computes a prompt's expert products too, one 1 MiB expert tensor copied beside a block's activations; the host only stages", () => {
    const p = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2 });
    expect(p.cpu.computeBytes).toBe(2 * H + MASK);
    expect(p.gpu.computeBytes).toBe(512 * 4 * (1024 + 1024) + MASK + 256 * 128 * 8 * 4);
    // Nothing in RAM that a product reads: nothing changes.
    expect(full.gpu.computeBytes).toBe(placeModel(model, 5, 'cuda', { repackTypes: none, opOffload: false }).gpu.computeBytes);
    // Metal offloads products too (ggml-metal.cpp's offload_op); an RPC device does not.
    expect(placeModel(model, 5, 'metal', { repackTypes: none, cpuMoeLayers: 2 }).gpu.computeBytes).toBe(p.gpu.computeBytes);
    expect(placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2, opOffload: false }).gpu.computeBytes).toBe(
      full.gpu.computeBytes,
    );
  });

  it('--n-cpu-moe of every block without offload_op: the GPU needs attention phase only (6 hidden-size activations and the mask)', () => {
    const p = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 4, opOffload: false });
    expect(p.gpu.weightsBytes).toBe(4 * DENSE + OUTPUT);
    expect(p.gpu.computeBytes).toBe(Math.max(512 * 4 * (1000 + 512), 6 * H + MASK) - H);
    // A larger N than there are blocks is all of them, as llama.cpp's per-block overrides are.
    expect(placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 99, opOffload: false })).toEqual(p);
  });

  it('blocks already on the CPU are unchanged: -ngl 3 --n-cpu-moe 3 moves the experts of block 2 only', () => {
    const plain = placeModel(model, 3, 'cuda', { repackTypes: none });
    const p = placeModel(model, 3, 'cuda', { repackTypes: none, cpuMoeLayers: 3 });
    // -ngl 3: the output layer and blocks 2 and 3 on the GPU.
    expect(plain.gpu.weightsBytes).toBe(2 * (DENSE + EXPERTS) + OUTPUT);
    expect(p.gpu.weightsBytes).toBe(2 * DENSE + EXPERTS + OUTPUT);
    expect(p.cpu.weightsBytes).toBe(plain.cpu.weightsBytes + EXPERTS);
    expect(p.expertsInRamGpuBlocks).toBe(1);
    expect(p.cpu.kvBytes).toBe(2 * KV);
  });

  it('the CPU may repack experts it keeps, like any of its matrices', () => {
    const p = placeModel(model, 5, 'cuda', { repackTypes: new Set(['F32']), cpuMoeLayers: 1 });
    expect(p.cpu.repackBytes).toBe(EXPERTS);
  });

  it('a dense model is unchanged', () => {
    const catalog = CatalogSchema.parse(
      JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
    ).models;
    const dense = buildMemoryModel(catalog.find((m) => m.id === 'llama-3.2-1b') as ModelShape, 'Q8_0', 4096, 'f16');
    expect(placeModel(dense, 17, 'cuda', { repackTypes: none, cpuMoeLayers: 8 })).toEqual({
      ...placeModel(dense, 17, 'cuda', { repackTypes: none }),
      cpuMoeLayers: 8,
    });
  });
});

describe('generation speed with experts in RAM', () => {
  it("adds the active experts read from RAM and the CPU's per-layer cost of each such block to the GPU part", () => {
    const inputs = { gpuBandwidthBytesPerSec: 1000 * GB, cpuBandwidthBytesPerSec: 50 * GB, cpuBandwidthSource: null };
    const full = placeModel(model, 5, 'cuda', { repackTypes: none });
    const p = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2 });
    const t = (x: typeof p): number => 1 / estimateGenerationSpeed(x, inputs, { gpu: 4, total: 4 }).tokPerSec;
    // GPU bytes shrink by 2 x 768 KiB at 700 GB/s, and the GPU runs 2 x 2 fewer expert products (2 of 8 experts in
    // each of 4 blocks: 8 products a token, 4 with two blocks' experts in RAM); the CPU reads them at 45 GB/s, scattered
    // experts at CPU_EXPERT_READ_EFFICIENCY of that; plus a 0.5 ms split sync and 2 x 15 µs of CPU per-layer work (the
    // round trip itself measured as nothing more: bench/results/moe-experts-in-ram-2026-12-04.md).
    expect(full.gpuExpertProductsPerToken).toBe(8);
    expect(p.gpuExpertProductsPerToken).toBe(4);
    const expected =
      t(full) -
      (2 * EXPERTS_READ) / (1000 * GB * 0.7) -
      4 * GPU_SECONDS_PER_EXPERT_PRODUCT +
      (2 * EXPERTS_READ) / (50 * GB * 0.9 * CPU_EXPERT_READ_EFFICIENCY) +
      0.0005 +
      2 * 0.000015;
    expect(t(p)).toBeCloseTo(expected, 9);
    // On CUDA each of the 4 expert products the GPU no longer runs saved 3 µs, not 10.
    const cuda = (x: typeof p): number => 1 / estimateGenerationSpeed(x, { ...inputs, gpuBackend: 'cuda' }, { gpu: 4, total: 4 }).tokPerSec;
    expect(cuda(full) - cuda(p) - (t(full) - t(p))).toBeCloseTo(4 * (0.000003 - GPU_SECONDS_PER_EXPERT_PRODUCT), 9);
  });

  it('a gated-delta-net block on the GPU costs GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK, those on the CPU nothing extra', () => {
    const inputs = { gpuBandwidthBytesPerSec: 1000 * GB, cpuBandwidthBytesPerSec: 50 * GB, cpuBandwidthSource: null };
    const full = placeModel(model, 5, 'cuda', { repackTypes: none });
    const t = (layers: { gpu: number; total: number; gatedDeltaNet?: number }): number =>
      1 / estimateGenerationSpeed(full, inputs, layers).tokPerSec;
    expect(t({ gpu: 4, total: 4, gatedDeltaNet: 3 }) - t({ gpu: 4, total: 4 })).toBeCloseTo(3 * GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK, 9);
    expect(t({ gpu: 2, total: 4, gatedDeltaNet: 2 }) - t({ gpu: 2, total: 4 })).toBeCloseTo(GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK, 9);
  });
});

describe('prompt processing of routed experts on the CPU', () => {
  it('the placement keeps the active expert bytes of CPU blocks apart: 2 of 8 experts of each of 4 blocks', () => {
    const placement = placeModel(model, 0, 'cpu', { repackTypes: none });
    expect(placement.cpuLayerExpertReadBytesByType).toEqual({ F32: 4 * EXPERTS_READ });
    // Blocks on the GPU (and their experts) are not the CPU's; with --n-cpu-moe 2 the experts of 2 blocks are.
    expect(placeModel(model, 5, 'cuda', { repackTypes: none }).cpuLayerExpertReadBytesByType).toEqual({});
    expect(placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2 }).cpuLayerExpertReadBytesByType).toEqual({
      F32: 2 * EXPERTS_READ,
    });
  });

  it('expert FLOPs run at CPU_PROMPT_EXPERT_EFFICIENCY of the dense rate, the rest at the dense rate', () => {
    const placement = placeModel(model, 0, 'cpu', { repackTypes: none });
    const rate = 100e9;
    const calibration = makeCalibration({ ppFlopsByType: { F32: rate }, ppSecondsPerRowByType: {}, lastLevelCacheBytes: 1e12 });
    const layerBytes = Object.values(placement.cpuLayerReadBytesByType).reduce((a, b) => a + b, 0);
    const expertWeights = (4 * EXPERTS_READ) / 4; // F32: 4 bytes a weight
    const denseWeights = (layerBytes - 4 * EXPERTS_READ) / 4;
    // F32's dense products run sgemm, which mul_mat_id does not: its experts run at SGEMM_ONLY_EXPERT_EFFICIENCY.
    const seconds = (2 * denseWeights) / rate + (2 * expertWeights) / (rate * SGEMM_ONLY_EXPERT_EFFICIENCY);
    expect(estimatePromptSpeedCpu(placement, calibration)).toBeCloseTo(1 / seconds, 6);
    expect(CPU_PROMPT_EXPERT_EFFICIENCY).toBeGreaterThan(0);
    expect(CPU_PROMPT_EXPERT_EFFICIENCY).toBeLessThan(1);
  });

  it("an expert's efficiency falls with its share of the batch (tokens x top-k / experts rows)", () => {
    // 128 rows (top-2 of 8, top-8 of 32 at 512 tokens): about 0.65, as measured; 64 rows (top-2 of 16): about 0.48.
    expect(cpuPromptExpertEfficiency(512, { count: 8, active: 2 })).toBeCloseTo(0.65, 2);
    expect(cpuPromptExpertEfficiency(512, { count: 32, active: 8 })).toBeCloseTo(0.65, 2);
    expect(cpuPromptExpertEfficiency(512, { count: 16, active: 2 })).toBeCloseTo(0.48, 2);
    // A shorter batch gives each expert fewer rows; a batch is at most 512 tokens (the ubatch).
    expect(cpuPromptExpertEfficiency(128, { count: 8, active: 2 })).toBeLessThan(cpuPromptExpertEfficiency(512, { count: 8, active: 2 }));
    expect(cpuPromptExpertEfficiency(4096, { count: 8, active: 2 })).toBe(cpuPromptExpertEfficiency(512, { count: 8, active: 2 }));
    // Without expert counts, the 128-row figure.
    expect(cpuPromptExpertEfficiency(512)).toBe(CPU_PROMPT_EXPERT_EFFICIENCY);
    // Passed through a prompt shape, it sets the experts' time (of a K-quant: sgemm types run at a flat rate).
    const tensors = listTensors(shape);
    const q4 = layoutWeightsWithTypes(
      shape,
      tensors,
      tensors.map((t) => (t.dims.length >= 2 ? 'Q4_K' : 'F32')),
    );
    const placement = placeModel(buildMemoryModelFromLayout(shape, q4, 4096, 'f16'), 0, 'cpu', { repackTypes: none });
    const calibration = makeCalibration({ ppFlopsByType: { Q4_K: 100e9 }, ppSecondsPerRowByType: {}, lastLevelCacheBytes: 1e12 });
    const prompt = { tokens: 512, layers: 1, queryDim: 0 };
    const few = estimatePromptSpeedCpu(placement, calibration, { ...prompt, experts: { count: 64, active: 2 } }) as number;
    const many = estimatePromptSpeedCpu(placement, calibration, { ...prompt, experts: { count: 4, active: 2 } }) as number;
    expect(few).toBeLessThan(many);
  });
});

describe('routed experts by kernel, in prompts and in generation', () => {
  /** The test model with its matrices retyped: the experts' kernel is what differs. */
  const retyped = (type: string): Placement => {
    const tensors = listTensors(shape);
    const layout = layoutWeightsWithTypes(
      shape,
      tensors,
      tensors.map((t) => (t.dims.length >= 2 ? type : 'F32')),
    );
    return placeModel(buildMemoryModelFromLayout(shape, layout, 4096, 'f16'), 0, 'cpu', { repackTypes: none });
  };

  it("Q8_0 experts run at a flat third of the dense rate, K-quants' by their rows: mul_mat_id has no sgemm path", () => {
    const rate = 100e9;
    const calibration = (type: string) =>
      makeCalibration({ ppFlopsByType: { [type]: rate }, ppSecondsPerRowByType: {}, lastLevelCacheBytes: 1e12 });
    /** Extra seconds the experts cost over dense products of the same weights, in units of their dense-rate seconds. */
    const expertPenalty = (type: string): number => {
      const p = retyped(type);
      const all = 1 / (estimatePromptSpeedCpu(p, calibration(type)) as number);
      const asDense = 1 / (estimatePromptSpeedCpu({ ...p, cpuLayerExpertReadBytesByType: {} }, calibration(type)) as number);
      const info = ggmlType(type);
      const weights = ((p.cpuLayerExpertReadBytesByType[type] ?? 0) / info.blockBytes) * info.blockSize;
      return (all - asDense) / ((2 * weights) / rate);
    };
    // Dense-rate seconds x (1 / efficiency - 1).
    expect(expertPenalty('Q4_K')).toBeCloseTo(1 / CPU_PROMPT_EXPERT_EFFICIENCY - 1, 6);
    expect(expertPenalty('Q8_0')).toBeCloseTo(1 / SGEMM_ONLY_EXPERT_EFFICIENCY - 1, 6);
  });

  it('a generated token reads active expert bytes at CPU_EXPERT_READ_EFFICIENCY of the dense rate, on the kernel and the RAM side', () => {
    const p = retyped('Q4_K');
    const experts = p.cpuLayerExpertReadBytesByType.Q4_K ?? 0;
    expect(experts).toBeGreaterThan(0);
    const inputs = (cal: ReturnType<typeof makeCalibration>) => ({
      gpuBandwidthBytesPerSec: null,
      cpuBandwidthBytesPerSec: null,
      cpuBandwidthSource: null,
      calibration: cal,
    });
    const layers = { gpu: 0, total: shape.layers };
    const fixed = { tgSecondsPerToken: 0, tgSecondsPerLayer: 0, tgSecondsPerRowByType: {} };
    // Kernel-bound: every byte at 10 GB/s, the experts' at 10 x 0.82.
    const kernel = makeCalibration({
      ...fixed,
      tgBytesPerSecByType: { Q4_K: 10e9, F32: 1e15 },
      tgMemoryBytesPerSec: 1e15,
      lastLevelCacheBytes: 0,
    });
    const q4 = p.cpuReadBytesByType.Q4_K ?? 0;
    const kernelSeconds = (q4 + experts * (1 / CPU_EXPERT_READ_EFFICIENCY - 1)) / 10e9 + (p.cpuReadBytesByType.F32 ?? 0) / 1e15;
    expect(1 / estimateGenerationSpeed(p, inputs(kernel), layers).tokPerSec).toBeCloseTo(kernelSeconds, 9);
    // RAM-bound: the same weighting of the bytes streamed from RAM.
    const ram = makeCalibration({
      ...fixed,
      tgBytesPerSecByType: { Q4_K: 1e15, F32: 1e15 },
      tgMemoryBytesPerSec: 5e9,
      lastLevelCacheBytes: 0,
    });
    const ramSeconds = (p.cpuReadBytesPerToken + experts * (1 / CPU_EXPERT_READ_EFFICIENCY - 1)) / 5e9;
    expect(1 / estimateGenerationSpeed(p, inputs(ram), layers).tokPerSec).toBeCloseTo(ramSeconds, 9);
  });
});

describe('fitModel: layer offload or experts in RAM', () => {
  const full = placeModel(model, 5, 'cuda', { repackTypes: none });
  // 4 MiB short of full offload: 2 blocks' experts (6 MiB) must leave, or 2 whole blocks (about 8 MiB). Either way the
  // GPU then computes their prompt products too (CUDA's offload_op), holding one 1 MiB expert tensor beside a block's
  // activations: 1.5 MiB more compute buffer, so one block's experts (3 MiB) or one block are not enough.
  const budget: Budget = {
    gpuBytes: full.gpuBytes - 4 * MiB,
    gpuHeadroomBytes: 0,
    ramBytes: 8 * GiB,
    ramHeadroomBytes: 0,
    unifiedMemory: false,
    gpuName: 'test GPU',
    explanation: '',
  };

  it('takes all layers with the smallest --n-cpu-moe that fits when that is faster', () => {
    const fit = fitModel(model, budget, 'cuda', none, undefined, { speedOf: (p) => (p.expertsInRamGpuBlocks > 0 ? 20 : 10) });
    expect(fit.fit).toBe('partial');
    expect(fit.gpuLayers).toBe(5);
    expect(fit.cpuMoeLayers).toBe(2);
    expect(fit.placement.gpu.weightsBytes).toBe(4 * DENSE + 2 * EXPERTS + OUTPUT);
    expect(fit.why).toContain('--n-cpu-moe 2');
    expect(fit.why).toContain('~20.0 tok/s with the experts of 2 blocks in RAM');
    expect(fit.why).toContain('against ~10.0 tok/s with 3 of 5 layers on the GPU (-ngl 3)');
  });

  it("takes the experts of the fewest blocks where RAM cannot hold every block's (gpt-oss-120b on a 24 GB card, 64 GB RAM)", () => {
    // RAM for the 2 blocks' experts that must leave, not for all 4: the fewest that fit the GPU are what counts.
    const two = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 2 });
    const all = placeModel(model, 5, 'cuda', { repackTypes: none, cpuMoeLayers: 4 });
    const ramBytes = (two.cpuBytes + all.cpuBytes) / 2;
    expect(all.cpuBytes).toBeGreaterThan(ramBytes);
    const fit = fitModel(model, { ...budget, ramBytes }, 'cuda', none, undefined, {
      speedOf: (p) => (p.expertsInRamGpuBlocks > 0 ? 20 : 10),
    });
    expect(fit.gpuLayers).toBe(5);
    expect(fit.cpuMoeLayers).toBe(2);
    // And none where the fewest blocks' experts already outgrow RAM.
    const tight = fitModel(model, { ...budget, ramBytes: two.cpuBytes - 1 }, 'cuda', none, undefined, {
      speedOf: (p) => (p.expertsInRamGpuBlocks > 0 ? 20 : 10),
    });
    expect(tight.cpuMoeLayers).toBe(0);
  });

  it('moves layers and experts both where RAM cannot hold either alone (Qwen3.5 35B-A3B F32 on a 24 GB card, 128 GB RAM)', () => {
    // GPU and RAM exactly as -ngl 4 --n-cpu-moe 3 needs: every layer fits only with all 4 blocks' experts in
    // RAM (one block's experts more than RAM holds), plain offload only 2 layers (two whole blocks more).
    const mixed = placeModel(model, 4, 'cuda', { repackTypes: none, cpuMoeLayers: 3 });
    const tight: Budget = { ...budget, gpuBytes: mixed.gpuBytes, ramBytes: mixed.cpuBytes };
    expect(fitModel(model, tight, 'cuda', none, undefined, { nCpuMoe: 4 }).fit).toBe('none');
    expect(fitModel(model, tight, 'cuda', none, undefined, { nCpuMoe: 0 }).fit).toBe('none');
    const fit = fitModel(model, tight, 'cuda', none);
    expect([fit.fit, fit.gpuLayers, fit.cpuMoeLayers]).toEqual(['partial', 4, 3]);
    expect(fit.placement.gpuBytes).toBe(mixed.gpuBytes);
    expect(fit.why).toContain("llama.cpp's -ngl 4 --n-cpu-moe 3");
  });

  it('over two GPUs, shares the layers out again so the experts of fewer blocks leave (-ts), unless the user gave -ts', () => {
    // Cards sized for -ts 4,1 with the experts of 2 blocks in RAM. Split by free memory (about 1:1) the second
    // card keeps block 3 with its experts and the output layer, more than it holds whatever the first frees.
    const target = placeModel(model, 5, 'cuda', { repackTypes: none, splitProportions: [4, 1], cpuMoeLayers: 2 });
    const cards = target.gpus.map((d) => d.totalBytes);
    const two: Budget = { ...budget, gpuBytes: cards.reduce((x, y) => x + y, 0) };
    const speedOf = (p: Placement): number => 1 / (1 + p.cpuReadBytesPerToken);
    const balanced = fitModel(model, two, 'cuda', none, { deviceBudgetsBytes: cards }, { speedOf });
    expect([balanced.gpuLayers, balanced.cpuMoeLayers, balanced.tensorSplit]).toEqual([5, 2, [4, 1]]);
    expect(balanced.placement.gpus.map((d) => d.totalBytes)).toEqual(cards);
    expect(balanced.why).toContain("llama.cpp's -ngl 5 --n-cpu-moe 2 -ts 4,1");
    // The same split given by the user as -ts (the free-memory proportions) is kept: no layer count with experts in RAM fits all five.
    const given = fitModel(model, two, 'cuda', none, { deviceBudgetsBytes: cards, tensorSplit: cards }, { speedOf });
    expect(given.tensorSplit).toBeUndefined();
    expect(given.gpuLayers).toBeLessThan(5);
  });

  it('keeps plain layer offload when that is faster, and says why', () => {
    const fit = fitModel(model, budget, 'cuda', none, undefined, { speedOf: (p) => (p.expertsInRamGpuBlocks > 0 ? 10 : 20) });
    expect(fit.gpuLayers).toBe(3);
    expect(fit.cpuMoeLayers).toBe(0);
    expect(fit.why).toContain('Chosen as the faster');
  });

  it('without a speed model, the fewer bytes read from RAM per token win (2 x 768 KiB of experts against 2 whole blocks)', () => {
    const fit = fitModel(model, budget, 'cuda', none);
    expect(fit.cpuMoeLayers).toBe(2);
  });

  it('a fixed --n-cpu-moe is honoured and not chosen: with 3 it all fits, with no choice made', () => {
    const fit = fitModel(model, budget, 'cuda', none, undefined, { nCpuMoe: 3 });
    expect(fit.fit).toBe('partial');
    expect(fit.gpuLayers).toBe(5);
    expect(fit.cpuMoeLayers).toBe(3);
    expect(fit.why).toContain('as asked (--n-cpu-moe 3');
  });

  it('--n-cpu-moe 0 as asked means plain layer offload, and unified memory (one pool) is never offered experts in RAM', () => {
    const speedOf = (p: Placement): number => (p.expertsInRamGpuBlocks > 0 ? 20 : 10);
    expect(fitModel(model, budget, 'cuda', none, undefined, { nCpuMoe: 0, speedOf }).gpuLayers).toBe(3);
    expect(fitModel(model, { ...budget, unifiedMemory: true }, 'metal', none, undefined, { speedOf }).cpuMoeLayers).toBe(0);
  });

  it('full offload that fits stays GPU, whatever the choice could do', () => {
    const fit = fitModel(model, { ...budget, gpuBytes: full.gpuBytes }, 'cuda', none);
    expect(fit.fit).toBe('gpu');
    expect(fit.cpuMoeLayers).toBe(0);
  });
});

describe("against llama.cpp's own figures (llama-fit-params -ngl 13 -ncmoe N -fitp on, rpc-server device)", () => {
  // bench/fit-params-compare.ts's generated qwen3moe file: 12 blocks of 16 experts (4 used), hidden 512,
  // expert FFN 1024, 16 query and 8 KV heads of 64, Q8_0, 4,096 tokens of context.
  const catalog = CatalogSchema.parse(
    JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
  ).models;
  const qwen3moe = catalog.find((m) => m.id === 'qwen3-30b-a3b') as ModelShape;
  const tiny: ModelShape = {
    ...qwen3moe,
    layers: 12,
    hiddenSize: 512,
    ffnSize: 1024,
    heads: 16,
    kvHeads: 8,
    headDim: 64,
    experts: { count: 16, active: 4, shared: 0, denseLayers: 0 },
  };
  const m = buildMemoryModel(tiny, 'Q8_0', 4096, 'f16');
  // An rpc-server device has no offload_op.
  const at = (n: number): ReturnType<typeof placeModel> =>
    placeModel(m, 13, 'cuda', { repackTypes: none, cpuMoeLayers: n, opOffload: false });
  /** llama.cpp prints whole MiB, truncated. */
  const mib = (bytes: number): number => Math.floor(bytes / MiB);

  it.each([
    [0, 404, 78],
    [6, 251, 231],
    [12, 98, 384],
  ])('--n-cpu-moe %i: %i MiB of weights on the device, %i in RAM; 96 MiB of KV stays on the device', (n, device, host) => {
    const p = at(n);
    expect(Math.abs(mib(p.gpu.weightsBytes) - device)).toBeLessThanOrEqual(1);
    expect(Math.abs(mib(p.cpu.weightsBytes) - host)).toBeLessThanOrEqual(1);
    expect(mib(p.gpu.kvBytes)).toBe(96);
  });

  it('host compute grows from 6 MiB of staging to 29 MiB once it runs experts; the device keeps 297 MiB (its logits)', () => {
    expect(mib(at(0).cpu.computeBytes)).toBe(6);
    expect(Math.abs(mib(at(6).cpu.computeBytes) - 29)).toBeLessThanOrEqual(1);
    expect(Math.abs(mib(at(12).gpu.computeBytes) - 297)).toBeLessThanOrEqual(1);
  });
});

describe('the report', () => {
  const catalog = CatalogSchema.parse(
    JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
  ).models;
  const snapshot = makeSnapshot({
    ramBytes: 64 * GiB,
    cpuBandwidth: 60e9,
    gpus: [makeGpu({ name: 'RTX 3060', vramBytes: 12 * GiB, memoryBandwidthBytesPerSec: 360e9 })],
  });
  const rowOf = (settings: Parameters<typeof buildReport>[2]): ReportRow => {
    const report = buildReport(snapshot, catalog, settings, { detectMs: 0 });
    return report.rows.find((r) => r.modelId === 'qwen3-30b-a3b' && r.quant === 'Q4_K_M') as ReportRow;
  };

  it('shows an MoE too large for a 12 GB card with every layer on it and the experts of its first blocks in RAM, when faster', () => {
    const row = rowOf({ contextTokens: 8192, kvType: 'f16' });
    expect(row.fit).toBe('partial');
    expect(row.gpuLayers).toBe(row.totalLayers);
    expect(row.cpuMoeLayers).toBeGreaterThan(0);
    expect(row.why).toContain(`--n-cpu-moe ${row.cpuMoeLayers}`);
    // Dense models never get it.
    const dense = buildReport(snapshot, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 }).rows.filter(
      (r) => r.cpuMoeLayers !== undefined && !catalog.find((m) => m.id === r.modelId)?.experts,
    );
    expect(dense).toEqual([]);
  });

  it("takes the user's --n-cpu-moe for every MoE row", () => {
    const row = rowOf({ contextTokens: 8192, kvType: 'f16', nCpuMoe: 40 });
    expect(row.cpuMoeLayers).toBe(40);
    expect(row.gpuLayers).toBe(49);
  });
});
