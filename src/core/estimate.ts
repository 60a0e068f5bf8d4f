// Memory a model needs in llama.cpp, by component: weights (from per-tensor types), KV cache,
// compute buffers and fixed overhead. Sizing rules follow llama.cpp (llama-kv-cache.cpp,
// llama-context.cpp) and what was measured here (shared/notes/llama-memory.md).
import type { KvType, Precision } from '../shared/precision';
import type { GpuBackend } from '../shared/schema';
import { archCacheBytesPerLayer, archLayerPhaseFloatsPerToken } from './arch';
import { tensorBytes } from './ggml';
import { assignTensorTypeList } from './quantize';
import { elementCount, listTensors, type ModelShape, type TensorSpec } from './tensors';

export const KV_BYTES_PER_ELEMENT: Record<KvType, number> = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

/** llama.cpp's default micro-batch (n_ubatch): the logits and activations of this many tokens are computed at once. */
export const DEFAULT_UBATCH_TOKENS = 512;
/** llama.cpp pads the KV cache to a multiple of 256 cells. */
const KV_PAD = 256;

/** Where a model's layers run: a GPU backend, or the CPU. */
export type ComputeBackend = Exclude<GpuBackend, 'none'> | 'cpu';

export interface WeightsLayout {
  /** Bytes of each repeating block's tensors, index = block. */
  layerWeightBytes: number[];
  /** Of each block, the bytes read per generated token (only the active experts of an MoE). */
  layerActiveBytes: number[];
  /** Of each block, bytes by ggml type (2D+ matrices only): what the CPU may repack depends on the type. */
  layerMatrixBytesByType: Array<Record<string, number>>;
  /** The token embedding table: llama.cpp keeps it in host memory even when every layer is offloaded. */
  tokenEmbdBytes: number;
  /** Output matrix and final norm (for tied embeddings: the norm only). */
  outputBytes: number;
  /** With tied embeddings the output layer reuses the embedding table; offloaded, it is copied to the GPU. */
  tiedOutputBytes: number;
  /** Bytes of the output matrix by type (it is repacked too when left on the CPU). */
  outputMatrixBytesByType: Record<string, number>;
  /** With tied embeddings, the embedding table read as the output matrix, by type. */
  tiedOutputBytesByType: Record<string, number>;
  /** Matrix rows computed per generated token in each block (active experts only): each row costs a dot-product call. */
  layerActiveRows: number[];
  /** The same by ggml type: some kernels (F16 on x86) pay far more per row than others. */
  layerActiveRowsByType: Array<Record<string, number>>;
  /**
   * Of each block, the routed-expert tensors (ffn_{up,gate,down,gate_up}_exps and _chexps, weights and
   * biases): what llama.cpp's --n-cpu-moe keeps in RAM. Bytes stored, bytes and rows read per token
   * (active experts only), matrix bytes and active rows by type. Shared experts (_shexp) are not among them.
   */
  layerExpertBytes: number[];
  /** Routed experts each token runs in each block (0 for a dense block). */
  layerExpertsActive: number[];
  layerExpertActiveBytes: number[];
  layerExpertMatrixBytesByType: Array<Record<string, number>>;
  layerExpertActiveRows: number[];
  layerExpertActiveRowsByType: Array<Record<string, number>>;
  /**
   * Of each block, its largest matrix and its largest routed-expert tensor (0 for none): a GPU that computes a prompt's
   * products for weights kept in RAM copies them there one at a time (src/core/placement.ts, op offload).
   */
  layerLargestMatrixBytes: number[];
  layerLargestExpertMatrixBytes: number[];
  /** Rows of the output matrix (the vocabulary). */
  outputRows: number;
  outputRowsByType: Record<string, number>;
  /** The file's tensor bytes. */
  totalBytes: number;
  typeCounts: Record<string, number>;
}

/** The tensors --n-cpu-moe moves: common/common.h's LLM_FFN_EXPS_REGEX, matched anywhere in the name as std::regex_search does. */
const EXPERT_TENSOR_PATTERN = /\.ffn_(up|down|gate|gate_up)_(ch|)exps/;

