// A GGUF file written the way llama.cpp's converter writes it is linked to its catalog model
// through what the header says (head sizes, widths, vocabulary), not through its name.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogIdOf } from '../../src/core/catalog-match';
import { writeGgufModel } from '../../src/node/gguf-writer';
import { modelFromFile } from '../../src/node/models/resolve';
import { CatalogSchema } from '../../src/shared/schema';

const catalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const TMP = mkdtempSync(join(tmpdir(), 'rightsize-catalog-match-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('catalog match from a real GGUF header', () => {
  // One of each architecture the writer knows, an MoE among them; sparse files cost no disk.
  const ids = [...new Set(catalog.map((m) => m.arch))].map((arch) => catalog.find((m) => m.arch === arch)?.id as string);

  it.each(ids)('%s', async (id) => {
    const m = catalog.find((x) => x.id === id);
    if (!m) throw new Error(id);
    const path = join(TMP, `${id}.gguf`);
    // A neutral name: the match must come from the numbers.
    await writeGgufModel(path, { shape: { ...m }, precision: 'Q8_0', data: 'sparse', name: 'some file' });
    const { sizable } = await modelFromFile(path);
    const found = catalogIdOf(sizable.shape, catalog, { maxContext: sizable.maxContext });
    const same = catalog.filter(
      (x) => x.arch === m.arch && x.layers === m.layers && x.hiddenSize === m.hiddenSize && x.vocabSize === m.vocabSize,
    );
    expect(same.map((x) => x.id)).toContain(found);
  });
});
