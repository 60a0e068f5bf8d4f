// -ngl k as llama.cpp reads it: N = blocks + 1, the output layer offloaded first. Reference figures
// are llama.cpp's own (`llama-fit-params -fitp on` with an rpc-server as the GPU, on files written
// from the same catalog shapes: bench/fit-params-compare.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildMemoryModel, type MemoryModel } from '../../src/core/estimate';
import { fitModel } from '../../src/core/fit';
import { offloadableLayers, placeModel, type Placement } from '../../src/core/placement';
import type { KvType, Precision } from '../../src/shared/precision';
import { CatalogSchema, type Budget } from '../../src/shared/schema';
import { GiB, MiB } from '../../src/shared/units';

const catalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const memoryModel = (id: string, precision: Precision, ctx: number, kv: KvType): MemoryModel => {
  const shape = catalog.find((m) => m.id === id);
  if (!shape) throw new Error(`no catalog model ${id}`);
  return buildMemoryModel(shape, precision, ctx, kv);
};
const place = (model: MemoryModel, ngl: number): Placement => placeModel(model, ngl, 'cuda', { repackTypes: new Set(), opOffload: false });
/** Within `pct` percent of llama.cpp's figure (which it prints truncated to whole MiB). */
const near = (bytes: number, llamaMiB: number, pct: number): void => {
  expect(Math.abs(bytes / MiB - (llamaMiB + 0.5))).toBeLessThanOrEqual(Math.max(1, (llamaMiB * pct) / 100));
};

describe('-ngl k as llama.cpp counts it', () => {
  const llama8b = memoryModel('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0');
  const qwen05 = memoryModel('qwen2.5-0.5b', 'Q4_K_M', 8192, 'f16');

  it('N is the blocks plus the output layer', () => {
    expect(offloadableLayers(llama8b)).toBe(33);
    expect(offloadableLayers(qwen05)).toBe(25);
  });

  it('-ngl 12 of the 8B puts the output layer and 11 blocks on the GPU (llama.cpp: 1,806 MiB weights, 258 compute)', () => {
    const p = place(llama8b, 12);
    near(p.gpu.weightsBytes, 1806, 1);
    near(p.gpu.kvBytes, 187, 1);
    near(p.gpu.computeBytes, 258, 3);
    // The output matrix (Q6_K, 128256 x 4096) alone is ~411 MiB: a placement that keeps it on the CPU is ~1,513.
    expect(p.gpu.weightsBytes).toBeGreaterThan(1700 * MiB);
    near(p.cpu.weightsBytes, 2878, 1);
  });

  it('full offload of the 8B: 4,403 MiB of weights and 544 MiB of KV on the GPU, the embedding table left in RAM', () => {
    const p = place(llama8b, 33);
    near(p.gpu.weightsBytes, 4403, 1);
    near(p.gpu.kvBytes, 544, 1);
    near(p.gpu.computeBytes, 258, 3);
    expect(p.cpu.kvBytes).toBe(0);
    expect(place(llama8b, 99)).toEqual(p);
  });

  it('-ngl 6 of Qwen2.5 0.5B copies the tied output to the GPU with its 152k-token logits (llama.cpp: 188 MiB, 298 compute)', () => {
    const p = place(qwen05, 6);
    near(p.gpu.weightsBytes, 188, 1);
    near(p.gpu.computeBytes, 298, 3);
    // The embedding table stays in RAM for the input as well.
    expect(p.cpu.weightsBytes).toBeGreaterThan(qwen05.weights.tokenEmbdBytes);
  });

  it('-ngl 0 keeps everything on the CPU; -ngl 1 offloads only the output layer', () => {
    const none = place(llama8b, 0);
    expect(none.gpuBytes).toBe(0);
    expect(none.gpuReadBytesPerToken).toBe(0);
    const one = place(llama8b, 1);
    expect(one.gpu.weightsBytes).toBe(llama8b.weights.outputBytes);
    expect(one.gpu.kvBytes).toBe(0);
    expect(one.cpu.kvBytes).toBe(none.cpu.kvBytes);
    expect(one.gpuReadBytesPerToken).toBe(llama8b.weights.outputBytes);
    // The logits of a 512-token micro-batch move with the output layer.
    expect(one.gpu.computeBytes).toBeGreaterThan(250 * MiB);
    expect(one.cpu.computeBytes).toBeLessThan(none.cpu.computeBytes - 100 * MiB);
  });

  it('a fit searches k over 0..N and counts N the same way', () => {
    const budget = (gpuGiB: number): Budget => ({
      gpuBytes: gpuGiB * GiB,
      gpuHeadroomBytes: 0,
      ramBytes: 64 * GiB,
      ramHeadroomBytes: 0,
      unifiedMemory: false,
      gpuName: 'test GPU',
      explanation: '',
    });
    const full = fitModel(llama8b, budget(24), 'cuda', new Set());
    expect(full).toMatchObject({ fit: 'gpu', gpuLayers: 33, totalLayers: 33 });
    const partial = fitModel(llama8b, budget(2.5), 'cuda', new Set());
    expect(partial.fit).toBe('partial');
    expect(partial.totalLayers).toBe(33);
    expect(partial.placement.gpuBytes).toBeLessThanOrEqual(2.5 * GiB);
    expect(place(llama8b, partial.gpuLayers + 1).gpuBytes).toBeGreaterThan(2.5 * GiB);
  });
});

describe('speed with the output layer on the GPU', () => {
  it('-ngl 1 reads the output matrix on the GPU and pays the GPU fixed cost', async () => {
    const { estimateGenerationSpeed } = await import('../../src/core/speed');
    const model = memoryModel('llama-3.1-8b', 'Q4_K_M', 4096, 'f16');
    const inputs = { gpuBandwidthBytesPerSec: 1000e9, cpuBandwidthBytesPerSec: 50e9, cpuBandwidthSource: null };
    const cpu = place(model, 0);
    const one = place(model, 1);
    expect(one.cpuReadBytesPerToken).toBeCloseTo(cpu.cpuReadBytesPerToken - model.weights.outputBytes, 0);
    expect(one.cpuRowsPerToken).toBeCloseTo(cpu.cpuRowsPerToken - model.weights.outputRows, 0);
    const cpuSpeed = estimateGenerationSpeed(cpu, inputs, { gpu: 0, total: 32 });
    const oneSpeed = estimateGenerationSpeed(one, inputs, { gpu: 0, total: 32 });
    expect(oneSpeed.tokPerSec).toBeGreaterThan(cpuSpeed.tokPerSec);
    expect(oneSpeed.source.detail).toMatch(/GB on the GPU/);
  });
});
