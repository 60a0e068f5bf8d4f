// How much memory a model may use on this hardware: VRAM and RAM less the headroom the OS,
// the display and other apps need. The headroom is shown, never hidden.
import type { Budget, Gpu, HardwareSnapshot, Source } from '../shared/schema';
import { GiB, MiB, formatBytes } from '../shared/units';
import { defaultBackendForVendor } from './backend';
import { repackTypesFor, type ComputeBackend } from './estimate';
import { backendOverheadBytes, type Multiprocessors } from './placement';
import { APPLE_GPU_GENERATION_EFFICIENCY, CPU_BANDWIDTH_EFFICIENCY, GPU_BANDWIDTH_EFFICIENCY, gpuBandwidthEfficiency } from './speed';

/** VRAM kept free for the display, the driver and other GPU users. */
function gpuHeadroomBytes(vramBytes: number): number {
  return Math.max(512 * MiB, Math.round(vramBytes * 0.05));
}

/** RAM kept free for the OS and the apps a person has open next to the model. */
function ramHeadroomBytes(ramBytes: number): number {
  return Math.max(2 * GiB, Math.round(ramBytes * 0.15));
}

export interface ComputeTarget {
  budget: Budget;
  backend: ComputeBackend;
  /** GPUs whose memory is pooled (llama.cpp splits layers across same-vendor GPUs). */
  gpus: Gpu[];
  /** Each GPU's own usable VRAM, in device order: a split must fit every one (budget.gpuBytes is their sum, for display). */
  gpuBudgetsBytes: number[];
  /** Each GPU's memory bandwidth, in device order (null where unknown). */
  gpuBandwidthsBytesPerSec: Array<number | null>;
  gpuBandwidthBytesPerSec: number | null;
  /** The share of that bandwidth the pooled GPUs (one vendor) reach in generation. */
  gpuBandwidthEfficiency: number;
  /** Where a GPU's own efficiency comes from (its catalogued preset's published runs); null: the vendor's figure. */
  gpuBandwidthEfficiencySource: Source | null;
  cpuBandwidthBytesPerSec: number | null;
  /** Where cpuBandwidthBytesPerSec comes from when it is not the hardware's own figure (a shared memory's cap). */
  cpuBandwidthSource?: Source;
  /** Matrix types the CPU repacks while loading (x86 AVX2: Q4_0, Q4_K...). */
  repackTypes: ReadonlySet<string>;
  /** Each GPU's backend overhead (driver context, libraries), in device order: for CUDA by the threads its SMs keep resident. */
  gpuOverheadBytes: number[];
  /** How gpuOverheadBytes was reckoned, in words (the report's memory source). */
  gpuOverheadDetail: string;
}

/** The GPUs a model can use: dedicated ones with known VRAM, or Apple's unified-memory GPU. */
function usableGpus(hardware: HardwareSnapshot): Gpu[] {
  const candidates = hardware.gpus.filter(
    (g) => g.backend !== 'none' || g.unifiedMemory || (!g.integrated && g.vramBytes !== null && g.vramBytes > 0),
  );
  const dedicated = candidates.filter((g) => (!g.integrated || g.unifiedMemory) && g.vramBytes !== null && g.vramBytes > 0);
  if (dedicated.length === 0) return [];
  // Pool same-vendor GPUs (one backend loads them all); pick the vendor with the most memory.
  const byVendor = new Map<string, Gpu[]>();
  for (const g of dedicated) byVendor.set(g.vendor, [...(byVendor.get(g.vendor) ?? []), g]);
  let best: Gpu[] = [];
  let bestBytes = -1;
  for (const group of byVendor.values()) {
    const bytes = group.reduce((s, g) => s + (g.vramBytes ?? 0), 0);
    if (bytes > bestBytes) {
      best = group;
      bestBytes = bytes;
    }
  }
  return best;
}

function backendOf(gpu: Gpu): ComputeBackend {
  return gpu.backend !== 'none' ? gpu.backend : defaultBackendForVendor(gpu.vendor);
}

