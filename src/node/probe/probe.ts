// The quick probe: a few seconds of real generation and prompt processing on generated models
// measure this machine's speed per tensor type, and the result calibrates every CPU speed estimate
// in the report. Each type gets two noise-filled files of one pure type: a wide llama block shape
// (hidden 2048, FFN 8192, about 130 MB) and a narrow one (hidden 512, FFN 1536, many layers). Two
// shapes separate a type's read speed (bytes) from its cost per matrix row, which for some kernels
// dominates small models (measured here: F16 on a 2-core Xeon pays about 50 ns per row, so a 135M
// model at F16 generates at half the speed its bytes suggest; Q4_K and Q8_0 pay almost nothing).
// One F16 file larger than the last-level cache gives the read speed from RAM, which bounds any
// model too big for that cache (server CPUs have caches of hundreds of MB: a 270 MB F16 file read
// at 57 GB/s here, a 2.4 GB one at 31). Two tiny models give the fixed cost per token and per layer.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpeedCalibration } from '../../shared/schema';
import { buildMemoryModelFromLayout, placeModel, type Placement } from '../../core/estimate';
import { ggmlType } from '../../core/ggml';
import { solveTwoShapes } from '../../core/speed';
import type { ModelShape, TensorSpec } from '../../core/tensors';
import { makeScratchDir } from './scratch';
import { writeGgufModel } from '../gguf-writer';
import { benchManyModels } from '../llama/measure';
import type { BenchResult } from '../llama/protocol';
import { modelFromFile } from '../models/resolve';

