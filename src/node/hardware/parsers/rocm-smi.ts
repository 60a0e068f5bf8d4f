// rocm-smi output (CSV or JSON): AMD's own VRAM figures and PCI ids.
import {
  bareDeviceId,
  hex2,
  hex4,
  isDict,
  normalizeBusAddress,
  num,
  observation,
  pciVendorIdOf,
  positive,
  splitCsvLine,
  str,
  stripAnsi,
  vendorFromText,
  type Dict,
  type GpuObservation,
} from './common';

function rocmField(record: Dict, ...names: string[]): string | null {
  const lowered = new Map(Object.keys(record).map((k) => [k.toLowerCase(), k]));
  for (const name of names) {
    const key = lowered.get(name.toLowerCase());
    if (key !== undefined) {
      const value = str(record[key]);
      if (value && !/^(n\/a|unknown|none)$/i.test(value)) return value;
    }
  }
  return null;
}

function rocmRecordToObservation(record: Dict): GpuObservation | null {
  const totalBytes = num(rocmField(record, 'VRAM Total Memory (B)'));
  const usedBytes = num(rocmField(record, 'VRAM Total Used Memory (B)'));
  const deviceId = hex4(rocmField(record, 'Card Model', 'Device ID'));
  const series = rocmField(record, 'Card Series', 'Device Name', 'Card series', 'Marketing Name');
  const vendorText = rocmField(record, 'Card Vendor', 'Card vendor');
  const vendor = vendorFromText(vendorText, series) === 'other' ? 'amd' : vendorFromText(vendorText, series);
  const name = series && !bareDeviceId(series) ? series : deviceId ? `Device ${deviceId}` : series;
  if (!name) return null;
  const vendorId = pciVendorIdOf(vendor);
  return observation({
    by: 'rocm-smi',
    name,
    vendor,
    pciId: deviceId && vendorId ? `${vendorId}:${deviceId}` : null,
    pciRevision: hex2(rocmField(record, 'Device Rev')),
    busAddress: normalizeBusAddress(rocmField(record, 'PCI Bus')),
    vramBytes: positive(totalBytes),
    vramFreeBytes: totalBytes !== null && usedBytes !== null ? Math.max(0, totalBytes - usedBytes) : null,
    vramField: totalBytes !== null ? 'VRAM Total Memory (B)' : null,
    driver: rocmField(record, 'Driver version'),
  });
}

/** rocm-smi --showproductname --showmeminfo vram [--showbus] --csv */
export function parseRocmSmiCsv(text: string): GpuObservation[] {
  const lines = stripAnsi(text)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.includes(','));
  const headerIndex = lines.findIndex((l) => /^device\s*,/i.test(l));
  if (headerIndex < 0) return [];
  const header = splitCsvLine(lines[headerIndex] as string);
  const gpus: GpuObservation[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    const cells = splitCsvLine(line);
    if (!/^card\d+/i.test(cells[0] ?? '')) continue;
    const record: Dict = {};
    header.forEach((h, i) => (record[h] = cells[i] ?? ''));
    const gpu = rocmRecordToObservation(record);
    if (gpu) gpus.push(gpu);
  }
  return gpus;
}

/** rocm-smi ... --json: `{ card0: { "VRAM Total Memory (B)": "...", ... } }` (text with warnings before it, or parsed). */
export function parseRocmSmiJson(input: unknown): GpuObservation[] {
  let data = input;
  if (typeof input === 'string') {
    const start = input.indexOf('{');
    if (start < 0) return [];
    try {
      data = JSON.parse(input.slice(start));
    } catch {
      return [];
    }
  }
  if (!isDict(data)) return [];
  const gpus: GpuObservation[] = [];
  for (const [key, record] of Object.entries(data)) {
    if (!/^card\d+/i.test(key) || !isDict(record)) continue;
    const gpu = rocmRecordToObservation(record);
    if (gpu) gpus.push(gpu);
  }
  return gpus;
}
