// The one contract every face speaks: zod schemas for hardware, catalog, reports and requests.
// Imported by core, node, main, preload, web, cli and renderer alike; imports nothing of ours
// except the other shared modules.
import { z } from 'zod';
import { FIT_LEVELS, KV_TYPES, PRECISIONS } from './precision';

/** Where a figure came from. Every number shown to a user carries one. */
export const SourceSchema = z.object({
  kind: z.enum(['detected', 'catalogued', 'estimated', 'measured', 'what-if', 'assumed']),
  /** The tool, file or formula: "nvidia-smi", "systeminformation", "node-llama-cpp (cuda)", "resources/hardware/gpus.json", "estimate.weights". */
  by: z.string(),
  /** A sentence a user can read: which field, which URL, which caveat. */
  detail: z.string().optional(),
});
export type Source = z.infer<typeof SourceSchema>;

/** A value another source gave that we did not trust, kept for display. */
export const AlternativeSchema = z.object({
  field: z.string(),
  value: z.union([z.number(), z.string(), z.null()]),
  source: SourceSchema,
  why: z.string(),
});
export type Alternative = z.infer<typeof AlternativeSchema>;

// ---------------------------------------------------------------- hardware

export const GpuBackendSchema = z.enum(['cuda', 'metal', 'vulkan', 'rocm', 'none']);
export type GpuBackend = z.infer<typeof GpuBackendSchema>;

export const GpuVendorSchema = z.enum(['nvidia', 'amd', 'intel', 'apple', 'other']);
export type GpuVendor = z.infer<typeof GpuVendorSchema>;

export const GpuSchema = z.object({
  name: z.string(),
  vendor: GpuVendorSchema,
  /** Memory the GPU can use for a model: dedicated VRAM, or for unified memory the GPU's working-set budget. Null when unknown. */
  vramBytes: z.number().nonnegative().nullable(),
  vramFreeBytes: z.number().nonnegative().nullable(),
  backend: GpuBackendSchema,
  driver: z.string().nullable(),
  integrated: z.boolean(),
  unifiedMemory: z.boolean(),
  /** For unified memory: the share of RAM the GPU may use (Apple's recommendedMaxWorkingSetSize / RAM). */
  unifiedShareOfRam: z.number().min(0).max(1).nullable(),
  memoryBandwidthBytesPerSec: z.number().positive().nullable(),
  tdpWatts: z.number().positive().nullable(),
  source: SourceSchema,
  vramSource: SourceSchema,
  bandwidthSource: SourceSchema.nullable(),
  alternatives: z.array(AlternativeSchema),
  notes: z.array(z.string()),
});
export type Gpu = z.infer<typeof GpuSchema>;

export const DetectionSourceIdSchema = z.enum([
  'systeminformation',
  'node-llama-cpp',
  'nvidia-smi',
  'rocm-smi',
  'windows-registry',
  'system_profiler',
  'memory-bandwidth-probe',
  'what-if',
]);
export type DetectionSourceId = z.infer<typeof DetectionSourceIdSchema>;

export const SourceStatusSchema = z.object({
  id: DetectionSourceIdSchema,
  status: z.enum(['ok', 'unavailable', 'failed', 'timeout', 'cached', 'skipped']),
  detail: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
});
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

