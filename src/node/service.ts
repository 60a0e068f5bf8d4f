// The one implementation of HostApi. Electron's main process, the web host and the CLI are thin
// adapters over it; each validates payloads with the same shared schemas.
import { HostApiSchemas, type HostApi, type HostApiInput, type HostApiMethod, type HostApiOutput } from '../shared/api';
import type { BenchRunState, HardwareSnapshot, ModelList, Report } from '../shared/schema';
import { BenchRunner, DEFAULT_BENCH } from './bench/run';
import { discoverModels } from './models/discovery';
import { openHistory, type HistoryStore } from './bench/history';
import { buildReport, ReportInputError } from '../core/report';
import { applyWhatIf, defaultCacheDir, detectHardware } from './hardware/index';
import { saveCalibration } from './probe/calibration-store';
import { loadCatalog, loadGpuPresets } from './resources';
import { GgufError } from '../core/gguf-types';
import { ModelArgError, modelFromFile } from './models/resolve';
import { findLlamaBench } from './bench/llama-bench';

export type Face = 'electron' | 'web' | 'cli';

export interface ServiceOptions {
  face: Face;
  appVersion?: string;
  /** Replaces real detection (tests, fixtures). */
  detect?: (options: { refresh: boolean }) => Promise<HardwareSnapshot>;
  /** Wait for node-llama-cpp instead of using its cached answer (slower, fresher). */
  waitForLlama?: boolean;
  /** Ask node-llama-cpp in the background of this process when its answer is not cached (long-lived hosts). */
  backgroundRefresh?: boolean;
  /** Where history lives (default: the user's config folder, or RIGHTSIZE_DATA_DIR). */
  dataDir?: string;
  /** Environment to find llama-bench in (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** A failure the user can act on; hosts show its message as it is. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export interface Service extends HostApi {
  /** Stops any running benchmark child (the host is closing). */
  dispose(): void;
  /** Validates the input with the method's schema, calls it, validates the output. */
  call<M extends HostApiMethod>(method: M, input: unknown): Promise<HostApiOutput<M>>;
}

