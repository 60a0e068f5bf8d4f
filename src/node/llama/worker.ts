// The llama child process: loads a GGUF with node-llama-cpp and reports what llama.cpp allocated.
// It runs apart from the app because a malformed file or an out-of-memory GPU load can abort the
// whole process (node-llama-cpp #551); the parent enforces a time limit and survives a crash.
import type { Llama, Token } from 'node-llama-cpp';
import {
  BenchManyRequestSchema,
  BenchRequestSchema,
  MeasureRequestSchema,
  parseBufferLine,
  parseDecodeTimingLine,
  type BenchProgress,
  type DecodeTiming,
  type BenchResult,
  type BufferLine,
  type MeasureResult,
  type SpeedStats,
  type WorkerFailure,
} from './protocol';
import { nodeLlamaCppVersion } from './version';

const KV_GGML_TYPE = { f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' } as const;

function answer(value: MeasureResult | BenchResult | { ok: true; results: BenchResult[] } | WorkerFailure | BenchProgress): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function rssPeakBytes(): number {
  // maxRSS is in KiB on every platform Node supports.
  return process.resourceUsage().maxRSS * 1024;
}

/** llama.cpp's own decode timings, collected from its log by the logger below. */
const decodeTimings: DecodeTiming[] = [];

/** node-llama-cpp with llama.cpp's buffer lines and decode timings collected from its log. */
async function loadLlama(gpu: false | 'auto'): Promise<{ llama: Llama; buffers: BufferLine[] }> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const buffers: BufferLine[] = [];
  const llama = await getLlama({
    gpu,
    build: 'never',
    logLevel: LlamaLogLevel.info,
    logger: (_level, message) => {
      for (const line of message.split('\n')) {
        const parsed = parseBufferLine(line);
        if (parsed) buffers.push(parsed);
        const timing = parseDecodeTimingLine(line);
        if (timing) decodeTimings.push(timing);
      }
    },
  });
  return { llama, buffers };
}

/**
 * Prints and resets the context's llama.cpp counters (performanceTracking on) and returns the
 * single-token decode timing, or null when the line does not arrive (log lines come asynchronously).
 */
async function readDecodeTiming(context: { printTimings(): Promise<void> }): Promise<DecodeTiming | null> {
  const before = decodeTimings.length;
  await context.printTimings();
  for (let waited = 0; decodeTimings.length === before && waited < 500; waited += 10) await new Promise((r) => setTimeout(r, 10));
  return decodeTimings.length > before ? (decodeTimings[decodeTimings.length - 1] as DecodeTiming) : null;
}

async function measure(raw: unknown): Promise<MeasureResult> {
  const request = MeasureRequestSchema.parse(raw);
  const { GgufInsights, readGgufFileInfo, GgmlType } = await import('node-llama-cpp');
  const { llama, buffers } = await loadLlama(request.gpu);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const model = await llama.loadModel({
    modelPath: request.modelPath,
    gpuLayers: request.gpuLayers === 'auto' ? 'auto' : request.gpuLayers,
  });
  const loadMs = performance.now() - t0;
  const rssAfterLoad = process.memoryUsage().rss;
  const t1 = performance.now();
  const kvType = KV_GGML_TYPE[request.kvType];
  const context = await model.createContext({
    contextSize: request.contextTokens,
    threads: request.threads,
    experimentalKvCacheKeyType: kvType,
    experimentalKvCacheValueType: kvType,
  });
  const contextMs = performance.now() - t1;
  // Log lines arrive asynchronously from the native side.
  await new Promise((r) => setTimeout(r, 100));
  const rssAfterContext = process.memoryUsage().rss;

  let insights: MeasureResult['insights'] = null;
  if (request.withInsights) {
    const info = await readGgufFileInfo(request.modelPath);
    const gi = await GgufInsights.from(info, llama);
    const gpuLayers = model.gpuLayers;
    const m = await gi.estimateModelResourceRequirementsV2({ gpuLayers, useMmap: true });
    const c = await gi.estimateContextResourceRequirementsV2({
      contextSize: request.contextTokens,
      modelGpuLayers: gpuLayers,
      batchSize: 512,
      sequences: 1,
      kvCacheKeyType: GgmlType[kvType],
      kvCacheValueType: GgmlType[kvType],
    });
    insights = { modelCpuBytes: m.cpuRam, modelGpuBytes: m.gpuVram, contextCpuBytes: c.cpuRam, contextGpuBytes: c.gpuVram };
  }
  const result: MeasureResult = {
    ok: true,
    backend: llama.gpu === false ? 'cpu' : llama.gpu,
    gpuLayers: model.gpuLayers,
    totalLayers: model.fileInsights.totalLayers,
    buffers,
    rss: { beforeLoadBytes: rssBefore, afterLoadBytes: rssAfterLoad, afterContextBytes: rssAfterContext, peakBytes: rssPeakBytes() },
    loadMs,
    contextMs,
    insights,
    llamaVersion: nodeLlamaCppVersion(),
  };
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return result;
}

