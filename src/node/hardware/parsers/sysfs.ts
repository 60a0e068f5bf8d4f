// Linux PCI views: the DRM cards in /sys/class/drm (amdgpu's own VRAM size) and lspci's display
// controllers (ids and revisions only).
import {
  hex2,
  hex4,
  isDict,
  normalizeBusAddress,
  num,
  observation,
  pcieGenOfSpeed,
  pcieLinkOf,
  pciVendorIdOf,
  positive,
  str,
  stripAnsi,
  vendorFromPciVendorId,
  vendorFromText,
  type GpuObservation,
} from './common';

/** What collect.ts reads from /sys/class/drm/cardN/device. */
export interface SysfsDrmCard {
  card: string;
  busAddress: string | null;
  vendorId: string | null;
  deviceId: string | null;
  revision: string | null;
  driver: string | null;
  /** amdgpu's mem_info_vram_total (bytes); absent for drivers without it. */
  vramTotalBytes: number | null;
  vramUsedBytes: number | null;
  /** max_link_speed ("16.0 GT/s PCIe") and max_link_width ("16"); absent on older captures. */
  maxLinkSpeed?: string | null;
  maxLinkWidth?: string | null;
}

export function parseSysfsDrmCards(cards: unknown): GpuObservation[] {
  if (!Array.isArray(cards)) return [];
  const gpus: GpuObservation[] = [];
  for (const card of cards) {
    if (!isDict(card)) continue;
    const vendorId = hex4(str(card.vendorId));
    const deviceId = hex4(str(card.deviceId));
    if (!vendorId || !deviceId) continue;
    const total = positive(num(card.vramTotalBytes));
    const used = num(card.vramUsedBytes);
    gpus.push(
      observation({
        by: 'sysfs',
        name: `Device ${deviceId}`,
        vendor: vendorFromPciVendorId(vendorId) ?? 'other',
        pciId: `${vendorId}:${deviceId}`,
        pciRevision: hex2(str(card.revision)),
        busAddress: normalizeBusAddress(str(card.busAddress)),
        vramBytes: total,
        vramFreeBytes: total !== null && used !== null ? Math.max(0, total - used) : null,
        vramField: total !== null ? 'mem_info_vram_total' : null,
        driver: str(card.driver),
        pcieLink: pcieLinkOf(pcieGenOfSpeed(str(card.maxLinkSpeed)), num(card.maxLinkWidth)),
      }),
    );
  }
  return gpus;
}

// ---------------------------------------------------------------- lspci

/**
 * lspci (-v, -vvv or -nn): bus address, ids and revision of display controllers. Used to add a
 * revision or PCI id to GPUs other tools named, never to add GPUs of its own.
 */
export function parseLspci(text: string): GpuObservation[] {
  const gpus: GpuObservation[] = [];
  for (const line of stripAnsi(text).split(/\r?\n/)) {
    const match =
      /^([0-9a-f]{0,4}:?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+(?:VGA compatible controller|3D controller|Display controller)(?:\s*\[[0-9a-f]{4}\])?:\s*(.+)$/i.exec(
        line,
      );
    if (!match) continue;
    const rest = match[2] as string;
    const revision = /\(rev ([0-9a-f]{2})\)/i.exec(rest)?.[1]?.toLowerCase() ?? null;
    const numeric = /\[([0-9a-f]{4}):([0-9a-f]{4})\]/i.exec(rest);
    const description = rest
      .replace(/\s*\(rev [0-9a-f]{2}\).*$/i, '')
      .replace(/\s*\(prog-if.*$/i, '')
      .trim();
    const vendor = vendorFromText(description);
    const bareId = /\bDevice ([0-9a-f]{4})\b/i.exec(description)?.[1]?.toLowerCase() ?? null;
    const vendorId = pciVendorIdOf(vendor);
    gpus.push(
      observation({
        by: 'lspci',
        name: description,
        vendor,
        pciId: numeric
          ? `${(numeric[1] as string).toLowerCase()}:${(numeric[2] as string).toLowerCase()}`
          : bareId && vendorId
            ? `${vendorId}:${bareId}`
            : null,
        pciRevision: revision,
        busAddress: normalizeBusAddress(match[1]),
      }),
    );
  }
  return gpus;
}

/** What collect.ts reads of Linux's CPU types; every field absent where the kernel does not publish it. */
export interface SysfsCpuTopology {
  /** /sys/devices/cpu_core/cpus: Intel's performance cores (their hyperthreads included), a cpulist such as "0-15". */
  coreCpus: string | null;
  /** /sys/devices/cpu_atom/cpus: Intel's efficiency cores, one thread each ("16-23"). */
  atomCpus: string | null;
  /** /sys/devices/system/cpu/cpuN/cpu_capacity by N: each CPU's capacity relative to the fastest (1024). */
  capacities: Record<string, number> | null;
}

/** The kernel's cpulist format ("0-3,8,10-11") as CPU numbers; null when it is not one. */
export function parseCpuList(text: string | null | undefined): number[] | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  const cpus: number[] = [];
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const first = Number(m[1]);
    const last = m[2] !== undefined ? Number(m[2]) : first;
    if (last < first || last - first > 4096) return null;
    for (let cpu = first; cpu <= last; cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

/** An Arm core under this share of the fastest one's capacity is a little core (RK3588's Cortex-A55s: 530 of 1024). */
const LITTLE_CORE_CAPACITY_SHARE = 0.75;

/**
 * The efficiency cores of this CPU as Linux lists them: Intel's cpu_atom CPUs (the kernel's perf PMU per core type,
 * which lscpu's one "threads per core" cannot tell apart on a hybrid CPU without SMT, such as a Core Ultra 7 265K),
 * else, on Arm, the CPUs well under the fastest one's capacity. Null where the kernel says nothing of core types.
 * Capacities are read on Arm only: on x86 they can mark AMD's compact cores (Zen 5c), which llama.cpp runs as any other.
 */
export function parseSysfsCpuTopology(raw: unknown, arch: string | null | undefined): { efficiencyCores: number; detail: string } | null {
  if (!isDict(raw)) return null;
  const atom = parseCpuList(str(raw.atomCpus));
  const core = parseCpuList(str(raw.coreCpus));
  if (atom) return { efficiencyCores: atom.length, detail: `/sys/devices/cpu_atom/cpus: ${atom.length} efficiency cores` };
  if (core) return { efficiencyCores: 0, detail: '/sys/devices/cpu_core/cpus only: no efficiency cores' };
  if (arch !== 'arm64' || !isDict(raw.capacities)) return null;
  const capacities = Object.values(raw.capacities).filter((c): c is number => typeof c === 'number' && c > 0);
  if (capacities.length < 2) return null;
  const fastest = Math.max(...capacities);
  const little = capacities.filter((c) => c < fastest * LITTLE_CORE_CAPACITY_SHARE).length;
  return {
    efficiencyCores: little,
    detail: `cpu_capacity: ${little} of ${capacities.length} cores under ${LITTLE_CORE_CAPACITY_SHARE} of the fastest`,
  };
}
