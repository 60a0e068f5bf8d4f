// The memory a GPU offers a model, one policy per kind of GPU: Apple's unified memory (Metal's
// working set), an integrated GPU (none of its own), a dedicated GPU (the most trusted tool's
// reading, else the catalogue). Every figure not chosen is kept as an alternative, with the reason.
import type { Alternative, GpuPreset, Source } from '../../../shared/schema';
import { formatBytes } from '../../../shared/units';
import type { GpuObservation } from '../parsers/common';
import { appleWorkingSetShare, unifiedGpuShare, workingSetShareLabel } from './apple-working-set';
import { detectedSource, toolLabel } from './observations';
import { PRESETS_FILE, presetSource } from './presets';
import { isAtWmiCap, judgeVramReading, type DistrustedReading, type TrustedReading, type VramReading } from './vram-readings';

export interface VramChoice {
  vramBytes: number | null;
  vramFreeBytes: number | null;
  vramSource: Source;
  unifiedShareOfRam: number | null;
  /** A unified GPU's BIOS carve-out, outside the RAM the OS reports (Gpu.reservedRamBytes). */
  reservedRamBytes?: number | null;
  alternatives: Alternative[];
  notes: string[];
}

type WorkingSet = Pick<VramChoice, 'vramSource' | 'vramFreeBytes'> & { vramBytes: number };

// ---------------------------------------------------------------- unified memory (Apple Silicon)

/** Metal's working set: node-llama-cpp's reading, else llama.cpp's Metal log, else macOS's default share of RAM. */
function metalWorkingSet(llamaMetal: GpuObservation | undefined, ramBytes: number, metalLogBytes: number | null): WorkingSet {
  if (llamaMetal && llamaMetal.vramBytes !== null) {
    return {
      vramBytes: llamaMetal.vramBytes,
      vramFreeBytes: llamaMetal.vramFreeBytes,
      vramSource: { kind: 'detected', by: 'node-llama-cpp (metal)', detail: "getVramState().total: Metal's recommendedMaxWorkingSetSize" },
    };
  }
  if (metalLogBytes !== null)
    return {
      vramBytes: metalLogBytes,
      vramFreeBytes: null,
      vramSource: { kind: 'detected', by: 'llama.cpp metal log', detail: 'recommendedMaxWorkingSetSize' },
    };
  const share = appleWorkingSetShare(ramBytes);
  return {
    vramBytes: Math.round(ramBytes * share),
    vramFreeBytes: null,
    vramSource: {
      kind: 'estimated',
      by: 'rightsize',
      detail: `${workingSetShareLabel(share)} of ${formatBytes(ramBytes)} RAM: macOS's default GPU working set (node-llama-cpp's Metal figure is not available)`,
    },
  };
}

/**
 * Another maker's unified-memory GPU (DGX Spark, Strix Halo): what its llama.cpp backend reports
 * through node-llama-cpp (CUDA's or Vulkan's total, which is the RAM the GPU may allocate), else the
 * catalogued share of RAM. nvidia-smi's "Not Supported" and a BIOS carve-out are kept as alternatives.
 */
