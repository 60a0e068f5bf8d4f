// One Gpu from everything the tools said about it: which catalogue entry it is, the name to show,
// whether it is integrated, the VRAM policy that applies, and the backend that will run it.
import type { Gpu, GpuBackend, GpuPreset, GpuVendor, Source } from '../../../shared/schema';
import { GiB, MiB, formatBytes } from '../../../shared/units';
import { defaultBackendForVendor } from '../../../core/backend';
import type { GpuObservation, GpuObservationTool } from '../parsers/common';
import type { NodeLlamaCppFacts } from '../parsers/node-llama-cpp';
import { toolLabel, vendorOf, type ObservedGpu } from './observations';
import {
  isUninformativeName,
  matchGpuPreset,
  normalizeGpuName,
  presetGenerationEfficiency,
  presetMultiprocessors,
  presetPromptRate,
  presetSource,
  type PresetMatch,
} from './presets';
import { dedicatedGpuVram, integratedGpuVram, unifiedMemoryVram, type VramChoice } from './vram-policies';

export interface GpuContext {
  platform: string;
  arch: string;
  ramBytes: number;
  presets: GpuPreset[];
  llama: NodeLlamaCppFacts | null;
  /** Metal's working set from llama.cpp's log, the "MB" reading already resolved. */
  metalWorkingSetBytes: number | null;
}

/** Which name to show, most descriptive source first. */
const NAME_ORDER: GpuObservationTool[] = [
  'nvidia-smi',
  'windows-registry',
  'rocm-smi',
  'node-llama-cpp',
  'systeminformation',
  'system_profiler',
  'llama.cpp metal log',
  'sysfs',
  'lspci',
];

function firstInformativeName(gpu: ObservedGpu): string | null {
  const obs = gpu.observations;
  for (const tool of NAME_ORDER) {
    for (const o of obs) {
      if (o.by !== tool) continue;
      // Vulkan's device names ("... (RADV NAVI31)") lose to any other tool's informative name.
      if (
        tool === 'node-llama-cpp' &&
        o.hints.llamaBackend === 'vulkan' &&
        obs.some((x) => x.by !== 'node-llama-cpp' && !isUninformativeName(x.name))
      )
        continue;
      if (o.name && !isUninformativeName(o.name)) return normalizeGpuName(o.name);
    }
  }
  return null;
}

/** The catalogue entry and the name to show; a GPU known only by its PCI id is named from the catalogue. */
function identifyGpu(
  gpu: ObservedGpu,
  vendor: GpuVendor,
  presets: GpuPreset[],
): { name: string; match: PresetMatch | null; notes: string[] } {
  const obs = gpu.observations;
  const pciObs = obs.find((o) => o.pciId);
  const revision = obs.find((o) => o.pciRevision)?.pciRevision ?? null;
  const names = NAME_ORDER.flatMap((tool) => obs.filter((o) => o.by === tool).map((o) => o.name));
  const match = matchGpuPreset({ names, vendor, pciId: pciObs?.pciId ?? null, pciRevision: revision }, presets);
  const preset = match?.preset ?? null;
  const notes: string[] = [];
  let name = firstInformativeName(gpu);
  if (!name && preset) {
    const reported = obs[0]?.name ?? '';
    name = match?.ambiguousWith.length ? `${reported} (${[preset, ...match.ambiguousWith].map((p) => p.name).join(' / ')})` : preset.name;
    if (reported)
      notes.push(`Reported as "${reported}"; named from its PCI id ${pciObs?.pciId ?? ''}${revision ? ` rev ${revision}` : ''}.`);
  }
  name ??= obs[0]?.name ?? 'Unknown GPU';
  if (match?.ambiguousWith.length) {
    notes.push(
      `PCI id ${pciObs?.pciId} is used by ${[preset as GpuPreset, ...match.ambiguousWith].map((p) => p.name).join(', ')}; without the revision the one with the least VRAM (${preset?.name}) is assumed.`,
    );
  }
  return { name, match, notes };
}

/** Above this much RAM a bare "Orin" is an AGX Orin (32 or 64 GB), above the lower an Orin NX 16 GB; else an 8 or 4 GB board. */
const AGX_ORIN_MIN_RAM = 20 * GiB;
const ORIN_NX_16_MIN_RAM = 10 * GiB;
const BARE_ORIN = /^(nvidia )?orin( \(nvgpu\))?$/i;

/**
 * CUDA and nvidia-smi name every Jetson Orin module just "Orin": the catalogue takes that as the Orin Nano, the
 * slowest. The module's RAM tells them apart (AGX Orin 32/64 GB, Orin NX 16 GB), so a larger one gets its own
 * bandwidth. An 8 GB board stays the Orin Nano (the Orin NX 8 GB reads RAM at the same 102 GB/s).
 */
