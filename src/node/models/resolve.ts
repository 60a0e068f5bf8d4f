// Turns what a user names (a GGUF path, a GGUF URL, hf:ORG/REPO[:QUANT] or a catalog id) into
// something the engine sizes, and sizes it: the adapter between files and the pure core.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_PRECISION } from '../../shared/defaults';
import { PRECISIONS, type KvType, type Precision } from '../../shared/precision';
import type { BenchRecord, EstimateResult, HardwareSnapshot, SpeedCalibration } from '../../shared/schema';
import { contextLimits } from '../../core/context-limits';
import { computeTarget, type ComputeTarget } from '../../core/budget';
import { layoutWeightsWithTypes, type ContextRuntime } from '../../core/estimate';
import type { SplitMode } from '../../core/fit';
import { modelFromGguf } from '../../core/gguf-model';
import { GgufError, type GgufHeader } from '../../core/gguf-types';
import { applyBenchRuns, catalogModelAt, rowPromptWork, sizeModel, type SizableModel } from '../../core/report';
import { countActiveParameters } from '../../core/tensors';
import { readGgufHeader } from './gguf-file';
import { loadCatalog } from '../resources';
import { defaultCacheDir } from '../hardware/cache';
import { listCachedRemoteModels } from '../remote/cache';
import { hfEndpoint, hfToken, listHfGguf, parseHfRef, pickHfQuant, quantOfPath, type HfGgufFile, type HfRef } from '../remote/hf';
import { redact, RemoteGgufError, shownUrl, type HttpOptions } from '../remote/http-source';
import { readRemoteGguf } from '../remote/remote-gguf';

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
  /** A vision projector the model's source pairs with it (`rightsize models` found it with the model). */
  projector?: { path: string; bytes: number; where: string };
  /** A GGUF read over HTTP: where from, and whether its header came from the cache. */
  remote?: { url: string; parts: number; etag: string | null; fromCache: boolean; bytesReceived: number };
}

/** Where a header came from, for the model's id, name and the memory source. */
interface HeaderOrigin {
  modelId: string;
  /** The file's name (for a URL, the last part of its path). */
  base: string;
  family: string;
  fileBytes: number;
  filePath?: string;
  /** " at huggingface.co" and the like, after the file name in the memory source. */
  where?: string;
}

/** The one path from a parsed header to a sizable model, for a file on disk and one at a URL alike. */
function resolvedFromHeader(header: GgufHeader, origin: HeaderOrigin): ResolvedModel {
  const model = modelFromGguf(header);
  const paramsB = Math.max(1e-9, model.parameterCount / 1e9);
  const activeParamsB = model.shape.experts ? countActiveParameters(model.shape) / 1e9 : paramsB;
  return {
    architecture: model.architecture,
    fileBytes: origin.fileBytes,
    sizable: {
      modelId: origin.modelId,
      name: model.name ? `${model.name} (${origin.base})` : origin.base,
      family: origin.family,
      paramsB,
      activeParamsB: Math.min(paramsB, activeParamsB),
      shape: model.shape,
      maxContext: model.maxContext,
      quant: model.precisionName,
      weights: layoutWeightsWithTypes(model.shape, model.tensors, model.types),
      origin: 'file',
      ...(origin.filePath ? { filePath: origin.filePath } : {}),
      weightsFrom: `the ${header.tensors.length} tensors and types in ${origin.base}${origin.where ?? ''} (GGUF v${header.version}, ${model.architecture})`,
    },
  };
}

/** A GGUF file on disk, sized from its header (its real tensors and their types). */
export async function modelFromFile(path: string): Promise<ResolvedModel> {
  const absolute = resolve(path);
  const header = await readGgufHeader(absolute);
  const info = await stat(absolute);
  const base = absolute.split(/[\\/]/).pop() ?? absolute;
  return resolvedFromHeader(header, { modelId: `file:${absolute}`, base, family: 'Local files', fileBytes: info.size, filePath: absolute });
}

/** How remote GGUFs are read: defaults from the environment (HF_TOKEN, RIGHTSIZE_HF_ENDPOINT, the cache folder). */
export interface RemoteModelOptions extends Pick<HttpOptions, 'timeoutMs' | 'fetch'> {
  env?: NodeJS.ProcessEnv;
  /** Where remote headers are cached; null: no cache. Default: defaultCacheDir(env). */
  cacheDir?: string | null;
  /** A Hugging Face token; default HF_TOKEN. Sent to the Hugging Face endpoint's host only. */
  token?: string | null;
}

const isUrl = (arg: string): boolean => /^https?:\/\//i.test(arg.trim());

/** A model named by URL or Hugging Face reference (hf:, hf.co/, huggingface.co/): read over HTTP, never a local path. */
export const isRemoteRef = (arg: string): boolean => isUrl(arg) || /^(?:hf:|hf\.co\/|huggingface\.co\/)/i.test(arg.trim());

