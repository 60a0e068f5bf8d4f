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
