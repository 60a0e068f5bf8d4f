// The "what can I run here" report: every catalog model at every precision, fitted to the hardware.
import { PROMPT_TOKENS } from '../shared/defaults';
import { DEFAULT_TASK, scaleOf, TASK_SCALES, type Priority, type Task } from '../shared/ladder';
import { PRECISIONS, type KvType, type Precision } from '../shared/precision';
import type { BenchRecord, CatalogModel, HardwareSnapshot, Report, ReportRow, SpeedCalibration } from '../shared/schema';
import { formatBytes } from '../shared/units';
import {
  buildMemoryModelFromLayout,
  DEFAULT_UBATCH_TOKENS,
  layoutFor,
  type ContextRuntime,
  type MemoryModel,
  type WeightsLayout,
} from './estimate';
import { gatedDeltaNetBlocks, gatedDeltaNetStateElementsOf, offloadableLayers, placeModel, type Placement } from './placement';
import { computeTarget, type ComputeTarget } from './budget';
import { fitModel, fitsEveryGpu, movesExperts, splitProportionsOf, type FitResult, type GpuSplit, type SplitMode } from './fit';
import { applyGpuPromptRuns, promptWorkOf, type BenchRunsInput, type PromptWork } from './gpu-prompt';
import { applyMeasuredSpeeds } from './measured-speeds';
import { recommendLadder } from './recommend';
import { promptAttentionWidth } from './prompt-attention';
import { estimateGenerationSpeed, estimatePromptSpeedCpu, performanceCores, type SpeedEstimate } from './speed';
import { catalogIdOf } from './catalog-match';
import { cacheLabel } from './calibration';
import { hybridCacheDetail } from './arch/recurrent-state';
import { countActiveParameters, type ModelShape } from './tensors';

export interface ReportSettings {
  contextTokens: number;
  kvType: KvType;
  /** This machine's (or the profile's) benchmark runs: their speeds replace and correct the estimates. */
  benchRecords?: readonly BenchRecord[];
  /** This machine's probe results, an input of its own: detected hardware stays what was detected. */
  calibration?: SpeedCalibration | null;
  /** llama.cpp's -ts: how the layers are shared between GPUs, one proportion each; absent = by free memory. */
  tensorSplit?: readonly number[];
  /** llama.cpp's --split-mode (default layer): none = only mainGpu is used; row = refused, see gpuSplitOf. */
  splitMode?: SplitMode;
  /** llama.cpp's --main-gpu (default 0): the one GPU of --split-mode none. */
  mainGpu?: number;
  /** Whose context is sized: llama.cpp's tools (the commands shown; default) or node-llama-cpp (bench, measure). */
  runtime?: ContextRuntime;
  /**
   * llama.cpp's --n-cpu-moe N: MoE models keep the experts of their first N blocks in RAM (dense models are
   * unchanged). Absent: for an MoE that does not fit the GPU whole, the faster of layer offload and
   * experts in RAM is chosen.
   */
  nCpuMoe?: number;
  /** What the ladder recommends for (default chat, balanced, the priority's minimum speed). */
  task?: Task;
  /** Which of the task's benchmarks judges the models (absent: the task's default). */
  benchmark?: string;
  priority?: Priority;
  minTokPerSec?: number;
}

export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

function validateSettings(settings: ReportSettings, catalog: CatalogModel[]): void {
  if (!Number.isInteger(settings.contextTokens) || settings.contextTokens <= 0) {
    throw new ReportInputError(`Context must be a positive whole number of tokens (got ${settings.contextTokens}); try 4096 or 8192.`);
  }
  const maxContext = Math.max(...catalog.map((m) => m.maxContext));
  if (settings.contextTokens > maxContext) {
    throw new ReportInputError(
      `A context of ${settings.contextTokens} tokens is beyond every catalogued model's maximum (${maxContext}); choose ${maxContext} or less.`,
    );
  }
  const task = settings.task ?? DEFAULT_TASK;
  if (settings.benchmark !== undefined && !scaleOf(task, settings.benchmark)) {
    const names = TASK_SCALES[task].scales.map((s) => s.benchmark);
    throw new ReportInputError(
      names.length === 1
        ? `${task} is judged by ${names[0]} only, not "${settings.benchmark}"; leave the benchmark out.`
        : `${task} is judged by ${names.join(' or ')}, not "${settings.benchmark}"; choose one of ${names.join(', ')}, or leave it out for ${names[0]}.`,
    );
  }
}

