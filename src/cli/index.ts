// The command line over the same service as the app: `rightsize report`, `rightsize serve`.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { KV_TYPES, type KvType } from '../shared/precision';
import { EstimateResultSchema, MeasurementSchema, ReportSchema, type HardwareSnapshot, type WhatIf } from '../shared/schema';
import { parseSizeBytes, SizeParseError } from '../shared/units';
import { createService, UserFacingError } from '../node/service';
import { buffersByDevice, defaultThreads, MeasureError, measureModel } from '../node/llama/measure';
import { estimateResolved, ModelArgError, resolveModelArg } from '../node/models/resolve';
import { loadGpuPresets } from '../node/resources';
import { formatEstimate, formatMeasurement, formatReport } from './format';
import { runBench } from './commands/bench';
import { runModels } from './commands/models';
import { discoverModels } from '../node/models/discovery';

export const USAGE = `rightsize: which models can I run here, at which size and precision, and how fast?

Usage:
  rightsize report [--json] [--ctx N] [--kv f16|q8_0|q4_0] [--vram SIZE] [--ram SIZE] [--gpu NAME] [--refresh]
  rightsize estimate <file.gguf | catalog-id> [--quant Q] [--ctx N] [--kv T] [--gpu-layers N|auto] [--json] [what-if flags]
  rightsize measure <file.gguf> [--ctx N] [--kv T] [--gpu-layers N|auto] [--threads N] [--timeout S] [--json]
  rightsize models [--json] [--folder DIR]...
  rightsize bench <file.gguf | model name> [-p 512] [-n 128] [-r 5] [--threads N|auto] [--gpu-layers N|auto] [-o md|csv|json] [--price PER_KWH]
  rightsize probe [--json]
  rightsize serve [--port N]
  rightsize help | --version

report     Detected hardware, the start-small ladder and the fit matrix of every catalogued model.
  --json     The whole report as JSON (valid against the shared schema), alone on stdout.
  --ctx N    Context length in tokens (e.g. 4096, 8k). Default 8192.
  --kv T     KV cache type: f16 (default), q8_0 or q4_0.
  --vram S   What-if: plan for this much VRAM (e.g. 8GiB, 12GB; 0 = no GPU).
  --ram S    What-if: plan for this much RAM (e.g. 32GiB).
  --gpu NAME What-if: plan for this GPU (e.g. "RTX 4090"); VRAM and bandwidth from the presets.
  --refresh  Ask node-llama-cpp again instead of using its cached answer (about a second).
estimate   Memory per device (weights, repacked copy, KV cache, compute, output, overhead) for one model:
           a GGUF file sized from its real tensors, or a catalog id at --quant (default Q4_K_M).
           --gpu-layers auto finds the most layers that fit the detected (or what-if) VRAM.
measure    Loads a GGUF file with node-llama-cpp in a child process and reports what llama.cpp
           allocated, next to the estimate for the same settings.
models     GGUF files already on this machine: LM Studio, Ollama (by its names, e.g. llama3.1:8b), the
           Hugging Face cache, node-llama-cpp's folder, and folders you add with --folder.
bench      Prompt processing and generation speed in llama-bench's terms (pp512, tg128, mean ± sd), time
           to first token, load time and peak memory, with the best thread count found for this
           machine; a progress bar, Ctrl+C stops it at once; results are saved to history.
probe      About ten seconds of real generation on generated models: measures this machine's read speed
           and matrix throughput per tensor type and calibrates every CPU speed estimate.
serve      The app's UI in your browser, on 127.0.0.1 with a per-run token.
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

export function parseContext(text: string): number {
  const match = /^\s*(\d+)\s*(k|K)?\s*$/.exec(text);
  if (!match) throw new UsageError(`--ctx "${text}" is not a number of tokens; write e.g. 8192 or 8k.`);
  const tokens = Number(match[1]) * (match[2] ? 1024 : 1);
  if (tokens <= 0) throw new UsageError('--ctx must be at least 1 token; try 4096 or 8192.');
  return tokens;
}

function parseSizeFlag(flag: string, text: string, allowZero: boolean): number {
  if (allowZero && /^\s*0+(\.0+)?\s*[a-zA-Z]*\s*$/.test(text)) return 0;
  try {
    return parseSizeBytes(text);
  } catch (error) {
    if (error instanceof SizeParseError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  ctx: { type: 'string' },
  kv: { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
} as const;
const WHAT_IF_OPTIONS = {
  vram: { type: 'string' },
  ram: { type: 'string' },
  gpu: { type: 'string' },
  refresh: { type: 'boolean', default: false },
} as const;

function parseKv(text: string | undefined): KvType {
  const kvType = (text ?? 'f16') as KvType;
  if (!KV_TYPES.includes(kvType)) throw new UsageError(`--kv "${text}" is not a KV cache type; use one of ${KV_TYPES.join(', ')}.`);
  return kvType;
}

function parseWhatIf(values: { vram?: string; ram?: string; gpu?: string }): WhatIf {
  const whatIf: WhatIf = {};
  if (values.vram !== undefined) whatIf.vramBytes = parseSizeFlag('vram', values.vram, true);
  if (values.ram !== undefined) whatIf.ramBytes = parseSizeFlag('ram', values.ram, false);
  if (values.gpu !== undefined) {
    if (values.gpu.trim() === '') throw new UsageError('--gpu needs a GPU name, e.g. --gpu "RTX 4090".');
    whatIf.gpuName = values.gpu.trim();
  }
  return whatIf;
}

function parseGpuLayers(text: string | undefined, fallback: number | 'auto'): number | 'auto' {
  if (text === undefined) return fallback;
  if (text === 'auto') return 'auto';
  if (!/^\d+$/.test(text)) throw new UsageError(`--gpu-layers "${text}" must be a whole number of layers or "auto".`);
  return Number(text);
}

function useColor(values: { color?: boolean; 'no-color'?: boolean }, io: CliIO): boolean {
  return values['no-color'] ? false : Boolean(values.color ?? (io.isTTY && !process.env.NO_COLOR));
}

async function runReport(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { ...COMMON_OPTIONS, ...WHAT_IF_OPTIONS } });
  const contextTokens = values.ctx !== undefined ? parseContext(values.ctx) : 8192;
  const kvType = parseKv(values.kv);
  const whatIf = parseWhatIf(values);
  const service = createService({ face: 'cli', waitForLlama: values.refresh, backgroundRefresh: false });
  if (values.refresh) await service.getHardware({ refresh: true });
  const report = await service.call('getReport', {
    contextTokens,
    kvType,
    ...(Object.keys(whatIf).length ? { whatIf } : {}),
  });
  const llama = report.hardware.sources.find((x) => x.id === 'node-llama-cpp');
  if (llama?.status === 'skipped') refreshCacheInBackground();
  if (values.json) {
    io.stdout(JSON.stringify(ReportSchema.parse(report), null, 2) + '\n');
  } else {
    io.stdout(formatReport(report, useColor(values, io)) + '\n');
  }
  return 0;
}

async function hardwareFor(whatIf: WhatIf, refresh: boolean): Promise<HardwareSnapshot> {
  const { detectHardware, applyWhatIf } = await import('../node/hardware/index');
  const snapshot = await detectHardware({ refresh, waitForLlama: refresh, backgroundRefresh: false });
  return Object.keys(whatIf).length ? applyWhatIf(snapshot, whatIf, loadGpuPresets()) : snapshot;
}

async function runEstimate(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, ...WHAT_IF_OPTIONS, quant: { type: 'string' }, 'gpu-layers': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('estimate needs one model: a .gguf file or a catalog id, e.g. `rightsize estimate llama-3.1-8b --quant Q4_K_M`.');
  const resolved = await resolveModelArg(positionals[0] as string, values.quant);
  const contextTokens = values.ctx !== undefined ? parseContext(values.ctx) : Math.min(8192, resolved.sizable.maxContext);
  if (contextTokens > resolved.sizable.maxContext) {
    throw new UsageError(`--ctx ${contextTokens} is beyond this model's maximum context (${resolved.sizable.maxContext}).`);
  }
  const hardware = await hardwareFor(parseWhatIf(values), values.refresh);
  const result = EstimateResultSchema.parse(
    estimateResolved(resolved, hardware, { contextTokens, kvType: parseKv(values.kv), gpuLayers: parseGpuLayers(values['gpu-layers'], 'auto') }),
  );
  io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatEstimate(result, useColor(values, io))}\n`);
  return 0;
}

/** A bench target: a GGUF path, or a model `rightsize models` found (by Ollama name, file name or display name). */
async function resolveBenchModel(arg: string): Promise<string> {
  if (/[\\/]/.test(arg) || arg.toLowerCase().endsWith('.gguf')) return arg;
  const { models } = await discoverModels();
  const wanted = arg.toLowerCase();
  const found =
    models.find((m) => m.ollamaName?.toLowerCase() === wanted) ??
    models.find((m) => m.displayName.toLowerCase() === wanted) ??
    models.find((m) => m.displayName.toLowerCase().includes(wanted));
  if (!found) {
    throw new UsageError(`"${arg}" is not a file and not among the ${models.length} models \`rightsize models\` found. Give a path to a .gguf file.`);
  }
  return found.path;
}

