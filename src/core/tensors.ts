// The tensors a model of a given architecture holds, named and shaped as llama.cpp's GGUF files
// name them (llama-arch.cpp). Sizing by tensor, not by a bytes-per-parameter constant, is what
// lets each tensor take the quant type llama.cpp would give it.
import type { CatalogModel } from '../shared/schema';
import { archTensors } from './arch';

export type TensorRole =
  | 'token_embd'
  | 'output'
  | 'norm'
  | 'bias'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_qkv'
  | 'attn_output'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down'
  | 'ffn_gate_inp'
  | 'other';

export interface TensorSpec {
  readonly name: string;
  /** ggml order: dims[0] is the row length (the input features of a matrix). */
  readonly dims: readonly number[];
  /** Block index, or null for tensors outside the repeating layers. */
  readonly layer: number | null;
  readonly role: TensorRole;
  /** Number of experts stacked in this tensor (1 for dense). */
  readonly experts: number;
}

/** The architecture numbers sizing needs; a catalog entry is one. */
export type ModelShape = Pick<
  CatalogModel,
  | 'arch'
  | 'layers'
  | 'hiddenSize'
  | 'ffnSize'
  | 'ffnType'
  | 'heads'
  | 'kvHeads'
  | 'headDim'
  | 'vocabSize'
  | 'tiedEmbeddings'
  | 'experts'
  | 'slidingWindow'
  | 'mla'
  | 'moeLayout'
  | 'chunkedAttention'
  | 'attentionSinks'
  | 'recurrent'
  | 'globalAttention'
  | 'qkNorm'
  | 'nextnLayers'
>;

export function elementCount(t: TensorSpec): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

const HAS_QKV_BIAS = new Set(['qwen2']);
const HAS_QK_NORM = new Set(['qwen3', 'qwen3moe', 'gemma3', 'olmo2', 'exaone4']);
const HAS_POST_NORMS = new Set(['gemma2', 'gemma3', 'olmo2', 'exaone4']);
// OLMo 2/3 and EXAONE 4 normalise after attention and FFN only (post norms), not before.
const POST_NORMS_ONLY = new Set(['olmo2', 'exaone4']);
// smollm3 (NoPE every 4th layer) and mistral3 (Mistral Small 3.x text) hold exactly llama's tensors.
const FUSED_QKV = new Set(['phi3', 'falcon']);

// A report sizes each model at nine precisions and many contexts: list its tensors once.
const listCache = new WeakMap<ModelShape, readonly TensorSpec[]>();

/** Lists every tensor of a model in the order llama.cpp's converter writes them (cached per shape object). */
export function listTensors(shape: ModelShape): readonly TensorSpec[] {
  let list = listCache.get(shape);
  if (!list) {
    list = buildTensorList(shape);
    listCache.set(shape, list);
  }
  return list;
}

