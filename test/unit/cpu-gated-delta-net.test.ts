// A gated-delta-net block on the CPU pays for the recurrent state it updates every token (src/core/speed.ts,
// cpuGatedDeltaNetSeconds). Held to llama-bench runs on this project's 2-thread VM beside the app's own probe of it
// (test/fixtures/llama/cpu-gated-delta-net.json): Qwen3.5 9B, Qwen3.6 27B and 35B-A3B, with Llama 3.1 8B and
// Qwen3-30B-A3B (no recurrent blocks) as the controls. Without the state's cost the 35B-A3B read 1.47.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { gatedDeltaNetStateElementsOf } from '../../src/core/placement';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { cpuGatedDeltaNetSeconds, performanceCores } from '../../src/core/speed';
import { loadCatalog } from '../../src/node/resources';
import type { Precision } from '../../src/shared/precision';
import type { SpeedCalibration } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const fixture = JSON.parse(readFileSync('test/fixtures/llama/cpu-gated-delta-net.json', 'utf8')) as {
  source: string;
  calibration: SpeedCalibration;
  runs: Array<{ catalogId: string; precision: Precision; tg32Samples: number[]; best: number }>;
};
const catalog = loadCatalog();
const modelOf = (id: string) => {
  const m = catalog.find((x) => x.id === id);
  if (!m) throw new Error(id);
  return m;
};
// The VM as the probe saw it, with room for the 35B-A3B (the VM's 23.5 GiB holds it only without the OS's headroom).
const hardware = makeSnapshot({ ramBytes: 32 * GiB });
const row = (id: string, precision: Precision) => {
  const m = modelOf(id);
  return sizeModel(
    catalogModelAt(m, precision),
    hardware,
    computeTarget(hardware),
    { contextTokens: 4096, kvType: 'f16', calibration: fixture.calibration },
    0,
  ).row;
};

describe('gated-delta-net blocks on the CPU', () => {
  it('cost time by the state they update: 3 ns an element, over the threads', () => {
    const qwen35 = gatedDeltaNetStateElementsOf(modelOf('qwen3.5-9b'));
    const qwen36 = gatedDeltaNetStateElementsOf(modelOf('qwen3.6-27b'));
    expect(qwen35).toBe(32 * 128 * 128);
    expect(qwen36).toBe(48 * 128 * 128);
    expect(gatedDeltaNetStateElementsOf(modelOf('qwen3-30b-a3b'))).toBe(0);
    expect(cpuGatedDeltaNetSeconds(24, qwen35, 2)).toBeCloseTo(0.0189, 4);
    expect(cpuGatedDeltaNetSeconds(24, qwen35, 8)).toBeCloseTo(cpuGatedDeltaNetSeconds(24, qwen35, 2) / 4, 9);
    expect(cpuGatedDeltaNetSeconds(1, qwen36, 2) / cpuGatedDeltaNetSeconds(1, qwen35, 2)).toBeCloseTo(1.5, 6);
    // Without a probe, the threads are llama.cpp's default: the performance cores of a hybrid CPU.
    expect(performanceCores({ physicalCores: 14, efficiencyCores: 8 })).toBe(6);
    expect(performanceCores({ physicalCores: 8, efficiencyCores: null })).toBe(8);
    expect(performanceCores({ physicalCores: 4, efficiencyCores: 4 })).toBe(4);
  });

  it('the recorded runs: the probe with 2 threads, five models, several samples each', () => {
    expect(fixture.source).toMatch(/llama-bench/);
    expect(fixture.calibration.threads.tg).toBe(2);
    expect(fixture.runs.map((r) => r.catalogId).sort()).toEqual([
      'llama-3.1-8b',
      'qwen3-30b-a3b',
      'qwen3.5-9b',
      'qwen3.6-27b',
      'qwen3.6-35b-a3b',
    ]);
    for (const r of fixture.runs) expect(r.tg32Samples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(fixture.runs.map((r) => [r.catalogId, r] as const))('%s on the CPU: within 10% of the best llama-bench run', (id, r) => {
    const speed = row(id, r.precision);
    const ratio = (speed.tokPerSec ?? 0) / r.best;
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
    const recurrent = modelOf(id).recurrent?.kind === 'gated-delta-net';
    expect((speed.speedSource?.detail ?? '').includes('for the recurrent state of'), id).toBe(recurrent);
  });
});