function jetsonByRam(
  identified: { name: string; match: PresetMatch | null; notes: string[] },
  ctx: GpuContext,
): { match: PresetMatch | null; notes: string[] } {
  const { match, notes, name } = identified;
  if (match?.preset.id !== 'nvidia-jetson-orin-nano' || !BARE_ORIN.test(normalizeGpuName(name))) return { match, notes };
  const id =
    ctx.ramBytes > AGX_ORIN_MIN_RAM ? 'nvidia-jetson-agx-orin' : ctx.ramBytes > ORIN_NX_16_MIN_RAM ? 'nvidia-jetson-orin-nx' : null;
  const preset = id ? ctx.presets.find((p) => p.id === id) : undefined;
  if (!preset) return { match, notes };
  return {
    match: { ...match, preset },
    notes: [
      ...notes,
      `Reported as "${name}", as CUDA names every Jetson Orin; taken as the ${preset.name} from its ${formatBytes(ctx.ramBytes)} of RAM.`,
    ],
  };
}

const IGPU_NAME =
  /\b(uhd|hd) graphics\b|\biris\b(?!.*\bxe max\b)|\bigpu\b|\bintegrated\b|^(amd )?radeon( \d{3,4}[ms])? graphics$|radeon graphics\b|vega \d+ graphics|raphael|rembrandt|renoir|cezanne|lucienne|barcelo|^(intel )?arc graphics$|arc 1[34]0v/i;

function isIntegrated(gpu: ObservedGpu, preset: GpuPreset | null, platform: string): boolean {
  if (vendorOf(gpu) === 'apple') return true;
  if (preset?.integrated || (preset?.unifiedMemory && preset.vendor === 'apple')) return true;
  if (preset && preset.vramBytes !== null) return false;
  const obs = gpu.observations;
  if (obs.some((o) => o.by === 'node-llama-cpp' && o.hints.llamaUnified && o.hints.llamaBackend !== 'metal')) return true;
  if (obs.some((o) => IGPU_NAME.test(normalizeGpuName(o.name)))) return true;
  if (
    platform === 'darwin' &&
    obs.some((o) => o.by === 'systeminformation' && (o.hints.siVramDynamic || /built-?in/i.test(o.hints.siBus ?? '')))
  )
    return true;
  if (obs.some((o) => o.by === 'system_profiler' && o.hints.sharedMemory)) return true;
  if (obs.some((o) => o.by === 'rocm-smi' && o.vramBytes !== null && o.vramBytes <= 512 * MiB)) return true;
  return false;
}

/**
 * The backend this GPU will run on, from what the tools showed is installed: the vendor's default
 * once its driver or node-llama-cpp proves it, node-llama-cpp's Vulkan where that is what it
 * loaded, ROCm where AMD's tools are there, else none.
 */
function backendFor(gpu: ObservedGpu, vendor: GpuVendor, arch: string): GpuBackend {
  const llamaBackend = gpu.observations.find((o) => o.by === 'node-llama-cpp')?.hints.llamaBackend || null;
  const seenBy = (tool: GpuObservationTool): boolean => gpu.observations.some((o) => o.by === tool);
  // An x64 process on a Mac: Metal only where node-llama-cpp says it loaded it.
  if (vendor === 'apple') return arch === 'x64' && llamaBackend !== 'metal' ? 'none' : defaultBackendForVendor(vendor);
  if (vendor === 'nvidia' && (seenBy('nvidia-smi') || llamaBackend === 'cuda')) return defaultBackendForVendor(vendor);
  if (llamaBackend === 'vulkan') return 'vulkan';
  // node-llama-cpp names no ROCm backend: 'cuda' on an AMD GPU is llama.cpp's CUDA code built for HIP.
  if (vendor === 'amd' && (llamaBackend === 'cuda' || seenBy('rocm-smi'))) return 'rocm';
  return 'none';
}

/** Picks the VRAM policy for this kind of GPU. */
function chooseVram(
  obs: GpuObservation[],
  preset: GpuPreset | null,
  kind: { integrated: boolean; unifiedMemory: boolean },
  ctx: GpuContext,
): VramChoice {
  if (kind.unifiedMemory) return unifiedMemoryVram(obs, ctx.ramBytes, ctx.metalWorkingSetBytes, preset, ctx.platform);
  if (kind.integrated) return integratedGpuVram(obs, preset);
  return dedicatedGpuVram(obs, preset, ctx.platform);
}

