// The KV metadata of a GGUF model file: `general.*` and the architecture's hyperparameters, as
// llama.cpp's converter writes them and its loader (llama-model.cpp) reads them.
import type { ModelShape } from '../../core/tensors';
import { bool, f32, str, u32, type Kv, type KvValue } from './encoding';

/** A model shape; a catalog entry is one. The optional numbers override the writer's per-family defaults. */
export type GgufWriterShape = ModelShape & {
  /** Trained context, written as `%s.context_length` unless `contextLength` is given. */
  readonly maxContext?: number;
  /** `%s.rope.freq_base`; defaults to the real family's value (10000, 500000 for Llama 3, 1e6 for Qwen, Mistral, Gemma 3). */
  readonly ropeFreqBase?: number;
  /** `%s.attention.layer_norm_rms_epsilon`; defaults to 1e-6 for Qwen and Gemma, 1e-5 otherwise. */
  readonly rmsNormEps?: number;
};

export interface ModelMetadataOptions {
  /** `general.name`. */
  readonly name: string;
  /** `general.file_type` (llama_ftype). */
  readonly fileType: number;
  readonly alignment: number;
  /** `%s.context_length`. */
  readonly contextLength: number;
}

/** The `general.*` keys, then the architecture's hyperparameters. */
export function modelMetadataKvs(shape: GgufWriterShape, { name, fileType, alignment, contextLength }: ModelMetadataOptions): Kv[] {
  return [
    { key: 'general.architecture', value: str(shape.arch) },
    { key: 'general.type', value: str('model') },
    { key: 'general.name', value: str(name) },
    { key: 'general.file_type', value: u32(fileType) },
    { key: 'general.quantization_version', value: u32(2) },
    { key: 'general.alignment', value: u32(alignment) },
    ...hparamKvs(shape, contextLength),
  ];
}

/** rope.freq_base of the real models of each family, told apart by vocabulary where one arch covers several. */
function defaultRopeBase(shape: GgufWriterShape): number {
  switch (shape.arch) {
    case 'llama':
      if (shape.vocabSize >= 128000 && shape.vocabSize < 131072) return 500000; // Llama 3.x
      if (shape.experts || shape.vocabSize === 32768 || shape.vocabSize === 131072) return 1e6; // Mistral, Mixtral
      if (shape.vocabSize === 49152) return 100000; // SmolLM2
      return 10000; // Llama 2, TinyLlama
    case 'qwen2':
    case 'qwen3':
    case 'qwen3moe':
    case 'gemma3':
    case 'mistral':
      return 1e6;
    case 'olmo2':
      return 500000;
    case 'granite':
      return 10000000;
    default:
      return 10000;
  }
}

function defaultRmsEps(shape: GgufWriterShape): number {
  return /^(qwen|gemma)/.test(shape.arch) ? 1e-6 : 1e-5;
}

/** Default sliding-window period of each loader (llama-model.cpp): the pattern key is written only when it differs. */
const LOADER_SWA_PERIOD: Partial<Record<string, number>> = { gemma2: 2, gemma3: 6, gemma3n: 5 };

