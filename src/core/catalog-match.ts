// Links a GGUF file to the catalog model it is a copy of, by its architecture numbers: a file
// carries no catalog id, but a quantized Llama 3.1 8B has Llama 3.1 8B's layers, heads and widths.
import { publishedScores } from '../shared/ladder';
import type { CatalogModel, PublishedScore } from '../shared/schema';
import type { ModelShape } from './tensors';

// Architectures llama.cpp loads under one name: Mistral's dense models are written as `llama`.
const ARCH_FAMILY: Partial<Record<string, string>> = { mistral: 'llama' };
const familyOf = (arch: string): string => ARCH_FAMILY[arch] ?? arch;

/** What a file may add to tell apart catalog models of the same shape (Llama 3 8B and 3.1 8B). */
export interface CatalogMatchHints {
  /** The file's trained context (`%s.context_length`). */
  maxContext?: number;
  /** The file's general.name or file name. */
  name?: string;
}

function sameShape(shape: ModelShape, model: CatalogModel): boolean {
  if (familyOf(shape.arch) !== familyOf(model.arch)) return false;
  const numbers = ['layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'ffnSize', 'vocabSize'] as const;
  if (numbers.some((key) => shape[key] !== model[key])) return false;
  const a = shape.experts;
  const b = model.experts;
  if (!a || !b) return !a && !b;
  return a.count === b.count && a.active === b.active;
}

/** How well a name names a catalog model: how many parts of its id (llama, 3.1, 8b) the name holds. */
function nameScore(name: string, model: CatalogModel): number {
  const words = new Set(
    name
      .toLowerCase()
      .split(/[^a-z0-9.]+/)
      .filter(Boolean),
  );
  // Words of the id the name lacks count against it: "Qwen2.5-14B-Instruct" names qwen2.5-14b, not
  // qwen2.5-coder-14b, and without a name the plainest id (the base model, not a fine-tune) wins.
  const parts = model.id.split('-');
  const found = parts.filter((part) => words.has(part)).length;
  return found - (parts.length - found);
}

/**
 * The id of the catalog model whose architecture the file's shape is, or null. Where several
 * share a shape, the one with the file's trained context, then the one its name names best (the
 * plainest id without a name), then the newest.
 */
export function catalogIdOf(shape: ModelShape, catalog: readonly CatalogModel[], hints: CatalogMatchHints = {}): string | null {
  const matches = catalog.filter((model) => sameShape(shape, model));
  if (matches.length <= 1) return matches[0]?.id ?? null;
  const score = (model: CatalogModel): number[] => [
    hints.maxContext !== undefined && hints.maxContext === model.maxContext ? 1 : 0,
    nameScore(hints.name ?? '', model),
    Number(model.released.replace('-', '')),
  ];
  const better = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < a.length; i++) if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
    return false;
  };
  let best = matches[0] as CatalogModel;
  for (const model of matches.slice(1)) if (better(score(model), score(best))) best = model;
  return best.id;
}

/**
 * The catalog model a sized model is (a file: the one with its architecture numbers) and its published
 * scores, or none where it matches no catalog entry.
 */
export function scoresOf(
  model: { modelId: string; origin: 'catalog' | 'file'; shape: ModelShape; maxContext: number; name: string },
  catalog: readonly CatalogModel[],
): { catalogId: string | null; scores: PublishedScore[] } {
  const id =
    model.origin === 'catalog' ? model.modelId : catalogIdOf(model.shape, catalog, { maxContext: model.maxContext, name: model.name });
  const found = id === null ? undefined : catalog.find((m) => m.id === id);
  return found ? { catalogId: found.id, scores: publishedScores(found) } : { catalogId: null, scores: [] };
}