/**
 * A GGUF at an http(s) URL, sized from its header read over range requests (a split model's first
 * part brings the others); the header is cached by URL and ETag.
 */
export async function modelFromUrl(url: string, options: RemoteModelOptions = {}, modelId = `url:${url}`): Promise<ResolvedModel> {
  const env = options.env ?? process.env;
  const hfHost = new URL(hfEndpoint(env)).host;
  const remote = await readRemoteGguf(url, {
    cacheDir: options.cacheDir === undefined ? defaultCacheDir(env) : options.cacheDir,
    token: options.token === undefined ? hfToken(env) : options.token,
    tokenHost: hfHost,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const u = new URL(url);
  const last = u.pathname.split('/').pop() || u.host;
  const base = ((): string => {
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  })();
  const parts = remote.parts.length > 1 ? `, ${remote.parts.length} parts` : '';
  const resolved = resolvedFromHeader(remote.header, {
    modelId,
    base,
    family: 'Remote files',
    fileBytes: remote.fileBytes,
    where: ` at ${u.host}${parts}`,
  });
  const etag = remote.parts[0]?.etag ?? null;
  return {
    ...resolved,
    remote: { url: shownUrl(url), parts: remote.parts.length, etag, fromCache: remote.fromCache, bytesReceived: remote.bytesReceived },
  };
}

/** What a hf: reference names: its repository's GGUF models (one per quant), sized. */
interface HfModels {
  repo: string;
  models: ResolvedModel[];
  /** Projector files (mmproj-*.gguf) in the repository, not sized on their own. */
  mmproj: readonly string[];
  /** Quants whose header could not be read (the others are still sized), with why. */
  failed: Array<{ quant: string; message: string }>;
}

async function hfFiles(
  ref: HfRef,
  quant: string | undefined,
  options: RemoteModelOptions,
): Promise<{ files: HfGgufFile[]; mmproj: readonly string[] }> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir(env) : options.cacheDir;
  let listing: Parameters<typeof pickHfQuant>[0];
  try {
    listing = await listHfGguf(ref.repo, {
      env,
      token: options.token === undefined ? hfToken(env) : options.token,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  } catch (error) {
    // Offline: the repository's files whose headers are cached stand in for its listing.
    const offline = error instanceof RemoteGgufError && (error.reason === 'network' || error.reason === 'timeout');
    const cached = offline && cacheDir ? await cachedHfFiles(ref.repo, cacheDir, env) : [];
    if (cached.length === 0) throw error;
    listing = { repo: ref.repo, files: cached, mmproj: [], incomplete: [] };
  }
  return { files: pickHfQuant(listing, quant ?? ref.quant), mmproj: listing.mmproj };
}

/** The files of a repository whose headers are in the cache, as its listing would give them. */
async function cachedHfFiles(repo: string, cacheDir: string, env: NodeJS.ProcessEnv): Promise<HfGgufFile[]> {
  const prefix = `${hfEndpoint(env)}/${repo}/resolve/main/`;
  const pathOf = (url: string): string => url.slice(prefix.length).split('/').map(decodeURIComponent).join('/');
  return (await listCachedRemoteModels(cacheDir))
    .filter((m) => m.url.startsWith(prefix))
    .map((m) => ({
      quant: quantOfPath(pathOf(m.url)),
      paths: m.parts.map((p) => pathOf(p.url)),
      urls: m.parts.map((p) => p.url),
      bytes: m.fileBytes,
    }));
}

function sizeHfFile(repo: string, file: HfGgufFile, options: RemoteModelOptions): Promise<ResolvedModel> {
  return modelFromUrl(file.urls[0] as string, options, `hf:${repo}:${file.quant}`);
}

/** `hf:ORG/REPO[:QUANT]`: the quant named (by `quant` or after the repository), or every quant of the repository. */
export async function modelsFromHf(ref: string | HfRef, quant?: string, options: RemoteModelOptions = {}): Promise<HfModels> {
  const parsed = typeof ref === 'string' ? parseHfRef(ref) : ref;
  if (!parsed) throw new ModelArgError(`"${String(ref)}" is not a Hugging Face reference: write hf:ORG/REPO or hf:ORG/REPO:QUANT.`);
  const { files, mmproj } = await hfFiles(parsed, quant, options);
  const models: ResolvedModel[] = [];
  const failed: HfModels['failed'] = [];
  for (const file of files) {
    try {
      models.push(await sizeHfFile(parsed.repo, file, options));
    } catch (error) {
      // One broken upload leaves the other quants' rows; a refusal for all of them is the answer.
      if (!(error instanceof GgufError) || files.length === 1) throw error;
      failed.push({ quant: file.quant, message: error.message });
    }
  }
  if (models.length === 0 && failed[0]) throw new ModelArgError(failed[0].message);
  return { repo: parsed.repo, models, mmproj, failed };
}

/** A remote reference as one model: a URL, or a hf: reference that names one quant (or has one). */
async function resolveRemoteArg(arg: string, quant: string | undefined, options: RemoteModelOptions): Promise<ResolvedModel> {
  try {
    if (isUrl(arg)) {
      if (quant)
        throw new ModelArgError(`--quant applies to catalog models and hf: references; a GGUF URL has its own types (${shownUrl(arg)}).`);
      return await modelFromUrl(arg.trim(), options);
    }
    const ref = parseHfRef(arg) as HfRef;
    const { files } = await hfFiles(ref, quant, options);
    const [file] = files;
    if (!file || files.length > 1) {
      const quants = [...new Set(files.map((f) => f.quant))];
      throw new ModelArgError(
        quants.length > 1
          ? `hf:${ref.repo} has ${quants.length} quants (${quants.join(', ')}): name one, e.g. hf:${ref.repo}:${quants[0]}.`
          : `hf:${ref.repo} has ${files.length} files for ${quants[0]}: name one by its file name, e.g. hf:${ref.repo}:${files[0]?.paths[0]?.split('/').pop() ?? 'FILE.gguf'}.`,
      );
    }
    return await sizeHfFile(ref.repo, file, options);
  } catch (error) {
    // No message shows the token; redacting again guards what a server or the network put in one.
    const token = options.token === undefined ? hfToken(options.env ?? process.env) : options.token;
    if (error instanceof GgufError) throw new ModelArgError(redact(error.message, token));
    throw error;
  }
}

/** parseHfRef, with a malformed hf: reference reported as the user's mistake. */
function parseHfRefOrNull(arg: string): HfRef | null {
  try {
    return parseHfRef(arg);
  } catch (error) {
    throw new ModelArgError((error as Error).message);
  }
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

/** `arg` is a path to a .gguf file, an http(s) URL of one, hf:ORG/REPO[:QUANT] or a catalog id (e.g. llama-3.1-8b). */
export async function resolveModelArg(arg: string, quant?: string, remote: RemoteModelOptions = {}): Promise<ResolvedModel> {
  if (isUrl(arg) || parseHfRefOrNull(arg)) return resolveRemoteArg(arg, quant, remote);
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
    /** Changes the budget the fit sees (memory set aside for a vision projector). */
    adjustTarget?: (target: ComputeTarget) => ComputeTarget;
    /** The user's benchmark runs: those made on `hardware` correct the speeds as they do the report's rows. */
    benchRecords?: readonly BenchRecord[];
  },
): EstimateResult {
  const detectedTarget = computeTarget(hardware);
  const target = settings.adjustTarget ? settings.adjustTarget(detectedTarget) : detectedTarget;
  const { sizable } = resolved;
  const sized = sizeModel(sizable, hardware, target, settings, settings.gpuLayers === 'auto' ? undefined : settings.gpuLayers);
  const { fit } = sized;
  const work = new Map([[sized.row, rowPromptWork(sized, sizable)]]);
  const [row = sized.row] = applyBenchRuns({ rows: [sized.row], work, records: settings.benchRecords ?? [], hardware, gpus: target.gpus });
  const p = fit.placement;
  return {
    model: {
      id: sizable.modelId,
      name: sizable.name,
      origin: resolved.remote ? 'url' : sizable.origin,
      path: sizable.filePath ?? null,
      architecture: resolved.architecture,
      quant: sizable.quant,
      paramsB: sizable.paramsB,
      layers: sizable.shape.layers,
      maxContext: sizable.maxContext,
      fileBytes: resolved.fileBytes,
      // The service adds the catalog model's published scores.
      catalogId: null,
      scores: [],
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
            overheadBytes: d.overheadBytes,
            totalBytes: d.totalBytes,
            budgetBytes: target.gpuBudgetsBytes[i] ?? 0,
          })),
        }
      : {}),
    totalBytes: p.totalBytes,
    peakLoadBytes: p.peakLoadBytes,
    tokPerSec: row.tokPerSec,
    promptTokPerSec: row.promptTokPerSec,
    ...(row.fullPromptSeconds ? { fullPromptSeconds: row.fullPromptSeconds } : {}),
    ...(row.largeUbatchPrompt ? { largeUbatchPrompt: row.largeUbatchPrompt } : {}),
    why: fit.why,
    budget: target.budget,
    memorySource: row.memorySource,
    speedSource: row.speedSource,
    promptSource: row.promptSource,
    projector: null,
    tensorSplit: fit.tensorSplit ?? null,
    contextLimits: contextLimits(sizable, hardware, target, { ...settings, contextTokens: row.contextTokens }),
  };
}