async function runProbe(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { json: { type: 'boolean', default: false } } });
  const { runSpeedProbe } = await import('../node/probe/probe');
  const { saveCalibration } = await import('../node/probe/calibration-store');
  const { defaultCacheDir } = await import('../node/hardware/index');
  const hardware = await hardwareFor({}, false);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const calibration = await runSpeedProbe({ signal: controller.signal, onProgress: (p) => io.stderr(`${Math.round(p.fraction * 100)}% ${p.message}\n`) });
    await saveCalibration(defaultCacheDir(), hardware.cpu.model, calibration);
    if (values.json) io.stdout(`${JSON.stringify(calibration, null, 2)}\n`);
    else {
      io.stdout(`Calibrated in ${(calibration.durationMs / 1000).toFixed(1)} s (${calibration.threads.pp}/${calibration.threads.tg} threads for prompt/generation):\n`);
      for (const type of Object.keys(calibration.tgBytesPerSecByType)) {
        const ns = (x: number | undefined): string => `${((x ?? 0) * 1e9).toFixed(1)} ns/row`;
        io.stdout(
          `  ${type.padEnd(5)} generation reads ${((calibration.tgBytesPerSecByType[type] ?? 0) / 1e9).toFixed(1)} GB/s + ${ns(calibration.tgSecondsPerRowByType[type])}, prompt processing ${((calibration.ppFlopsByType[type] ?? 0) / 1e9).toFixed(0)} GFLOP/s + ${ns(calibration.ppSecondsPerRowByType[type])}\n`,
        );
      }
      io.stdout(`  fixed cost ${(calibration.tgSecondsPerToken * 1000).toFixed(3)} ms per token + ${(calibration.tgSecondsPerLayer * 1e6).toFixed(1)} µs per layer\n`);
      io.stdout(
        `  RAM ${(calibration.tgMemoryBytesPerSec / 1e9).toFixed(1)} GB/s for weights larger than the ${(calibration.lastLevelCacheBytes / 2 ** 20).toFixed(0)} MiB cache (generation reads them once per token, prompts ${calibration.ppRamReadsPerToken.toFixed(2)} of them per token)\n`,
      );
      io.stdout('Every CPU speed in `rightsize report` now uses these figures (marked calibrated).\n');
    }
    return 0;
  } catch (error) {
    if (error instanceof MeasureError) throw new UserFacingError(`probe ${error.code === 'cancelled' ? 'cancelled' : 'failed'}: ${error.message}`, error.code);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function runMeasure(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, 'gpu-layers': { type: 'string' }, threads: { type: 'string' }, timeout: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('measure needs one GGUF file, e.g. `rightsize measure ./model.gguf --ctx 4096`.');
  const path = positionals[0] as string;
  if (!/[\\/]/.test(path) && !path.toLowerCase().endsWith('.gguf')) throw new UsageError(`measure loads a GGUF file; "${path}" is not a path (catalog models cannot be measured without their file).`);
  const resolved = await resolveModelArg(path);
  const contextTokens = values.ctx !== undefined ? parseContext(values.ctx) : Math.min(4096, resolved.sizable.maxContext);
  const kvType = parseKv(values.kv);
  const threads = values.threads === undefined ? defaultThreads() : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads "${values.threads}" must be a whole number of at least 1.`);
  const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!(timeoutS > 0)) throw new UsageError(`--timeout "${values.timeout}" must be a number of seconds.`);
  const gpuLayers = parseGpuLayers(values['gpu-layers'], 'auto');
  let result;
  try {
    result = await measureModel({ modelPath: resolved.sizable.filePath as string, contextTokens, kvType, gpuLayers, threads }, { timeoutMs: timeoutS * 1000 });
  } catch (error) {
    if (error instanceof MeasureError) throw new UserFacingError(error.message, error.code);
    throw error;
  }
  const devices = buffersByDevice(result.buffers);
  const hardware = await hardwareFor({}, false);
  const estimate = estimateResolved(resolved, hardware, { contextTokens, kvType, gpuLayers: result.gpuLayers });
  const measurement = MeasurementSchema.parse({
    model: estimate.model,
    settings: { contextTokens, kvType, gpuLayers, threads },
    backend: result.backend,
    gpuLayers: result.gpuLayers,
    totalLayers: result.totalLayers,
    devices,
    buffersBytes: result.buffers.reduce((s, b) => s + b.bytes, 0),
    rss: result.rss,
    loadMs: result.loadMs,
    buffers: result.buffers,
    source: { kind: 'measured', by: 'llama.cpp buffer log', detail: `node-llama-cpp ${result.llamaVersion} in a child process, ${new Date().toISOString()}` },
  });
  io.stdout(values.json ? `${JSON.stringify({ measurement, estimate }, null, 2)}\n` : `${formatMeasurement(measurement, estimate, useColor(values, io))}\n`);
  return 0;
}

/**
 * node-llama-cpp takes about a second to load, too long to wait for on every run: a detached
 * process asks it and caches the answer for the next run (keyed by GPU and driver).
 */
function refreshCacheInBackground(): void {
  if (process.env.RIGHTSIZE_NO_BACKGROUND_REFRESH || !process.argv[1]) return;
  try {
    const child = spawn(process.execPath, [process.argv[1], '__refresh-cache'], { detached: true, stdio: 'ignore', env: process.env });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The next run simply tries again.
  }
}

async function runRefreshCache(): Promise<number> {
  const { detectHardware } = await import('../node/hardware/index');
  await detectHardware({ refresh: true, backgroundRefresh: false });
  return 0;
}

async function runServe(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { port: { type: 'string' } } });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${values.port}" is not a port number (0-65535).`);
  const { startWebHost } = await import('../web/server');
  const { fileURLToPath } = await import('node:url');
  const { existsSync } = await import('node:fs');
  const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  if (!existsSync(`${rendererDir}index.html`)) {
    throw new UsageError(`The UI is not built (${rendererDir}index.html is missing). Run \`npm run build\` first.`);
  }
  const service = createService({ face: 'web' });
  // Detect while the user opens the browser, so the first report is ready when the page asks.
  void service.getHardware({ refresh: false }).catch(() => undefined);
  void service.listModels({}).catch(() => undefined);
  const host = await startWebHost({ service, rendererDir, port });
  io.stdout(`rightsize web mode on 127.0.0.1 only. Open:\n  ${host.url}\n(the token in the URL is new each run; Ctrl+C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      service.dispose(); // a running benchmark's child stops with the host
      void host.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'report':
        return await runReport(rest, io);
      case 'serve':
        return await runServe(rest, io);
      case 'estimate':
        return await runEstimate(rest, io);
      case 'models':
        return await runModels(rest, io);
      case 'probe':
        return await runProbe(rest, io);
      case 'bench':
        return await runBench(rest, io, resolveBenchModel, () => hardwareFor({}, false));
      case 'measure':
        return await runMeasure(rest, io);
      case '__refresh-cache':
        return await runRefreshCache();
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
      case 'version':
        io.stdout('0.1.0\n');
        return 0;
      default:
        throw new UsageError(`Unknown command "${command}". Commands: report, serve, help.`);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof UsageError || error instanceof UserFacingError || error instanceof ModelArgError || (code && code.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`rightsize: ${(error as Error).message}\nRun \`rightsize help\` for usage.\n`);
      return 2;
    }
    io.stderr(`rightsize: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
