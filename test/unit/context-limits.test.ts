// The longest context a model runs at: each limit is one that fits, and one KV step more does not.
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { contextLimits } from '../../src/core/context-limits';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { contextLimitsText } from '../../src/shared/fit-words';
import { GiB } from '../../src/shared/units';
import { catalogEntry as get } from '../helpers/catalog';
import { makeGpu, makeSnapshot } from '../helpers/hardware';

const settings = { contextTokens: 8192, kvType: 'f16' as const };
const llama8b = catalogModelAt(get('llama-3.1-8b'), 'Q4_K_M');

describe('the longest context that runs here', () => {
  it('on a 12 GB card: every layer on the GPU up to a KV step short of the budget, the trained maximum with the rest in RAM', () => {
    const hardware = makeSnapshot({ ramBytes: 32 * GiB, gpus: [makeGpu({ name: 'NVIDIA GeForce RTX 3060', vramBytes: 12 * GiB })] });
    const target = computeTarget(hardware);
    const limits = contextLimits(llama8b, hardware, target, settings)!;
    const fitAt = (tokens: number) => sizeModel(llama8b, hardware, target, { ...settings, contextTokens: tokens }).fit.fit;
    expect(limits.trainedTokens).toBe(131072);
    expect(limits.runsTokens).toBe(131072);
    const gpu = limits.allOnGpuTokens ?? 0;
    // Weights 4.6 GB, and 128 KiB of f16 KV per token: tens of thousands of tokens, not all 131,072.
    expect(gpu).toBeGreaterThan(32768);
    expect(gpu).toBeLessThan(131072);
    expect(gpu % 256).toBe(0);
    expect(fitAt(gpu)).toBe('gpu');
    expect(fitAt(gpu + 256)).toBe('partial');
    expect(contextLimitsText(limits)).toBe(
      `Longest context here: ${gpu.toLocaleString('en-US')} tokens with every layer on the GPU; 131,072 tokens (its trained maximum) with the rest in RAM.`,
    );
  });

  it('without a GPU: one limit; where RAM runs out first, that limit; where nothing fits, none', () => {
    const cpuOnly = makeSnapshot({ ramBytes: 8 * GiB });
    const target = computeTarget(cpuOnly);
    const limits = contextLimits(llama8b, cpuOnly, target, settings)!;
    expect(limits.allOnGpuTokens).toBeNull();
    const runs = limits.runsTokens ?? 0;
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan(131072);
    expect(sizeModel(llama8b, cpuOnly, target, { ...settings, contextTokens: runs }).fit.fit).toBe('cpu');
    expect(sizeModel(llama8b, cpuOnly, target, { ...settings, contextTokens: runs + 256 }).fit.fit).toBe('none');
    expect(contextLimitsText(limits)).toMatch(/^Longest context here: [\d,]+ tokens\.$/);

    const big = catalogModelAt(get('llama-3.1-70b'), 'Q4_K_M');
    const none = contextLimits(big, cpuOnly, target, settings)!;
    expect(none.runsTokens).toBeNull();
    expect(contextLimitsText(none)).toBe('Longest context here: none; it does not fit at any context length.');
    expect(contextLimitsText({ allOnGpuTokens: 0, runsTokens: 262144, trainedTokens: 262144 })).toBe(
      'Longest context here: 262,144 tokens (its trained maximum), with part of the model in RAM (it never fits the GPU whole).',
    );
  });
});
