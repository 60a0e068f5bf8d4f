// Llama 4 (Scout, Maverick), llama.cpp arch "llama4": src/models/llama4.cpp of llama.cpp 80fb11a
// (llama_model_llama4::load_arch_hparams / load_arch_tensors) and conversion/llama.py (Llama4Model).
import type { KvType } from '../../shared/precision';
import type { GgufValue } from '../gguf-types';
import type { ModelShape, TensorSpec } from '../tensors';
import type { ArchHook, HookRuntime } from './index';
import { KV_ELEMENT_BYTES, padCells, TensorListBuilder } from './tensor-builder';

/** load_arch_hparams: without attention.sliding_window in the file, n_swa = 8192 (LLAMA_SWA_TYPE_CHUNKED). */
const LLAMA4_CHUNK_TOKENS = 8192;
/** load_arch_hparams: swa_period 4 unless attention.sliding_window_pattern says otherwise ("3 chunked - 1 full"). */
const LLAMA4_CHUNK_PERIOD = 4;
/** llama.cpp's default micro-batch (n_ubatch). */
const UBATCH_TOKENS = 512;

/** load_arch_tensors: block i is MoE when (i + 1) % interleave_moe_layer_step == 0. */
function isLlama4MoeLayer(layer: number, interleaveStep: number): boolean {
  return interleaveStep > 0 && (layer + 1) % interleaveStep === 0;
}

function llama4Tensors(shape: ModelShape): TensorSpec[] | null {
  if (shape.arch !== 'llama4') return null;
  const { hiddenSize: h, heads, kvHeads, headDim, layers } = shape;
  const moe = shape.experts;
  const step = shape.moeLayout?.interleaveStep ?? 1;
  const b = new TensorListBuilder();
  b.add('token_embd.weight', [h, shape.vocabSize], null, 'token_embd');
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    b.add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.attn_q.weight`, [h, heads * headDim], i, 'attn_q');
    b.add(`${blk}.attn_k.weight`, [h, kvHeads * headDim], i, 'attn_k');
    b.add(`${blk}.attn_v.weight`, [h, kvHeads * headDim], i, 'attn_v');
    b.add(`${blk}.attn_output.weight`, [heads * headDim, h], i, 'attn_output');
    b.add(`${blk}.ffn_norm.weight`, [h], i, 'norm');
    // (The QK norm of Scout is a weightless L2 norm: no tensor.)
    if (moe && isLlama4MoeLayer(i, step)) {
      b.addRoutedExperts(blk, i, h, shape.ffnSize, moe.count);
      // One shared expert of the routed experts' width (n_ff_shexp = n_ff_exp).
      b.addGatedFfn(blk, i, h, shape.ffnSize, '_shexp');
    } else {
      // Dense blocks use feed_forward_length, config.json's intermediate_size_mlp (16384).
      b.addGatedFfn(blk, i, h, moe?.denseFfnSize ?? shape.ffnSize);
    }
  }
  b.addOutput(h, shape.vocabSize, shape.tiedEmbeddings);
  return b.list;
}

/**
 * Chunked layers live in llama-kv-cache-iswa.cpp's SWA cache: size_swa = GGML_PAD(min(size_base,
 * n_swa + n_ubatch), 256) with n_swa = the chunk (8192), so 8,704 cells at any context above that; the
 * global layers (is_swa false: il % period == period - 1, llama_hparams::set_swa_pattern) keep the padded
 * context. node-llama-cpp adds its "+1 for SWA" to the batch only when the file has attention.sliding_window,
 * which Llama 4 files lack, so both runtimes get the same cells. K and V: kvHeads x headDim each.
 */
function llama4CacheBytesPerLayer(shape: ModelShape, contextTokens: number, kvType: KvType, _runtime: HookRuntime): number[] | null {
  if (shape.arch !== 'llama4') return null;
  const chunk = shape.chunkedAttention;
  const padded = padCells(contextTokens);
  const perCell = 2 * shape.kvHeads * shape.headDim * KV_ELEMENT_BYTES[kvType];
  const out: number[] = [];
  for (let i = 0; i < shape.layers; i++) {
    const chunked = chunk !== undefined && i % chunk.period < chunk.period - 1;
    const cells = chunked ? padCells(Math.min(padded, chunk.chunkTokens + UBATCH_TOKENS)) : padded;
    out.push(cells * perCell);
  }
  return out;
}

function llama4ShapeFromGguf(
  architecture: string,
  key: (suffix: string) => number | null,
  _meta: ReadonlyMap<string, GgufValue>,
  _tensors: readonly TensorSpec[],
): Partial<ModelShape> | null {
  if (architecture !== 'llama4') return null;
  const window = key('attention.sliding_window');
  const step = key('interleave_moe_layer_step') ?? 1;
  const denseFfn = key('feed_forward_length');
  const count = key('expert_count') ?? 0;
  return {
    moeLayout: { interleaveStep: step },
    // sliding_window 0 turns chunking off (MobileLLM); absent, the loader fixes 8192.
    ...(window === 0
      ? {}
      : { chunkedAttention: { chunkTokens: LLAMA4_CHUNK_TOKENS, period: key('attention.sliding_window_pattern') ?? LLAMA4_CHUNK_PERIOD } }),
    ...(count > 1
      ? {
          experts: {
            count,
            active: Math.max(1, key('expert_used_count') ?? 1),
            shared: 1,
            denseLayers: 0,
            ...(denseFfn ? { denseFfnSize: denseFfn } : {}),
          },
        }
      : {}),
  };
}

export const llama4Hook: ArchHook = {
  tensors: llama4Tensors,
  cacheBytesPerLayer: llama4CacheBytesPerLayer,
  shapeFromGguf: llama4ShapeFromGguf,
};
