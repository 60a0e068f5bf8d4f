// Pure parsers, one file per tool. Each turns what a tool printed (or returned) into typed facts
// and says which tool and which field every figure came from. They never throw: output they
// cannot read gives an empty answer, and merge/ decides what to trust. This file holds what they
// share: the observation a GPU becomes, and readers of loosely typed values (numbers printed as
// text, hex ids, PCI bus addresses, JSON cut off part-way).
import type { GpuVendor } from '../../../shared/schema';
import type { NodeLlamaCppBackend } from './node-llama-cpp';

/** The tools a GPU can be seen by. Wider than DetectionSourceId: sysfs, lspci and the Metal log have no status of their own. */
export type GpuObservationTool =
  | 'nvidia-smi'
  | 'rocm-smi'
  | 'sysfs'
  | 'windows-registry'
  | 'node-llama-cpp'
  | 'system_profiler'
  | 'llama.cpp metal log'
  | 'systeminformation'
  | 'lspci';

/** A PCIe link: generation and lanes. */
export interface PcieLink {
  /** PCIe generation (1 to 6). */
  gen: number;
  /** Lanes (1 to 32). */
  width: number;
}

/** A link from its generation and lanes as read, or null where either is missing or out of range. */
export function pcieLinkOf(gen: number | null, width: number | null): PcieLink | null {
  if (gen === null || width === null || !Number.isInteger(gen) || !Number.isInteger(width)) return null;
  return gen >= 1 && gen <= 6 && width >= 1 && width <= 32 ? { gen, width } : null;
}

/** The generation of a Linux link speed ("16.0 GT/s PCIe", "8 GT/s"): 2.5, 5, 8, 16, 32 and 64 GT/s are 1 to 6. */
export function pcieGenOfSpeed(text: string | null): number | null {
  const gts = Number(/([\d.]+)\s*GT\/s/i.exec(text ?? '')?.[1] ?? NaN);
  const gens: Array<[number, number]> = [
    [2.5, 1],
    [5, 2],
    [8, 3],
    [16, 4],
    [32, 5],
    [64, 6],
  ];
  return gens.find(([rate]) => Math.abs(rate - gts) < 0.01)?.[1] ?? null;
}

/** One GPU as one tool saw it. Figures are the tool's own; merge/ judges them. */
export interface GpuObservation {
  by: GpuObservationTool;
  /** The name as printed ("NVIDIA GeForce RTX 4090", "Device 744c", "Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]"). */
  name: string;
  vendor: GpuVendor;
  /** "vvvv:dddd", lower-case hex. */
  pciId: string | null;
  /** PCI revision, two lower-case hex digits ("c8"). */
  pciRevision: string | null;
  /** "bb:dd.f", lower-case, without the PCI domain. */
  busAddress: string | null;
  vramBytes: number | null;
  vramFreeBytes: number | null;
  /** The field the VRAM figure came from, for the user ("memory.total", "getVramState().total"). */
  vramField: string | null;
  driver: string | null;
  powerLimitWatts: number | null;
  /**
   * The PCIe link the card can reach in this machine (generation and lanes, the slot's limit included): nvidia-smi's
   * pcie.link.gen.max and pcie.link.width.max, or Linux's max_link_speed and max_link_width. Null where not read.
   */
  pcieLink: PcieLink | null;
  /** Tool-specific hints merge/ uses to recognise known wrong values. */
  hints: GpuObservationHints;
}

interface GpuObservationHints {
  /** systeminformation: its vram in MiB as printed. */
  siVramMiB?: number | null;
  /** systeminformation: vramDynamic as printed (meaningful on macOS only). */
  siVramDynamic?: boolean;
  /** systeminformation: bus as printed ("Built-In", "PCIe", "Onboard", "PCI"). */
  siBus?: string;
  /** systeminformation took the VRAM from nvidia-smi (memoryTotal present): trustworthy on Linux. */
  siVramFromNvidiaSmi?: boolean;
  /** node-llama-cpp: the backend that saw it. */
  llamaBackend?: NodeLlamaCppBackend;
  /** node-llama-cpp: the device counts as unified memory (ggml IGPU type, or Metal). */
  llamaUnified?: boolean;
  /** Metal's recommendedMaxWorkingSetSize, both readings of the printed "MB" (llama.cpp printed MiB before mid-2024, 10^6 bytes since). */
  metalWorkingSetCandidatesBytes?: number[];
  /** Metal says the GPU has unified memory. */
  hasUnifiedMemory?: boolean;
  /** system_profiler: VRAM (Dynamic, Max) / spdisplays_vram_shared: the GPU borrows RAM. */
  sharedMemory?: boolean;
}

