// Tiny hybrids with a recurrent state for bench/accuracy.ts: one shape per llama.cpp architecture
// (granitehybrid, nemotron_h, qwen3next, qwen35, qwen35moe), each at two contexts and two precisions, so the KV of
// the attention blocks, the fixed state of the recurrent blocks and the weights of the Mamba-2 and
// gated-delta-net tensors are checked against llama.cpp's own buffers.
import type { KvType, Precision } from '../../src/shared/precision';
import type { CatalogModel } from '../../src/shared/schema';

/** Block kinds from a Nemotron-H style pattern: M = Mamba-2, * = attention, - = MLP. */
function patternLayers(pattern: string): { attentionLayers: number[]; mlpLayers: number[] } {
  const at = (c: string): number[] => [...pattern].flatMap((x, i) => (x === c ? [i] : []));
  return { attentionLayers: at('*'), mlpLayers: at('-') };
}

const base = {
  publishedParamsB: 0.1,
  maxContext: 32768,
  released: '2025-10',
  license: 'synthetic',
  source: 'bench/lib/accuracy-cases-hybrid.ts (a generated shape, not a released model)',
} as const;

const graniteHybridMoe: CatalogModel = {
  ...base,
  id: 'tiny-granitehybrid-moe',
  name: 'Tiny Granite 4.0 H (MoE)',
  family: 'Granite 4.0 H',
  arch: 'granitehybrid',
  layers: 10,
  hiddenSize: 512,
  ffnSize: 256,
  ffnType: 'gated',
  heads: 8,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 32000,
  tiedEmbeddings: true,
  experts: { count: 8, active: 2, shared: 1, sharedFfnSize: 512, denseLayers: 0 },
  recurrent: { kind: 'mamba2', attentionLayers: [2, 7], convKernel: 4, stateSize: 64, innerSize: 1024, groups: 1, heads: 16 },
};

const nemotronH: CatalogModel = {
  ...base,
  id: 'tiny-nemotron-h',
  name: 'Tiny Nemotron-H',
  family: 'Nemotron-H',
  arch: 'nemotron_h',
  layers: 12,
  hiddenSize: 512,
  ffnSize: 1536,
  ffnType: 'plain',
  heads: 8,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 32000,
  tiedEmbeddings: false,
  recurrent: { kind: 'mamba2', ...patternLayers('M-M*-M-M-M*-'), convKernel: 4, stateSize: 64, innerSize: 1024, groups: 2, heads: 16 },
};

const qwen3Next: CatalogModel = {
  ...base,
  id: 'tiny-qwen3next',
  name: 'Tiny Qwen3-Next',
  family: 'Qwen3-Next',
  arch: 'qwen3next',
  layers: 8,
  hiddenSize: 512,
  ffnSize: 256,
  ffnType: 'gated',
  heads: 8,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 32000,
  tiedEmbeddings: false,
  experts: { count: 16, active: 4, shared: 1, sharedFfnSize: 256, denseLayers: 0 },
  recurrent: { kind: 'gated-delta-net', attentionLayers: [3, 7], convKernel: 4, stateSize: 64, innerSize: 512, groups: 4, heads: 8 },
};

const qwen35: CatalogModel = {
  ...base,
  id: 'tiny-qwen35',
  name: 'Tiny Qwen3.5 (dense)',
  family: 'Qwen3.5',
  arch: 'qwen35',
  layers: 8,
  hiddenSize: 512,
  ffnSize: 1536,
  ffnType: 'gated',
  heads: 8,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 32000,
  tiedEmbeddings: true,
  recurrent: { kind: 'gated-delta-net', attentionLayers: [3, 7], convKernel: 4, stateSize: 64, innerSize: 512, groups: 4, heads: 8 },
};

const qwen35Moe: CatalogModel = {
  ...qwen3Next,
  id: 'tiny-qwen35moe',
  name: 'Tiny Qwen3.5 (MoE)',
  family: 'Qwen3.5',
  arch: 'qwen35moe',
};

/** Gemma 4: global layers (every 6th) with twice the head size, one KV head and no V projection. */
const gemma4: CatalogModel = {
  ...base,
  id: 'tiny-gemma4',
  name: 'Tiny Gemma 4 (dense)',
  family: 'Gemma 4',
  arch: 'gemma4',
  layers: 12,
  hiddenSize: 512,
  ffnSize: 1536,
  ffnType: 'gated',
  heads: 8,
  kvHeads: 4,
  headDim: 64,
  vocabSize: 32000,
  tiedEmbeddings: true,
  slidingWindow: { windowTokens: 512, period: 6, globalPerPeriod: 1 },
  globalAttention: { headDim: 128, kvHeads: 1, valueFromKey: true },
};

const gemma4Moe: CatalogModel = {
  ...gemma4,
  id: 'tiny-gemma4-moe',
  name: 'Tiny Gemma 4 (MoE)',
  ffnSize: 256,
  experts: { count: 8, active: 2, shared: 1, sharedFfnSize: 768, denseLayers: 0 },
};

/**
 * Gemma 3n: per-layer embeddings (256 x layers per token, fixed in llama.cpp), AltUp and LAuReL, and KV
 * cached for the first 20 layers only: 24 layers, so 4 reuse an earlier layer's cache.
 */
const gemma3n: CatalogModel = {
  ...base,
  id: 'tiny-gemma3n',
  name: 'Tiny Gemma 3n',
  family: 'Gemma 3n',
  arch: 'gemma3n',
  layers: 24,
  hiddenSize: 512,
  ffnSize: 2048,
  ffnType: 'gated',
  heads: 8,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 8000,
  tiedEmbeddings: true,
  slidingWindow: { windowTokens: 512, period: 5, globalPerPeriod: 1 },
};

export const TINY_HYBRID_MODELS: readonly CatalogModel[] = [graniteHybridMoe, nemotronH, qwen3Next, qwen35, qwen35Moe];
/** Per-layer KV geometry (no recurrent state). */
export const TINY_GEMMA4_MODELS: readonly CatalogModel[] = [gemma4, gemma4Moe];
export const TINY_GEMMA3N = gemma3n;

export interface HybridAccuracyCase {
  model: CatalogModel;
  precision: Precision;
  ctx: number;
  kv: KvType;
}

/** Each tiny hybrid at F16 with 2048 tokens and at Q4_K_M with 8192 tokens and a q8_0 KV cache (the state stays F32). */
export const HYBRID_ACCURACY_CASES: HybridAccuracyCase[] = [...TINY_HYBRID_MODELS, ...TINY_GEMMA4_MODELS, gemma3n].flatMap((model) => [
  { model, precision: 'F16', ctx: 2048, kv: 'f16' },
  { model, precision: 'Q4_K_M', ctx: 8192, kv: 'q8_0' },
  { model, precision: 'Q8_0', ctx: 4096, kv: 'f16' },
]);
