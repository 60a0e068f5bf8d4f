// The quick probe's plan and arithmetic: which generated models it measures, and how their timings
// become a SpeedCalibration. Each measured type gets two noise-filled files of one pure type: a
// wide llama block shape (hidden 2048, FFN 8192, about 130 MB) and a narrow one (hidden 512, FFN
// 1536, many layers). Two shapes separate a type's read speed (bytes) from its cost per matrix row,
// which for some kernels dominates small models (measured here: F16 on a 2-core Xeon pays about 50
// ns per row, so a 135M model at F16 generates at half the speed its bytes suggest; Q4_K and Q8_0
// pay almost nothing). One F16 file larger than the last-level cache gives the read speed from RAM,
// which bounds any model too big for that cache (server CPUs have caches of hundreds of MB: a 270
// MB F16 file read at 57 GB/s here, a 2.4 GB one at 31). Two tiny models give the fixed cost per
// token and per layer.
// The node adapter (src/node/probe/probe.ts) writes and runs the files; everything here is pure.
import type { SpeedCalibration } from '../shared/schema';
import { buildMemoryModelFromLayout, layoutWeightsWithTypes, type WeightsLayout } from './estimate';
import { placeModel } from './placement';
import { ggmlType } from './ggml';
import { listTensors, type ModelShape } from './tensors';

// ---------------------------------------------------------------- the plan

/** Tensor types the probe measures; types not measured borrow a relative's figures (speed.ts). */
export type ProbeKernelType = 'Q4_K' | 'Q6_K' | 'Q8_0' | 'Q5_0' | 'F16';

/** One generated model the probe measures, and what its timing is for. */
export type ProbeFile =
  /** A type's large-row shape: its speed per byte, and the one that looks like real models. */
  | { role: 'wide'; type: ProbeKernelType; shape: ModelShape; rowCostOf?: ProbeKernelType }
  /** A type's many-small-rows shape: with the wide one, its cost per matrix row. */
  | { role: 'narrow'; type: ProbeKernelType; shape: ModelShape }
  /** Larger than the last-level cache: the read speed from RAM and prompts' re-reads. */
  | { role: 'ram'; type: 'F16'; shape: ModelShape }
  /** Tiny F32 models whose weights stay in cache: the fixed cost per token and per layer. */
  | { role: 'tiny-fixed'; type: 'F32'; shape: ModelShape };

const PROBE_WIDE_SHAPE: ModelShape = {
  arch: 'llama',
  layers: 4,
  hiddenSize: 2048,
  ffnSize: 8192,
  ffnType: 'gated',
  heads: 16,
  kvHeads: 4,
  headDim: 128,
  vocabSize: 8000,
  tiedEmbeddings: false,
};
const PROBE_NARROW_SHAPE: ModelShape = {
  ...PROBE_WIDE_SHAPE,
  layers: 16,
  hiddenSize: 512,
  ffnSize: 1536,
  heads: 8,
  kvHeads: 2,
  headDim: 64,
};
const tinyShape = (layers: number): ModelShape => ({
  ...PROBE_WIDE_SHAPE,
  layers,
  hiddenSize: 64,
  ffnSize: 128,
  heads: 4,
  kvHeads: 4,
  headDim: 16,
  vocabSize: 512,
});
const TINY_LAYER_COUNTS = [2, 16] as const;

/**
 * The types measured, with the wide file's layer count (about 130 MB each: what these measure is
 * the kernels' speed; RAM is measured apart, by the large file).
 * Q5_0 is what llama.cpp falls back to for Q4_K/Q6_K rows that do not divide into 256 (hidden
 * sizes of 576, 896, 960: most models under 1B).
 */
export const PROBE_KERNEL_TYPES: ReadonlyArray<{ type: ProbeKernelType; wideLayers: number; rowCostOf?: ProbeKernelType }> = [
  { type: 'Q4_K', wideLayers: 4 },
  // Q6_K has no narrow file (the probe's time budget): its cost per row is Q4_K's, the same kernel family.
  { type: 'Q6_K', wideLayers: 3, rowCostOf: 'Q4_K' },
  { type: 'Q8_0', wideLayers: 2 },
  { type: 'Q5_0', wideLayers: 3 },
  { type: 'F16', wideLayers: 2 },
];

