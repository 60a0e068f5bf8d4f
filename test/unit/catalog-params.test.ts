// Every catalog entry's architecture numbers rebuild what its authors and the GGUF publishers state:
// the tensors listed for its shape add up to the published parameter count (within 2%), and where a
// Hugging Face file listing gives a GGUF's size, the weights laid out as llama.cpp quantizes them
// (quantize.ts's per-tensor types, ggml block sizes) come within 1% of it.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../src/core/estimate';
import { countParameters, listTensors } from '../../src/core/tensors';
import { CatalogSchema, type CatalogModel } from '../../src/shared/schema';

const models = CatalogSchema.parse(
  JSON.parse(fs.readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const byId = new Map(models.map((m) => [m.id, m]));
const get = (id: string): CatalogModel => {
  const m = byId.get(id);
  if (!m) throw new Error(`catalog lacks ${id}`);
  return m;
};
const names = (m: CatalogModel, layer: number): string[] =>
  listTensors(m)
    .filter((t) => t.layer === layer)
    .map((t) => t.name.replace(`blk.${layer}.`, ''));

/** A GGUF file's tensor bytes; the file adds only its header and tokenizer (a few MB) to them. */
const ggufWeightsBytes = (m: CatalogModel, quant: NonNullable<CatalogModel['ggufSizes']>[number]['quant']): number =>
  layoutFor(m, quant).totalBytes;

describe('countParameters rebuilds every published parameter count within 2%', () => {
  for (const m of models) {
    it(m.id, () => {
      const counted = countParameters(m);
      const ratio = counted / (m.publishedParamsB * 1e9);
      expect(
        Math.abs(ratio - 1),
        `${m.id}: counted ${(counted / 1e9).toFixed(3)}B vs published ${m.publishedParamsB}B`,
      ).toBeLessThanOrEqual(0.02);
    });
  }
});

describe('published GGUF file sizes are rebuilt within 1% from the shape', () => {
  const sized = models.filter((m) => (m.ggufSizes ?? []).length > 0);

  it('covers at least 8 models, each size with the listing it comes from', () => {
    expect(sized.length).toBeGreaterThanOrEqual(8);
    for (const m of sized) {
      for (const g of m.ggufSizes ?? []) expect(g.source, m.id).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+/);
    }
  });

  for (const m of sized) {
    for (const g of m.ggufSizes ?? []) {
      it(`${m.id} ${g.quant}`, () => {
        const rebuilt = ggufWeightsBytes(m, g.quant);
        const ratio = rebuilt / g.bytes;
        expect(
          Math.abs(ratio - 1),
          `${m.id} ${g.quant}: rebuilt ${(rebuilt / 1e9).toFixed(3)} GB vs published ${(g.bytes / 1e9).toFixed(2)} GB`,
        ).toBeLessThanOrEqual(0.01);
      });
    }
  }
});

describe('entries checked against their GGUF files', () => {
  it("gives Falcon 180B its own output matrix, which rebuilds TheBloke's Q8_0 file size and a tied table does not", () => {
    const falcon = get('falcon-180b');
    expect(falcon.tiedEmbeddings).toBe(false);
    expect(listTensors(falcon).some((t) => t.name === 'output.weight')).toBe(true);
    const published = falcon.ggufSizes?.find((g) => g.quant === 'Q8_0')?.bytes ?? 0;
    expect(Math.abs(ggufWeightsBytes(falcon, 'Q8_0') / published - 1)).toBeLessThan(0.001);
    // Tied, the file would lack the 65,024 x 14,848 output matrix: about 1 GB, 0.5% of it.
    const tied = { ...falcon, tiedEmbeddings: true };
    expect(1 - ggufWeightsBytes(tied, 'Q8_0') / published).toBeGreaterThan(0.004);
  });

  it('sizes Gemma 3 by the 262,144 rows of its GGUF token_embd, not config.json vocab_size 262,208', () => {
    for (const id of ['gemma-3-4b', 'gemma-3-12b', 'gemma-3-27b']) expect(get(id).vocabSize, id).toBe(262144);
  });

  it("reads each distill's own tie_word_embeddings instead of its base's", () => {
    expect(get('qwen2.5-1.5b').tiedEmbeddings).toBe(true);
    expect(get('deepseek-r1-distill-qwen-1.5b').tiedEmbeddings).toBe(false);
    expect(get('deepseek-r1-distill-llama-8b').tiedEmbeddings).toBe(false);
    expect(get('phi-4-mini').tiedEmbeddings).toBe(true);
    expect(listTensors(get('phi-4-mini')).some((t) => t.name === 'output.weight')).toBe(false);
  });
});

describe("tensor lists of the architectures llama.cpp converts these models to (llama-arch.cpp's names)", () => {
  it('lists llama tensors for SmolLM3 (smollm3) and Mistral Small 3.2 (mistral3)', () => {
    const llamaBlock = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'].map(
      (n) => `${n}.weight`,
    );
    for (const id of ['smollm3-3b', 'mistral-small-3.2-24b']) expect(names(get(id), 0), id).toEqual(llamaBlock);
    expect(get('smollm3-3b').arch).toBe('smollm3');
    expect(get('mistral-small-3.2-24b').arch).toBe('mistral3');
  });

  it('gives EXAONE 4 post norms and per-head QK norms, and no pre-norms', () => {
    const exaone = get('exaone-4.0-32b');
    const block = names(exaone, 0);
    expect(block).toContain('post_attention_norm.weight');
    expect(block).toContain('post_ffw_norm.weight');
    expect(block).not.toContain('attn_norm.weight');
    expect(block).not.toContain('ffn_norm.weight');
    const qNorm = listTensors(exaone).find((t) => t.name === 'blk.0.attn_q_norm.weight');
    expect(qNorm?.dims).toEqual([exaone.headDim]);
    // Three 4,096-token local layers, then a global one (config sliding_window_pattern "LLLG").
    expect(exaone.slidingWindow).toEqual({ windowTokens: 4096, period: 4, globalPerPeriod: 1 });
    expect(get('exaone-4.0-1.2b').slidingWindow).toBeUndefined();
  });

  it('converts OLMo 3 to olmo2 with its 3:1 sliding-window layout', () => {
    for (const id of ['olmo-3-7b', 'olmo-3-32b']) {
      const m = get(id);
      expect(m.arch, id).toBe('olmo2');
      expect(m.slidingWindow, id).toEqual({ windowTokens: 4096, period: 4, globalPerPeriod: 1 });
      expect(names(m, 0), id).toContain('post_ffw_norm.weight');
    }
  });
});
