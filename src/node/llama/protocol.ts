// What the parent asks the llama child process and what it answers: one JSON line each way.
import { z } from 'zod';
import { BENCH_REPETITIONS, GEN_TOKENS, PROMPT_TOKENS } from '../../shared/defaults';
import { BenchRecordSchema, KvTypeSchema, SpeedStatsSchema, TgMethodSchema } from '../../shared/schema';
import { GiB, KiB, MiB } from '../../shared/units';

export const MeasureRequestSchema = z
  .object({
    kind: z.literal('measure'),
    modelPath: z.string().min(1),
    contextTokens: z.number().int().positive(),
    kvType: KvTypeSchema,
    gpuLayers: z.union([z.number().int().nonnegative(), z.literal('auto')]),
    threads: z.number().int().positive(),
    /** Also ask node-llama-cpp's own estimate (GgufInsights), for comparison. */
    withInsights: z.boolean().default(false),
    gpu: z.union([z.literal(false), z.literal('auto')]).default('auto'),
  })
  .strict();
export type MeasureRequest = z.input<typeof MeasureRequestSchema>;

/** One buffer llama.cpp reported allocating, e.g. "CPU_Mapped model buffer size = 4685.30 MiB". */
const BufferLineSchema = z.object({
  device: z.string(),
  kind: z.enum(['model', 'kv', 'compute', 'output']),
  bytes: z.number().nonnegative(),
});
export type BufferLine = z.infer<typeof BufferLineSchema>;

export const MeasureResultSchema = z.object({
  ok: z.literal(true),
  backend: z.string(),
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().nonnegative(),
  buffers: z.array(BufferLineSchema),
  rss: z.object({ beforeLoadBytes: z.number(), afterLoadBytes: z.number(), afterContextBytes: z.number(), peakBytes: z.number() }),
  loadMs: z.number(),
  contextMs: z.number(),
  insights: z
    .object({ modelCpuBytes: z.number(), modelGpuBytes: z.number(), contextCpuBytes: z.number(), contextGpuBytes: z.number() })
    .nullable(),
  llamaVersion: z.string(),
});
export type MeasureResult = z.infer<typeof MeasureResultSchema>;

export const WorkerFailureSchema = z.object({ ok: z.literal(false), error: z.string(), code: z.string() });
export type WorkerFailure = z.infer<typeof WorkerFailureSchema>;

const UNITS: Record<string, number> = { B: 1, KiB, MiB, GiB };

/** Parses llama.cpp's buffer lines from its log. */
export function parseBufferLine(line: string): BufferLine | null {
  const m = /(\S+)\s+(model|KV|RS|compute|output) buffer size\s*=\s*([\d.]+)\s*(B|KiB|MiB|GiB)/.exec(line);
  if (!m) return null;
  // RS: the recurrent state of Mamba-2 and gated-delta-net layers (llama-memory-recurrent.cpp), counted with the KV cache.
  const kind = m[2] === 'KV' || m[2] === 'RS' ? 'kv' : (m[2] as BufferLine['kind']);
  return { device: m[1] as string, kind, bytes: Math.round(Number(m[3]) * (UNITS[m[4] as string] ?? 1)) };
}

/** llama.cpp's decode timer for single-token decodes, as llama_perf_context_print writes it. */
export type DecodeTiming = { ms: number; runs: number };

/** Parses llama_perf_context_print's "eval time" line (not its "prompt eval time" line). */
export function parseDecodeTimingLine(line: string): DecodeTiming | null {
  const m = /:\s+eval time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(line);
  return m ? { ms: Number(m[1]), runs: Number(m[2]) } : null;
}

// ---------------------------------------------------------------- benchmark (llama-bench's pp/tg)

export const BenchRequestSchema = z
  .object({
    kind: z.literal('bench'),
    modelPath: z.string().min(1),
    /** Prompt tokens per prompt-processing test (llama-bench -p). */
    promptTokens: z.number().int().min(1).max(65536).default(PROMPT_TOKENS),
    /** Generated tokens per generation test (llama-bench -n). */
    genTokens: z.number().int().min(1).max(65536).default(GEN_TOKENS),
    repetitions: z.number().int().min(1).max(100).default(BENCH_REPETITIONS),
    /** Threads for prompt processing and generation; 'auto' sweeps 1..cores and keeps the fastest of each. */
    threads: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'),
    gpuLayers: z.union([z.number().int().nonnegative(), z.literal('auto')]).default('auto'),
    gpu: z.union([z.literal(false), z.literal('auto')]).default('auto'),
    maxThreads: z.number().int().positive().default(8),
    /** Separate thread counts for prompt processing and generation (override `threads`). */
    ppThreads: z.number().int().positive().optional(),
    tgThreads: z.number().int().positive().optional(),
    /** Skip the time-to-first-token test (probes). */
    skipTtft: z.boolean().default(false),
    /** With threads 'auto': the sweep's fastest runs are the result, no second pass (the probe, for time). */
    sweepIsResult: z.boolean().default(false),
    /** Token ids are drawn from 1..vocabSize-1 (the parent reads it from the header). */
    vocabSize: z.number().int().positive(),
  })
  .strict();
export type BenchRequest = z.input<typeof BenchRequestSchema>;

/** Several benchmarks in one child process (the probe): node-llama-cpp loads once. An item with
 * `inheritThreads` uses the thread counts the previous item found. */
export const BenchManyRequestSchema = z
  .object({
    kind: z.literal('bench-many'),
    items: z
      .array(BenchRequestSchema.extend({ inheritThreads: z.boolean().default(false) }))
      .min(1)
      .max(16),
  })
  .strict();

export const BenchProgressSchema = z.object({
  event: z.literal('progress'),
  phase: z.enum(['load', 'threads', 'pp', 'tg', 'ttft']),
  done: z.number(),
  total: z.number(),
  message: z.string(),
});
export type BenchProgress = z.infer<typeof BenchProgressSchema>;

/** Tokens per second of each repetition, with mean and sample standard deviation (shared with history). */
export type SpeedStats = z.infer<typeof SpeedStatsSchema>;

export const BenchResultSchema = z.object({
  ok: z.literal(true),
  backend: z.string(),
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().nonnegative(),
  promptTokens: z.number().int(),
  genTokens: z.number().int(),
  repetitions: z.number().int(),
  threads: BenchRecordSchema.shape.threads,
  pp: SpeedStatsSchema,
  tg: SpeedStatsSchema,
  tgMethod: TgMethodSchema,
  tgLoop: SpeedStatsSchema,
  ttftMs: z.number(),
  loadMs: z.number(),
  peakRssBytes: z.number(),
  buffers: z.array(BufferLineSchema),
  llamaVersion: z.string(),
});
export type BenchResult = z.infer<typeof BenchResultSchema>;

export const BenchManyResultSchema = z.object({ ok: z.literal(true), results: z.array(BenchResultSchema) });
