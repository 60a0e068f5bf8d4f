// Apple Silicon's GPU budget: Metal's recommendedMaxWorkingSetSize, a fixed share of the unified
// RAM that macOS sets by default.
import { GiB } from '../../../shared/units';

/** Apple's default Metal working set: about 2/3 of RAM on Macs up to 36 GB, 3/4 above. */
export function appleWorkingSetShare(ramBytes: number): number {
  return ramBytes <= 36 * GiB ? 2 / 3 : 3 / 4;
}

/** The share as a user reads it ("2/3", "3/4"). */
export function workingSetShareLabel(share: number): string {
  return share === 2 / 3 ? '2/3' : '3/4';
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