function buildTensorList(shape: ModelShape): TensorSpec[] {
  const special = archTensors(shape);
  if (special) return special;
  const { hiddenSize: h, vocabSize: vocab, heads, kvHeads, headDim, ffnSize, layers } = shape;
  const qDim = heads * headDim;
  const kvDim = kvHeads * headDim;
  const out: TensorSpec[] = [];
  const add = (name: string, dims: number[], layer: number | null, role: TensorRole, experts = 1): void => {
    out.push({ name, dims, layer, role, experts });
  };
  const layerNormHasBias = shape.arch === 'falcon';

  add('token_embd.weight', [h, vocab], null, 'token_embd');
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    if (!POST_NORMS_ONLY.has(shape.arch)) add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    if (layerNormHasBias) add(`${blk}.attn_norm.bias`, [h], i, 'bias');
    if (shape.arch === 'falcon') {
      // Falcon 40B/180B ("new decoder architecture") has a second input layer norm.
      add(`${blk}.attn_norm_2.weight`, [h], i, 'norm');
      add(`${blk}.attn_norm_2.bias`, [h], i, 'bias');
    }
    if (FUSED_QKV.has(shape.arch)) {
      add(`${blk}.attn_qkv.weight`, [h, qDim + 2 * kvDim], i, 'attn_qkv');
    } else {
      add(`${blk}.attn_q.weight`, [h, qDim], i, 'attn_q');
      add(`${blk}.attn_k.weight`, [h, kvDim], i, 'attn_k');
      add(`${blk}.attn_v.weight`, [h, kvDim], i, 'attn_v');
      if (HAS_QKV_BIAS.has(shape.arch)) {
        add(`${blk}.attn_q.bias`, [qDim], i, 'bias');
        add(`${blk}.attn_k.bias`, [kvDim], i, 'bias');
        add(`${blk}.attn_v.bias`, [kvDim], i, 'bias');
      }
      if (HAS_QK_NORM.has(shape.arch)) {
        add(`${blk}.attn_q_norm.weight`, [shape.arch === 'olmo2' ? qDim : headDim], i, 'norm');
        add(`${blk}.attn_k_norm.weight`, [shape.arch === 'olmo2' ? kvDim : headDim], i, 'norm');
      }
    }
    add(`${blk}.attn_output.weight`, [qDim, h], i, 'attn_output');
    if (HAS_POST_NORMS.has(shape.arch)) add(`${blk}.post_attention_norm.weight`, [h], i, 'norm');
    if (shape.arch !== 'falcon' && !POST_NORMS_ONLY.has(shape.arch)) add(`${blk}.ffn_norm.weight`, [h], i, 'norm');

    const moe = shape.experts;
    const denseLayer = !moe || i < (moe.denseLayers ?? 0);
    if (denseLayer) {
      const width = moe?.denseFfnSize ?? ffnSize;
      if (shape.arch === 'phi3') {
        // Phi-3 stores gate and up fused in one ffn_up of twice the width.
        add(`${blk}.ffn_up.weight`, [h, 2 * width], i, 'ffn_up');
      } else {
        if (shape.ffnType === 'gated') add(`${blk}.ffn_gate.weight`, [h, width], i, 'ffn_gate');
        add(`${blk}.ffn_up.weight`, [h, width], i, 'ffn_up');
      }
      add(`${blk}.ffn_down.weight`, [width, h], i, 'ffn_down');
    } else {
      const n = moe.count;
      add(`${blk}.ffn_gate_inp.weight`, [h, n], i, 'ffn_gate_inp');
      if (shape.ffnType === 'gated') add(`${blk}.ffn_gate_exps.weight`, [h, ffnSize, n], i, 'ffn_gate', n);
      add(`${blk}.ffn_up_exps.weight`, [h, ffnSize, n], i, 'ffn_up', n);
      add(`${blk}.ffn_down_exps.weight`, [ffnSize, h, n], i, 'ffn_down', n);
      if ((moe.shared ?? 0) > 0) {
        const sw = (moe.sharedFfnSize ?? ffnSize) * (moe.shared ?? 0);
        add(`${blk}.ffn_gate_shexp.weight`, [h, sw], i, 'ffn_gate');
        add(`${blk}.ffn_up_shexp.weight`, [h, sw], i, 'ffn_up');
        add(`${blk}.ffn_down_shexp.weight`, [sw, h], i, 'ffn_down');
      }
    }
    if (HAS_POST_NORMS.has(shape.arch)) add(`${blk}.post_ffw_norm.weight`, [h], i, 'norm');
  }
  add('output_norm.weight', [h], null, 'norm');
  if (layerNormHasBias) add('output_norm.bias', [h], null, 'bias');
  if (!shape.tiedEmbeddings) add('output.weight', [h, vocab], null, 'output');
  return out;
}

/** Parameters counted from the tensors, the way a converter's "model params" line counts them. */
export function countParameters(shape: ModelShape): number {
  return listTensors(shape).reduce((sum, t) => sum + elementCount(t), 0);
}

/** Parameters read per generated token: all but the inactive experts (and the embedding table, which is a lookup). */
export function countActiveParameters(shape: ModelShape): number {
  let total = 0;
  for (const t of listTensors(shape)) {
    if (t.role === 'token_embd') continue;
    const n = elementCount(t);
    total += t.experts > 1 && shape.experts ? (n / t.experts) * shape.experts.active : n;
  }
  if (shape.tiedEmbeddings) total += shape.hiddenSize * shape.vocabSize; // the tied table is read as the output matrix
  return total;
}
