// Reading the report's rows the way the panels ask the host about them.
import type { ReportRow } from '../../shared/schema';

/** The catalog models among the report's rows, once each, labelled with their size: the models a panel offers. */
export function catalogModels(rows: readonly ReportRow[]): Array<{ id: string; label: string }> {
  const seen = new Map<string, { id: string; label: string }>();
  for (const r of rows)
    if (r.origin === 'catalog' && !seen.has(r.modelId)) seen.set(r.modelId, { id: r.modelId, label: `${r.name} (${r.paramsB}B)` });
  return [...seen.values()];
}

/**
 * How a method that sizes one model names a row's model: a file by its path, a remote file by its URL
 * or hf: reference (the quant is part of it), a catalog model by id and precision.
 */
export function modelRefOf(row: Pick<ReportRow, 'origin' | 'filePath' | 'modelId' | 'quant'>): {
  model: string;
  quant?: ReportRow['quant'];
} {
  if (row.origin === 'file' && row.filePath) return { model: row.filePath };
  if (row.origin === 'file' && row.modelId.startsWith('url:')) return { model: row.modelId.slice('url:'.length) };
  if (row.origin === 'file' && row.modelId.startsWith('hf:')) return { model: row.modelId };
  return { model: row.modelId, quant: row.quant };
}

/**
 * The layers a benchmark of the file puts on the GPU: the file's own placement where it is the CPU or a plain split, so
 * the run lands on the row it measures; 'auto' (node-llama-cpp's fit) where every layer goes to the GPU, or where the
 * row keeps experts in RAM, which a benchmark cannot.
 */
export function benchLayersOf(file: Pick<ReportRow, 'fit' | 'gpuLayers' | 'cpuMoeLayers'>): number | 'auto' {
  if (file.fit === 'cpu') return 0;
  return file.fit === 'partial' && !file.cpuMoeLayers ? file.gpuLayers : 'auto';
}