const WIDE: ModelShape = {
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
const NARROW: ModelShape = { ...WIDE, layers: 16, hiddenSize: 512, ffnSize: 1536, heads: 8, kvHeads: 2, headDim: 64 };
const tinyShape = (layers: number): ModelShape => ({ ...WIDE, layers, hiddenSize: 64, ffnSize: 128, heads: 4, kvHeads: 4, headDim: 16, vocabSize: 512 });

/**
 * The types measured, with the wide file's layer count (about 130 MB each: what these measure is
 * the kernels' speed; RAM is measured apart, by the large file).
 * Q5_0 is what llama.cpp falls back to for Q4_K/Q6_K rows that do not divide into 256 (hidden
 * sizes of 576, 896, 960: most models under 1B). Types not measured borrow a relative's figures.
 */
const PROBE_TYPES: Array<{ type: string; wideLayers: number; rowCostOf?: string }> = [
  { type: 'Q4_K', wideLayers: 4 },
  // Q6_K has no narrow file (the probe's time budget): its cost per row is Q4_K's, the same kernel family.
  { type: 'Q6_K', wideLayers: 3, rowCostOf: 'Q4_K' },
  { type: 'Q8_0', wideLayers: 2 },
  { type: 'Q5_0', wideLayers: 3 },
  { type: 'F16', wideLayers: 2 },
];
/** Bytes of one wide block at F16 (attention 2048x(2048+512+512+2048) + FFN 3x2048x8192, 2 bytes each). */
const F16_WIDE_LAYER_BYTES = 2 * (2048 * (2048 + 512 + 512 + 2048) + 3 * 2048 * 8192);

/** The last-level cache in bytes (0 where unknown: every model is then treated as larger than it). */
async function lastLevelCache(): Promise<number> {
  try {
    const si = (await import('systeminformation')).default;
    const cache = await si.cpuCache();
    return Math.max(cache.l3 ?? 0, cache.l2 ?? 0);
  } catch {
    return 0;
  }
}

/** The fastest sample: interference only ever slows a run down. */
const best = (stats: { samples: number[] }): number => Math.max(...stats.samples);

const pure = (type: string) => ({ tensorTypes: (t: TensorSpec): string => (t.dims.length >= 2 ? type : 'F32') });

function cpuPlacement(model: Awaited<ReturnType<typeof modelFromFile>>): Placement {
  return placeModel(buildMemoryModelFromLayout(model.sizable.shape, model.sizable.weights, 256, 'f16'), 0, 'cpu', { repackTypes: new Set() });
}

function matrixWeights(bytesByType: Record<string, number>): number {
  let weights = 0;
  for (const [type, bytes] of Object.entries(bytesByType)) {
    const info = ggmlType(type);
    weights += (bytes / info.blockBytes) * info.blockSize;
  }
  return weights;
}

/** One file and a borrowed cost per row: the rest of its time is the amount's. */
function oneShape(file: { amount: number; rows: number; seconds: number }, perRow: number): { perAmount: number; perRow: number } {
  const rest = file.seconds - file.rows * perRow;
  return rest > 0 ? { perAmount: rest / file.amount, perRow } : { perAmount: file.seconds / file.amount, perRow: 0 };
}

export interface ProbeProgress {
  fraction: number;
  message: string;
}

export async function runSpeedProbe(options: { signal?: AbortSignal; onProgress?: (p: ProbeProgress) => void; maxThreads?: number } = {}): Promise<SpeedCalibration> {
  const started = performance.now();
  const dir = makeScratchDir('rightsize-probe-', 2.5e9);
  const report = (fraction: number, message: string): void => options.onProgress?.({ fraction, message });
  try {
    report(0, 'writing the probe models');
    const files: Array<{ path: string; label: string; type: string | null; layers: number }> = [];
    for (const { type, wideLayers, rowCostOf } of PROBE_TYPES) {
      const shapes = [[{ ...WIDE, layers: wideLayers }, 'wide'], ...(rowCostOf ? [] : [[NARROW, 'narrow']])] as Array<[ModelShape, string]>;
      for (const [shape, label] of shapes) {
        const path = join(dir, `${type}-${label}.gguf`);
        await writeGgufModel(path, { shape, precision: pure(type), data: 'noise', contextLength: 1024 });
        files.push({ path, label: `${type} ${label}`, type, layers: shape.layers });
      }
      options.signal?.throwIfAborted();
    }
    // One F16 file larger than the last-level cache: its kernel is the cheapest per byte, so RAM
    // bounds it, and it gives the read speed from RAM that bounds every model too big for the cache.
    const lastLevelCacheBytes = await lastLevelCache();
    const largeLayers = Math.max(4, Math.ceil(Math.min(2e9, Math.max(500e6, 1.1 * lastLevelCacheBytes)) / F16_WIDE_LAYER_BYTES));
    {
      const path = join(dir, 'F16-large.gguf');
      await writeGgufModel(path, { shape: { ...WIDE, layers: largeLayers }, precision: pure('F16'), data: 'noise', contextLength: 1024 });
      files.push({ path, label: 'F16 large', type: null, layers: largeLayers });
    }
    for (const layers of [2, 16]) {
      const path = join(dir, `tiny-${layers}.gguf`);
      await writeGgufModel(path, { shape: tinyShape(layers), precision: 'F32', data: 'sparse', contextLength: 1024 });
      files.push({ path, label: `tiny ${layers} layers`, type: null, layers });
    }
    // 128-token prompts: 32 run at a different (and noisier) efficiency than the long prompts they predict.
    const common = { promptTokens: 128, genTokens: 12, repetitions: 1, gpu: false as const, gpuLayers: 0, skipTtft: true, maxThreads: options.maxThreads ?? 8 };
    let done = 0;
    const results = await benchManyModels(
      // The thread sweep runs on the first real-size file, and its fastest runs are that file's
      // result: on tiny models one thread always wins (starting llama.cpp's threads for each token
      // costs more than their work), on real ones not.
      files.map((f, i) => {
        if (i === 0) return { ...common, modelPath: f.path, threads: 'auto' as const, sweepIsResult: true };
        // Tiny ones time fixed costs of a fraction of a millisecond: more tokens and the best of three.
        if (f.label.startsWith('tiny')) return { ...common, modelPath: f.path, promptTokens: 32, genTokens: 64, repetitions: 3, inheritThreads: true };
        // The large file gives RAM's share of generation and of prompts.
        if (f.label === 'F16 large') return { ...common, modelPath: f.path, promptTokens: 64, inheritThreads: true };
        // Best of two: on a shared machine a neighbour's burst can halve one short run.
        return { ...common, modelPath: f.path, repetitions: 2, inheritThreads: true };
      }),
      {
        timeoutMs: 120_000,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) => {
          if (p.phase === 'load' && p.done === 0) done++;
          report(0.2 + (0.8 * (done - 1)) / files.length, `probe model ${done} of ${files.length}: ${p.message}`);
        },
      },
    );
    const threads = { pp: results[0]?.threads.pp ?? 1, tg: results[0]?.threads.tg ?? 1 };
    const runs: SpeedCalibration['runs'] = [];
    const measured: Array<{ file: (typeof files)[0]; r: BenchResult; placement: Placement }> = [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as (typeof files)[0];
      const r = results[i] as BenchResult;
      const placement = cpuPlacement(await modelFromFile(file.path));
      measured.push({ file, r, placement });
      runs.push({ label: file.label, readBytes: placement.cpuReadBytesPerToken, layers: file.layers, rows: placement.cpuRowsPerToken, tgTokPerSec: best(r.tg), ppTokPerSec: best(r.pp) });
    }
    // Fixed costs from the two tiny models (their weights stay in cache): per token and per layer.
    const tiny = measured.filter((m) => m.file.label.startsWith('tiny'));
    const [a, b] = tiny.map((m) => ({ seconds: 1 / best(m.r.tg), layers: m.file.layers })) as [{ seconds: number; layers: number }, { seconds: number; layers: number }];
    // A stall in the tiny runs (a descheduled core) must not make every layer look slow: a layer
    // cannot cost more than a whole narrow file's layer, weights included.
    const narrowLayerCeiling = Math.min(
      ...measured.filter((m) => m.file.label.endsWith('narrow')).map((m) => (1 / best(m.r.tg) - Math.min(a.seconds, b.seconds)) / m.file.layers),
    );
    const perLayer = Math.max(0, Math.min(narrowLayerCeiling, (b.seconds - a.seconds) / (b.layers - a.layers)));
    const perToken = Math.max(0, a.seconds - perLayer * a.layers);

    const tgBytesPerSecByType: Record<string, number> = {};
    const tgSecondsPerRowByType: Record<string, number> = {};
    const ppFlopsByType: Record<string, number> = {};
    const ppSecondsPerRowByType: Record<string, number> = {};
    const find = (label: string): (typeof measured)[0] | undefined => measured.find((m) => m.file.label === label);
    for (const { type, rowCostOf } of PROBE_TYPES) {
      const shapes = [find(`${type} wide`), find(`${type} narrow`)].filter((m): m is (typeof measured)[0] => m !== undefined);
      const tg = shapes.map((m) => ({
        amount: m.placement.cpuReadBytesPerToken,
        rows: m.placement.cpuRowsPerToken,
        seconds: Math.max(1e-6, 1 / best(m.r.tg) - perToken - perLayer * m.file.layers),
      }));
      const pp = shapes.map((m) => ({
        amount: 2 * matrixWeights(m.placement.cpuLayerReadBytesByType),
        rows: Object.values(m.placement.cpuLayerRowsByType).reduce((s, x) => s + x, 0),
        seconds: 1 / best(m.r.pp),
      }));
      const [tgWide, tgNarrow] = tg as [(typeof tg)[0], (typeof tg)[0] | undefined];
      const [ppWide, ppNarrow] = pp as [(typeof pp)[0], (typeof pp)[0] | undefined];
      const tgFit = tgNarrow ? solveTwoShapes(tgWide, tgNarrow) : oneShape(tgWide, tgSecondsPerRowByType[rowCostOf ?? ''] ?? 0);
      const ppFit = ppNarrow ? solveTwoShapes(ppWide, ppNarrow) : oneShape(ppWide, ppSecondsPerRowByType[rowCostOf ?? ''] ?? 0);
      tgBytesPerSecByType[type] = 1 / tgFit.perAmount;
      tgSecondsPerRowByType[type] = tgFit.perRow;
      ppFlopsByType[type] = 1 / ppFit.perAmount;
      ppSecondsPerRowByType[type] = ppFit.perRow;
    }
    const large = measured.find((m) => m.file.label === 'F16 large') as (typeof measured)[0];
    const tgMemoryBytesPerSec = large.placement.cpuReadBytesPerToken / Math.max(1e-6, 1 / best(large.r.tg) - perToken - perLayer * large.file.layers);
    // The large file's prompt time beyond what its F16 kernels take in cache is weights re-read from RAM.
    const largeLayerBytes = Object.values(large.placement.cpuLayerReadBytesByType).reduce((sum, b) => sum + b, 0);
    const largeKernelSeconds =
      (2 * matrixWeights(large.placement.cpuLayerReadBytesByType)) / (ppFlopsByType.F16 ?? Infinity) +
      Object.values(large.placement.cpuLayerRowsByType).reduce((sum, x) => sum + x, 0) * (ppSecondsPerRowByType.F16 ?? 0);
    const ppRamReadsPerToken = Math.max(0, ((1 / best(large.r.pp) - largeKernelSeconds) * tgMemoryBytesPerSec) / largeLayerBytes);
    report(1, 'done');
    const durationMs = performance.now() - started;
    return {
      model: 2,
      tgBytesPerSecByType,
      tgSecondsPerRowByType,
      ppFlopsByType,
      ppSecondsPerRowByType,
      tgMemoryBytesPerSec,
      ppRamReadsPerToken,
      lastLevelCacheBytes,
      tgSecondsPerToken: perToken,
      tgSecondsPerLayer: perLayer,
      threads,
      measuredAt: new Date().toISOString(),
      durationMs,
      runs,
      source: {
        kind: 'measured',
        by: 'rightsize probe',
        detail: `${(durationMs / 1000).toFixed(1)} s on generated models of ${PROBE_TYPES.map((p) => p.type).join(', ')} in two shapes (Q6_K in one), one larger than the ${(lastLevelCacheBytes / 2 ** 20).toFixed(0)} MiB cache and two tiny ones; ${threads.pp}/${threads.tg} threads (pp/tg)`,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
