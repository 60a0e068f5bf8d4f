// What-if hardware: the detected snapshot with RAM, VRAM or the GPU swapped for what the user asks
// about, every swapped figure marked as such.
import { defaultBackendForVendor } from '../../core/backend';
import type { Gpu, GpuPreset, HardwareSnapshot, MachinePreset, WhatIf } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { loadGpuPresets, loadMachinePresets } from '../resources';
import { UserFacingError, clip } from '../user-error';
import { unifiedGpuShare, workingSetShareLabel } from './merge/apple-working-set';
import {
  MACHINES_FILE,
  matchGpuPreset,
  presetGenerationEfficiency,
  presetMultiprocessors,
  presetPromptRate,
  presetSource,
} from './merge/presets';
import { vendorFromText } from './parsers/common';

/** Bandwidth assumed for a what-if GPU that is not in the catalogue: a mid-range desktop card. */
export const WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC = 448e9;

const WHAT_IF_SOURCE = 'what-if';

function assumedBandwidth(): Gpu['bandwidthSource'] {
  return {
    kind: 'assumed',
    by: WHAT_IF_SOURCE,
    detail: `${WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC / 1e9} GB/s assumed (a mid-range desktop GPU, RTX 3070 / 4060 Ti class); name a catalogued GPU for its real figure`,
  };
}

function whatIfGpuByName(gpuName: string, vramBytes: number | undefined, ramBytes: number, presets: GpuPreset[]): Gpu {
  return whatIfGpu(gpuName, matchGpuPreset({ names: [gpuName] }, presets)?.preset ?? null, vramBytes, ramBytes);
}

/** A catalogued GPU as a what-if device, taken by its entry rather than matched by name (upgrade advice). */
export function gpuFromPreset(preset: GpuPreset, ramBytes: number): Gpu {
  return whatIfGpu(preset.name, preset, undefined, ramBytes);
}

function whatIfGpu(gpuName: string, preset: GpuPreset | null, vramBytes: number | undefined, ramBytes: number): Gpu {
  const vendor = preset?.vendor ?? vendorFromText(gpuName);
  // Every Apple Silicon GPU shares the Mac's memory, a chip the catalogue does not know yet (a new Ultra) too.
  const unified = preset?.unifiedMemory ?? vendor === 'apple';
  const notes: string[] = [];
  let vram: number | null;
  let vramSource: Gpu['vramSource'];
  if (vramBytes !== undefined) {
    vram = vramBytes;
    vramSource = { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `VRAM set to ${formatBytes(vramBytes)}` };
  } else if (preset && preset.vramBytes !== null) {
    vram = preset.vramBytes;
    vramSource = presetSource(preset, 'VRAM');
    if (preset.note) notes.push(preset.note);
  } else if (unified) {
    const { share, why } = unifiedGpuShare(preset, ramBytes);
    vram = Math.round(ramBytes * share);
    vramSource = {
      kind: 'estimated',
      by: 'rightsize',
      detail: `${workingSetShareLabel(share)} of ${formatBytes(ramBytes)} RAM: ${why}`,
    };
    if (preset?.note && preset.vendor !== 'apple') notes.push(preset.note);
  } else {
    vram = null;
    vramSource = {
      kind: 'assumed',
      by: WHAT_IF_SOURCE,
      detail: preset ? `${preset.name} has no VRAM of its own` : 'unknown: give a VRAM size too',
    };
  }
  if (!preset) notes.push(`No catalogue entry matches "${gpuName}": memory bandwidth is assumed.`);
  const integrated = Boolean(preset?.integrated) || unified;
  return {
    name: preset?.name ?? gpuName,
    vendor,
    vramBytes: integrated && !unified && vramBytes === undefined ? null : vram,
    vramFreeBytes: null,
    backend: defaultBackendForVendor(vendor),
    driver: null,
    integrated,
    unifiedMemory: unified,
    unifiedShareOfRam: unified && vram !== null && ramBytes > 0 ? Math.min(1, vram / ramBytes) : null,
    memoryBandwidthBytesPerSec: preset ? preset.memoryBandwidthGBps * 1e9 : WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC,
    tdpWatts: preset?.tdpWatts ?? null,
    promptRate: preset ? presetPromptRate(preset, defaultBackendForVendor(vendor)) : null,
    generationEfficiency: preset ? presetGenerationEfficiency(preset) : null,
    multiprocessors: preset ? presetMultiprocessors(preset) : null,
    source: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: preset ? `"${gpuName}" = catalogue entry ${preset.name}` : `"${gpuName}"` },
    vramSource,
    bandwidthSource: preset ? presetSource(preset, 'memory bandwidth') : assumedBandwidth(),
    alternatives: [],
    notes,
  };
}

