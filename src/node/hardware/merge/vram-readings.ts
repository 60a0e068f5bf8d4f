// How far one tool's VRAM figure for a dedicated GPU can be trusted. Each figure known to be
// wrong has its own rule (WMI's 32-bit AdapterRAM, a Linux PCI window size, macOS gigabytes read
// as megabytes, node-llama-cpp's shared memory); whatever no rule catches stands, ranked by tool.
import type { Alternative, GpuPreset, Source } from '../../../shared/schema';
import { GiB, MiB } from '../../../shared/units';
import type { GpuObservation } from '../parsers/common';
import { detectedSource } from './observations';

/** Trust for VRAM, most trusted first: the driver's own tools, then node-llama-cpp, then systeminformation. */
const VRAM_TRUST: Record<string, number> = {
  'nvidia-smi': 1,
  'rocm-smi': 2,
  sysfs: 3,
  'windows-registry': 4,
  'node-llama-cpp:cuda': 5,
  'node-llama-cpp:metal': 5,
  'node-llama-cpp:vulkan': 6,
  system_profiler: 7,
  'llama.cpp metal log': 7,
  systeminformation: 8,
};

function trustRank(o: GpuObservation): number {
  const tool = o.by === 'node-llama-cpp' ? `node-llama-cpp:${o.hints.llamaBackend || 'none'}` : o.by;
  return VRAM_TRUST[tool] ?? 9;
}

export interface TrustedReading {
  trusted: true;
  value: number;
  source: Source;
  /** VRAM_TRUST: lower wins. */
  rank: number;
  free: number | null;
  obs: GpuObservation;
}

/** A VRAM figure known to be wrong: kept for display with the reason. */
export interface DistrustedReading {
  trusted: false;
  alternative: Alternative;
}

export type VramReading = TrustedReading | DistrustedReading;

function distrusted(o: GpuObservation, why: string): DistrustedReading {
  return { trusted: false, alternative: { field: 'vramBytes', value: o.vramBytes, source: detectedSource(o), why } };
}

/** WMI's AdapterRAM is a uint32: on Windows systeminformation shows 4095 or 4096 MiB for any card of 4 GB or more. */
export function isAtWmiCap(o: GpuObservation, platform: string): boolean {
  const mib = o.hints.siVramMiB ?? (o.vramBytes ?? 0) / MiB;
  return o.by === 'systeminformation' && platform === 'win32' && mib >= 4095 && mib <= 4096;
}

function wmiCapRule(o: GpuObservation, platform: string, preset: GpuPreset | null): VramReading | null {
  // A card the catalogue knows to have at most 4 GB really has what WMI says.
  const catalogueSaysAtMost4GiB = preset !== null && preset.vramBytes !== null && preset.vramBytes <= 4 * GiB;
  if (!isAtWmiCap(o, platform) || catalogueSaysAtMost4GiB) return null;
  return distrusted(
    o,
    'Windows WMI reports AdapterRAM as a 32-bit number, so systeminformation shows at most 4 GB (4095 MiB) for any card.',
  );
}

function linuxBarSizeRule(o: GpuObservation, platform: string): VramReading | null {
  if (o.by !== 'systeminformation' || platform !== 'linux' || o.hints.siVramFromNvidiaSmi) return null;
  return distrusted(
    o,
    'On Linux without nvidia-smi, systeminformation takes this from lspci: it is the size of a PCI memory window (BAR), not the VRAM.',
  );
}

/** systeminformation 4.x on macOS read system_profiler's "VRAM (Total): 4 GB" as 4 MB: corrected, not dropped. */
function macosGigabytesAsMegabytesRule(o: GpuObservation, platform: string): VramReading | null {
  if (o.by !== 'systeminformation' || platform !== 'darwin' || o.hints.siVramDynamic) return null;
  const mib = o.hints.siVramMiB ?? (o.vramBytes ?? 0) / MiB;
  if (!(mib > 0 && mib < 64)) return null;
  return {
    trusted: true,
    value: Math.round(mib * GiB),
    rank: trustRank(o),
    free: null,
    obs: o,
    source: detectedSource(
      o,
      `${o.vramField ?? 'vram'} = ${mib}, corrected to ${mib} GB: systeminformation 4.x read system_profiler's "VRAM (Total): ${mib} GB" as MB`,
    ),
  };
}

function llamaSharedMemoryRule(o: GpuObservation): VramReading | null {
  if (o.by !== 'node-llama-cpp' || !o.hints.llamaUnified) return null;
  return distrusted(o, "node-llama-cpp counts this device's memory as shared with the CPU (unified), not dedicated VRAM.");
}

/** Judges one tool's VRAM figure for a dedicated GPU: trusted, corrected, or a known lie; null when it gave none. */
export function judgeVramReading(o: GpuObservation, platform: string, preset: GpuPreset | null): VramReading | null {
  if (o.vramBytes === null) return null;
  const known =
    wmiCapRule(o, platform, preset) ??
    linuxBarSizeRule(o, platform) ??
    macosGigabytesAsMegabytesRule(o, platform) ??
    llamaSharedMemoryRule(o);
  return known ?? { trusted: true, value: o.vramBytes, rank: trustRank(o), free: o.vramFreeBytes, obs: o, source: detectedSource(o) };
}
