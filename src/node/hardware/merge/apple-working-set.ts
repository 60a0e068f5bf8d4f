// A unified-memory GPU's budget. Apple Silicon's is Metal's recommendedMaxWorkingSetSize, a fixed
// share of the unified RAM that macOS sets by default; other makers' (DGX Spark, Strix Halo)
// is a catalogued share of RAM where no tool reports it.
import type { GpuPreset } from '../../../shared/schema';
import { GiB } from '../../../shared/units';

/** Apple's default Metal working set: about 2/3 of RAM on Macs up to 36 GB, 3/4 above. */
export function appleWorkingSetShare(ramBytes: number): number {
  return ramBytes <= 36 * GiB ? 2 / 3 : 3 / 4;
}

/** The share as a user reads it ("2/3", "3/4", "all", "88%"). */
export function workingSetShareLabel(share: number): string {
  if (share === 2 / 3) return '2/3';
  if (share === 3 / 4) return '3/4';
  return share >= 1 ? 'all' : `${Math.round(share * 100)}%`;
}

/**
 * The share of RAM a unified-memory GPU may use where no tool reports it: Apple's working-set rule, or
 * the catalogued default of another maker's unified GPU (DGX Spark, Strix Halo), with the reason.
 */
export function unifiedGpuShare(preset: GpuPreset | null, ramBytes: number): { share: number; why: string } {
  if (!preset || preset.vendor === 'apple' || preset.gpuShareOfRam === undefined)
    return { share: appleWorkingSetShare(ramBytes), why: "macOS's default GPU working set" };
  const evidence = preset.figureSources?.find((f) => f.field === 'gpuShareOfRam');
  return { share: preset.gpuShareOfRam, why: evidence?.detail ?? `what ${preset.name}'s llama.cpp backend may allocate by default` };
}

const APPLE_RAM_SIZES_GIB = [8, 16, 18, 24, 32, 36, 48, 64, 96, 128, 192, 256, 512];

/** Picks the reading of the Metal log's "MB" (MiB or 10^6) that fits Apple's rule best, and the RAM it implies. */
export function resolveMetalWorkingSet(candidates: number[], ramBytes: number | null): { bytes: number; impliedRamBytes: number } | null {
  let best: { bytes: number; impliedRamBytes: number; error: number } | null = null;
  for (const bytes of candidates) {
    const sizes = ramBytes ? [ramBytes] : APPLE_RAM_SIZES_GIB.map((g) => g * GiB);
    for (const ram of sizes) {
      const expected = ram * appleWorkingSetShare(ram);
      const error = Math.abs(bytes - expected) / expected;
      if (!best || error < best.error) best = { bytes, impliedRamBytes: ram, error };
    }
  }
  return best ? { bytes: best.bytes, impliedRamBytes: best.impliedRamBytes } : null;
}