/** Notes on how the GPU was seen, after those of its identity and VRAM. */
function sightingNotes(
  obs: GpuObservation[],
  preset: GpuPreset | null,
  llama: NodeLlamaCppFacts | null,
  vramSource: Source,
  notesSoFar: string[],
): string[] {
  const notes: string[] = [];
  if (obs.some((o) => o.by === 'lspci') && !obs.some((o) => o.by !== 'lspci')) notes.push('Seen by lspci only.');
  if (llama && llama.deviceNames.length > 1 && obs.some((o) => o.by === 'node-llama-cpp')) {
    notes.push(
      `node-llama-cpp (${llama.backend}) sees ${llama.deviceNames.length} devices with ${formatBytes(llama.vramTotalBytes)} in total.`,
    );
  }
  if (preset?.note && !notesSoFar.includes(preset.note) && vramSource.kind === 'catalogued') notes.push(preset.note);
  return notes;
}

export function buildGpu(gpu: ObservedGpu, ctx: GpuContext): Gpu {
  const obs = gpu.observations;
  const vendor = vendorOf(gpu);
  const identified = identifyGpu(gpu, vendor, ctx.presets);
  const { match, notes: identityNotes } = jetsonByRam(identified, ctx);
  const name = match === identified.match ? identified.name : (match?.preset.name ?? identified.name);
  const preset = match?.preset ?? null;
  const backend = backendFor(gpu, vendor, ctx.arch);
  const integrated = isIntegrated(gpu, preset, ctx.platform);
  const unifiedMemory = vendor === 'apple' || (preset?.unifiedMemory ?? false);
  const vram = chooseVram(obs, preset, { integrated, unifiedMemory }, ctx);
  const notes = [...identityNotes, ...vram.notes];
  notes.push(...sightingNotes(obs, preset, ctx.llama, vram.vramSource, notes));
  // node-llama-cpp's prebuilt binary for Linux on Arm is CPU-only: on a DGX Spark or a Jetson it loads but sees no GPU.
  if (backend === 'cuda' && ctx.arch === 'arm64' && ctx.llama && ctx.llama.backend !== 'cuda')
    notes.push(
      "node-llama-cpp's prebuilt binary for Linux on Arm runs on the CPU only, so this app's probe and benchmarks run there; the report sizes llama.cpp on CUDA. Build node-llama-cpp's CUDA binary (npx --no node-llama-cpp source download --gpu cuda) to benchmark on the GPU.",
    );
  const tdpFromSmi = obs.find((o) => o.powerLimitWatts !== null)?.powerLimitWatts ?? null;
  const linked = obs.find((o) => o.pcieLink !== null);
  const tools = [...new Set(obs.filter((o) => o.by !== 'lspci').map(toolLabel))];
  return {
    name,
    vendor,
    vramBytes: vram.vramBytes,
    vramFreeBytes: vram.vramFreeBytes !== null && vram.vramFreeBytes >= 0 ? vram.vramFreeBytes : null,
    backend,
    driver: obs.find((o) => o.by === 'nvidia-smi' && o.driver)?.driver ?? obs.find((o) => o.driver)?.driver ?? null,
    integrated: integrated || unifiedMemory,
    unifiedMemory,
    unifiedShareOfRam: vram.unifiedShareOfRam,
    ...(vram.reservedRamBytes ? { reservedRamBytes: vram.reservedRamBytes } : {}),
    memoryBandwidthBytesPerSec: preset ? preset.memoryBandwidthGBps * 1e9 : null,
    ...(linked?.pcieLink && !unifiedMemory
      ? {
          pcieLink: {
            ...linked.pcieLink,
            source: {
              kind: 'detected' as const,
              by: toolLabel(linked),
              detail: linked.by === 'nvidia-smi' ? 'pcie.link.gen.max, pcie.link.width.max' : 'max_link_speed, max_link_width',
            },
          },
        }
      : {}),
    tdpWatts: preset?.tdpWatts ?? tdpFromSmi,
    promptRate: preset ? presetPromptRate(preset, backend) : null,
    generationEfficiency: preset ? presetGenerationEfficiency(preset) : null,
    multiprocessors: preset ? presetMultiprocessors(preset) : null,
    source: {
      kind: 'detected',
      by: tools.join(', ') || 'unknown',
      detail: preset
        ? `matched catalogue entry ${preset.name} by ${match?.via === 'pci' ? 'PCI id' : 'name'}`
        : 'no catalogue entry matches this name',
    },
    vramSource: vram.vramSource,
    bandwidthSource: preset ? presetSource(preset, 'memory bandwidth') : null,
    alternatives: vram.alternatives,
    notes,
  };
}

/** The GPU a model would use first: dedicated before integrated, stable otherwise. */
export function dedicatedFirst(gpus: Gpu[]): Gpu[] {
  return [...gpus.filter((g) => !g.integrated || g.unifiedMemory), ...gpus.filter((g) => g.integrated && !g.unifiedMemory)];
}
