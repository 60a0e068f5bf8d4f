// DeepSeek-style MLA (DeepSeek-V3/R1, Kimi K2), Llama 4 and gpt-oss sized as llama.cpp 80fb11a (the one
// node-llama-cpp 3.21.1 ships) allocates them: KV bytes worked by hand from its code, parameter counts
// against the published totals, and a generated GGUF header read back into the same shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateKvCacheBytesPerLayer, layoutWeights, layoutWeightsWithTypes } from '../../src/core/estimate';
import { modelFromGguf } from '../../src/core/gguf-model';
import { countParameters, listTensors, type ModelShape } from '../../src/core/tensors';
import { writeGgufModel } from '../../src/node/gguf-writer';
import { readGgufHeader } from '../../src/node/models/gguf-file';
import type { CatalogModel } from '../../src/shared/schema';
import { catalogEntry, sum } from '../helpers/catalog';

const get = catalogEntry;
const TMP = mkdtempSync(join(tmpdir(), 'rightsize-arch-mla-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('KV cache bytes, worked from llama.cpp 80fb11a', () => {
  it('DeepSeek-V3 caches one 576-value latent per token and layer, no V', () => {
    // llama-kv-cache.cpp: has_v = !is_mla, K = n_embd_k_gqa = key_length (kv_lora_rank 512 + rope 64) x
    // head_count_kv 1 per cell. 32k cells (a multiple of 256, no padding) x 576 x 2 bytes = 37,748,736 per
    // layer; 61 layers = 2,302,672,896 bytes (2.14 GiB), 70,272 bytes per token. Uncompressed 128 heads of
    // 192 (K) and 128 (V) would be 128 x 320 x 2 x 61 = 4,997,120 bytes per token: 71x more.
    const perLayer = estimateKvCacheBytesPerLayer(get('deepseek-v3'), 32768, 'f16');
    expect(perLayer).toHaveLength(61);
    expect(new Set(perLayer)).toEqual(new Set([37_748_736]));
    expect(sum(perLayer)).toBe(2_302_672_896);
    expect(sum(perLayer) / 32768).toBe(70_272);
    // q8_0: 576 values are 18 blocks of 34 bytes = 612 bytes per token and layer.
    expect(sum(estimateKvCacheBytesPerLayer(get('deepseek-v3'), 32768, 'q8_0'))).toBe(32768 * 612 * 61);
    // R1 and Kimi K2 (64 heads, 384 experts) keep the same latent: the head count does not enter the cache.
    expect(sum(estimateKvCacheBytesPerLayer(get('deepseek-r1'), 32768, 'f16'))).toBe(2_302_672_896);
    expect(sum(estimateKvCacheBytesPerLayer(get('kimi-k2'), 32768, 'f16'))).toBe(2_302_672_896);
    // 1000 tokens pad to 1024 cells.
    expect(estimateKvCacheBytesPerLayer(get('deepseek-v3'), 1000, 'f16')[0]).toBe(1024 * 576 * 2);
  });

  it('Llama 4 keeps 8,704 cells in its chunked blocks and the whole context in every fourth', () => {
    // llama4.cpp load_arch_hparams: no sliding_window key -> LLAMA_SWA_TYPE_CHUNKED, n_swa 8192, swa_period 4:
    // set_swa_pattern makes il % 4 < 3 chunked, so blocks 3, 7, ... 47 (12 of 48) are global. The iSWA cache
    // (llama-kv-cache-iswa.cpp) gives chunked blocks GGML_PAD(min(ctx, 8192 + 512), 256) = 8,704 cells.
    // A cell: K and V, 8 KV heads x 128 x 2 bytes = 4,096 bytes. At 32k: 4096 x (12 x 32768 + 36 x 8704).
    for (const id of ['llama-4-scout', 'llama-4-maverick']) {
      const perLayer = estimateKvCacheBytesPerLayer(get(id), 32768, 'f16');
      expect(perLayer[3]).toBe(32768 * 4096);
      expect(perLayer[0]).toBe(8704 * 4096);
      expect(sum(perLayer), id).toBe(2_894_069_760);
      // Below the chunk every block keeps the context: 48 x 4096 x 4096.
      expect(sum(estimateKvCacheBytesPerLayer(get(id), 4096, 'f16'))).toBe(805_306_368);
    }
    // node-llama-cpp adds one batch token only when the file has attention.sliding_window: Llama 4 files do not.
    expect(estimateKvCacheBytesPerLayer(get('llama-4-scout'), 32768, 'f16', 'node-llama-cpp')).toEqual(
      estimateKvCacheBytesPerLayer(get('llama-4-scout'), 32768, 'f16', 'llama.cpp'),
    );
  });

  it('gpt-oss keeps 768 cells in its sliding-window blocks', () => {
    // openai-moe.cpp: n_swa = 128, swa_period 2, is_swa = il % 2 < 1 (even blocks slide). GGML_PAD(128 + 512,
    // 256) = 768 cells (node-llama-cpp: 128 + 513, also 768). A cell: 2 x 8 KV heads x 64 x 2 = 2,048 bytes.
    // gpt-oss-20b at 32k: 2048 x (12 x 32768 + 12 x 768) = 824,180,736; gpt-oss-120b: 18 + 18 blocks.
    const small = estimateKvCacheBytesPerLayer(get('gpt-oss-20b'), 32768, 'f16');
    expect(small[0]).toBe(768 * 2048);
    expect(small[1]).toBe(32768 * 2048);
    expect(sum(small)).toBe(824_180_736);
    expect(sum(estimateKvCacheBytesPerLayer(get('gpt-oss-20b'), 32768, 'f16', 'node-llama-cpp'))).toBe(824_180_736);
    expect(sum(estimateKvCacheBytesPerLayer(get('gpt-oss-120b'), 32768, 'f16'))).toBe(2048 * 18 * (32768 + 768));
  });
});