/** RAM as systeminformation or system_profiler reports it. */
export interface RamFacts {
  totalBytes: number | null;
  availableBytes: number | null;
  swapTotalBytes: number | null;
}

// ---------------------------------------------------------------- small helpers

export type Dict = Record<string, unknown>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const match = /^\s*(-?\d+(?:\.\d+)?)/.exec(value);
    if (!match) return null;
    const parsed = Number(match[1]);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

export function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Splits one CSV line, honouring double quotes. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

const PCI_VENDOR_IDS: Record<string, GpuVendor> = { '10de': 'nvidia', '1002': 'amd', '1022': 'amd', '8086': 'intel', '106b': 'apple' };
const VENDOR_PCI_IDS: Partial<Record<GpuVendor, string>> = { nvidia: '10de', amd: '1002', intel: '8086' };

/** Vendor from a vendor string, a GPU name or both. */
export function vendorFromText(...texts: Array<string | null | undefined>): GpuVendor {
  // system_profiler writes vendors as "sppci_vendor_amd": underscores count as spaces here.
  const text = texts.filter(Boolean).join(' ').toLowerCase().replace(/_/g, ' ');
  if (!text) return 'other';
  if (/\bnvidia\b|geforce|quadro|tesla|\bgtx\b|\brtx\b|10de/.test(text)) return 'nvidia';
  if (/advanced micro devices|\bamd\b|\bati\b|radeon|instinct|\bnavi\b|raphael|1002/.test(text)) return 'amd';
  if (/\bintel\b|\barc\b|iris|\buhd\b|\bhd graphics|8086/.test(text)) return 'intel';
  if (/\bapple\b|^m\d\b|khw apple/.test(text)) return 'apple';
  return 'other';
}

export function vendorFromPciVendorId(vendorId: string | null): GpuVendor | null {
  if (!vendorId) return null;
  return PCI_VENDOR_IDS[vendorId.toLowerCase().replace(/^0x/, '')] ?? null;
}

export function pciVendorIdOf(vendor: GpuVendor): string | null {
  return VENDOR_PCI_IDS[vendor] ?? null;
}

export function hex4(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /^(?:0x)?([0-9a-f]{1,4})$/i.exec(value.trim());
  return match ? (match[1] as string).toLowerCase().padStart(4, '0') : null;
}

export function hex2(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(value.trim());
  return match ? (match[1] as string).toLowerCase().padStart(2, '0') : null;
}

/** "00000000:01:00.0", "0000:03:00.0", "03:00.0" -> "01:00.0". */
export function normalizeBusAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])\s*$/i.exec(value.trim());
  if (!match) return null;
  return `${(match[1] as string).toLowerCase().padStart(2, '0')}:${(match[2] as string).toLowerCase().padStart(2, '0')}.${match[3]}`;
}

/** A name that is only a PCI device id ("Device 744c"): lspci without a current pci.ids database. */
export function bareDeviceId(name: string): string | null {
  const match = /^(?:device\s+)?(?:0x)?([0-9a-f]{4})$/i.exec(name.trim());
  return match ? (match[1] as string).toLowerCase() : null;
}

/** An observation with every figure unknown but those given. */
export function observation(partial: Partial<GpuObservation> & Pick<GpuObservation, 'by' | 'name'>): GpuObservation {
  return {
    vendor: 'other',
    pciId: null,
    pciRevision: null,
    busAddress: null,
    vramBytes: null,
    vramFreeBytes: null,
    vramField: null,
    driver: null,
    powerLimitWatts: null,
    pcieLink: null,
    hints: {},
    ...partial,
  };
}
