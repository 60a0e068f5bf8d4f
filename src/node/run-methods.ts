// The HostApi methods that start runs: a user's benchmark, the calibration probe and a memory
// measurement. Each works in a child process through the run registry (one run at a time, progress
// pushed as events, cancellable); the service gives them what they share with the other methods.
import type { z } from 'zod';
import { DEFAULT_MEASURE_CONTEXT_TOKENS } from '../shared/defaults';
import type { HostApiSchemas } from '../shared/api';
import type { HardwareSnapshot, RunState, SpeedCalibration } from '../shared/schema';
import { DEFAULT_BENCH, runBenchmark } from './bench/run';
import type { HistoryStore } from './bench/history';
import { buffersByDevice, defaultThreads, measureModel } from './llama/measure';
import { estimateResolved, isRemoteRef, resolveModelArg, type ResolvedModel } from './models/resolve';
import { contextFor, looksLikePath } from './models/refs';
import { saveCalibration } from './probe/calibration-store';
import { runSpeedProbe } from './probe/probe';
import type { RunRegistry } from './runs';
import { asUserError, UserFacingError } from './user-error';

type Input<M extends 'startBench' | 'startProbe' | 'startMeasure'> = z.output<(typeof HostApiSchemas)[M]['input']>;

export interface RunMethodDeps {
  startRun: (kind: RunState['kind'], work: Parameters<RunRegistry['start']>[1]) => RunState;
  getSnapshot: () => Promise<HardwareSnapshot>;
  getCalibration: () => Promise<SpeedCalibration | null>;
  /** The probe's new calibration, for the reports that follow. */
  setCalibration: (measured: SpeedCalibration) => void;
  resolveRef: (ref: string, quant: string | undefined, allowCatalog: boolean) => Promise<ResolvedModel>;
  getHistory: () => Promise<HistoryStore>;
  requireLlamaBench: () => string;
  cacheDir: string;
  /** Replaces the real speed probe (tests). */
  probe?: typeof runSpeedProbe;
}

/** Benchmarks and measurements load the model: a URL or hf: reference must be downloaded first. */
function refuseRemote(ref: string, what: 'bench' | 'measure'): void {
  if (!isRemoteRef(ref)) return;
  throw new UserFacingError(
    `${what} loads the model, and "${ref}" is remote: download it first (e.g. \`llama-cli -hf ORG/REPO:QUANT\` or from its page), then give the file's path. \`rightsize estimate\` sizes it without downloading.`,
    'bad-input',
  );
}

export function createRunMethods(deps: RunMethodDeps): {
  startBench: (request: Input<'startBench'>) => Promise<RunState>;
  startProbe: (request: Input<'startProbe'>) => Promise<RunState>;
  startMeasure: (request: Input<'startMeasure'>) => Promise<RunState>;
} {
  return {
    async startBench(request) {
      refuseRemote(request.model, 'bench');
      const llamaBench = request.withLlamaBench ? deps.requireLlamaBench() : null;
      const target = await asUserError(async () =>
        looksLikePath(request.model)
          ? request.model
          : ((await deps.resolveRef(request.model, undefined, false)).sizable.filePath ?? request.model),
      );
      const [snapshot, cal] = await Promise.all([deps.getSnapshot(), deps.getCalibration()]);
      return deps.startRun('bench', async ({ signal, progress }) => {
        const record = await runBenchmark(
          target,
          {
            ...DEFAULT_BENCH,
            promptTokens: request.promptTokens,
            genTokens: request.genTokens,
            repetitions: request.repetitions,
            threads: request.threads,
            gpuLayers: request.gpuLayers,
            pricePerKwh: request.pricePerKwh,
            timeoutMs: request.timeoutSeconds * 1000,
            llamaBench,
          },
          snapshot,
          { signal, onProgress: progress, calibration: cal },
        );
        if (!request.save) return { record };
        try {
          (await deps.getHistory()).add(record);
        } catch (error) {
          // The figures still stand; the run says why they are not in history.
          return { record, error: `Finished, but not saved to history: ${(error as Error).message}` };
        }
        return { record };
      });
    },

    async startProbe(request) {
      const snapshot = await deps.getSnapshot();
      return deps.startRun('probe', async ({ signal, progress }) => {
        const measured = await (deps.probe ?? runSpeedProbe)({ signal, onProgress: progress });
        // What the report uses pools this probe with the last few of this machine (calibration-store).
        const calibration = await saveCalibration(deps.cacheDir, snapshot.cpu.model, measured, { fresh: request.fresh });
        deps.setCalibration(calibration);
        return { calibration };
      });
    },

    async startMeasure(request) {
      refuseRemote(request.path, 'measure');
      return asUserError(async () => {
        if (!looksLikePath(request.path))
          throw new UserFacingError(
            `measure loads a GGUF file; "${request.path}" is not a path (catalog models cannot be measured without their file).`,
            'bad-input',
          );
        const resolved = await resolveModelArg(request.path);
        const contextTokens = contextFor(resolved, request.contextTokens, DEFAULT_MEASURE_CONTEXT_TOKENS);
        const threads = request.threads ?? defaultThreads();
        const [snapshot, cal] = await Promise.all([deps.getSnapshot(), deps.getCalibration()]);
        return deps.startRun('measure', async ({ signal, progress }) => {
          progress({
            phase: 'load',
            done: 0,
            total: 1,
            message: `loading ${resolved.sizable.name} in the llama child process`,
            fraction: 0.05,
          });
          const modelPath = resolved.sizable.filePath as string;
          const result = await measureModel(
            { modelPath, contextTokens, kvType: request.kvType, gpuLayers: request.gpuLayers, threads },
            { timeoutMs: request.timeoutSeconds * 1000, signal },
          );
          const estimate = estimateResolved(resolved, snapshot, {
            contextTokens,
            kvType: request.kvType,
            gpuLayers: result.gpuLayers,
            calibration: cal,
            runtime: 'node-llama-cpp',
          });
          const measurement = {
            model: estimate.model,
            settings: { contextTokens, kvType: request.kvType, gpuLayers: request.gpuLayers, threads },
            backend: result.backend,
            gpuLayers: result.gpuLayers,
            totalLayers: result.totalLayers,
            devices: buffersByDevice(result.buffers),
            buffersBytes: result.buffers.reduce((sum, b) => sum + b.bytes, 0),
            rss: result.rss,
            loadMs: result.loadMs,
            buffers: result.buffers,
            source: {
              kind: 'measured' as const,
              by: 'llama.cpp buffer log',
              detail: `node-llama-cpp ${result.llamaVersion} in a child process, ${new Date().toISOString()}`,
            },
          };
          return { measurement: { measurement, estimate } };
        });
      });
    },
  };
}
