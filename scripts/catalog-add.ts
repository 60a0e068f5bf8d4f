// npm run catalog:add -- path/to/config.json [--id ID] [--name NAME] [--params-b N]
//   [--gguf-size QUANT=BYTES@URL ...] [--repo OWNER/NAME] [--released YYYY-MM] [--license L] [--family F] [--write]
//   [--catalog PATH]   (another models.json to write to; default resources/catalog/models.json)
//
// Turns a Hugging Face config.json into a catalog entry (src/core/catalog-config.ts does the mapping),
// prints it with the parameter count and GGUF sizes rebuilt from it, and with --write appends it to
// resources/catalog/models.json (refusing an id that is already there).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { addToCatalog, catalogEntryFromConfig, CatalogConfigError, parseGgufSizeArg } from '../src/core/catalog-config';
import { layoutFor } from '../src/core/estimate';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CATALOG = path.join(ROOT, 'resources/catalog/models.json');
const HF_CONFIG_URL = /^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/blob\/main\/config\.json$/;
const USAGE =
  'Usage: npm run catalog:add -- path/to/config.json [--id ID] [--name NAME] [--params-b N] ' +
  '[--gguf-size QUANT=BYTES@URL ...] [--repo OWNER/NAME] [--released YYYY-MM] [--license L] [--family F] [--write]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function formatJson(text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(DEFAULT_CATALOG)) ?? {};
    return await prettier.format(text, { ...config, parser: 'json' });
  } catch {
    return text; // prettier is a dev dependency; without it the file is still valid JSON
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      family: { type: 'string' },
      'params-b': { type: 'string' },
      'gguf-size': { type: 'string', multiple: true },
      repo: { type: 'string' },
      source: { type: 'string' },
      released: { type: 'string' },
      license: { type: 'string' },
      write: { type: 'boolean', default: false },
      catalog: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const file = positionals[0];
  if (!file) fail(USAGE);
  let config: unknown;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`Cannot read ${file} as JSON: ${(error as Error).message}`);
  }

  const named =
    typeof (config as { _name_or_path?: unknown })._name_or_path === 'string' ? (config as { _name_or_path: string })._name_or_path : '';
  const repo = values.repo ?? (/^[\w.-]+\/[\w.-]+$/.test(named) ? named : undefined);
  const source = values.source ?? (repo ? `https://huggingface.co/${repo}/blob/main/config.json` : path.resolve(file));
  const fallbackId = repo
    ? (repo.split('/')[1] as string)
    : path.basename(path.basename(file) === 'config.json' ? path.dirname(path.resolve(file)) : file, '.json');
  const paramsB = values['params-b'] === undefined ? undefined : Number(values['params-b']);
  if (paramsB !== undefined && !(paramsB > 0)) fail(`--params-b wants a positive number of billions, got "${values['params-b']}".`);
  const released = values.released ?? new Date().toISOString().slice(0, 7);
  if (!values.released) console.warn(`No --released: using ${released}; set the model's release month (YYYY-MM).`);

  const { entry, countedParams, warnings } = catalogEntryFromConfig(config, {
    id: values.id ?? fallbackId,
    ...(values.name ? { name: values.name } : {}),
    ...(values.family ? { family: values.family } : {}),
    ...(paramsB !== undefined ? { paramsB } : {}),
    ...(values.license ? { license: values.license } : {}),
    source,
    released,
    ggufSizes: (values['gguf-size'] ?? []).map(parseGgufSizeArg),
  });

  console.log(JSON.stringify(entry, null, 2));
  for (const warning of warnings) console.warn(`note: ${warning}`);
  const published = entry.publishedParamsB * 1e9;
  const diff = ((countedParams / published - 1) * 100).toFixed(2);
  console.log(`Parameters rebuilt from the shape: ${(countedParams / 1e9).toFixed(3)}B (entry says ${entry.publishedParamsB}B, ${diff}%).`);
  for (const g of entry.ggufSizes ?? []) {
    const rebuilt = layoutFor(entry, g.quant).totalBytes;
    console.log(
      `GGUF ${g.quant}: rebuilt ${(rebuilt / 1e9).toFixed(3)} GB vs listed ${(g.bytes / 1e9).toFixed(3)} GB (${((rebuilt / g.bytes - 1) * 100).toFixed(2)}%).`,
    );
  }

  if (!values.write) return;
  if (!HF_CONFIG_URL.test(entry.source)) {
    fail(`--write needs the config.json's Hugging Face page as the entry's source: pass --repo OWNER/NAME (got ${entry.source}).`);
  }
  const catalog = values.catalog ? path.resolve(values.catalog) : DEFAULT_CATALOG;
  const text = fs.readFileSync(catalog, 'utf8');
  const next = addToCatalog(JSON.parse(text), entry);
  // Append the entry's text before the models array closes, so the rest of the file stays byte for byte.
  const end = /\}\s*\]\s*\}\s*$/.exec(text);
  const appended = end
    ? `${text.slice(0, end.index + 1)},\n${JSON.stringify(entry, null, 2)}\n]\n}\n`
    : `${JSON.stringify(next, null, 2)}\n`;
  fs.writeFileSync(catalog, await formatJson(appended));
  console.log(`Added ${entry.id} to ${path.relative(process.cwd(), catalog)}.`);
}

main().catch((error: unknown) => {
  if (error instanceof CatalogConfigError) fail(error.message);
  throw error;
});