/** The `<arch>.*` hyperparameters the arch's loader reads, each defaulted as in the real family. */
function hparamKvs(shape: GgufWriterShape, contextLength: number): Kv[] {
  const a = shape.arch;
  const kvs: Kv[] = [];
  const add = (key: string, value: KvValue): void => void kvs.push({ key: `${a}.${key}`, value });
  const moe = shape.experts;
  add('vocab_size', u32(shape.vocabSize));
  add('context_length', u32(contextLength));
  add('embedding_length', u32(shape.hiddenSize));
  add('block_count', u32(shape.layers));
  add('feed_forward_length', u32(moe?.denseFfnSize ?? shape.ffnSize));
  add('attention.head_count', u32(shape.heads));
  add('attention.head_count_kv', u32(shape.kvHeads));
  add('attention.key_length', u32(shape.headDim));
  add('attention.value_length', u32(shape.headDim));
  if (a === 'falcon') add('attention.layer_norm_epsilon', f32(shape.rmsNormEps ?? 1e-5));
  else add('attention.layer_norm_rms_epsilon', f32(shape.rmsNormEps ?? defaultRmsEps(shape)));
  add('rope.freq_base', f32(shape.ropeFreqBase ?? defaultRopeBase(shape)));
  add('rope.dimension_count', u32(shape.headDim));
  if (moe) {
    add('expert_count', u32(moe.count));
    add('expert_used_count', u32(moe.active));
    if (a !== 'llama') add('expert_feed_forward_length', u32(shape.ffnSize));
    if ((moe.shared ?? 0) > 0) {
      add('expert_shared_count', u32(moe.shared ?? 0));
      add('expert_shared_feed_forward_length', u32(moe.sharedFfnSize ?? shape.ffnSize));
    }
    if ((moe.denseLayers ?? 0) > 0) add('leading_dense_block_count', u32(moe.denseLayers ?? 0));
  }
  const swa = shape.slidingWindow;
  if (swa) {
    add('attention.sliding_window', u32(swa.windowTokens));
    if (swa.globalPerPeriod === 1 && LOADER_SWA_PERIOD[a] !== swa.period) add('attention.sliding_window_pattern', u32(swa.period));
  }
  if (a === 'gemma2') {
    // Gemma 2's config.json: attn_logit_softcapping 50, final_logit_softcapping 30 (the converter writes both).
    add('attn_logit_softcapping', f32(50));
    add('final_logit_softcapping', f32(30));
  }
  if (a === 'gemma3' || a === 'gemma3n') add('rope.freq_base_swa', f32(10000)); // local layers keep rope_local_base_freq 10000
  if (a === 'gemma3n') add('final_logit_softcapping', f32(30)); // config.json's final_logit_softcapping
  if (a === 'granite') {
    // Granite 3.x config.json multipliers; llama.cpp requires logit_scale.
    add('logit_scale', f32(shape.hiddenSize <= 2048 ? 8 : 16));
    add('residual_scale', f32(0.22));
    add('embedding_scale', f32(12));
    add('attention.scale', f32(1 / shape.headDim));
  }
  if (shape.recurrent) return withRecurrentKvs(shape, kvs);
  if (shape.globalAttention) return withGlobalAttentionKvs(shape, kvs);
  if (a === 'glm4moe') return withGlm4MoeKvs(shape, kvs);
  return withMlaLlama4GptOssKvs(shape, kvs);
}

// ---- Hybrids with a recurrent state (granitehybrid, nemotron_h, qwen3next, qwen35, qwen35moe), and Gemma 4 ----
// What their converters write (conversion/granite.py GraniteHybridModel, conversion/qwen.py
// Qwen3NextModel) and their loaders require (src/models/*.cpp, load_arch_hparams).

/** A per-layer u32 array, as the converters write head_count_kv and feed_forward_length for these hybrids. */
const perLayer = (values: readonly number[]): KvValue => ({ type: 'i32s', value: values });

function withRecurrentKvs(shape: GgufWriterShape, common: readonly Kv[]): Kv[] {
  const rec = shape.recurrent;
  if (!rec) return [...common];
  const a = shape.arch;
  const attention = new Set(rec.attentionLayers);
  const mlp = new Set(rec.mlpLayers ?? []);
  const layers = Array.from({ length: shape.layers }, (_, i) => i);
  const replaced = new Map<string, KvValue>();
  const extra: Kv[] = [];
  const add = (key: string, value: KvValue): void => void extra.push({ key: `${a}.${key}`, value });
  add('ssm.conv_kernel', u32(rec.convKernel));
  add('ssm.state_size', u32(rec.stateSize));
  add('ssm.group_count', u32(rec.groups));
  add('ssm.inner_size', u32(rec.innerSize));
  add('ssm.time_step_rank', u32(rec.heads));
  if (a === 'granitehybrid' || a === 'nemotron_h') {
    // A block is recurrent where head_count_kv is 0 (and, for Nemotron-H, feed_forward_length too).
    replaced.set(`${a}.attention.head_count_kv`, perLayer(layers.map((i) => (attention.has(i) ? shape.kvHeads : 0))));
  }
  if (a === 'granitehybrid') add('rope.scaling.finetuned', { type: 'bool', value: false }); // NoPE: the hybrid converter turns rope off
  if (a === 'nemotron_h') {
    replaced.set(`${a}.feed_forward_length`, perLayer(layers.map((i) => (mlp.has(i) ? shape.ffnSize : 0))));
    add('attention.layer_norm_epsilon', f32(1e-5)); // required by load_arch_hparams (the MTP head's final norm)
  }
  if (a === 'qwen3next' || a === 'qwen35' || a === 'qwen35moe') {
    const interval = rec.attentionLayers[0] !== undefined ? rec.attentionLayers[0] + 1 : 0;
    const periodic = interval > 0 && layers.every((i) => attention.has(i) === ((i + 1) % interval === 0));
    if (periodic) add('full_attention_interval', u32(interval));
    else add('attention.recurrent_layers', perLayer(layers.map((i) => (attention.has(i) ? 0 : 1))));
  }
  // Qwen3.5 applies interleaved M-RoPE; its loader requires the sections (the converter's default [11, 11, 10, 0]).
  if (a === 'qwen35' || a === 'qwen35moe') add('rope.dimension_sections', perLayer([11, 11, 10, 0]));
  return [...common.map((kv) => ({ key: kv.key, value: replaced.get(kv.key) ?? kv.value })), ...extra];
}

