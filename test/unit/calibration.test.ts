// The probe's arithmetic on synthetic timings: timings built from known machine parameters must
// give those parameters back, and noisy or broken timings must give finite, bounded figures.
import { describe, expect, it } from 'vitest';
import {
  cacheLabel,
  calibrateFromProbe,
  ImplausibleProbeError,
  isPlausibleCalibration,
  planProbeFiles,
  plannedFileFacts,
  poolProbes,
  PROBE_KERNEL_TYPES,
  probeFileLabel,
  ramFileLayers,
  type ProbeFigures,
  type ProbeFile,
  type ProbeFileFacts,
  type ProbeMeasurement,
} from '../../src/core/calibration';
import { SpeedCalibrationSchema, type SpeedCalibration } from '../../src/shared/schema';
import { MiB } from '../../src/shared/units';
import { busyMeasurements, FACTS, measure, PLAN, TRUE, trueSeconds } from '../helpers/probe-timings';

/** A probe file's facts as the adapter finds them: every matrix in the file's type, norms in F32. */
const factsOf = plannedFileFacts;

const indexOf = (role: ProbeFile['role'], type?: string, layers?: number): number =>
  PLAN.findIndex((f) => f.role === role && (type === undefined || f.type === type) && (layers === undefined || f.shape.layers === layers));

const within = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(tolerance);
};

/** Every figure finite and of the sign the schema demands, and the whole a valid calibration. */
function expectSane(figures: ProbeFigures): void {
  const numbers = [
    figures.tgMemoryBytesPerSec,
    figures.ppRamReadsPerToken,
    figures.tgSecondsPerToken,
    figures.tgSecondsPerLayer,
    ...Object.values(figures.tgBytesPerSecByType),
    ...Object.values(figures.tgSecondsPerRowByType),
    ...Object.values(figures.ppFlopsByType),
    ...Object.values(figures.ppSecondsPerRowByType),
  ];
  for (const x of numbers) {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
  }
  const calibration = {
    model: 2,
    ...figures,
    lastLevelCacheBytes: 0,
    threads: { pp: 2, tg: 2 },
    measuredAt: '2026-12-02T00:00:00.000Z',
    durationMs: 9000,
    source: { kind: 'measured', by: 'test' },
  };
  const parsed = SpeedCalibrationSchema.safeParse(calibration);
  expect(parsed.success, parsed.error?.message).toBe(true);
}

describe('the probe plan', () => {
  it('measures every type in a wide file, and in a narrow one unless it borrows its cost per row', () => {
    for (const { type, rowCostOf } of PROBE_KERNEL_TYPES) {
      expect(indexOf('wide', type)).toBeGreaterThanOrEqual(0);
      expect(indexOf('narrow', type) >= 0).toBe(rowCostOf === undefined);
      if (rowCostOf) expect(indexOf('narrow', rowCostOf)).toBeGreaterThanOrEqual(0);
    }
    // The thread sweep runs on the first file: it must be a real-size one.
    expect(PLAN[0]?.role).toBe('wide');
    const tiny = PLAN.filter((f) => f.role === 'tiny-fixed').map((f) => f.shape.layers);
    expect(new Set(tiny).size).toBe(2);
    expect(PLAN.filter((f) => f.role === 'ram')).toHaveLength(1);
    expect(new Set(PLAN.map(probeFileLabel)).size).toBe(PLAN.length);
  });

  it('sizes the RAM file past the last-level cache, within 500 MB to 2 GB', () => {
    const ramBytes = (cacheBytes: number): number =>
      factsOf(planProbeFiles(cacheBytes).find((f) => f.role === 'ram') as ProbeFile).layerReadBytes;
    expect(ramBytes(0)).toBeGreaterThanOrEqual(500e6);
    expect(ramBytes(480 * MiB)).toBeGreaterThan(1.1 * 480 * MiB);
    expect(ramBytes(64 * 1024 * MiB)).toBeLessThan(2e9 + 130e6);
    expect(ramFileLayers(0)).toBeGreaterThanOrEqual(4);
  });

  it('names the cache by its size, and says so when the system did not report one (a VM often does not)', () => {
    expect(cacheLabel(32 * MiB)).toBe('the 32 MiB cache');
    expect(cacheLabel(0)).not.toMatch(/\b0 MiB/);
    expect(cacheLabel(0)).toMatch(/not reported/);
  });

  it("reads a file's facts from its layout: block weights and rows apart from the output layer's", () => {
    const wide = PLAN[indexOf('wide', 'F16')] as ProbeFile;
    const facts = factsOf(wide);
    const { hiddenSize: h, ffnSize: ffn, heads, kvHeads, headDim, vocabSize, layers } = wide.shape;
    const blockWeights = h * (heads * headDim + 2 * kvHeads * headDim + h) + 3 * h * ffn;
    const blockRows = heads * headDim + 2 * kvHeads * headDim + h + 2 * ffn + h;
    expect(facts.layerMatrixWeights).toBe(layers * blockWeights);
    expect(facts.layerRows).toBe(layers * blockRows);
    expect(facts.rowsPerToken).toBe(layers * blockRows + vocabSize);
    expect(facts.readBytesPerToken).toBeGreaterThanOrEqual(2 * (layers * blockWeights + vocabSize * h));
  });
});

