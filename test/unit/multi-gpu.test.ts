// Layers split over several GPUs as llama.cpp does by default (layer split mode): each card holds its
// own share and must fit its own VRAM. Reference figures are llama.cpp's own (`llama-fit-params -fitp on`
// with two rpc-servers as the GPUs and -ts: bench/fit-params-compare.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { buildMemoryModel, type MemoryModel } from '../../src/core/estimate';
import { fitModel, fitsEveryGpu } from '../../src/core/fit';
import { layerDevices, placeModel } from '../../src/core/placement';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { estimateGenerationSpeed } from '../../src/core/speed';
import type { KvType, Precision } from '../../src/shared/precision';
import { CatalogSchema, type Budget } from '../../src/shared/schema';
import { GiB, MiB } from '../../src/shared/units';
import { makeGpu, makeSnapshot } from '../helpers/hardware';

const catalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const shapeOf = (id: string): (typeof catalog)[number] => {
  const shape = catalog.find((m) => m.id === id);
  if (!shape) throw new Error(`no catalog model ${id}`);
  return shape;
};
const memoryModel = (id: string, precision: Precision, ctx: number, kv: KvType): MemoryModel =>
  buildMemoryModel(shapeOf(id), precision, ctx, kv);
/** Within `pct` percent of llama.cpp's figure (which it prints truncated to whole MiB). */
const near = (bytes: number, llamaMiB: number, pct: number): void => {
  expect(Math.abs(bytes / MiB - (llamaMiB + 0.5))).toBeLessThanOrEqual(Math.max(1, (llamaMiB * pct) / 100));
};
const budget = (gib: number): Budget => ({
  gpuBytes: gib * GiB,
  gpuHeadroomBytes: 0,
  ramBytes: 64 * GiB,
  ramHeadroomBytes: 0,
  unifiedMemory: false,
  gpuName: 'test GPUs',
  explanation: '',
});

