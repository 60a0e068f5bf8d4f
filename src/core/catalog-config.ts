// A Hugging Face config.json turned into a catalog entry (resources/catalog/models.json): which
// llama.cpp architecture the model converts to (convert_hf_to_gguf.py's registry), and the shape
// numbers sizing needs, read the way the converter reads them. Pure: the caller reads and writes files.
import { CatalogSchema, type CatalogModel, type ModelArch } from '../shared/schema';
import { PRECISIONS, type Precision } from '../shared/precision';
import { countParameters } from './tensors';
import {
  CatalogConfigError,
  archExpertsOf,
  archExtrasOf,
  expertsOf,
  globalAttentionOf,
  isObject,
  mlaOf,
  need,
  num,
  recurrentOf,
  type Json,
} from './catalog-config-families';

export { CatalogConfigError };

/** Hugging Face `architectures` classes (and `model_type`s) and the llama.cpp architecture each converts to. */
const ARCHITECTURES: Readonly<Record<string, ModelArch>> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'llama',
  MixtralForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
  Qwen3MoeForCausalLM: 'qwen3moe',
  GemmaForCausalLM: 'gemma',
  Gemma2ForCausalLM: 'gemma2',
  Gemma3ForCausalLM: 'gemma3',
  Gemma3ForConditionalGeneration: 'gemma3',
  Gemma3nForConditionalGeneration: 'gemma3n',
  Gemma4ForConditionalGeneration: 'gemma4',
  Gemma4ForCausalLM: 'gemma4',
  Gemma3nForCausalLM: 'gemma3n',
  Phi3ForCausalLM: 'phi3',
  Olmo2ForCausalLM: 'olmo2',
  // llama.cpp writes OLMo 3 as olmo2 with a sliding window (conversion/olmo.py).
  Olmo3ForCausalLM: 'olmo2',
  ExaoneForCausalLM: 'exaone',
  Exaone4ForCausalLM: 'exaone4',
  GraniteForCausalLM: 'granite',
  FalconForCausalLM: 'falcon',
  RWForCausalLM: 'falcon',
  SmolLM3ForCausalLM: 'smollm3',
  Mistral3ForConditionalGeneration: 'mistral3',
  Ministral3ForCausalLM: 'mistral3',
  // Multi-head latent attention (DeepSeek V2/V3/R1; Kimi K2's config names DeepseekV3ForCausalLM too).
  DeepseekV2ForCausalLM: 'deepseek2',
  DeepseekV3ForCausalLM: 'deepseek2',
  // Gated delta net with full attention every few layers (Qwen3.5 reads the same linear_* keys).
  Qwen3NextForCausalLM: 'qwen3next',
  Qwen3_5ForConditionalGeneration: 'qwen35',
  Qwen3_5ForCausalLM: 'qwen35',
  Qwen3_5MoeForConditionalGeneration: 'qwen35moe',
  Qwen3_5MoeForCausalLM: 'qwen35moe',
  // Nemotron-H: Mamba-2, attention and squared-ReLU MLP blocks, one kind each, by hybrid_override_pattern.
  NemotronHForCausalLM: 'nemotron_h',
  // GLM-4.5 and -Air: QKV biases, dense lead blocks, a shared expert, the routing bias, appended MTP blocks.
  Glm4MoeForCausalLM: 'glm4moe',
  // gpt-oss: alternating 128-token windows, attention sinks, biased experts.
  GptOssForCausalLM: 'gpt-oss',
  // Llama 4: MoE blocks every interleave_moe_layer_step, a shared expert, chunked local attention.
  Llama4ForConditionalGeneration: 'llama4',
  Llama4ForCausalLM: 'llama4',
  // Granite 4.0 H: Mamba-2 blocks with attention in a few, MoE with a shared expert.
  GraniteMoeHybridForCausalLM: 'granitehybrid',
};
const MODEL_TYPES: Readonly<Record<string, ModelArch>> = {
  llama: 'llama',
  mistral: 'llama',
  mixtral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen3_moe: 'qwen3moe',
  gemma: 'gemma',
  gemma2: 'gemma2',
  gemma3: 'gemma3',
  gemma3_text: 'gemma3',
  gemma3n: 'gemma3n',
  gemma3n_text: 'gemma3n',
  gemma4: 'gemma4',
  gemma4_text: 'gemma4',
  phi3: 'phi3',
  olmo2: 'olmo2',
  olmo3: 'olmo2',
  exaone: 'exaone',
  exaone4: 'exaone4',
  granite: 'granite',
  falcon: 'falcon',
  smollm3: 'smollm3',
  mistral3: 'mistral3',
  deepseek_v2: 'deepseek2',
  deepseek_v3: 'deepseek2',
  kimi_k2: 'deepseek2',
  qwen3_next: 'qwen3next',
  qwen3_5: 'qwen35',
  qwen3_5_text: 'qwen35',
  qwen3_5_moe: 'qwen35moe',
  qwen3_5_moe_text: 'qwen35moe',
  nemotron_h: 'nemotron_h',
  glm4_moe: 'glm4moe',
  gpt_oss: 'gpt-oss',
  llama4: 'llama4',
  llama4_text: 'llama4',
  granitemoehybrid: 'granitehybrid',
};

