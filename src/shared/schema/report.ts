// The report: every catalog model at every precision, fitted to the hardware, and the ladder.
import { z } from 'zod';
import { DEFAULT_CONTEXT_TOKENS } from '../defaults';
import { FIT_LEVELS, KV_TYPES } from '../precision';
import { DEFAULT_PRIORITY, DEFAULT_TASK, PRIORITIES, TASKS } from '../ladder';
import { SourceSchema } from './source';
import { HardwareSnapshotSchema, SpeedCalibrationSchema } from './hardware';

export const KvTypeSchema = z.enum(KV_TYPES);
export const FitLevelSchema = z.enum(FIT_LEVELS);

const MemoryBreakdownSchema = z.object({
  weightsBytes: z.number().nonnegative(),
  kvBytes: z.number().nonnegative(),
  computeBytes: z.number().nonnegative(),
  overheadBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  /** Of the total, what sits in VRAM and what in RAM for the chosen fit. */
  gpuBytes: z.number().nonnegative(),
  cpuBytes: z.number().nonnegative(),
  /** RAM while loading on x86 CPUs, where llama.cpp repacks Q4_0/Q4_K weights next to the mapped file. */
  peakLoadBytes: z.number().nonnegative(),
});

const ReportRowSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  family: z.string(),
  paramsB: z.number().positive(),
  activeParamsB: z.number().positive(),
  /** A precision of the matrix (Q4_K_M), or a local file's own type (IQ4_XS). */
  quant: z.string(),
  contextTokens: z.number().int().positive(),
  fit: FitLevelSchema,
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().positive(),
  /** An MoE placed with the experts of its first N blocks in RAM (llama.cpp's --n-cpu-moe N); absent for none. */
  cpuMoeLayers: z.number().int().positive().optional(),
  memory: MemoryBreakdownSchema,
  /** Expected generation speed; null when the model does not fit. */
  tokPerSec: z.number().nonnegative().nullable(),
  speedSource: SourceSchema,
  /**
   * Prompt processing speed for a 512-token prompt: CPU rows once a probe calibrated this machine; GPU rows from a run
   * on that GPU, or from a published run of the card (resources/hardware/gpu-prompt-rates.json); a file's own run.
   */
  promptTokPerSec: z.number().positive().nullable().default(null),
  promptSource: SourceSchema.nullable().default(null),
  /** Seconds to read a prompt that fills the row's context, attention over it included (where promptTokPerSec is known). */
  fullPromptSeconds: z.number().positive().nullable().optional(),
  /**
   * A row with weights in RAM beside a GPU: its prompt speed with a larger micro-batch (-ub N -b N), which copies those
   * weights a quarter as often, for a prompt of that many tokens; estimated like promptTokPerSec (promptSource says how).
   */
  largeUbatchPrompt: z.object({ ubatchTokens: z.number().int().positive(), tokPerSec: z.number().positive() }).optional(),
  memorySource: SourceSchema,
  /** A short sentence on why this fit (which budget ran out). */
  why: z.string(),
  /** A catalogued model, or a GGUF file on this machine. */
  origin: z.enum(['catalog', 'file']),
  filePath: z.string().optional(),
  /** A file's catalog model: the one whose architecture numbers it has (src/core/catalog-match.ts). */
  catalogId: z.string().optional(),
});
export type ReportRow = z.infer<typeof ReportRowSchema>;

/** The published score a step was judged by, with where it comes from. */
const StepScoreSchema = z.object({
  benchmark: z.string(),
  score: z.number(),
  source: z.string(),
  date: z.string(),
  detail: z.string().optional(),
  /** Measured with the model reasoning first (see the catalog's quality score). */
  thinking: z.boolean().optional(),
});

const LadderStepSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  quant: z.string(),
  fit: FitLevelSchema,
  tokPerSec: z.number().nullable(),
  reason: z.string(),
  /** The context the step was sized for (the model's maximum where that is less than asked). */
  contextTokens: z.number().int().positive().optional(),
  /** llama.cpp's -ngl for this placement (the output layer counts), of totalLayers. */
  gpuLayers: z.number().int().nonnegative().optional(),
  totalLayers: z.number().int().positive().optional(),
  /** A mixture of experts placed with the experts of its first n blocks in RAM (--n-cpu-moe n). */
  cpuMoeLayers: z.number().int().positive().optional(),
  memoryBytes: z.number().nonnegative().optional(),
  /** The task's published score of the model, or null where it has none. */
  score: StepScoreSchema.nullable().default(null),
  /** What the precision costs against F16 (llama.cpp's measurement), as a sentence. */
  precisionNote: z.string().optional(),
  /** Seconds to read a prompt that fills contextTokens before the first token (where it is estimated). */
  fullPromptSeconds: z.number().positive().optional(),
  /**
   * Where the step's GGUF file can be fetched by name (resources/catalog/gguf-sources.json): llama.cpp's -hf REPO:QUANT
   * and what Ollama pulls (null where the file comes in parts, which Ollama cannot pull). Absent: no repository known.
   */
  fetch: z.object({ hf: z.string(), ollama: z.string().nullable() }).optional(),
});
export type LadderStep = z.infer<typeof LadderStepSchema>;

