// Upgrade advice, pure: one model sized on this machine and on candidate hardware (presets built
// by the node side), the candidates that reach the wanted speed ranked smallest first (with the
// cheapest priced one named, where presets carry a published price), and what this machine lacks.
import type { KvType } from '../shared/precision';
import type { Gpu, HardwareSnapshot, PresetPrice, SpeedCalibration, UpgradeAdvice, UpgradeCandidate, UpgradeFit } from '../shared/schema';
import { formatBytes, formatTokPerSec } from '../shared/units';
import { computeTarget, type ComputeTarget } from './budget';
import { buildMemoryModelFromLayout } from './estimate';
import { offloadableLayers, placeModel } from './placement';
import { sizeModel, type SizableModel } from './report';

export interface UpgradeSettings {
  contextTokens: number;
  kvType: KvType;
  /** A candidate must generate at least this many tokens per second. */
  minTokPerSec: number;
}

/** Hardware to size the model on: a whole-machine preset, or a GPU preset in this machine. */
export interface UpgradeOption {
  id: string;
  name: string;
  kind: UpgradeCandidate['kind'];
  source: string;
  note: string | null;
  /** The preset's published price (for a GPU option: the card alone); null where none was found. */
  price: PresetPrice | null;
  hardware: HardwareSnapshot;
  /** This machine's probe figures where the option keeps its CPU; null for another machine. */
  calibration: SpeedCalibration | null;
}

const BY_SIZE = 'the least VRAM + RAM first, then the fastest';

