// One model sized per device (estimate), and what llama.cpp really allocated (measure).
import { z } from 'zod';
import { SourceSchema } from './source';
import { PublishedScoreSchema } from './catalog';
import { BudgetSchema, FitLevelSchema, KvTypeSchema } from './report';

/** What one device holds, by component. */
const DeviceMemorySchema = z.object({
  weightsBytes: z.number().nonnegative(),
  /** CPU only: the repacked copy x86/ARM CPUs make of some matrices while loading (CPU_REPACK), held next to the mapped file. */
  repackBytes: z.number().nonnegative(),
  kvBytes: z.number().nonnegative(),
  computeBytes: z.number().nonnegative(),
  outputBytes: z.number().nonnegative(),
  overheadBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
});
export type DeviceMemory = z.infer<typeof DeviceMemorySchema>;

const ModelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  origin: z.enum(['catalog', 'file', 'url']),
  path: z.string().nullable(),
  architecture: z.string(),
  quant: z.string(),
  paramsB: z.number().positive(),
  layers: z.number().int().positive(),
  maxContext: z.number().int().positive(),
  fileBytes: z.number().nonnegative().nullable(),
  weightsSource: SourceSchema,
  /** The catalog model whose published scores these are (a file: the one with its architecture numbers), or null. */
  catalogId: z.string().nullable().default(null),
  /** Its published benchmark scores, every task and benchmark, each with its source (none: not catalogued). */
  scores: z.array(PublishedScoreSchema).default([]),
});

/** A vision projector (mmproj) loaded with the model: its bytes are in the totals of the device that holds it. */
const ProjectorSchema = z.object({
  path: z.string(),
  /** clip.projector_type, e.g. gemma3, qwen2.5vl_merger, mlp. */
  projectorType: z.string(),
  weightsBytes: z.number().nonnegative(),
  /** The compute buffer for one image (clip.cpp's warmup). */
  computeBytes: z.number().nonnegative(),
  device: z.enum(['gpu', 'cpu']),
  /** How the file was chosen (given, or found beside the model and why). */
  chosen: z.string(),
  /** Weights: read from the header; compute: estimated (with its formula). */
  source: SourceSchema,
  computeSource: SourceSchema,
});
export type ProjectorEstimate = z.infer<typeof ProjectorSchema>;

/** Context lengths in tokens: every layer on the GPU (null without a GPU, 0 where no length fits it all), at all (null: none), trained. */
const ContextLimitsSchema = z.object({
  allOnGpuTokens: z.number().int().nonnegative().nullable(),
  runsTokens: z.number().int().positive().nullable(),
  trainedTokens: z.number().int().positive(),
});
export type ContextLimits = z.infer<typeof ContextLimitsSchema>;

export const EstimateResultSchema = z.object({
  model: ModelInfoSchema,
  settings: z.object({
    contextTokens: z.number().int().positive(),
    kvType: KvTypeSchema,
    gpuLayers: z.union([z.number().int().nonnegative(), z.literal('auto')]),
    /** --n-cpu-moe as asked; absent = chosen (see cpuMoeLayers). */
    nCpuMoe: z.number().int().nonnegative().optional(),
  }),
  backend: z.string(),
  fit: FitLevelSchema,
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().positive(),
  /** The experts of the first N blocks stay in RAM (llama.cpp's --n-cpu-moe N); 0 for none. */
  cpuMoeLayers: z.number().int().nonnegative().default(0),
  /** Active expert bytes read from RAM per token when experts stay there (part of the CPU's reads). */
  expertsInRamReadBytesPerToken: z.number().nonnegative().default(0),
  devices: z.object({ gpu: DeviceMemorySchema, cpu: DeviceMemorySchema }),
  /** Each GPU's share when the layers are split over several cards (devices.gpu is their sum). */
  gpus: z
    .array(
      z.object({
        name: z.string(),
        weightsBytes: z.number().nonnegative(),
        kvBytes: z.number().nonnegative(),
        computeBytes: z.number().nonnegative(),
        /** The card's backend context (CUDA's by its resident threads): part of totalBytes. */
        overheadBytes: z.number().nonnegative().default(0),
        totalBytes: z.number().nonnegative(),
        budgetBytes: z.number().nonnegative(),
      }),
    )
    .optional(),
  totalBytes: z.number().nonnegative(),
  peakLoadBytes: z.number().nonnegative(),
  tokPerSec: z.number().nullable(),
  /** 512-token prompt speed, where the report's row for the same model has one (see ReportRow.promptTokPerSec). */
  promptTokPerSec: z.number().nullable().default(null),
  /** Seconds to read a prompt that fills the context (attention over it included), where promptTokPerSec is known. */
  fullPromptSeconds: z.number().positive().optional(),
  /**
   * A placement with weights in RAM beside a GPU: its prompt speed with a larger micro-batch (-ub N -b N), which copies those
   * weights a quarter as often, for a prompt of that many tokens; estimated like promptTokPerSec (promptSource says how).
   */
  largeUbatchPrompt: z.object({ ubatchTokens: z.number().int().positive(), tokPerSec: z.number().positive() }).optional(),
  why: z.string(),
  budget: BudgetSchema,
  memorySource: SourceSchema,
  speedSource: SourceSchema,
  promptSource: SourceSchema.nullable().default(null),
  /** The vision projector asked for (--mmproj), included in devices and totals; null when none. */
  projector: ProjectorSchema.nullable().default(null),
  /** Layers per GPU (llama.cpp's -ts) chosen because the default split by free memory does not fit; null: that default or the user's -ts. */
  tensorSplit: z.array(z.number().int().nonnegative()).nullable().default(null),
  /** The longest context that runs here, with the same settings and the placement chosen as for any row. */
  contextLimits: ContextLimitsSchema.nullable().default(null),
});
export type EstimateResult = z.infer<typeof EstimateResultSchema>;

export const MeasurementSchema = z.object({
  model: ModelInfoSchema,
  settings: z.object({
    contextTokens: z.number().int().positive(),
    kvType: KvTypeSchema,
    gpuLayers: z.union([z.number().int().nonnegative(), z.literal('auto')]),
    threads: z.number().int().positive(),
  }),
  backend: z.string(),
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().nonnegative(),
  devices: z.object({ gpu: DeviceMemorySchema, cpu: DeviceMemorySchema }),
  /** llama.cpp's buffers summed (weights incl. the repacked copy, KV, compute, output). */
  buffersBytes: z.number().nonnegative(),
  rss: z.object({ beforeLoadBytes: z.number(), afterLoadBytes: z.number(), afterContextBytes: z.number(), peakBytes: z.number() }),
  loadMs: z.number(),
  buffers: z.array(z.object({ device: z.string(), kind: z.string(), bytes: z.number() })),
  source: SourceSchema,
});
export type Measurement = z.infer<typeof MeasurementSchema>;
