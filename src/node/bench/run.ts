// The one-click benchmark: runs llama-bench's pp/tg tests in the llama child process, compares the
// result with the estimate, adds energy where a power figure exists,; the service saves it to history.
import { randomUUID } from 'node:crypto';
import { BENCH_REPETITIONS, BENCH_TIMEOUT_SECONDS, GEN_TOKENS, PROMPT_TOKENS } from '../../shared/defaults';
import type { BenchRecord, HardwareSnapshot, LlamaBenchComparison, RunProgress, SpeedCalibration } from '../../shared/schema';
import { LlamaBenchError, runLlamaBench } from './llama-bench';
import { PowerSampler } from './power';
import { benchModel, MeasureError } from '../llama/measure';
import { estimateResolved, modelFromFile } from '../models/resolve';
import { promptWorkOf } from '../../core/gpu-prompt';
import type { SizableModel } from '../../core/report';

export interface BenchSettings {
  promptTokens: number;
  genTokens: number;
  repetitions: number;
  threads: number | 'auto';
  gpuLayers: number | 'auto';
  timeoutMs: number;
  /** Electricity price per kWh in the user's currency, for cost per million tokens. */
  pricePerKwh: number | null;
  /** A llama-bench binary to run on the same file and threads after ours, for a side-by-side figure. */
  llamaBench: string | null;
}

export const DEFAULT_BENCH: BenchSettings = {
  promptTokens: PROMPT_TOKENS,
  genTokens: GEN_TOKENS,
  repetitions: BENCH_REPETITIONS,
  threads: 'auto',
  gpuLayers: 'auto',
  timeoutMs: BENCH_TIMEOUT_SECONDS * 1000,
  pricePerKwh: null,
  llamaBench: null,
};

const PHASE_SPAN: Record<string, [number, number]> = {
  load: [0, 0.1],
  threads: [0.1, 0.3],
  pp: [0.3, 0.6],
  tg: [0.6, 0.95],
  ttft: [0.95, 1],
};
/** With llama-bench after ours, our phases take the first part of the bar. */
const OURS_SHARE_WITH_LLAMA_BENCH = 0.6;

/** Power the run drew: a GPU's board power (preset TDP) when layers ran there; none for CPU-only runs. */
function powerFor(hardware: HardwareSnapshot, onGpu: boolean): { watts: number; by: string } | null {
  if (!onGpu) return null;
  const gpu = hardware.gpus.find((g) => g.tdpWatts !== null && !g.integrated) ?? hardware.gpus.find((g) => g.tdpWatts !== null);
  return gpu?.tdpWatts ? { watts: gpu.tdpWatts, by: `${gpu.name} board power (TDP) from resources/hardware/gpus.json` } : null;
}