describe('layer split over two GPUs', () => {
  const llama8b = memoryModel('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0');

  it('assigns layers by cumulative split points, the output layer on the last device', () => {
    // -ngl 33 -ts 3,1 over 32 blocks: il / 33 < 0.75 for il 0..24 → device 0; 25..31 and the output → device 1.
    const devices = layerDevices(32, 33, [3, 1]);
    expect(devices.filter((d) => d === 0)).toHaveLength(25);
    expect(devices.slice(25)).toEqual(new Array(8).fill(1));
    // -ngl 20: the first 13 blocks stay on the CPU; of the 20 offloaded, 10 go to each card.
    const partial = layerDevices(32, 20, [1, 1]);
    expect(partial.filter((d) => d === -1)).toHaveLength(13);
    expect(partial.filter((d) => d === 0)).toHaveLength(10);
    expect(partial[32]).toBe(1);
  });

  it('8B at -ngl 33 -ts 3,1 matches llama.cpp per device (3,095 / 1,307 MiB weights, 425 / 119 MiB KV)', () => {
    const p = placeModel(llama8b, 33, 'cuda', { repackTypes: new Set(), splitProportions: [3, 1] });
    expect(p.gpus).toHaveLength(2);
    near(p.gpus[0]?.weightsBytes ?? 0, 3095, 1);
    near(p.gpus[1]?.weightsBytes ?? 0, 1307, 1);
    near(p.gpus[0]?.kvBytes ?? 0, 425, 1);
    near(p.gpus[1]?.kvBytes ?? 0, 119, 1);
    // The output matrix and its logits live on the last card only.
    expect(p.gpus[1]?.weightsBytes).toBeGreaterThan(llama8b.weights.outputBytes);
    expect(p.gpus[1]?.computeBytes).toBeGreaterThan(p.gpus[0]?.computeBytes ?? 0);
    // Split or not, the same bytes are offloaded.
    const single = placeModel(llama8b, 33, 'cuda', { repackTypes: new Set() });
    expect(p.gpu.weightsBytes).toBeCloseTo(single.gpu.weightsBytes, 0);
    expect(p.gpu.kvBytes).toBeCloseTo(single.gpu.kvBytes, 0);
  });

  it('never treats two 12 GiB cards as one 24 GiB card: a share over 12 GiB does not fit', () => {
    const model = memoryModel('mistral-small-24b', 'Q6_K', 8192, 'f16');
    const n = model.weights.layerWeightBytes.length + 1;
    const single = placeModel(model, n, 'cuda', { repackTypes: new Set() });
    // About 20 GiB in all: it would fit a pooled 24 GiB...
    expect(single.gpuBytes).toBeGreaterThan(19 * GiB);
    expect(single.gpuBytes).toBeLessThan(22 * GiB);
    // ...but -ts 3,1 puts three quarters of it on the first card.
    const skewed = placeModel(model, n, 'cuda', { repackTypes: new Set(), splitProportions: [3, 1] });
    expect(skewed.gpus[0]?.totalBytes).toBeGreaterThan(12 * GiB);
    const fit = fitModel(model, budget(24), 'cuda', new Set(), { deviceBudgetsBytes: [12 * GiB, 12 * GiB], tensorSplit: [3, 1] });
    expect(fit.fit).toBe('partial');
    expect(fitsEveryGpu(fit.placement, [12 * GiB, 12 * GiB])).toBe(true);
    const next = placeModel(model, fit.gpuLayers + 1, 'cuda', { repackTypes: new Set(), splitProportions: [3, 1] });
    expect(fitsEveryGpu(next, [12 * GiB, 12 * GiB])).toBe(false);
    // An even split by free memory (the default) fits both cards.
    const even = fitModel(model, budget(24), 'cuda', new Set(), { deviceBudgetsBytes: [12 * GiB, 12 * GiB] });
    expect(even.fit).toBe('gpu');
  });

  it('a 2 x RTX 3090 machine runs a 70B Q4_K_M fully offloaded at 8k only if each card holds its share', () => {
    const rtx3090 = makeGpu({ name: 'NVIDIA GeForce RTX 3090', vramBytes: 24 * GiB, memoryBandwidthBytesPerSec: 936e9 });
    const hardware = makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx3090, { ...rtx3090 }] });
    const target = computeTarget(hardware);
    expect(target.gpuBudgetsBytes).toHaveLength(2);
    const model = catalogModelAt(shapeOf('llama-3.1-70b'), 'Q4_K_M');
    const settings = { contextTokens: 8192, kvType: 'f16' as const };
    const { fit, row } = sizeModel(model, hardware, target, settings);
    const shares = fit.placement.gpus.map((d) => d.totalBytes);
    const everyCardFits = shares.every((bytes, i) => bytes <= (target.gpuBudgetsBytes[i] ?? 0));
    expect(fit.fit === 'gpu').toBe(everyCardFits);
    expect(fit.fit).toBe('gpu');
    expect(shares.every((bytes) => bytes > 18 * GiB)).toBe(true);
    // A lopsided -ts puts more than one card holds on the first: no longer all on the GPUs.
    const lopsided = sizeModel(model, hardware, target, { ...settings, tensorSplit: [3, 1] });
    expect(lopsided.fit.fit).not.toBe('gpu');
    expect(lopsided.fit.placement.gpus.every((d, i) => d.totalBytes <= (target.gpuBudgetsBytes[i] ?? 0))).toBe(true);
    // Generation crosses the cards in turn: each reads its share at its own bandwidth.
    expect(row.speedSource.detail).toMatch(/GPU 0 .* GPU 1/);
  });

  it('speed sums each card’s read time', () => {
    const p = placeModel(llama8b, 33, 'cuda', { repackTypes: new Set(), splitProportions: [1, 1] });
    const fast = estimateGenerationSpeed(
      p,
      {
        gpuBandwidthBytesPerSec: 1000e9,
        gpuBandwidthsBytesPerSec: [1000e9, 1000e9],
        cpuBandwidthBytesPerSec: 50e9,
        cpuBandwidthSource: null,
      },
      { gpu: 32, total: 32 },
    );
    const slowSecond = estimateGenerationSpeed(
      p,
      {
        gpuBandwidthBytesPerSec: 500e9,
        gpuBandwidthsBytesPerSec: [1000e9, 500e9],
        cpuBandwidthBytesPerSec: 50e9,
        cpuBandwidthSource: null,
      },
      { gpu: 32, total: 32 },
    );
    expect(slowSecond.tokPerSec).toBeLessThan(fast.tokPerSec);
    const reads = p.gpuReadBytesPerTokenByDevice;
    expect(reads[0]! + reads[1]!).toBeCloseTo(p.gpuReadBytesPerToken, 0);
  });
});