// ---- DeepSeek2 (MLA), Llama 4 and gpt-oss: the keys their loaders read beyond the common ones ----

/**
 * Replaces common keys these architectures write differently and appends their own, as the converter
 * writes them (conversion/deepseek.py DeepseekV2Model, llama.py Llama4Model, gpt_oss.py GptOssModel) and
 * llama.cpp 80fb11a reads them (src/models/deepseek2.cpp, llama4.cpp, openai-moe.cpp load_arch_hparams).
 */
function withMlaLlama4GptOssKvs(shape: GgufWriterShape, kvs: Kv[]): Kv[] {
  const a = shape.arch;
  const own: Array<[string, KvValue]> = [];
  const mla = shape.mla;
  if (a === 'deepseek2' && mla) {
    // MLA is stored as MQA over the latent: one KV head of kv_lora_rank + rope (K) and kv_lora_rank (V).
    own.push(
      ['attention.head_count_kv', u32(1)],
      ['attention.key_length', u32(mla.kvLoraRank + mla.ropeDim)],
      ['attention.value_length', u32(mla.kvLoraRank)],
      ['attention.key_length_mla', u32(mla.nopeDim + mla.ropeDim)],
      ['attention.value_length_mla', u32(mla.vHeadDim)],
      ['attention.kv_lora_rank', u32(mla.kvLoraRank)],
      ['rope.dimension_count', u32(mla.ropeDim)],
      ['attention.layer_norm_rms_epsilon', f32(shape.rmsNormEps ?? 1e-6)],
      // The loader requires expert_shared_count even at 0.
      ['expert_shared_count', u32(shape.experts?.shared ?? 0)],
    );
    if (mla.qLoraRank) own.push(['attention.q_lora_rank', u32(mla.qLoraRank)]);
    if (shape.moeLayout?.selectionBias) {
      // DeepSeek-V3's config.json: scoring_func sigmoid (LLAMA_EXPERT_GATING_FUNC_TYPE_SIGMOID = 2), norm_topk_prob, routed_scaling_factor 2.5.
      own.push(['expert_gating_func', u32(2)], ['expert_weights_norm', bool(true)], ['expert_weights_scale', f32(2.5)]);
    }
  }
  if (a === 'llama4') {
    own.push(['interleave_moe_layer_step', u32(shape.moeLayout?.interleaveStep ?? 1)]);
    const chunk = shape.chunkedAttention;
    // No sliding_window key: the loader then fixes chunked attention at 8192 tokens; 0 turns it off.
    if (!chunk) own.push(['attention.sliding_window', u32(0)]);
    else if (chunk.period !== 4) own.push(['attention.sliding_window_pattern', u32(chunk.period)]);
  }
  if (own.length === 0) return kvs;
  const replaced = new Map(own.map(([k, v]) => [`${a}.${k}`, v]));
  const out = kvs.map((kv) => {
    const v = replaced.get(kv.key);
    if (v === undefined) return kv;
    replaced.delete(kv.key);
    return { key: kv.key, value: v };
  });
  for (const [key, value] of replaced) out.push({ key, value });
  return out;
}

