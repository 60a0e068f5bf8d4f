// gpt-oss (20B, 120B), llama.cpp arch "gpt-oss" (LLM_ARCH_OPENAI_MOE in src/llama-arch.cpp):
// src/models/openai-moe.cpp of llama.cpp 80fb11a (llama_model_openai_moe::load_arch_hparams /
// load_arch_tensors) and conversion/gpt_oss.py (GptOssModel).
import type { GgufValue } from '../gguf-types';
import type { ModelShape, TensorSpec } from '../tensors';
import type { ArchHook } from './index';
import { TensorListBuilder } from './tensor-builder';

/** load_arch_hparams: swa_period 2 unless attention.sliding_window_pattern says otherwise (even blocks slide). */
const GPT_OSS_SWA_PERIOD = 2;

function gptOssTensors(shape: ModelShape): TensorSpec[] | null {
  if (shape.arch !== 'gpt-oss' || !shape.experts) return null;
  const { hiddenSize: h, heads, kvHeads, headDim, layers, ffnSize: ffn } = shape;
  const n = shape.experts.count;
  const qDim = heads * headDim; // 64 x 64 = 4096, wider than the 2880 hidden size
  const kvDim = kvHeads * headDim;
  const b = new TensorListBuilder();
  b.add('token_embd.weight', [h, shape.vocabSize], null, 'token_embd');
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    b.add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.post_attention_norm.weight`, [h], i, 'norm');
    // create_tensor_qkv: separate q/k/v with their biases (config.json attention_bias: true).
    b.addBiasedAttention(blk, i, h, qDim, kvDim);
    // One learned sink logit per head, added to each softmax.
    b.add(`${blk}.attn_sinks.weight`, [heads], i, 'other');
    b.addRoutedExperts(blk, i, h, ffn, n);
    b.add(`${blk}.attn_output.bias`, [h], i, 'bias');
    // The router and every expert carry biases (2D: one row per expert).
    b.add(`${blk}.ffn_gate_inp.bias`, [n], i, 'bias');
    b.add(`${blk}.ffn_gate_exps.bias`, [ffn, n], i, 'bias', n);
    b.add(`${blk}.ffn_down_exps.bias`, [h, n], i, 'bias', n);
    b.add(`${blk}.ffn_up_exps.bias`, [ffn, n], i, 'bias', n);
  }
  b.addOutput(h, shape.vocabSize, shape.tiedEmbeddings);
  return b.list;
}

/**
 * Sliding-window layers (n_swa = attention.sliding_window, 128; LLAMA_SWA_TYPE_STANDARD, is_swa = il % 2
 * < 1) are sized by estimate.ts's common rule from `slidingWindow`: GGML_PAD(min(ctx, 128 + n_ubatch), 256)
 * = 768 cells (llama-kv-cache-iswa.cpp), full layers the padded context; 8 KV heads x 64 for K and V.
 */
function gptOssShapeFromGguf(
  architecture: string,
  key: (suffix: string) => number | null,
  _meta: ReadonlyMap<string, GgufValue>,
  _tensors: readonly TensorSpec[],
): Partial<ModelShape> | null {
  if (architecture !== 'gpt-oss') return null;
  const window = key('attention.sliding_window');
  const period = key('attention.sliding_window_pattern') ?? GPT_OSS_SWA_PERIOD;
  return {
    attentionSinks: true,
    moeLayout: { expertBiases: true },
    ...(window ? { slidingWindow: { windowTokens: window, period, globalPerPeriod: 1 } } : {}),
  };
}

export const gptOssHook: ArchHook = {
  tensors: gptOssTensors,
  shapeFromGguf: gptOssShapeFromGguf,
};
