// Human output of `rightsize models`: the files found and every place searched.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { DiscoveredModel, ModelList, SearchedLocation } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

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
    const mmproj = model.mmproj ? `\n${c.dim(`+ vision projector ${formatBytes(model.mmproj.bytes, 2)}: ${model.mmproj.path}`)}` : '';
    table.push([name, model.source, { content: `${formatBytes(model.bytes, 2)}${parts}`, hAlign: 'right' }, `${model.path}${mmproj}`]);
  }
  return table.toString();
}

function statusLabel(location: SearchedLocation, c: Colors): string {
  const label = location.status.padEnd(7);
  if (location.status === 'ok') return c.green(label);
  if (location.status === 'missing') return c.dim(label);
  return c.yellow(label);
}

export function formatModels(result: ModelList, useColor: boolean): string {
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
