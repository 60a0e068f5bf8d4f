// "How to run it": the exact commands that run one model with the placement rightsize sized
// (llama-server, llama-cli, Ollama, LM Studio, node-llama-cpp), and the llama-bench line that checks
// the estimate on the machine it was sized for.
import { z } from 'zod';
import { FitLevelSchema, KvTypeSchema, MAX_CONTEXT_TOKENS, ReportRequestSchema, TensorSplitSchema, WhatIfSchema } from './report';
import { ModelRefSchema } from './requests';

/** The tools a command is written for, in the order they are shown. */
export const RUN_TOOLS = ['llama-server', 'llama-cli', 'ollama', 'lmstudio', 'node-llama-cpp', 'llama-bench'] as const;
const RunToolSchema = z.enum(RUN_TOOLS);
export type RunTool = z.infer<typeof RunToolSchema>;

export const RunCommandsRequestSchema = z
  .object({
    /** A GGUF path, a catalog id or a name `rightsize models` found. */
    model: ModelRefSchema,
    /** Catalog models only (default DEFAULT_PRECISION); a file has its own types. */
    quant: z.string().min(1).max(32).optional(),
    /** Default: DEFAULT_CONTEXT_TOKENS or the model's maximum, whichever is less. */
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).optional(),
    kvType: KvTypeSchema.default('f16'),
    /** As llama.cpp's -ngl (blocks + output layer); auto: the most that fit, as `estimate` finds them. */
    gpuLayers: z.union([z.number().int().min(0).max(100_000), z.literal('auto')]).default('auto'),
    /** llama.cpp's -t; default: the sized machine's physical cores (at most 8, unless they read RAM faster together: threadsFor). */
    threads: z.number().int().min(1).max(512).optional(),
    /** llama.cpp's -ts, as for estimate. */
    tensorSplit: TensorSplitSchema.optional(),
    splitMode: ReportRequestSchema.shape.splitMode,
    mainGpu: ReportRequestSchema.shape.mainGpu,
    /** llama.cpp's --n-cpu-moe: the experts of the first N layers stay in RAM (MoE models only). */
    nCpuMoe: z.number().int().min(0).max(100_000).optional(),
    /** A saved profile's name: the commands for its hardware instead of this machine's. */
    profile: z.string().min(1).max(256).optional(),
    whatIf: WhatIfSchema.optional(),
    /** One tool only; default: every tool. */
    for: RunToolSchema.optional(),
  })
  .strict();

const RunCommandSchema = z.object({
  tool: RunToolSchema,
  /** What the command is, e.g. "Ollama: Modelfile" or "Ollama: API options". */
  title: z.string(),
  /** Ready to paste: a POSIX shell command, a Modelfile with its commands, or a script. */
  command: z.string(),
  /** What to change before running it, and what the tool cannot be told. */
  notes: z.array(z.string()),
});
export type RunCommand = z.infer<typeof RunCommandSchema>;

/** Where the commands put the model: the figures every command is written from. */
const RunPlacementSchema = z.object({
  fit: FitLevelSchema,
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().positive(),
  contextTokens: z.number().int().positive(),
  kvType: KvTypeSchema,
  /** llama.cpp's -fa: on where a quantized V cache needs it, else llama.cpp's default (auto). */
  flashAttention: z.enum(['on', 'auto']),
  /** null: a planned machine whose CPU is unknown, so the commands leave the thread count to llama.cpp. */
  threads: z.number().int().positive().nullable(),
  /** -ts as written, or null with one GPU (or none). */
  tensorSplit: z.array(z.number().nonnegative()).nullable(),
  splitMode: z.enum(['none', 'layer', 'row']).nullable(),
  mainGpu: z.number().int().nonnegative().nullable(),
  nCpuMoe: z.number().int().nonnegative().nullable(),
  backend: z.string(),
  /** Why this placement (the estimate's words). */
  why: z.string(),
});

export const RunCommandsResultSchema = z.object({
  model: z.object({
    id: z.string(),
    name: z.string(),
    quant: z.string(),
    path: z.string().nullable(),
    moe: z.boolean(),
  }),
  placement: RunPlacementSchema,
  commands: z.array(RunCommandSchema),
  /** About every command: e.g. the model does not fit, or the profile is another machine. */
  notes: z.array(z.string()),
});
export type RunCommandsResult = z.infer<typeof RunCommandsResultSchema>;
