// Windows: WMI's Win32_VideoController as wmic prints it, the display adapters' registry values,
// and the PnP device ids both carry.
import { MiB } from '../../../shared/units';
import { isDict, num, observation, positive, str, stripAnsi, vendorFromPciVendorId, vendorFromText, type GpuObservation } from './common';

/** "PCI\VEN_10DE&DEV_2684&SUBSYS_...&REV_A1" -> { pciId: "10de:2684", revision: "a1" }. */
export function parseWindowsPnpId(value: string | null | undefined): { pciId: string; revision: string | null } | null {
  if (!value) return null;
  const match = /VEN_([0-9A-F]{4})&DEV_([0-9A-F]{4})(?:&SUBSYS_[0-9A-F]{8})?(?:&REV_([0-9A-F]{2}))?/i.exec(value);
  if (!match) return null;
  return {
    pciId: `${(match[1] as string).toLowerCase()}:${(match[2] as string).toLowerCase()}`,
    revision: match[3]?.toLowerCase() ?? null,
  };
}

/**
 * `wmic path win32_VideoController get name, adapterram, ...` as printed (a fixed-width table),
 * turned into systeminformation-shaped controllers: si on Windows reads the same WMI class, so
 * AdapterRAM (a uint32, capped at 4 GiB) becomes si's `vram` in MiB.
 */
export function parseWmicVideoControllers(text: string): Array<{ vendor: string; model: string; vram: number | null; pciID?: string }> {
  const lines = stripAnsi(text).split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => /\bAdapterRAM\b/i.test(l) && /\bName\b/i.test(l) && !/\bget\b/i.test(l));
  if (headerIndex < 0) return [];
  const header = lines[headerIndex] as string;
  const columns: Array<{ name: string; start: number }> = [];
  for (const match of header.matchAll(/\S+/g)) columns.push({ name: match[0].toLowerCase(), start: match.index ?? 0 });
  const cell = (line: string, name: string): string | null => {
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0) return null;
    const start = (columns[i] as { start: number }).start;
    const end = i + 1 < columns.length ? (columns[i + 1] as { start: number }).start : line.length;
    return line.slice(start, end).trim() || null;
  };
  const controllers: Array<{ vendor: string; model: string; vram: number | null; pciID?: string }> = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (!line.trim()) continue;
    const model = cell(line, 'name');
    if (!model) continue;
    const adapterRam = num(cell(line, 'adapterram'));
    const pnp = cell(line, 'pnpdeviceid');
    controllers.push({
      vendor: cell(line, 'adaptercompatibility') ?? '',
      model,
      vram: adapterRam !== null ? adapterRam / MiB : null,
      ...(pnp ? { pciID: pnp } : {}),
    });
  }
  return controllers;
}

/** One display adapter's registry values under HKLM\SYSTEM\ControlSet001\Control\Class\{4d36e968-...}\NNNN. */
export interface WindowsRegistryAdapter {
  key?: string;
  DriverDesc?: string;
  MatchingDeviceId?: string;
  DriverVersion?: string;
  'HardwareInformation.qwMemorySize'?: number | string;
  'HardwareInformation.MemorySize'?: number | string;
}

function registryNumber(value: string, type: string): number | null {
  const trimmed = value.trim();
  if (/REG_BINARY/i.test(type)) {
    // Little-endian bytes, e.g. "00000080" = 0x80000000.
    const bytes = trimmed.match(/[0-9a-f]{2}/gi);
    if (!bytes) return null;
    return bytes.reduce((acc, byte, i) => acc + parseInt(byte, 16) * 256 ** i, 0);
  }
  if (/^0x[0-9a-f]+$/i.test(trimmed)) return parseInt(trimmed, 16);
  return num(trimmed);
}

/** `reg query <class key> /s /v <value>` output (one or several, concatenated), grouped by adapter key. */
export function parseRegQuery(text: string): WindowsRegistryAdapter[] {
  const adapters = new Map<string, WindowsRegistryAdapter>();
  let current: WindowsRegistryAdapter | null = null;
  for (const raw of stripAnsi(text).split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (/^HKEY_/i.test(line)) {
      const key = line.trim();
      current = adapters.get(key) ?? { key };
      adapters.set(key, current);
      continue;
    }
    const match = /^\s+(\S.*?)\s{2,}(REG_\w+)\s{2,}(.*)$/.exec(line) ?? /^\s+(\S.*?)\s+(REG_\w+)\s+(.*)$/.exec(line);
    if (!match || !current) continue;
    const [, name, type, value] = match as unknown as [string, string, string, string];
    if (/qwMemorySize$/i.test(name) || /HardwareInformation\.MemorySize$/i.test(name)) {
      const parsed = registryNumber(value, type);
      if (parsed !== null) (current as Record<string, unknown>)[name] = parsed;
    } else if (/^(DriverDesc|MatchingDeviceId|DriverVersion)$/i.test(name)) {
      (current as Record<string, unknown>)[name] = value.trim();
    }
  }
  return [...adapters.values()].filter(
    (a) => a.DriverDesc || a['HardwareInformation.qwMemorySize'] !== undefined || a['HardwareInformation.MemorySize'] !== undefined,
  );
}

/**
 * Windows registry HardwareInformation.qwMemorySize per display adapter: the driver's own VRAM
 * figure (64-bit, unlike WMI's AdapterRAM). Accepts parsed adapters (PowerShell ConvertTo-Json)
 * or `reg query` text.
 */
export function parseWindowsRegistryGpus(input: unknown): GpuObservation[] {
  let adapters: unknown[] = [];
  if (typeof input === 'string') {
    const trimmed = input.trim();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        adapters = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        adapters = [];
      }
    } else adapters = parseRegQuery(input);
  } else if (Array.isArray(input)) adapters = input;
  else if (isDict(input)) adapters = [input];
  const gpus: GpuObservation[] = [];
  for (const adapter of adapters) {
    if (!isDict(adapter)) continue;
    const name = str(adapter.DriverDesc);
    const qw = num(adapter['HardwareInformation.qwMemorySize']);
    const dw = num(adapter['HardwareInformation.MemorySize']);
    const bytes = positive(qw) ?? positive(dw);
    if (!name && bytes === null) continue;
    const pnp = parseWindowsPnpId(str(adapter.MatchingDeviceId));
    gpus.push(
      observation({
        by: 'windows-registry',
        name: name ?? 'Display adapter',
        vendor: vendorFromPciVendorId(pnp?.pciId.slice(0, 4) ?? null) ?? vendorFromText(name),
        pciId: pnp?.pciId ?? null,
        pciRevision: pnp?.revision ?? null,
        vramBytes: bytes,
        vramField: positive(qw) !== null ? 'HardwareInformation.qwMemorySize' : bytes !== null ? 'HardwareInformation.MemorySize' : null,
        driver: str(adapter.DriverVersion),
      }),
    );
  }
  return gpus;
}