export function createService(options: ServiceOptions): Service {
  const llamaBenchStatus = (): { path: string | null; problem: string | null } => {
    try {
      return { path: findLlamaBench({ env: options.env ?? process.env })?.path ?? null, problem: null };
    } catch (error) {
      return { path: null, problem: (error as Error).message };
    }
  };
  const requireLlamaBench = (): string => {
    const status = llamaBenchStatus();
    if (status.path) return status.path;
    throw new UserFacingError(status.problem ?? 'No llama-bench found: put llama.cpp\'s llama-bench on PATH or set RIGHTSIZE_LLAMA_BENCH to its path (the README says how to build it), then start again.', 'no-llama-bench');
  };
  let history: HistoryStore | null = null;
  const getHistory = (): HistoryStore => (history ??= openHistory(options.dataDir));
  let discovered: Promise<ModelList> | null = null;
  const getModels = (refresh: boolean): Promise<ModelList> => {
    // Bounded: a slow network drive must not hold the report back (design goal: well under 2 s).
    if (!discovered || refresh) discovered = discoverModels({ timeoutMs: 1500 }).then((r) => ({ models: r.models, searched: r.searched }));
    return discovered;
  };
  let hardware: Promise<{ snapshot: HardwareSnapshot; detectMs: number }> | null = null;
  const detect =
    options.detect ??
    ((o: { refresh: boolean }) =>
      detectHardware({ refresh: o.refresh, waitForLlama: options.waitForLlama ?? false, backgroundRefresh: options.backgroundRefresh ?? true }));

  const getSnapshot = (refresh: boolean): Promise<{ snapshot: HardwareSnapshot; detectMs: number }> => {
    if (!hardware || refresh) {
      const started = performance.now();
      const pending = detect({ refresh }).then((snapshot: HardwareSnapshot) => ({ snapshot, detectMs: performance.now() - started }));
      // A failed detection must not stick: the next call tries again.
      pending.catch(() => {
        if (hardware === pending) hardware = null;
      });
      hardware = pending;
      return pending;
    }
    return hardware;
  };

  const runner = new BenchRunner(getHistory, async () => (await getSnapshot(false)).snapshot);
  const userError = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw new UserFacingError((error as Error).message, 'bad-input');
    }
  };

  const api: HostApi = {
    async getReport(input: HostApiInput<'getReport'>): Promise<Report> {
      const request = HostApiSchemas.getReport.input.parse(input);
      // Detection and model discovery run side by side.
      const [{ snapshot, detectMs }, discoveredModels] = await Promise.all([
        getSnapshot(false),
        request.includeDiscovered ? getModels(false) : Promise.resolve({ models: [], searched: [] } as ModelList),
      ]);
      const presets = loadGpuPresets();
      const hw = request.whatIf ? applyWhatIf(snapshot, request.whatIf, presets) : snapshot;
      const local = discoveredModels.models.map((m) => m.path);
      const files = await Promise.all(
        [...new Set([...request.files, ...local])].map(async (path) => {
          try {
            return { model: (await modelFromFile(path)).sizable };
          } catch (error) {
            return { problem: { path, message: error instanceof GgufError || error instanceof ModelArgError ? error.message : `Could not read ${path}: ${(error as Error).message}` } };
          }
        }),
      );
      const extra = files.flatMap((f) => ('model' in f && f.model ? [f.model] : []));
      const problems = files.flatMap((f) => ('problem' in f && f.problem ? [f.problem] : []));
      try {
        return buildReport(hw, loadCatalog(), { contextTokens: request.contextTokens, kvType: request.kvType }, { detectMs }, extra, problems);
      } catch (error) {
        if (error instanceof ReportInputError) throw new UserFacingError(error.message, 'bad-input');
        throw error;
      }
    },
    async getHardware(input: HostApiInput<'getHardware'>): Promise<HardwareSnapshot> {
      const request = HostApiSchemas.getHardware.input.parse(input);
      return (await getSnapshot(request.refresh)).snapshot;
    },
    async listModels(input: HostApiInput<'listModels'>): Promise<ModelList> {
      const request = HostApiSchemas.listModels.input.parse(input);
      return getModels(request.refresh);
    },
    async startBench(input: HostApiInput<'startBench'>): Promise<BenchRunState> {
      const r = HostApiSchemas.startBench.input.parse(input);
      return userError(() =>
        runner.start(r.path, {
          ...DEFAULT_BENCH,
          promptTokens: r.promptTokens,
          genTokens: r.genTokens,
          repetitions: r.repetitions,
          threads: r.threads,
          gpuLayers: r.gpuLayers,
          pricePerKwh: r.pricePerKwh,
          llamaBench: r.withLlamaBench ? requireLlamaBench() : null,
        }),
      );
    },
    async startProbe(): Promise<BenchRunState> {
      return userError(() =>
        runner.startProbe(async (calibration) => {
          const { snapshot } = await getSnapshot(false);
          await saveCalibration(defaultCacheDir(), snapshot.cpu.model, calibration);
          // The next report uses it.
          snapshot.cpu.calibration = calibration;
        }),
      );
    },
    async getBenchRun(input: HostApiInput<'getBenchRun'>): Promise<BenchRunState> {
      return userError(() => runner.get(HostApiSchemas.getBenchRun.input.parse(input).runId));
    },
    async cancelBench(input: HostApiInput<'cancelBench'>): Promise<BenchRunState> {
      return userError(() => runner.cancel(HostApiSchemas.cancelBench.input.parse(input).runId));
    },
    async listBenchHistory(): Promise<HostApiOutput<'listBenchHistory'>> {
      const h = userError(getHistory);
      return { records: h.list(), problem: h.problem };
    },
    async getVersion(): Promise<HostApiOutput<'getVersion'>> {
      return { app: options.appVersion ?? '0.1.0', node: process.versions.node, face: options.face, llamaBench: llamaBenchStatus() };
    },
  };

  return {
    ...api,
    dispose: () => runner.cancelAll(),
    async call<M extends HostApiMethod>(method: M, input: unknown): Promise<HostApiOutput<M>> {
      const schemas = HostApiSchemas[method];
      if (!schemas) throw new UserFacingError(`Unknown method "${String(method)}".`, 'unknown-method');
      const parsed = schemas.input.safeParse(input ?? {});
      if (!parsed.success) {
        throw new UserFacingError(`Invalid ${method} request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`, 'invalid-input');
      }
      const fn = api[method] as (i: unknown) => Promise<unknown>;
      const output = await fn(parsed.data);
      return schemas.output.parse(output) as HostApiOutput<M>;
    },
  };
}
