// bench/accuracy.ts cases for the architectures sized by src/core/arch/{deepseek2,llama4,gpt-oss}.ts:
// tiny shapes of each (seconds to load on a CPU), each at two contexts and two precisions, so the KV
// rule of each (the MLA latent, Llama 4's 8192-token chunks, gpt-oss's 128-token window) and the weights
// of their odd tensors (attn_k_b/attn_v_b, shared experts, attention sinks, expert biases) meet llama.cpp.
import type { KvType, Precision } from '../../src/shared/precision';
import type { CatalogModel } from '../../src/shared/schema';

export interface ArchAccuracyCase {
  model: CatalogModel;
  precision: Precision;
  ctx: number;
  kv: KvType;
}

const common = { ffnType: 'gated', tiedEmbeddings: false, vocabSize: 32000, released: '2025-01', license: 'test' } as const;

/** DeepSeek-V3's layout shrunk: q-LoRA, the 512 + 64 latent, one dense block, shared expert, selection bias. */
export const TINY_MLA: CatalogModel = {
  ...common,
  id: 'tiny-mla',
  name: 'MLA (DeepSeek-V3 layout, tiny)',
  family: 'test',
  arch: 'deepseek2',
  publishedParamsB: 0.3,
  layers: 4,
  hiddenSize: 1024,
  ffnSize: 256,
  heads: 8,
  kvHeads: 8,
  headDim: 192,
  maxContext: 32768,
  experts: { count: 16, active: 4, shared: 1, denseLayers: 1, denseFfnSize: 2816 },
  mla: { kvLoraRank: 512, qLoraRank: 384, ropeDim: 64, nopeDim: 128, vHeadDim: 128 },
  moeLayout: { selectionBias: true },
  source: 'https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json',
};

/** Llama 4 Maverick's layout shrunk: dense and MoE blocks alternate, chunked attention in 3 of 4 blocks. */
export const TINY_LLAMA4: CatalogModel = {
  ...common,
  id: 'tiny-llama4',
  name: 'Llama 4 (Maverick layout, tiny)',
  family: 'test',
  arch: 'llama4',
  publishedParamsB: 0.2,
  layers: 8,
  hiddenSize: 1024,
  ffnSize: 512,
  heads: 8,
  kvHeads: 2,
  headDim: 128,
  maxContext: 65536,
  experts: { count: 8, active: 1, shared: 1, denseLayers: 0, denseFfnSize: 2048 },
  moeLayout: { interleaveStep: 2 },
  chunkedAttention: { chunkTokens: 8192, period: 4 },
  source: 'https://huggingface.co/meta-llama/Llama-4-Maverick-17B-128E-Instruct/blob/main/config.json',
};

/** gpt-oss's layout shrunk: 128-token window in every other block, sinks, biases, head_dim 64. */
export const TINY_GPT_OSS: CatalogModel = {
  ...common,
  id: 'tiny-gpt-oss',
  name: 'gpt-oss (tiny)',
  family: 'test',
  arch: 'gpt-oss',
  publishedParamsB: 0.1,
  layers: 4,
  hiddenSize: 1024,
  ffnSize: 512,
  heads: 16,
  kvHeads: 4,
  headDim: 64,
  maxContext: 131072,
  experts: { count: 8, active: 2, shared: 0, denseLayers: 0 },
  slidingWindow: { windowTokens: 128, period: 2, globalPerPeriod: 1 },
  moeLayout: { expertBiases: true },
  attentionSinks: true,
  source: 'https://huggingface.co/openai/gpt-oss-20b/blob/main/config.json',
};

/** The same with its experts in MXFP4, as OpenAI publishes them and every gpt-oss GGUF keeps them. */
export const TINY_GPT_OSS_MXFP4: CatalogModel = {
  ...TINY_GPT_OSS,
  id: 'tiny-gpt-oss-mxfp4',
  name: 'gpt-oss (tiny, MXFP4 experts)',
  moeLayout: { expertBiases: true, expertsType: 'MXFP4' },
};

const c = (model: CatalogModel, precision: Precision, ctx: number, kv: KvType = 'f16'): ArchAccuracyCase => ({ model, precision, ctx, kv });

export const MLA_LLAMA4_GPTOSS_CASES: ArchAccuracyCase[] = [
  c(TINY_MLA, 'Q8_0', 4096),
  // Not with a quantized KV cache: node-llama-cpp turns flash attention off where key_length != value_length
  // (GgufInsights.flashAttentionSupported: 576 vs 512 here), and llama.cpp refuses a quantized V cache without it.
  c(TINY_MLA, 'Q4_K_M', 16384),
  c(TINY_MLA, 'F16', 8192),
  // 32k: the chunked blocks stop at 8192 + 512 cells while the global ones keep the context.
  c(TINY_LLAMA4, 'Q8_0', 4096),
  c(TINY_LLAMA4, 'Q4_K_M', 32768),
  c(TINY_LLAMA4, 'F16', 16384, 'q8_0'),
  c(TINY_GPT_OSS, 'Q8_0', 4096),
  c(TINY_GPT_OSS, 'F16', 16384),
  c(TINY_GPT_OSS, 'Q4_K_M', 32768, 'q8_0'),
  c(TINY_GPT_OSS_MXFP4, 'Q4_K_M', 8192),
  c(TINY_GPT_OSS_MXFP4, 'F16', 4096),
];
