// The model catalog and the GPU presets shipped in resources/.
import { z } from 'zod';
import { TASKS } from '../ladder';
import { PRECISIONS } from '../precision';
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
  // llama-like blocks under their own llama.cpp names: NoPE layers (SmolLM3), post norms and QK norms (EXAONE 4), Mistral Small 3.x.
  'smollm3',
  'exaone4',
  'mistral3',
  // DeepSeek V2/V3/R1 and Kimi K2 (multi-head latent attention), Llama 4, gpt-oss: src/core/arch/.
  'deepseek2',
  'llama4',
  'gpt-oss',
  // Hybrids with a recurrent state (Mamba-2: Granite 4.0 H, Nemotron-H; gated delta net: Qwen3-Next, Qwen3.5): src/core/arch/.
  'granitehybrid',
  'nemotron_h',
  'qwen3next',
  'qwen35',
  'qwen35moe',
  // Gemma 4: global layers with their own head size and KV head count.
  'gemma4',
  // Gemma 3n: per-layer embeddings, AltUp streams, LAuReL, KV shared past layer 20.
  'gemma3n',
  // GLM-4.5 and GLM-4.5-Air: QKV biases, optional QK norms, dense lead blocks, shared expert, appended MTP blocks.
  'glm4moe',
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
  /** Measured with the model reasoning before it answers (a thinking mode, high reasoning effort): answers cost many more tokens. */
  thinking: z.boolean().optional(),
});
export type QualityScore = z.infer<typeof QualityScoreSchema>;

