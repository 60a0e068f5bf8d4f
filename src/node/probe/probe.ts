// The quick probe: a few seconds of real generation and prompt processing on generated models
// measure this machine's speed per tensor type, and the result calibrates every CPU speed estimate
// in the report. The plan (which files, which shapes) and the arithmetic that turns timings into
// figures are core's (src/core/calibration.ts); this adapter writes the files, runs them in the
// llama child process, reports progress and removes its scratch folder.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunProgress, SpeedCalibration } from '../../shared/schema';
import {
  calibrateFromProbe,
  ImplausibleProbeError,
  planProbeFiles,
  plannedFileFacts,
  PROBE_KERNEL_TYPES,
  type ProbeFigures,
  type ProbeFile,
  type ProbeMeasurement,
  cacheLabel,
} from '../../core/calibration';
import type { TensorSpec } from '../../core/tensors';
import { makeScratchDir } from './scratch';
import { writeGgufModel } from '../gguf-writer';
import { benchManyModels, MeasureError } from '../llama/measure';
import type { BenchResult } from '../llama/protocol';

/** Passes over the probe files at most: a fit that contradicts itself measures again and pools. */
const MAX_PROBE_PASSES = 3;

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

/** Every matrix in one type, norms in F32. */
const pure = (type: string) => ({ tensorTypes: (t: TensorSpec): string => (t.dims.length >= 2 ? type : 'F32') });

async function writeProbeFile(path: string, file: ProbeFile): Promise<void> {
  // Tiny files hold F32 weights, mostly zero: what they time is the fixed costs, not reading.
  if (file.role === 'tiny-fixed') await writeGgufModel(path, { shape: file.shape, precision: 'F32', data: 'sparse', contextLength: 1024 });
  else await writeGgufModel(path, { shape: file.shape, precision: pure(file.type), data: 'noise', contextLength: 1024 });
}

