// The GPU catalogue (resources/hardware/gpus.json): which entry a detected GPU is, by name or PCI
// id, and the name clean-up both the matching and the grouping of observations rely on.
import type { Gpu, GpuPreset, GpuVendor, HardwareSnapshot, MachinePreset, Source } from '../../../shared/schema';
import { defaultBackendForVendor } from '../../../core/backend';
import { GENERATION_EFFICIENCY_BY_ARCHITECTURE } from '../../../core/speed';
import { MAX_THREADS_PER_SM_BY_ARCHITECTURE } from '../../../core/placement';
import { formatBytes } from '../../../shared/units';
import { loadGpuPresets, loadGpuPromptRates } from '../../resources';
import { ONE_CHIP_ARCHITECTURES, siblingCheck, siblingCheckSummary, siblingPromptRate } from '../../../core/gpu-prompt-siblings';
import { unifiedGpuShare, workingSetShareLabel } from './apple-working-set';
import { bareDeviceId } from '../parsers/common';

/** Where whole-machine presets, and a planned machine's catalogued CPU, come from. */
export const MACHINES_FILE = 'resources/hardware/machines.json';

export const PRESETS_FILE = 'resources/hardware/gpus.json';

/** Strips trademark marks and underscores, collapses spaces. */
export function normalizeGpuName(name: string): string {
  return name
    .replace(/\((R|TM|C)\)|®|™/gi, '')
    .replace(/_/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const NAME_NOISE = new Set([
  'nvidia',
  'geforce',
  'amd',
  'ati',
  'radeon',
  'intel',
  'corporation',
  'corp',
  'inc',
  'advanced',
  'micro',
  'devices',
  'graphics',
  'gpu',
  'apple',
]);

/** Tokens that tell one GPU model from another, without vendor words or driver suffixes like "(RADV NAVI31)". */
export function gpuNameTokens(name: string): string[] {
  return normalizeGpuName(name)
    .toLowerCase()
    .replace(/\((?:[^)]*\b(radv|llvm|mesa|dri|rev)\b[^)]*)\)/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((t) => t && !NAME_NOISE.has(t));
}

/** Whether two names give the same model tokens (vendor words and driver suffixes aside). */
export function sameNameTokens(a: string, b: string): boolean {
  const ta = new Set(gpuNameTokens(a));
  const tb = new Set(gpuNameTokens(b));
  if (ta.size === 0 || ta.size !== tb.size) return false;
  for (const t of ta) if (!tb.has(t)) return false;
  return true;
}

const regexCache = new Map<string, RegExp | null>();
function presetRegex(preset: GpuPreset): RegExp | null {
  let re = regexCache.get(preset.match);
  if (re === undefined) {
    try {
      re = new RegExp(preset.match, 'i');
    } catch {
      re = null;
    }
    regexCache.set(preset.match, re);
  }
  return re;
}

export interface PresetMatch {
  preset: GpuPreset;
  via: 'name' | 'pci';
  /** Other presets the same PCI id could be (revision unknown); the smallest VRAM was chosen. */
  ambiguousWith: GpuPreset[];
}

/** A name that says nothing about the model: a bare PCI device id ("Device 744c", "... [AMD/ATI] Device 744c"). */
export function isUninformativeName(name: string): boolean {
  return !name.trim() || bareDeviceId(name) !== null || /\bDevice [0-9a-f]{4}$/i.test(name.trim());
}

function presetDevices(preset: GpuPreset): string[] {
  return (preset.pciIds ?? []).map((id) => id.slice(0, 9));
}

/**
 * The catalogued GPU a detected one is. Presets are tried in file order (specific regexes first).
 * A PCI id wins over a name only when the name's preset lists other ids and the id is catalogued
 * (e.g. the 12 GB RTX 3080 has its own id but the same name). Where one id covers several cards
 * and the revision is unknown, the one with the least VRAM is chosen, so no fit is over-promised.
 */
export function matchGpuPreset(
  query: { names: string[]; vendor?: GpuVendor | null; pciId?: string | null; pciRevision?: string | null },
  presets: GpuPreset[],
): PresetMatch | null {
  const vendor = query.vendor && query.vendor !== 'other' ? query.vendor : null;
  const pool = vendor ? presets.filter((p) => p.vendor === vendor) : presets;
  let byName: GpuPreset | null = null;
  for (const name of query.names) {
    if (!name || isUninformativeName(name)) continue;
    const normalized = normalizeGpuName(name);
    byName = pool.find((p) => presetRegex(p)?.test(normalized) ?? false) ?? null;
    if (byName) break;
  }
  const pciId = query.pciId?.toLowerCase() ?? null;
  if (!pciId) return byName ? { preset: byName, via: 'name', ambiguousWith: [] } : null;
  const exact = query.pciRevision ? pool.filter((p) => (p.pciIds ?? []).includes(`${pciId}:${query.pciRevision}`)) : [];
  const byDevice = pool.filter((p) => presetDevices(p).includes(pciId));
  if (byName && (!byName.pciIds?.length || presetDevices(byName).includes(pciId) || byDevice.length === 0)) {
    return { preset: byName, via: 'name', ambiguousWith: [] };
  }
  if (exact[0]) return { preset: exact[0], via: 'pci', ambiguousWith: [] };
  const candidates = byDevice;
  if (candidates.length === 0) return byName ? { preset: byName, via: 'name', ambiguousWith: [] } : null;
  const sorted = [...candidates].sort((a, b) => (a.vramBytes ?? Infinity) - (b.vramBytes ?? Infinity));
  const chosen = sorted[0] as GpuPreset;
  return { preset: chosen, via: 'pci', ambiguousWith: sorted.slice(1) };
}

/** A figure taken from the GPU catalogue. */
export function presetSource(preset: GpuPreset, what: string): Source {
  return { kind: 'catalogued', by: PRESETS_FILE, detail: `${what} of ${preset.name} (${preset.source})` };
}

let siblingCheckCache: string | null = null;
/** How the sibling estimate came out leave-one-out over today's catalogued rates (computed once). */
function siblingCheckNow(): string {
  siblingCheckCache ??= siblingCheckSummary(siblingCheck(loadGpuPresets(), loadGpuPromptRates()));
  return siblingCheckCache;
}

/**
 * The prompt rate of a preset on a backend: a published run of this GPU on this backend
 * (resources/hardware/gpu-prompt-rates.json); else an estimate from the published runs of its siblings, the cards of
 * its architecture on that backend (src/core/gpu-prompt-siblings.ts); else null. Another backend's run is not
 * borrowed: CUDA, ROCm, Vulkan and SYCL kernels reach very different rates on the same card.
 */
export function presetPromptRate(preset: GpuPreset, backend: string): Gpu['promptRate'] {
  const rates = loadGpuPromptRates();
  const rate = rates.find((r) => r.presetId === preset.id && r.backend === backend);
  if (!rate) {
    const sibling = siblingPromptRate(preset, backend, loadGpuPresets(), rates);
    if (!sibling) return null;
    const names = sibling.siblings.map((s) => s.name.replace(/^(NVIDIA|AMD|Intel) (GeForce |Radeon )?/, ''));
    const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
    return {
      flopsPerSec: sibling.flopsPerSec,
      source: {
        kind: 'estimated',
        by: 'gpu-prompt.siblings',
        detail: ONE_CHIP_ARCHITECTURES.includes(preset.architecture ?? '')
          ? `~${(sibling.flopsPerSec / 1e12).toFixed(1)} TFLOP/s estimated for ${preset.name} on ${backend}, which has no llama-bench run there: the median rate of ${sibling.siblings.length} other cards of its architecture (${preset.architecture}: ${shown}), which are one chip with different memories, so their bandwidth says nothing of their compute`
          : `~${(sibling.flopsPerSec / 1e12).toFixed(1)} TFLOP/s estimated for ${preset.name} on ${backend}, which has no published llama-bench run there: its ${preset.memoryBandwidthGBps} GB/s times the median ${sibling.flopsPerByte.toFixed(0)} FLOP per byte of bandwidth that ${sibling.siblings.length} other cards of its architecture (${preset.architecture}) reached in published runs on ${backend} (${shown}). Each catalogued rate predicted this way from its siblings alone: ${siblingCheckNow()}. A card that shares its memory bus with a bigger sibling but has fewer cores (an entry or laptop part) may read slower`,
      },
    };
  }
  return {
    flopsPerSec: rate.flopsPerSec,
    source: {
      kind: 'catalogued',
      by: 'resources/hardware/gpu-prompt-rates.json',
      detail: `${(rate.flopsPerSec / 1e12).toFixed(1)} TFLOP/s from ${/^https?:/.test(rate.url) ? 'a published llama-bench run' : 'a llama-bench run this project measured'} of ${preset.name} on ${rate.backend} (${rate.date}: ${rate.run}; ${rate.url})`,
    },
  };
}

/**
 * An NVIDIA preset's streaming multiprocessors (GpuPreset.multiprocessors) and the threads each keeps resident (by its
 * architecture), with where they come from; null where either is not known.
 */
export function presetMultiprocessors(preset: GpuPreset): Gpu['multiprocessors'] {
  const threadsPerSm = preset.architecture ? MAX_THREADS_PER_SM_BY_ARCHITECTURE[preset.architecture] : undefined;
  if (preset.multiprocessors === undefined || threadsPerSm === undefined) return null;
  return {
    count: preset.multiprocessors,
    threadsPerSm,
    source: presetSource(
      preset,
      `${preset.multiprocessors} streaming multiprocessors (CUDA cores per SM of its architecture), ${threadsPerSm} resident threads each (${preset.architecture})`,
    ),
  };
}

/**
 * The catalogued share of its bandwidth a preset reaches in generation (GpuPreset.generationEfficiency), with the
 * published runs it was read from; else its architecture's (GENERATION_EFFICIENCY_BY_ARCHITECTURE); null where
 * neither is known and the vendor's figure applies.
 */
export function presetGenerationEfficiency(preset: GpuPreset): Gpu['generationEfficiency'] {
  if (preset.generationEfficiency === undefined) {
    // A card of an architecture that reads more of its bandwidth than its vendor's share (speed.ts).
    const byArchitecture = preset.architecture ? GENERATION_EFFICIENCY_BY_ARCHITECTURE[preset.architecture] : undefined;
    if (!byArchitecture) return null;
    return {
      value: byArchitecture.value,
      source: { kind: 'estimated', by: 'speed.architecture-share', detail: `${preset.name}: ${byArchitecture.why}.` },
    };
  }
  const evidence = preset.figureSources?.find((f) => f.field === 'generationEfficiency');
  return {
    value: preset.generationEfficiency,
    source: {
      kind: 'catalogued',
      by: PRESETS_FILE,
      detail: `${preset.name} reads ${preset.generationEfficiency} of its ${preset.memoryBandwidthGBps} GB/s in generation${evidence ? `: ${evidence.detail ?? ''} (${evidence.url})` : ''}`,
    },
  };
}

/**
 * A saved snapshot (a profile) read against today's catalogue: each GPU of a known preset gets the catalogued prompt
 * rate, generation efficiency and memory bandwidth the catalogue has now (profiles saved before rates existed, or before its card got one), and a GPU the
 * catalogue now knows as a unified-memory GPU llama.cpp offloads to (DGX Spark, Strix Halo), saved when it was
 * planned as an integrated GPU without memory of its own, becomes one. The same snapshot back when nothing changes.
 */
export function withCatalogueUpdates(
  snapshot: HardwareSnapshot,
  presets: GpuPreset[],
  machines: readonly MachinePreset[] = [],
): HardwareSnapshot {
  let changed = false;
  const gpus = snapshot.gpus.map((g) => {
    const preset = matchGpuPreset({ names: [g.name], vendor: g.vendor }, presets)?.preset;
    let next = g;
    const rate = preset ? presetPromptRate(preset, g.backend) : null;
    if (
      g.promptRate === undefined ||
      g.promptRate?.flopsPerSec !== rate?.flopsPerSec ||
      g.promptRate?.source.detail !== rate?.source.detail
    )
      next = { ...next, promptRate: rate };
    // A catalogued bandwidth the catalogue has since corrected (the Orin Nano's Super mode): today's figure.
    if (preset && g.bandwidthSource?.kind === 'catalogued' && g.memoryBandwidthBytesPerSec !== preset.memoryBandwidthGBps * 1e9)
      next = {
        ...next,
        memoryBandwidthBytesPerSec: preset.memoryBandwidthGBps * 1e9,
        bandwidthSource: presetSource(preset, 'memory bandwidth'),
      };
    const efficiency = preset ? presetGenerationEfficiency(preset) : null;
    if (g.generationEfficiency?.value !== efficiency?.value || g.generationEfficiency?.source.detail !== efficiency?.source.detail)
      next = { ...next, generationEfficiency: efficiency };
    // A profile saved before the catalogue counted its card's SMs (or since corrected): today's count.
    const multiprocessors = preset ? presetMultiprocessors(preset) : null;
    if (
      g.multiprocessors?.count !== multiprocessors?.count ||
      g.multiprocessors?.threadsPerSm !== multiprocessors?.threadsPerSm ||
      (g.multiprocessors === undefined && multiprocessors === null)
    )
      next = { ...next, multiprocessors };
    if (preset?.unifiedMemory && preset.vendor !== 'apple' && !g.unifiedMemory && g.vramBytes === null) {
      const ramBytes = snapshot.ram.totalBytes;
      const { share, why } = unifiedGpuShare(preset, ramBytes);
      const backend = g.backend !== 'none' ? g.backend : defaultBackendForVendor(g.vendor);
      next = {
        ...next,
        backend,
        integrated: true,
        unifiedMemory: true,
        vramBytes: Math.round(ramBytes * share),
        unifiedShareOfRam: share,
        promptRate: presetPromptRate(preset, backend),
        vramSource: {
          kind: 'catalogued',
          by: PRESETS_FILE,
          detail: `${workingSetShareLabel(share)} of ${formatBytes(ramBytes)} RAM: ${why} (this profile was saved when rightsize planned ${preset.name} as a CPU-only machine)`,
        },
      };
    }
    if (next !== g) changed = true;
    return next;
  });
  const cpu = plannedCpuNow(snapshot, machines, presets);
  if (cpu) changed = true;
  return changed ? { ...snapshot, gpus, ...(cpu ? { cpu } : {}) } : snapshot;
}

/**
 * A machine planned from a whole-machine preset before the CPU was its own (the CPU stood in as the planning
 * machine's, with its cores and source): the cores the preset names now, so its commands' thread count is that
 * machine's and this machine's probe is not taken for it; where the preset names none, the CPU is marked as
 * standing in, as a newly planned one is. Null when nothing changes or the plan matches no single preset.
 */
function plannedCpuNow(
  snapshot: HardwareSnapshot,
  machines: readonly MachinePreset[],
  presets: readonly GpuPreset[],
): HardwareSnapshot['cpu'] | null {
  const cpu = snapshot.cpu;
  // 'what-if' is what-if.ts's WHAT_IF_SOURCE (that module imports this one).
  if (!snapshot.whatIf || cpu.source.by === MACHINES_FILE || cpu.source.by === 'what-if') return null;
  // The machine preset it was planned from: the CPU's name it wrote, and its GPUs.
  const gpuNames = snapshot.gpus.map((g) => g.name).sort();
  const presetGpus = (m: MachinePreset): string[] =>
    m.gpus.flatMap((g) => Array.from({ length: g.count }, () => presets.find((p) => p.id === g.presetId)?.name ?? '')).sort();
  const named = machines.filter((m) => (m.cpu ?? m.name) === cpu.model && presetGpus(m).join('\n') === gpuNames.join('\n'));
  const machine = named[0];
  if (!machine) return null;
  const cores = machine.cpuCores;
  if (cores && named.some((m) => m.cpuCores?.physical !== cores.physical || m.cpuCores?.logical !== cores.logical)) return null;
  if (!cores)
    return {
      ...cpu,
      source: {
        kind: 'assumed',
        by: 'what-if',
        detail: `${machine.name} names no CPU: the cores shown are those of the machine that planned it, and commands leave the thread count to llama.cpp`,
      },
    };
  return {
    ...cpu,
    physicalCores: cores.physical,
    logicalCores: cores.logical,
    simd: [],
    source: {
      kind: 'catalogued',
      by: MACHINES_FILE,
      detail: `${cpu.model}: ${cores.physical} cores, ${cores.logical} threads (${machine.source}; this profile was saved before the preset named them)`,
    },
  };
}