describe('parameter counts against the published totals', () => {
  // DeepSeek-V3: 671B is the main model; the checkpoint's 685B adds the MTP block (layer 61), which
  // conversion/deepseek.py drops (skip_mtp = True), so a GGUF holds the 671B counted here.
  const PUBLISHED: Record<string, number> = {
    'deepseek-v3': 671,
    'deepseek-r1': 671,
    'kimi-k2': 1040,
    'llama-4-scout': 109,
    'llama-4-maverick': 400,
    'gpt-oss-20b': 20.9,
    'gpt-oss-120b': 116.8,
  };
  it.each(Object.entries(PUBLISHED))('%s within 2%% of %dB', (id, billions) => {
    const counted = countParameters(get(id));
    expect(Math.abs(counted / (billions * 1e9) - 1)).toBeLessThanOrEqual(0.02);
  });

  it('counts DeepSeek-V3 to within 0.01% of 671B, so the MTP layer is out', () => {
    expect(Math.abs(countParameters(get('deepseek-v3')) / 671e9 - 1)).toBeLessThan(1e-4);
  });

  it('sizes DeepSeek-V3 at Q8_0 and Q4_K_M as the published llama-quantize files within 1%', () => {
    // bartowski/deepseek-ai_DeepSeek-V3-0324-GGUF (V3's architecture, llama.cpp b4944): Q8_0 713.29 GB,
    // Q4_K_M 404.43 GB (https://huggingface.co/bartowski/deepseek-ai_DeepSeek-V3-0324-GGUF).
    const v3 = get('deepseek-v3');
    expect(Math.abs(layoutWeights(v3, 'Q8_0').totalBytes / 713.29e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(layoutWeights(v3, 'Q4_K_M').totalBytes / 404.43e9 - 1)).toBeLessThan(0.01);
  });

  it('lays out gpt-oss-20b as the published MXFP4 file (12.1 GB) within 1%', () => {
    // llama-quant.cpp, LLAMA_FTYPE_MOSTLY_MXFP4_MOE: 3D expert tensors (ne[2] > 1) MXFP4, output and the other
    // quantizable tensors Q8_0; norms, biases, sinks and the router (never quantized) stay F32.
    // bartowski/openai_gpt-oss-20b-GGUF lists gpt-oss-20b-MXFP4.gguf at 12.1 GB.
    const m = get('gpt-oss-20b');
    const tensors = listTensors(m);
    const types = tensors.map((t) =>
      t.dims.length < 2 || !t.name.endsWith('.weight') || t.name.includes('_norm.') || t.role === 'ffn_gate_inp'
        ? 'F32'
        : t.dims.length >= 3 && (t.dims[2] ?? 1) > 1
          ? 'MXFP4'
          : 'Q8_0',
    );
    const layout = layoutWeightsWithTypes(m, tensors, types);
    expect(Math.abs(layout.totalBytes / 12.1e9 - 1)).toBeLessThan(0.01);
    expect(layout.typeCounts.MXFP4).toBe(24 * 3);
  });
});

describe('tensors as llama.cpp loads them', () => {
  const names = (shape: ModelShape, layer: number): Map<string, readonly number[]> =>
    new Map(
      listTensors(shape)
        .filter((t) => t.layer === layer)
        .map((t) => [t.name.replace(`blk.${layer}.`, ''), t.dims]),
    );

  it('DeepSeek-V3: q-LoRA, the latent projection, split k_b/v_b, 3 dense blocks, shared expert, selection bias', () => {
    const v3 = get('deepseek-v3');
    const dense = names(v3, 0);
    expect(dense.get('ffn_gate.weight')).toEqual([7168, 18432]);
    expect(dense.has('ffn_gate_inp.weight')).toBe(false);
    const moe = names(v3, 3);
    expect(moe.get('attn_q_a.weight')).toEqual([7168, 1536]);
    expect(moe.get('attn_q_b.weight')).toEqual([1536, 128 * 192]);
    expect(moe.get('attn_kv_a_mqa.weight')).toEqual([7168, 576]);
    expect(moe.get('attn_k_b.weight')).toEqual([128, 512, 128]);
    expect(moe.get('attn_v_b.weight')).toEqual([512, 128, 128]);
    expect(moe.get('attn_output.weight')).toEqual([128 * 128, 7168]);
    expect(moe.get('exp_probs_b.bias')).toEqual([256]);
    expect(moe.get('ffn_up_exps.weight')).toEqual([7168, 2048, 256]);
    expect(moe.get('ffn_up_shexp.weight')).toEqual([7168, 2048]);
    expect(listTensors(v3).some((t) => t.layer === 61)).toBe(false);
  });

  it('Llama 4: Maverick alternates dense and MoE blocks, Scout is MoE throughout', () => {
    const maverick = get('llama-4-maverick');
    expect(names(maverick, 0).get('ffn_up.weight')).toEqual([5120, 16384]);
    expect(names(maverick, 1).get('ffn_up_exps.weight')).toEqual([5120, 8192, 128]);
    expect(names(maverick, 1).get('ffn_up_shexp.weight')).toEqual([5120, 8192]);
    const scout = get('llama-4-scout');
    expect(names(scout, 0).get('ffn_up_exps.weight')).toEqual([5120, 8192, 16]);
    expect(listTensors(scout).filter((t) => t.name.endsWith('ffn_gate_inp.weight'))).toHaveLength(48);
  });

  it('gpt-oss: sinks, attention and expert biases, 64 x 64 query heads on a 2880 residual', () => {
    const block = names(get('gpt-oss-20b'), 0);
    expect(block.get('attn_sinks.weight')).toEqual([64]);
    expect(block.get('attn_q.weight')).toEqual([2880, 4096]);
    expect(block.get('attn_k.bias')).toEqual([512]);
    expect(block.get('attn_output.bias')).toEqual([2880]);
    expect(block.get('ffn_gate_inp.bias')).toEqual([32]);
    expect(block.get('ffn_down_exps.bias')).toEqual([2880, 32]);
    expect(block.get('post_attention_norm.weight')).toEqual([2880]);
  });
});

describe('a generated GGUF header reads back as the same shape', () => {
  const small = (id: string, over: Partial<CatalogModel>): CatalogModel => ({ ...get(id), vocabSize: 4096, ...over });
  const cases: Array<[string, CatalogModel]> = [
    [
      'deepseek2',
      small('deepseek-v3', {
        layers: 4,
        hiddenSize: 512,
        heads: 4,
        kvHeads: 4,
        experts: { count: 8, active: 2, shared: 1, denseLayers: 1, denseFfnSize: 1024 },
        mla: { kvLoraRank: 256, qLoraRank: 192, ropeDim: 32, nopeDim: 64, vHeadDim: 64 },
        headDim: 96,
        ffnSize: 128,
      }),
    ],
    [
      'llama4',
      small('llama-4-maverick', {
        layers: 8,
        hiddenSize: 512,
        heads: 4,
        kvHeads: 2,
        ffnSize: 256,
        experts: { count: 4, active: 1, shared: 1, denseLayers: 0, denseFfnSize: 768 },
      }),
    ],
    [
      'gpt-oss',
      small('gpt-oss-20b', {
        layers: 4,
        hiddenSize: 512,
        heads: 8,
        kvHeads: 2,
        ffnSize: 256,
        experts: { count: 4, active: 2, shared: 0, denseLayers: 0 },
      }),
    ],
  ];

  it.each(cases)('%s', async (arch, shape) => {
    const path = join(TMP, `${arch}.gguf`);
    await writeGgufModel(path, { shape: { ...shape }, precision: 'Q8_0', data: 'sparse' });
    const model = modelFromGguf(await readGgufHeader(path));
    expect(model.architecture).toBe(arch);
    const keys = [
      'arch',
      'layers',
      'hiddenSize',
      'ffnSize',
      'heads',
      'kvHeads',
      'headDim',
      'vocabSize',
      'tiedEmbeddings',
      'mla',
      'chunkedAttention',
      'slidingWindow',
      'moeLayout',
      'attentionSinks',
    ] as const;
    for (const k of keys) expect(model.shape[k], k).toEqual(shape[k]);
    expect(model.shape.experts).toEqual(shape.experts);
    // The file's tensors are the ones the shape lists, and the cache is sized the same from either.
    expect(model.tensors.map((t) => [t.name, t.dims])).toEqual(listTensors(shape).map((t) => [t.name, t.dims]));
    expect(estimateKvCacheBytesPerLayer(model.shape, 16384, 'f16')).toEqual(estimateKvCacheBytesPerLayer(shape, 16384, 'f16'));
  });
});