/** Weight bytes of every tensor for one precision, grouped the way llama.cpp places them on devices. */
export function layoutWeights(shape: ModelShape, precision: Precision, tensors: readonly TensorSpec[] = listTensors(shape)): WeightsLayout {
  return layoutWeightsWithTypes(shape, tensors, assignTensorTypeList(shape, tensors, precision));
}

/** The same from explicit per-tensor types (a real GGUF file's). */
export function layoutWeightsWithTypes(shape: ModelShape, tensors: readonly TensorSpec[], types: readonly string[]): WeightsLayout {
  const layerWeightBytes = new Array<number>(shape.layers).fill(0);
  const layerActiveBytes = new Array<number>(shape.layers).fill(0);
  const layerMatrixBytesByType: Array<Record<string, number>> = Array.from({ length: shape.layers }, () => ({}));
  const outputMatrixBytesByType: Record<string, number> = {};
  const tiedOutputBytesByType: Record<string, number> = {};
  const layerActiveRows = new Array<number>(shape.layers).fill(0);
  const layerActiveRowsByType: Array<Record<string, number>> = Array.from({ length: shape.layers }, () => ({}));
  let outputRows = 0;
  const outputRowsByType: Record<string, number> = {};
  const layerExpertBytes = new Array<number>(shape.layers).fill(0);
  const layerExpertsActive = new Array<number>(shape.layers).fill(0);
  const layerExpertActiveBytes = new Array<number>(shape.layers).fill(0);
  const layerExpertMatrixBytesByType: Array<Record<string, number>> = Array.from({ length: shape.layers }, () => ({}));
  const layerExpertActiveRows = new Array<number>(shape.layers).fill(0);
  const layerExpertActiveRowsByType: Array<Record<string, number>> = Array.from({ length: shape.layers }, () => ({}));
  const layerLargestMatrixBytes = new Array<number>(shape.layers).fill(0);
  const layerLargestExpertMatrixBytes = new Array<number>(shape.layers).fill(0);
  let tokenEmbdBytes = 0;
  let outputBytes = 0;
  const typeCounts: Record<string, number> = {};
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i] as TensorSpec;
    const type = types[i] ?? 'F32';
    const bytes = tensorBytes(type, elementCount(t));
    typeCounts[type] = (typeCounts[type] ?? 0) + 1;
    const rows = t.dims.length >= 2 ? elementCount(t) / (t.dims[0] ?? 1) : 0;
    // A file's multi-token-prediction blocks (GLM-4.5's nextn layers, after the main blocks): llama.cpp
    // skips their weights unless MTP is switched on (off by default), so they are neither loaded nor read.
    if (t.layer !== null && t.layer >= shape.layers && (shape.nextnLayers ?? 0) > 0) continue;
    if (t.role === 'token_embd') {
      tokenEmbdBytes += bytes;
      // Gemma 3n's per-layer token table is read by row like token_embd, but never doubles as the output.
      if (shape.tiedEmbeddings && t.name !== 'per_layer_token_embd.weight') {
        tiedOutputBytesByType[type] = (tiedOutputBytesByType[type] ?? 0) + bytes;
        outputRows += rows;
        outputRowsByType[type] = (outputRowsByType[type] ?? 0) + rows;
      }
    } else if (t.layer === null || t.layer >= shape.layers) {
      outputBytes += bytes;
      if (t.dims.length >= 2) {
        outputMatrixBytesByType[type] = (outputMatrixBytesByType[type] ?? 0) + bytes;
        outputRowsByType[type] = (outputRowsByType[type] ?? 0) + rows;
      }
      outputRows += rows;
    } else {
      layerWeightBytes[t.layer] = (layerWeightBytes[t.layer] ?? 0) + bytes;
      const activeShare = t.experts > 1 && shape.experts ? shape.experts.active / t.experts : 1;
      layerActiveBytes[t.layer] = (layerActiveBytes[t.layer] ?? 0) + bytes * activeShare;
      layerActiveRows[t.layer] = (layerActiveRows[t.layer] ?? 0) + rows * activeShare;
      if (t.dims.length >= 2) {
        layerLargestMatrixBytes[t.layer] = Math.max(layerLargestMatrixBytes[t.layer] ?? 0, bytes);
        const byType = layerMatrixBytesByType[t.layer] as Record<string, number>;
        byType[type] = (byType[type] ?? 0) + bytes;
        const rowsByType = layerActiveRowsByType[t.layer] as Record<string, number>;
        rowsByType[type] = (rowsByType[type] ?? 0) + rows * activeShare;
      }
      if (EXPERT_TENSOR_PATTERN.test(t.name)) {
        // Counted read as the rest of the block counts it (an expert bias is small: read whole).
        const share = activeShare;
        layerExpertBytes[t.layer] = (layerExpertBytes[t.layer] ?? 0) + bytes;
        if (t.experts > 1 && shape.experts) layerExpertsActive[t.layer] = shape.experts.active;
        layerExpertActiveBytes[t.layer] = (layerExpertActiveBytes[t.layer] ?? 0) + bytes * share;
        if (t.dims.length >= 3 || t.experts > 1) {
          layerLargestExpertMatrixBytes[t.layer] = Math.max(layerLargestExpertMatrixBytes[t.layer] ?? 0, bytes);
          const byType = layerExpertMatrixBytesByType[t.layer] as Record<string, number>;
          byType[type] = (byType[type] ?? 0) + bytes;
          const rowsByType = layerExpertActiveRowsByType[t.layer] as Record<string, number>;
          rowsByType[type] = (rowsByType[type] ?? 0) + rows * share;
          layerExpertActiveRows[t.layer] = (layerExpertActiveRows[t.layer] ?? 0) + rows * share;
        }
      }
    }
  }
  const tiedOutputBytes = Object.values(tiedOutputBytesByType).reduce((a, b) => a + b, 0);
  const totalBytes = tokenEmbdBytes + outputBytes + layerWeightBytes.reduce((a, b) => a + b, 0);
  return {
    layerWeightBytes,
    layerActiveBytes,
    layerMatrixBytesByType,
    tokenEmbdBytes,
    outputBytes,
    tiedOutputBytes,
    outputMatrixBytesByType,
    tiedOutputBytesByType,
    layerActiveRows,
    layerActiveRowsByType,
    layerExpertBytes,
    layerExpertsActive,
    layerExpertActiveBytes,
    layerExpertMatrixBytesByType,
    layerExpertActiveRows,
    layerExpertActiveRowsByType,
    layerLargestMatrixBytes,
    layerLargestExpertMatrixBytes,
    outputRows,
    outputRowsByType,
    totalBytes,
    typeCounts,
  };
}

