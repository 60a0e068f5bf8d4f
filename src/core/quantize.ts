// Which ggml type each tensor gets in a file of a given precision, following llama.cpp's
// llama_tensor_get_type (src/llama-quant.cpp): Q4_K_M keeps half of attn_v and ffn_down at Q6_K,
// the output matrix at Q6_K, and so on. This is why one bytes-per-parameter constant is wrong.
import type { Precision } from '../shared/precision';
import { ggmlType } from './ggml';
import type { ModelShape, TensorSpec } from './tensors';

/** The type most tensors get for each precision (llama.cpp's default_type for the ftype). */
export const DEFAULT_TYPE: Readonly<Record<Precision, string>> = {
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  Q8_0: 'Q8_0',
  Q6_K: 'Q6_K',
  Q5_K_M: 'Q5_K',
  Q4_K_M: 'Q4_K',
  Q3_K_M: 'Q3_K',
  Q2_K: 'Q2_K',
};

const FALLBACK: Record<string, string> = { Q2_K: 'Q4_0', Q3_K: 'Q4_0', Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

function useMoreBits(i: number, n: number): boolean {
  const e = Math.floor(n / 8);
  return i < e || i >= Math.floor((7 * n) / 8) || (i - e) % 3 === 2;
}

const quantizableCache = new WeakMap<TensorSpec, boolean>();

/**
 * llama.cpp's tensor_allows_quantization (src/llama-quant.cpp): 2D+ weights, not norms, not the MoE
 * router, not Mamba's small conv1d (which the converter writes in F32 and every precision keeps).
 */
function isQuantizable(t: TensorSpec): boolean {
  let q = quantizableCache.get(t);
  if (q === undefined) {
    q =
      t.dims.length >= 2 &&
      t.name.endsWith('weight') &&
      !t.name.includes('_norm.weight') &&
      t.role !== 'ffn_gate_inp' &&
      !t.name.includes('ssm_conv1d');
    quantizableCache.set(t, q);
  }
  return q;
}

/**
 * Gemma 3n's small AltUp and LAuReL matrices and its per-layer projection: llama-quantize leaves them
 * in the converter's type (tensor_allows_quantization: "altup", "laurel", "per_layer_model_proj"), 2
 * bytes a weight from an F16 or BF16 conversion. The converter itself writes the AltUp coefficient
 * matrices in F32 whatever the output type (conversion/base.py).
 */
const KEEPS_CONVERTED_TYPE = /altup|laurel|per_layer_model_proj/;
const CONVERTER_F32 = /altup_(correct|predict)_coef/;

/** A row length not divisible by the block size makes llama.cpp fall back to a 32-block type, or F16. */
function withFallback(type: string, rowLength: number): string {
  const info = ggmlType(type);
  if (rowLength % info.blockSize === 0) return type;
  const fallback = FALLBACK[type] ?? type;
  return rowLength % ggmlType(fallback).blockSize === 0 ? fallback : 'F16';
}

/**
 * The attention-V-like tensors (category_is_attn_v): attn_v, and the fused attn_qkv of Phi-3, Falcon and the
 * gated-delta-net blocks of Qwen3-Next and Qwen3.5/3.6. They share one counter for Q4_K_M's every-third-layer rule, in
 * file order. (Older llama.cpp gave a fused attn_qkv Q5_K at Q4_K_M; checked against llama-quantize --dry-run of the
 * source node-llama-cpp ships, bench/quantize-dry-run.ts.)
 */
function isAttnVLike(t: TensorSpec): boolean {
  return t.role === 'attn_v' || t.role === 'attn_qkv';
}

/**
 * llama.cpp's LLM_TYPE_70B, which gives attn_v one more step (Q3_K/Q4_K to Q5_K): each architecture's loader sets it by
 * block count (src/models/*.cpp): Llama's 80 blocks with grouped-query attention (65B without) and Qwen2's 80 (Qwen2.5
 * 72B) among the architectures sized here (DeciLM, OLMo and Jais 2 have their own, not sized).
 */
function isLlamaCpp70B(shape: ModelShape): boolean {
  if (shape.arch === 'llama') return shape.layers === 80 && shape.heads !== shape.kvHeads;
  return shape.arch === 'qwen2' && shape.layers === 80;
}

/** Assigns a ggml type to every tensor of a model for one precision, by tensor name. */
export function assignTensorTypes(shape: ModelShape, tensors: readonly TensorSpec[], precision: Precision): Map<string, string> {
  const types = assignTensorTypeList(shape, tensors, precision);
  return new Map(tensors.map((t, i) => [t.name, types[i] as string]));
}

/** Assigns a ggml type to every tensor of a model for one precision, in the order of `tensors`. */
export function assignTensorTypeList(shape: ModelShape, tensors: readonly TensorSpec[], precision: Precision): string[] {
  const result: string[] = [];
  const defaultType = DEFAULT_TYPE[precision];
  const quantized = precision !== 'F32' && precision !== 'F16' && precision !== 'BF16';
  const nLayers = shape.layers;
  const nExpert = shape.experts?.count ?? 0;
  // hparams.n_gqa() is layer 0's: 0 where a Mamba-2 hybrid's first block is recurrent (its converter writes a per-layer
  // head_count_kv with 0 there); the gated-delta-net hybrids write one count for every block.
  const firstRecurrent =
    shape.recurrent !== undefined && shape.recurrent.kind !== 'gated-delta-net' && !shape.recurrent.attentionLayers.includes(0);
  const gqa = firstRecurrent ? 0 : shape.heads / shape.kvHeads;
  const is70B = isLlamaCpp70B(shape);
  const isFalcon = shape.arch === 'falcon';
  const tied = !tensors.some((t) => t.role === 'output');
  // ffn_down's position counts against hparams.n_layer_all, the block count with any MTP (NextN) blocks.
  const nLayersAll = nLayers + (shape.nextnLayers ?? 0);
  let nAttnV = 0;
  for (const t of tensors) if (isAttnVLike(t)) nAttnV++;
  let iAttnV = 0;
  let iFfnDown = 0;

  const expertsType = shape.moeLayout?.expertsType;
  for (const t of tensors) {
    if (expertsType && t.experts > 1 && isQuantizable(t)) {
      result.push(expertsType);
      continue;
    }
    if (!isQuantizable(t) || CONVERTER_F32.test(t.name)) {
      result.push('F32');
      continue;
    }
    if (quantized && KEEPS_CONVERTED_TYPE.test(t.name)) {
      result.push('F16');
      continue;
    }
    if (!quantized) {
      result.push(defaultType);
      continue;
    }
    let type = defaultType;
    const rowLength = t.dims[0] ?? 0;
    if (t.role === 'output' || (tied && t.role === 'token_embd')) {
      if (isFalcon || rowLength % ggmlType(type).blockSize !== 0) type = 'Q8_0';
      else if (type !== 'Q8_0') type = 'Q6_K';
    } else if (t.role === 'token_embd') {
      // default type for Q2_K..Q8_0 file types
    } else if (isAttnVLike(t)) {
      if (precision === 'Q2_K') type = gqa >= 4 ? 'Q4_K' : 'Q3_K';
      else if (precision === 'Q3_K_M') type = iAttnV < 2 ? 'Q5_K' : 'Q4_K';
      else if ((precision === 'Q4_K_M' || precision === 'Q5_K_M') && useMoreBits(iAttnV, nAttnV)) type = 'Q6_K';
      if (is70B && (type === 'Q3_K' || type === 'Q4_K')) type = 'Q5_K';
      if (nExpert === 8) type = 'Q8_0';
      iAttnV++;
    } else if (t.role === 'attn_k') {
      if (nExpert === 8) type = 'Q8_0';
    } else if (t.role === 'ffn_down') {
      const iLayer = nExpert > 1 ? (t.layer ?? 0) : iFfnDown;
      const n = nLayersAll;
      if (precision === 'Q2_K') type = 'Q3_K';
      else if (precision === 'Q3_K_M') type = iLayer < Math.floor(n / 16) ? 'Q5_K' : !isFalcon || useMoreBits(iLayer, n) ? 'Q4_K' : 'Q3_K';
      else if (precision === 'Q4_K_M') {
        if (isFalcon) type = iLayer < Math.floor(n / 16) ? 'Q6_K' : useMoreBits(iLayer, n) ? 'Q5_K' : 'Q4_K';
        else if (useMoreBits(iLayer, n)) type = 'Q6_K';
      } else if (precision === 'Q5_K_M' && useMoreBits(iLayer, n)) type = 'Q6_K';
      iFfnDown++;
    } else if (t.role === 'attn_output') {
      if (!isFalcon) {
        if (nExpert === 8) {
          if (precision === 'Q2_K' || precision === 'Q3_K_M' || precision === 'Q4_K_M') type = 'Q5_K';
        } else if (precision === 'Q2_K') type = 'Q3_K';
        else if (precision === 'Q3_K_M') type = 'Q4_K';
      }
    }
    result.push(withFallback(type, rowLength));
  }
  return result;
}