/** What a quick probe measured on this machine's CPU, to calibrate speed estimates. */
export const SpeedCalibrationSchema = z.object({
  /** The probe's model of a token's time; calibrations of an older model are measured again. */
  model: z.literal(2),
  /** Effective weight-read speed during generation, by ggml type (bytes per second). */
  tgBytesPerSecByType: z.record(z.string(), z.number().positive()),
  /** Cost of each matrix row during generation, by ggml type (seconds): large for some kernels (F16 on x86). */
  tgSecondsPerRowByType: z.record(z.string(), z.number().nonnegative()),
  /** Effective matrix throughput during prompt processing, by ggml type (FLOP per second). */
  ppFlopsByType: z.record(z.string(), z.number().positive()),
  /** Cost of each matrix row per prompt token, by ggml type (seconds). */
  ppSecondsPerRowByType: z.record(z.string(), z.number().nonnegative()),
  /**
   * For weights larger than the last-level cache, the share of the model read again from RAM for
   * each prompt token (matrix tiles stream the weights once per block of tokens).
   */
  ppRamReadsPerToken: z.number().nonnegative(),
  /**
   * Read speed from RAM during generation (bytes per second), from a file larger than the last-level
   * cache: a model that fits in that cache is bound by compute, a larger one by the slower of the two.
   */
  tgMemoryBytesPerSec: z.number().positive(),
  lastLevelCacheBytes: z.number().nonnegative(),
  /** Fixed cost of one generated token (graph, thread start, the JS round trip) and of each layer's ops, seconds. */
  tgSecondsPerToken: z.number().nonnegative(),
  tgSecondsPerLayer: z.number().nonnegative(),
  threads: z.object({ pp: z.number().int().positive(), tg: z.number().int().positive() }),
  measuredAt: z.string(),
  durationMs: z.number(),
  /** What the probe measured, file by file, before deriving the figures above. */
  runs: z
    .array(z.object({ label: z.string(), readBytes: z.number(), layers: z.number().int(), rows: z.number(), tgTokPerSec: z.number(), ppTokPerSec: z.number() }))
    .default([]),
  source: SourceSchema,
});
export type SpeedCalibration = z.infer<typeof SpeedCalibrationSchema>;

export const HardwareSnapshotSchema = z.object({
  os: z.object({
    platform: z.string(),
    distro: z.string().nullable(),
    release: z.string().nullable(),
    arch: z.string(),
    source: SourceSchema,
  }),
  cpu: z.object({
    model: z.string(),
    vendor: z.string().nullable(),
    physicalCores: z.number().int().positive(),
    logicalCores: z.number().int().positive(),
    /** Upper-case SIMD flags that matter to llama.cpp: AVX, AVX2, AVX512F, AVX512_VNNI, F16C, FMA, NEON, SVE... */
    simd: z.array(z.string()),
    /** Effective read bandwidth of RAM, for CPU speed estimates. */
    memoryBandwidthBytesPerSec: z.number().positive().nullable(),
    bandwidthSource: SourceSchema.nullable(),
    source: SourceSchema,
  }),
  ram: z.object({
    totalBytes: z.number().positive(),
    availableBytes: z.number().nonnegative().nullable(),
    swapTotalBytes: z.number().nonnegative().nullable(),
    source: SourceSchema,
  }),
  gpus: z.array(GpuSchema),
  /** Status of each detection source, so a missing one is shown as unavailable, not hidden. */
  sources: z.array(SourceStatusSchema),
  whatIf: z.boolean(),
  detectedAt: z.string(),
});
export type HardwareSnapshot = z.infer<typeof HardwareSnapshotSchema>;

// ---------------------------------------------------------------- catalog

export const ModelArchSchema = z.enum([
  'llama',
  'qwen2',
  'qwen3',
  'qwen3moe',
  'gemma',
  'gemma2',
  'gemma3',
  'phi3',
  'mistral',
  'falcon',
  'exaone',
  'olmo2',
  'granite',
]);
export type ModelArch = z.infer<typeof ModelArchSchema>;

export const CatalogModelSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string(),
  family: z.string(),
  arch: ModelArchSchema,
  /** Parameter count as published by the model's authors, in billions. */
  publishedParamsB: z.number().positive(),
  layers: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  /** Dense FFN width (for MoE: the width of one expert). */
  ffnSize: z.number().int().positive(),
  /** gated: gate+up+down (SwiGLU/GeGLU); plain: up+down (Falcon's GELU MLP). */
  ffnType: z.enum(['gated', 'plain']),
  heads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  maxContext: z.number().int().positive(),
  tiedEmbeddings: z.boolean(),
  experts: z
    .object({
      count: z.number().int().positive(),
      active: z.number().int().positive(),
      /** Shared experts always active (DeepSeek, Qwen MoE), each of ffnSize width unless sharedFfnSize is set. */
      shared: z.number().int().nonnegative().default(0),
      sharedFfnSize: z.number().int().positive().optional(),
      /** Leading layers that are dense (DeepSeek), using denseFfnSize. */
      denseLayers: z.number().int().nonnegative().default(0),
      denseFfnSize: z.number().int().positive().optional(),
    })
    .optional(),
  /** Layers that attend over a sliding window only (Gemma 2/3, Mistral v0.1): window tokens, and how many of every `period` layers are global. */
  slidingWindow: z
    .object({ windowTokens: z.number().int().positive(), period: z.number().int().positive(), globalPerPeriod: z.number().int().nonnegative() })
    .optional(),
  /** Published quality figure used by the recommendation ladder (e.g. MMLU 5-shot, 0-100), with its source. */
  quality: z.object({ benchmark: z.string(), score: z.number(), source: z.string() }).optional(),
  released: z.string().regex(/^\d{4}-\d{2}$/),
  license: z.string(),
  /** Where the architecture numbers come from (the model's config.json or paper). */
  source: z.string(),
  notes: z.string().optional(),
});
export type CatalogModel = z.infer<typeof CatalogModelSchema>;