describe('calibrateFromProbe', () => {
  it("recovers the fixed costs, each type's read rate, FLOP rate and costs per row, RAM speed and re-reads", () => {
    const figures = calibrateFromProbe(measure());
    within(figures.tgSecondsPerToken, TRUE.secondsPerToken, 1e-9);
    within(figures.tgSecondsPerLayer, TRUE.secondsPerLayer, 1e-9);
    for (const { type } of PROBE_KERNEL_TYPES) {
      within(figures.tgBytesPerSecByType[type] as number, TRUE.tgBytesPerSec[type], 1e-9);
      within(figures.tgSecondsPerRowByType[type] as number, TRUE.tgSecondsPerRow[type], 1e-9);
      within(figures.ppFlopsByType[type] as number, TRUE.ppFlops[type], 1e-9);
      within(figures.ppSecondsPerRowByType[type] as number, TRUE.ppSecondsPerRow[type], 1e-9);
    }
    within(figures.tgMemoryBytesPerSec, TRUE.ramBytesPerSec, 1e-9);
    within(figures.ppRamReadsPerToken, TRUE.ppRamReadsPerToken, 1e-9);
    expectSane(figures);
  });

  it('keeps the fastest sample of each file and lists every run under its label', () => {
    const figures = calibrateFromProbe(measure());
    expect(figures.runs.map((r) => r.label)).toEqual(PLAN.map(probeFileLabel));
    const ram = indexOf('ram');
    expect(figures.runs[ram]?.tgTokPerSec).toBeCloseTo(1 / trueSeconds(PLAN[ram] as ProbeFile, FACTS[ram] as ProbeFileFacts).tg, 9);
    expect(figures.runs[ram]?.readBytes).toBe(FACTS[ram]?.readBytesPerToken);
  });

  it('pairs files by role and type, not by their order', () => {
    const reversed = [...measure()].reverse();
    within(calibrateFromProbe(reversed).tgBytesPerSecByType.Q8_0 as number, TRUE.tgBytesPerSec.Q8_0, 1e-9);
    within(calibrateFromProbe(reversed).tgSecondsPerLayer, TRUE.secondsPerLayer, 1e-9);
  });

  it("without the lender of a borrowed cost per row, the borrower's time is all bytes", () => {
    const lender = indexOf('narrow', 'Q4_K');
    const figures = calibrateFromProbe(measure().filter((_m, i) => i !== lender));
    expect(figures.tgSecondsPerRowByType.Q6_K).toBe(0);
    expect(figures.tgBytesPerSecByType.Q6_K).toBeLessThan(TRUE.tgBytesPerSec.Q6_K);
    expectSane(figures);
  });

  it('gives finite, non-negative figures on noisy timings', () => {
    // A seeded generator: every sample up to 60% slow, and now and then a stall of 5x.
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial++) {
      const measurements = measure(() => (random() < 0.05 ? 5 : 1 + 0.6 * random()));
      const figures = calibrateFromProbe(measurements);
      expectSane(figures);
      // Bounded by what was measured: the fixed cost per token never exceeds the faster tiny
      // file's time, a layer never costs more than a narrow file's layer.
      const bestSeconds = (m: ProbeMeasurement): number => 1 / Math.max(...m.tgTokPerSecSamples);
      const tinySeconds = measurements.filter((m) => m.file.role === 'tiny-fixed').map(bestSeconds);
      expect(figures.tgSecondsPerToken).toBeLessThanOrEqual(Math.min(...tinySeconds) * (1 + 1e-12));
      for (const m of measurements.filter((x) => x.file.role === 'narrow')) {
        expect(figures.tgSecondsPerLayer).toBeLessThanOrEqual(bestSeconds(m) / m.file.shape.layers);
      }
      for (const { type } of PROBE_KERNEL_TYPES) {
        const files = measurements.filter((m) => m.file.type === type && (m.file.role === 'wide' || m.file.role === 'narrow'));
        const ceiling = Math.max(...files.map((m) => bestSeconds(m) / m.facts.rowsPerToken));
        expect(figures.tgSecondsPerRowByType[type]).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('caps the cost per layer when a tiny run stalls, and floors it at 0 when the tiny runs invert', () => {
    const manyLayers = indexOf('tiny-fixed', 'F32', 16);
    const fewLayers = indexOf('tiny-fixed', 'F32', 2);
    const stalled = calibrateFromProbe(measure((i) => (i === manyLayers ? 50 : 1)));
    const narrow = PLAN.filter((f) => f.role === 'narrow').map((f) => {
      const i = PLAN.indexOf(f);
      return (
        (trueSeconds(f, FACTS[i] as ProbeFileFacts).tg - trueSeconds(PLAN[fewLayers] as ProbeFile, FACTS[fewLayers] as ProbeFileFacts).tg) /
        f.shape.layers
      );
    });
    within(stalled.tgSecondsPerLayer, Math.min(...narrow), 1e-9);
    expectSane(stalled);

    const inverted = calibrateFromProbe(measure((i) => (i === fewLayers ? 20 : 1)));
    expect(inverted.tgSecondsPerLayer).toBe(0);
    // The stalled file is the slower one: the fixed cost per token comes from the other.
    within(inverted.tgSecondsPerToken, TRUE.secondsPerToken + 16 * TRUE.secondsPerLayer, 1e-9);
    expectSane(inverted);
  });

  it('reads a narrow file the cache held as no cost per row, and refuses a file no slower than the fixed costs', () => {
    const narrowQ8 = indexOf('narrow', 'Q8_0');
    const cached = calibrateFromProbe(measure((i) => (i === narrowQ8 ? 0.2 : 1)));
    expect(cached.tgSecondsPerRowByType.Q8_0).toBe(0);
    expectSane(cached);

    // A 600 MB file cannot make a token faster than an empty model: the timings contradict each other.
    const ram = indexOf('ram');
    expect(() => calibrateFromProbe(measure((i) => (i === ram ? 1e-4 : 1)))).toThrow(ImplausibleProbeError);
    expect(() => calibrateFromProbe(measure((i) => (i === ram ? 1e-4 : 1)))).toThrow(/F16 large made a token in .* calibrate again/);
  });

  it('refuses the timings of a probe taken while the tests ran, instead of fitting 1,000,000 GB/s', () => {
    const busy = busyMeasurements();
    expect(() => calibrateFromProbe(busy)).toThrow(
      /Q6_K wide made a token in 2\.99 ms, no more than the fixed costs the tiny files measured \(3\.12 ms a token/,
    );
    expect(isPlausibleCalibration({ tgBytesPerSecByType: { Q4_K: 1e15 }, tgMemoryBytesPerSec: 6.5e10 })).toBe(false);
    expect(isPlausibleCalibration({ tgBytesPerSecByType: { Q4_K: 4.6e10, Q8_0: 1.36e11 }, tgMemoryBytesPerSec: 3e10 })).toBe(true);
  });

  it('survives two shapes that cannot be told apart', () => {
    const wide = indexOf('wide', 'F16');
    const narrow = indexOf('narrow', 'F16');
    const same = measure().map((m, i) =>
      i === narrow ? { ...m, facts: FACTS[wide] as ProbeFileFacts, tgTokPerSecSamples: measure()[wide]?.tgTokPerSecSamples ?? [] } : m,
    );
    const figures = calibrateFromProbe(same);
    expect(figures.tgSecondsPerRowByType.F16).toBe(0);
    expectSane(figures);
  });

  it('skips failed samples, and names the file when none is left', () => {
    const tg = indexOf('wide', 'Q5_0');
    const withBad = measure().map((m, i) =>
      i === tg ? { ...m, tgTokPerSecSamples: [Number.NaN, 0, -3, Infinity, ...m.tgTokPerSecSamples] } : m,
    );
    within(calibrateFromProbe(withBad).tgBytesPerSecByType.Q5_0 as number, TRUE.tgBytesPerSec.Q5_0, 1e-9);

    const noneLeft = measure().map((m, i) => (i === tg ? { ...m, tgTokPerSecSamples: [Number.NaN, 0] } : m));
    expect(() => calibrateFromProbe(noneLeft)).toThrow(/Q5_0 wide run measured no generation speed/);
    const empty = measure().map((m, i) => (i === tg ? { ...m, ppTokPerSecSamples: [] } : m));
    expect(() => calibrateFromProbe(empty)).toThrow(/Q5_0 wide run measured no prompt speed/);
  });

  it('refuses a measurement set without the files its figures need, or with impossible facts', () => {
    expect(() => calibrateFromProbe(measure().filter((m) => m.file.role !== 'ram'))).toThrow(/larger than the cache/);
    expect(() => calibrateFromProbe(measure().filter((m) => m.file.role !== 'tiny-fixed'))).toThrow(/tiny files/);
    const zeroBytes = measure().map((m, i) => (i === 0 ? { ...m, facts: { ...m.facts, readBytesPerToken: 0 } } : m));
    expect(() => calibrateFromProbe(zeroBytes)).toThrow(/impossible facts/);
  });
});

describe('poolProbes', () => {
  /** A stored probe of the synthetic machine, each sample of file i stretched by slowdown(i). */
  const probe = (slowdown: (index: number) => number, at: string, threads = { pp: 2, tg: 2 }): SpeedCalibration => ({
    model: 2,
    ...calibrateFromProbe(measure((i) => slowdown(i))),
    lastLevelCacheBytes: 0,
    threads,
    measuredAt: at,
    durationMs: 9000,
    source: { kind: 'measured', by: 'rightsize probe', detail: 'probe' },
  });
  const clean = calibrateFromProbe(measure(() => 1));
  const wideF16 = indexOf('wide', 'F16');
  const narrowQ8 = indexOf('narrow', 'Q8_0');
  const ram = indexOf('ram');

  it("fits each file's median over the probes, so a file slowed or sped up in one probe does not skew the figures", () => {
    // Each probe had a busy moment (or a burst) on another file: none alone is right, the pool is.
    const newest = probe((i) => (i === wideF16 ? 1.6 : 1), '2026-12-02T10:00:00.000Z');
    const middle = probe((i) => (i === narrowQ8 || i === ram ? 1.5 : 1), '2026-12-01T12:00:00.000Z');
    const older = probe((i) => (i === wideF16 ? 0.7 : 1), '2026-12-01T10:00:00.000Z');
    expect(Math.abs((newest.tgBytesPerSecByType.F16 as number) / TRUE.tgBytesPerSec.F16 - 1)).toBeGreaterThan(0.1);
    const pooled = poolProbes([newest, middle, older]);
    expect(pooled.pooledProbes).toBe(3);
    for (const { type } of PROBE_KERNEL_TYPES) {
      within(pooled.tgBytesPerSecByType[type] as number, clean.tgBytesPerSecByType[type] as number, 1e-9);
      within(pooled.ppFlopsByType[type] as number, clean.ppFlopsByType[type] as number, 1e-9);
    }
    within(pooled.tgMemoryBytesPerSec, TRUE.ramBytesPerSec, 1e-9);
    expect(pooled.measuredAt).toBe(newest.measuredAt);
    expect(pooled.source.detail).toContain('median over the last 3 probes (2026-12-01 10:00 to 2026-12-02 10:00)');
    expect(SpeedCalibrationSchema.safeParse(pooled).success).toBe(true);
  });

  it('pools at most four, and only probes of the same threads and plan', () => {
    const newest = probe(() => 1.2, '2026-12-05T00:00:00.000Z');
    const fastButOtherThreads = probe(() => 1, '2026-12-04T00:00:00.000Z', { pp: 1, tg: 1 });
    expect(poolProbes([newest, fastButOtherThreads]).tgMemoryBytesPerSec).toBe(newest.tgMemoryBytesPerSec);
    const olderPlan = {
      ...probe(() => 1, '2026-12-04T00:00:00.000Z'),
      runs: newest.runs.map((r) => ({ ...r, readBytes: r.readBytes * 2 })),
    };
    expect(poolProbes([newest, olderPlan])).toBe(newest);
    const five = [newest, ...[4, 3, 2, 1].map((d) => probe(() => (d === 1 ? 1 : 1.2), `2026-12-0${d}T00:00:00.000Z`))];
    // The fifth (and only different) one is past the window: the pool is four probes at 1.2x.
    const pooled = poolProbes(five);
    expect(pooled.pooledProbes).toBe(4);
    within(pooled.tgMemoryBytesPerSec, newest.tgMemoryBytesPerSec, 1e-9);
    // A probe whose runs cannot be read back (an older version's) stands alone.
    expect(poolProbes([{ ...newest, runs: [] }, newest]).pooledProbes).toBeUndefined();
  });
});