/**
 * Gemma 4 (conversion/gemma.py, Gemma4Model.set_gguf_parameters): key_length is the global layers' head
 * size and key_length_swa the sliding layers'; head_count_kv and sliding_window_pattern are per layer;
 * embedding_length_per_layer_input is required (0 without per-layer embeddings).
 */
function withGlobalAttentionKvs(shape: GgufWriterShape, common: readonly Kv[]): Kv[] {
  const g = shape.globalAttention;
  if (!g || shape.arch !== 'gemma4') return [...common];
  const a = shape.arch;
  const sw = shape.slidingWindow;
  const isGlobal = (i: number): boolean => !sw || i % sw.period >= sw.period - sw.globalPerPeriod;
  const layers = Array.from({ length: shape.layers }, (_, i) => i);
  const moe = shape.experts;
  const replaced = new Map<string, KvValue>([
    [`${a}.attention.key_length`, u32(g.headDim)],
    [`${a}.attention.value_length`, u32(g.headDim)],
    [`${a}.rope.dimension_count`, u32(g.headDim)],
    [`${a}.attention.head_count_kv`, perLayer(layers.map((i) => (isGlobal(i) ? g.kvHeads : shape.kvHeads)))],
    [`${a}.attention.sliding_window_pattern`, perLayer(layers.map((i) => (isGlobal(i) ? 0 : 1)))],
    ...(moe ? [[`${a}.feed_forward_length`, u32(moe.sharedFfnSize ?? shape.ffnSize)] as const] : []),
  ]);
  const extra: Kv[] = [];
  const add = (key: string, value: KvValue): void => {
    if (!common.some((kv) => kv.key === `${a}.${key}`)) extra.push({ key: `${a}.${key}`, value });
  };
  add('attention.sliding_window_pattern', replaced.get(`${a}.attention.sliding_window_pattern`) as KvValue);
  add('attention.key_length_swa', u32(shape.headDim));
  add('attention.value_length_swa', u32(shape.headDim));
  add('rope.dimension_count_swa', u32(shape.headDim));
  add('rope.freq_base_swa', f32(10000));
  add('embedding_length_per_layer_input', u32(0));
  add('attention.shared_kv_layers', u32(g.kvSharedLayers ?? 0));
  add('final_logit_softcapping', f32(30));
  return [...common.map((kv) => ({ key: kv.key, value: replaced.get(kv.key) ?? kv.value })), ...extra];
}

// ---- GLM-4.5 (glm4moe) ----

/**
 * What conversion/glm.py (Glm4MoeModel.set_gguf_parameters) writes and src/models/glm4-moe.cpp reads:
 * block_count counts the appended MTP blocks and nextn_predict_layers says how many; rope covers half
 * of each head (partial_rotary_factor 0.5); expert_shared_count is required; routing is sigmoid with
 * normalised top-k weights (config.json's routed_scaling_factor: 1.0 for Air, 2.5 for GLM-4.5). No
 * expert_shared_feed_forward_length: the loader sizes the shared expert from the expert width.
 */
function withGlm4MoeKvs(shape: GgufWriterShape, common: readonly Kv[]): Kv[] {
  const a = shape.arch;
  const nextn = shape.nextnLayers ?? 0;
  const replaced = new Map<string, KvValue>([
    [`${a}.block_count`, u32(shape.layers + nextn)],
    [`${a}.rope.dimension_count`, u32(Math.floor(shape.headDim / 2))],
    [`${a}.rope.freq_base`, f32(shape.ropeFreqBase ?? 1e6)],
  ]);
  const out = common
    .filter((kv) => kv.key !== `${a}.expert_shared_feed_forward_length` && kv.key !== `${a}.expert_shared_count`)
    .map((kv) => ({ key: kv.key, value: replaced.get(kv.key) ?? kv.value }));
  const add = (key: string, value: KvValue): void => void out.push({ key: `${a}.${key}`, value });
  add('expert_shared_count', u32(shape.experts?.shared ?? 0));
  add('expert_gating_func', u32(2)); // LLAMA_EXPERT_GATING_FUNC_TYPE_SIGMOID
  add('expert_weights_scale', f32(shape.hiddenSize >= 5120 ? 2.5 : 1));
  add('expert_weights_norm', bool(true));
  if (nextn > 0) add('nextn_predict_layers', u32(nextn));
  return out;
}