function genericWhatIfGpu(vramBytes: number): Gpu {
  return {
    name: `GPU with ${formatBytes(vramBytes)} (what-if)`,
    vendor: 'other',
    vramBytes,
    vramFreeBytes: null,
    backend: defaultBackendForVendor('other'),
    driver: null,
    integrated: false,
    unifiedMemory: false,
    unifiedShareOfRam: null,
    memoryBandwidthBytesPerSec: WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC,
    tdpWatts: null,
    source: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: 'a GPU this machine does not have' },
    vramSource: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `VRAM set to ${formatBytes(vramBytes)}` },
    bandwidthSource: assumedBandwidth(),
    alternatives: [],
    notes: ['Hypothetical GPU: name one (e.g. --gpu "RTX 4090") for its catalogued bandwidth.'],
  };
}

/** A whole machine preset's CPU (its own, or unknown), not the detected one: this machine's probe does not speak for it. */
export function plannedCpuOfItsOwn(snapshot: HardwareSnapshot): boolean {
  return snapshot.whatIf === true && (snapshot.cpu.source.by === MACHINES_FILE || snapshot.cpu.source.by === WHAT_IF_SOURCE);
}

/** A planned machine whose CPU is not known: its thread count is left to llama.cpp. */
export function plannedThreadsUnknown(snapshot: HardwareSnapshot): boolean {
  return snapshot.whatIf === true && snapshot.cpu.source.kind === 'assumed' && snapshot.cpu.source.by === WHAT_IF_SOURCE;
}

/** The snapshot with its GPUs and RAM replaced, marked as what-if; figures not named stay detected. */
export function withHardware(base: HardwareSnapshot, gpus: Gpu[], ramBytes: number, detail: string): HardwareSnapshot {
  const next = structuredClone(base);
  next.gpus = gpus;
  if (ramBytes !== base.ram.totalBytes) {
    next.ram = {
      totalBytes: ramBytes,
      availableBytes: null,
      swapTotalBytes: null,
      source: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `RAM of ${detail}` },
    };
  }
  next.whatIf = true;
  next.sources = [...next.sources.filter((s) => s.id !== 'what-if'), { id: 'what-if', status: 'ok', detail }];
  return next;
}

