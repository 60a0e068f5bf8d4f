// A user's benchmark records (history) and runs: bench, probe and measure as background work.
import { z } from 'zod';
import { SourceSchema } from './source';
import { SpeedCalibrationSchema } from './hardware';
import { EstimateResultSchema, MeasurementSchema } from './estimate';

export const SpeedStatsSchema = z.object({ samples: z.array(z.number()), mean: z.number(), sd: z.number() });

/**
 * How a tg figure was timed: llama.cpp's own timer around each single-token decode (what a C++
 * loop such as llama-bench or llama-server gets), or the wall clock of node-llama-cpp's JavaScript
 * loop, which adds a round trip per token (records from before the timer was read).
 */
export const TgMethodSchema = z.enum(['decode-timer', 'loop-wall']);

const ThreadStatsSchema = SpeedStatsSchema.extend({ threads: z.number().int() });

/** llama.cpp's own llama-bench on the same file, threads and GPU layers, when the host has one. */
const LlamaBenchComparisonSchema = z.object({
  binary: z.string(),
  version: z.string().nullable(),
  pp: ThreadStatsSchema.nullable(),
  tg: ThreadStatsSchema.nullable(),
  /** Why there is no figure: it failed, timed out or printed something else. */
  error: z.string().nullable(),
});
export type LlamaBenchComparison = z.infer<typeof LlamaBenchComparisonSchema>;

export const BenchRecordSchema = z.object({
  id: z.string(),
  at: z.string(),
  model: z.object({ path: z.string(), name: z.string(), quant: z.string(), paramsB: z.number(), fileBytes: z.number().nullable() }),
  settings: z.object({
    promptTokens: z.number().int(),
    genTokens: z.number().int(),
    repetitions: z.number().int(),
    threads: z.union([z.number().int(), z.literal('auto')]),
    gpuLayers: z.union([z.number().int(), z.literal('auto')]),
  }),
  backend: z.string(),
  gpuLayers: z.number().int(),
  totalLayers: z.number().int(),
  threads: z.object({
    pp: z.number().int(),
    tg: z.number().int(),
    sweep: z.array(z.object({ threads: z.number(), ppTokPerSec: z.number(), tgTokPerSec: z.number() })),
  }),
  pp: SpeedStatsSchema,
  tg: SpeedStatsSchema,
  tgMethod: TgMethodSchema.default('loop-wall'),
  /** The same tg through node-llama-cpp's JavaScript loop (wall clock), when tg is the decode timer. */
  tgLoop: SpeedStatsSchema.nullable().default(null),
  ttftMs: z.number(),
  loadMs: z.number(),
  peakRssBytes: z.number(),
  /** The estimate for the same model and placement, to show next to the measurement. */
  predictedTgTokPerSec: z.number().nullable(),
  /**
   * What the model's prompt FLOPs depend on, so a run all on a GPU gives that GPU's prompt rate without the file at
   * hand (src/core/gpu-prompt.ts). Null in records written before it was kept.
   */
  promptWork: z
    .object({
      activeParamsB: z.number().positive(),
      layers: z.number().int().positive(),
      heads: z.number().int().positive(),
      headDim: z.number().int().positive(),
      /**
       * An MoE's routed experts: the parameters a token uses (billions), how many there are, how many it uses, and how
       * many expert tensors the model has (gate, up and down of each MoE block; absent in older records: 3 per layer).
       */
      routed: z
        .object({
          paramsB: z.number().nonnegative(),
          count: z.number().int().positive(),
          active: z.number().int().positive(),
          matrices: z.number().int().positive().optional(),
        })
        .nullable()
        .default(null),
    })
    .nullable()
    .default(null),
  energy: z
    .object({
      watts: z.number(),
      wattsSource: SourceSchema,
      joulesPerToken: z.number(),
      costPerMillionTokens: z.number().nullable(),
      pricePerKwh: z.number().nullable(),
    })
    .nullable(),
  hardware: z.object({ cpu: z.string(), gpus: z.array(z.string()), ramBytes: z.number(), os: z.string() }),
  llamaBench: LlamaBenchComparisonSchema.nullable().default(null),
  source: SourceSchema,
});
export type BenchRecord = z.infer<typeof BenchRecordSchema>;

/** What `measure` gives: llama.cpp's own buffers next to the estimate for the same settings. */
const MeasureOutcomeSchema = z.object({ measurement: MeasurementSchema, estimate: EstimateResultSchema });

const RunKindSchema = z.enum(['bench', 'probe', 'measure']);
export type RunKind = z.infer<typeof RunKindSchema>;

/** Where a run is: its phase, done of total within that phase, and the fraction (0..1) of the whole run. */
const RunProgressSchema = z.object({ phase: z.string(), done: z.number(), total: z.number(), message: z.string(), fraction: z.number() });
export type RunProgress = z.infer<typeof RunProgressSchema>;

/**
 * A run: long work in the llama child process that reports progress and can be cancelled. A bench
 * is a user's benchmark of one model, the probe is the calibration run, a measure loads a file
 * and reads llama.cpp's buffers. Only one runs at a time (two would share the cores).
 */
export const RunStateSchema = z.object({
  runId: z.string(),
  kind: RunKindSchema,
  state: z.enum(['running', 'done', 'failed', 'cancelled', 'timeout']),
  progress: RunProgressSchema,
  startedAt: z.string(),
  /** bench: the finished record (saved to history unless asked not to). */
  record: BenchRecordSchema.nullable().default(null),
  /** probe: the calibration it measured (saved for this machine). */
  calibration: SpeedCalibrationSchema.nullable().default(null),
  /** measure: what llama.cpp allocated next to the estimate. */
  measurement: MeasureOutcomeSchema.nullable().default(null),
  error: z.string().nullable(),
});
export type RunState = z.infer<typeof RunStateSchema>;