/** Anything the engine can size: a catalog entry at one precision, or a real GGUF file. */
export interface SizableModel {
  modelId: string;
  name: string;
  family: string;
  paramsB: number;
  activeParamsB: number;
  shape: ModelShape;
  maxContext: number;
  /** Precision name (Q4_K_M) or the file's own type (IQ4_XS). */
  quant: string;
  weights: WeightsLayout;
  origin: 'catalog' | 'file';
  filePath?: string;
  /** Where the architecture numbers and tensor types come from, for the memory source. */
  weightsFrom: string;
}

export interface SizedRow {
  row: ReportRow;
  fit: FitResult;
}

/** Sizes one model on the target; `gpuLayers` (as llama.cpp's -ngl: blocks + output layer) forces a split instead of the best fit. */
/** How the cache was sized, in words: the common KV rule, or the architecture's own (MLA latent, chunks, recurrent state). */
function cacheDetail(shape: ModelShape, ctx: number, kvType: KvType): string {
  const hybrid = hybridCacheDetail(shape, ctx, kvType);
  if (hybrid) return hybrid;
  if (shape.mla)
    return `KV cache of multi-head latent attention: ${shape.layers} layers x (${shape.mla.kvLoraRank} latent + ${shape.mla.ropeDim} RoPE values) x ${ctx} tokens at ${kvType}, K only (V is read from the latent, llama-kv-cache.cpp)`;
  const windows = shape.chunkedAttention
    ? ` (chunked layers keep one ${shape.chunkedAttention.chunkTokens}-token chunk plus a micro-batch)`
    : shape.slidingWindow
      ? ' (sliding-window layers keep only their window)'
      : '';
  return `KV cache 2 x ${shape.layers} layers x ${shape.kvHeads} KV heads x ${shape.headDim} x ${ctx} tokens at ${kvType}${windows}`;
}