export const CatalogSchema = z.object({ version: z.number().int(), models: z.array(CatalogModelSchema).min(1) });
export type Catalog = z.infer<typeof CatalogSchema>;

export const GpuPresetSchema = z.object({
  id: z.string(),
  name: z.string(),
  vendor: GpuVendorSchema,
  /** Case-insensitive regular expression matched against a detected GPU name. */
  match: z.string(),
  vramBytes: z.number().nonnegative().nullable(),
  memoryBandwidthGBps: z.number().positive(),
  tdpWatts: z.number().positive().nullable(),
  unifiedMemory: z.boolean().default(false),
  source: z.string(),
  /** PCI ids "vvvv:dddd" (or "vvvv:dddd:rr" with the revision where one device id covers several cards), lower-case hex. */
  pciIds: z.array(z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}(:[0-9a-f]{2})?$/)).optional(),
  /** An integrated GPU: shares system RAM, so the bandwidth is that of the RAM it usually sits next to. */
  integrated: z.boolean().optional(),
  /** A caveat shown with catalogued figures (e.g. a card sold with two VRAM sizes). */
  note: z.string().optional(),
});
export type GpuPreset = z.infer<typeof GpuPresetSchema>;
export const GpuPresetsSchema = z.object({ version: z.number().int(), gpus: z.array(GpuPresetSchema).min(1) });

// ---------------------------------------------------------------- report

export const PrecisionSchema = z.enum(PRECISIONS);
export const KvTypeSchema = z.enum(KV_TYPES);
export const FitLevelSchema = z.enum(FIT_LEVELS);

export const MemoryBreakdownSchema = z.object({
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
export type MemoryBreakdown = z.infer<typeof MemoryBreakdownSchema>;

export const ReportRowSchema = z.object({
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
  memory: MemoryBreakdownSchema,
  /** Expected generation speed; null when the model does not fit. */
  tokPerSec: z.number().nonnegative().nullable(),
  speedSource: SourceSchema,
  /** Prompt processing speed for a 512-token prompt: only for CPU rows once a probe calibrated this machine. */
  promptTokPerSec: z.number().positive().nullable().default(null),
  promptSource: SourceSchema.nullable().default(null),
  memorySource: SourceSchema,
  /** A short sentence on why this fit (which budget ran out). */
  why: z.string(),
  /** A catalogued model, or a GGUF file on this machine. */
  origin: z.enum(['catalog', 'file']),
  filePath: z.string().optional(),
});
export type ReportRow = z.infer<typeof ReportRowSchema>;

export const LadderStepSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  quant: z.string(),
  fit: FitLevelSchema,
  tokPerSec: z.number().nullable(),
  reason: z.string(),
});
export type LadderStep = z.infer<typeof LadderStepSchema>;

export const RecommendationSchema = z.object({
  start: LadderStepSchema.nullable(),
  scaleUp: LadderStepSchema.nullable(),
  ceiling: LadderStepSchema.nullable(),
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

export const FileProblemSchema = z.object({ path: z.string(), message: z.string() });

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
});
export type Report = z.infer<typeof ReportSchema>;

/** Hardware a user does not have: any field given replaces the detected one. */
export const WhatIfSchema = z
  .object({
    vramBytes: z.number().int().nonnegative().max(2 ** 50).optional(),
    ramBytes: z.number().int().positive().max(2 ** 50).optional(),
    gpuName: z.string().min(1).max(200).optional(),
  })
  .strict();
export type WhatIf = z.infer<typeof WhatIfSchema>;

/** A sanity bound on requests; the catalog's own maxima give the friendly limit. */
export const MAX_CONTEXT_TOKENS = 1_000_000_000;

