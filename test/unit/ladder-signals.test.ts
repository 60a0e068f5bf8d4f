// What the ladder reads from a score and a placement beyond the number: a score measured while the model
// reasons first (gpt-oss at high effort, DeepSeek-R1) counts only where the model runs three times the minimum
// speed; a fast small mixture of experts does not make a machine "roomy" for dense 7B-15B models; and a rung
// with the experts in RAM names --n-cpu-moe wherever its placement is written.
import { describe, expect, it } from 'vitest';
import { formatRecommendation } from '../../src/cli/format/recommend';
import { recommendLadder, THINKING_NOTE } from '../../src/core/recommend';
import { buildReport } from '../../src/core/report';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { THINKING_SPEED_FACTOR } from '../../src/shared/ladder';
import type { HardwareSnapshot, Report, WhatIf } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const catalog = loadCatalog();
const whatIf = (w: WhatIf): HardwareSnapshot =>
  applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB, cpuBandwidth: 60e9 }), w, loadGpuPresets(), loadMachinePresets());
const report = (hw: HardwareSnapshot): Report => buildReport(hw, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 });
const modelOf = (id: string | undefined) => catalog.find((m) => m.id === id);

describe('scores measured while reasoning', () => {
  it('are marked in the catalog for the reasoning models and settings that produced them', () => {
    const thinking = catalog.flatMap((m) =>
      Object.values(m.quality ?? {})
        .filter((q) => q.thinking)
        .map(() => m.id),
    );
    expect(new Set(thinking)).toEqual(new Set(['gpt-oss-20b', 'gpt-oss-120b', 'deepseek-r1', 'phi-4-reasoning', 'olmo-3-32b', 'qwq-32b']));
    expect(modelOf('gpt-oss-20b')?.quality?.chat?.detail).toMatch(/high reasoning effort/);
  });

  it('count for the start and the step up only at three times the minimum speed, and the ladder says why', () => {
    // 32 GB, 40 GB/s, no GPU: gpt-oss-20b (MMLU 85.3 at high effort) runs at ~10 tok/s, a third of what it needs.
    const cpuBox = report(makeSnapshot({ ramBytes: 32 * GiB, cpuBandwidth: 40e9 }));
    const gptRow = cpuBox.rows.find((r) => r.modelId === 'gpt-oss-20b' && r.quant === 'Q5_K_M');
    expect(gptRow?.tokPerSec ?? 0).toBeGreaterThanOrEqual(10);
    expect(gptRow?.tokPerSec ?? 0).toBeLessThan(10 * THINKING_SPEED_FACTOR);
    const r = cpuBox.recommendation;
    for (const s of [r.start, r.scaleUp]) expect(s?.score?.thinking ?? false).toBe(false);
    expect(r.start?.modelId).toBe('qwen3-30b-a3b');
    expect(r.notes.join(' ')).toMatch(/Held back: gpt-oss-20b scored MMLU while reasoning.* from 30 tok\/s \(3x the minimum\)/);
    // On a 4090 it runs at ~160 tok/s: the step up, with the caveat in its reason.
    const up = report(whatIf({ machine: 'desktop-rtx-4090-64gb' })).recommendation.scaleUp;
    expect(up?.modelId).toBe('gpt-oss-20b');
    expect(up?.score?.thinking).toBe(true);
    expect(up?.reason).toContain(THINKING_NOTE);
    // The speed priority asks 20 tok/s, so 60 for a reasoning model: the CPU box's ladder has none either way.
    const fast = recommendLadder(cpuBox.rows, catalog, { priority: 'speed', contextTokens: 8192 });
    for (const s of [fast.start, fast.scaleUp]) expect(s?.score?.thinking ?? false).toBe(false);
  });
});

describe('mixtures of experts on the ladder', () => {
  it('a 7B MoE with 1B active running fast does not lift the start to 7B on a machine where dense 7Bs are slow', () => {
    const m2 = report(whatIf({ gpuName: 'Apple M2', ramBytes: 16 * GiB }));
    const tiny = m2.rows.find((r) => r.modelId === 'granite-4.0-h-tiny' && r.quant === 'Q6_K');
    expect(tiny?.tokPerSec ?? 0).toBeGreaterThan(30);
    expect(m2.rows.find((r) => r.modelId === 'qwen2.5-7b' && r.quant === 'Q6_K')?.tokPerSec ?? 99).toBeLessThan(30);
    expect(modelOf(m2.recommendation.start?.modelId)?.publishedParamsB ?? 99).toBeLessThan(7);
  });

  it('a rung with the experts in RAM carries --n-cpu-moe in its reason, its step and the terminal', () => {
    // RTX 3060 with 64 GB: GLM-4.5-Air (106B, 12B active) is the chat ceiling with most experts in RAM.
    const r = report(whatIf({ gpuName: 'RTX 3060', ramBytes: 64 * GiB }));
    const ceiling = r.recommendation.ceiling;
    expect(ceiling?.modelId).toBe('glm-4.5-air');
    const n = ceiling?.cpuMoeLayers ?? 0;
    expect(n).toBeGreaterThan(0);
    expect(ceiling?.reason).toContain(`the experts of the first ${n} blocks in RAM (-ngl ${ceiling?.gpuLayers} --n-cpu-moe ${n})`);
    expect(formatRecommendation(r, false)).toContain(`in RAM, -ngl ${ceiling?.gpuLayers} --n-cpu-moe ${n}`);
  });
});
