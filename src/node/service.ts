// The one implementation of HostApi. Electron's main process, the web host and the CLI are thin
// faces over it: each translates its transport to `call` (which validates input and output with
// the shared schemas) and `onEvent` (runs' progress, detection news), and formats the answer.
import type { z } from 'zod';
import { DEFAULT_CONTEXT_TOKENS } from '../shared/defaults';
import {
  HostApiSchemas,
  type HostApiInput,
  type HostApiMethod,
  type HostApiOutput,
  type HostEvent,
  type HostEventListener,
} from '../shared/api';
import type { BenchRecord, HardwareSnapshot, ModelList, Report, RunState, SpeedCalibration } from '../shared/schema';
import type { HistoryStore } from './bench/history';
import { readHistoryRecords } from './bench/history-read';
import { defaultDataDir } from './data-dir';
import { findLlamaBench } from './bench/llama-bench';
import { discoverModels } from './models/discovery';
import { estimateResolved, isRemoteRef, modelFromFile, resolveModelArg, type ResolvedModel } from './models/resolve';
import { contextFor, findDiscovered, looksLikePath } from './models/refs';
import { defaultCacheDir, detectHardware, withWhatIf } from './hardware/index';
import { readCalibration } from './probe/calibration-store';
import { runSpeedProbe } from './probe/probe';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from './resources';
import { presetList } from './presets';
import { adviseFromPresets } from './hardware/upgrade-options';
import { RunRegistry } from './runs';
import { APP_VERSION } from './app-version';
import { buildReportFor, calibrationFor, fileStamp } from './report-for-request';
import { createProfileMethods } from './profiles/methods';
import { createRunMethods } from './run-methods';
import { autoProbeEnabled, createAutoProbe } from './auto-probe';
import { createCommandMethods } from './command-methods';
import { compareProfiles } from './compare';
import { planPool } from './pool';
import { createFinetuneMethods } from './finetune-methods';
import { estimateWithProjector } from './projector-methods';
import type { ProfileBackendFactory, ProfileStore } from './profiles/store';
import { asUserError, clip, rethrowAsUser, UserFacingError } from './user-error';
import { scoresOf } from '../core/catalog-match';

// The faces import this module only (design.md, import rules), so the error they check for is here too.
export { UserFacingError } from './user-error';
export type { ProfileBackendFactory } from './profiles/store';

type Face = 'electron' | 'web' | 'cli';

export interface ServiceOptions {
  face: Face;
  appVersion?: string;
  /** Replaces real detection (tests, fixtures). */
  detect?: (options: { refresh: boolean; onRefreshed: (snapshot: HardwareSnapshot) => void }) => Promise<HardwareSnapshot>;
  /** Replaces real model discovery (tests). */
  discover?: (options: { folders: string[] }) => Promise<ModelList>;
  /** Replaces the real speed probe, which loads models in a child process (tests). */
  probe?: typeof runSpeedProbe;
  /** Wait for node-llama-cpp instead of using its cached answer (slower, fresher). */
  waitForLlama?: boolean;
  /** Ask node-llama-cpp in the background of this process when its answer is not cached (long-lived hosts). */
  backgroundRefresh?: boolean;
  /** Run the quick probe in the background when this machine has no calibration (the app, web mode; off in the CLI and with RIGHTSIZE_NO_AUTO_PROBE=1). */
  autoProbe?: boolean;
  /** Where history lives (default: the user's config folder, or RIGHTSIZE_DATA_DIR). */
  dataDir?: string;
  /** Where detection and calibration are cached (default: RIGHTSIZE_CACHE_DIR or the user's cache folder). */
  cacheDir?: string;
  /** Environment to find llama-bench in (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** A llama-bench the user named on the command line; a page can never name one. */
  llamaBenchPath?: string;
  /** Writes profiles.json: electron-store in the app; conf (the same file format) by default. */
  profileBackend?: ProfileBackendFactory;
}