function stats(samples: number[]): SpeedStats {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = samples.length > 1 ? Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1)) : 0;
  return { samples, mean, sd };
}

/** Random token ids, as llama-bench feeds (it measures the model, not a prompt). */
function randomTokens(count: number, vocab: number, seed: number): Token[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(1 + ((x >>> 0) % Math.max(1, vocab - 1)));
  }
  return out as unknown as Token[];
}

let sharedLlama: { llama: Llama; buffers: BufferLine[] } | null = null;

async function bench(raw: unknown, keepLlama = false): Promise<BenchResult> {
  const request = BenchRequestSchema.parse(raw);
  const progress = (phase: BenchProgress['phase'], done: number, total: number, message: string): void =>
    answer({ event: 'progress', phase, done, total, message });
  if (!keepLlama || !sharedLlama) sharedLlama = await loadLlama(request.gpu);
  const { llama } = sharedLlama;
  const buffers = sharedLlama.buffers.splice(0);
  progress('load', 0, 1, 'loading the model');
  const t0 = performance.now();
  const model = await llama.loadModel({
    modelPath: request.modelPath,
    gpuLayers: request.gpuLayers === 'auto' ? 'auto' : request.gpuLayers,
  });
  const loadMs = performance.now() - t0;
  progress('load', 1, 1, `loaded in ${(loadMs / 1000).toFixed(2)} s`);
  const vocab = Math.max(2, request.vocabSize);
  const p = request.promptTokens;
  const n = request.genTokens;
  const contextSize = Math.ceil((p + n + 16) / 256) * 256;

  /** One pp test: p random tokens in one batch on an empty sequence. */
  const runPp = async (threads: number, tokens: number, seed: number): Promise<number> => {
    const context = await model.createContext({ contextSize, threads, batchSize: Math.min(512, tokens) });
    try {
      const sequence = context.getSequence();
      const input = randomTokens(tokens, vocab, seed);
      const started = performance.now();
      await sequence.evaluateWithoutGeneratingNewTokens(input);
      return tokens / ((performance.now() - started) / 1000);
    } finally {
      await context.dispose();
    }
  };
  /**
   * One tg test: n tokens decoded one at a time, without sampling (llama-bench's tg). `decode` is
   * llama.cpp's own timer around each llama_decode (what a C++ loop such as llama-bench or
   * llama-server gets); `loop` is the wall clock of the JavaScript loop, which adds node-llama-cpp's
   * round trip per token (1-6 ms on a 2-core machine, bench/results/speed-cpu-2026-12-02-moe2.md).
   */
  const runTg = async (threads: number, tokens: number, seed: number): Promise<{ decode: number | null; loop: number }> => {
    const context = await model.createContext({ contextSize, threads, batchSize: 512, performanceTracking: true });
    try {
      const sequence = context.getSequence();
      const input = randomTokens(tokens, vocab, seed);
      await sequence.evaluateWithoutGeneratingNewTokens([input[0] as Token]); // warm-up, as llama-bench does
      await sequence.clearHistory();
      await readDecodeTiming(context); // resets the counters after the warm-up
      const started = performance.now();
      for (const token of input) await sequence.evaluateWithoutGeneratingNewTokens([token]);
      const loop = tokens / ((performance.now() - started) / 1000);
      const timing = await readDecodeTiming(context);
      const decode = timing && timing.runs === tokens && timing.ms > 0 ? tokens / (timing.ms / 1000) : null;
      return { decode, loop };
    } finally {
      await context.dispose();
    }
  };
  const tgRate = (r: { decode: number | null; loop: number }): number => r.decode ?? r.loop;

  // Threads: the default on small machines oversubscribes and runs 100x slower; find the best here.
  const sweep: BenchResult['threads']['sweep'] = [];
  let ppThreads = typeof request.threads === 'number' ? request.threads : 1;
  let tgThreads = ppThreads;
  if (request.threads === 'auto') {
    const cores = Math.max(1, Math.min(request.maxThreads, (await import('node:os')).availableParallelism()));
    const candidates = [...new Set([1, 2, 4, 6, 8, 12, 16].filter((t) => t <= cores).concat([cores]))].sort((a, b) => a - b);
    let i = 0;
    for (const threads of candidates) {
      progress('threads', i++, candidates.length, `trying ${threads} thread${threads > 1 ? 's' : ''}`);
      const pp = await runPp(threads, Math.min(p, 128), 7);
      const tg = tgRate(await runTg(threads, Math.min(n, 16), 7));
      sweep.push({ threads, ppTokPerSec: pp, tgTokPerSec: tg });
    }
    ppThreads = sweep.reduce((best, s) => (s.ppTokPerSec > best.ppTokPerSec ? s : best)).threads;
    tgThreads = sweep.reduce((best, s) => (s.tgTokPerSec > best.tgTokPerSec ? s : best)).threads;
  }
  if (request.ppThreads) ppThreads = request.ppThreads;
  if (request.tgThreads) tgThreads = request.tgThreads;
  const ppSamples: number[] = [];
  const tgRuns: { decode: number | null; loop: number }[] = [];
  if (request.sweepIsResult && sweep.length > 0) {
    ppSamples.push(Math.max(...sweep.map((s) => s.ppTokPerSec)));
    const best = Math.max(...sweep.map((s) => s.tgTokPerSec));
    tgRuns.push({ decode: best, loop: best });
  } else {
    await runPp(ppThreads, Math.min(p, 32), 99); // warm-up
    for (let r = 0; r < request.repetitions; r++) {
      progress('pp', r, request.repetitions, `pp${p} repetition ${r + 1} of ${request.repetitions}`);
      ppSamples.push(await runPp(ppThreads, p, 1000 + r));
    }
    for (let r = 0; r < request.repetitions; r++) {
      progress('tg', r, request.repetitions, `tg${n} repetition ${r + 1} of ${request.repetitions}`);
      tgRuns.push(await runTg(tgThreads, n, 2000 + r));
    }
  }
  // The decode timer where every repetition has it, else the loop's wall clock for all.
  const byTimer = tgRuns.length > 0 && tgRuns.every((r) => r.decode !== null);
  // Time to first token: a p-token prompt, then the first generated token, as a chat would see it.
  let ttftMs = 0;
  if (!request.skipTtft) {
    progress('ttft', 0, 1, 'time to first token');
    const context = await model.createContext({ contextSize, threads: ppThreads, batchSize: Math.min(512, p) });
    const sequence = context.getSequence();
    const prompt = randomTokens(p, vocab, 3000);
    const started = performance.now();
    const generator = sequence.evaluate(prompt, { temperature: 0 });
    await generator.next();
    ttftMs = performance.now() - started;
    await generator.return();
    await context.dispose();
  }
  const result: BenchResult = {
    ok: true,
    backend: llama.gpu === false ? 'cpu' : llama.gpu,
    gpuLayers: model.gpuLayers,
    totalLayers: model.fileInsights.totalLayers,
    promptTokens: p,
    genTokens: n,
    repetitions: request.repetitions,
    threads: { pp: ppThreads, tg: tgThreads, sweep },
    pp: stats(ppSamples),
    tg: stats(tgRuns.map((r) => (byTimer ? (r.decode as number) : r.loop))),
    tgMethod: byTimer ? 'decode-timer' : 'loop-wall',
    tgLoop: stats(tgRuns.map((r) => r.loop)),
    ttftMs,
    loadMs,
    peakRssBytes: rssPeakBytes(),
    buffers,
    llamaVersion: nodeLlamaCppVersion(),
  };
  await model.dispose();
  if (!keepLlama) await llama.dispose();
  return result;
}

async function benchMany(raw: unknown): Promise<{ ok: true; results: BenchResult[] }> {
  const request = BenchManyRequestSchema.parse(raw);
  const results: BenchResult[] = [];
  for (const item of request.items) {
    const { inheritThreads, ...rest } = item;
    const previous = results[results.length - 1];
    const threads =
      inheritThreads && previous ? { ppThreads: previous.threads.pp, tgThreads: previous.threads.tg, threads: previous.threads.tg } : {};
    results.push(await bench({ ...rest, ...threads, kind: 'bench' }, true));
  }
  await sharedLlama?.llama.dispose();
  return { ok: true, results };
}

async function main(): Promise<void> {
  const input = process.argv[2];
  try {
    const request = JSON.parse(input ?? '{}') as { kind?: string };
    answer(
      request.kind === 'bench' ? await bench(request) : request.kind === 'bench-many' ? await benchMany(request) : await measure(request),
    );
    process.exit(0);
  } catch (error) {
    answer({ ok: false, error: (error as Error).message, code: (error as { code?: string }).code ?? 'failed' });
    process.exit(1);
  }
}

// main answers every failure itself and exits with its code.
void main();
