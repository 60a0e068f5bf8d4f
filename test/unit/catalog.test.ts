// The shipped model catalog: it parses, its ids are unique, the models users ask about are in it,
// and every entry's architecture numbers reproduce the parameter count its authors publish.
import fs from 'node:fs';
import { describe, it, expect } from 'vitest';
import { CatalogSchema, type CatalogModel } from '../../src/shared/schema';
import { countActiveParameters, countParameters } from '../../src/core/tensors';
import { scaleFor, TASK_SCALES, TASKS, taskScores } from '../../src/shared/ladder';

const raw: unknown = JSON.parse(fs.readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8'));
const catalog = CatalogSchema.parse(raw);
const models = catalog.models;
const byId = new Map(models.map((m) => [m.id, m]));

const REQUIRED_IDS = [
  'exaone-3.5-2.4b',
  'exaone-3.5-7.8b',
  'exaone-3.5-32b',
  'llama-2-7b',
  'llama-2-13b',
  'llama-2-70b',
  'llama-3.2-1b',
  'llama-3.2-3b',
  'llama-3.1-8b',
  'llama-3.1-70b',
  'llama-3.1-405b',
  'llama-3.3-70b',
  'qwen2.5-0.5b',
  'qwen2.5-1.5b',
  'qwen2.5-3b',
  'qwen2.5-7b',
  'qwen2.5-14b',
  'qwen2.5-32b',
  'qwen2.5-72b',
  'gemma-2-2b',
  'gemma-2-9b',
  'gemma-2-27b',
  'gemma-3-1b',
  'gemma-3-4b',
  'gemma-3-12b',
  'gemma-3-27b',
  'phi-3.5-mini',
  'phi-4',
  'mistral-7b-v0.3',
  'mistral-nemo-12b',
  'mistral-small-24b',
  'mixtral-8x7b',
  'mixtral-8x22b',
  'qwen3-0.6b',
  'qwen3-1.7b',
  'qwen3-4b',
  'qwen3-8b',
  'qwen3-14b',
  'qwen3-32b',
  'qwen3-30b-a3b',
  'smollm2-135m',
  'smollm2-360m',
  'smollm2-1.7b',
  'falcon-180b',
];

/** Active parameters per token as the authors publish them (billions); each entry's notes say where from. */
const PUBLISHED_ACTIVE_B: Record<string, number> = {
  'mixtral-8x7b': 12.9,
  'mixtral-8x22b': 39,
  'qwen3-30b-a3b': 3.3,
  'qwen3-235b-a22b': 22,
  'qwen3-30b-a3b-instruct-2507': 3.3,
  'qwen3-235b-a22b-instruct-2507': 22,
  'qwen3-coder-30b-a3b': 3.3,
  'deepseek-v3': 37,
  'deepseek-r1': 37,
  'glm-4.5-air': 12,
  'glm-4.5': 32,
  'kimi-k2': 32,
  'llama-4-scout': 17,
  'llama-4-maverick': 17,
  'gpt-oss-20b': 3.6,
  'gpt-oss-120b': 5.1,
  'granite-4.0-h-small': 9,
  'gemma-4-26b-a4b': 3.8,
};
/**
 * MoE entries whose only published active count is the rounded figure in the model's name or card,
 * too coarse for a 5% check: the count from the shape is stated in the entry's notes instead.
 */
const ACTIVE_ONLY_ROUNDED: Record<string, string> = {
  'granite-4.0-h-tiny': 'IBM names it "1B active"; the tensors give 1.47B with the embeddings',
  'qwen3-next-80b-a3b': 'Qwen names it "A3B"; the tensors give 3.87B with the embeddings',
  'qwen3.5-35b-a3b': 'Qwen names it "A3B"; the tensors give 3.45B with the embeddings',
  'qwen3.6-35b-a3b': 'Qwen3.5 35B-A3B\'s layout, named "A3B" the same way; the tensors give 3.45B with the embeddings',
};
/** Published active counts that leave the input embedding out (OpenAI's gpt-oss model card counts active parameters without it). */
const ACTIVE_WITHOUT_EMBEDDING = new Set(['gpt-oss-20b', 'gpt-oss-120b']);
/** Published active counts that leave out both the input embedding and the output matrix (Z.ai's GLM-4.5: 12.18B and 32.08B without them). */
const ACTIVE_WITHOUT_EMBEDDINGS = new Set(['glm-4.5-air', 'glm-4.5']);

function get(id: string): CatalogModel {
  const m = byId.get(id);
  if (!m) throw new Error(`catalog lacks ${id}`);
  return m;
}

describe('resources/catalog/models.json', () => {
  it('parses against CatalogSchema and holds at least 45 models', () => {
    expect(catalog.version).toBe(1);
    expect(models.length).toBeGreaterThanOrEqual(45);
  });

  it('has unique ids', () => {
    const ids = models.map((m) => m.id);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes).toEqual([]);
  });

  it('includes every required model', () => {
    const missing = REQUIRED_IDS.filter((id) => !byId.has(id));
    expect(missing).toEqual([]);
  });

  it('spans 0.1B to 400B+ parameters', () => {
    const sizes = models.map((m) => m.publishedParamsB);
    expect(Math.min(...sizes)).toBeLessThanOrEqual(0.2);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(400);
  });

  it('cites a Hugging Face config.json (or, for a Mistral-format checkpoint, its params.json) as the source of each architecture', () => {
    for (const m of models) {
      expect(m.source, m.id).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/blob\/main\/(config|params)\.json$/);
      expect(m.notes ?? '', m.id).not.toBe('');
      for (const task of TASKS) {
        const scores = taskScores(m, task);
        // Each score on one of the task's benchmarks (or an accepted variant, MMLU-Redux for MMLU), at most one
        // per benchmark, so the ladder compares like with like.
        const scales = scores.map((q) => scaleFor(task, q.benchmark));
        for (const [i, q] of scores.entries()) expect(scales[i], `${m.id} ${task}: ${q.benchmark}`).toBeDefined();
        expect(new Set(scales).size, `${m.id} ${task}: two scores on one benchmark`).toBe(scores.length);
      }
      for (const [task, q] of TASKS.flatMap((t) => taskScores(m, t).map((q) => [t, q] as const))) {
        // The variant only where the model publishes no score on the benchmark itself.
        if (!TASK_SCALES[task].scales.some((x) => x.benchmark === q.benchmark))
          expect(q.detail ?? '', m.id).toMatch(/no MMLU published|baseline|README/);
        expect(q.score, m.id).toBeGreaterThan(0);
        expect(q.score, m.id).toBeLessThanOrEqual(100);
        expect(q.source, m.id).toMatch(/^https:\/\//);
        expect(q.date, m.id).toMatch(/^\d{4}-\d{2}/);
      }
    }
  });

  it('has consistent attention shapes', () => {
    for (const m of models) {
      expect(m.heads % m.kvHeads, `${m.id}: heads must be a multiple of kvHeads`).toBe(0);
      if (m.experts) expect(m.experts.active, m.id).toBeLessThanOrEqual(m.experts.count);
    }
  });

  it('gives Gemma 2 and Gemma 3 their sliding-window layout', () => {
    for (const m of models.filter((x) => x.arch === 'gemma2')) {
      expect(m.slidingWindow, m.id).toMatchObject({ period: 2, globalPerPeriod: 1 });
    }
    for (const m of models.filter((x) => x.arch === 'gemma3')) {
      expect(m.slidingWindow, m.id).toMatchObject({ period: 6, globalPerPeriod: 1 });
    }
  });

  it('marks the mixture-of-experts models as such', () => {
    expect(get('mixtral-8x7b').experts).toMatchObject({ count: 8, active: 2 });
    expect(get('mixtral-8x22b').experts).toMatchObject({ count: 8, active: 2 });
    expect(get('qwen3-30b-a3b')).toMatchObject({ arch: 'qwen3moe', experts: { count: 128, active: 8 } });
    for (const m of models.filter((x) => x.arch === 'qwen3moe')) expect(m.experts, m.id).toBeDefined();
  });

  describe('countParameters is within 3% of the published count', () => {
    for (const m of models) {
      it(m.id, () => {
        const counted = countParameters(m);
        const published = m.publishedParamsB * 1e9;
        const ratio = counted / published;
        expect(
          Math.abs(ratio - 1),
          `${m.id}: counted ${(counted / 1e9).toFixed(3)}B vs published ${m.publishedParamsB}B`,
        ).toBeLessThanOrEqual(0.03);
      });
    }
  });

  describe('active parameters of MoE models match the published active count within 5%', () => {
    it('covers every MoE entry', () => {
      const moe = models
        .filter((m) => m.experts)
        .map((m) => m.id)
        .sort();
      expect(moe).toEqual([...Object.keys(PUBLISHED_ACTIVE_B), ...Object.keys(ACTIVE_ONLY_ROUNDED)].sort());
    });
    for (const [id, why] of Object.entries(ACTIVE_ONLY_ROUNDED)) {
      it(`${id}: only a rounded figure is published, and its notes give the count from the tensors`, () => {
        const m = get(id);
        const counted = (countActiveParameters(m) + (m.tiedEmbeddings ? 0 : m.hiddenSize * m.vocabSize)) / 1e9;
        expect(why).toContain(`${counted.toFixed(2)}B`);
        expect(m.notes ?? '').toContain(`${counted.toFixed(2)}B`);
        expect(m.notes ?? '').toMatch(/rounded/);
      });
    }
    for (const [id, activeB] of Object.entries(PUBLISHED_ACTIVE_B)) {
      it(id, () => {
        const m = get(id);
        expect(m.notes ?? '', `${id}: notes should state the published active count`).toContain(`${activeB}B`);
        // countActiveParameters skips the input embedding (a lookup); published "active" counts include it,
        // and also the output matrix (which countActiveParameters already counts, once, when tied).
        const table = m.hiddenSize * m.vocabSize;
        const embedding = ACTIVE_WITHOUT_EMBEDDINGS.has(id) ? -table : m.tiedEmbeddings || ACTIVE_WITHOUT_EMBEDDING.has(id) ? 0 : table;
        const active = countActiveParameters(m) + embedding;
        const ratio = active / (activeB * 1e9);
        expect(Math.abs(ratio - 1), `${id}: counted ${(active / 1e9).toFixed(2)}B active vs published ${activeB}B`).toBeLessThanOrEqual(
          0.05,
        );
        expect(countActiveParameters(m)).toBeLessThan(countParameters(m) / 2);
      });
    }
  });
});
