// Multi-head latent attention (MLA): DeepSeek V2/V3/R1 and Kimi K2, llama.cpp arch "deepseek2".
// Tensors follow src/models/deepseek2.cpp (llama_model_deepseek2::load_arch_tensors) of llama.cpp
// 80fb11a; the converter (conversion/deepseek.py, DeepseekV2Model) splits kv_b_proj into attn_k_b
// (transposed, 3D) and attn_v_b, and drops the MTP (nextn) block: skip_mtp = True.
import type { GgufValue } from '../gguf-types';
import type { ModelShape, TensorSpec } from '../tensors';
import type { ArchHook } from './index';
import { KV_ELEMENT_BYTES, padCells, TensorListBuilder } from './tensor-builder';

function deepseek2Tensors(shape: ModelShape): TensorSpec[] | null {
  const mla = shape.mla;
  if (shape.arch !== 'deepseek2' || !mla) return null;
  const { hiddenSize: h, heads, layers } = shape;
  const qkHead = mla.nopeDim + mla.ropeDim; // n_embd_head_k_mla
  const moe = shape.experts;
  const b = new TensorListBuilder();
  b.add('token_embd.weight', [h, shape.vocabSize], null, 'token_embd');
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    b.add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    if (mla.qLoraRank) b.add(`${blk}.attn_q_a_norm.weight`, [mla.qLoraRank], i, 'norm');
    b.add(`${blk}.attn_kv_a_norm.weight`, [mla.kvLoraRank], i, 'norm');
    if (mla.qLoraRank) {
      b.add(`${blk}.attn_q_a.weight`, [h, mla.qLoraRank], i, 'other');
      b.add(`${blk}.attn_q_b.weight`, [mla.qLoraRank, heads * qkHead], i, 'other');
    } else {
      b.add(`${blk}.attn_q.weight`, [h, heads * qkHead], i, 'attn_q');
    }
    // The latent and the shared RoPE key come from one projection (kv_lora_rank + qk_rope_head_dim rows).
    b.add(`${blk}.attn_kv_a_mqa.weight`, [h, mla.kvLoraRank + mla.ropeDim], i, 'other');
    // 3D per-head matrices, not experts: {qk_nope, kv_lora_rank, n_head} and {kv_lora_rank, v_head_dim, n_head}.
    b.add(`${blk}.attn_k_b.weight`, [mla.nopeDim, mla.kvLoraRank, heads], i, 'other');
    b.add(`${blk}.attn_v_b.weight`, [mla.kvLoraRank, mla.vHeadDim, heads], i, 'other');
    b.add(`${blk}.attn_output.weight`, [heads * mla.vHeadDim, h], i, 'attn_output');
    b.add(`${blk}.ffn_norm.weight`, [h], i, 'norm');
    if (!moe || i < (moe.denseLayers ?? 0)) {
      b.addGatedFfn(blk, i, h, moe?.denseFfnSize ?? shape.ffnSize);
      continue;
    }
    // DeepSeek-V3's noaux_tc routing: e_score_correction_bias, one float per expert.
    b.addRoutedExperts(blk, i, h, shape.ffnSize, moe.count, shape.moeLayout?.selectionBias ?? false);
    // Shared experts: one matrix of n_ff_exp x n_expert_shared (the loader ignores any other width).
    if ((moe.shared ?? 0) > 0) b.addGatedFfn(blk, i, h, shape.ffnSize * (moe.shared ?? 0), '_shexp');
  }
  b.addOutput(h, shape.vocabSize, shape.tiedEmbeddings);
  return b.list;
}

/**
 * llama-kv-cache.cpp (llama_kv_cache ctor): with MLA (hparams.is_mla()) only K is allocated, `has_v =
 * !is_mla`; the graph passes V as a view of the compressed latent inside K. K holds n_embd_k_gqa =
 * key_length x head_count_kv = (kv_lora_rank + qk_rope_head_dim) x 1 values per cell, so a cell costs
 * (512 + 64) x 2 = 1,152 bytes per layer at f16 for DeepSeek-V3 and Kimi K2, against 2 x 128 x 192 x 2
 * = 98,304 for the same heads uncompressed. No sliding window: every layer keeps the padded context.
 */
function deepseek2CacheBytesPerLayer(shape: ModelShape, contextTokens: number, kvType: keyof typeof KV_ELEMENT_BYTES): number[] | null {
  const mla = shape.mla;
  if (shape.arch !== 'deepseek2' || !mla) return null;
  const perLayer = padCells(contextTokens) * (mla.kvLoraRank + mla.ropeDim) * KV_ELEMENT_BYTES[kvType];
  return new Array<number>(shape.layers).fill(perLayer);
}

/**
 * The GGUF keys DeepseekV2Model.set_gguf_parameters writes: head_count_kv 1, key_length = kv_lora_rank +
 * rope, value_length = kv_lora_rank (the MQA view of the latent), key_length_mla / value_length_mla (the
 * decompressed heads), rope.dimension_count = qk_rope_head_dim. The shape keeps config.json's view
 * (kvHeads = heads, headDim = qk head) so a file and its catalog entry compare equal.
 */
function deepseek2ShapeFromGguf(
  architecture: string,
  key: (suffix: string) => number | null,
  _meta: ReadonlyMap<string, GgufValue>,
  tensors: readonly TensorSpec[],
): Partial<ModelShape> | null {
  if (architecture !== 'deepseek2') return null;
  const kvLoraRank = key('attention.kv_lora_rank');
  const ropeDim = key('rope.dimension_count');
  const keyMla = key('attention.key_length_mla');
  const valueMla = key('attention.value_length_mla');
  if (!kvLoraRank || !ropeDim || !keyMla || !valueMla) return {}; // a legacy file without the split: sized as llama
  const qLoraRank = key('attention.q_lora_rank');
  const heads = key('attention.head_count') ?? 1;
  const count = key('expert_count') ?? 0;
  const denseLayers = key('leading_dense_block_count') ?? 0;
  const expertFfn = key('expert_feed_forward_length');
  const denseFfn = key('feed_forward_length');
  return {
    arch: 'deepseek2',
    kvHeads: heads,
    headDim: keyMla,
    ...(expertFfn ? { ffnSize: expertFfn } : {}),
    mla: { kvLoraRank, ...(qLoraRank ? { qLoraRank } : {}), ropeDim, nopeDim: keyMla - ropeDim, vHeadDim: valueMla },
    ...(count > 1
      ? {
          experts: {
            count,
            active: Math.max(1, key('expert_used_count') ?? 1),
            shared: key('expert_shared_count') ?? 0,
            denseLayers,
            ...(denseFfn ? { denseFfnSize: denseFfn } : {}),
          },
        }
      : {}),
    ...(tensors.some((t) => t.name.endsWith('.exp_probs_b.bias')) ? { moeLayout: { selectionBias: true } } : {}),
  };
}

export const deepseek2Hook: ArchHook = {
  tensors: deepseek2Tensors,
  cacheBytesPerLayer: (shape, contextTokens, kvType) => deepseek2CacheBytesPerLayer(shape, contextTokens, kvType),
  shapeFromGguf: deepseek2ShapeFromGguf,
};