export async function runSpeedProbe(
  options: {
    signal?: AbortSignal;
    onProgress?: (p: RunProgress) => void;
    maxThreads?: number;
    /** Thread counts to use instead of the sweep (for a harness that re-probes at fixed threads). */
    threads?: { pp: number; tg: number };
  } = {},
  /** What the probe writes and runs with (tests give stand-ins). */
  deps: { benchMany?: typeof benchManyModels; writeFile?: typeof writeProbeFile; cacheBytes?: () => Promise<number> } = {},
): Promise<SpeedCalibration> {
  const started = performance.now();
  const dir = makeScratchDir('rightsize-probe-', 2.5e9);
  const report = (fraction: number, message: string): void =>
    options.onProgress?.({ phase: 'probe', done: fraction, total: 1, message, fraction });
  try {
    report(0, 'writing the probe models');
    // The RAM file is sized to outgrow the last-level cache.
    const lastLevelCacheBytes = await (deps.cacheBytes ?? lastLevelCache)();
    const plan = planProbeFiles(lastLevelCacheBytes).map((file, index) => ({
      file,
      path: join(dir, `${index}-${file.role}-${file.type}.gguf`),
    }));
    // A cancel here is a cancel (not a failure), and each file written is news: a page that opened
    // after the run began (the host starts it on a first launch) sees it from the next event.
    const stopIfCancelled = (): void => {
      if (options.signal?.aborted) throw new MeasureError('The probe was cancelled.', 'cancelled');
    };
    for (const [index, { file, path }] of plan.entries()) {
      stopIfCancelled();
      await (deps.writeFile ?? writeProbeFile)(path, file);
      report((0.2 * (index + 1)) / plan.length, `writing the probe models (${index + 1} of ${plan.length})`);
    }
    stopIfCancelled();
    // 128-token prompts: 32 run at a different (and noisier) efficiency than the long prompts they predict.
    const common = {
      promptTokens: 128,
      genTokens: 12,
      repetitions: 1,
      gpu: false as const,
      gpuLayers: 0,
      skipTtft: true,
      maxThreads: options.maxThreads ?? 8,
    };
    // One pass over every file. The first pass sweeps threads on the first file; a repeat uses the
    // threads it found, so its samples pool with the first pass's.
    const measurePass = async (attempt: number, fixedThreads?: { pp: number; tg: number }): Promise<BenchResult[]> => {
      let done = 0;
      // Each pass fills the bar from where the writing left it: a probe that needs one pass (most) ends
      // at 100%, and a repeat starts the bar again under its own message.
      const again = attempt > 1 ? ` (measuring again, pass ${attempt} of ${MAX_PROBE_PASSES})` : '';
      const results = await (deps.benchMany ?? benchManyModels)(
        plan.map(({ file, path: modelPath }, index) => {
          // The thread sweep runs on the first file (a real-size one), and its fastest runs are that
          // file's result: on tiny models one thread always wins (starting llama.cpp's threads for
          // each token costs more than their work), on real ones not.
          if (index === 0 && fixedThreads)
            return {
              ...common,
              modelPath,
              threads: fixedThreads.tg,
              ppThreads: fixedThreads.pp,
              tgThreads: fixedThreads.tg,
              repetitions: 2,
            };
          if (index === 0) return { ...common, modelPath, threads: 'auto' as const, sweepIsResult: true };
          switch (file.role) {
            // Tiny ones time fixed costs of a fraction of a millisecond: more tokens and the best of three.
            case 'tiny-fixed':
              return { ...common, modelPath, promptTokens: 32, genTokens: 64, repetitions: 3, inheritThreads: true };
            // The RAM file gives RAM's share of generation and of prompts.
            case 'ram':
              return { ...common, modelPath, promptTokens: 64, inheritThreads: true };
            // Best of two: on a shared machine a neighbour's burst can halve one short run.
            case 'wide':
            case 'narrow':
              return { ...common, modelPath, repetitions: 2, inheritThreads: true };
          }
        }),
        {
          timeoutMs: 120_000,
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (p) => {
            if (p.phase === 'load' && p.done === 0) done++;
            report(0.2 + (0.8 * (done - 1)) / plan.length, `probe model ${done} of ${plan.length}${again}: ${p.message}`);
          },
        },
      );
      if (results.length !== plan.length) throw new Error(`The speed probe ran ${results.length} of its ${plan.length} models.`);
      return results;
    };

    const first = await measurePass(1, options.threads);
    const threads = { pp: first[0]?.threads.pp ?? 1, tg: first[0]?.threads.tg ?? 1 };
    // Results come back in the order of the plan: each pairs with its file by index. Every pass's
    // samples pool per file; the fit takes each file's fastest, and interference only slows a run.
    const measurements: ProbeMeasurement[] = plan.map(({ file }, index) => {
      const result = first[index];
      if (!result) throw new Error(`The speed probe has no result for model ${index + 1}.`);
      // The facts of the file as planned: the writer lays it out from the same shape and types, and
      // pooled probes (poolProbes) rebuild them the same way from a stored calibration.
      return { file, facts: plannedFileFacts(file), tgTokPerSecSamples: result.tg.samples, ppTokPerSecSamples: result.pp.samples };
    });
    let figures: ProbeFigures | undefined;
    for (let attempt = 1; !figures; attempt++) {
      try {
        figures = calibrateFromProbe(measurements);
      } catch (error) {
        // Timings that contradict each other mean something else used the CPU: more samples, then
        // the fit again, before the probe gives up and the speeds stay as they were.
        if (!(error instanceof ImplausibleProbeError) || attempt >= MAX_PROBE_PASSES) throw error;
        stopIfCancelled();
        report(0.2, `the timings disagreed (something else used the CPU): measuring again, pass ${attempt + 1} of ${MAX_PROBE_PASSES}`);
        const more = await measurePass(attempt + 1, threads);
        for (const [index, m] of measurements.entries()) {
          const result = more[index];
          if (!result) continue;
          m.tgTokPerSecSamples = [...m.tgTokPerSecSamples, ...result.tg.samples];
          m.ppTokPerSecSamples = [...m.ppTokPerSecSamples, ...result.pp.samples];
        }
      }
    }
    report(1, 'done');
    const durationMs = performance.now() - started;
    return {
      model: 2,
      ...figures,
      lastLevelCacheBytes,
      threads,
      measuredAt: new Date().toISOString(),
      durationMs,
      source: {
        kind: 'measured',
        by: 'rightsize probe',
        detail: `${(durationMs / 1000).toFixed(1)} s on generated models of ${PROBE_KERNEL_TYPES.map((p) => p.type).join(', ')} in two shapes (${PROBE_KERNEL_TYPES.filter(
          (p) => p.rowCostOf,
        )
          .map((p) => p.type)
          .join(
            ', ',
          )} in one), one larger than ${cacheLabel(lastLevelCacheBytes)} and two tiny ones; ${threads.pp}/${threads.tg} threads (pp/tg)`,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