/** A whole-machine preset on top of the detected snapshot (its OS stays), or null when a GPU id is unknown. */
export function machineHardware(base: HardwareSnapshot, machine: MachinePreset, byId: Map<string, GpuPreset>): HardwareSnapshot | null {
  const gpus: Gpu[] = [];
  for (const { presetId, count } of machine.gpus) {
    const preset = byId.get(presetId);
    // test/unit/presets.test.ts keeps every id resolvable; a hand-edited file loses one machine, not the advice.
    if (!preset) return null;
    for (let i = 0; i < count; i += 1) gpus.push(gpuFromPreset(preset, machine.ramBytes));
  }
  const next = withHardware(base, gpus, machine.ramBytes, machine.name);
  if (machine.cpuArch) next.os = { ...next.os, arch: machine.cpuArch };
  // An integrated or unified GPU reads the machine's RAM, so its catalogued bandwidth is the CPU's too.
  const shared = gpus.find((g) => g.integrated || g.unifiedMemory);
  // The preset's CPU where the product fixes it; else this machine's cores stand in, and say so, and the
  // commands leave the thread count to llama.cpp (plannedThreadsUnknown).
  const cores = machine.cpuCores;
  next.cpu = {
    ...next.cpu,
    model: machine.cpu ?? machine.name,
    ...(cores ? { physicalCores: cores.physical, logicalCores: cores.logical, efficiencyCores: null, simd: [] } : {}),
    source: cores
      ? {
          kind: 'catalogued',
          by: MACHINES_FILE,
          detail: `${machine.cpu ?? machine.name}: ${cores.physical} cores, ${cores.logical} threads (${machine.source})`,
        }
      : {
          kind: 'assumed',
          by: WHAT_IF_SOURCE,
          detail: `${machine.name} names no CPU: the cores shown are this machine's, and commands leave the thread count to llama.cpp`,
        },
    memoryBandwidthBytesPerSec: shared ? shared.memoryBandwidthBytesPerSec : next.cpu.memoryBandwidthBytesPerSec,
    bandwidthSource: shared
      ? shared.bandwidthSource
      : { kind: 'assumed', by: WHAT_IF_SOURCE, detail: "this machine's RAM bandwidth: the preset names no RAM speed" },
    // The figure is the preset's where it names one: this machine's cores did not read it.
    allCoresBandwidth: shared ? null : (next.cpu.allCoresBandwidth ?? null),
    // No core of this machine stages the copies of a planned machine (a GPU planned into this one keeps it: withHardware).
    oneCoreBandwidthBytesPerSec: null,
  };
  return next;
}

function whatIfGpus(list: NonNullable<WhatIf['gpus']>, ramBytes: number, presets: GpuPreset[]): Gpu[] {
  const total = list.reduce((n, g) => n + g.count, 0);
  if (total > 16) throw new UserFacingError(`A what-if machine holds at most 16 GPUs; ${total} were asked for.`, 'bad-input');
  return list.flatMap((g) => Array.from({ length: g.count }, () => whatIfGpuByName(g.name, g.vramBytes, ramBytes, presets)));
}

const gpusLabel = (list: NonNullable<WhatIf['gpus']>): string =>
  list
    .map((g) => `${g.count > 1 ? `${g.count}x ` : ''}"${g.name}"${g.vramBytes !== undefined ? ` with ${formatBytes(g.vramBytes)}` : ''}`)
    .join(' + ');

/**
 * Replaces detected hardware with what the user asks about. `gpuName` alone takes VRAM and
 * bandwidth from the catalogue; `vramBytes` alone resizes this machine's GPU, or adds a generic
 * one where there is none; `vramBytes: 0` means no GPU. The answer describes one GPU at most.
 */
