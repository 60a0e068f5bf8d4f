// The quick probe on a busy machine: timings that contradict each other are measured again and
// pooled with the first pass's before the fit, and only a probe that stays contradictory fails.
import { describe, expect, it } from 'vitest';
import { ImplausibleProbeError, type ProbeMeasurement } from '../../src/core/calibration';
import type { BenchResult } from '../../src/node/llama/protocol';
import { runSpeedProbe } from '../../src/node/probe/probe';
import type { RunProgress } from '../../src/shared/schema';
import { busyMeasurements, measure, TRUE } from '../helpers/probe-timings';

const stats = (samples: readonly number[]): BenchResult['tg'] => ({ samples: [...samples], mean: samples[0] ?? 0, sd: 0 });

function result(m: ProbeMeasurement): BenchResult {
  return {
    ok: true,
    backend: 'cpu',
    gpuLayers: 0,
    totalLayers: m.file.shape.layers,
    promptTokens: 128,
    genTokens: 12,
    repetitions: m.tgTokPerSecSamples.length,
    threads: { pp: 2, tg: 2, sweep: [] },
    pp: stats(m.ppTokPerSecSamples),
    tg: stats(m.tgTokPerSecSamples),
    tgMethod: 'decode-timer',
    tgLoop: stats(m.tgTokPerSecSamples),
    ttftMs: 0,
    loadMs: 0,
    peakRssBytes: 0,
    buffers: [],
    llamaVersion: 'test',
  };
}

/** A stand-in for the llama worker that answers each pass with the next set of timings. */
function passes(...sets: ProbeMeasurement[][]) {
  const seen: Array<Array<{ threads?: unknown }>> = [];
  const benchMany = async (
    items: Array<{ threads?: unknown }>,
    options: { onProgress?: (p: { event: 'progress'; phase: 'load'; done: number; total: number; message: string }) => void } = {},
  ): Promise<BenchResult[]> => {
    seen.push(items);
    // The worker announces each model as it loads it.
    for (const [i] of items.entries())
      options.onProgress?.({ event: 'progress', phase: 'load', done: 0, total: 1, message: `model ${i + 1}` });
    const set = sets[seen.length - 1];
    if (!set) throw new Error('the probe ran more passes than the test gave timings for');
    expect(items).toHaveLength(set.length);
    return set.map(result);
  };
  return { benchMany, seen };
}

const run = (benchMany: ReturnType<typeof passes>['benchMany'], onProgress?: (p: RunProgress) => void) =>
  runSpeedProbe(onProgress ? { onProgress } : {}, {
    benchMany: benchMany as never,
    writeFile: async () => undefined,
    cacheBytes: async () => 0,
  });

describe('the quick probe on a busy machine', () => {
  it('fits a probe whose timings agree in one pass, its progress bar filling to the end', async () => {
    const { benchMany, seen } = passes(measure());
    const fractions: number[] = [];
    const calibration = await run(benchMany, (p) => fractions.push(p.fraction ?? 0));
    expect(seen).toHaveLength(1);
    // The last model starts at 0.2 + 0.8 x (n - 1) / n, then done: no stall halfway.
    const beforeDone = fractions.slice(0, -1);
    expect(Math.max(...beforeDone)).toBeGreaterThan(0.9);
    expect(fractions.at(-1)).toBe(1);
    expect(calibration.tgMemoryBytesPerSec / TRUE.ramBytesPerSec).toBeCloseTo(1, 6);
  });

  it('measures again when the timings contradict each other, pools both passes, and says so', async () => {
    const { benchMany, seen } = passes(busyMeasurements(), measure());
    const messages: string[] = [];
    const calibration = await run(benchMany, (p) => messages.push(p.message ?? ''));
    expect(seen).toHaveLength(2);
    // The repeat keeps the threads the first pass found instead of sweeping again.
    expect(seen[0]?.[0]?.threads).toBe('auto');
    expect(seen[1]?.[0]?.threads).toBe(2);
    expect(messages.some((m) => /measuring again, pass 2 of 3/.test(m))).toBe(true);
    // Each file's fastest sample of the two passes: the calm pass's figures where it was faster.
    expect(calibration.tgBytesPerSecByType.Q4_K).toBeLessThan(1e12);
    expect(calibration.runs.find((r) => r.label === 'tiny 2 layers')?.tgTokPerSec).toBeCloseTo(
      Math.max(157.4, ...(measure()[busyMeasurements().findIndex((m) => m.file.role === 'tiny-fixed')]?.tgTokPerSecSamples ?? [])),
      6,
    );
  });

  it('gives up after three contradictory passes, leaving the speeds as they were', async () => {
    const { benchMany, seen } = passes(busyMeasurements(), busyMeasurements(), busyMeasurements());
    await expect(run(benchMany)).rejects.toThrow(ImplausibleProbeError);
    expect(seen).toHaveLength(3);
  });
});
