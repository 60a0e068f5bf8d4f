// What the report's corrections share about the user's benchmark runs: which were made here, and their middle value.
import type { BenchRecord, HardwareSnapshot } from '../shared/schema';

/** A record was made on this hardware: the same CPU and the same GPUs, in order. */
export function recordedHere(record: BenchRecord, hardware: HardwareSnapshot): boolean {
  const gpus = hardware.gpus.map((g) => g.name);
  return record.hardware.cpu === hardware.cpu.model && record.hardware.gpus.join('\n') === gpus.join('\n');
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