/** Bytes of one wide block at F16: attention (q, k, v, output) and the three FFN matrices, 2 bytes a weight. */
const F16_WIDE_LAYER_BYTES = (() => {
  const { hiddenSize, ffnSize, heads, kvHeads, headDim } = PROBE_WIDE_SHAPE;
  return 2 * (hiddenSize * (heads * headDim + 2 * kvHeads * headDim + hiddenSize) + 3 * hiddenSize * ffnSize);
})();

/**
 * Layers of the RAM file: about 1.1x the last-level cache, at least 500 MB (a cache size read as 0
 * means unknown) and at most 2 GB (time and scratch space).
 */
export function ramFileLayers(lastLevelCacheBytes: number): number {
  const targetBytes = Math.min(2e9, Math.max(500e6, 1.1 * lastLevelCacheBytes));
  return Math.max(4, Math.ceil(targetBytes / F16_WIDE_LAYER_BYTES));
}

/** "the 32 MiB cache", or words that do not pretend to know a size the system did not report. */
export function cacheLabel(lastLevelCacheBytes: number): string {
  return lastLevelCacheBytes > 0
    ? `the ${(lastLevelCacheBytes / 2 ** 20).toFixed(0)} MiB cache`
    : 'the last-level cache (its size was not reported, so at least 500 MB)';
}

/**
 * The files the probe writes and measures, in the order it runs them. The first is a real-size
 * file: the thread sweep runs on it (on tiny models one thread always wins).
 */
export function planProbeFiles(lastLevelCacheBytes: number): ProbeFile[] {
  const files: ProbeFile[] = [];
  for (const { type, wideLayers, rowCostOf } of PROBE_KERNEL_TYPES) {
    const shape = { ...PROBE_WIDE_SHAPE, layers: wideLayers };
    if (rowCostOf) files.push({ role: 'wide', type, shape, rowCostOf });
    else files.push({ role: 'wide', type, shape }, { role: 'narrow', type, shape: PROBE_NARROW_SHAPE });
  }
  files.push({ role: 'ram', type: 'F16', shape: { ...PROBE_WIDE_SHAPE, layers: ramFileLayers(lastLevelCacheBytes) } });
  for (const layers of TINY_LAYER_COUNTS) files.push({ role: 'tiny-fixed', type: 'F32', shape: tinyShape(layers) });
  return files;
}

/** A display name for a probe file (the report's list of runs); nothing matches on it. */
export function probeFileLabel(file: ProbeFile): string {
  switch (file.role) {
    case 'wide':
    case 'narrow':
      return `${file.type} ${file.role}`;
    case 'ram':
      return `${file.type} large`;
    case 'tiny-fixed':
      return `tiny ${file.shape.layers} layers`;
  }
}

// ---------------------------------------------------------------- measurements

/** What one probe file asks of the CPU, from its tensors (placed whole on the CPU). */
export interface ProbeFileFacts {
  /** Weight bytes one generated token reads (output layer included). */
  readBytesPerToken: number;
  /** Matrix rows one generated token computes. */
  rowsPerToken: number;
  /** Of the repeating blocks (a prompt's tokens run the output layer only for the last one): */
  layerReadBytes: number;
  layerMatrixWeights: number;
  layerRows: number;
}

function matrixWeights(bytesByType: Record<string, number>): number {
  let weights = 0;
  for (const [type, bytes] of Object.entries(bytesByType)) {
    const info = ggmlType(type);
    weights += (bytes / info.blockBytes) * info.blockSize;
  }
  return weights;
}

const sum = (values: Record<string, number>): number => Object.values(values).reduce((total, x) => total + x, 0);

/** A probe file's facts from its shape and tensor layout, placed on the CPU as the probe runs it. */
function probeFileFacts(shape: ModelShape, weights: WeightsLayout): ProbeFileFacts {
  const placement = placeModel(buildMemoryModelFromLayout(shape, weights, 256, 'f16'), 0, 'cpu', { repackTypes: new Set() });
  return {
    readBytesPerToken: placement.cpuReadBytesPerToken,
    rowsPerToken: placement.cpuRowsPerToken,
    layerReadBytes: sum(placement.cpuLayerReadBytesByType),
    layerMatrixWeights: matrixWeights(placement.cpuLayerReadBytesByType),
    layerRows: sum(placement.cpuLayerRowsByType),
  };
}

/** A planned file's facts from its shape alone, as the adapter writes it: matrices in the file's type, norms in F32. */
export function plannedFileFacts(file: ProbeFile): ProbeFileFacts {
  const tensors = listTensors(file.shape);
  return probeFileFacts(
    file.shape,
    layoutWeightsWithTypes(
      file.shape,
      tensors,
      tensors.map((t) => (t.dims.length >= 2 ? file.type : 'F32')),
    ),
  );
}

