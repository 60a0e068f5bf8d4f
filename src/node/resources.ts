// Loads the catalogs shipped in resources/. The folder is found by walking up from this module:
// src/node/ in tests, out/main/ or out/main/chunks/ in the build, inside app.asar when packaged.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CatalogSchema,
  GgufSourcesSchema,
  GpuPromptRatesSchema,
  GpuPresetsSchema,
  MachinePresetsSchema,
  type CatalogModel,
  type GgufSource,
  type GpuPreset,
  type GpuPromptRates,
  type MachinePreset,
} from '../shared/schema';

let resourcesDirCache: string | null = null;

function resourcesDir(): string {
  if (resourcesDirCache) return resourcesDirCache;
  for (const up of ['../', '../../', '../../../', '../../../../']) {
    const dir = fileURLToPath(new URL(`${up}resources/`, import.meta.url));
    if (existsSync(`${dir}catalog/models.json`)) {
      resourcesDirCache = dir;
      return dir;
    }
  }
  throw new Error(
    `rightsize's resources folder (catalog/models.json) was not found above ${fileURLToPath(import.meta.url)}. Reinstall rightsize.`,
  );
}

function readJson(relative: string): unknown {
  const path = resourcesDir() + relative;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}. Reinstall rightsize or restore the file from the repository.`);
  }
}

let catalogCache: CatalogModel[] | null = null;
let presetsCache: GpuPreset[] | null = null;
let machinesCache: MachinePreset[] | null = null;

export function loadCatalog(): CatalogModel[] {
  catalogCache ??= CatalogSchema.parse(readJson('catalog/models.json')).models;
  return catalogCache;
}

export function loadGpuPresets(): GpuPreset[] {
  presetsCache ??= GpuPresetsSchema.parse(readJson('hardware/gpus.json')).gpus;
  return presetsCache;
}

/** Whole-machine presets (resources/hardware/machines.json); their GPUs are ids into loadGpuPresets(). */
export function loadMachinePresets(): MachinePreset[] {
  machinesCache ??= MachinePresetsSchema.parse(readJson('hardware/machines.json')).machines;
  return machinesCache;
}

let promptRatesCache: GpuPromptRates['rates'] | null = null;

/** GPU prompt rates from published runs (resources/hardware/gpu-prompt-rates.json), by preset id and backend. */
export function loadGpuPromptRates(): GpuPromptRates['rates'] {
  promptRatesCache ??= GpuPromptRatesSchema.parse(readJson('hardware/gpu-prompt-rates.json')).rates;
  return promptRatesCache;
}

let ggufSourcesCache: GgufSource[] | null = null;

/** Where catalog models' GGUF files can be fetched by name (resources/catalog/gguf-sources.json). */
export function loadGgufSources(): GgufSource[] {
  ggufSourcesCache ??= GgufSourcesSchema.parse(readJson('catalog/gguf-sources.json')).sources;
  return ggufSourcesCache;
}