/**
 * Matrix types llama.cpp's CPU backend copies into a repacked buffer (CPU_REPACK) while loading, by
 * CPU features (ggml-cpu/repack.cpp, ggml_repack_get_optimal_repack_type). Empty where it does not.
 */
export function repackTypesFor(arch: string, simd: readonly string[]): ReadonlySet<string> {
  const flags = new Set(simd.map((f) => f.toUpperCase()));
  if (/x64|x86_64|amd64|ia32/i.test(arch)) {
    if (!flags.has('AVX2')) return new Set();
    const types = ['Q4_0', 'Q4_K', 'IQ4_NL', 'MXFP4'];
    if ([...flags].some((f) => f.startsWith('AVX512'))) types.push('Q2_K');
    return new Set(types);
  }
  if (/arm64|aarch64/i.test(arch) && flags.has('NEON')) {
    // With dotprod (every Apple Silicon and most ARMv8.2+ cores): K-quants and Q4_0/IQ4_NL/Q8_0.
    return new Set(['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'Q8_0', 'MXFP4']);
  }
  return new Set();
}

/**
 * Who creates the context: llama.cpp's own tools (llama-server, llama-cli, llama-bench) with a
 * micro-batch of 512, or node-llama-cpp, which asks one token more for models with sliding-window
 * layers ("+1 to handle edge cases with SWA KV cache" in its LlamaContext), so their SWA cache is
 * window + 513 cells before padding.
 */
export type ContextRuntime = 'llama.cpp' | 'node-llama-cpp';

/** KV cells a layer keeps: the padded context, or the sliding window (plus one micro-batch) on local-attention layers. */
function kvCellsPerLayer(shape: ModelShape, contextTokens: number, runtime: ContextRuntime): number[] {
  const ubatchTokens = DEFAULT_UBATCH_TOKENS + (runtime === 'node-llama-cpp' ? 1 : 0);
  const padded = Math.ceil(contextTokens / KV_PAD) * KV_PAD;
  const cells: number[] = [];
  const sw = shape.slidingWindow;
  for (let i = 0; i < shape.layers; i++) {
    let n = padded;
    if (sw && sw.period > 0) {
      const isGlobal = i % sw.period >= sw.period - sw.globalPerPeriod;
      // llama-kv-cache-iswa.cpp: GGML_PAD(min(size, n_swa + n_ubatch), 256). Checked: llama-fit-params
      // keeps 1024 cells for a 512 window; node-llama-cpp 1280, 1792 and 4864 for 512, 1024 and 4096.
      if (!isGlobal) n = Math.ceil(Math.min(padded, sw.windowTokens + ubatchTokens) / KV_PAD) * KV_PAD;
    }
    cells.push(n);
  }
  return cells;
}

/** KV cache bytes per layer: K and V, each kvHeads x headDim values per cell. */
export function estimateKvCacheBytesPerLayer(
  shape: ModelShape,
  contextTokens: number,
  kvType: KvType,
  runtime: ContextRuntime = 'llama.cpp',
): number[] {
  const special = archCacheBytesPerLayer(shape, contextTokens, kvType, runtime);
  if (special) return special;
  const perCell = 2 * shape.kvHeads * shape.headDim * KV_BYTES_PER_ELEMENT[kvType];
  return kvCellsPerLayer(shape, contextTokens, runtime).map((cells) => cells * perCell);
}

interface ComputeBuffers {
  /** Peak while computing the output: the logits of one micro-batch (vocab x ubatch x 4) and two hidden-size activations. */
  outputPhaseBytes: number;
  /** Peak inside a repeating block: FFN intermediates, hidden-size activations and the attention mask (ubatch x context x f16). */
  layerPhaseBytes: number;
  /**
   * A GPU block whose routed experts stay in RAM (--n-cpu-moe): attention and the shared parts only.
   * Fitted to llama-fit-params (bench/fit-params-compare.ts): 6 hidden-size activations and the mask.
   */
  layerPhaseWithoutExpertsBytes: number;
  /**
   * The CPU running only the experts of GPU blocks (--n-cpu-moe): the larger of gate, up and their
   * product (3 x ffn x active) and the experts' outputs before and after weighting (2 x hidden x active),
   * plus two hidden-size activations and the mask. Fitted to llama-fit-params on generated MoE files and
   * on Mixtral 8x7B and Qwen3 30B-A3B layouts; 0 for a dense model.
   */
  expertHostPhaseBytes: number;
  /** With a quantized KV cache, flash attention converts one hidden-size activation more. */
  kvQuantBytes: number;
  /** Host-side staging when every layer runs on the GPU: input activations and the attention mask. */
  hostStagingBytes: number;
  /** One hidden-size activation of a micro-batch: the input embeddings, which a GPU never holds. */
  inputActivationBytes: number;
  /** The host-side output buffer: one row of float logits per kept output. */
  outputBufferBytes: number;
}

/**
 * Compute buffers with flash attention on (llama.cpp's auto choice on CPU, CUDA and Metal). Fitted to
 * llama.cpp's own "compute buffer size" lines over 42 generated models (bench/accuracy.ts): the buffer is
 * the larger of the output phase (logits dominate for big vocabularies) and the block phase (FFN
 * intermediates dominate for small vocabularies: Mistral 7B, Phi-3).
 */
function estimateComputeBuffers(
  shape: ModelShape,
  contextTokens: number,
  kvType: KvType = 'f16',
  runtime: ContextRuntime = 'llama.cpp',
  ubatchTokens = DEFAULT_UBATCH_TOKENS,
): ComputeBuffers {
  const ub = Math.min(ubatchTokens, contextTokens);
  const h = shape.hiddenSize;
  const ffn = shape.ffnSize * (shape.experts ? shape.experts.active : 1);
  const ctxPadded = Math.ceil(contextTokens / KV_PAD) * KV_PAD;
  const mask = ub * ctxPadded * 2;
  // Phi-3 computes gate and up as one fused matrix, then splits it: more FFN-wide tensors live at once.
  const active = shape.experts?.active ?? 0;
  // An MoE block's FFN peak: gate, up and their product for the active experts, or, where the expert
  // FFN is narrow against the hidden size (Qwen3 MoE), the experts' outputs before and after weighting.
  const ffnFloats = Math.max(3 * ffn, 2 * active * h);
  const perTokenFloats = archLayerPhaseFloatsPerToken(shape) ?? (shape.arch === 'phi3' ? 5 * ffn + h : ffnFloats + 4 * h);
  // node-llama-cpp turns flash attention off when a model's key and value lengths differ
  // (GgufInsights.flashAttentionSupported), as MLA's do (576 and 512): the attention scores of the
  // micro-batch against the whole cache are then materialised, one f32 matrix per head plus one.
  // Measured on generated DeepSeek-2 files (8 heads: 100, 172, 332, 636 MiB at 4k to 32k; 32 heads 2,204
  // MiB at 32k); llama.cpp's own tools keep flash attention on and need none of it.
  const scores = runtime === 'node-llama-cpp' && shape.mla ? ub * ctxPadded * (4 * shape.heads + 4) : 0;
  return {
    outputPhaseBytes: ub * 4 * (shape.vocabSize + 2 * h),
    layerPhaseBytes: ub * 4 * perTokenFloats + mask + scores,
    layerPhaseWithoutExpertsBytes: ub * 4 * 6 * h + mask,
    expertHostPhaseBytes: shape.experts ? ub * 4 * (ffnFloats + 2 * h) + mask : 0,
    kvQuantBytes: kvType === 'f16' ? 0 : ub * h * 4,
    hostStagingBytes: ub * h * 4 * 2 + mask,
    inputActivationBytes: ub * h * 4,
    outputBufferBytes: shape.vocabSize * 4,
  };
}

export interface MemoryModel {
  weights: WeightsLayout;
  kvPerLayerBytes: number[];
  compute: ComputeBuffers;
}

// Weights depend on the model and precision only: a context or KV change reuses them.
const layoutCache = new WeakMap<ModelShape, Map<Precision, WeightsLayout>>();

/** The weights layout of a model shape at a precision, computed once per shape object. */
export function layoutFor(shape: ModelShape, precision: Precision): WeightsLayout {
  let byPrecision = layoutCache.get(shape);
  if (!byPrecision) {
    byPrecision = new Map();
    layoutCache.set(shape, byPrecision);
  }
  let layout = byPrecision.get(precision);
  if (!layout) {
    layout = layoutWeights(shape, precision);
    byPrecision.set(precision, layout);
  }
  return layout;
}

export function buildMemoryModel(shape: ModelShape, precision: Precision, contextTokens: number, kvType: KvType): MemoryModel {
  return buildMemoryModelFromLayout(shape, layoutFor(shape, precision), contextTokens, kvType);
}

export function buildMemoryModelFromLayout(
  shape: ModelShape,
  weights: WeightsLayout,
  contextTokens: number,
  kvType: KvType,
  runtime: ContextRuntime = 'llama.cpp',
): MemoryModel {
  return {
    weights,
    kvPerLayerBytes: estimateKvCacheBytesPerLayer(shape, contextTokens, kvType, runtime),
    compute: estimateComputeBuffers(shape, contextTokens, kvType, runtime),
  };
}
