// nvidia-smi --query-gpu output: NVIDIA's own VRAM, driver and power figures.
import { MiB } from '../../../shared/units';
import { normalizeBusAddress, num, observation, pcieLinkOf, positive, splitCsvLine, stripAnsi, type GpuObservation } from './common';

/** The columns of `--format=csv,noheader,nounits` when no header says otherwise. */
const NVIDIA_SMI_DEFAULT_COLUMNS = ['name', 'memory.total', 'memory.free', 'driver_version', 'power.limit'] as const;

function nvidiaValue(cell: string | undefined): string | null {
  if (cell === undefined) return null;
  const value = cell.trim();
  if (
    !value ||
    /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions|Requested functionality has been deprecated)\]?$/i.test(value)
  )
    return null;
  return value;
}

/**
 * nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]. With a header the columns are
 * looked up by name (units in brackets are ignored); without one they are taken to be
 * name, memory.total, memory.free, driver_version, power.limit. Memory is in MiB.
 */
export function parseNvidiaSmiCsv(text: string, columns: readonly string[] = NVIDIA_SMI_DEFAULT_COLUMNS): GpuObservation[] {
  const lines = stripAnsi(text)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  let header = columns.map((c) => c.toLowerCase());
  let rows = lines;
  const first = lines[0] as string;
  if (/(^|,)\s*(name|memory\.total|index|timestamp)(\s*\[[^\]]*\])?\s*(,|$)/i.test(first)) {
    header = splitCsvLine(first).map((h) =>
      h
        .replace(/\s*\[[^\]]*\]\s*$/, '')
        .trim()
        .toLowerCase(),
    );
    rows = lines.slice(1);
  }
  const col = (cells: string[], name: string): string | null => {
    const index = header.indexOf(name);
    return index < 0 ? null : nvidiaValue(cells[index]);
  };
  const gpus: GpuObservation[] = [];
  for (const row of rows) {
    const cells = splitCsvLine(row);
    const name = col(cells, 'name');
    if (!name) continue;
    const totalMiB = num(col(cells, 'memory.total'));
    const freeMiB = num(col(cells, 'memory.free'));
    const deviceIdCell = col(cells, 'pci.device_id');
    // pci.device_id is "0x270210DE": device id then vendor id.
    const deviceMatch = deviceIdCell ? /^0x([0-9a-f]{4})([0-9a-f]{4})$/i.exec(deviceIdCell) : null;
    gpus.push(
      observation({
        by: 'nvidia-smi',
        name,
        vendor: 'nvidia',
        pciId: deviceMatch ? `${(deviceMatch[2] as string).toLowerCase()}:${(deviceMatch[1] as string).toLowerCase()}` : null,
        busAddress: normalizeBusAddress(col(cells, 'pci.bus_id')),
        vramBytes: positive(totalMiB) !== null ? Math.round((totalMiB as number) * MiB) : null,
        vramFreeBytes: freeMiB !== null && freeMiB >= 0 ? Math.round(freeMiB * MiB) : null,
        vramField: totalMiB !== null ? 'memory.total' : null,
        driver: col(cells, 'driver_version'),
        powerLimitWatts: positive(num(col(cells, 'power.default_limit'))) ?? positive(num(col(cells, 'power.limit'))),
        // The most the card and this machine's slot allow; the .current pair drops while the card idles.
        pcieLink: pcieLinkOf(num(col(cells, 'pcie.link.gen.max')), num(col(cells, 'pcie.link.width.max'))),
      }),
    );
  }
  return gpus;
}