/** One probe file's plan, facts and measured speeds (every sample, tokens per second). */
export interface ProbeMeasurement {
  file: ProbeFile;
  facts: ProbeFileFacts;
  tgTokPerSecSamples: readonly number[];
  ppTokPerSecSamples: readonly number[];
}

/** The calibration's figures that the probe's timings determine. */
export type ProbeFigures = Pick<
  SpeedCalibration,
  | 'tgBytesPerSecByType'
  | 'tgSecondsPerRowByType'
  | 'ppFlopsByType'
  | 'ppSecondsPerRowByType'
  | 'tgMemoryBytesPerSec'
  | 'ppRamReadsPerToken'
  | 'tgSecondsPerToken'
  | 'tgSecondsPerLayer'
  | 'runs'
>;

/** A file's kernel time per token beyond the fixed costs, floored: fixed costs measured high must not leave it at 0 or below. */
const MIN_KERNEL_SECONDS = 1e-6;
/** The smallest seconds per byte or FLOP a fit may give: rates stay finite. */
const MIN_SECONDS_PER_AMOUNT = 1e-15;
/**
 * No CPU reads weights faster than this, even from its cache (a core's L2 gives some 100-200 GB/s; this
 * project's probes measure 30-140 GB/s per type). A fit above it comes from timings that contradict each
 * other: on a busy machine a file with more layers can run faster than one with fewer, and the fixed costs
 * then leave no time for the weights (a probe taken while the tests ran here fitted 1,000,000 GB/s).
 */
const MAX_PLAUSIBLE_BYTES_PER_SEC = 2e12;

/** The probe's timings cannot be fitted: something else used the CPU while it ran. */
export class ImplausibleProbeError extends Error {}

/** Whether a calibration's figures are ones a CPU can have (a stored one from before the check may not be). */
export function isPlausibleCalibration(c: Pick<ProbeFigures, 'tgBytesPerSecByType' | 'tgMemoryBytesPerSec'>): boolean {
  return [...Object.values(c.tgBytesPerSecByType), c.tgMemoryBytesPerSec].every(
    (r) => Number.isFinite(r) && r > 0 && r <= MAX_PLAUSIBLE_BYTES_PER_SEC,
  );
}

/** The fastest valid sample: interference only ever slows a run down. */
function bestTokPerSec(samples: readonly number[], file: ProbeFile, what: string): number {
  const valid = samples.filter((x) => Number.isFinite(x) && x > 0);
  if (valid.length === 0)
    throw new Error(`The probe's ${probeFileLabel(file)} run measured no ${what} speed (samples: ${samples.join(', ') || 'none'}).`);
  return Math.max(...valid);
}

function checkFacts(m: ProbeMeasurement): void {
  const { facts } = m;
  const positive = [facts.readBytesPerToken, facts.layerReadBytes, facts.layerMatrixWeights];
  const nonNegative = [facts.rowsPerToken, facts.layerRows];
  if (!positive.every((x) => Number.isFinite(x) && x > 0) || !nonNegative.every((x) => Number.isFinite(x) && x >= 0)) {
    throw new Error(`The probe's ${probeFileLabel(m.file)} file has impossible facts: ${JSON.stringify(facts)}.`);
  }
}

/** The time of one file as amount / rate + rows x cost per row. */
export interface ShapeTiming {
  amount: number;
  rows: number;
  seconds: number;
}

/**
 * Two probe files of one type, time = amount / rate + rows x cost: solves for 1 / rate and the cost
 * per row, neither below zero. A negative row cost (noise, or a narrow file that sat in cache) leaves
 * the rate to the wide file, the one that looks like real models; a negative 1 / rate (a wide file
 * the cache held, read almost for free) leaves the time to the rows.
 */
export function solveTwoShapes(wide: ShapeTiming, narrow: ShapeTiming): { perAmount: number; perRow: number } {
  const det = wide.amount * narrow.rows - narrow.amount * wide.rows;
  const perAmount = det !== 0 ? (wide.seconds * narrow.rows - narrow.seconds * wide.rows) / det : -1;
  const perRow = det !== 0 ? (wide.amount * narrow.seconds - narrow.amount * wide.seconds) / det : -1;
  if (perRow >= 0 && perAmount > 0) return { perAmount, perRow };
  if (perRow > 0 && wide.rows + narrow.rows > 0) {
    // Least squares over both files with the amount free of cost: the rows carry the time.
    const rowsOnly = (wide.rows * wide.seconds + narrow.rows * narrow.seconds) / (wide.rows ** 2 + narrow.rows ** 2);
    return { perAmount: MIN_SECONDS_PER_AMOUNT, perRow: rowsOnly };
  }
  return { perAmount: Math.max(MIN_SECONDS_PER_AMOUNT, wide.seconds / wide.amount), perRow: 0 };
}