export const ReportRequestSchema = z
  .object({
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).default(8192),
    kvType: KvTypeSchema.default('f16'),
    whatIf: WhatIfSchema.optional(),
    /** Local GGUF files to size next to the catalog (absolute paths). */
    files: z.array(z.string().min(1).max(4096)).max(32).default([]),
    /** Also size the GGUF files found in LM Studio, Ollama, the Hugging Face cache and node-llama-cpp's folder. */
    includeDiscovered: z.boolean().default(true),
  })
  .strict();
export type ReportRequest = z.input<typeof ReportRequestSchema>;

// ---------------------------------------------------------------- estimate and measure (per device)

export const DeviceMemorySchema = z.object({
  weightsBytes: z.number().nonnegative(),
  /** CPU only: the repacked copy x86/ARM CPUs make of some matrices while loading (CPU_REPACK). */
  repackBytes: z.number().nonnegative(),
  kvBytes: z.number().nonnegative(),
  computeBytes: z.number().nonnegative(),
  outputBytes: z.number().nonnegative(),
  overheadBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
});
export type DeviceMemory = z.infer<typeof DeviceMemorySchema>;

export const ModelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  origin: z.enum(['catalog', 'file']),
  path: z.string().nullable(),
  architecture: z.string(),
  quant: z.string(),
  paramsB: z.number().positive(),
  layers: z.number().int().positive(),
  maxContext: z.number().int().positive(),
  fileBytes: z.number().nonnegative().nullable(),
  weightsSource: SourceSchema,
});

export const EstimateResultSchema = z.object({
  model: ModelInfoSchema,
  settings: z.object({ contextTokens: z.number().int().positive(), kvType: KvTypeSchema, gpuLayers: z.union([z.number().int().nonnegative(), z.literal('auto')]) }),
  backend: z.string(),
  fit: FitLevelSchema,
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().positive(),
  devices: z.object({ gpu: DeviceMemorySchema, cpu: DeviceMemorySchema }),
  totalBytes: z.number().nonnegative(),
  peakLoadBytes: z.number().nonnegative(),
  tokPerSec: z.number().nullable(),
  /** 512-token prompt speed, CPU rows of a calibrated machine only. */
  promptTokPerSec: z.number().nullable().default(null),
  why: z.string(),
  budget: BudgetSchema,
  memorySource: SourceSchema,
  speedSource: SourceSchema,
  promptSource: SourceSchema.nullable().default(null),
});
export type EstimateResult = z.infer<typeof EstimateResultSchema>;

