// The model catalog and the GPU presets shipped in resources/.
import { z } from 'zod';
import { TASKS } from '../ladder';
import { GpuVendorSchema } from './hardware';

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

/** One published benchmark score (0-100) and where it was published. */
const QualityScoreSchema = z.object({
  benchmark: z.string(),
  score: z.number().min(0).max(100),
  /** The page (model card, technical report) that states the figure. */
  source: z.string().regex(/^https:\/\/\S+$/),
  /** When the source published it: YYYY-MM or YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
  /** Which model variant and setting was measured (e.g. "instruct, 0-shot pass@1"). */
  detail: z.string().optional(),
});
export type QualityScore = z.infer<typeof QualityScoreSchema>;

const CatalogModelSchema = z.object({
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
    .object({
      windowTokens: z.number().int().positive(),
      period: z.number().int().positive(),
      globalPerPeriod: z.number().int().nonnegative(),
    })
    .optional(),
  /**
   * Published scores the ladder judges the model by, one per task (src/shared/ladder.ts names each
   * task's benchmark), each with its source and date. A task without a score is one the ladder does not guess.
   */
  quality: z.partialRecord(z.enum(TASKS), QualityScoreSchema).optional(),
  released: z.string().regex(/^\d{4}-\d{2}$/),
  license: z.string(),
  /** Where the architecture numbers come from (the model's config.json or paper). */
  source: z.string(),
  notes: z.string().optional(),
});
export type CatalogModel = z.infer<typeof CatalogModelSchema>;

export const CatalogSchema = z.object({ version: z.number().int(), models: z.array(CatalogModelSchema).min(1) });

/** Where one figure of a preset comes from, when that is not the preset's `source` (e.g. nvidia-smi's memory.total). */
const FigureSourceSchema = z.object({
  field: z.enum(['vramBytes', 'memoryBandwidthGBps', 'tdpWatts']),
  url: z.string(),
  /** When the evidence was published or captured: YYYY-MM-DD or YYYY-MM. */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}(-\d{2})?$/)
    .optional(),
  detail: z.string().optional(),
});

/** A published price with its source: a launch MSRP, a maker's list price or a dated street price, in US dollars. */
export const PresetPriceSchema = z.object({
  usd: z.number().positive(),
  kind: z.enum(['launch MSRP', 'list', 'street']),
  /** When the source published the price: YYYY-MM-DD or YYYY-MM. */
  date: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
  /** The exact page that states the figure. */
  source: z.string().regex(/^https?:\/\/\S+$/),
});
export type PresetPrice = z.infer<typeof PresetPriceSchema>;

const GpuPresetSchema = z.object({
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
  /** Per-figure evidence beside `source`: vramBytes is what the card exposes (nvidia-smi memory.total, ECC at its default). */
  figureSources: z.array(FigureSourceSchema).optional(),
  /** Only where a published price was found; never estimated. */
  price: PresetPriceSchema.optional(),
});
export type GpuPreset = z.infer<typeof GpuPresetSchema>;
export const GpuPresetsSchema = z.object({ version: z.number().int(), gpus: z.array(GpuPresetSchema).min(1) });

/** A whole machine people plan for (a laptop or desktop configuration), built from GPU presets by id. */
const MachinePresetSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string(),
  /** System RAM (for unified-memory machines: the whole shared memory). */
  ramBytes: z.number().int().positive(),
  /** GPUs by preset id (resources/hardware/gpus.json); empty for a machine without a GPU worth offloading to. */
  gpus: z.array(z.object({ presetId: z.string(), count: z.number().int().positive() })),
  cpu: z.string().optional(),
  source: z.string(),
  note: z.string().optional(),
  /** The price of this configuration, only where a published one was found. */
  price: PresetPriceSchema.optional(),
});
export type MachinePreset = z.infer<typeof MachinePresetSchema>;
export const MachinePresetsSchema = z.object({ version: z.number().int(), machines: z.array(MachinePresetSchema).min(1) });
