import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogIdOf, scoresOf } from '../../src/core/catalog-match';
import { buildReport, catalogModelAt, type SizableModel } from '../../src/core/report';
import { CatalogSchema, type CatalogModel } from '../../src/shared/schema';
import { makeSnapshot } from '../helpers/hardware';

const catalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const model = (id: string): CatalogModel => {
  const m = catalog.find((x) => x.id === id);
  if (!m) throw new Error(`no catalog model ${id}`);
  return m;
};
// What a file's header gives: the shape alone, no id, no scores.
const shapeOf = (m: CatalogModel) => ({
  arch: m.arch,
  layers: m.layers,
  hiddenSize: m.hiddenSize,
  ffnSize: m.ffnSize,
  ffnType: m.ffnType,
  heads: m.heads,
  kvHeads: m.kvHeads,
  headDim: m.headDim,
  vocabSize: m.vocabSize,
  tiedEmbeddings: m.tiedEmbeddings,
  ...(m.experts ? { experts: { count: m.experts.count, active: m.experts.active, shared: 0, denseLayers: 0 } } : {}),
});

describe('a GGUF file linked to the catalog model it is a copy of', () => {
  it('finds every catalog model from its own shape (or one of the same shape)', () => {
    for (const m of catalog) {
      const id = catalogIdOf(shapeOf(m), catalog, { maxContext: m.maxContext, name: m.name });
      expect(id, m.id).toBe(m.id);
    }
  });

  it('finds nothing for a shape no catalog model has', () => {
    const made = { ...shapeOf(model('smollm2-135m')), layers: 7, hiddenSize: 320, vocabSize: 512 };
    expect(catalogIdOf(made, catalog)).toBeNull();
    // One number off is another model.
    expect(catalogIdOf({ ...shapeOf(model('qwen2.5-3b')), kvHeads: 4 }, catalog)).toBeNull();
    // The same numbers under another architecture are another model.
    expect(catalogIdOf({ ...shapeOf(model('qwen2.5-3b')), arch: 'qwen3' }, catalog)).toBeNull();
  });

  it('tells an MoE from a dense model of the same widths by its experts', () => {
    const found = catalog.find((m) => m.experts);
    // The catalog lists MoE models (Qwen3 30B-A3B and others); without one this test would prove nothing.
    expect(found, 'an MoE model in the catalog').toBeDefined();
    const moe = found!;
    expect(catalogIdOf(shapeOf(moe), catalog)).toBe(moe.id);
    const dense = { ...shapeOf(moe) };
    delete (dense as { experts?: unknown }).experts;
    expect(catalogIdOf(dense, catalog)).toBeNull();
    expect(catalogIdOf({ ...shapeOf(moe), experts: { count: 4, active: 1, shared: 0, denseLayers: 0 } }, catalog)).toBeNull();
  });

  it("tells models of one shape apart by the file's context, then its name", () => {
    const shape = shapeOf(model('llama-3.1-8b'));
    expect(catalogIdOf(shape, catalog, { maxContext: 8192 })).toBe('llama-3-8b');
    expect(catalogIdOf(shape, catalog, { maxContext: 131072 })).toBe('llama-3.1-8b');
    const big = shapeOf(model('llama-3.3-70b'));
    expect(catalogIdOf(big, catalog, { maxContext: 131072, name: 'Llama 3.3 70B Instruct (Llama-3.3-70B-Instruct-Q4_K_M.gguf)' })).toBe(
      'llama-3.3-70b',
    );
    expect(catalogIdOf(big, catalog, { name: 'Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf' })).toBe('llama-3.1-70b');
  });

  it("gives a file's report row the catalog id, and leaves a file of no catalog model without one", () => {
    const asFile = (m: SizableModel, path: string): SizableModel => ({ ...m, modelId: `file:${path}`, origin: 'file', filePath: path });
    const known = asFile(catalogModelAt(model('qwen2.5-3b'), 'Q6_K'), '/models/qwen2.5-3b-instruct-q6_k.gguf');
    const made = catalogModelAt(model('smollm2-135m'), 'Q8_0');
    const unknown = asFile({ ...made, shape: { ...made.shape, layers: 5 } }, '/models/tiny.gguf');
    const report = buildReport(makeSnapshot(), catalog, { contextTokens: 4096, kvType: 'f16' }, { detectMs: 0 }, [known, unknown]);
    const files = report.rows.filter((r) => r.origin === 'file');
    expect(files.map((r) => [r.filePath, r.catalogId])).toEqual([
      ['/models/qwen2.5-3b-instruct-q6_k.gguf', 'qwen2.5-3b'],
      ['/models/tiny.gguf', undefined],
    ]);
    expect(report.rows.filter((r) => r.origin === 'catalog').every((r) => r.catalogId === undefined)).toBe(true);
  });
});

describe('the published scores of what is sized', () => {
  it("are the catalog model's own, every task and benchmark in order; a file gets those of the model it copies", () => {
    const llama = model('llama-3.1-8b');
    const own = scoresOf(catalogModelAt(llama, 'Q4_K_M'), catalog);
    expect(own.catalogId).toBe('llama-3.1-8b');
    expect(own.scores.map((s) => `${s.task} ${s.benchmark} ${s.score}`)).toEqual([
      'chat MMLU 66.7',
      'chat MMLU-Pro 48.3',
      'coding HumanEval 72.6',
      'reasoning GSM8K 84.5',
      'reasoning GPQA Diamond 31.8',
      'long-docs RULER 88.3',
      'long-docs LongBench v2 30',
      'extraction IFEval 75.9',
    ]);
    for (const s of own.scores) expect(s.source).toMatch(/^https:\/\//);
    const file = {
      modelId: 'file:/m/x.gguf',
      origin: 'file' as const,
      shape: shapeOf(llama),
      maxContext: llama.maxContext,
      name: 'Meta Llama 3.1 8B',
    };
    expect(scoresOf(file, catalog)).toEqual(own);
    const unknown = { ...file, shape: { ...file.shape, layers: 7 } };
    expect(scoresOf(unknown, catalog)).toEqual({ catalogId: null, scores: [] });
  });
});