/** One file and a borrowed cost per row: the rest of its time is the amount's. */
function solveOneShape(file: ShapeTiming, perRow: number): { perAmount: number; perRow: number } {
  const rest = file.seconds - file.rows * perRow;
  return rest > 0
    ? { perAmount: rest / file.amount, perRow }
    : { perAmount: Math.max(MIN_SECONDS_PER_AMOUNT, file.seconds / file.amount), perRow: 0 };
}

/**
 * Fixed costs from the tiny files (fewest and most layers): per token and per layer. A stall in
 * the tiny runs (a descheduled core) must not make every layer look slow: a layer cannot cost more
 * than a whole narrow file's layer, weights included. Nor every token: a stall only adds time, so
 * the cost per token is the smaller of the two files' rests (they agree when neither stalled).
 */
function solveFixedCosts(
  tiny: ReadonlyArray<{ layers: number; seconds: number }>,
  narrow: ReadonlyArray<{ layers: number; seconds: number }>,
): { secondsPerToken: number; secondsPerLayer: number } {
  const byLayers = [...tiny].sort((x, y) => x.layers - y.layers);
  const few = byLayers[0];
  const many = byLayers[byLayers.length - 1];
  if (!few || !many) throw new Error('The probe needs tiny files to measure its fixed costs.');
  const fastestTinySeconds = Math.min(...tiny.map((t) => t.seconds));
  const narrowLayerCeiling = Math.min(...narrow.map((n) => (n.seconds - fastestTinySeconds) / n.layers));
  const slope = many.layers > few.layers ? (many.seconds - few.seconds) / (many.layers - few.layers) : 0;
  const secondsPerLayer = Math.max(0, Math.min(narrowLayerCeiling, slope));
  const secondsPerToken = Math.min(few.seconds - secondsPerLayer * few.layers, many.seconds - secondsPerLayer * many.layers);
  return { secondsPerLayer, secondsPerToken: Math.max(0, secondsPerToken) };
}

/** A measurement with its fastest times per token, seconds. */
type Timed<R extends ProbeFile['role'] = ProbeFile['role']> = ProbeMeasurement & {
  file: Extract<ProbeFile, { role: R }>;
  tgSeconds: number;
  ppSeconds: number;
};

/**
 * Turns the probe's timings into its calibration figures. A token's generation time is the fixed
 * costs plus, per type, bytes / read rate + rows x cost per row; a prompt token's is, per type,
 * 2 FLOP per block weight / FLOP rate + rows x cost per row, plus for weights larger than the cache
 * a share of them read again from RAM. Throws when a file the model needs was not measured.
 */