/** A catalog model's published score with the task it counts for (a model's card in the app, `estimate`). */
export const PublishedScoreSchema = QualityScoreSchema.extend({ task: z.enum(TASKS) });
export type PublishedScore = z.infer<typeof PublishedScoreSchema>;

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
   * Multi-head latent attention (DeepSeek V2/V3/R1, Kimi K2; config.json's kv_lora_rank, q_lora_rank,
   * qk_rope_head_dim, qk_nope_head_dim, v_head_dim): K and V are rebuilt from one compressed latent per token.
   * Without qLoraRank the queries are one full matrix (DeepSeek-V2-Lite).
   */
  mla: z
    .object({
      kvLoraRank: z.number().int().positive(),
      qLoraRank: z.number().int().positive().optional(),
      ropeDim: z.number().int().positive(),
      nopeDim: z.number().int().positive(),
      vHeadDim: z.number().int().positive(),
    })
    .optional(),
  /**
   * Where an MoE's experts sit and what its router adds: interleaveStep N makes every Nth block MoE and the
   * rest dense (Llama 4's interleave_moe_layer_step: Maverick 2, Scout 1); selectionBias is DeepSeek-V3's
   * per-expert score correction (exp_probs_b); expertBiases gives router and experts biases (gpt-oss).
   * expertsType: the ggml type the authors publish the routed experts in (gpt-oss: MXFP4). The converter
   * writes them as they are (conversion/gpt_oss.py, repack_mxfp4) and llama-quantize will not requantize
   * a quantized tensor without --allow-requantize, so every file of the model keeps them in that type.
   */
  moeLayout: z
    .object({
      interleaveStep: z.number().int().positive().optional(),
      selectionBias: z.boolean().optional(),
      expertBiases: z.boolean().optional(),
      expertsType: z.literal('MXFP4').optional(),
    })
    .optional(),
  /** Chunked local attention (Llama 4): of every `period` blocks the last attends globally, the others within chunks of chunkTokens. */
  chunkedAttention: z
    .object({
      chunkTokens: z.number().int().positive(),
      period: z.number().int().positive(),
    })
    .optional(),
  /** A learned per-head attention sink (gpt-oss's attn_sinks). */
  attentionSinks: z.boolean().optional(),
  /** Per-head RMS norms on queries and keys where the arch makes them optional (glm4moe: config.json's use_qk_norm). */
  qkNorm: z.boolean().optional(),
  /**
   * NextN/MTP blocks the GGUF appends after the trunk (config.json's num_nextn_predict_layers; block_count
   * counts them). llama.cpp skips their weights unless MTP is on, but glm4moe's KV cache still gives them cells.
   */
  nextnLayers: z.number().int().nonnegative().optional(),
  /**
   * A recurrent mixer in place of attention in most blocks (llama.cpp's llama_memory_hybrid): each such
   * block keeps a fixed state per sequence, (convKernel - 1) x (innerSize + 2 x groups x stateSize) conv
   * values and stateSize x innerSize SSM values, both F32, whatever the context. mamba2: config.json's
   * mamba_d_conv, mamba_d_state, mamba_n_heads x mamba_d_head (innerSize), mamba_n_groups, mamba_n_heads.
   * gated-delta-net (Qwen3-Next, Qwen3.5): linear_conv_kernel_dim, linear_key_head_dim (stateSize),
   * linear_num_value_heads x linear_value_head_dim (innerSize), linear_num_key_heads (groups),
   * linear_num_value_heads (heads). attentionLayers are the blocks with attention and a KV cache;
   * mlpLayers (Nemotron-H's "-") hold only an MLP; every other block is recurrent.
   */
  /**
   * Global (full-attention) layers shaped unlike the sliding-window ones (Gemma 4: config.json's
   * global_head_dim and num_global_key_value_heads; headDim and kvHeads above are the sliding layers').
   * valueFromKey: attention_k_eq_v, the global layers have no V projection (V is K) but still cache V.
   */
  globalAttention: z
    .object({
      headDim: z.number().int().positive(),
      kvHeads: z.number().int().positive(),
      valueFromKey: z.boolean().optional(),
      /** num_kv_shared_layers (Gemma 4 E2B/E4B): the last N layers reuse earlier layers' KV and cache nothing. */
      kvSharedLayers: z.number().int().nonnegative().optional(),
    })
    .optional(),
  recurrent: z
    .object({
      kind: z.enum(['mamba2', 'gated-delta-net']),
      attentionLayers: z.array(z.number().int().nonnegative()),
      mlpLayers: z.array(z.number().int().nonnegative()).optional(),
      convKernel: z.number().int().positive(),
      stateSize: z.number().int().positive(),
      innerSize: z.number().int().positive(),
      groups: z.number().int().positive(),
      heads: z.number().int().positive(),
    })
    .optional(),
  /**
   * Published scores the ladder judges the model by, per task one on each of the task's benchmarks
   * (src/shared/ladder.ts names them: chat's MMLU and MMLU-Pro), each with its source and date. A task
   * without a score is one the ladder does not guess.
   */
  quality: z.partialRecord(z.enum(TASKS), z.union([QualityScoreSchema, z.array(QualityScoreSchema).min(1).max(4)])).optional(),
  released: z.string().regex(/^\d{4}-\d{2}$/),
  license: z.string(),
  /** Where the architecture numbers come from (the model's config.json or paper). */
  source: z.string(),
  notes: z.string().optional(),
  /** GGUF file sizes published on a Hugging Face file listing (bartowski's, unsloth's, TheBloke's repos), to check the weights layout against. */
  ggufSizes: z
    .array(
      z.object({
        quant: z.enum(PRECISIONS),
        /** The file's size as listed (a "GB" figure is 10^9 bytes), all split parts together. */
        bytes: z.number().int().positive(),
        /** The page that lists the file and its size. */
        source: z.string().regex(/^https:\/\/\S+$/),
        detail: z.string().optional(),
      }),
    )
    .optional(),
});
export type CatalogModel = z.infer<typeof CatalogModelSchema>;

export const CatalogSchema = z.object({ version: z.number().int(), models: z.array(CatalogModelSchema).min(1) });

/**
 * Where a catalog model's GGUF files can be fetched by name (resources/catalog/gguf-sources.json): a Hugging Face
 * repository for llama.cpp's and node-llama-cpp's -hf REPO:TAG and Ollama's hf.co/REPO:TAG, and where the repository's
 * files were seen in use, since this project cannot reach Hugging Face to list them.
 */
const GgufSourceSchema = z.object({
  model: z.string().min(1),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  /** The precisions the repository holds, each under its own name as the tag (REPO:Q4_K_M). */
  quants: z.array(z.enum(PRECISIONS)).min(1),
  /** Ollama's library tag for a precision, where its library has the model (else Ollama pulls hf.co/REPO:TAG). */
  ollama: z.partialRecord(z.enum(PRECISIONS), z.string().regex(/^[\w.-]+:[\w.-]+$/)).optional(),
  /** Where the repository's files were seen in use: published code or documents that fetch them. */
  seen: z.string().min(20),
});
export type GgufSource = z.infer<typeof GgufSourceSchema>;
export const GgufSourcesSchema = z.object({ version: z.number().int(), sources: z.array(GgufSourceSchema).min(1) });

