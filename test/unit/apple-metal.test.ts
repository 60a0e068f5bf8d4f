// Apple GPUs under Metal: 0.92 of the bandwidth and 150 µs a block, fitted on llama.cpp's Apple Silicon scoreboard
// (discussion 4167). The scoreboard's LLaMA 7B rows at F16 and Q8_0 on an M2 Max and an M3 Ultra, as a what-if user
// plans them.
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { APPLE_GPU_GENERATION_EFFICIENCY } from '../../src/core/speed';
import { loadCatalog } from '../../src/node/resources';
import type { Precision } from '../../src/shared/precision';
import { planGpu } from '../helpers/what-if';

const llama2 = loadCatalog().find((m) => m.id === 'llama-2-7b');
const plan = (gpuName: string) => planGpu(gpuName, 192);
const tg = (gpuName: string, precision: Precision) => {
  const hw = plan(gpuName);
  const model = catalogModelAt(llama2 as NonNullable<typeof llama2>, precision);
  return sizeModel(model, hw, computeTarget(hw), { contextTokens: 1024, kvType: 'f16' }, 33).row;
};

describe('generation on Apple GPUs (Metal)', () => {
  it('takes 0.92 of the bandwidth, citing the scoreboard, with no F16 raise (Apple reads F16 and Q8_0 alike)', () => {
    const target = computeTarget(plan('Apple M3 Ultra'));
    expect(target.gpuBandwidthEfficiency).toBe(APPLE_GPU_GENERATION_EFFICIENCY);
    expect(target.gpuBandwidthEfficiencySource?.by).toBe("llama.cpp's Apple Silicon scoreboard");
    const f16 = tg('Apple M3 Ultra', 'F16');
    expect(f16.speedSource?.detail).toContain("x 0.92 (this GPU's own share, catalogued by llama.cpp's Apple Silicon scoreboard)");
    expect(f16.speedSource?.detail).toContain('ms per token of kernel launches');
  });

  it.each([
    ['Apple M2 Max', 'F16', 24.65],
    ['Apple M2 Max', 'Q8_0', 41.83],
    ['Apple M3 Ultra', 'F16', 39.78],
    ['Apple M3 Ultra', 'Q8_0', 63.93],
  ] as const)('%s, LLaMA 7B %s: within 15%% of the scoreboard (%s tok/s)', (gpu, precision, published) => {
    const r = (tg(gpu, precision).tokPerSec ?? 0) / published;
    expect(r).toBeGreaterThan(0.85);
    expect(r).toBeLessThan(1.15);
  });

  it('blocks cost more on Metal than on CUDA: a 7B pays 0.3 ms + 32 x 150 µs a token, not 0.3 + 32 x 20', () => {
    const fixed = (detail: string | undefined) => Number(/plus ([\d.]+) ms per token of kernel launches/.exec(detail ?? '')?.[1]);
    expect(fixed(tg('Apple M3 Ultra', 'Q8_0').speedSource?.detail)).toBeCloseTo(0.3 + 32 * 0.15, 2);
    expect(fixed(tg('RTX 4090', 'Q8_0').speedSource?.detail)).toBeCloseTo(0.3 + 32 * 0.02, 2);
  });

  it("says a MoE's routed-expert products cost 3 µs each as on Metal, where another vendor's pay 10", () => {
    const qwen = loadCatalog().find((m) => m.id === 'qwen3-30b-a3b');
    const moe = (gpuName: string) => {
      const hw = plan(gpuName);
      return sizeModel(catalogModelAt(qwen as NonNullable<typeof qwen>, 'Q4_K_M'), hw, computeTarget(hw), {
        contextTokens: 4096,
        kvType: 'f16',
      }).row;
    };
    expect(moe('Apple M3 Ultra').speedSource?.detail).toContain('routed-expert products on the GPU at 3 µs each among them, as on Metal');
    expect(moe('Radeon RX 7900 XTX').speedSource?.detail).toMatch(/routed-expert products on the GPU at 10 µs each among them\)/);
  });
});
