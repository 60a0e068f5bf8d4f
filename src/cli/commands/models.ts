// `rightsize models`: the GGUF files already on this machine (LM Studio, Ollama, the Hugging Face
// cache, node-llama-cpp, folders named with --folder) and where it looked.
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import pc from 'picocolors';
import { discoverModels, type DiscoverOptions, type DiscoveredModel, type DiscoveryResult, type SearchedLocation } from '../../node/models/discovery';
import { UserFacingError } from '../../node/service';
import { formatBytes } from '../../shared/units';

export const MODELS_USAGE = `rightsize models [--json] [--folder DIR]... [--no-color]
  Lists the GGUF models already on this machine (LM Studio, Ollama, Hugging Face cache,
  node-llama-cpp) with their exact sizes, and which folders were searched.
  --folder DIR  Also search this folder (recursively, 6 levels); repeat for more.
  --json        { models, searched } as JSON, alone on stdout.
`;

export interface ModelsIO {
  stdout(text: string): void;
  stderr(text: string): void;
  isTTY: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

function modelOrigin(model: DiscoveredModel): string {
  if (model.hfRepo) return model.hfRepo;
  if (model.lmStudioRepo) return model.lmStudioRepo;
  return '';
}

function formatModelsTable(models: DiscoveredModel[], c: Colors): string {
  const table = new Table({
    head: ['Name', 'Source', 'Size', 'Path'].map((h) => c.bold(h)),
    style: { head: [], border: [] },
  });
  for (const model of models) {
    const origin = modelOrigin(model);
    const name = origin && origin !== model.displayName ? `${model.displayName}\n${c.dim(origin)}` : model.displayName;
    const parts = model.shardOf ? c.dim(` (${model.shardOf.total} parts)`) : '';
    table.push([name, model.source, { content: `${formatBytes(model.bytes, 2)}${parts}`, hAlign: 'right' }, model.path]);
  }
  return table.toString();
}

function statusLabel(location: SearchedLocation, c: Colors): string {
  const label = location.status.padEnd(7);
  if (location.status === 'ok') return c.green(label);
  if (location.status === 'missing') return c.dim(label);
  return c.yellow(label);
}

export function formatModels(result: DiscoveryResult, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const lines: string[] = [];
  if (result.models.length === 0) {
    lines.push(c.bold('No GGUF models found in the usual places.'));
    lines.push('Add the folder where you keep them: rightsize models --folder DIR');
  } else {
    lines.push(c.bold(`GGUF models on this machine (${result.models.length})`));
    lines.push(formatModelsTable(result.models, c));
  }
  lines.push('');
  lines.push(c.bold('Searched'));
  const sourceWidth = Math.max(...result.searched.map((s) => s.source.length), 6);
  for (const location of result.searched) {
    const detail = location.detail ? c.dim(`  (${location.detail})`) : '';
    lines.push(`  ${statusLabel(location, c)} ${location.source.padEnd(sourceWidth)}  ${location.path}${detail}`);
  }
  return lines.join('\n');
}

/**
 * Runs `rightsize models`. Unknown flags throw parseArgs' ERR_PARSE_ARGS_* errors for the caller
 * to print. `options` points the search elsewhere (tests use a fake home).
 */
export async function runModels(args: string[], io: ModelsIO, options: Pick<DiscoverOptions, 'home' | 'env' | 'platform' | 'maxFiles' | 'timeoutMs'> = {}): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      json: { type: 'boolean', default: false },
      folder: { type: 'string', multiple: true },
      'no-color': { type: 'boolean', default: false },
    },
  });
  const folders = values.folder ?? [];
  if (folders.some((f) => f.trim() === '')) throw new UserFacingError('--folder needs a folder path, e.g. --folder ~/models.', 'usage');
  const env = options.env ?? process.env;
  const result = await discoverModels({ ...options, env, extraFolders: folders });
  if (values.json) {
    io.stdout(`${JSON.stringify({ models: result.models, searched: result.searched }, null, 2)}\n`);
  } else {
    const useColor = !values['no-color'] && io.isTTY && !env.NO_COLOR;
    io.stdout(`${formatModels(result, useColor)}\n`);
  }
  return 0;
}