export function sizeModel(
  model: SizableModel,
  hardware: HardwareSnapshot,
  target: ComputeTarget,
  settings: ReportSettings,
  gpuLayers?: number,
): SizedRow {
  // A model cannot use more context than it was trained for; show it at its maximum.
  const ctx = Math.min(settings.contextTokens, model.maxContext);
  const memModel = buildMemoryModelFromLayout(model.shape, model.weights, ctx, settings.kvType, settings.runtime);
  const speedInputs = {
    gpuBandwidthBytesPerSec: target.gpuBandwidthBytesPerSec,
    gpuBandwidthsBytesPerSec: target.gpuBandwidthsBytesPerSec,
    gpuEfficiency: target.gpuBandwidthEfficiency,
    gpuEfficiencySource: target.gpuBandwidthEfficiencySource,
    cpuBandwidthBytesPerSec: target.cpuBandwidthBytesPerSec,
    cpuBandwidthSource: target.cpuBandwidthSource ?? hardware.cpu.bandwidthSource,
    calibration: settings.calibration ?? null,
    gpuBackend: target.backend,
    gpuVendor: target.gpus[0]?.vendor,
    cpuThreads: performanceCores(hardware.cpu),
  };
  const gatedDeltaNet = gatedDeltaNetBlocks(model.shape).size;
  const gatedDeltaNetStateElements = gatedDeltaNetStateElementsOf(model.shape);
  const speedOf = (placement: Placement, k: number): SpeedEstimate =>
    estimateGenerationSpeed(placement, speedInputs, {
      gpu: Math.max(0, k - 1),
      total: model.shape.layers,
      gatedDeltaNet,
      gatedDeltaNetStateElements,
    });
  const fit =
    gpuLayers === undefined
      ? fitModel(memModel, target.budget, target.backend, target.repackTypes, gpuSplitOf(target, settings), {
          ...(settings.nCpuMoe !== undefined ? { nCpuMoe: settings.nCpuMoe } : {}),
          speedOf: (placement, k) => speedOf(placement, k).tokPerSec,
        })
      : forcedFit(memModel, gpuLayers, target, settings);
  const p = fit.placement;
  const speed = fit.fit === 'none' ? null : speedOf(p, fit.gpuLayers);
  // Prompt speed: calibrated CPU rows only (the probe measures the CPU's kernels, not a GPU's).
  const calibration = settings.calibration ?? null;
  const promptAt = (tokens: number): number | null =>
    calibration && fit.fit === 'cpu'
      ? estimatePromptSpeedCpu(p, calibration, {
          tokens,
          layers: model.shape.layers,
          queryDim: model.shape.heads * model.shape.headDim,
          attentionWidth: promptAttentionWidth(model.shape, tokens),
          ...(model.shape.experts ? { experts: model.shape.experts } : {}),
        })
      : null;
  const prompt = promptAt(PROMPT_TOKENS);
  // A prompt that fills the context: what a long document or a long chat waits before its first token.
  const fullPrompt = prompt !== null ? promptAt(ctx) : null;
  const row: ReportRow = {
    modelId: model.modelId,
    name: model.name,
    family: model.family,
    paramsB: model.paramsB,
    activeParamsB: Math.min(model.activeParamsB, model.paramsB),
    quant: model.quant,
    contextTokens: ctx,
    fit: fit.fit,
    gpuLayers: fit.gpuLayers,
    totalLayers: fit.totalLayers,
    ...(fit.cpuMoeLayers > 0 ? { cpuMoeLayers: fit.cpuMoeLayers } : {}),
    memory: {
      weightsBytes: p.weightsBytes,
      kvBytes: p.kvBytes,
      computeBytes: p.computeBytes,
      overheadBytes: p.overheadBytes,
      totalBytes: p.totalBytes,
      gpuBytes: p.gpuBytes,
      cpuBytes: p.cpuBytes,
      peakLoadBytes: p.peakLoadBytes,
    },
    tokPerSec: speed ? speed.tokPerSec : null,
    speedSource: speed ? speed.source : { kind: 'estimated', by: 'speed.memory-bound', detail: 'Does not fit: no speed.' },
    promptTokPerSec: prompt,
    ...(fullPrompt ? { fullPromptSeconds: ctx / fullPrompt } : {}),
    promptSource:
      prompt !== null && calibration
        ? {
            kind: 'estimated',
            by: 'speed.prompt-calibrated',
            detail: `A ${PROMPT_TOKENS}-token prompt (like llama-bench pp${PROMPT_TOKENS}) on ${calibration.threads.pp} thread(s): 2 FLOP per weight at this machine's measured rate for each tensor type, plus each type's measured cost per matrix row, attention over the prompt, and, for weights larger than ${cacheLabel(calibration.lastLevelCacheBytes)}, the weights read again from RAM; calibrated by the probe of ${calibration.measuredAt.slice(0, 16).replace('T', ' ')}.`,
          }
        : null,
    memorySource: {
      kind: 'estimated',
      by: 'estimate.per-tensor',
      detail: `Weights from ${model.weightsFrom}; ${cacheDetail(model.shape, ctx, settings.kvType)}; compute buffers with flash attention (logits of a ${DEFAULT_UBATCH_TOKENS}-token micro-batch${computeNote(fit, target)}); ${p.gpuBytes > 0 && target.gpuOverheadDetail ? `${target.gpuOverheadDetail}; ` : ''}process overhead.`,
    },
    why: fit.why + kvCaveat(model.shape, settings.kvType),
    origin: model.origin,
    ...(model.filePath ? { filePath: model.filePath } : {}),
  };
  return { row, fit };
}

/** What the compute buffers of a placement hold beyond a micro-batch's activations, in words. */
function computeNote(fit: SizedRow['fit'], target: ComputeTarget): string {
  const p = fit.placement;
  const notes: string[] = [];
  // Weights in RAM beside a GPU that reads prompts: it copies them there one matrix at a time (src/core/placement.ts).
  if (p.gpuBytes > 0 && (fit.fit === 'partial' || fit.fit === 'cpu'))
    notes.push(`the GPU's also holds the largest matrix kept in RAM, copied there for a prompt's products`);
  if (target.gpus.length > 1 && fit.fit === 'gpu' && p.gpus.filter((d) => d.computeBytes > 0).length > 1)
    notes.push(
      `each device's and the host's also 4 copies of the attention mask and of the activations a card receives (llama.cpp's pipeline over several GPUs)`,
    );
  return notes.length ? `; ${notes.join('; ')}` : '';
}