const RecommendationSchema = z.object({
  start: LadderStepSchema.nullable(),
  scaleUp: LadderStepSchema.nullable(),
  ceiling: LadderStepSchema.nullable(),
  task: z.enum(TASKS).default(DEFAULT_TASK),
  /** Which of the task's benchmarks judged the models (absent in reports saved before there was a choice: the default). */
  benchmark: z.string().optional(),
  priority: z.enum(PRIORITIES).default(DEFAULT_PRIORITY),
  minTokPerSec: z.number().positive().nullable().default(null),
  /** The score the start had to reach on the task's benchmark (null when nothing is rated here). */
  bar: z.object({ benchmark: z.string(), score: z.number() }).nullable().default(null),
  /** What the ladder could not judge (models without a score for the task, a context too long for some). */
  notes: z.array(z.string()).default([]),
  /** Each catalog model's score on the benchmark the ladder was judged by (for the matrix), by catalog id. */
  scores: z.record(z.string(), StepScoreSchema).default({}),
  /** The task's other benchmarks that rate models this ladder could not rank, and how many such models each rates. */
  elsewhere: z.array(z.object({ benchmark: z.string(), models: z.number().int().positive() })).default([]),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const BudgetSchema = z.object({
  gpuBytes: z.number().nonnegative(),
  gpuHeadroomBytes: z.number().nonnegative(),
  ramBytes: z.number().nonnegative(),
  ramHeadroomBytes: z.number().nonnegative(),
  unifiedMemory: z.boolean(),
  gpuName: z.string().nullable(),
  explanation: z.string(),
});
export type Budget = z.infer<typeof BudgetSchema>;

const FileProblemSchema = z.object({ path: z.string(), message: z.string() });

export const ReportSchema = z.object({
  schemaVersion: z.literal(1),
  generatedAt: z.string(),
  hardware: HardwareSnapshotSchema,
  settings: z.object({ contextTokens: z.number().int().positive(), kvType: KvTypeSchema }),
  budget: BudgetSchema,
  rows: z.array(ReportRowSchema),
  recommendation: RecommendationSchema,
  /** GGUF files asked for that could not be sized, with the reason. */
  fileProblems: z.array(FileProblemSchema).default([]),
  timings: z.object({ detectMs: z.number().nonnegative(), estimateMs: z.number().nonnegative() }),
  /** The probe's calibration of this machine that CPU speeds used, or null (speeds from bandwidth alone). */
  calibration: SpeedCalibrationSchema.nullable().default(null),
  /** The saved profile this report sized for; absent for this machine. */
  profile: z.string().optional(),
});
export type Report = z.infer<typeof ReportSchema>;

/** One card of a what-if machine; `count` identical cards go in a row. */
const WhatIfGpuSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    vramBytes: z
      .number()
      .int()
      .positive()
      .max(2 ** 50)
      .optional(),
    count: z.number().int().min(1).max(16).default(1),
  })
  .strict();

/** Hardware a user does not have: any field given replaces the detected one. */
export const WhatIfSchema = z
  .object({
    vramBytes: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 50)
      .optional(),
    ramBytes: z
      .number()
      .int()
      .positive()
      .max(2 ** 50)
      .optional(),
    gpuName: z.string().min(1).max(200).optional(),
    /** Several GPUs, each named as for gpuName (a catalogued card or a generic one with vramBytes), in llama.cpp's device order. */
    gpus: z.array(WhatIfGpuSchema).min(1).max(8).optional(),
    /** A whole-machine preset's id (resources/hardware/machines.json): its RAM, GPUs and CPU; the other fields change it further. */
    machine: z.string().min(1).max(100).optional(),
  })
  .strict();
export type WhatIf = z.infer<typeof WhatIfSchema>;

/** llama.cpp's -ts: each GPU's share of the layers, in device order (missing values are 0). */
export const TensorSplitSchema = z.array(z.number().nonnegative().max(1e6)).min(1).max(16);

/** A sanity bound on requests; the catalog's own maxima give the friendly limit. */
export const MAX_CONTEXT_TOKENS = 1_000_000_000;

export const ReportRequestSchema = z
  .object({
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).default(DEFAULT_CONTEXT_TOKENS),
    kvType: KvTypeSchema.default('f16'),
    whatIf: WhatIfSchema.optional(),
    /** Local GGUF files to size next to the catalog (absolute paths). */
    files: z.array(z.string().min(1).max(4096)).max(32).default([]),
    /** Also size the GGUF files found in LM Studio, Ollama, the Hugging Face cache and node-llama-cpp's folder. */
    includeDiscovered: z.boolean().default(true),
    /** A saved profile's name: size for its hardware and calibration instead of this machine's. */
    profile: z.string().min(1).max(256).optional(),
    tensorSplit: TensorSplitSchema.optional(),
    /** llama.cpp's --split-mode: layer (the default), none (only mainGpu) or row. */
    splitMode: z.enum(['none', 'layer', 'row']).optional(),
    /** llama.cpp's --main-gpu: the device of --split-mode none, in device order. */
    mainGpu: z.number().int().min(0).max(255).optional(),
    /** llama.cpp's --n-cpu-moe N: MoE models keep the experts of their first N blocks in RAM; absent = chosen per model. */
    nCpuMoe: z.number().int().min(0).max(100_000).optional(),
    /** What the ladder recommends for (absent: chat, balanced): the task judges models by its benchmark. */
    task: z.enum(TASKS).optional(),
    /** Which of the task's benchmarks judges the models (absent: the task's default); one the task has none of is refused. */
    benchmark: z.string().min(1).max(64).optional(),
    priority: z.enum(PRIORITIES).optional(),
    /** The least generation speed a start or step up must reach; absent = the priority's default. */
    minTokPerSec: z.number().positive().max(10_000).optional(),
  })
  .strict();
