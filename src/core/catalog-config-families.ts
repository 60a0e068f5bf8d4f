// What each family's converter reads from a config.json beyond the common shape keys: experts and
// shared experts, Gemma 4's global layers, MLA's latent sizes, and the recurrent blocks of the
// hybrids (Mamba-2, gated delta net). Used by catalog-config.ts; pure.
import type { CatalogModel, ModelArch } from '../shared/schema';

/** A config.json the catalog cannot turn into an entry; the message says what to do. */
export class CatalogConfigError extends Error {}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function num(config: Json, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const v = config[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

export function need(config: Json, keys: readonly string[]): number {
  const v = num(config, keys);
  if (v === undefined) throw new CatalogConfigError(`config.json has no ${keys.join(' or ')}: is this a model's config.json?`);
  return v;
}

export function expertsOf(config: Json, hiddenFfn: number | undefined): CatalogModel['experts'] {
  const count = num(config, ['num_experts', 'num_local_experts', 'n_routed_experts']);
  const active = num(config, ['num_experts_per_tok', 'num_experts_per_token', 'experts_per_token', 'top_k_experts']);
  if (!count || count <= 1 || !active) return undefined;
  const sharedFfn = num(config, ['shared_expert_intermediate_size']);
  const shared = num(config, ['n_shared_experts', 'num_shared_experts']) ?? (sharedFfn ? 1 : 0);
  const denseLayers = num(config, ['first_k_dense_replace']) ?? 0;
  return {
    count,
    active,
    shared,
    ...(sharedFfn ? { sharedFfnSize: sharedFfn } : {}),
    denseLayers,
    ...(denseLayers > 0 && hiddenFfn ? { denseFfnSize: hiddenFfn } : {}),
  };
}

/**
 * Gemma 4's global layers (conversion/gemma.py, Gemma4Model): global_head_dim and
 * num_global_key_value_heads, attention_k_eq_v (no V projection), num_kv_shared_layers.
 */
export function globalAttentionOf(config: Json, kvHeads: number): CatalogModel['globalAttention'] {
  const headDim = num(config, ['global_head_dim']);
  if (!headDim) throw new CatalogConfigError("A Gemma 4 config.json needs global_head_dim (the global layers' head size).");
  const shared = num(config, ['num_kv_shared_layers']) ?? 0;
  return {
    headDim,
    kvHeads: num(config, ['num_global_key_value_heads']) ?? kvHeads,
    ...(config.attention_k_eq_v === true ? { valueFromKey: true } : {}),
    ...(shared > 0 ? { kvSharedLayers: shared } : {}),
  };
}

/**
 * The shared experts each family's converter adds beyond expertsOf's keys: Gemma 4 keeps a dense FFN
 * of intermediate_size beside the experts in every block; Llama 4 has one shared expert per block and
 * dense blocks intermediate_size_mlp wide; Granite 4.0 H's shared expert is shared_intermediate_size wide.
 */
export function archExpertsOf(
  arch: ModelArch,
  config: Json,
  moe: CatalogModel['experts'],
  denseFfn: number | undefined,
): CatalogModel['experts'] {
  if (!moe) return undefined;
  const denseMlp = num(config, ['intermediate_size_mlp']);
  const sharedMlp = num(config, ['shared_intermediate_size']);
  if (arch === 'gemma4' && denseFfn) return { ...moe, shared: 1, sharedFfnSize: denseFfn };
  if (arch === 'llama4') return { ...moe, shared: 1, ...(denseMlp ? { denseFfnSize: denseMlp } : {}) };
  if (arch === 'granitehybrid' && sharedMlp) return { ...moe, shared: 1, sharedFfnSize: sharedMlp };
  return moe;
}

/**
 * What DeepSeek, GLM-4.5, gpt-oss and Llama 4 add to the shape, as their converters read it:
 * DeepSeek-V3's and GLM's routing bias (exp_probs_b), GLM's optional QK norms (use_qk_norm) and
 * appended MTP blocks (num_nextn_predict_layers), gpt-oss's attention sinks and expert biases (every
 * file has them), Llama 4's MoE interleave and chunked attention.
 */
export function archExtrasOf(arch: ModelArch, config: Json): Partial<CatalogModel> {
  // DeepSeek-V3's routing (topk_method noaux_tc) adds a per-expert selection bias (exp_probs_b).
  if (arch === 'deepseek2') return config.topk_method === 'noaux_tc' ? { moeLayout: { selectionBias: true } } : {};
  if (arch === 'glm4moe') {
    const nextn = num(config, ['num_nextn_predict_layers']) ?? 0;
    return {
      moeLayout: { selectionBias: true },
      ...(config.use_qk_norm === true ? { qkNorm: true } : {}),
      ...(nextn > 0 ? { nextnLayers: nextn } : {}),
    };
  }
  if (arch === 'gpt-oss') {
    // A checkpoint published in MXFP4 (quantization_config.quant_method "mxfp4") keeps its experts so in every file:
    // the converter repacks them as they are (conversion/gpt_oss.py) and llama-quantize will not requantize them.
    const quant = config.quantization_config;
    const mxfp4 = isObject(quant) && quant.quant_method === 'mxfp4';
    return { moeLayout: { expertBiases: true, ...(mxfp4 ? { expertsType: 'MXFP4' as const } : {}) }, attentionSinks: true };
  }
  if (arch === 'llama4') {
    // llama.cpp's loader: three of every four blocks attend within attention_chunk_size tokens (8192 without the key).
    const chunk = num(config, ['attention_chunk_size']);
    return {
      moeLayout: { interleaveStep: num(config, ['interleave_moe_layer_step']) ?? 1 },
      ...(chunk ? { chunkedAttention: { chunkTokens: chunk, period: 4 } } : {}),
    };
  }
  return {};
}

/**
 * Granite 4.0 H's Mamba-2 blocks (conversion/granite.py, GraniteHybridModel; mamba.py, Mamba2Model):
 * mamba_d_conv, mamba_d_state, mamba_n_heads, mamba_n_groups, an inner width of mamba_expand x
 * hidden_size, and attention where layer_types says "attention" (or at attn_layer_indices).
 */
function mamba2Of(config: Json, layers: number, hiddenSize: number): CatalogModel['recurrent'] {
  const heads = num(config, ['mamba_n_heads']);
  if (!heads) return undefined;
  const types = Array.isArray(config.layer_types) ? config.layer_types.map(String) : undefined;
  const indices = Array.isArray(config.attn_layer_indices)
    ? config.attn_layer_indices.filter((i): i is number => typeof i === 'number')
    : [];
  const attentionLayers = types ? types.flatMap((t, i) => (t === 'attention' ? [i] : [])) : indices;
  const headDim = num(config, ['mamba_d_head']);
  // The converter's d_inner: mamba_expand x hidden_size, which is mamba_n_heads x mamba_d_head where both are given.
  const innerSize = headDim ? heads * headDim : (num(config, ['mamba_expand']) ?? 2) * hiddenSize;
  return {
    kind: 'mamba2',
    attentionLayers: attentionLayers.filter((i) => i < layers),
    convKernel: num(config, ['mamba_d_conv']) ?? 4,
    stateSize: need(config, ['mamba_d_state']),
    innerSize,
    groups: num(config, ['mamba_n_groups']) ?? 1,
    heads,
  };
}

/** MLA's latent sizes (DeepSeek's kv_lora_rank, q_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim). */
export function mlaOf(config: Json): CatalogModel['mla'] {
  const kvLoraRank = num(config, ['kv_lora_rank']);
  if (!kvLoraRank) return undefined;
  const qLoraRank = num(config, ['q_lora_rank']);
  return {
    kvLoraRank,
    ...(qLoraRank ? { qLoraRank } : {}),
    ropeDim: need(config, ['qk_rope_head_dim']),
    nopeDim: need(config, ['qk_nope_head_dim']),
    vHeadDim: need(config, ['v_head_dim']),
  };
}

/**
 * Qwen3-Next's gated delta net (conversion/qwen.py, Qwen3NextModel): linear_* sizes, and full attention
 * on every full_attention_interval-th layer (or where layer_types says full_attention).
 */
function gatedDeltaNetOf(config: Json, layers: number): CatalogModel['recurrent'] {
  const valueHeads = num(config, ['linear_num_value_heads']);
  if (!valueHeads) return undefined;
  const types = Array.isArray(config.layer_types) ? config.layer_types.map(String) : undefined;
  const interval = num(config, ['full_attention_interval']) ?? 4;
  const attentionLayers = Array.from({ length: layers }, (_, i) => i).filter((i) =>
    types && types.length === layers ? types[i] === 'full_attention' : (i + 1) % interval === 0,
  );
  return {
    kind: 'gated-delta-net',
    attentionLayers,
    convKernel: need(config, ['linear_conv_kernel_dim']),
    stateSize: need(config, ['linear_key_head_dim']),
    innerSize: valueHeads * need(config, ['linear_value_head_dim']),
    groups: need(config, ['linear_num_key_heads']),
    heads: valueHeads,
  };
}

/**
 * Nemotron-H's blocks (conversion/nemotron.py, NemotronHModel): hybrid_override_pattern gives each
 * block one kind, M (Mamba-2), * (attention) or - (MLP), or layers_block_type names them; the inner
 * width is mamba_num_heads x mamba_head_dim, with ssm_state_size, n_groups and conv_kernel.
 */
function nemotronHOf(config: Json, layers: number): CatalogModel['recurrent'] {
  const pattern = config.hybrid_override_pattern ?? config.layers_block_type;
  const kinds: string[] | undefined =
    typeof pattern === 'string'
      ? [...pattern].map((c) => (c === 'M' ? 'mamba' : c === '*' ? 'attention' : c === '-' ? 'mlp' : c))
      : Array.isArray(pattern)
        ? pattern.map(String)
        : undefined;
  const heads = num(config, ['mamba_num_heads', 'num_heads']);
  const headDim = num(config, ['mamba_head_dim']);
  if (!kinds || !heads || !headDim) return undefined;
  if (kinds.length !== layers)
    throw new CatalogConfigError(`hybrid_override_pattern has ${kinds.length} blocks where num_hidden_layers is ${layers}.`);
  const where = (kind: string): number[] => kinds.flatMap((k, i) => (k === kind ? [i] : []));
  return {
    kind: 'mamba2',
    attentionLayers: where('attention'),
    mlpLayers: where('mlp'),
    convKernel: num(config, ['conv_kernel', 'mamba_d_conv']) ?? 4,
    stateSize: need(config, ['ssm_state_size', 'mamba_d_state']),
    innerSize: heads * headDim,
    groups: num(config, ['n_groups', 'mamba_n_groups']) ?? 1,
    heads,
  };
}

/** The recurrent blocks of a hybrid architecture, or a CatalogConfigError naming the keys it lacks. */
export function recurrentOf(arch: ModelArch, config: Json, layers: number, hiddenSize: number): CatalogModel['recurrent'] {
  const [recurrent, keys] =
    arch === 'qwen3next' || arch === 'qwen35' || arch === 'qwen35moe'
      ? [gatedDeltaNetOf(config, layers), 'its linear_* keys (the gated delta net)']
      : arch === 'granitehybrid'
        ? [mamba2Of(config, layers, hiddenSize), 'its mamba_* keys (the Mamba-2 blocks)']
        : arch === 'nemotron_h'
          ? [nemotronHOf(config, layers), 'hybrid_override_pattern and its mamba_* keys (the Mamba-2 blocks)']
          : [undefined, ''];
  if (keys && !recurrent) throw new CatalogConfigError(`A ${arch} config.json needs ${keys}: is this the right file?`);
  return recurrent;
}