/**
 * A quantized V cache needs flash attention, and llama.cpp turns flash attention off for Gemma 2's
 * attention soft-capping on the CPU: measured here, such a context fails to be created.
 */
function kvCaveat(shape: ModelShape, kvType: ReportSettings['kvType']): string {
  if (kvType !== 'f16' && shape.arch === 'gemma2') {
    return ` Caution: llama.cpp could not create a ${kvType} KV cache for Gemma 2 on the CPU here (its attention soft-capping turns flash attention off, which a quantized cache needs); use f16.`;
  }
  return '';
}

/**
 * The user's -ts, --split-mode and --main-gpu over this target's GPUs, as llama.cpp reads them.
 *
 * -ts: a value per device in device order, missing ones 0. More values than GPUs, or no GPU with a
 * share, is a mistake to report.
 *
 * --split-mode none: llama.cpp's llama_prepare_model_devices (src/llama.cpp) drops every device but
 * devices[main_gpu], so load_tensors (src/llama-model.cpp) splits the offloaded layers over that one
 * device: its weights, the KV cache (llama_kv_cache puts a layer's cache on model.dev_layer(il),
 * src/llama-kv-cache.cpp) and the compute buffers all sit on it. A main_gpu past the devices fails the
 * load ("invalid value for main_gpu").
 *
 * --split-mode row: in this llama.cpp (80fb11a, the one node-llama-cpp 3.21.1 ships) make_gpu_buft_list
 * (src/llama-model.cpp) asks each device's backend for "ggml_backend_split_buffer_type" and throws
 * "device ... does not support split buffers" when it is missing; only the SYCL backend still exports it
 * (ggml-sycl.cpp, ggml_backend_sycl_reg_get_proc_address). CUDA's reg (ggml-cuda.cu,
 * ggml_backend_cuda_reg_get_proc_address) no longer does, nor do HIP (built from ggml-cuda), Vulkan or
 * Metal: row splitting gave way to --split-mode tensor. There is no fallback to layer, the load fails,
 * so a row request on a GPU backend is refused here. Without a GPU device llama.cpp never asks, and row
 * changes nothing. (Where a backend has it, layers are still placed by the -ts split points and only
 * the matrices that the split buffer accepts are split by rows; KV follows the layer's device.)
 *
 * --main-gpu: used by none only (llama.cpp ignores it for layer); one past the GPUs is still refused
 * here, as a mistake the user would want to hear about.
 */
function gpuSplitOf(target: ComputeTarget, settings: Pick<ReportSettings, 'tensorSplit' | 'splitMode' | 'mainGpu'> = {}): GpuSplit {
  const deviceBudgetsBytes = target.gpuBudgetsBytes;
  const { tensorSplit, splitMode = 'layer', mainGpu } = settings;
  const n = deviceBudgetsBytes.length;
  if (mainGpu !== undefined && (!Number.isInteger(mainGpu) || mainGpu < 0 || (mainGpu > 0 && mainGpu >= n))) {
    throw new ReportInputError(
      n === 0
        ? `--main-gpu ${mainGpu} names a GPU, and this hardware has no GPU llama.cpp can offload to; leave it out.`
        : `--main-gpu ${mainGpu} is out of range: this hardware has ${n} GPU${n === 1 ? '' : 's'} llama.cpp can offload to, numbered 0${n > 1 ? ` to ${n - 1}` : ''} in device order.`,
    );
  }
  if (splitMode === 'row' && target.backend !== 'cpu') {
    throw new ReportInputError(
      `--split-mode row cannot load here: the llama.cpp this sizes for (80fb11a) splits rows only on SYCL, and its ${target.backend.toUpperCase()} backend has no split buffer, so loading fails with "device ... does not support split buffers". Use --split-mode layer (the default) or none.`,
    );
  }
  const mode = {
    ...(splitMode === 'none' ? { splitMode, mainGpu: mainGpu ?? 0 } : {}),
    ...(target.gpuOverheadBytes.length ? { deviceOverheadBytes: target.gpuOverheadBytes } : {}),
  };
  if (!tensorSplit) return { deviceBudgetsBytes, ...mode };
  if (n < 2) {
    throw new ReportInputError(
      `A tensor split divides layers between GPUs, and this hardware has ${n === 0 ? 'no GPU llama.cpp can offload to' : 'one GPU'}; leave it out.`,
    );
  }
  if (tensorSplit.length > n) {
    throw new ReportInputError(
      `The tensor split has ${tensorSplit.length} values for ${n} GPUs; give at most one per GPU, in device order.`,
    );
  }
  if (!tensorSplit.some((x) => x > 0))
    throw new ReportInputError('The tensor split gives no GPU a share; give at least one value above 0.');
  return { deviceBudgetsBytes, tensorSplit: Array.from({ length: n }, (_, i) => tensorSplit[i] ?? 0), ...mode };
}

