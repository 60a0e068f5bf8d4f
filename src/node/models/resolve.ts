// Turns what a user names (a GGUF path or a catalog id) into something the engine sizes, and
// sizes it: the adapter between files on disk and the pure core.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_PRECISION } from '../../shared/defaults';
import { PRECISIONS, type KvType, type Precision } from '../../shared/precision';
import type { EstimateResult, HardwareSnapshot, SpeedCalibration } from '../../shared/schema';
import { computeTarget } from '../../core/budget';
import { layoutWeightsWithTypes, type ContextRuntime } from '../../core/estimate';
import type { SplitMode } from '../../core/fit';
import { modelFromGguf } from '../../core/gguf-model';
import { GgufError } from '../../core/gguf-types';
import { catalogModelAt, sizeModel, type SizableModel } from '../../core/report';
import { countActiveParameters } from '../../core/tensors';
import { readGgufHeader } from './gguf-file';
import { loadCatalog } from '../resources';

export class ModelArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelArgError';
  }
}

export interface ResolvedModel {
  sizable: SizableModel;
  architecture: string;
  fileBytes: number | null;
}

/** A GGUF file on disk, sized from its header (its real tensors and their types). */
export async function modelFromFile(path: string): Promise<ResolvedModel> {
  const absolute = resolve(path);
  const header = await readGgufHeader(absolute);
  const model = modelFromGguf(header);
  const info = await stat(absolute);
  const base = absolute.split(/[\\/]/).pop() ?? absolute;
  const paramsB = Math.max(1e-9, model.parameterCount / 1e9);
  const activeParamsB = model.shape.experts ? countActiveParameters(model.shape) / 1e9 : paramsB;
  return {
    architecture: model.architecture,
    fileBytes: info.size,
    sizable: {
      modelId: `file:${absolute}`,
      name: model.name ? `${model.name} (${base})` : base,
      family: 'Local files',
      paramsB,
      activeParamsB: Math.min(paramsB, activeParamsB),
      shape: model.shape,
      maxContext: model.maxContext,
      quant: model.precisionName,
      weights: layoutWeightsWithTypes(model.shape, model.tensors, model.types),
      origin: 'file',
      filePath: absolute,
      weightsFrom: `the ${header.tensors.length} tensors and types in ${base} (GGUF v${header.version}, ${model.architecture})`,
    },
  };
}

/** Catalog ids that look like what was typed: same start first, then most shared words. */
function closestIds(id: string, ids: string[]): string[] {
  const typed = id.toLowerCase();
  const words = typed.split(/[^a-z0-9.]+/).filter(Boolean);
  const score = (candidate: string): number => (candidate.startsWith(typed) ? 100 : 0) + words.filter((w) => candidate.includes(w)).length;
  return ids
    .map((candidate) => ({ candidate, s: score(candidate) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s)
    .slice(0, 5)
    .map((x) => x.candidate);
}

/** `arg` is a path to a .gguf file or a catalog id (e.g. llama-3.1-8b). */
export async function resolveModelArg(arg: string, quant?: string): Promise<ResolvedModel> {
  const looksLikePath = /[\\/]/.test(arg) || arg.toLowerCase().endsWith('.gguf');
  if (looksLikePath) {
    if (quant) throw new ModelArgError(`--quant applies to catalog models; a GGUF file has its own types (${arg}).`);
    try {
      return await modelFromFile(arg);
    } catch (error) {
      if (error instanceof GgufError) throw new ModelArgError(error.message);
      throw error;
    }
  }
  const catalog = loadCatalog();
  const model = catalog.find((m) => m.id === arg.toLowerCase());
  if (!model) {
    const near = closestIds(
      arg,
      catalog.map((m) => m.id),
    );
    throw new ModelArgError(
      `"${arg}" is neither a GGUF file nor a catalog id.${near.length ? ` Did you mean: ${near.join(', ')}?` : ''} \`rightsize report\` lists the catalog; a file path must exist and end in .gguf.`,
    );
  }
  const q = (quant ?? DEFAULT_PRECISION).toUpperCase();
  if (!PRECISIONS.includes(q as Precision)) throw new ModelArgError(`--quant "${quant}" is not one of ${PRECISIONS.join(', ')}.`);
  return { sizable: catalogModelAt(model, q as Precision), architecture: model.arch, fileBytes: null };
}

export function estimateResolved(
  resolved: ResolvedModel,
  hardware: HardwareSnapshot,
  settings: {
    contextTokens: number;
    kvType: KvType;
    gpuLayers: number | 'auto';
    calibration?: SpeedCalibration | null;
    tensorSplit?: readonly number[];
    splitMode?: SplitMode;
    mainGpu?: number;
    runtime?: ContextRuntime;
    /** llama.cpp's --n-cpu-moe N; absent: chosen for an MoE that does not fit the GPU whole. */
    nCpuMoe?: number;
  },
): EstimateResult {
  const target = computeTarget(hardware);
  const { sizable } = resolved;
  const { row, fit } = sizeModel(sizable, hardware, target, settings, settings.gpuLayers === 'auto' ? undefined : settings.gpuLayers);
  const p = fit.placement;
  return {
    model: {
      id: sizable.modelId,
      name: sizable.name,
      origin: sizable.origin,
      path: sizable.filePath ?? null,
      architecture: resolved.architecture,
      quant: sizable.quant,
      paramsB: sizable.paramsB,
      layers: sizable.shape.layers,
      maxContext: sizable.maxContext,
      fileBytes: resolved.fileBytes,
      weightsSource: {
        kind: sizable.origin === 'file' ? 'detected' : 'estimated',
        by: sizable.origin === 'file' ? 'gguf header' : 'estimate.per-tensor',
        detail: sizable.weightsFrom,
      },
    },
    settings: {
      contextTokens: row.contextTokens,
      kvType: settings.kvType,
      gpuLayers: settings.gpuLayers,
      ...(settings.nCpuMoe !== undefined ? { nCpuMoe: settings.nCpuMoe } : {}),
    },
    backend: target.backend,
    fit: fit.fit,
    gpuLayers: fit.gpuLayers,
    totalLayers: fit.totalLayers,
    cpuMoeLayers: fit.cpuMoeLayers,
    expertsInRamReadBytesPerToken: fit.cpuMoeLayers > 0 ? p.expertsInRamReadBytesPerToken : 0,
    devices: { gpu: p.gpu, cpu: p.cpu },
    ...(p.gpus.length > 1
      ? {
          gpus: p.gpus.map((d, i) => ({
            name: target.gpus[i]?.name ?? `GPU ${i}`,
            weightsBytes: d.weightsBytes,
            kvBytes: d.kvBytes,
            computeBytes: d.computeBytes,
            totalBytes: d.totalBytes,
            budgetBytes: target.gpuBudgetsBytes[i] ?? 0,
          })),
        }
      : {}),
    totalBytes: p.totalBytes,
    peakLoadBytes: p.peakLoadBytes,
    tokPerSec: row.tokPerSec,
    promptTokPerSec: row.promptTokPerSec,
    why: fit.why,
    budget: target.budget,
    memorySource: row.memorySource,
    speedSource: row.speedSource,
    promptSource: row.promptSource,
  };
}
