// Gemma 3n (gemma3n) E2B and E4B: a Gemma 3 block (QK norms, post norms, every 5th layer global, the
// others a 512-token window) plus what lets a 4-8B checkpoint run like a 2-4B one:
// - per-layer embeddings: a second token table of 256 values per layer (per_layer_token_embd, vocab x
//   256 x layers: 2.0B parameters in E2B), read one row per token like token_embd and kept in RAM with
//   it, plus a projection of the hidden state to the same width (per_layer_model_proj);
// - AltUp: four streams of the hidden state, with small predict and correct matrices per layer;
// - LAuReL: a rank-64 residual (laurel_l, laurel_r) per layer;
// - KV sharing: llama.cpp caches K and V for the first 20 layers only (n_layer_kv_from_start, fixed in
//   load_arch_hparams); later layers reuse the last cached layer of their kind.
// Widths are fixed in llama.cpp 80fb11a (llama_hparams: n_altup 4, laurel_rank 64, n_embd_altup 256), not
// read from the file. Tensors: src/models/gemma3n.cpp load_arch_tensors; the converter (conversion/gemma.py,
// Gemma3NModel) pads both token tables to config.json's vocab_size (262,400).
import type { ArchHook } from './index';
import type { ModelShape, TensorSpec } from '../tensors';
import { gemma4CacheBytesPerLayer } from './gemma4';
import { TensorListBuilder } from './tensor-builder';

/** llama_hparams defaults gemma3n runs with (altup_num_inputs, laurel_rank, hidden_size_per_layer_input). */
const GEMMA3N_ALTUP_STREAMS = 4;
const GEMMA3N_LAUREL_RANK = 64;
const GEMMA3N_PER_LAYER_WIDTH = 256;
/** hparams.n_layer_kv_from_start: layers from here on reuse an earlier layer's cache. */
const GEMMA3N_KV_LAYERS = 20;

function gemma3nTensors(shape: ModelShape): TensorSpec[] {
  const b = new TensorListBuilder();
  const h = shape.hiddenSize;
  const vocab = shape.vocabSize;
  const n = GEMMA3N_ALTUP_STREAMS;
  const ple = GEMMA3N_PER_LAYER_WIDTH * shape.layers;
  const qDim = shape.heads * shape.headDim;
  const kvDim = shape.kvHeads * shape.headDim;
  b.add('token_embd.weight', [h, vocab], null, 'token_embd');
  // Read by row like token_embd (LLM_TENSOR_LAYER_INPUT): placed in RAM with it, quantized by its rule.
  b.add('per_layer_token_embd.weight', [ple, vocab], null, 'token_embd');
  b.add('altup_proj.weight', [h, h, n - 1], null, 'other');
  b.add('altup_unembd_proj.weight', [h, h, n - 1], null, 'other');
  // Named without a block yet created for block 0 (tn(..., "weight", 0)): it sits on layer 0's device.
  b.add('per_layer_model_proj.weight', [h, ple], 0, 'other');
  b.add('per_layer_proj_norm.weight', [GEMMA3N_PER_LAYER_WIDTH], 0, 'norm');
  for (let i = 0; i < shape.layers; i++) {
    const blk = `blk.${i}`;
    b.add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.attn_q.weight`, [h, qDim], i, 'attn_q');
    b.add(`${blk}.attn_k.weight`, [h, kvDim], i, 'attn_k');
    b.add(`${blk}.attn_v.weight`, [h, kvDim], i, 'attn_v');
    b.add(`${blk}.attn_output.weight`, [qDim, h], i, 'attn_output');
    b.add(`${blk}.attn_q_norm.weight`, [shape.headDim], i, 'norm');
    b.add(`${blk}.attn_k_norm.weight`, [shape.headDim], i, 'norm');
    b.add(`${blk}.post_attention_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.ffn_norm.weight`, [h], i, 'norm');
    b.addGatedFfn(blk, i, h, shape.ffnSize);
    b.add(`${blk}.post_ffw_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.inp_gate.weight`, [h, GEMMA3N_PER_LAYER_WIDTH], i, 'other');
    b.add(`${blk}.proj.weight`, [GEMMA3N_PER_LAYER_WIDTH, h], i, 'other');
    b.add(`${blk}.post_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.altup_correct_coef.weight`, [n, n], i, 'other');
    b.add(`${blk}.altup_correct_scale.weight`, [h], i, 'other');
    b.add(`${blk}.altup_predict_coef.weight`, [n, n * n], i, 'other');
    b.add(`${blk}.altup_router.weight`, [h, n], i, 'other');
    b.add(`${blk}.altup_router_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.laurel_l.weight`, [h, GEMMA3N_LAUREL_RANK], i, 'other');
    b.add(`${blk}.laurel_r.weight`, [GEMMA3N_LAUREL_RANK, h], i, 'other');
    b.add(`${blk}.laurel_post_norm.weight`, [h], i, 'norm');
  }
  b.addOutput(h, vocab, shape.tiedEmbeddings);
  return b.list;
}

/** K and V for the first 20 layers only, sliding and global as Gemma 4 lays them out (iSWA cache). */
function gemma3nCacheBytesPerLayer(
  shape: ModelShape,
  contextTokens: number,
  kvType: Parameters<typeof gemma4CacheBytesPerLayer>[3],
  runtime: string,
): number[] {
  const shared = Math.max(0, shape.layers - GEMMA3N_KV_LAYERS);
  return gemma4CacheBytesPerLayer(
    shape,
    { headDim: shape.headDim, kvHeads: shape.kvHeads, kvSharedLayers: shared },
    contextTokens,
    kvType,
    runtime,
  );
}

/**
 * A block's compute peak, floats per micro-batch token: the larger of the per-layer-input pipeline at
 * the start of the graph (the gathered rows, their projection, its norm and sum: about four tensors
 * of 256 x layers, beside the AltUp streams) and a block's FFN with the four AltUp streams and the
 * per-layer inputs alive. Fitted to llama.cpp's "compute buffer size" on 9 generated files (hidden 512
 * to 2048, FFN 2048 to 16384, 24 or 30 layers; bench/results/accuracy-cpu-2026-12-02.md): every
 * point within 0.1%.
 */
function gemma3nLayerPhaseFloats(shape: ModelShape): number {
  const ple = GEMMA3N_PER_LAYER_WIDTH * shape.layers;
  const h = shape.hiddenSize;
  const pipeline = 4 * ple + 10 * h - 3400;
  const block = 4 * shape.ffnSize + 8 * h + 2 * ple - 11535;
  return Math.max(pipeline, block, 0);
}

export const gemma3nHook: ArchHook = {
  layerPhaseFloatsPerToken(shape) {
    return shape.arch === 'gemma3n' ? gemma3nLayerPhaseFloats(shape) : null;
  },
  tensors(shape) {
    return shape.arch === 'gemma3n' ? gemma3nTensors(shape) : null;
  },
  cacheBytesPerLayer(shape, contextTokens, kvType, runtime) {
    return shape.arch === 'gemma3n' ? gemma3nCacheBytesPerLayer(shape, contextTokens, kvType, runtime) : null;
  },
  shapeFromGguf(architecture, key) {
    if (architecture !== 'gemma3n') return null;
    // load_arch_hparams reads sliding_window_pattern as a number only; the converter writes a per-layer
    // array, which the loader skips: the period stays 5.
    return { slidingWindow: { windowTokens: key('attention.sliding_window') ?? 512, period: 5, globalPerPeriod: 1 } };
  },
};