/** The config.json `architectures` values this module reads, for an error message or a help text. */
export const KNOWN_ARCHITECTURES: readonly string[] = Object.keys(ARCHITECTURES);

/** Sliding-window layout each loader assumes when config.json names none (gemma2: alternate; gemma3: 5 local : 1 global). */
const DEFAULT_SWA_PERIOD: Partial<Record<ModelArch, number>> = { gemma2: 2, gemma3: 6, gemma3n: 5, gemma4: 6 };

/**
 * transformers' class defaults for the keys a config.json may leave out (google/gemma-3-4b-it's names
 * only hidden_size, intermediate_size, num_hidden_layers and sliding_window in its text_config).
 */
const CONFIG_DEFAULTS: Readonly<Record<string, Json>> = {
  gemma3_text: {
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 256,
    vocab_size: 262208,
    max_position_embeddings: 131072,
    sliding_window_pattern: 6,
    tie_word_embeddings: true,
  },
};

interface GgufSizeClaim {
  quant: Precision;
  bytes: number;
  source: string;
}

interface CatalogEntryOptions {
  id: string;
  name?: string;
  family?: string;
  /** Published parameter count in billions; without it the entry carries the count rebuilt from the shape. */
  paramsB?: number;
  /** The config.json's page on huggingface.co (…/blob/main/config.json). */
  source: string;
  /** YYYY-MM. */
  released: string;
  license?: string;
  ggufSizes?: GgufSizeClaim[];
}

interface CatalogEntryResult {
  entry: CatalogModel;
  /** Parameters counted from the entry's tensors (tensors.ts), as a converter's "model params" line counts them. */
  countedParams: number;
  /** What the mapping assumed or corrected; also written into the entry's notes. */
  warnings: string[];
}

/** The llama.cpp architecture of a config, or a CatalogConfigError that lists the known ones. */
export function archOfConfig(config: unknown): ModelArch {
  if (!isObject(config)) throw new CatalogConfigError('config.json must hold a JSON object.');
  const classes = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  for (const cls of classes) {
    const arch = ARCHITECTURES[cls];
    if (arch) return arch;
  }
  const type = typeof config.model_type === 'string' ? MODEL_TYPES[config.model_type] : undefined;
  if (type) return type;
  const named = [...classes, ...(typeof config.model_type === 'string' ? [`model_type ${config.model_type}`] : [])].join(', ') || 'none';
  throw new CatalogConfigError(
    `Unknown architecture (${named}). The catalog can size these config.json architectures: ${KNOWN_ARCHITECTURES.join(', ')}.`,
  );
}

