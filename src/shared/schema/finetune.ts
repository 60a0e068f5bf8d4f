// Fine-tuning sizing: what a face asks (a model, a method, sequence and batch, tokens, a GPU and
// prices) and what comes back: memory per part, fit, GPUs, time, energy and cost, each figure
// with the rule that produced it.
import { z } from 'zod';
import { ModelRefSchema } from './requests';

export const FINETUNE_METHODS = ['full', 'lora', 'qlora'] as const;
const FinetuneMethodSchema = z.enum(FINETUNE_METHODS);

/**
 * The model FLOPs utilization assumed when none is given: Meta's Llama 3 405B pre-training sustained
 * 38-43% BF16 MFU on H100s (Llama 3 Herd of Models, 2024, Table 4).
 */
export const DEFAULT_FINETUNE_EFFICIENCY = 0.4;
export const DEFAULT_FINETUNE_EFFICIENCY_SOURCE =
  "Llama 3 405B pre-training sustained 38-43% of the H100s' BF16 peak (Llama 3 Herd of Models, 2024, Table 4)";

export const FinetuneRequestSchema = z
  .object({
    /** A catalog id, a GGUF path, a name `rightsize models` found, or a bare parameter count such as "175B" (full only). */
    model: ModelRefSchema,
    method: FinetuneMethodSchema,
    seqTokens: z.number().int().min(1).max(1_048_576).default(2048),
    /** Sequences per step across all GPUs (micro-batch x accumulation is not modelled: this is what is in memory at once). */
    batch: z.number().int().min(1).max(4096).default(1),
    /** Tokens trained on (all epochs). */
    tokens: z.number().positive().max(1e16).default(1e8),
    /** LoRA rank r (lora, qlora). */
    rank: z.number().int().min(1).max(4096).default(16),
    flashAttention: z.boolean().default(true),
    /** Gradient checkpointing: which total the GPU count uses, and one more forward pass in the FLOPs. */
    checkpointing: z.boolean().default(true),
    /** A GPU preset's name or id (resources/hardware/gpus.json); default: this machine's first GPU where a preset matches. */
    gpu: z.string().trim().min(1).max(128).optional(),
    /** Train on this many GPUs instead of the fewest that hold it. */
    gpuCount: z.number().int().min(1).max(100_000).optional(),
    /** Dense peak per GPU at bf16 (or fp16), TFLOPS: a measured figure, or one for a GPU without a catalogued peak. */
    peakTflops: z.number().positive().max(100_000).optional(),
    /** Model FLOPs utilization (share of peak sustained). */
    efficiency: z.number().positive().max(1).default(DEFAULT_FINETUNE_EFFICIENCY),
    /** Share of each GPU's memory training may use (CUDA context, NCCL buffers, fragmentation take the rest). */
    usableFraction: z.number().positive().max(1).default(0.9),
    /** Power per GPU, watts (default: the preset's TDP). */
    wattsPerGpu: z.number().positive().max(100_000).optional(),
    pricePerGpuHour: z.number().min(0).max(1e6).optional(),
    pricePerKwh: z.number().min(0).max(1e4).optional(),
    /** A label for prices, e.g. EUR. */
    currency: z.string().trim().min(1).max(8).optional(),
    /** A saved profile's name: check the fit on its hardware instead of this machine's. */
    profile: z.string().min(1).max(256).optional(),
  })
  .strict();

/** A number and how it was computed. */
const FigureSchema = z.object({ value: z.number(), how: z.string() });
export type FigureValue = z.infer<typeof FigureSchema>;

const MemoryItemSchema = FigureSchema.extend({ key: z.string(), label: z.string() });

export const FinetuneResultSchema = z.object({
  model: z.object({
    id: z.string(),
    name: z.string(),
    params: z.number().positive(),
    activeParams: z.number().positive(),
    /** Where the shape came from: the catalog, a GGUF file, or none (a bare count). */
    shapeFrom: z.string(),
  }),
  method: FinetuneMethodSchema,
  settings: z.object({
    seqTokens: z.number().int(),
    batch: z.number().int(),
    tokens: z.number(),
    rank: z.number().int(),
    flashAttention: z.boolean(),
    checkpointing: z.boolean(),
    efficiency: z.number(),
    usableFraction: z.number(),
  }),
  trainableParams: FigureSchema,
  memory: z.object({
    items: z.array(MemoryItemSchema),
    states: FigureSchema,
    activationsWithoutCheckpointing: FigureSchema.nullable(),
    activationsWithCheckpointing: FigureSchema.nullable(),
    totalWithoutCheckpointing: FigureSchema,
    totalWithCheckpointing: FigureSchema,
  }),
  /** This machine or the profile: does it hold the job on its GPUs? */
  machine: z.object({
    name: z.string(),
    usableBytes: FigureSchema,
    fitsWithCheckpointing: z.boolean(),
    fitsWithoutCheckpointing: z.boolean(),
  }),
  /** Null when no GPU was named and none of this machine's matched a preset. */
  gpu: z
    .object({
      presetId: z.string(),
      name: z.string(),
      vramBytes: z.number().positive(),
      gpusNeeded: FigureSchema,
      gpusUsed: z.number().int().positive(),
      /** Null where no dense peak is catalogued and none was given: no time, energy or cost. */
      peakTflops: FigureSchema.nullable(),
      watts: FigureSchema.nullable(),
      flops: FigureSchema,
      days: FigureSchema.nullable(),
      gpuHours: FigureSchema.nullable(),
      powerKw: FigureSchema.nullable(),
      energyKwh: FigureSchema.nullable(),
      cost: FigureSchema.nullable(),
      currency: z.string().nullable(),
    })
    .nullable(),
  notes: z.array(z.string()),
});
export type FinetuneResult = z.infer<typeof FinetuneResultSchema>;