export function computeTarget(hardware: HardwareSnapshot): ComputeTarget {
  const ramTotal = hardware.ram.totalBytes;
  const ramHeadroom = ramHeadroomBytes(ramTotal);
  const gpus = usableGpus(hardware);
  const cpuBandwidth = hardware.cpu.memoryBandwidthBytesPerSec;
  if (gpus.length === 0) {
    return {
      budget: {
        gpuBytes: 0,
        gpuHeadroomBytes: 0,
        ramBytes: Math.max(0, ramTotal - ramHeadroom),
        ramHeadroomBytes: ramHeadroom,
        unifiedMemory: false,
        gpuName: null,
        explanation: `No GPU that llama.cpp can offload to: models run on the CPU from RAM. ${formatBytes(ramTotal)} RAM less ${formatBytes(ramHeadroom)} kept for the OS and other apps.`,
      },
      backend: 'cpu',
      gpus: [],
      gpuBudgetsBytes: [],
      gpuBandwidthsBytesPerSec: [],
      gpuBandwidthBytesPerSec: null,
      gpuBandwidthEfficiency: GPU_BANDWIDTH_EFFICIENCY,
      gpuBandwidthEfficiencySource: null,
      cpuBandwidthBytesPerSec: cpuBandwidth,
      repackTypes: repackTypesFor(hardware.os.arch, hardware.cpu.simd),
      gpuOverheadBytes: [],
      gpuOverheadDetail: '',
    };
  }
  const first = gpus[0] as Gpu;
  const vram = gpus.reduce((s, g) => s + (g.vramBytes ?? 0), 0);
  const unified = first.unifiedMemory;
  // Memory set aside for a unified GPU in the BIOS is outside the RAM the OS reports, and models share it too.
  const reserved = unified ? gpus.reduce((s, g) => s + (g.reservedRamBytes ?? 0), 0) : 0;
  const gpuHeadroom = unified ? 0 : gpus.reduce((s, g) => s + gpuHeadroomBytes(g.vramBytes ?? 0), 0);
  const name = gpusLabel(gpus);
  const bandwidths = gpus.map((g) => g.memoryBandwidthBytesPerSec).filter((b): b is number => b !== null);
  const listedEff = first.generationEfficiency?.value ?? gpuBandwidthEfficiency(first.vendor, unified);
  // An Apple GPU without a figure of its own takes Metal's (fitted on llama.cpp's Apple scoreboard, src/core/speed.ts).
  const appleEff =
    !first.generationEfficiency && first.vendor === 'apple'
      ? {
          value: APPLE_GPU_GENERATION_EFFICIENCY,
          source: {
            kind: 'catalogued' as const,
            by: "llama.cpp's Apple Silicon scoreboard",
            detail:
              'fitted on 53 runs of LLaMA 7B (F16, Q8_0, Q4_0) on 19 chips, M1 to M4 Max and M3 Ultra, with 150 µs per block (https://github.com/ggml-org/llama.cpp/discussions/4167)',
          },
        }
      : null;
  const gpuEff = appleEff?.value ?? listedEff;
  // On one shared memory the CPU's cores read no faster than the GPU does: a planned machine's CPU is given the
  // memory's full catalogued bandwidth, which would make a model left on the CPU run faster than on the GPU. (The cap
  // keeps the general share: an Apple CPU reads far less of the memory than its GPU does.)
  const sharedCap = unified && bandwidths.length ? (Math.min(...bandwidths) * listedEff) / CPU_BANDWIDTH_EFFICIENCY : null;
  const cpuCapped = sharedCap !== null && cpuBandwidth !== null && cpuBandwidth > sharedCap;
  return {
    budget: {
      gpuBytes: Math.max(0, vram - gpuHeadroom),
      gpuHeadroomBytes: gpuHeadroom,
      ramBytes: Math.max(0, ramTotal - ramHeadroom) + reserved,
      ramHeadroomBytes: ramHeadroom,
      unifiedMemory: unified,
      gpuName: name,
      explanation: unified
        ? `${name} shares RAM with the CPU: the GPU may use up to ${formatBytes(vram)} of ${formatBytes(ramTotal + reserved)}${reserved > 0 ? ` (${formatBytes(reserved)} of it set aside for the GPU in the BIOS, outside the OS's ${formatBytes(ramTotal)})` : first.vendor === 'apple' ? ' (its working-set limit)' : ' (what its llama.cpp backend may allocate)'}; ${formatBytes(ramHeadroom)} of RAM is kept for the OS and other apps.`
        : `${name}: ${formatBytes(vram)} VRAM less ${formatBytes(gpuHeadroom)} for the display and driver; ${formatBytes(ramTotal)} RAM less ${formatBytes(ramHeadroom)} for the OS and other apps holds what does not fit.${gpus.length > 1 ? ' The layers are split across the cards (llama.cpp splits by free memory unless given a tensor split): each card must hold its own share.' : ''}${busyVramNote(hardware, gpus)}`,
    },
    backend: backendOf(first),
    gpus,
    gpuBudgetsBytes: unified ? [Math.max(0, vram)] : gpus.map((g) => Math.max(0, (g.vramBytes ?? 0) - gpuHeadroomBytes(g.vramBytes ?? 0))),
    gpuBandwidthsBytesPerSec: gpus.map((g) => g.memoryBandwidthBytesPerSec),
    gpuBandwidthBytesPerSec: bandwidths.length ? Math.min(...bandwidths) : null,
    gpuBandwidthEfficiency: gpuEff,
    gpuBandwidthEfficiencySource: first.generationEfficiency?.source ?? appleEff?.source ?? null,
    cpuBandwidthBytesPerSec: cpuCapped ? sharedCap : cpuBandwidth,
    ...(cpuCapped
      ? {
          cpuBandwidthSource: {
            kind: 'estimated' as const,
            by: 'budget.shared-memory',
            detail: `${name}'s CPU and GPU share one memory: the CPU is read at no more than the GPU reaches (${((sharedCap * CPU_BANDWIDTH_EFFICIENCY) / 1e9).toFixed(0)} GB/s), not the ${((cpuBandwidth as number) / 1e9).toFixed(0)} GB/s given for the memory`,
          },
        }
      : {}),
    // No repacked copy beside a GPU: llama.cpp lists the GPU's host buffer type (CUDA_Host, ROCm's, Vulkan's pinned
    // memory) before CPU_REPACK for every weight left in RAM, layers not offloaded and experts kept in RAM alike
    // (make_cpu_buft_list), and with mmap loads it in the mapped file instead ("tensor ... cannot be used with
    // preferred buffer type CUDA_Host, using CPU instead"): CPU_Mapped, never repacked. Only a CPU-only machine (and
    // an RPC device, which has no host buffer type: bench/fit-params-compare.ts) repacks. A unified GPU holds it all.
    repackTypes: new Set<string>(),
    ...gpuOverheads(gpus, backendOf(first)),
  };
}

/** Each GPU's backend overhead and how it was reckoned: CUDA's context by the card's resident threads, else the backend's flat figure. */
function gpuOverheads(gpus: readonly Gpu[], backend: ComputeBackend): Pick<ComputeTarget, 'gpuOverheadBytes' | 'gpuOverheadDetail'> {
  // The fit is of discrete cards' breakdowns; a unified GPU's context lives in RAM beside the CUDA libraries (a flat figure).
  const smsOf = (g: Gpu): Multiprocessors | undefined => {
    const m = g.multiprocessors;
    return backend === 'cuda' && !g.unifiedMemory && m?.threadsPerSm ? { count: m.count, threadsPerSm: m.threadsPerSm } : undefined;
  };
  const bytes = gpus.map((g) => backendOverheadBytes(backend, smsOf(g)));
  const seen = new Set<string>();
  const parts = gpus.flatMap((g, i) => {
    const sms = smsOf(g);
    const words = sms
      ? `${formatBytes(bytes[i] ?? 0)} on ${g.name}: the CUDA context of its ${sms.count} SMs of ${sms.threadsPerSm} resident threads (32 MiB + 1.85 KiB per thread, fitted on llama.cpp's memory breakdowns of 12 cards) and 100 MiB for cuBLAS, kernels and buffer pools`
      : `${formatBytes(bytes[i] ?? 0)} for ${backend.toUpperCase()}'s context and libraries on ${g.name}${backend === 'cuda' ? (g.unifiedMemory ? ' (a flat figure: it shares RAM)' : ' (its SM count is not catalogued: a flat figure)') : ''}`;
    if (seen.has(words)) return [];
    seen.add(words);
    return [words];
  });
  return { gpuOverheadBytes: bytes, gpuOverheadDetail: `backend overhead ${parts.join('; ')}` };
}

/**
 * Other programs holding VRAM when it was detected (another model, a game): the fit is sized to the whole
 * card, as a plan should be, and this says what will not load until they let go of it. Not for a what-if.
 */
function busyVramNote(hardware: HardwareSnapshot, gpus: readonly Gpu[]): string {
  if (hardware.whatIf) return '';
  const busy = gpus.flatMap((g) => {
    if (g.vramBytes === null || g.vramFreeBytes === null) return [];
    const used = g.vramBytes - g.vramFreeBytes;
    return used > gpuHeadroomBytes(g.vramBytes) + BUSY_VRAM_MARGIN_BYTES ? [{ g, used }] : [];
  });
  if (busy.length === 0) return '';
  const which = busy.map(
    ({ g, used }) => `${formatBytes(used)} of ${g.name}'s VRAM was in use (${formatBytes(g.vramFreeBytes ?? 0)} free, ${g.vramSource.by})`,
  );
  return ` When detected, other programs held VRAM: ${which.join('; ')}. The rows assume the whole card; a model that needs more than is free will not load on the GPU until they let go of it.`;
}

/** VRAM in use beyond the display's headroom that is worth telling: less is a desktop's ordinary use. */
const BUSY_VRAM_MARGIN_BYTES = GiB;

/** "2 x RTX 3090", or "RTX 3090 + RTX 3060" for mixed cards, in device order. */
function gpusLabel(gpus: readonly Gpu[]): string {
  const groups: Array<{ name: string; count: number }> = [];
  for (const g of gpus) {
    const last = groups[groups.length - 1];
    if (last && last.name === g.name) last.count += 1;
    else groups.push({ name: g.name, count: 1 });
  }
  return groups.map((g) => (g.count > 1 ? `${g.count} x ${g.name}` : g.name)).join(' + ');
}