function forcedFit(memModel: MemoryModel, gpuLayers: number, target: ComputeTarget, settings: ReportSettings): FitResult {
  const n = offloadableLayers(memModel);
  const k = target.backend === 'cpu' ? 0 : Math.min(gpuLayers, n);
  const split = gpuSplitOf(target, settings);
  const splitProportions = split.deviceBudgetsBytes.length > 1 ? splitProportionsOf(split) : undefined;
  const placement = placeModel(memModel, k, target.backend, {
    repackTypes: target.repackTypes,
    ...(target.gpuOverheadBytes.length ? { gpuOverheadBytes: target.gpuOverheadBytes } : {}),
    ...(splitProportions ? { splitProportions } : {}),
    ...(settings.nCpuMoe ? { cpuMoeLayers: settings.nCpuMoe } : {}),
  });
  const moved = movesExperts(placement);
  const fitsGpu = fitsEveryGpu(placement, split.deviceBudgetsBytes.length > 0 ? split.deviceBudgetsBytes : [target.budget.gpuBytes]);
  const fitsRam = (target.budget.unifiedMemory ? placement.totalBytes : placement.cpuBytes) <= target.budget.ramBytes;
  const level = !fitsGpu || !fitsRam ? 'none' : k === 0 ? 'cpu' : k === n && !moved ? 'gpu' : 'partial';
  const experts = moved
    ? `, the experts of the first ${placement.cpuMoeLayers} blocks in RAM (--n-cpu-moe ${placement.cpuMoeLayers}: ${formatBytes(placement.cpuReadBytesPerToken)} read from RAM per token)`
    : settings.nCpuMoe
      ? ` (--n-cpu-moe ${settings.nCpuMoe} moves nothing: no experts in the GPU's blocks)`
      : '';
  const where =
    split.splitMode === 'none' && split.deviceBudgetsBytes.length > 1 ? `GPU ${split.mainGpu ?? 0} alone (--split-mode none)` : 'the GPU';
  return {
    fit: level,
    gpuLayers: k,
    totalLayers: n,
    cpuMoeLayers: moved ? placement.cpuMoeLayers : 0,
    placement,
    why: `${k} of ${n} layers on ${where} as asked (-ngl ${k}; llama.cpp offloads the output layer first)${experts}: ${fitsGpu ? '' : 'the GPU part does not fit its VRAM; '}${fitsRam ? '' : 'the rest does not fit in RAM; '}${fitsGpu && fitsRam ? 'fits.' : ''}${k === 0 && placement.gpuBytes > 0 ? ` The GPU still takes ${formatBytes(placement.gpuBytes)}: llama.cpp computes a prompt's products there, copying the weights from RAM one matrix at a time (--no-op-offload keeps it off the GPU, and prompts then run at the CPU's speed).` : ''}`.trim(),
  };
}

/**
 * A sized row's prompt work: its model's, and for a row with weights in RAM (split, or all there) the weights each
 * micro-batch would copy to a GPU. Whether one does is the GPU's backend's to say (src/core/gpu-prompt.ts).
 */
export function rowPromptWork(sized: SizedRow, model: Pick<SizableModel, 'shape'>): PromptWork {
  const work = promptWorkOf(sized.row.activeParamsB, model.shape);
  // A row all in RAM copies its weights only where the GPU takes part (-ngl 0 beside it), not on a CPU-only machine or
  // where the GPU cannot hold the buffer for it (--no-op-offload).
  const copies = sized.row.fit === 'partial' || (sized.row.fit === 'cpu' && sized.fit.placement.gpuBytes > 0);
  return copies ? { ...work, hostUploadBytes: sized.fit.placement.promptUploadBytes } : work;
}

