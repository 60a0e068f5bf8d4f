// A GPU's share of its bandwidth in generation by architecture, where the card has no figure of its own: Ada Lovelace
// cards read 0.85 (src/core/speed.ts, GENERATION_EFFICIENCY_BY_ARCHITECTURE), other NVIDIA cards NVIDIA's 0.7.
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { GENERATION_EFFICIENCY_BY_ARCHITECTURE, GPU_BANDWIDTH_EFFICIENCY } from '../../src/core/speed';
import { withCatalogueUpdates } from '../../src/node/hardware/merge/presets';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import type { Precision } from '../../src/shared/precision';
import type { Gpu } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const presets = loadGpuPresets();
const catalog = loadCatalog();
const planned = (gpuName: string) => applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName }, presets, loadMachinePresets());
const row = (gpuName: string, id: string, precision: Precision) => {
  const hw = planned(gpuName);
  const model = catalog.find((m) => m.id === id);
  if (!model) throw new Error(id);
  return sizeModel(catalogModelAt(model, precision), hw, computeTarget(hw), { contextTokens: 4096, kvType: 'f16' }, model.layers + 1).row;
};

describe('generation share by GPU architecture', () => {
  it('an Ada card without a figure of its own reads 0.85, and says where that comes from', () => {
    expect(GENERATION_EFFICIENCY_BY_ARCHITECTURE.ada?.value).toBe(0.85);
    for (const name of ['RTX 4090', 'RTX 4060 Ti', 'RTX 4070 Laptop', 'RTX 6000 Ada', 'L40S']) {
      const gpu = planned(name).gpus[0] as Gpu;
      expect(presets.find((p) => gpu.name === p.name)?.architecture, name).toBe('ada');
      expect(gpu.generationEfficiency?.value, name).toBe(0.85);
      expect(gpu.generationEfficiency?.source).toMatchObject({ kind: 'estimated', by: 'speed.architecture-share' });
      expect(gpu.generationEfficiency?.source.detail).toContain('Ada Lovelace cards read 0.85 of their bandwidth');
      expect(computeTarget(planned(name)).gpuBandwidthEfficiency, name).toBe(0.85);
    }
  });

  it('Ampere and Blackwell cards keep NVIDIA 0.7, and a card with its own catalogued figure keeps it', () => {
    for (const name of ['RTX 3090', 'RTX 5090', 'RTX PRO 6000']) {
      expect(planned(name).gpus[0]?.generationEfficiency ?? null, name).toBeNull();
      expect(computeTarget(planned(name)).gpuBandwidthEfficiency, name).toBe(GPU_BANDWIDTH_EFFICIENCY);
    }
    expect(planned('H200').gpus[0]?.generationEfficiency?.value).toBe(0.37);
    expect(planned('H200').gpus[0]?.generationEfficiency?.source.kind).toBe('catalogued');
  });

  it("a profile saved before the share existed gets it when read against today's catalogue", () => {
    const now = planned('RTX 4090');
    const saved = { ...now, gpus: now.gpus.map((g) => ({ ...g, generationEfficiency: null })) };
    const loaded = withCatalogueUpdates(saved, presets);
    expect(loaded.gpus[0]?.generationEfficiency?.value).toBe(0.85);
    expect(withCatalogueUpdates(loaded, presets)).toBe(loaded);
  });

  it("a 2026 build's runs on an RTX 4090 read within 25% (at 0.7: 0.73-0.85); the speed's source names the share", () => {
    // bench/data/gpu-moe-tg.json: Qwen3.5 9B Q8_0 90.95 tok/s (0.86 of the card's bandwidth), 27B Q4_K_M 44.6.
    const nine = row('RTX 4090', 'qwen3.5-9b', 'Q8_0');
    expect((nine.tokPerSec ?? 0) / 90.95).toBeGreaterThan(0.8);
    expect((nine.tokPerSec ?? 0) / 90.95).toBeLessThan(1.1);
    const big = row('RTX 4090', 'qwen3.6-27b', 'Q4_K_M');
    expect((big.tokPerSec ?? 0) / 44.6).toBeGreaterThan(0.8);
    expect((big.tokPerSec ?? 0) / 44.6).toBeLessThan(1.1);
    expect(nine.speedSource?.detail).toContain('0.85');
    // The same file on an RTX 3090 (936 GB/s, Ampere, 0.7) reads slower than on the 4090 by more than the bandwidth.
    const ampere = row('RTX 3090', 'qwen3.5-9b', 'Q8_0');
    expect((nine.tokPerSec ?? 0) / (ampere.tokPerSec ?? 1)).toBeGreaterThan(1008 / 936);
  });
});
