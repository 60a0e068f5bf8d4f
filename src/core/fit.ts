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
  /** llama.cpp's --n-cpu-moe of this placement: the blocks (from the first) whose experts stay in RAM; 0 for none. */
  cpuMoeLayers: number;
  placement: Placement;
  why: string;
  /** Layers per GPU chosen here (llama.cpp's -ts) where the default split by free memory would not fit; absent: that default or the user's. */
  tensorSplit?: number[];
}

/** The RAM a placement needs: with unified memory the GPU's share lives in the same RAM. */
const ramNeedOf = (p: Placement, budget: Budget): number => (budget.unifiedMemory ? p.gpuBytes + p.cpuBytes : p.cpuBytes);

function fitsRam(p: Placement, budget: Budget): boolean {
  return ramNeedOf(p, budget) <= budget.ramBytes;
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
  /** Each device's backend overhead (ComputeTarget.gpuOverheadBytes); absent: the backend's flat figure. */
  deviceOverheadBytes?: readonly number[];
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

/** Mixture-of-experts choices: a fixed --n-cpu-moe, or how to compare placements for the automatic one. */
export interface MoeFitOptions {
  /** The user's --n-cpu-moe N: every placement keeps the experts of the first N blocks in RAM. Absent: chosen here. */
  nCpuMoe?: number;
  /** Generation speed of a placement with k layers offloaded (-ngl k); without it, fewer bytes read from RAM per token wins. */
  speedOf?: (placement: Placement, gpuLayers: number) => number;
}

/** Blocks that hold routed experts: the ones --n-cpu-moe can move. */
function expertBlockCount(model: MemoryModel): number {
  return model.weights.layerExpertBytes.filter((b) => b > 0).length;
}

/** A placement that keeps experts of GPU blocks in RAM: --n-cpu-moe moved something. */
export const movesExperts = (p: Placement): boolean => p.expertsInRamGpuBlocks > 0;

export function fitModel(
  model: MemoryModel,
  budget: Budget,
  backend: ComputeBackend,
  repackTypes: ReadonlySet<string>,
  split?: GpuSplit,
  moe: MoeFitOptions = {},
): FitResult {
  const n = offloadableLayers(model);
  const blocks = n - 1;
  const deviceBudgets = split && split.deviceBudgetsBytes.length > 0 ? split.deviceBudgetsBytes : [budget.gpuBytes];
  const splitProportions = split && split.deviceBudgetsBytes.length > 1 ? splitProportionsOf(split) : undefined;
  const fixedMoe = moe.nCpuMoe !== undefined && moe.nCpuMoe > 0 ? moe.nCpuMoe : 0;
  const overheads = split?.deviceOverheadBytes?.length ? { gpuOverheadBytes: split.deviceOverheadBytes } : {};
  const place = (k: number, b: ComputeBackend, cpuMoeLayers = fixedMoe): Placement =>
    placeModel(model, k, b, {
      repackTypes,
      ...overheads,
      ...(splitProportions ? { splitProportions } : {}),
      ...(cpuMoeLayers > 0 ? { cpuMoeLayers } : {}),
    });
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
  const moeClause = (p: Placement): string =>
    movesExperts(p)
      ? ` with the experts of the first ${p.cpuMoeLayers} blocks in RAM as asked (--n-cpu-moe ${p.cpuMoeLayers}: ${formatBytes(p.gpuBytes)} on the GPU, ${formatBytes(p.cpuBytes)} in RAM)`
      : fixedMoe > 0
        ? ` (--n-cpu-moe ${fixedMoe} moves nothing here: no experts in the GPU's blocks)`
        : '';
  /**
   * Layers and experts both moved: for each m the most layers that fit the GPU with the experts of the
   * first m blocks in RAM (that count only grows with m, so one sweep), the fastest whose rest RAM holds.
   * Asked only where neither every layer with experts in RAM nor plain layer offload fits: a block's
   * dense part and the output layer can leave the GPU in place of experts that RAM has no room for
   * (Qwen3.5 35B-A3B at F32 on a 24 GB card with 128 GB RAM: -ngl 37 --n-cpu-moe 35).
   */
  const layersAndExperts = (full: Placement): FitResult | null => {
    if (full.totalBytes > gpuBytes + budget.ramBytes) return null;
    let best: { p: Placement; k: number; m: number; score: number } | null = null;
    let k = 1;
    for (let m = 1; m <= blocks; m++) {
      while (k < n && fitsGpus(place(k + 1, backend, m))) k++;
      const p = place(k, backend, m);
      if (!fitsGpus(p) || !movesExperts(p) || !fitsRam(p, budget)) continue;
      const score = moe.speedOf ? moe.speedOf(p, k) : -p.cpuReadBytesPerToken;
      if (!best || score > best.score) best = { p, k, m, score };
    }
    if (!best) return null;
    const { p, k: bestK, m } = best;
    return {
      fit: 'partial',
      gpuLayers: bestK,
      totalLayers: n,
      cpuMoeLayers: p.cpuMoeLayers,
      placement: p,
      why: `Needs ${formatBytes(full.gpuBytes)} on the GPU for all layers, more than its ${formatBytes(gpuBytes)}${cards}, and RAM cannot hold the rest of plain layer offload or of every layer with experts in RAM; ${bestK} of ${n} layers with the experts of the first ${m} blocks in RAM fit both (llama.cpp's -ngl ${bestK} --n-cpu-moe ${m}: ${formatBytes(p.gpuBytes)} on the GPU, ${formatBytes(p.cpuBytes)} in RAM, ${formatBytes(p.cpuReadBytesPerToken)} read from RAM per token).`,
    };
  };
  // Layer split: shared out again only where llama.cpp would split by free memory (no -ts, layer mode).
  const rebalance = deviceBudgets.length > 1 && !split?.tensorSplit && split?.splitMode !== 'none' && split?.splitMode !== 'row';
  /**
   * Every layer on the GPUs with the experts of the first m blocks in RAM, the layers shared out in
   * device order: each GPU takes the most of the layers left that it holds (what it holds depends on
   * its own layers only), the last one the rest. The counts are llama.cpp's -ts proportions.
   */
  const balancedSplit = (m: number): { p: Placement; counts: number[] } | null => {
    const counts: number[] = [];
    let left = n;
    const withCounts = (head: number[], rest: number): Placement =>
      placeModel(model, n, backend, {
        repackTypes,
        ...overheads,
        splitProportions: [...head, rest, ...new Array<number>(Math.max(0, deviceBudgets.length - head.length - 1)).fill(0)],
        ...(m > 0 ? { cpuMoeLayers: m } : {}),
      });
    for (let d = 0; d < deviceBudgets.length - 1; d++) {
      let lo = 0;
      let hi = left;
      let take = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const p = withCounts([...counts, mid], left - mid);
        if ((p.gpus[d]?.totalBytes ?? Infinity) <= (deviceBudgets[d] ?? 0)) {
          take = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      counts.push(take);
      left -= take;
    }
    counts.push(left);
    const p = withCounts(counts.slice(0, -1), left);
    return fitsGpus(p) ? { p, counts } : null;
  };
  /**
   * Every layer on the GPU with the experts of the first m blocks in RAM, for the smallest m that fits
   * (the GPU side shrinks as m grows, so a binary search): what llama.cpp's --fit tries first for an MoE
   * (common/fit.cpp moves all expert tensors to system memory before it counts layers).
   */
  const expertsInRam = (full: Placement): { fit: FitResult; m: number; k: number } | null => {
    // With every block's experts in RAM the GPU holds the least: if that does not fit, nothing does. RAM
    // is checked at the end: the fewest blocks that fit the GPU also leave the least in RAM.
    // Over several GPUs split by free memory the experts of the first GPU's blocks leave first, and the
    // last GPU may still overflow: where the user gave no -ts, the layers are shared out again so that
    // each GPU holds what it can once the experts left (balancedSplit).
    const fitting = (m: number): { p: Placement; counts?: number[] } | null => {
      const p = place(n, backend, m);
      if (fitsGpus(p)) return { p };
      return rebalance ? balancedSplit(m) : null;
    };
    const all = fitting(blocks);
    if (!all) return null;
    let lo = 1;
    let hi = blocks;
    let bestM = blocks;
    let best = all;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = fitting(mid);
      if (f) {
        bestM = mid;
        best = f;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    const bestP = best.p;
    if (!fitsRam(bestP, budget)) return null;
    const ts = best.counts
      ? `, the layers split ${best.counts.join('/')} over the GPUs (-ts ${best.counts.join(',')}) so each holds its share once the experts leave`
      : '';
    return {
      m: bestM,
      k: n,
      fit: {
        fit: 'partial',
        gpuLayers: n,
        totalLayers: n,
        cpuMoeLayers: bestP.cpuMoeLayers,
        placement: bestP,
        why: `Needs ${formatBytes(full.gpuBytes)} on the GPU for all layers; all ${n} fit in ${formatBytes(gpuBytes)}${cards} with the experts of the first ${bestM} of ${blocks} blocks in RAM${ts} (llama.cpp's -ngl ${n} --n-cpu-moe ${bestM}${best.counts ? ` -ts ${best.counts.join(',')}` : ''}: ${formatBytes(bestP.gpuBytes)} on the GPU, ${formatBytes(bestP.cpuBytes)} in RAM, ${formatBytes(bestP.cpuReadBytesPerToken)} of active experts read from RAM per token).`,
        ...(best.counts ? { tensorSplit: best.counts } : {}),
      },
    };
  };
  /** Plain layer offload against experts in RAM: the faster by the speed model (or the fewer bytes read from RAM). */
  const faster = (layered: FitResult, experts: { fit: FitResult; m: number; k: number }): FitResult => {
    const e = experts.fit;
    if (moe.speedOf) {
      const layeredTps = moe.speedOf(layered.placement, layered.gpuLayers);
      const expertsTps = moe.speedOf(e.placement, e.gpuLayers);
      const versus = `~${expertsTps.toFixed(1)} tok/s with the experts of ${experts.m} blocks in RAM (-ngl ${experts.k} --n-cpu-moe ${experts.m}${e.tensorSplit ? ` -ts ${e.tensorSplit.join(',')}` : ''}) against ~${layeredTps.toFixed(1)} tok/s with ${layered.gpuLayers} of ${n} layers on the GPU (-ngl ${layered.gpuLayers})`;
      return expertsTps > layeredTps
        ? { ...e, why: `${e.why} Chosen as the faster: ${versus}.` }
        : { ...layered, why: `${layered.why} Chosen as the faster: ${versus}.` };
    }
    const chosen = e.placement.cpuReadBytesPerToken < layered.placement.cpuReadBytesPerToken ? e : layered;
    return {
      ...chosen,
      why: `${chosen.why} Chosen for fewer bytes read from RAM per token: ${formatBytes(e.placement.cpuReadBytesPerToken)} with the experts of ${experts.m} blocks in RAM against ${formatBytes(layered.placement.cpuReadBytesPerToken)} with ${layered.gpuLayers} of ${n} layers on the GPU.`,
    };
  };
  if (backend !== 'cpu' && gpuBytes > 0) {
    const full = place(n, backend);
    const asked = fixedMoe > 0 ? moeClause(full) : '';
    if (fitsGpus(full) && fitsRam(full, budget)) {
      return {
        fit: movesExperts(full) ? 'partial' : 'gpu',
        gpuLayers: n,
        totalLayers: n,
        cpuMoeLayers: movesExperts(full) ? full.cpuMoeLayers : 0,
        placement: full,
        why: `All ${n} layers fit in ${formatBytes(gpuBytes)} of ${budget.unifiedMemory ? 'the shared memory the GPU may use' : 'usable VRAM'}${cards}${asked}.`,
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
    const layered: FitResult | null =
      best && fitsRam(best, budget)
        ? {
            fit: 'partial',
            gpuLayers: bestK,
            totalLayers: n,
            cpuMoeLayers: movesExperts(best) ? best.cpuMoeLayers : 0,
            placement: best,
            why: `Needs ${formatBytes(full.gpuBytes)} on the GPU for all layers${asked}; ${bestK} of ${n} fit in ${formatBytes(gpuBytes)}${cards} (llama.cpp's -ngl ${bestK}: the output layer and the last ${bestK - 1} blocks), the rest (${formatBytes(best.cpuBytes)}) run from RAM.`,
          }
        : null;
    // Not where the user fixed --n-cpu-moe (0 included), and not with unified memory, where RAM and VRAM are one pool.
    const choose = moe.nCpuMoe === undefined && !budget.unifiedMemory && expertBlockCount(model) > 0;
    const experts = choose ? expertsInRam(full) : null;
    if (layered && experts) return faster(layered, experts);
    if (experts) return experts.fit;
    if (layered) return layered;
    const mixed = choose ? layersAndExperts(full) : null;
    if (mixed) return mixed;
  }
  const cpu = place(0, 'cpu');
  // Beside a discrete GPU, llama.cpp at -ngl 0 still computes a prompt's products there (op offload), in a buffer the
  // size of -ngl 1's (the output matrix beside a micro-batch's logits) or larger: where not one layer fits, neither does
  // that, and the load needs --no-op-offload.
  const offloaded = backend !== 'cpu' && gpuBytes > 0 && !budget.unifiedMemory ? place(0, backend) : null;
  const promptsOnGpu = offloaded && offloaded.gpuBytes > 0 ? offloaded : null;
  if (cpu.cpuBytes <= budget.ramBytes) {
    const inRam = `Not even one layer fits the GPU next to its buffers; runs on the CPU from RAM (${formatBytes(cpu.cpuBytes)})`;
    return {
      fit: 'cpu',
      gpuLayers: 0,
      totalLayers: n,
      cpuMoeLayers: 0,
      placement: cpu,
      why:
        backend === 'cpu' || gpuBytes === 0
          ? `Runs on the CPU: ${formatBytes(cpu.cpuBytes)} of ${formatBytes(budget.ramBytes)} usable RAM.`
          : budget.unifiedMemory
            ? `On the GPU it needs ${formatBytes(ramNeedOf(place(n, backend), budget))} of the shared memory with the GPU's buffers, over the ${formatBytes(budget.ramBytes)} usable; without them it runs on the CPU (${formatBytes(cpu.cpuBytes)}).`
            : promptsOnGpu
              ? `${inRam}. Nor does the ${formatBytes(promptsOnGpu.gpuBytes)} llama.cpp would take on the GPU to read prompts there fit: run it with --no-op-offload, and prompts are read at the CPU's speed.`
              : `${inRam}.`,
    };
  }
  return {
    fit: 'none',
    gpuLayers: 0,
    totalLayers: n,
    cpuMoeLayers: 0,
    placement: cpu,
    why: `Too large: needs ${formatBytes(cpu.totalBytes)}, usable ${formatBytes(budget.ramBytes)} RAM${gpuBytes > 0 && !budget.unifiedMemory ? ` + ${formatBytes(gpuBytes)} VRAM${singleDevice ? ` (GPU ${mainGpu} alone, --split-mode none)` : ''}` : ''}.`,
  };
}