export function calibrateFromProbe(measurements: readonly ProbeMeasurement[]): ProbeFigures {
  for (const m of measurements) checkFacts(m);
  const timed: Timed[] = measurements.map((m) => ({
    ...m,
    tgSeconds: 1 / bestTokPerSec(m.tgTokPerSecSamples, m.file, 'generation'),
    ppSeconds: 1 / bestTokPerSec(m.ppTokPerSecSamples, m.file, 'prompt'),
  }));
  const runs = timed.map((m) => ({
    label: probeFileLabel(m.file),
    readBytes: m.facts.readBytesPerToken,
    layers: m.file.shape.layers,
    rows: m.facts.rowsPerToken,
    tgTokPerSec: 1 / m.tgSeconds,
    ppTokPerSec: 1 / m.ppSeconds,
  }));
  const ofRole = <R extends ProbeFile['role']>(role: R): Array<Timed<R>> => timed.filter((m): m is Timed<R> => m.file.role === role);

  const fixed = solveFixedCosts(
    ofRole('tiny-fixed').map((m) => ({ layers: m.file.shape.layers, seconds: m.tgSeconds })),
    ofRole('narrow').map((m) => ({ layers: m.file.shape.layers, seconds: m.tgSeconds })),
  );
  const kernelSeconds = (m: Timed): number =>
    Math.max(MIN_KERNEL_SECONDS, m.tgSeconds - fixed.secondsPerToken - fixed.secondsPerLayer * m.file.shape.layers);
  const ms = (s: number): string => `${(s * 1000).toFixed(2)} ms`;
  for (const m of timed) {
    if (m.file.role === 'tiny-fixed' || kernelSeconds(m) > MIN_KERNEL_SECONDS) continue;
    const label = probeFileLabel(m.file);
    throw new ImplausibleProbeError(
      `The speed probe's timings contradict each other: ${label} made a token in ${ms(m.tgSeconds)}, no more than the fixed costs the tiny files measured (${ms(fixed.secondsPerToken)} a token, ${ms(fixed.secondsPerLayer)} a layer). Something else was using the CPU while it ran. The speeds stay as they were: close other work and calibrate again.`,
    );
  }
  const tgTiming = (m: Timed): ShapeTiming => ({
    amount: m.facts.readBytesPerToken,
    rows: m.facts.rowsPerToken,
    seconds: kernelSeconds(m),
  });
  const ppTiming = (m: Timed): ShapeTiming => ({ amount: 2 * m.facts.layerMatrixWeights, rows: m.facts.layerRows, seconds: m.ppSeconds });

  const tgBytesPerSecByType: Record<string, number> = {};
  const tgSecondsPerRowByType: Record<string, number> = {};
  const ppFlopsByType: Record<string, number> = {};
  const ppSecondsPerRowByType: Record<string, number> = {};
  const narrowByType = new Map(ofRole('narrow').map((m) => [m.file.type, m]));
  // Types with both shapes first: the ones with a wide file only borrow their cost per row.
  const wides = ofRole('wide').sort((x, y) => Number(!narrowByType.has(x.file.type)) - Number(!narrowByType.has(y.file.type)));
  for (const wide of wides) {
    const { type, rowCostOf } = wide.file;
    const narrow = narrowByType.get(type);
    const tgFit = narrow
      ? solveTwoShapes(tgTiming(wide), tgTiming(narrow))
      : solveOneShape(tgTiming(wide), rowCostOf ? (tgSecondsPerRowByType[rowCostOf] ?? 0) : 0);
    const ppFit = narrow
      ? solveTwoShapes(ppTiming(wide), ppTiming(narrow))
      : solveOneShape(ppTiming(wide), rowCostOf ? (ppSecondsPerRowByType[rowCostOf] ?? 0) : 0);
    tgBytesPerSecByType[type] = 1 / tgFit.perAmount;
    tgSecondsPerRowByType[type] = tgFit.perRow;
    ppFlopsByType[type] = 1 / ppFit.perAmount;
    ppSecondsPerRowByType[type] = ppFit.perRow;
  }

  const [ram] = ofRole('ram');
  if (!ram) throw new Error('The probe needs a file larger than the cache to measure the read speed from RAM.');
  const tgMemoryBytesPerSec = ram.facts.readBytesPerToken / kernelSeconds(ram);
  // The RAM file's prompt time beyond what its kernels take in cache is weights re-read from RAM.
  const ramKernelSeconds =
    (2 * ram.facts.layerMatrixWeights) / (ppFlopsByType[ram.file.type] ?? Infinity) +
    ram.facts.layerRows * (ppSecondsPerRowByType[ram.file.type] ?? 0);
  const ppRamReadsPerToken = Math.max(0, ((ram.ppSeconds - ramKernelSeconds) * tgMemoryBytesPerSec) / ram.facts.layerReadBytes);

  const fastest = Object.entries(tgBytesPerSecByType).find(([, rate]) => rate > MAX_PLAUSIBLE_BYTES_PER_SEC);
  if (fastest || tgMemoryBytesPerSec > MAX_PLAUSIBLE_BYTES_PER_SEC)
    throw new ImplausibleProbeError(
      `The speed probe's timings fit ${fastest ? `${fastest[0]} weights read at ${(fastest[1] / 1e9).toFixed(0)} GB/s` : `RAM read at ${(tgMemoryBytesPerSec / 1e9).toFixed(0)} GB/s`}, more than any CPU reads: something else was using the CPU while it ran. The speeds stay as they were: close other work and calibrate again.`,
    );
  return {
    tgBytesPerSecByType,
    tgSecondsPerRowByType,
    ppFlopsByType,
    ppSecondsPerRowByType,
    tgMemoryBytesPerSec,
    ppRamReadsPerToken,
    tgSecondsPerToken: fixed.secondsPerToken,
    tgSecondsPerLayer: fixed.secondsPerLayer,
    runs,
  };
}