export async function runBenchmark(
  modelPath: string,
  settings: BenchSettings,
  hardware: HardwareSnapshot,
  options: { signal?: AbortSignal; onProgress?: (p: RunProgress) => void; calibration?: SpeedCalibration | null } = {},
): Promise<BenchRecord> {
  const resolved = await modelFromFile(modelPath);
  // Sample the GPU's real power draw while it generates (NVIDIA: nvidia-smi), else fall back to TDP.
  const nvidia = hardware.gpus.some((g) => g.vendor === 'nvidia' && g.backend === 'cuda');
  const sampler = nvidia ? new PowerSampler() : null;
  const result = await benchModel(
    {
      modelPath: resolved.sizable.filePath as string,
      promptTokens: settings.promptTokens,
      genTokens: settings.genTokens,
      repetitions: settings.repetitions,
      threads: settings.threads,
      gpuLayers: settings.gpuLayers,
      gpu: hardware.gpus.some((g) => g.backend !== 'none') ? 'auto' : false,
    },
    {
      timeoutMs: settings.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => {
        if (p.phase === 'tg') sampler?.start();
        else if (p.phase === 'ttft') sampler?.stop();
        const [from, to] = PHASE_SPAN[p.phase] ?? [0, 1];
        const fraction = from + (to - from) * (p.total > 0 ? p.done / p.total : 0);
        options.onProgress?.({ ...p, fraction: settings.llamaBench ? fraction * OURS_SHARE_WITH_LLAMA_BENCH : fraction });
      },
    },
  );
  const llamaBench = settings.llamaBench
    ? await compareWithLlamaBench(settings.llamaBench, resolved.sizable.filePath as string, settings, result, options)
    : null;
  const predicted = estimateResolved(resolved, hardware, {
    contextTokens: Math.min(resolved.sizable.maxContext, settings.promptTokens + settings.genTokens),
    kvType: 'f16',
    gpuLayers: result.gpuLayers,
    calibration: options.calibration ?? null,
    runtime: 'node-llama-cpp',
  }).tokPerSec;
  const sampled = sampler?.stop() ?? null;
  const power =
    sampled !== null && result.gpuLayers > 0
      ? { watts: sampled, by: 'nvidia-smi power.draw, mean while generating', measured: true }
      : powerFor(hardware, result.gpuLayers > 0);
  const joulesPerToken = power ? power.watts / result.tg.mean : null;
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    model: {
      path: resolved.sizable.filePath as string,
      name: resolved.sizable.name,
      quant: resolved.sizable.quant,
      paramsB: resolved.sizable.paramsB,
      fileBytes: resolved.fileBytes,
    },
    settings: {
      promptTokens: settings.promptTokens,
      genTokens: settings.genTokens,
      repetitions: settings.repetitions,
      threads: settings.threads,
      gpuLayers: settings.gpuLayers,
    },
    backend: result.backend,
    gpuLayers: result.gpuLayers,
    totalLayers: result.totalLayers,
    threads: result.threads,
    pp: result.pp,
    tg: result.tg,
    tgMethod: result.tgMethod,
    tgLoop: result.tgLoop,
    ttftMs: result.ttftMs,
    loadMs: result.loadMs,
    peakRssBytes: result.peakRssBytes,
    predictedTgTokPerSec: predicted,
    promptWork: keptPromptWork(resolved.sizable),
    energy:
      power && joulesPerToken !== null
        ? {
            watts: power.watts,
            wattsSource:
              'measured' in power
                ? { kind: 'measured', by: 'nvidia-smi', detail: power.by }
                : { kind: 'catalogued', by: 'resources/hardware/gpus.json', detail: power.by },
            joulesPerToken,
            pricePerKwh: settings.pricePerKwh,
            costPerMillionTokens: settings.pricePerKwh !== null ? ((joulesPerToken * 1e6) / 3.6e6) * settings.pricePerKwh : null,
          }
        : null,
    hardware: {
      cpu: hardware.cpu.model,
      gpus: hardware.gpus.map((g) => g.name),
      ramBytes: hardware.ram.totalBytes,
      os: `${hardware.os.platform} ${hardware.os.release ?? ''}`.trim(),
    },
    llamaBench,
    source: {
      kind: 'measured',
      by: `rightsize bench (node-llama-cpp ${result.llamaVersion})`,
      detail: `pp${settings.promptTokens}/tg${settings.genTokens} x ${settings.repetitions}, ${result.threads.pp}/${result.threads.tg} threads (pp/tg)`,
    },
  };
}

/**
 * llama-bench on the same file at the thread counts and GPU layers our run settled on. Its failure
 * is recorded next to our figures (they still stand); a cancel or the time limit ends the whole run.
 */
async function compareWithLlamaBench(
  binary: string,
  modelPath: string,
  settings: BenchSettings,
  ours: { threads: { pp: number; tg: number }; gpuLayers: number; loadMs: number },
  options: { signal?: AbortSignal; onProgress?: (p: RunProgress) => void },
): Promise<LlamaBenchComparison> {
  const message = `llama-bench on the same file (${ours.threads.pp}/${ours.threads.tg} threads, ${ours.gpuLayers} GPU layers)`;
  options.onProgress?.({ phase: 'llama-bench', done: 0, total: 1, message, fraction: OURS_SHARE_WITH_LLAMA_BENCH });
  try {
    const r = await runLlamaBench(
      binary,
      {
        modelPath,
        promptTokens: settings.promptTokens,
        genTokens: settings.genTokens,
        repetitions: settings.repetitions,
        ppThreads: ours.threads.pp,
        tgThreads: ours.threads.tg,
        gpuLayers: ours.gpuLayers,
      },
      { timeoutMs: settings.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) },
    );
    options.onProgress?.({ phase: 'llama-bench', done: 1, total: 1, message: 'llama-bench done', fraction: 1 });
    return { binary, version: r.version, pp: r.pp, tg: r.tg, error: r.error };
  } catch (error) {
    if (error instanceof LlamaBenchError && (error.code === 'cancelled' || error.code === 'timeout'))
      throw new MeasureError(error.message, error.code);
    return { binary, version: null, pp: null, tg: null, error: (error as Error).message };
  }
}

/** What a record keeps of its model's prompt work (src/core/gpu-prompt.ts), so its GPU rate outlives the file. */
function keptPromptWork(sizable: SizableModel): NonNullable<BenchRecord['promptWork']> {
  const work = promptWorkOf(Math.min(sizable.activeParamsB, sizable.paramsB), sizable.shape);
  return {
    activeParamsB: work.activeParamsB,
    layers: sizable.shape.layers,
    heads: sizable.shape.heads,
    headDim: sizable.shape.headDim,
    routed: work.routed ?? null,
  };
}