export const MeasurementSchema = z.object({
  model: ModelInfoSchema,
  settings: z.object({ contextTokens: z.number().int().positive(), kvType: KvTypeSchema, gpuLayers: z.union([z.number().int().nonnegative(), z.literal('auto')]), threads: z.number().int().positive() }),
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

// ---------------------------------------------------------------- benchmark history

export const SpeedStatsSchema = z.object({ samples: z.array(z.number()), mean: z.number(), sd: z.number() });

const ThreadStatsSchema = SpeedStatsSchema.extend({ threads: z.number().int() });

/** llama.cpp's own llama-bench on the same file, threads and GPU layers, when the host has one. */
export const LlamaBenchComparisonSchema = z.object({
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
  settings: z.object({ promptTokens: z.number().int(), genTokens: z.number().int(), repetitions: z.number().int(), threads: z.union([z.number().int(), z.literal('auto')]), gpuLayers: z.union([z.number().int(), z.literal('auto')]) }),
  backend: z.string(),
  gpuLayers: z.number().int(),
  totalLayers: z.number().int(),
  threads: z.object({ pp: z.number().int(), tg: z.number().int(), sweep: z.array(z.object({ threads: z.number(), ppTokPerSec: z.number(), tgTokPerSec: z.number() })) }),
  pp: SpeedStatsSchema,
  tg: SpeedStatsSchema,
  ttftMs: z.number(),
  loadMs: z.number(),
  peakRssBytes: z.number(),
  /** The estimate for the same model and placement, to show next to the measurement. */
  predictedTgTokPerSec: z.number().nullable(),
  energy: z
    .object({ watts: z.number(), wattsSource: SourceSchema, joulesPerToken: z.number(), costPerMillionTokens: z.number().nullable(), pricePerKwh: z.number().nullable() })
    .nullable(),
  hardware: z.object({ cpu: z.string(), gpus: z.array(z.string()), ramBytes: z.number(), os: z.string() }),
  llamaBench: LlamaBenchComparisonSchema.nullable().default(null),
  source: SourceSchema,
});
export type BenchRecord = z.infer<typeof BenchRecordSchema>;

/** What `measure` gives: llama.cpp's own buffers next to the estimate for the same settings. */
export const MeasureOutcomeSchema = z.object({ measurement: MeasurementSchema, estimate: EstimateResultSchema });
export type MeasureOutcome = z.infer<typeof MeasureOutcomeSchema>;

export const RunKindSchema = z.enum(['bench', 'probe', 'measure']);
export type RunKind = z.infer<typeof RunKindSchema>;

export const RunProgressSchema = z.object({ phase: z.string(), done: z.number(), total: z.number(), message: z.string(), fraction: z.number() });
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

// ---------------------------------------------------------------- local models

export const DiscoveredModelSchema = z.object({
  path: z.string(),
  displayName: z.string(),
  source: z.enum(['lm-studio', 'ollama', 'huggingface', 'node-llama-cpp', 'folder']),
  bytes: z.number().nonnegative(),
  modifiedAt: z.string(),
  ollamaName: z.string().optional(),
  hfRepo: z.string().optional(),
  lmStudioRepo: z.string().optional(),
  shardOf: z.object({ index: z.number().int(), total: z.number().int() }).optional(),
});
export type DiscoveredModelInfo = z.infer<typeof DiscoveredModelSchema>;

export const ModelListSchema = z.object({
  models: z.array(DiscoveredModelSchema),
  searched: z.array(z.object({ source: z.string(), path: z.string(), status: z.enum(['ok', 'missing', 'error']), detail: z.string().optional() })),
});
export type ModelList = z.infer<typeof ModelListSchema>;

/** A file path, or a name `rightsize models` found (an Ollama name such as llama3.1:8b, a file or display name). */
const ModelRefSchema = z.string().min(1).max(4096);
const GpuLayersSchema = z.union([z.number().int().min(0).max(100_000), z.literal('auto')]);

export const BenchStartSchema = z
  .object({
    model: ModelRefSchema,
    promptTokens: z.number().int().min(1).max(65536).default(512),
    genTokens: z.number().int().min(1).max(65536).default(128),
    repetitions: z.number().int().min(1).max(50).default(5),
    threads: z.union([z.number().int().min(1).max(512), z.literal('auto')]).default('auto'),
    gpuLayers: GpuLayersSchema.default('auto'),
    pricePerKwh: z.number().min(0).max(1000).nullable().default(null),
    /** Also run the llama-bench this host found (never a path from the caller). */
    withLlamaBench: z.boolean().default(false),
    /** Add the finished run to history. */
    save: z.boolean().default(true),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(600),
  })
  .strict();
export type BenchStart = z.input<typeof BenchStartSchema>;

export const ModelsRequestSchema = z
  .object({
    refresh: z.boolean().default(false),
    /** Folders to search besides the usual places (recursively, 6 levels). */
    folders: z.array(z.string().min(1).max(4096)).max(32).default([]),
  })
  .strict();

/** One model sized for one setting: a GGUF file (its real tensors) or a catalog id at a precision. */
export const EstimateRequestSchema = z
  .object({
    model: ModelRefSchema,
    /** Catalog models only (default Q4_K_M); a file has its own types. */
    quant: z.string().min(1).max(32).optional(),
    /** Default: 8192 or the model's maximum, whichever is less. */
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).optional(),
    kvType: KvTypeSchema.default('f16'),
    gpuLayers: GpuLayersSchema.default('auto'),
    whatIf: WhatIfSchema.optional(),
  })
  .strict();
export type EstimateRequest = z.input<typeof EstimateRequestSchema>;

export const MeasureRequestSchema = z
  .object({
    /** A GGUF file: measuring loads it. */
    path: z.string().min(1).max(4096),
    /** Default: 4096 or the model's maximum, whichever is less. */
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).optional(),
    kvType: KvTypeSchema.default('f16'),
    gpuLayers: GpuLayersSchema.default('auto'),
    threads: z.number().int().min(1).max(512).optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(300),
  })
  .strict();
export type MeasureRequest = z.input<typeof MeasureRequestSchema>;
