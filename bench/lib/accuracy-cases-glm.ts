// bench/accuracy.ts cases for src/core/arch/glm4moe.ts: GLM-4.5's layout shrunk (QKV biases, QK norms,
// one dense lead block, routed experts with a selection bias and a shared expert) with one MTP block
// counted in block_count, so llama.cpp's KV cache for the MTP block and its skipped weights meet ours.
// The file holds no MTP tensors (llama.cpp then marks them optional and skipped, as it skips them anyway).
import type { KvType, Precision } from '../../src/shared/precision';
import type { CatalogModel } from '../../src/shared/schema';

export interface GlmAccuracyCase {
  model: CatalogModel;
  precision: Precision;
  ctx: number;
  kv: KvType;
}

/** GLM-4.5's layout shrunk: 96/8 heads become 16/2, 160 experts 16, 3 dense lead blocks 1. */
export const TINY_GLM4MOE: CatalogModel = {
  id: 'tiny-glm4moe',
  name: 'GLM-4.5 (layout, tiny)',
  family: 'test',
  arch: 'glm4moe',
  publishedParamsB: 0.2,
  layers: 4,
  hiddenSize: 1024,
  ffnSize: 256,
  ffnType: 'gated',
  heads: 16,
  kvHeads: 2,
  headDim: 128,
  vocabSize: 32000,
  maxContext: 131072,
  tiedEmbeddings: false,
  experts: { count: 16, active: 4, shared: 1, denseLayers: 1, denseFfnSize: 2816 },
  moeLayout: { selectionBias: true },
  qkNorm: true,
  nextnLayers: 1,
  released: '2025-07',
  license: 'test',
  source: 'https://huggingface.co/zai-org/GLM-4.5/blob/main/config.json',
};

const c = (model: CatalogModel, precision: Precision, ctx: number, kv: KvType = 'f16'): GlmAccuracyCase => ({ model, precision, ctx, kv });

export const GLM_ACCURACY_CASES: GlmAccuracyCase[] = [
  c(TINY_GLM4MOE, 'Q8_0', 4096),
  c(TINY_GLM4MOE, 'Q8_0', 16384, 'q8_0'),
  c(TINY_GLM4MOE, 'Q4_K_M', 4096),
  c(TINY_GLM4MOE, 'Q4_K_M', 16384),
];
