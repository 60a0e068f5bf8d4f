// Hybrids with a recurrent state (Mamba-2: Granite 4.0 H, Nemotron-H; gated delta net: Qwen3-Next,
// Qwen3.5) and Gemma 4's per-layer KV geometry sized as llama.cpp 80fb11a (the one node-llama-cpp 3.21.1 ships) allocates them: the fixed
// state per sequence worked by hand from its code, KV cells on the attention blocks only, parameter
// counts against the published totals, and generated GGUF headers read back into the same shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_GEMMA3N, TINY_GEMMA4_MODELS, TINY_HYBRID_MODELS } from '../../bench/lib/accuracy-cases-hybrid';
import { hybridCacheDetail, recurrentStateBytesPerSequence } from '../../src/core/arch/recurrent-state';
import { estimateKvCacheBytesPerLayer, layoutWeights, layoutWeightsWithTypes } from '../../src/core/estimate';
import { modelFromGguf } from '../../src/core/gguf-model';
import { countActiveParameters, countParameters, listTensors } from '../../src/core/tensors';
import { assignTensorTypeList } from '../../src/core/quantize';
import { writeGgufModel } from '../../src/node/gguf-writer';
import { readGgufHeader } from '../../src/node/models/gguf-file';
import { catalogEntry, sum } from '../helpers/catalog';

const get = catalogEntry;
const TMP = mkdtempSync(join(tmpdir(), 'rightsize-arch-hybrid-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('recurrent state per sequence, worked from llama.cpp 80fb11a', () => {
  it('Granite 4.0 H Small keeps 147.5 MiB of Mamba-2 state per sequence, whatever the context', () => {
    // llama-hparams.cpp: n_embd_r = (d_conv - 1) x (d_inner + 2 n_group d_state) = 3 x (8192 + 2 x 1 x 128)
    // = 25,344 conv values; n_embd_s = d_state x d_inner = 128 x 8192 = 1,048,576 SSM values. llama-model.cpp
    // (create_memory) makes both GGML_TYPE_F32 and llama-memory-recurrent.cpp one row per sequence
    // (mem_size = max(1, n_seq_max) = 1 for one sequence, n_rs_seq = 0): (25,344 + 1,048,576) x 4 =
    // 4,295,680 bytes per Mamba-2 block; 36 blocks = 154,644,480 bytes (147.48 MiB).
    const m = get('granite-4.0-h-small');
    expect(recurrentStateBytesPerSequence(m.recurrent!)).toBe(4_295_680);
    const perLayer = estimateKvCacheBytesPerLayer(m, 4096, 'f16');
    const attention = new Set(m.recurrent!.attentionLayers);
    expect(sum(perLayer.filter((_, i) => !attention.has(i)))).toBe(154_644_480);
    // The state does not grow with the context, and a quantized KV cache leaves it F32.
    const long = estimateKvCacheBytesPerLayer(m, 131072, 'q8_0');
    expect(long.filter((_, i) => !attention.has(i))).toEqual(perLayer.filter((_, i) => !attention.has(i)));
  });

  it('Qwen3-Next 80B-A3B keeps 75.4 MiB of gated-delta-net state per sequence', () => {
    // The converter (conversion/qwen.py, Qwen3NextModel) writes d_conv = linear_conv_kernel_dim 4, d_state =
    // linear_key_head_dim 128, n_group = linear_num_key_heads 16, d_inner = 32 value heads x 128 = 4096.
    // n_embd_r = 3 x (4096 + 2 x 16 x 128) = 24,576 (the conv over q, k and v: 2 x 2048 + 4096 channels);
    // n_embd_s = 128 x 4096 = 524,288 (one 128 x 128 state per value head). (24,576 + 524,288) x 4 =
    // 2,195,456 bytes per linear-attention block; 36 of 48 blocks = 79,036,416 bytes (75.38 MiB).
    const m = get('qwen3-next-80b-a3b');
    expect(recurrentStateBytesPerSequence(m.recurrent!)).toBe(2_195_456);
    const perLayer = estimateKvCacheBytesPerLayer(m, 8192, 'f16');
    expect(perLayer.filter((b) => b === 2_195_456)).toHaveLength(36);
    expect(sum(perLayer.filter((b) => b === 2_195_456))).toBe(79_036_416);
  });
});

