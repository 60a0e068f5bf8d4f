// GLM-4.5 and GLM-4.5-Air (Glm4MoeForCausalLM), llama.cpp arch "glm4moe". Tensors follow
// src/models/glm4-moe.cpp (llama_model_glm4_moe::load_arch_tensors) of llama.cpp 80fb11a: attention with
// q/k/v biases, optional per-head QK norms (GLM-4.5 has them, Air not), a post-attention norm and no
// ffn_norm, `leading_dense_block_count` dense blocks, then routed experts with a selection bias
// (exp_probs_b) and one shared expert of the expert width.
//
// The NextN/MTP block: the converter (conversion/glm.py, Glm4MoeModel) appends num_nextn_predict_layers
// blocks by default (block_count = trunk + nextn, key nextn_predict_layers). llama.cpp loads them only
// when asked (llama_model_params.load_mtp, off by default: their tensors are skipped, TENSOR_SKIP), so
// the tensors listed here are the trunk's. Its KV cache is another matter: create_memory gives glm4moe
// no layer filter, so llama_kv_cache allocates cells for every block of block_count, MTP blocks too.
import type { KvType } from '../../shared/precision';
import type { GgufValue } from '../gguf-types';
import type { ModelShape, TensorSpec } from '../tensors';
import type { ArchHook } from './index';
import { KV_ELEMENT_BYTES, padCells, TensorListBuilder } from './tensor-builder';

function glm4moeTensors(shape: ModelShape): TensorSpec[] | null {
  if (shape.arch !== 'glm4moe') return null;
  const { hiddenSize: h, heads, kvHeads, headDim, layers } = shape;
  const qDim = heads * headDim;
  const kvDim = kvHeads * headDim;
  const moe = shape.experts;
  const b = new TensorListBuilder();
  b.add('token_embd.weight', [h, shape.vocabSize], null, 'token_embd');
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    b.add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    b.addBiasedAttention(blk, i, h, qDim, kvDim);
    if (shape.qkNorm) {
      b.add(`${blk}.attn_q_norm.weight`, [headDim], i, 'norm');
      b.add(`${blk}.attn_k_norm.weight`, [headDim], i, 'norm');
    }
    b.add(`${blk}.post_attention_norm.weight`, [h], i, 'norm');
    if (!moe || i < (moe.denseLayers ?? 0)) {
      b.addGatedFfn(blk, i, h, moe?.denseFfnSize ?? shape.ffnSize);
      continue;
    }
    // Always with the selection bias: GLM-4.5's noaux_tc e_score_correction_bias.
    b.addRoutedExperts(blk, i, h, shape.ffnSize, moe.count, true);
    // The loader sizes the shared expert n_ff_exp x n_expert_shared (expert_shared_feed_forward_length is not read).
    if ((moe.shared ?? 0) > 0) b.addGatedFfn(blk, i, h, shape.ffnSize * (moe.shared ?? 0), '_shexp');
  }
  b.addOutput(h, shape.vocabSize, shape.tiedEmbeddings);
  return b.list;
}

/**
 * The tensors one appended NextN/MTP block holds in a GGUF (block index `layer` >= the trunk's blocks):
 * a full MoE block plus eh_proj, enorm, hnorm and its own embed_tokens, shared_head_head and
 * shared_head_norm. llama.cpp skips them unless MTP is on; listed for a file's size, not its memory.
 */
export function glm4moeNextnTensors(shape: ModelShape, layer: number): TensorSpec[] {
  const asMoe: ModelShape = shape.experts
    ? { ...shape, layers: layer + 1, experts: { ...shape.experts, denseLayers: 0 } }
    : { ...shape, layers: layer + 1 };
  const trunk = glm4moeTensors(asMoe);
  const h = shape.hiddenSize;
  const b = new TensorListBuilder();
  for (const t of trunk ?? []) if (t.layer === layer) b.add(t.name, [...t.dims], layer, t.role, t.experts);
  const blk = `blk.${layer}.nextn`;
  b.add(`${blk}.eh_proj.weight`, [2 * h, h], layer, 'other');
  b.add(`${blk}.embed_tokens.weight`, [h, shape.vocabSize], layer, 'other');
  b.add(`${blk}.enorm.weight`, [h], layer, 'norm');
  b.add(`${blk}.hnorm.weight`, [h], layer, 'norm');
  b.add(`${blk}.shared_head_head.weight`, [h, shape.vocabSize], layer, 'other');
  b.add(`${blk}.shared_head_norm.weight`, [h], layer, 'norm');
  return b.list;
}

/**
 * The common rule (K and V, kvHeads x headDim per cell, the padded context in every block), over
 * block_count blocks: the MTP blocks' cells are folded into the last trunk block's entry, the device
 * that holds it holds them too (they follow it when -ngl offloads from the end).
 */
function glm4moeCacheBytesPerLayer(shape: ModelShape, contextTokens: number, kvType: KvType): number[] | null {
  if (shape.arch !== 'glm4moe') return null;
  const perLayer = padCells(contextTokens) * 2 * shape.kvHeads * shape.headDim * KV_ELEMENT_BYTES[kvType];
  const bytes = new Array<number>(shape.layers).fill(perLayer);
  const nextn = shape.nextnLayers ?? 0;
  if (nextn > 0 && bytes.length > 0) bytes[bytes.length - 1] = perLayer * (1 + nextn);
  return bytes;
}

/** The keys Glm4MoeModel.set_gguf_parameters writes beyond the common ones; block_count counts the MTP blocks. */
function glm4moeShapeFromGguf(
  architecture: string,
  key: (suffix: string) => number | null,
  _meta: ReadonlyMap<string, GgufValue>,
  tensors: readonly TensorSpec[],
): Partial<ModelShape> | null {
  if (architecture !== 'glm4moe') return null;
  const nextn = key('nextn_predict_layers') ?? 0;
  const layers = (key('block_count') ?? 0) - nextn;
  const count = key('expert_count') ?? 0;
  const denseFfn = key('feed_forward_length');
  return {
    layers,
    ...(nextn > 0 ? { nextnLayers: nextn } : {}),
    ...(tensors.some((t) => t.name === 'blk.0.attn_q_norm.weight') ? { qkNorm: true } : {}),
    ...(count > 1
      ? {
          experts: {
            count,
            active: Math.max(1, key('expert_used_count') ?? 1),
            shared: key('expert_shared_count') ?? 0,
            denseLayers: key('leading_dense_block_count') ?? 0,
            ...(denseFfn ? { denseFfnSize: denseFfn } : {}),
          },
          moeLayout: { selectionBias: true },
        }
      : {}),
  };
}

export const glm4moeHook: ArchHook = {
  tensors: glm4moeTensors,
  cacheBytesPerLayer: (shape, contextTokens, kvType) => glm4moeCacheBytesPerLayer(shape, contextTokens, kvType),
  shapeFromGguf: glm4moeShapeFromGguf,
};
