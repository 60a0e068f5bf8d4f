// What a face asks of the service: the inputs of estimate, measure, bench and models.
import { z } from 'zod';
import { BENCH_REPETITIONS, BENCH_TIMEOUT_SECONDS, GEN_TOKENS, MEASURE_TIMEOUT_SECONDS, PROMPT_TOKENS } from '../defaults';
import { KvTypeSchema, MAX_CONTEXT_TOKENS, ReportRequestSchema, TensorSplitSchema, WhatIfSchema } from './report';

/** A file path, or a name `rightsize models` found (an Ollama name such as llama3.1:8b, a file or display name). */
export const ModelRefSchema = z.string().min(1).max(4096);
const GpuLayersSchema = z.union([z.number().int().min(0).max(100_000), z.literal('auto')]);

export const BenchStartSchema = z
  .object({
    model: ModelRefSchema,
    promptTokens: z.number().int().min(1).max(65536).default(PROMPT_TOKENS),
    genTokens: z.number().int().min(1).max(65536).default(GEN_TOKENS),
    repetitions: z.number().int().min(1).max(50).default(BENCH_REPETITIONS),
    threads: z.union([z.number().int().min(1).max(512), z.literal('auto')]).default('auto'),
    gpuLayers: GpuLayersSchema.default('auto'),
    pricePerKwh: z.number().min(0).max(1000).nullable().default(null),
    /** Also run the llama-bench this host found (never a path from the caller). */
    withLlamaBench: z.boolean().default(false),
    /** Add the finished run to history. */
    save: z.boolean().default(true),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(BENCH_TIMEOUT_SECONDS),
  })
  .strict();

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
    /** Catalog models only (default DEFAULT_PRECISION); a file has its own types. */
    quant: z.string().min(1).max(32).optional(),
    /** Default: DEFAULT_CONTEXT_TOKENS or the model's maximum, whichever is less. */
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).optional(),
    kvType: KvTypeSchema.default('f16'),
    gpuLayers: GpuLayersSchema.default('auto'),
    whatIf: WhatIfSchema.optional(),
    /** A saved profile's name: size for its hardware and calibration instead of this machine's. */
    profile: z.string().min(1).max(256).optional(),
    tensorSplit: TensorSplitSchema.optional(),
    /** As for the report: llama.cpp's --split-mode and --main-gpu. */
    splitMode: ReportRequestSchema.shape.splitMode,
    mainGpu: ReportRequestSchema.shape.mainGpu,
    /** llama.cpp's --n-cpu-moe N: the experts of the first N blocks stay in RAM (MoE models; a dense model is unchanged). */
    nCpuMoe: ReportRequestSchema.shape.nCpuMoe,
    /** A vision projector (llama.cpp's --mmproj): 'auto' takes the mmproj*.gguf next to the model file, or give its path. */
    mmproj: z.union([z.literal('auto'), z.string().min(1).max(4096)]).optional(),
    /** llama.cpp's --mmproj-offload puts the projector on the GPU (absent: true, llama.cpp's default); false is --no-mmproj-offload (RAM). */
    mmprojOffload: z.boolean().optional(),
  })
  .strict();

export const MeasureRequestSchema = z
  .object({
    /** A GGUF file: measuring loads it. */
    path: z.string().min(1).max(4096),
    /** Default: DEFAULT_MEASURE_CONTEXT_TOKENS or the model's maximum, whichever is less. */
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).optional(),
    kvType: KvTypeSchema.default('f16'),
    gpuLayers: GpuLayersSchema.default('auto'),
    threads: z.number().int().min(1).max(512).optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(MEASURE_TIMEOUT_SECONDS),
  })
  .strict();
