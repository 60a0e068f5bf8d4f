// GLM-4.5 and GLM-4.5-Air (glm4moe) sized as llama.cpp 80fb11a loads them: parameter counts against
// Z.ai's totals and a published GGUF, the tensors of each kind of block, the KV cache over block_count
// blocks (MTP included), and a generated GGUF header read back into the same shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { glm4moeNextnTensors } from '../../src/core/arch/glm4moe';
import { estimateKvCacheBytesPerLayer, layoutFor, layoutWeights } from '../../src/core/estimate';
import { modelFromGguf } from '../../src/core/gguf-model';
import { countParameters, elementCount, listTensors, type ModelShape } from '../../src/core/tensors';
import { writeGgufModel } from '../../src/node/gguf-writer';
import { readGgufHeader } from '../../src/node/models/gguf-file';
import type { CatalogModel } from '../../src/shared/schema';
import { catalogEntry, sum } from '../helpers/catalog';

const get = catalogEntry;
const block = (shape: ModelShape, layer: number): Map<string, readonly number[]> =>
  new Map(
    listTensors(shape)
      .filter((t) => t.layer === layer)
      .map((t) => [t.name.replace(`blk.${layer}.`, ''), t.dims]),
  );
const TMP = mkdtempSync(join(tmpdir(), 'rightsize-arch-glm-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('parameter counts', () => {
  it("rebuilds Z.ai's 106B and 355B totals from the trunk, and the GGUF's 110.47B with the MTP block", () => {
    const air = get('glm-4.5-air');
    const full = get('glm-4.5');
    expect(countParameters(air) / 1e9).toBeCloseTo(106.852, 2);
    expect(countParameters(full) / 1e9).toBeCloseTo(352.798, 2);
    const mtp = (m: CatalogModel): number => sum(glm4moeNextnTensors(m, m.layers).map(elementCount));
    // The MTP block (blk.46): a full MoE block plus eh_proj and its own 151,552-row embed_tokens and head.
    expect(mtp(air) / 1e9).toBeCloseTo(3.617, 2);
    expect((countParameters(air) + mtp(air)) / 1e9).toBeCloseTo(110.469, 2);
    expect((countParameters(full) + mtp(full)) / 1e9).toBeCloseTo(358.338, 2);
  });

  it("matches ubergarm's BF16 GGUF of GLM-4.5-Air (205.811 GiB) only with the MTP block the converter keeps", () => {
    const air = get('glm-4.5-air');
    const published = 205.811 * 2 ** 30;
    // BF16 matrices, F32 norms and biases, as the converter writes them.
    const mtpBytes = sum(glm4moeNextnTensors(air, air.layers).map((t) => elementCount(t) * (t.dims.length >= 2 ? 2 : 4)));
    const trunk = layoutFor(air, 'BF16').totalBytes;
    expect(Math.abs((trunk + mtpBytes) / published - 1)).toBeLessThan(0.001);
    expect(1 - trunk / published).toBeGreaterThan(0.03);
  });

  it("matches the repeating-layer count a GLM-4.5 GGUF's loader prints (356.786 B, blk.0-92 with the MTP block)", () => {
    // huggingface.co/sokann/GLM-4.5-GGUF-3.2162bpw, llm_load_print_meta: "repeating layers = 133.360 GiB
    // (3.211 BPW, 356.786 B parameters)": every blk.* tensor, the MTP block's own embed_tokens and head included.
    const full = get('glm-4.5');
    const blocks = sum(
      listTensors(full)
        .filter((t) => t.layer !== null)
        .map(elementCount),
    );
    const mtp = sum(glm4moeNextnTensors(full, full.layers).map(elementCount));
    expect((blocks + mtp) / 1e9).toBeCloseTo(356.786, 3);
  });
});