// ---------------------------------------------------------------- pooling probes

/**
 * Probes pooled into one calibration. One probe is a few seconds per file, and on a shared or busy
 * machine a neighbour's burst can slow any of them: on this project's 2-vCPU VM one probe's figures
 * moved 20-30% from run to run, and one slowed file skews every figure fitted from it. Each file's
 * median over the last few probes is what the calibration is fitted from: not the fastest, since a
 * few seconds can also catch a burst the machine does not sustain (the fastest of four predicted
 * generation 14% too fast, the median 7%, over 13 models measured in the same half hour:
 * bench/results/speed-cpu-2026-12-02-decode-timer.md, run 10).
 */
export const POOLED_PROBES = 4;

/** A calibration's runs as measurements of the current plan, or null when its plan or figures differ. */
function measurementsOf(calibration: SpeedCalibration): ProbeMeasurement[] | null {
  const plan = planProbeFiles(calibration.lastLevelCacheBytes);
  const byLabel = new Map(calibration.runs.map((run) => [run.label, run]));
  const measurements: ProbeMeasurement[] = [];
  for (const file of plan) {
    const run = byLabel.get(probeFileLabel(file));
    const facts = plannedFileFacts(file);
    // A run of an older plan (another shape under the same label) is not the same measurement.
    if (!run || run.layers !== file.shape.layers || Math.abs(run.readBytes - facts.readBytesPerToken) > 0.01 * facts.readBytesPerToken)
      return null;
    measurements.push({ file, facts, tgTokPerSecSamples: [run.tgTokPerSec], ppTokPerSecSamples: [run.ppTokPerSec] });
  }
  return measurements;
}

/** Whether two calibrations measured the same thing: the same plan, threads and model of a token's time. */
function sameSetup(a: SpeedCalibration, b: SpeedCalibration): boolean {
  return (
    a.model === b.model && a.lastLevelCacheBytes === b.lastLevelCacheBytes && a.threads.pp === b.threads.pp && a.threads.tg === b.threads.tg
  );
}

const medianOf = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * The newest probe pooled with the older ones of the same setup (newest first; at most `max` in
 * all): each file's median generation and prompt speed over them, fitted again. The newest alone
 * where no older probe matches its plan and threads, or where its runs cannot be read back.
 */
export function poolProbes(newestFirst: readonly SpeedCalibration[], max = POOLED_PROBES): SpeedCalibration {
  const [newest] = newestFirst;
  if (!newest) throw new Error('poolProbes needs at least one probe.');
  const newestRuns = measurementsOf(newest);
  if (!newestRuns) return newest;
  const pooled = [newest];
  const measurements = newestRuns.map((m) => ({
    ...m,
    tgTokPerSecSamples: [...m.tgTokPerSecSamples],
    ppTokPerSecSamples: [...m.ppTokPerSecSamples],
  }));
  for (const older of newestFirst.slice(1)) {
    if (pooled.length >= max) break;
    const runs = older !== newest && sameSetup(older, newest) ? measurementsOf(older) : null;
    if (!runs) continue;
    pooled.push(older);
    runs.forEach((m, i) => {
      measurements[i]?.tgTokPerSecSamples.push(...m.tgTokPerSecSamples);
      measurements[i]?.ppTokPerSecSamples.push(...m.ppTokPerSecSamples);
    });
  }
  if (pooled.length === 1) return newest;
  const medians = measurements.map((m) => ({
    ...m,
    tgTokPerSecSamples: [medianOf(m.tgTokPerSecSamples)],
    ppTokPerSecSamples: [medianOf(m.ppTokPerSecSamples)],
  }));
  const dates = pooled.map((c) => c.measuredAt).sort();
  const day = (iso: string | undefined): string => (iso ?? '').slice(0, 16).replace('T', ' ');
  let refit: ProbeFigures;
  try {
    refit = calibrateFromProbe(medians);
  } catch (error) {
    // Each probe was fitted on its own when it was taken; medians that cannot be are no reason to lose it.
    if (error instanceof ImplausibleProbeError) return newest;
    throw error;
  }
  return {
    ...newest,
    ...refit,
    pooledProbes: pooled.length,
    source: {
      ...newest.source,
      detail: `${newest.source.detail ?? newest.source.by}; each file's median over the last ${pooled.length} probes (${day(dates[0])} to ${day(dates[dates.length - 1])})`,
    },
  };
}