describe('the cache detail a report shows', () => {
  it('names the attention layers and the fixed state', () => {
    expect(hybridCacheDetail(get('granite-4.0-h-small'), 4096, 'f16')).toBe(
      'KV cache 2 x 4 attention layers x 8 KV heads x 128 x 4096 tokens at f16, plus a fixed state of 147.5 MiB per sequence (36 Mamba-2 layers, F32, whatever the context)',
    );
    expect(hybridCacheDetail(get('qwen3-next-80b-a3b'), 8192, 'q8_0')).toContain('75.4 MiB per sequence (36 gated delta net layers');
    expect(hybridCacheDetail(get('granite-3.1-2b'), 4096, 'f16')).toBeNull();
  });
});

describe('KV cells on the attention blocks only (llama_memory_hybrid filter_attn)', () => {
  it('Granite 4.0 H Small: 4 attention blocks of 8 KV heads x 128', () => {
    // 4096 cells x 2 (K, V) x 8 x 128 x 2 bytes = 16 MiB per attention block, 64 MiB in all: a llama-style
    // 40-block cache would be 640 MiB.
    const m = get('granite-4.0-h-small');
    const perLayer = estimateKvCacheBytesPerLayer(m, 4096, 'f16');
    expect(perLayer).toHaveLength(40);
    for (const i of [5, 15, 25, 35]) expect(perLayer[i]).toBe(16_777_216);
    expect(sum(perLayer)).toBe(4 * 16_777_216 + 154_644_480);
  });

  it('Qwen3-Next: gated attention every 4th block, 2 KV heads of 256, context padded to 256 cells', () => {
    const m = get('qwen3-next-80b-a3b');
    expect(m.recurrent!.attentionLayers).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47]);
    // 5000 tokens -> 5120 cells x 2 x 2 x 256 x 2 bytes = 10,485,760 per attention block.
    const perLayer = estimateKvCacheBytesPerLayer(m, 5000, 'f16');
    expect(perLayer[3]).toBe(10_485_760);
    expect(sum(perLayer)).toBe(12 * 10_485_760 + 79_036_416);
  });

  it('Nemotron-H: MLP blocks keep nothing, Mamba-2 blocks their state, attention blocks KV', () => {
    const m = get('nemotron-h-8b');
    const perLayer = estimateKvCacheBytesPerLayer(m, 8192, 'f16');
    // 24 MLP blocks ("-"): no cache. n_group 8: n_embd_r = 3 x (8192 + 2 x 8 x 128) = 30,720; + 1,048,576.
    expect(perLayer.filter((b) => b === 0)).toHaveLength(24);
    expect(perLayer.filter((b) => b === (30_720 + 1_048_576) * 4)).toHaveLength(24);
    expect(perLayer.filter((b) => b === 8192 * 2 * 8 * 128 * 2)).toHaveLength(4);
  });
});