describe('tensors, named and shaped as src/models/glm4-moe.cpp creates them', () => {
  it('GLM-4.5-Air block 0 is dense: QKV biases, post-attention norm, no ffn_norm, no QK norms', () => {
    const b = block(get('glm-4.5-air'), 0);
    expect([...b.keys()]).toEqual([
      'attn_norm.weight',
      'attn_q.weight',
      'attn_k.weight',
      'attn_v.weight',
      'attn_q.bias',
      'attn_k.bias',
      'attn_v.bias',
      'attn_output.weight',
      'post_attention_norm.weight',
      'ffn_gate.weight',
      'ffn_down.weight',
      'ffn_up.weight',
    ]);
    expect(b.get('attn_q.weight')).toEqual([4096, 12288]);
    expect(b.get('attn_k.weight')).toEqual([4096, 1024]);
    expect(b.get('attn_q.bias')).toEqual([12288]);
    expect(b.get('attn_output.weight')).toEqual([12288, 4096]);
    expect(b.get('ffn_gate.weight')).toEqual([4096, 10944]);
  });

  it('GLM-4.5-Air blocks 1-45 route 8 of 128 experts with a selection bias and one shared expert', () => {
    const b = block(get('glm-4.5-air'), 1);
    expect(b.get('ffn_gate_inp.weight')).toEqual([4096, 128]);
    expect(b.get('exp_probs_b.bias')).toEqual([128]);
    expect(b.get('ffn_gate_exps.weight')).toEqual([4096, 1408, 128]);
    expect(b.get('ffn_down_exps.weight')).toEqual([1408, 4096, 128]);
    expect(b.get('ffn_up_shexp.weight')).toEqual([4096, 1408]);
    expect(b.get('ffn_down_shexp.weight')).toEqual([1408, 4096]);
    expect(b.has('ffn_gate.weight')).toBe(false);
    expect(listTensors(get('glm-4.5-air')).some((t) => t.layer === 46)).toBe(false);
  });

  it('GLM-4.5 has per-head QK norms, three dense blocks and 160 experts', () => {
    const full = get('glm-4.5');
    expect(block(full, 0).get('attn_q_norm.weight')).toEqual([128]);
    expect(block(full, 0).get('attn_k_norm.weight')).toEqual([128]);
    expect(block(full, 2).get('ffn_up.weight')).toEqual([5120, 12288]);
    expect(block(full, 3).get('ffn_up_exps.weight')).toEqual([5120, 1536, 160]);
  });

  it('lists the MTP block a GGUF appends with the nextn tensors llama.cpp reads when MTP is on', () => {
    const names = new Map(glm4moeNextnTensors(get('glm-4.5-air'), 46).map((t) => [t.name, t.dims]));
    expect(names.get('blk.46.nextn.eh_proj.weight')).toEqual([8192, 4096]);
    expect(names.get('blk.46.nextn.embed_tokens.weight')).toEqual([4096, 151552]);
    expect(names.get('blk.46.nextn.shared_head_head.weight')).toEqual([4096, 151552]);
    expect(names.get('blk.46.ffn_gate_exps.weight')).toEqual([4096, 1408, 128]);
    expect(names.has('blk.46.ffn_gate.weight')).toBe(false);
  });
});

describe('KV cache', () => {
  it('gives the MTP block cells too: glm4moe has no nextn filter in create_memory', () => {
    // A cell: K and V, 8 KV heads x 128 x 2 bytes = 4,096 bytes; 47 blocks (block_count) at 4096 cells.
    const perLayer = estimateKvCacheBytesPerLayer(get('glm-4.5-air'), 4096, 'f16');
    expect(perLayer).toHaveLength(46);
    expect(perLayer[0]).toBe(4096 * 4096);
    expect(perLayer[45]).toBe(2 * 4096 * 4096);
    expect(sum(perLayer)).toBe(47 * 4096 * 4096);
    expect(sum(estimateKvCacheBytesPerLayer(get('glm-4.5'), 4096, 'f16'))).toBe(93 * 4096 * 4096);
    expect(sum(estimateKvCacheBytesPerLayer({ ...get('glm-4.5'), nextnLayers: 0 }, 4096, 'f16'))).toBe(92 * 4096 * 4096);
  });
});

describe('a generated GGUF header reads back as the same shape', () => {
  const shape: CatalogModel = {
    ...get('glm-4.5'),
    vocabSize: 4096,
    layers: 4,
    hiddenSize: 512,
    heads: 8,
    kvHeads: 2,
    ffnSize: 128,
    experts: { count: 8, active: 2, shared: 1, denseLayers: 1, denseFfnSize: 1024 },
  };

  it('glm4moe', async () => {
    const path = join(TMP, 'glm4moe.gguf');
    await writeGgufModel(path, { shape: { ...shape }, precision: 'Q8_0', data: 'sparse' });
    const header = await readGgufHeader(path);
    expect(header.metadata.get('glm4moe.block_count')).toBe(5);
    expect(header.metadata.get('glm4moe.nextn_predict_layers')).toBe(1);
    expect(header.metadata.get('glm4moe.rope.dimension_count')).toBe(64);
    const model = modelFromGguf(header);
    expect(model.architecture).toBe('glm4moe');
    const keys = ['arch', 'layers', 'hiddenSize', 'ffnSize', 'heads', 'kvHeads', 'headDim', 'vocabSize', 'tiedEmbeddings'] as const;
    for (const k of keys) expect(model.shape[k], k).toEqual(shape[k]);
    expect(model.shape.experts).toEqual(shape.experts);
    expect(model.shape.qkNorm).toBe(true);
    expect(model.shape.nextnLayers).toBe(1);
    expect(model.shape.moeLayout).toEqual({ selectionBias: true });
    expect(model.tensors.map((t) => [t.name, t.dims])).toEqual(listTensors(shape).map((t) => [t.name, t.dims]));
    expect(estimateKvCacheBytesPerLayer(model.shape, 16384, 'f16')).toEqual(estimateKvCacheBytesPerLayer(shape, 16384, 'f16'));
    expect(layoutWeights(model.shape, 'Q8_0').totalBytes).toBe(layoutWeights(shape, 'Q8_0').totalBytes);
  });
});
