// Units shared by every side. Sizes are bytes (binary multiples for GiB/MiB), speeds tokens per second.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const GB = 1e9;

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: KiB,
  mib: MiB,
  gib: GiB,
  tib: 1024 * GiB,
  k: KiB,
  m: MiB,
  g: GiB,
  t: 1024 * GiB,
};

export class SizeParseError extends Error {
  constructor(input: string) {
    super(
      `"${input}" is not a size. Write a number and a unit, e.g. 8GiB, 12GB, 16384MiB (GiB/MiB are 1024-based, GB/MB 1000-based; a bare number is GiB).`,
    );
    this.name = 'SizeParseError';
  }
}

/** Parses "8GiB", "12 GB", "16384MiB", "24" (GiB) into bytes. Throws SizeParseError with advice. */
export function parseSizeBytes(input: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!match) throw new SizeParseError(input);
  const value = Number(match[1]);
  const unitText = (match[2] ?? '').toLowerCase();
  const unit = unitText === '' ? GiB : SIZE_UNITS[unitText];
  if (unit === undefined || !Number.isFinite(value) || value <= 0) throw new SizeParseError(input);
  return Math.round(value * unit);
}

/** 1024-based, labelled GiB/MiB so nobody mistakes the base. */
export function formatBytes(bytes: number | null | undefined, digits = 1): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs >= 1024 * GiB) return `${(bytes / (1024 * GiB)).toFixed(digits)} TiB`;
  if (abs >= GiB) return `${(bytes / GiB).toFixed(digits)} GiB`;
  if (abs >= MiB) return `${(bytes / MiB).toFixed(abs < 10 * MiB && digits > 1 ? digits : 0)} MiB`;
  if (abs >= KiB) return `${(bytes / KiB).toFixed(0)} KiB`;
  return `${bytes} B`;
}

export function formatTokPerSec(tokPerSec: number | null | undefined): string {
  if (tokPerSec === null || tokPerSec === undefined || !Number.isFinite(tokPerSec)) return '—';
  if (tokPerSec >= 100) return tokPerSec.toFixed(0);
  if (tokPerSec >= 10) return tokPerSec.toFixed(0);
  return tokPerSec.toFixed(1);
}

/** "17 → 14", with a decimal where whole numbers would hide the change ("11.4 → 10.9", not "11 → 11"). */
export function formatTokPerSecChange(from: number | null, to: number | null): string {
  const a = formatTokPerSec(from);
  const b = formatTokPerSec(to);
  return a === b && from !== null && to !== null && from !== to ? `${from.toFixed(1)} → ${to.toFixed(1)}` : `${a} → ${b}`;
}

export function formatContext(tokens: number): string {
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}k`;
  return String(tokens);
}

/** A wait in words a person reads at a glance: "8 s", "45 s", "3 min", "1 h 5 min". */
export function formatWait(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/** A CPU's cores for a one-line view: "16c/24t", with a hybrid CPU's split where known ("20c/20t, 8P+12E"). */
export function formatCores(cpu: { physicalCores: number; logicalCores: number; efficiencyCores?: number | null }): string {
  const base = `${cpu.physicalCores}c/${cpu.logicalCores}t`;
  const e = cpu.efficiencyCores;
  return e && e < cpu.physicalCores ? `${base}, ${cpu.physicalCores - e}P+${e}E` : base;
}