function sharedGpuVram(obs: GpuObservation[], preset: GpuPreset, ramBytes: number, platform: string): VramChoice {
  // What the backend reports is what it may allocate; a reading under a quarter of the RAM is the BIOS's small
  // default carve-out seen through the backend, not that.
  const llama = obs.find((o) => o.by === 'node-llama-cpp' && o.vramBytes !== null && o.vramBytes >= ramBytes / 4);
  const { share, why } = unifiedGpuShare(preset, ramBytes);
  // Several GiB in the driver's own view (registry, systeminformation, rocm-smi) is memory set aside in the
  // BIOS: the OS no longer counts it as RAM, and the GPU may use it and, as any iGPU, half of the rest.
  let carve: GpuObservation | null = null;
  for (const o of obs) {
    if (o.by === 'node-llama-cpp' || o.vramBytes === null || o.vramBytes <= MIN_CARVE_OUT_BYTES || isAtWmiCap(o, platform)) continue;
    if (!carve || o.vramBytes > (carve.vramBytes ?? 0)) carve = o;
  }
  const carveBytes = carve?.vramBytes ?? 0;
  let chosen: WorkingSet;
  if (llama && (llama.vramBytes as number) >= carveBytes)
    chosen = {
      vramBytes: llama.vramBytes as number,
      vramFreeBytes: llama.vramFreeBytes,
      vramSource: {
        ...detectedSource(llama),
        detail: `${preset.name} shares RAM with the CPU: the memory its llama.cpp backend may allocate`,
      },
    };
  else if (carve)
    chosen = {
      vramBytes: carveBytes + Math.round(ramBytes / 2),
      vramFreeBytes: null,
      vramSource: {
        ...detectedSource(carve),
        detail: `${formatBytes(carveBytes)} set aside for the GPU in the BIOS, plus half of the ${formatBytes(ramBytes)} the OS keeps (shared GPU memory)`,
      },
    };
  else
    chosen = {
      vramBytes: Math.round(ramBytes * share),
      vramFreeBytes: null,
      vramSource: {
        kind: 'catalogued',
        by: PRESETS_FILE,
        detail: `${workingSetShareLabel(share)} of ${formatBytes(ramBytes)} RAM: ${why}`,
      },
    };
  const pool = ramBytes + carveBytes;
  const alternatives = obs
    .filter((o) => o.vramBytes !== null && o !== llama && o !== carve)
    .map((o) => ({
      field: 'vramBytes',
      value: o.vramBytes,
      source: detectedSource(o),
      why: `${preset.name} has no VRAM of its own: this figure is a carve-out or a tool's view, not what llama.cpp may allocate.`,
    }));
  return {
    ...chosen,
    unifiedShareOfRam: pool > 0 ? Math.min(1, chosen.vramBytes / pool) : null,
    reservedRamBytes: carve ? carveBytes : null,
    alternatives,
    notes: [
      ...(preset.note ? [preset.note] : []),
      ...(carve
        ? [
            `${formatBytes(carveBytes)} is set aside for the GPU in the BIOS: the OS reports ${formatBytes(ramBytes)} of RAM, and models share ${formatBytes(pool)}.`,
          ]
        : []),
    ],
  };
}

/** Up to this a unified GPU's own reading is the BIOS's small default (512 MiB to 4 GiB), not a deliberate carve-out. */
const MIN_CARVE_OUT_BYTES = 4 * 2 ** 30;

/** Unified memory: Apple's budget is Metal's working set, part of the RAM; another maker's, see sharedGpuVram. */
export function unifiedMemoryVram(
  obs: GpuObservation[],
  ramBytes: number,
  metalLogBytes: number | null,
  preset: GpuPreset | null = null,
  platform = '',
): VramChoice {
  if (preset && preset.vendor !== 'apple') return sharedGpuVram(obs, preset, ramBytes, platform);
  const llamaMetal = obs.find((o) => o.by === 'node-llama-cpp' && o.hints.llamaBackend === 'metal' && o.vramBytes !== null);
  const workingSet = metalWorkingSet(llamaMetal, ramBytes, metalLogBytes);
  const alternatives = obs
    .filter((o) => o.vramBytes !== null && o !== llamaMetal)
    .map((o) => ({
      field: 'vramBytes',
      value: o.vramBytes,
      source: detectedSource(o),
      why: 'Apple Silicon has no VRAM of its own; the GPU uses a share of the unified RAM.',
    }));
  return { ...workingSet, unifiedShareOfRam: ramBytes > 0 ? Math.min(1, workingSet.vramBytes / ramBytes) : null, alternatives, notes: [] };
}

// ---------------------------------------------------------------- integrated GPUs

/** An integrated GPU: no dedicated VRAM; what tools report is a carve-out or borrowable RAM. */
export function integratedGpuVram(obs: GpuObservation[], preset: GpuPreset | null): VramChoice {
  const vramSource: Source = preset
    ? { kind: 'catalogued', by: PRESETS_FILE, detail: `${preset.name} is an integrated GPU: no dedicated VRAM (${preset.source})` }
    : { kind: 'detected', by: obs.map(toolLabel).join(', '), detail: 'integrated GPU: no dedicated VRAM' };
  const alternatives = obs
    .filter((o) => o.vramBytes !== null)
    .map((o) => ({
      field: 'vramBytes',
      value: o.vramBytes,
      source: detectedSource(o),
      why:
        o.by === 'node-llama-cpp'
          ? "node-llama-cpp's Vulkan total on an integrated GPU is the system RAM it may share, not dedicated VRAM."
          : 'An integrated GPU has no VRAM of its own: this is a BIOS carve-out or the share of system RAM it may borrow.',
    }));
  return {
    vramBytes: null,
    vramFreeBytes: null,
    vramSource,
    unifiedShareOfRam: null,
    alternatives,
    notes: ['Integrated GPU: it shares system RAM with the CPU.'],
  };
}