/** "$1,599" */
function formatUsd(usd: number): string {
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/** The cheapest candidate with a published price (the first in size order on a tie), or null. */
function cheapestPriced(candidates: readonly UpgradeCandidate[]): UpgradeCandidate | null {
  let best: UpgradeCandidate | null = null;
  for (const c of candidates) if (c.price && (!best?.price || c.price.usd < best.price.usd)) best = c;
  return best;
}

/**
 * How the candidates are ordered, and what the prices say. Prices are never invented: a candidate
 * without one is not cheaper or dearer, it is unknown, so the order stays by size and the cheapest
 * priced candidate is named beside it. A GPU's price is the card alone, a machine's the whole box.
 */
function describeOrder(candidates: readonly UpgradeCandidate[], cheapest: UpgradeCandidate | null): string {
  const priced = candidates.filter((c) => c.price).length;
  if (!cheapest?.price) {
    return `No candidate carries a published price, so candidates are ordered by size: ${BY_SIZE}.`;
  }
  return (
    `Ordered by size: ${BY_SIZE}. ${priced} of ${candidates.length} ${priced === 1 ? 'carries' : 'carry'} a published price (a card's price is the card alone, a machine's the whole machine); ` +
    `the cheapest of those is ${cheapest.name} at ${formatUsd(cheapest.price.usd)} (${cheapest.price.kind}, ${cheapest.price.date}). The others have no published price here, not a higher one.`
  );
}

function sizeOn(
  model: SizableModel,
  hardware: HardwareSnapshot,
  calibration: SpeedCalibration | null,
  settings: UpgradeSettings,
): UpgradeFit {
  const target = computeTarget(hardware);
  const { row } = sizeModel(model, hardware, target, { contextTokens: settings.contextTokens, kvType: settings.kvType, calibration });
  return {
    fit: row.fit,
    gpuLayers: row.gpuLayers,
    totalLayers: row.totalLayers,
    gpuBytes: row.memory.gpuBytes,
    cpuBytes: row.memory.cpuBytes,
    tokPerSec: row.tokPerSec,
  };
}

const runsAt = (fit: UpgradeFit, minTokPerSec: number): boolean =>
  fit.fit !== 'none' && fit.tokPerSec !== null && fit.tokPerSec >= minTokPerSec;

/** Dedicated VRAM of the GPUs llama.cpp would use, and RAM; a unified-memory GPU's share is RAM already. */
function memoryOf(hardware: HardwareSnapshot, target: ComputeTarget): { vramBytes: number; ramBytes: number } {
  const vramBytes = target.budget.unifiedMemory ? 0 : target.gpus.reduce((sum, g) => sum + (g.vramBytes ?? 0), 0);
  return { vramBytes, ramBytes: hardware.ram.totalBytes };
}

/** "2 x NVIDIA GeForce RTX 3090 (24.0 GiB each), 128.0 GiB RAM". */
function describeHardware(hardware: HardwareSnapshot): string {
  const target = computeTarget(hardware);
  const ram = formatBytes(hardware.ram.totalBytes);
  if (target.gpus.length === 0) return `no GPU llama.cpp offloads to, ${ram} RAM`;
  if (target.budget.unifiedMemory) return `${(target.gpus[0] as Gpu).name}, ${ram} unified memory`;
  const counts = new Map<string, { count: number; vram: number }>();
  for (const g of target.gpus) {
    const seen = counts.get(g.name);
    counts.set(g.name, { count: (seen?.count ?? 0) + 1, vram: g.vramBytes ?? 0 });
  }
  const gpus = [...counts].map(([name, { count, vram }]) =>
    count > 1 ? `${count} x ${name} (${formatBytes(vram)} each)` : `${name} (${formatBytes(vram)})`,
  );
  return `${gpus.join(' + ')}, ${ram} RAM`;
}

/** What keeps `hardware` from running the model at the wanted speed, in figures a buyer can act on. */
function shortfalls(model: SizableModel, hardware: HardwareSnapshot, fit: UpgradeFit, settings: UpgradeSettings): string[] {
  if (runsAt(fit, settings.minTokPerSec)) return [];
  const target = computeTarget(hardware);
  const ctx = Math.min(settings.contextTokens, model.maxContext);
  const memory = buildMemoryModelFromLayout(model.shape, model.weights, ctx, settings.kvType);
  const n = offloadableLayers(memory);
  const place = (k: number): ReturnType<typeof placeModel> =>
    placeModel(memory, k, target.backend, {
      repackTypes: target.repackTypes,
      ...(target.gpuOverheadBytes.length ? { gpuOverheadBytes: target.gpuOverheadBytes } : {}),
    });
  const lacks: string[] = [];
  if (target.backend === 'cpu') lacks.push('has no GPU llama.cpp can offload to');
  else {
    const all = place(n);
    const short = all.gpuBytes - target.budget.gpuBytes;
    const what = target.budget.unifiedMemory ? 'GPU-usable unified memory' : 'VRAM';
    if (short > 0)
      lacks.push(
        `needs ${formatBytes(short)} more ${what} for all ${n} layers on the GPU (${formatBytes(all.gpuBytes)} needed, ${formatBytes(target.budget.gpuBytes)} usable)`,
      );
  }
  if (fit.fit === 'none') {
    // RAM holds what the GPU cannot: with as many layers on the GPU as fit, the rest must fit in RAM.
    let k = target.backend === 'cpu' ? 0 : n;
    while (k > 0 && place(k).gpuBytes > target.budget.gpuBytes) k -= 1;
    const placed = place(k);
    const inRam = target.budget.unifiedMemory ? placed.totalBytes : placed.cpuBytes;
    const short = inRam - target.budget.ramBytes;
    if (short > 0)
      lacks.push(
        `needs ${formatBytes(short)} more RAM (${k === 0 ? 'all on the CPU' : `${k} of ${n} layers on the GPU, the rest in RAM`}: ${formatBytes(inRam)} needed, ${formatBytes(target.budget.ramBytes)} usable)`,
      );
  } else {
    lacks.push(`runs at ${formatTokPerSec(fit.tokPerSec)} tok/s, below ${settings.minTokPerSec}`);
  }
  return lacks;
}

/** Every option that runs the model at the wanted speed, smallest (VRAM + RAM) first, then the fastest. */
function rankUpgrades(model: SizableModel, options: readonly UpgradeOption[], settings: UpgradeSettings): UpgradeCandidate[] {
  const candidates: UpgradeCandidate[] = [];
  for (const option of options) {
    const fit = sizeOn(model, option.hardware, option.calibration, settings);
    if (!runsAt(fit, settings.minTokPerSec)) continue;
    const memory = memoryOf(option.hardware, computeTarget(option.hardware));
    candidates.push({
      ...fit,
      ...memory,
      id: option.id,
      name: option.name,
      kind: option.kind,
      hardware: describeHardware(option.hardware),
      source: option.source,
      note: option.note,
      price: option.price,
    });
  }
  const size = (c: UpgradeCandidate): number => c.vramBytes + c.ramBytes;
  return candidates.sort((a, b) => size(a) - size(b) || (b.tokPerSec ?? 0) - (a.tokPerSec ?? 0) || a.name.localeCompare(b.name));
}

/** This machine's fit and shortfalls, and the presets that would run the model. */
export function adviseUpgrade(
  model: SizableModel,
  here: { hardware: HardwareSnapshot; calibration: SpeedCalibration | null },
  options: readonly UpgradeOption[],
  settings: UpgradeSettings,
): UpgradeAdvice {
  const fit = sizeOn(model, here.hardware, here.calibration, settings);
  const candidates = rankUpgrades(model, options, settings);
  const cheapest = cheapestPriced(candidates);
  return {
    profile: null,
    model: {
      id: model.modelId,
      name: model.name,
      quant: model.quant,
      paramsB: model.paramsB,
      contextTokens: Math.min(settings.contextTokens, model.maxContext),
      kvType: settings.kvType,
    },
    minTokPerSec: settings.minTokPerSec,
    thisMachine: {
      ...fit,
      hardware: describeHardware(here.hardware),
      runs: runsAt(fit, settings.minTokPerSec),
      lacks: shortfalls(model, here.hardware, fit, settings),
    },
    candidates,
    considered: options.length,
    order: describeOrder(candidates, cheapest),
    cheapest: cheapest?.id ?? null,
  };
}