export function applyWhatIf(
  snapshot: HardwareSnapshot,
  whatIf: WhatIf,
  presets: GpuPreset[],
  machines: MachinePreset[] = [],
): HardwareSnapshot {
  if (whatIf.gpus && (whatIf.gpuName !== undefined || whatIf.vramBytes !== undefined)) {
    throw new UserFacingError('Give either several GPUs (gpus) or one GPU (gpuName / vramBytes), not both.', 'bad-input');
  }
  const summary: string[] = [];
  let base = snapshot;
  if (whatIf.machine !== undefined) {
    const machine = machines.find((m) => m.id === whatIf.machine);
    if (!machine) {
      throw new UserFacingError(`No machine preset "${clip(whatIf.machine)}". \`rightsize presets machines\` lists them.`, 'bad-input');
    }
    const built = machineHardware(snapshot, machine, new Map(presets.map((p) => [p.id, p])));
    if (!built)
      throw new UserFacingError(`The machine preset "${machine.id}" names a GPU preset that is missing; reinstall rightsize.`, 'bad-input');
    base = built;
    summary.push(machine.name);
  }
  const next: HardwareSnapshot = structuredClone(base);
  if (whatIf.ramBytes !== undefined) {
    next.ram = {
      totalBytes: whatIf.ramBytes,
      availableBytes: null,
      swapTotalBytes: next.ram.swapTotalBytes,
      source: {
        kind: 'what-if',
        by: WHAT_IF_SOURCE,
        detail: `RAM set to ${formatBytes(whatIf.ramBytes)} (detected: ${formatBytes(snapshot.ram.totalBytes)})`,
      },
    };
    summary.push(`RAM ${formatBytes(whatIf.ramBytes)}`);
  }
  const ramBytes = next.ram.totalBytes;

  if (whatIf.gpus) {
    next.gpus = whatIfGpus(whatIf.gpus, ramBytes, presets);
    summary.push(`GPUs ${gpusLabel(whatIf.gpus)}`);
  } else if (whatIf.vramBytes === 0) {
    next.gpus = [];
    summary.push('no GPU');
  } else if (whatIf.gpuName !== undefined) {
    next.gpus = [whatIfGpuByName(whatIf.gpuName, whatIf.vramBytes, ramBytes, presets)];
    summary.push(`GPU "${whatIf.gpuName}"${whatIf.vramBytes !== undefined ? ` with ${formatBytes(whatIf.vramBytes)}` : ''}`);
  } else if (whatIf.vramBytes !== undefined) {
    const vram = whatIf.vramBytes;
    const primary = next.gpus.find((g) => !g.integrated || g.unifiedMemory) ?? null;
    if (primary) {
      if (primary.vramBytes !== null) {
        primary.alternatives = [
          ...primary.alternatives,
          { field: 'vramBytes', value: primary.vramBytes, source: primary.vramSource, why: 'replaced by the what-if VRAM' },
        ];
      }
      primary.vramBytes = vram;
      primary.vramFreeBytes = null;
      primary.vramSource = { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `VRAM set to ${formatBytes(vram)}` };
      if (primary.unifiedMemory) primary.unifiedShareOfRam = ramBytes > 0 ? Math.min(1, vram / ramBytes) : null;
      next.gpus = [primary];
    } else next.gpus = [genericWhatIfGpu(vram)];
    summary.push(`VRAM ${formatBytes(vram)}`);
  } else if (whatIf.ramBytes !== undefined) {
    // More or less unified RAM moves the GPU's budget with it: the same share of the new RAM.
    for (const gpu of next.gpus) {
      if (!gpu.unifiedMemory) continue;
      const preset = matchGpuPreset({ names: [gpu.name] }, presets)?.preset ?? null;
      const rule = unifiedGpuShare(preset, ramBytes);
      const share = gpu.vendor === 'apple' || gpu.unifiedShareOfRam === null ? rule.share : gpu.unifiedShareOfRam;
      gpu.vramBytes = Math.round(ramBytes * share);
      gpu.vramFreeBytes = null;
      gpu.unifiedShareOfRam = share;
      gpu.vramSource = {
        kind: 'what-if',
        by: WHAT_IF_SOURCE,
        detail: `${workingSetShareLabel(share)} of the what-if ${formatBytes(ramBytes)} RAM (${gpu.vendor === 'apple' || gpu.unifiedShareOfRam === null ? rule.why : "the share of RAM this GPU's backend reported"})`,
      };
    }
  }

  next.whatIf = true;
  next.sources = [
    ...next.sources.filter((s) => s.id !== 'what-if'),
    { id: 'what-if', status: 'ok', detail: summary.join(', ') || 'no change' },
  ];
  return next;
}

/** The what-if of a request, if it asks for one, with the shipped GPU and machine presets. */
export function withWhatIf(snapshot: HardwareSnapshot, whatIf: WhatIf | undefined): HardwareSnapshot {
  return whatIf && Object.keys(whatIf).length ? applyWhatIf(snapshot, whatIf, loadGpuPresets(), loadMachinePresets()) : snapshot;
}