export interface Service {
  /** Validates the input with the method's schema, calls it, validates the output. */
  call<M extends HostApiMethod>(method: M, input: unknown): Promise<HostApiOutput<M>>;
  /** Runs' progress and end, detection news. Returns the function that unsubscribes. */
  onEvent(listener: HostEventListener): () => void;
  /** Stops any running child process (the host is closing). */
  dispose(): void;
}

/** Each method gets its input already parsed (defaults filled in) by `call`. */
type Implementation = { [M in HostApiMethod]: (input: z.output<(typeof HostApiSchemas)[M]['input']>) => Promise<HostApiOutput<M>> };

/** Reports kept for requests asked again (every open page, each what-if), about 0.8 MiB each; the least recently used goes first. */
const REPORT_CACHE_ENTRIES = 16;
const NO_MODELS: ModelList = { models: [], searched: [] };

/**
 * A report with what it was built from: a new snapshot or calibration is a miss, never a stale hit.
 * Model files (discovered or asked for) are in the key with their size and time.
 */
interface CachedReport {
  snapshot: HardwareSnapshot;
  calibration: SpeedCalibration | null;
  report: Promise<Report>;
}

/** Model discovery may not hold a report back longer than this (a slow network drive). */
const DISCOVERY_BUDGET_MS = 1500;