// ---------------------------------------------------------------- dedicated GPUs

type DedicatedChoice = Pick<VramChoice, 'vramBytes' | 'vramFreeBytes' | 'vramSource' | 'notes'>;

/** The most trusted tool's reading; free VRAM from it, or from the next tool that reports it. */
function trustedToolVram(chosen: TrustedReading, trusted: TrustedReading[], platform: string): DedicatedChoice {
  return {
    vramBytes: chosen.value,
    vramFreeBytes: chosen.free ?? trusted.find((t) => t.free !== null)?.free ?? null,
    vramSource: chosen.source,
    // Trusted at the cap only because the catalogue says the card has at most 4 GB.
    notes: isAtWmiCap(chosen.obs, platform) ? ['Windows reports at most 4 GB through WMI; this card may have more VRAM than shown.'] : [],
  };
}

/** No tool's reading stands: the catalogue's size for this model. */
function catalogueVram(preset: GpuPreset, vramBytes: number, anyDistrusted: boolean): DedicatedChoice {
  const notes: string[] = [];
  if (anyDistrusted)
    notes.push(`VRAM taken from the catalogue for ${preset.name}: the detected figure is known to be wrong on this platform.`);
  if (preset.note) notes.push(preset.note);
  return { vramBytes, vramFreeBytes: null, vramSource: presetSource(preset, 'VRAM'), notes };
}

function unknownVram(anyDistrusted: boolean): DedicatedChoice {
  return {
    vramBytes: null,
    vramFreeBytes: null,
    vramSource: {
      kind: 'assumed',
      by: 'rightsize',
      detail: anyDistrusted
        ? 'unknown: the only figure detected is known to be wrong on this platform'
        : 'unknown: no source reported VRAM for this GPU',
    },
    notes: [],
  };
}

/** Other trusted readings that differ from the chosen one by more than 2 %. */
function outranked(chosen: TrustedReading, trusted: TrustedReading[]): Alternative[] {
  return trusted
    .filter((t) => t !== chosen && Math.abs(t.value - chosen.value) > chosen.value * 0.02)
    .map((t) => ({
      field: 'vramBytes',
      value: t.value,
      source: t.source,
      why: `${toolLabel(chosen.obs)} is more trustworthy for VRAM than ${toolLabel(t.obs)}.`,
    }));
}

/** The catalogue's size where the card itself reports more than 5 % different (a variant of the model). */
function catalogueDisagrees(chosen: TrustedReading, preset: GpuPreset | null): Alternative[] {
  if (!preset?.vramBytes || Math.abs(preset.vramBytes - chosen.value) <= preset.vramBytes * 0.05) return [];
  return [
    {
      field: 'vramBytes',
      value: preset.vramBytes,
      source: presetSource(preset, 'VRAM'),
      why: 'The catalogue gives the usual size for this name; the detected figure is the card itself.',
    },
  ];
}

/** A dedicated GPU: the most trusted tool's reading, else the catalogue's size, else unknown. */
export function dedicatedGpuVram(obs: GpuObservation[], preset: GpuPreset | null, platform: string): VramChoice {
  const readings = obs.map((o) => judgeVramReading(o, platform, preset)).filter((r): r is VramReading => r !== null);
  const trusted = readings.filter((r): r is TrustedReading => r.trusted).sort((a, b) => a.rank - b.rank);
  const distrusted = readings.filter((r): r is DistrustedReading => !r.trusted);
  const chosen = trusted[0] ?? null;
  let choice: DedicatedChoice;
  if (chosen) choice = trustedToolVram(chosen, trusted, platform);
  else if (preset && preset.vramBytes !== null) choice = catalogueVram(preset, preset.vramBytes, distrusted.length > 0);
  else choice = unknownVram(distrusted.length > 0);
  const alternatives = [
    ...distrusted.map((r) => r.alternative),
    ...(chosen ? [...outranked(chosen, trusted), ...catalogueDisagrees(chosen, preset)] : []),
  ];
  return { ...choice, unifiedShareOfRam: null, alternatives };
}