describe('parameters counted from the tensors llama.cpp loads', () => {
  it.each([
    ['granite-4.0-h-small', 32_207_337_984],
    ['granite-4.0-h-tiny', 6_939_037_248],
    ['nemotron-h-8b', 8_100_852_736],
    // Equal to the safetensors total of Qwen3-Coder-Next, which shares this config, without the MTP block.
    ['qwen3-next-80b-a3b', 79_674_391_296],
    ['qwen3.5-9b', 8_953_803_264],
    ['qwen3.5-35b-a3b', 34_660_610_688],
  ])('%s counts %d parameters, within 2%% of the published total', (id, expected) => {
    const m = get(id);
    expect(countParameters(m)).toBe(expected);
    expect(Math.abs(expected / (m.publishedParamsB * 1e9) - 1)).toBeLessThanOrEqual(0.02);
  });

  it('a Q4_K_M Qwen3-Next file is the size published ones are', () => {
    // https://huggingface.co/steampunque/Qwen3-Coder-Next-Hybrid-GGUF lists its plain Q4_K_M of this shape
    // (Qwen3-Coder-Next shares Qwen3-Next-80B-A3B's config) at 48.5e9 bytes; ours: 48,483,058,688 (45.15 GiB),
    // with ssm_conv1d kept in F32 as llama-quantize keeps it, and the recurrent blocks' fused attn_qkv typed as attn_v
    // (Q6_K or Q4_K by layer) as llama-quantize --dry-run of the source node-llama-cpp ships types it (46,237.1 MiB;
    // bench/quantize-dry-run.ts).
    const bytes = layoutWeights(get('qwen3-next-80b-a3b'), 'Q4_K_M').totalBytes;
    expect(bytes).toBe(48_483_058_688);
    expect(Math.abs(bytes / 48.5e9 - 1)).toBeLessThan(0.01);
  });

  it('Qwen3.5 35B-A3B at Q4_K_M and Q3_K_M is the size published files are', () => {
    // https://huggingface.co/GOBA-AI-Labs/PrunedHub-Qwen3.5-35B-A3B-80pct gives the unpruned files of this
    // model as 21.2 GB (Q4_K_M) and 16.80 GB (Q3_K_M).
    const m = get('qwen3.5-35b-a3b');
    expect(Math.abs(layoutWeights(m, 'Q4_K_M').totalBytes / 21.2e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(layoutWeights(m, 'Q3_K_M').totalBytes / 16.8e9 - 1)).toBeLessThan(0.01);
  });

  it('active parameters: about 9B of Granite H Small and 3B of Qwen3-Next', () => {
    expect(countActiveParameters(get('granite-4.0-h-small')) / 1e9).toBeCloseTo(8.8, 1);
    expect(countActiveParameters(get('qwen3-next-80b-a3b')) / 1e9).toBeCloseTo(3.56, 1);
    expect(countActiveParameters(get('qwen3.5-35b-a3b')) / 1e9).toBeCloseTo(2.95, 1);
  });

  it('names the Mamba-2 and gated-delta-net tensors as llama.cpp does', () => {
    const names = (id: string, layer: number): string[] =>
      listTensors(get(id))
        .filter((t) => t.layer === layer)
        .map((t) => t.name.replace(`blk.${layer}.`, ''));
    expect(names('granite-4.0-h-small', 0)).toEqual(
      expect.arrayContaining([
        'ssm_in.weight',
        'ssm_conv1d.weight',
        'ssm_conv1d.bias',
        'ssm_dt.bias',
        'ssm_a',
        'ssm_d',
        'ssm_norm.weight',
        'ssm_out.weight',
        'ffn_gate_shexp.weight',
      ]),
    );
    expect(names('granite-4.0-h-small', 5)).toEqual(expect.arrayContaining(['attn_q.weight', 'attn_k.weight', 'ffn_down_exps.weight']));
    expect(names('qwen3-next-80b-a3b', 0)).toEqual(
      expect.arrayContaining(['attn_qkv.weight', 'attn_gate.weight', 'ssm_ba.weight', 'ssm_a', 'ffn_gate_inp_shexp.weight']),
    );
    expect(names('qwen3.5-9b', 0)).toEqual(expect.arrayContaining(['ssm_beta.weight', 'ssm_alpha.weight', 'ffn_gate.weight']));
    expect(names('nemotron-h-8b', 1)).toEqual(['attn_norm.weight', 'ffn_up.weight', 'ffn_down.weight']);
  });
});

describe('a generated GGUF header reads back into the same shape', () => {
  it.each(TINY_HYBRID_MODELS.map((m) => [m.arch, m] as const))('%s', async (_arch, model) => {
    const path = join(TMP, `${model.id}.gguf`);
    await writeGgufModel(path, { shape: model, precision: 'Q8_0', data: 'sparse' });
    const parsed = modelFromGguf(await readGgufHeader(path));
    expect(parsed.architecture).toBe(model.arch);
    expect(parsed.shape.arch).toBe(model.arch);
    expect(parsed.shape.recurrent).toEqual({ ...model.recurrent, ...(model.arch === 'nemotron_h' ? {} : { mlpLayers: undefined }) });
    expect(parsed.shape.layers).toBe(model.layers);
    expect(parsed.shape.kvHeads).toBe(model.kvHeads);
    expect(parsed.shape.experts?.shared ?? 0).toBe(model.experts?.shared ?? 0);
    // The same cache and weights as the catalog shape.
    expect(estimateKvCacheBytesPerLayer(parsed.shape, 4096, 'q8_0')).toEqual(estimateKvCacheBytesPerLayer(model, 4096, 'q8_0'));
    expect(parsed.parameterCount).toBe(countParameters(model));
    expect(layoutWeightsWithTypes(parsed.shape, parsed.tensors, parsed.types).totalBytes).toBe(parsed.tensorBytes);
  });
});

describe('Gemma 4: global layers with their own head size and KV head count', () => {
  it('31B caches 1840 MiB at 8192 tokens in llama.cpp, 2040 MiB in node-llama-cpp', () => {
    // llama-kv-cache-iswa.cpp: sliding layers keep GGML_PAD(min(8192, 1024 + 512), 256) = 1536 cells of
    // 2 x 16 KV heads x 256 (n_embd_head_k_swa) x 2 bytes = 16,384 bytes: 25,165,824 per layer, 50 layers.
    // Global layers (every 6th) keep 8192 cells of 2 x 4 x 512 (key_length) x 2 = 8192 bytes: 67,108,864
    // each, 10 layers. V is cached although the global layers have no V projection (has_v = !is_mla).
    const m = get('gemma-4-31b');
    const perLayer = estimateKvCacheBytesPerLayer(m, 8192, 'f16');
    expect(perLayer[0]).toBe(25_165_824);
    expect(perLayer[5]).toBe(67_108_864);
    expect(sum(perLayer)).toBe(50 * 25_165_824 + 10 * 67_108_864);
    // node-llama-cpp asks one token more: 1537 -> 1792 sliding cells (measured: 2040.00 MiB).
    expect(sum(estimateKvCacheBytesPerLayer(m, 8192, 'f16', 'node-llama-cpp'))).toBe(2040 * 2 ** 20);
  });

  it.each([
    ['gemma-4-31b', 30_697_345_596],
    ['gemma-4-26b-a4b', 25_233_142_046],
  ])('%s counts %d parameters, within 2%% of the published total', (id, expected) => {
    const m = get(id);
    expect(countParameters(m)).toBe(expected);
    expect(Math.abs(expected / (m.publishedParamsB * 1e9) - 1)).toBeLessThanOrEqual(0.02);
  });

  it('layers that share KV (E2B/E4B: num_kv_shared_layers) cache nothing of their own', () => {
    // llama_hparams::has_kv(il) is false from n_layer - shared_kv_layers on; llama-kv-cache.cpp skips them.
    const [tiny] = TINY_GEMMA4_MODELS;
    const shared = { ...tiny!, globalAttention: { ...tiny!.globalAttention!, kvSharedLayers: 4 } };
    const perLayer = estimateKvCacheBytesPerLayer(shared, 4096, 'f16');
    expect(perLayer.slice(8)).toEqual([0, 0, 0, 0]);
    expect(perLayer.slice(0, 8)).toEqual(estimateKvCacheBytesPerLayer(tiny!, 4096, 'f16').slice(0, 8));
  });

  it('26B A4B activates 3.8B parameters; global layers have no attn_v', () => {
    expect(countActiveParameters(get('gemma-4-26b-a4b')) / 1e9).toBeCloseTo(3.82, 2);
    const names = listTensors(get('gemma-4-31b')).map((t) => t.name);
    expect(names).toContain('blk.4.attn_v.weight');
    expect(names).not.toContain('blk.5.attn_v.weight');
    expect(names).toContain('rope_freqs.weight');
  });

  it.each(TINY_GEMMA4_MODELS.map((m) => [m.id, m] as const))(
    '%s: a generated header reads back into the same shape',
    async (_id, model) => {
      const path = join(TMP, `${model.id}.gguf`);
      await writeGgufModel(path, { shape: model, precision: 'Q8_0', data: 'sparse' });
      const parsed = modelFromGguf(await readGgufHeader(path));
      expect(parsed.shape.arch).toBe('gemma4');
      expect(parsed.shape.globalAttention).toEqual(model.globalAttention);
      expect(parsed.shape.slidingWindow).toEqual(model.slidingWindow);
      expect([parsed.shape.headDim, parsed.shape.kvHeads, parsed.shape.ffnSize]).toEqual([model.headDim, model.kvHeads, model.ffnSize]);
      expect(estimateKvCacheBytesPerLayer(parsed.shape, 4096, 'f16', 'node-llama-cpp')).toEqual(
        estimateKvCacheBytesPerLayer(model, 4096, 'f16', 'node-llama-cpp'),
      );
      expect(parsed.parameterCount).toBe(countParameters(model));
    },
  );
});

describe('Gemma 3n: per-layer embeddings, AltUp, LAuReL and KV for the first 20 layers', () => {
  it('E2B counts the 4.46B parameters of its GGUF, 2.015B of them the per-layer token table', () => {
    const m = get('gemma-3n-e2b');
    const tensors = listTensors(m);
    const ple = tensors.find((t) => t.name === 'per_layer_token_embd.weight');
    expect(ple?.dims).toEqual([256 * 30, 262_400]);
    expect(tensors.some((t) => t.name === 'output.weight')).toBe(false);
    expect(countParameters(m) / 1e9).toBeCloseTo(4.458, 3);
    // Google's "effective" 1.91B leaves out both token tables.
    expect((countParameters(m) - 262_400 * (2048 + 256 * 30)) / 1e9).toBeCloseTo(1.91, 2);
    expect((countParameters(get('gemma-3n-e4b')) - 262_400 * (2048 + 256 * 35)) / 1e9).toBeCloseTo(3.98, 2);
  });

  it('caches K and V for layers 0-19 only; every 5th layer keeps the whole context, the others the window', () => {
    // E2B at 8192 tokens in llama.cpp: global layers 8192 cells, sliding GGML_PAD(512 + 512, 256) = 1024,
    // each cell 2 x 2 KV heads x 256 x 2 bytes = 2048 bytes; layers 20-29 reuse layers 18 and 19.
    const perLayer = estimateKvCacheBytesPerLayer(get('gemma-3n-e2b'), 8192, 'f16');
    expect(perLayer.slice(20)).toEqual(new Array(10).fill(0));
    expect(perLayer[4]).toBe(8192 * 2048);
    expect(perLayer[0]).toBe(1024 * 2048);
    expect(sum(perLayer)).toBe(4 * 8192 * 2048 + 16 * 1024 * 2048);
    expect(estimateKvCacheBytesPerLayer(get('gemma-3n-e4b'), 8192, 'f16').filter((b) => b > 0)).toHaveLength(20);
  });

  it("quantizes as llama-quantize does: both token tables by the tied output's rule, AltUp and LAuReL left at F16", () => {
    const m = get('gemma-3n-e2b');
    const tensors = listTensors(m);
    const layout = layoutWeights(m, 'Q4_K_M', tensors);
    const types = assignTensorTypeList(m, tensors, 'Q4_K_M');
    const typeOf = (name: string): string | undefined => types[tensors.findIndex((t) => t.name === name)];
    expect(typeOf('token_embd.weight')).toBe('Q6_K');
    expect(typeOf('per_layer_token_embd.weight')).toBe('Q6_K');
    expect(typeOf('altup_proj.weight')).toBe('F16');
    expect(typeOf('per_layer_model_proj.weight')).toBe('F16');
    expect(typeOf('blk.3.laurel_l.weight')).toBe('F16');
    expect(typeOf('blk.3.altup_predict_coef.weight')).toBe('F32');
    expect(typeOf('blk.3.inp_gate.weight')).toBe('Q4_K');
    // Only token_embd doubles as the output: the per-layer table is read by row, never as a matrix.
    expect(layout.tiedOutputBytes).toBeLessThan(layout.tokenEmbdBytes / 2);
  });

  it('a generated header reads back into the same shape, cache and weights', async () => {
    const model = TINY_GEMMA3N;
    const path = join(TMP, `${model.id}.gguf`);
    await writeGgufModel(path, { shape: model, precision: 'Q8_0', data: 'sparse' });
    const parsed = modelFromGguf(await readGgufHeader(path));
    expect(parsed.shape.arch).toBe('gemma3n');
    expect(parsed.shape.slidingWindow).toEqual(model.slidingWindow);
    expect(parsed.shape.vocabSize).toBe(model.vocabSize);
    expect(parsed.tensors.find((t) => t.name === 'per_layer_token_embd.weight')?.role).toBe('token_embd');
    expect(parsed.tensors.find((t) => t.name === 'per_layer_model_proj.weight')?.layer).toBe(0);
    expect(estimateKvCacheBytesPerLayer(parsed.shape, 4096, 'f16', 'node-llama-cpp')).toEqual(
      estimateKvCacheBytesPerLayer(model, 4096, 'f16', 'node-llama-cpp'),
    );
    expect(parsed.parameterCount).toBe(countParameters(model));
    const fromFile = layoutWeightsWithTypes(parsed.shape, parsed.tensors, parsed.types);
    expect(fromFile.totalBytes).toBe(parsed.tensorBytes);
    expect(fromFile.totalBytes).toBe(layoutWeights(model, 'Q8_0').totalBytes);
  });
});
