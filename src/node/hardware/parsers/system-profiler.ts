// macOS system_profiler: SPMemoryDataType (RAM) and SPDisplaysDataType (GPUs), as JSON or text.
import { GiB, KiB, MiB } from '../../../shared/units';
import { parseMaybeTruncatedJson } from '../../truncated-json';
import { hex4, isDict, observation, pciVendorIdOf, str, stripAnsi, vendorFromText, type GpuObservation, type RamFacts } from './common';

/** Apple's "8 GB", "1536 MB" (binary, as macOS counts RAM and VRAM). */
function parseAppleSize(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB)\b/i.exec(text);
  if (!match) return null;
  const unit = { KB: KiB, MB: MiB, GB: GiB, TB: 1024 * GiB }[(match[2] as string).toUpperCase() as 'KB' | 'MB' | 'GB' | 'TB'];
  return Math.round(Number(match[1]) * unit);
}

/** system_profiler SPMemoryDataType -json: the RAM size ("8 GB" on Apple Silicon, per-DIMM sizes on Intel Macs). */
export function parseSystemProfilerMemory(input: unknown): RamFacts {
  const data = typeof input === 'string' ? parseMaybeTruncatedJson(input) : input;
  const empty: RamFacts = { totalBytes: null, availableBytes: null, swapTotalBytes: null };
  if (!isDict(data) || !Array.isArray(data.SPMemoryDataType)) return empty;
  let total = 0;
  for (const entry of data.SPMemoryDataType) {
    if (!isDict(entry)) continue;
    const direct = parseAppleSize(entry.SPMemoryDataType);
    if (direct) {
      total += direct;
      continue;
    }
    if (Array.isArray(entry._items)) {
      for (const dimm of entry._items) if (isDict(dimm)) total += parseAppleSize(dimm.dimm_size) ?? 0;
    }
  }
  return { ...empty, totalBytes: total > 0 ? total : null };
}

/** "kHW_AppleM1ProItem" -> "Apple M1 Pro". */
function appleChipName(raw: string): string | null {
  const match = /kHW_Apple(M\d+)(Pro|Max|Ultra)?Item/i.exec(raw);
  if (!match) return null;
  return `Apple ${(match[1] as string).toUpperCase()}${match[2] ? ` ${match[2][0]?.toUpperCase()}${match[2].slice(1).toLowerCase()}` : ''}`;
}

function displaysFromJson(data: unknown): GpuObservation[] {
  if (!isDict(data) || !Array.isArray(data.SPDisplaysDataType)) return [];
  const gpus: GpuObservation[] = [];
  for (const item of data.SPDisplaysDataType) {
    if (!isDict(item)) continue;
    const rawName = str(item.sppci_model) ?? str(item._name);
    if (!rawName) continue;
    const name = appleChipName(rawName) ?? rawName;
    const vram = parseAppleSize(item.spdisplays_vram) ?? parseAppleSize(item.spdisplays_vram_shared);
    const shared = item.spdisplays_vram === undefined && item.spdisplays_vram_shared !== undefined;
    const deviceId = hex4(str(item['spdisplays_device-id']));
    const vendor = vendorFromText(str(item.spdisplays_vendor), name);
    const vendorId = pciVendorIdOf(vendor);
    gpus.push(
      observation({
        by: 'system_profiler',
        name,
        vendor,
        pciId: deviceId && vendorId ? `${vendorId}:${deviceId}` : null,
        vramBytes: vram,
        vramField: vram !== null ? (shared ? 'spdisplays_vram_shared' : 'spdisplays_vram') : null,
        hints: { sharedMemory: shared || /builtin/i.test(str(item.sppci_bus) ?? '') },
      }),
    );
  }
  return gpus;
}

function displaysFromText(text: string): GpuObservation[] {
  const gpus: GpuObservation[] = [];
  let current: { name: string; fields: Record<string, string> } | null = null;
  const flush = (): void => {
    if (!current) return;
    const f = current.fields;
    const name = f['chipset model'] ?? current.name;
    const total = parseAppleSize(f['vram (total)']);
    const dynamic = parseAppleSize(f['vram (dynamic, max)']);
    const deviceId = hex4(f['device id']);
    const vendor = vendorFromText(f['vendor'], name);
    const vendorId = pciVendorIdOf(vendor);
    gpus.push(
      observation({
        by: 'system_profiler',
        name: appleChipName(name) ?? name,
        vendor,
        pciId: deviceId && vendorId ? `${vendorId}:${deviceId}` : null,
        vramBytes: total ?? dynamic,
        vramField: total !== null ? 'VRAM (Total)' : dynamic !== null ? 'VRAM (Dynamic, Max)' : null,
        hints: { sharedMemory: total === null && dynamic !== null ? true : /built-in/i.test(f['bus'] ?? '') },
      }),
    );
    current = null;
  };
  let gpuIndent = -1;
  for (const line of stripAnsi(text).split(/\r?\n/)) {
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const heading = /^(\s*)([^:]+):\s*$/.exec(line);
    if (heading && /^graphics\/displays$/i.test((heading[2] as string).trim())) continue;
    if (heading && (gpuIndent < 0 || indent === gpuIndent)) {
      flush();
      gpuIndent = indent;
      current = { name: (heading[2] as string).trim(), fields: {} };
      continue;
    }
    if (heading && current && /^displays$/i.test((heading[2] as string).trim())) {
      flush();
      continue;
    }
    const field = /^\s*([^:]+):\s*(.+)$/.exec(line);
    if (field && current && indent > gpuIndent) current.fields[(field[1] as string).trim().toLowerCase()] ??= (field[2] as string).trim();
  }
  flush();
  return gpus;
}

/** system_profiler SPDisplaysDataType, as JSON (-json, possibly cut off) or as the plain text report. */
export function parseSystemProfilerDisplays(input: unknown): GpuObservation[] {
  if (typeof input === 'string') {
    const trimmed = input.trim();
    if (trimmed.startsWith('{')) return displaysFromJson(parseMaybeTruncatedJson(trimmed));
    return displaysFromText(input);
  }
  return displaysFromJson(input);
}