/** Sliding-window layers from layer_types, sliding_window_pattern, the loader's default, or a window on every layer. */
function slidingWindowOf(config: Json, arch: ModelArch, layers: number, maxContext: number): CatalogModel['slidingWindow'] {
  const window = num(config, ['sliding_window']);
  if (!window || config.use_sliding_window === false) return undefined;
  const types = Array.isArray(config.layer_types) ? config.layer_types.map(String) : undefined;
  if (types && types.length > 0) {
    const isGlobal = types.map((t) => !t.startsWith('sliding'));
    if (isGlobal.every(Boolean)) return undefined;
    for (let period = 1; period <= isGlobal.length; period++) {
      if (isGlobal.every((g, i) => g === isGlobal[i % period])) {
        const globals = isGlobal.slice(0, period).filter(Boolean).length;
        return { windowTokens: window, period, globalPerPeriod: globals };
      }
    }
  }
  const pattern = config.sliding_window_pattern;
  if (typeof pattern === 'string' && pattern.length > 0) {
    const globals = [...pattern].filter((c) => c === 'G').length;
    return globals === pattern.length ? undefined : { windowTokens: window, period: pattern.length, globalPerPeriod: globals };
  }
  if (typeof pattern === 'number' && pattern > 0) return { windowTokens: window, period: pattern, globalPerPeriod: 1 };
  const period = DEFAULT_SWA_PERIOD[arch];
  if (period) return { windowTokens: window, period, globalPerPeriod: 1 };
  // A window no shorter than the context windows nothing (Qwen2's and Ministral's configs set one that large).
  if (window >= maxContext || layers === 0) return undefined;
  return { windowTokens: window, period: 1, globalPerPeriod: 0 };
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * The catalog entry a config.json describes, validated with CatalogSchema. Vision-language configs
 * (Gemma 3, Mistral 3) are read from their text_config, since llama.cpp writes the vision tower to a
 * separate mmproj file.
 */
export function catalogEntryFromConfig(config: unknown, options: CatalogEntryOptions): CatalogEntryResult {
  const arch = archOfConfig(config);
  const root = config as Json;
  const sub = isObject(root.text_config) ? root.text_config : {};
  const textType = typeof sub.model_type === 'string' ? sub.model_type : typeof root.model_type === 'string' ? root.model_type : '';
  const text: Json = { ...CONFIG_DEFAULTS[textType], ...root, ...sub };
  const warnings: string[] = [];

  const hiddenSize = need(text, ['hidden_size', 'n_embd', 'd_model']);
  const layers = need(text, ['num_hidden_layers', 'num_layers', 'n_layer']);
  const heads = need(text, ['num_attention_heads', 'n_head']);
  const mla = arch === 'deepseek2' ? mlaOf(text) : undefined;
  // MLA caches one latent per token, but its attention has a K and V per head: the catalog keeps the
  // query-key width (nope + rope) as the head size, and as many KV heads as heads.
  const kvHeads = mla ? heads : (num(text, ['num_key_value_heads', 'num_kv_heads', 'n_head_kv']) ?? heads);
  const headDim = mla ? mla.nopeDim + mla.ropeDim : (num(text, ['head_dim']) ?? hiddenSize / heads);
  const denseFfn = num(text, ['intermediate_size', 'ffn_hidden_size']);
  if (arch === 'gemma4' && (num(text, ['hidden_size_per_layer_input']) ?? 0) > 0)
    throw new CatalogConfigError(
      'Gemma 4 E2B/E4B (per-layer embeddings) are sized from their GGUF files, not from config.json: run `rightsize estimate` on the file or its URL.',
    );
  if (arch === 'nemotron_h' && num(text, ['num_experts_per_tok']) !== undefined)
    throw new CatalogConfigError(
      'Nemotron-H MoE (Nemotron 3) converts to nemotron_h_moe, which rightsize cannot size from config.json yet: run `rightsize estimate` on its GGUF file or URL.',
    );
  const experts = archExpertsOf(arch, text, expertsOf(text, denseFfn), denseFfn);
  // Granite 4.0 H without experts has one FFN, shared_intermediate_size wide.
  const denseWidth = arch === 'granitehybrid' ? (num(text, ['shared_intermediate_size']) ?? denseFfn) : denseFfn;
  const ffnSize = experts ? (num(text, ['moe_intermediate_size', 'expert_intermediate_size']) ?? denseFfn) : denseWidth;
  // Falcon's MLP and Nemotron-H's squared-ReLU MLP have no gate.
  const plainFfn = arch === 'falcon' || arch === 'nemotron_h';
  const width = ffnSize ?? (plainFfn ? 4 * hiddenSize : undefined);
  if (!width) throw new CatalogConfigError('config.json has no intermediate_size (or moe_intermediate_size): the FFN width is unknown.');
  if (!ffnSize) warnings.push(`FFN width assumed 4 x hidden (${width}), as Falcon's MLP.`);

  let vocabSize = need(text, ['vocab_size']);
  if (arch === 'gemma3' && vocabSize === 262208) {
    // convert_hf_to_gguf.py trims token_embd to the tokenizer's tokens (conversion/gemma.py).
    vocabSize = 262144;
    warnings.push('vocabSize is 262,144, the rows llama.cpp keeps in token_embd; config.json says 262,208 (64 image-token ids).');
  }
  const maxContext = num(text, ['max_position_embeddings', 'n_positions', 'seq_length']) ?? 4096;
  if (num(text, ['max_position_embeddings', 'n_positions', 'seq_length']) === undefined)
    warnings.push('No max_position_embeddings: maxContext assumed 4,096.');
  let tiedEmbeddings = typeof text.tie_word_embeddings === 'boolean' ? text.tie_word_embeddings : undefined;
  if (tiedEmbeddings === undefined) {
    tiedEmbeddings = arch === 'gemma' || arch === 'gemma2' || arch === 'gemma3' || arch === 'gemma3n' || arch === 'gemma4';
    warnings.push(`No tie_word_embeddings: assumed ${tiedEmbeddings} (check the GGUF for an output.weight).`);
  }
  if (!Number.isInteger(headDim))
    throw new CatalogConfigError(`hidden_size ${hiddenSize} / num_attention_heads ${heads} is not a whole head_dim.`);

  const shape = {
    arch,
    layers,
    hiddenSize,
    ffnSize: width,
    ffnType: plainFfn ? ('plain' as const) : ('gated' as const),
    heads,
    kvHeads,
    headDim,
    vocabSize,
    maxContext,
    tiedEmbeddings,
    ...(experts ? { experts } : {}),
    ...(mla ? { mla } : {}),
    ...(arch === 'gemma4' ? { globalAttention: globalAttentionOf(text, kvHeads) } : {}),
    ...archExtrasOf(arch, text),
  };
  const recurrent = recurrentOf(arch, text, layers, hiddenSize);
  let slidingWindow = slidingWindowOf(text, arch, layers, maxContext);
  if (slidingWindow && arch === 'phi3') {
    // llama.cpp's phi3 loader reads sliding_window and then turns it off ("Phi SWA is currently disabled").
    slidingWindow = undefined;
    warnings.push('sliding_window ignored: llama.cpp runs Phi-3 with full attention on every layer.');
  }
  const counted = countParameters({ ...shape, ...(slidingWindow ? { slidingWindow } : {}), ...(recurrent ? { recurrent } : {}) });
  const paramsB = options.paramsB ?? Math.round(counted / 1e7) / 100;
  if (options.paramsB === undefined)
    warnings.push(`No published parameter count given: publishedParamsB is the count rebuilt from the shape (${paramsB}B).`);
  const name = options.name ?? options.id;
  if (options.license === undefined) warnings.push('No license given: set it before committing.');

  const candidate = {
    id: slug(options.id),
    name,
    family: options.family ?? name,
    ...shape,
    ...(slidingWindow ? { slidingWindow } : {}),
    ...(recurrent ? { recurrent } : {}),
    publishedParamsB: paramsB,
    released: options.released,
    license: options.license ?? 'unknown',
    source: options.source,
    notes: [`Added by npm run catalog:add from config.json (${arch}).`, ...warnings].join(' '),
    ...(options.ggufSizes?.length ? { ggufSizes: options.ggufSizes } : {}),
  };
  const parsed = CatalogSchema.shape.models.element.safeParse(candidate);
  if (!parsed.success) throw new CatalogConfigError(`The entry does not fit the catalog schema: ${parsed.error.message}`);
  return { entry: parsed.data, countedParams: counted, warnings };
}

/** `QUANT=BYTES@URL` (e.g. Q4_K_M=4920000000@https://huggingface.co/bartowski/...) as a GGUF size claim. */
export function parseGgufSizeArg(arg: string): GgufSizeClaim {
  const match = /^([A-Za-z0-9_]+)=(\d+(?:\.\d+)?)(GB)?@(https:\/\/\S+)$/.exec(arg);
  const quant = match?.[1]?.toUpperCase();
  if (!match || !quant || !(PRECISIONS as readonly string[]).includes(quant)) {
    throw new CatalogConfigError(`--gguf-size wants QUANT=BYTES@URL (QUANT one of ${PRECISIONS.join(', ')}), got "${arg}".`);
  }
  const value = Number(match[2]);
  return { quant: quant as Precision, bytes: Math.round(match[3] ? value * 1e9 : value), source: match[4] as string };
}

/**
 * models.json's JSON with the entry appended, every other byte of it kept as it was (not re-serialised
 * through the schema, which would fill in defaults); refuses an id the catalog already has.
 */
export function addToCatalog(catalog: unknown, entry: CatalogModel): Json {
  const checked = CatalogSchema.safeParse(catalog);
  if (!checked.success) throw new CatalogConfigError(`models.json does not parse as a catalog: ${checked.error.message}`);
  if (checked.data.models.some((m) => m.id === entry.id)) {
    throw new CatalogConfigError(`The catalog already has an entry "${entry.id}": pass another --id, or edit that entry by hand.`);
  }
  const raw = catalog as Json & { models: unknown[] };
  return { ...raw, models: [...raw.models, entry] };
}
