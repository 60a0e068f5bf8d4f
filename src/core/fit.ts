// Where a model runs on given hardware: all on the GPU, k of N layers on the GPU, on the CPU only, or
// nowhere. k and N count layers as llama.cpp's -ngl does: N = blocks + 1 (the output layer), and the
// output layer is offloaded first, then the blocks from the end (see placement.ts).
import type { Budget } from '../shared/schema';
import type { FitLevel } from '../shared/precision';
import { formatBytes } from '../shared/units';
import type { ComputeBackend, MemoryModel } from './estimate';
import { offloadableLayers, placeModel, type Placement } from './placement';

export interface FitResult {
  fit: FitLevel;
  gpuLayers: number;
  totalLayers: number;
  placement: Placement;
  why: string;
}

function fitsRam(p: Placement, budget: Budget): boolean {
  // With unified memory the GPU's share lives in the same RAM.
  const ramNeed = budget.unifiedMemory ? p.gpuBytes + p.cpuBytes : p.cpuBytes;
  return ramNeed <= budget.ramBytes;
}

/** llama.cpp's --split-mode as sized here: `row` is refused before it gets this far (see report.ts, gpuSplitOf). */
export type SplitMode = 'none' | 'layer' | 'row';

/** Several GPUs: each one's usable VRAM, and the user's -ts proportions (default: the budgets, as llama.cpp splits by free memory). */
export interface GpuSplit {
  deviceBudgetsBytes: readonly number[];
  tensorSplit?: readonly number[];
  /** `none`: llama.cpp keeps only the device mainGpu (llama.cpp's llama_prepare_model_devices), so it holds everything offloaded. */
  splitMode?: SplitMode;
  /** The one device of `none` (llama.cpp's -mg, default 0). */
  mainGpu?: number;
}

/** The proportions llama.cpp splits layers by: -ts when given, else each device's free memory; `none`: all on mainGpu. */
export function splitProportionsOf(split: GpuSplit): number[] {
  if (split.splitMode === 'none') {
    const main = split.mainGpu ?? 0;
    return split.deviceBudgetsBytes.map((_, i) => (i === main ? 1 : 0));
  }
  const given = split.tensorSplit;
  const usable = given && given.length === split.deviceBudgetsBytes.length && given.some((x) => x > 0);
  return [...(usable ? given : split.deviceBudgetsBytes)];
}

/** Every GPU holds its own share within its own VRAM: never the pooled total. */
export function fitsEveryGpu(p: Placement, deviceBudgetsBytes: readonly number[]): boolean {
  return p.gpus.every((d, i) => d.totalBytes <= (deviceBudgetsBytes[i] ?? 0));
}

export function fitModel(
  model: MemoryModel,
  budget: Budget,
  backend: ComputeBackend,
  repackTypes: ReadonlySet<string>,
  split?: GpuSplit,
): FitResult {
  const n = offloadableLayers(model);
  const deviceBudgets = split && split.deviceBudgetsBytes.length > 0 ? split.deviceBudgetsBytes : [budget.gpuBytes];
  const splitProportions = split && split.deviceBudgetsBytes.length > 1 ? splitProportionsOf(split) : undefined;
  const place = (k: number, b: ComputeBackend): Placement =>
    placeModel(model, k, b, splitProportions ? { repackTypes, splitProportions } : { repackTypes });
  const fitsGpus = (p: Placement): boolean => fitsEveryGpu(p, deviceBudgets);
  const givenSplit = split?.tensorSplit ? `, split ${split.tensorSplit.join(':')} as given (-ts)` : '';
  const singleDevice = split?.splitMode === 'none' && deviceBudgets.length > 1;
  const mainGpu = split?.mainGpu ?? 0;
  // With --split-mode none only the main GPU's VRAM counts: the other cards hold nothing.
  const gpuBytes = singleDevice ? (deviceBudgets[mainGpu] ?? 0) : budget.gpuBytes;
  const cards = singleDevice
    ? ` on GPU ${mainGpu} alone (--split-mode none --main-gpu ${mainGpu}: the other ${deviceBudgets.length > 2 ? `${deviceBudgets.length - 1} GPUs hold` : 'GPU holds'} nothing${split?.tensorSplit ? '; -ts has no effect' : ''})`
    : deviceBudgets.length > 1
      ? ` on each of ${deviceBudgets.length} GPUs (${deviceBudgets.map((b) => formatBytes(b)).join(' / ')}${givenSplit})`
      : '';
  if (backend !== 'cpu' && gpuBytes > 0) {
    const full = place(n, backend);
    if (fitsGpus(full) && fitsRam(full, budget)) {
      return {
        fit: 'gpu',
        gpuLayers: n,
        totalLayers: n,
        placement: full,
        why: `All ${n} layers fit in ${formatBytes(gpuBytes)} of usable VRAM${cards}.`,
      };
    }
    // Most layers that fit: the GPU side grows with k, so search from the top.
    let best: Placement | null = null;
    let bestK = 0;
    let lo = 1;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = place(mid, backend);
      if (fitsGpus(p)) {
        best = p;
        bestK = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best && fitsRam(best, budget)) {
      return {
        fit: 'partial',
        gpuLayers: bestK,
        totalLayers: n,
        placement: best,
        why: `Needs ${formatBytes(full.gpuBytes)} on the GPU for all layers; ${bestK} of ${n} fit in ${formatBytes(gpuBytes)}${cards} (llama.cpp's -ngl ${bestK}: the output layer and the last ${bestK - 1} blocks), the rest (${formatBytes(best.cpuBytes)}) run from RAM.`,
      };
    }
  }
  const cpu = place(0, 'cpu');
  if (cpu.cpuBytes <= budget.ramBytes) {
    return {
      fit: 'cpu',
      gpuLayers: 0,
      totalLayers: n,
      placement: cpu,
      why:
        backend === 'cpu' || gpuBytes === 0
          ? `Runs on the CPU: ${formatBytes(cpu.cpuBytes)} of ${formatBytes(budget.ramBytes)} usable RAM.`
          : `Not even one layer fits the GPU next to its buffers; runs on the CPU from RAM (${formatBytes(cpu.cpuBytes)}).`,
    };
  }
  return {
    fit: 'none',
    gpuLayers: 0,
    totalLayers: n,
    placement: cpu,
    why: `Too large: needs ${formatBytes(cpu.totalBytes)}, usable ${formatBytes(budget.ramBytes)} RAM${gpuBytes > 0 && !budget.unifiedMemory ? ` + ${formatBytes(gpuBytes)} VRAM${singleDevice ? ` (GPU ${mainGpu} alone, --split-mode none)` : ''}` : ''}.`,
  };
}