export function createService(options: ServiceOptions): Service {
  const listeners = new Set<HostEventListener>();
  const emit = (event: HostEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A face's listener failing must not stop the others or the run.
      }
    }
  };
  const runs = new RunRegistry((run) => emit({ type: 'run', run }));
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env ?? process.env);
  /** Remote GGUFs (URL, hf:) read with this service's environment (HF_TOKEN, RIGHTSIZE_HF_ENDPOINT) and cache. */
  const remoteOptions = { env: options.env ?? process.env, cacheDir };

  // ---------------------------------------------------------------- llama-bench
  const llamaBenchStatus = (): { path: string | null; problem: string | null } => {
    try {
      const explicit = options.llamaBenchPath !== undefined ? { explicit: options.llamaBenchPath } : {};
      return { path: findLlamaBench({ ...explicit, env: options.env ?? process.env })?.path ?? null, problem: null };
    } catch (error) {
      return { path: null, problem: (error as Error).message };
    }
  };
  const requireLlamaBench = (): string => {
    const status = llamaBenchStatus();
    if (status.path) return status.path;
    throw new UserFacingError(
      status.problem ??
        "No llama-bench found: put llama.cpp's llama-bench on PATH or set RIGHTSIZE_LLAMA_BENCH to its path (the README says how to build it), then start again.",
      'no-llama-bench',
    );
  };

  // ---------------------------------------------------------------- history
  let history: HistoryStore | null = null;
  // Loaded on first use: the store's library costs a quarter of a second at start-up.
  const getHistory = async (): Promise<HistoryStore> => {
    try {
      const { openHistory } = await import('./bench/history');
      return (history ??= openHistory(options.dataDir ?? defaultDataDir(options.env ?? process.env)));
    } catch (error) {
      throw new UserFacingError(
        `The benchmark history cannot be opened: ${(error as Error).message}. Check that its folder is writable, or set RIGHTSIZE_DATA_DIR.`,
        'history',
      );
    }
  };

  // ---------------------------------------------------------------- profiles
  let profileStore: ProfileStore | null = null;
  // Loaded on first use, like history: conf is not needed to print a report.
  const getProfileStore = async (): Promise<ProfileStore> => {
    const { openProfileStore } = await import('./profiles/store');
    const backend = options.profileBackend ? { backend: options.profileBackend } : {};
    return (profileStore ??= openProfileStore({ dir: options.dataDir ?? defaultDataDir(options.env ?? process.env), ...backend }));
  };
  const profiles = createProfileMethods({
    store: getProfileStore,
    detected: async () => (await getSnapshot(false)).snapshot,
    calibration: () => getCalibration(),
    benchRecords: async () => (await getHistory().catch(() => null))?.list() ?? [],
    applyWhatIf: (snapshot, whatIf) => withWhatIf(snapshot, whatIf),
  });
  /** The hardware and calibration a request sizes against: a saved profile's, or this machine's. */
  const sizingFor = async (
    profile: HostApiInput<'getReport'>['profile'],
  ): Promise<{
    snapshot: HardwareSnapshot;
    detectMs: number;
    calibration: SpeedCalibration | null;
    profileName: string | null;
    benchRecords: BenchRecord[];
  }> => {
    if (profile !== undefined) {
      const { snapshot, calibration, name, benchRecords } = await profiles.sizing(profile);
      return { snapshot, detectMs: 0, calibration, profileName: name, benchRecords };
    }
    const [detected, cal, benchRecords] = await Promise.all([
      getSnapshot(false),
      getCalibration(),
      history ? Promise.resolve(history.list()) : readHistoryRecords(options.dataDir ?? defaultDataDir(options.env ?? process.env)),
    ]);
    return { ...detected, calibration: cal, profileName: null, benchRecords };
  };

  // ---------------------------------------------------------------- models on this machine
  let discovered: Promise<ModelList> | null = null;
  const discover = (folders: string[]): Promise<ModelList> =>
    options.discover
      ? options.discover({ folders })
      : discoverModels({ timeoutMs: DISCOVERY_BUDGET_MS, extraFolders: folders }).then((r) => ({ models: r.models, searched: r.searched }));
  const getModels = (refresh: boolean, folders: string[] = []): Promise<ModelList> => {
    if (folders.length) return discover(folders);
    if (!discovered || refresh) discovered = discover([]);
    return discovered;
  };

  // ---------------------------------------------------------------- hardware and calibration
  let hardware: Promise<{ snapshot: HardwareSnapshot; detectMs: number }> | null = null;
  const detect =
    options.detect ??
    ((o: { refresh: boolean; onRefreshed: (snapshot: HardwareSnapshot) => void }) =>
      detectHardware({
        refresh: o.refresh,
        cacheDir,
        waitForLlama: options.waitForLlama ?? false,
        backgroundRefresh: options.backgroundRefresh ?? true,
        onLlamaRefreshed: o.onRefreshed,
      }));
  const onRefreshed = (snapshot: HardwareSnapshot): void => {
    hardware = Promise.resolve({ snapshot, detectMs: 0 });
    emit({ type: 'hardware', phase: 'refreshed', message: 'node-llama-cpp answered; the report can be read again with its GPU figures.' });
  };
  const getSnapshot = (refresh: boolean): Promise<{ snapshot: HardwareSnapshot; detectMs: number }> => {
    if (hardware && !refresh) return hardware;
    const started = performance.now();
    emit({ type: 'hardware', phase: 'detecting', message: refresh ? 'asking every source again' : 'detecting this machine' });
    const pending = detect({ refresh, onRefreshed }).then((snapshot) => ({ snapshot, detectMs: performance.now() - started }));
    pending.then(
      () => emit({ type: 'hardware', phase: 'detected', message: 'hardware detected' }),
      (error: unknown) => {
        // A failed detection must not stick: the next call tries again.
        if (hardware === pending) hardware = null;
        emit({ type: 'hardware', phase: 'failed', message: `detection failed: ${(error as Error).message}` });
      },
    );
    hardware = pending;
    return pending;
  };

  let calibration: Promise<SpeedCalibration | null> | null = null;
  const getCalibration = async (): Promise<SpeedCalibration | null> => {
    calibration ??= getSnapshot(false).then(({ snapshot }) => readCalibration(cacheDir, snapshot.cpu.model));
    return calibration;
  };

  // ---------------------------------------------------------------- model references
  /** A path, a catalog id (estimate only) or a name `rightsize models` found. */
  const resolveRef = async (ref: string, quant: string | undefined, allowCatalog: boolean): Promise<ResolvedModel> => {
    if (looksLikePath(ref) || isRemoteRef(ref)) return resolveModelArg(ref, quant, remoteOptions);
    if (allowCatalog && loadCatalog().some((m) => m.id === ref.toLowerCase())) return resolveModelArg(ref, quant);
    const found = findDiscovered((await getModels(false)).models, ref);
    if (found) {
      const resolved = await modelFromFile(found.path);
      return found.mmproj
        ? { ...resolved, projector: { ...found.mmproj, where: `paired with ${found.displayName} in ${found.source}` } }
        : resolved;
    }
    if (allowCatalog) return resolveModelArg(ref, quant); // its error suggests close catalog ids
    const count = (await getModels(false)).models.length;
    throw new UserFacingError(
      `"${ref}" is not a file and not among the ${count} models \`rightsize models\` found. Give a path to a .gguf file.`,
      'bad-input',
    );
  };

  // ---------------------------------------------------------------- runs: bench, probe, measure
  const runMethods = createRunMethods({
    startRun: (kind, work) => startRun(kind, work),
    getSnapshot: async () => (await getSnapshot(false)).snapshot,
    getCalibration,
    setCalibration: (measured) => {
      calibration = Promise.resolve(measured); // the next report uses it
    },
    resolveRef,
    getHistory,
    requireLlamaBench,
    cacheDir,
    ...(options.probe ? { probe: options.probe } : {}),
  });
  const autoProbe = createAutoProbe({
    enabled: autoProbeEnabled(options.autoProbe, options.env ?? process.env),
    cpuModel: async () => (await getSnapshot(false)).snapshot.cpu.model,
    calibration: getCalibration,
    startProbe: () => runMethods.startProbe({ fresh: false }),
  });
  listeners.add((event) => event.type === 'run' && autoProbe.onRun(event.run));

  // ---------------------------------------------------------------- the methods
  const reportCache = new Map<string, CachedReport>();
  const api: Implementation = {
    async getReport(request) {
      autoProbe.maybeStart(); // in the background; this report is built without waiting for it
      // Detection and model discovery run side by side.
      const [{ calibration: cal, profileName, benchRecords, ...detected }, found] = await Promise.all([
        sizingFor(request.profile),
        request.includeDiscovered ? getModels(false) : Promise.resolve(NO_MODELS),
      ]);
      const paths = [...new Set([...request.files, ...found.models.map((m) => m.path)])];
      // The parsed request (zod fills defaults and orders keys), so `{}` and `{"kvType":"f16"}` share an entry.
      const key = JSON.stringify([
        request.contextTokens,
        request.kvType,
        request.whatIf ?? null,
        request.tensorSplit ?? null,
        [
          request.splitMode ?? null,
          request.mainGpu ?? null,
          request.task ?? null,
          request.benchmark ?? null,
          request.priority ?? null,
          request.minTokPerSec ?? null,
          request.nCpuMoe ?? null,
        ],
        [request.profile ?? null, benchRecords.length, benchRecords.at(-1)?.id ?? null],
        paths,
        await Promise.all(paths.map(fileStamp)),
      ]);
      const cached = reportCache.get(key);
      if (cached && cached.snapshot === detected.snapshot && cached.calibration === cal) {
        reportCache.delete(key);
        reportCache.set(key, cached);
        return cached.report;
      }
      // Kept while it is built, so concurrent requests for the same report wait for one build.
      const entry: CachedReport = {
        snapshot: detected.snapshot,
        calibration: cal,
        report: buildReportFor(request, detected, paths, cal, benchRecords, remoteOptions).then((report) =>
          profileName === null ? report : { ...report, profile: profileName },
        ),
      };
      reportCache.delete(key);
      reportCache.set(key, entry);
      if (reportCache.size > REPORT_CACHE_ENTRIES) reportCache.delete(reportCache.keys().next().value as string);
      entry.report.catch(() => {
        if (reportCache.get(key) === entry) reportCache.delete(key);
      });
      return entry.report;
    },

    async getHardware(request) {
      return (await getSnapshot(request.refresh)).snapshot;
    },

    async estimate(request) {
      return asUserError(async () => {
        const resolved = await resolveRef(request.model, request.quant, true);
        const contextTokens = contextFor(resolved, request.contextTokens, DEFAULT_CONTEXT_TOKENS);
        const sized = await sizingFor(request.profile);
        const hardware = withWhatIf(sized.snapshot, request.whatIf);
        const result = await estimateWithProjector(request, resolved, (adjust) =>
          estimateResolved(resolved, hardware, {
            ...adjust,
            contextTokens,
            kvType: request.kvType,
            gpuLayers: request.gpuLayers,
            calibration: calibrationFor(hardware, sized.snapshot, sized.calibration),
            benchRecords: sized.benchRecords,
            ...(request.tensorSplit ? { tensorSplit: request.tensorSplit } : {}),
            ...(request.splitMode !== undefined ? { splitMode: request.splitMode } : {}),
            ...(request.mainGpu !== undefined ? { mainGpu: request.mainGpu } : {}),
            ...(request.nCpuMoe !== undefined ? { nCpuMoe: request.nCpuMoe } : {}),
          }),
        );
        return { ...result, model: { ...result.model, ...scoresOf(resolved.sizable, loadCatalog()) } };
      });
    },

    async upgradeAdvice(request) {
      return asUserError(async () => {
        const resolved = await resolveRef(request.model, request.quant, true);
        const contextTokens = contextFor(resolved, request.contextTokens, DEFAULT_CONTEXT_TOKENS);
        const { snapshot, calibration, profileName } = await sizingFor(request.profile);
        return { ...adviseFromPresets(resolved.sizable, snapshot, calibration, { ...request, contextTokens }), profile: profileName };
      });
    },

    async listModels(request) {
      return getModels(request.refresh, request.folders);
    },

    ...runMethods,

    async getRun(request) {
      return asUserError(() => runs.get(request.runId)).catch(rethrowAsUser);
    },

    async cancelRun(request) {
      return asUserError(() => runs.cancel(request.runId)).catch(rethrowAsUser);
    },

    async listBenchHistory() {
      const store = await getHistory();
      return { records: store.list(), problem: store.problem };
    },

    async getVersion() {
      return { app: options.appVersion ?? APP_VERSION, node: process.versions.node, face: options.face, llamaBench: llamaBenchStatus() };
    },

    async compareProfiles(request) {
      return compareProfiles(request, api.getReport);
    },

    async listPresets() {
      return presetList(loadGpuPresets(), loadMachinePresets());
    },

    async planPool(request) {
      return planPool(request, sizingFor);
    },

    ...profiles.methods,
    ...createCommandMethods({ resolveRef, sizingFor, estimate: (request) => api.estimate(HostApiSchemas.estimate.input.parse(request)) }),
    ...createFinetuneMethods({ resolveRef, sizingFor }),
  };

  function startRun(kind: RunState['kind'], work: Parameters<RunRegistry['start']>[1]): RunState {
    try {
      return runs.start(kind, work);
    } catch (error) {
      throw new UserFacingError((error as Error).message, 'busy');
    }
  }

  return {
    async call<M extends HostApiMethod>(method: M, input: unknown): Promise<HostApiOutput<M>> {
      const schemas = Object.hasOwn(HostApiSchemas, method) ? HostApiSchemas[method] : undefined;
      if (!schemas) throw new UserFacingError(`Unknown method "${clip(String(method))}".`, 'unknown-method');
      // No input at all means "no options"; null, a number or an array is a malformed request.
      const parsed = schemas.input.safeParse(input === undefined ? {} : input);
      if (!parsed.success) {
        // Clipped: zod quotes unknown keys, and a caller's 10 MB key must not come back as a 10 MB message.
        const issues = parsed.error.issues.slice(0, 5).map((i) => clip(`${i.path.join('.') || 'input'}: ${i.message}`));
        throw new UserFacingError(`Invalid ${method} request: ${issues.join('; ')}`, 'invalid-input');
      }
      const fn = api[method] as (i: unknown) => Promise<unknown>;
      const output = await fn(parsed.data);
      return schemas.output.parse(output) as HostApiOutput<M>;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => runs.cancelAll(),
  };
}
