// The shipped catalog for tests that reason about one entry at a time.
import { loadCatalog } from '../../src/node/resources';
import type { CatalogModel } from '../../src/shared/schema';

/** The catalog entry with this id; a test naming one that is gone fails here, with the id. */
export function catalogEntry(id: string): CatalogModel {
  const m = loadCatalog().find((x) => x.id === id);
  if (!m) throw new Error(`catalog lacks ${id}`);
  return m;
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