/** Where one figure of a preset comes from, when that is not the preset's `source` (e.g. nvidia-smi's memory.total). */
const FigureSourceSchema = z.object({
  field: z.enum(['vramBytes', 'memoryBandwidthGBps', 'tdpWatts', 'gpuShareOfRam', 'generationEfficiency']),
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
  /**
   * The GPU's chip architecture, lower case ("ampere", "ada", "rdna3", "apple-m2"): cards of one architecture reach
   * about the same prompt FLOPs per byte of bandwidth, which estimates the prompt rate of a card with no published run
   * from its siblings' (src/core/gpu-prompt-siblings.ts). Every catalogued preset has one.
   */
  architecture: z
    .string()
    .regex(/^[a-z0-9.-]+$/)
    .optional(),
  /** Case-insensitive regular expression matched against a detected GPU name. */
  match: z.string(),
  vramBytes: z.number().nonnegative().nullable(),
  memoryBandwidthGBps: z.number().positive(),
  tdpWatts: z.number().positive().nullable(),
  unifiedMemory: z.boolean().default(false),
  /**
   * A unified-memory GPU other than Apple's (DGX Spark, Strix Halo): the share of RAM its llama.cpp
   * backend may allocate by default, used where no tool reports the figure (a planned machine). Apple's
   * comes from macOS's working-set rule instead. Its evidence is a figureSources entry for this field.
   */
  gpuShareOfRam: z.number().gt(0).max(1).optional(),
  /**
   * The share of its memory bandwidth this GPU reaches in generation, where published llama-bench runs of it
   * set it apart from its vendor's discrete cards (a GB10 reads its LPDDR5X nearer the spec, a Jetson further
   * from it). Its evidence is a figureSources entry for this field; absent: the vendor's figure (src/core/speed.ts).
   */
  generationEfficiency: z.number().gt(0).max(1).optional(),
  /**
   * NVIDIA cards: streaming multiprocessors (SMs), the CUDA core count on the card's spec page (`source`) over the
   * cores per SM of its architecture (128 from Pascal's consumer chips, Ampere's GA10x, Ada, Hopper and Blackwell; 64
   * for Volta, Turing and the A100). The CUDA context llama.cpp's process holds grows with it (src/core/placement.ts).
   */
  multiprocessors: z.number().int().positive().optional(),
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

/** Prompt rates of GPU presets from published llama-bench runs (resources/hardware/gpu-prompt-rates.json, bench/gpu-prompt-rates.ts). */
export const GpuPromptRatesSchema = z.object({
  version: z.number().int(),
  about: z.string(),
  rates: z.array(
    z.object({
      presetId: z.string(),
      /** The backend the run used, as a GPU's backend is named: cuda, rocm, vulkan, metal, sycl. */
      backend: z.string(),
      flopsPerSec: z.number().positive(),
      date: z.string(),
      /** Where the run was published, or the results file of a run this project measured (bench/results/...). */
      url: z.union([z.string().url(), z.string().regex(/^bench\/results\/[\w.-]+\.md$/)]),
      /** The run's rows: which models it read at which pp512. */
      run: z.string(),
    }),
  ),
});
export type GpuPromptRates = z.infer<typeof GpuPromptRatesSchema>;
export type GpuPromptRateEntry = GpuPromptRates['rates'][number];

/** A whole machine people plan for (a laptop or desktop configuration), built from GPU presets by id. */
const MachinePresetSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string(),
  /** System RAM (for unified-memory machines: the whole shared memory). */
  ramBytes: z.number().int().positive(),
  /** GPUs by preset id (resources/hardware/gpus.json); empty for a machine without a GPU worth offloading to. */
  gpus: z.array(z.object({ presetId: z.string(), count: z.number().int().positive() })),
  cpu: z.string().optional(),
  /** The CPU's cores where the product fixes them (a Mac, a DGX Spark); absent: the preset names no CPU. */
  cpuCores: z.object({ physical: z.number().int().positive(), logical: z.number().int().positive() }).optional(),
  /** The CPU's architecture, as Node names it, where the preset names its CPU. */
  cpuArch: z.enum(['x64', 'arm64']).optional(),
  source: z.string(),
  note: z.string().optional(),
  /** The price of this configuration, only where a published one was found. */
  price: PresetPriceSchema.optional(),
});
export type MachinePreset = z.infer<typeof MachinePresetSchema>;
export const MachinePresetsSchema = z.object({ version: z.number().int(), machines: z.array(MachinePresetSchema).min(1) });