/** A catalog entry at one precision, sized from llama.cpp's per-tensor quant rules. */
export function catalogModelAt(model: CatalogModel, quant: Precision): SizableModel {
  return {
    modelId: model.id,
    name: model.name,
    family: model.family,
    paramsB: model.publishedParamsB,
    activeParamsB: countActiveParameters(model) / 1e9,
    shape: model,
    maxContext: model.maxContext,
    quant,
    weights: layoutFor(model, quant),
    origin: 'catalog',
    weightsFrom: `llama.cpp's per-tensor ${quant} types over the ${model.arch} tensor list (architecture: ${model.source})`,
  };
}

function buildRows(
  hardware: HardwareSnapshot,
  catalog: CatalogModel[],
  settings: ReportSettings,
  extra: SizableModel[] = [],
): { rows: ReportRow[]; target: ComputeTarget; work: Map<ReportRow, PromptWork> } {
  const target = computeTarget(hardware);
  const rows: ReportRow[] = [];
  // Each row's prompt FLOPs, for the prompt speed a benchmark run on the GPU gives (src/core/gpu-prompt.ts).
  const work = new Map<ReportRow, PromptWork>();
  const add = (sized: SizedRow, model: SizableModel, row: ReportRow = sized.row): void => {
    rows.push(row);
    work.set(row, rowPromptWork(sized, model));
  };
  for (const model of catalog) {
    for (const quant of PRECISIONS) {
      const sizable = catalogModelAt(model, quant);
      add(sizeModel(sizable, hardware, target, settings), sizable);
    }
  }
  for (const model of extra) {
    const sized = sizeModel(model, hardware, target, settings);
    const catalogId =
      model.origin === 'file' ? catalogIdOf(model.shape, catalog, { maxContext: model.maxContext, name: model.name }) : null;
    add(sized, model, catalogId ? { ...sized.row, catalogId } : sized.row);
  }
  return { rows, target, work };
}

/**
 * What the user's benchmark runs on this hardware change: prompt speeds all on the GPU (src/core/gpu-prompt.ts; without
 * a run, the rate published runs catalogue for `gpus`, the GPUs a model uses), then measured and corrected generation
 * speeds (src/core/measured-speeds.ts). The report and `estimate` both go through it.
 */
export function applyBenchRuns(input: BenchRunsInput): ReportRow[] {
  return applyMeasuredSpeeds(applyGpuPromptRuns(input), input.records, input.hardware);
}

export function buildReport(
  hardware: HardwareSnapshot,
  catalog: CatalogModel[],
  settings: ReportSettings,
  timings: { detectMs: number; now?: () => number; generatedAt?: string },
  extra: SizableModel[] = [],
  fileProblems: Report['fileProblems'] = [],
): Report {
  validateSettings(settings, catalog);
  const now = timings.now ?? (() => Date.now());
  const t0 = now();
  const built = buildRows(hardware, catalog, settings, extra);
  const target = built.target;
  const records = settings.benchRecords ?? [];
  const rows = applyBenchRuns({ rows: built.rows, work: built.work, records, hardware, gpus: target.gpus });
  const recommendation = recommendLadder(rows, catalog, {
    contextTokens: settings.contextTokens,
    ...(settings.task ? { task: settings.task } : {}),
    ...(settings.benchmark !== undefined ? { benchmark: settings.benchmark } : {}),
    ...(settings.priority ? { priority: settings.priority } : {}),
    ...(settings.minTokPerSec !== undefined ? { minTokPerSec: settings.minTokPerSec } : {}),
    planned: hardware.whatIf,
  });
  return {
    schemaVersion: 1,
    generatedAt: timings.generatedAt ?? new Date().toISOString(),
    hardware,
    settings: { contextTokens: settings.contextTokens, kvType: settings.kvType },
    budget: target.budget,
    rows,
    recommendation,
    fileProblems,
    timings: { detectMs: timings.detectMs, estimateMs: Math.max(0, now() - t0) },
    calibration: settings.calibration ?? null,
  };
}
