// Synthetic hardware snapshots for core tests: the shapes detection produces, with explicit sources.
import type { Gpu, HardwareSnapshot } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';

const assumed = { kind: 'assumed' as const, by: 'test' };

export function makeGpu(overrides: Partial<Gpu> & { name: string }): Gpu {
  return {
    vendor: 'nvidia',
    vramBytes: 24 * GiB,
    vramFreeBytes: null,
    backend: 'cuda',
    driver: null,
    integrated: false,
    unifiedMemory: false,
    unifiedShareOfRam: null,
    memoryBandwidthBytesPerSec: 1008e9,
    tdpWatts: 450,
    source: assumed,
    vramSource: assumed,
    bandwidthSource: assumed,
    alternatives: [],
    notes: [],
    ...overrides,
  };
}

export function makeSnapshot(
  options: { ramBytes?: number; gpus?: Gpu[]; cpuBandwidth?: number | null; arch?: string } = {},
): HardwareSnapshot {
  return {
    os: { platform: 'linux', distro: null, release: null, arch: options.arch ?? 'x64', source: assumed },
    cpu: {
      model: 'Test CPU',
      vendor: null,
      physicalCores: 8,
      logicalCores: 16,
      simd: ['AVX2'],
      memoryBandwidthBytesPerSec: options.cpuBandwidth === undefined ? 40e9 : options.cpuBandwidth,
      bandwidthSource: options.cpuBandwidth === null ? null : assumed,
      source: assumed,
    },
    ram: { totalBytes: options.ramBytes ?? 32 * GiB, availableBytes: null, swapTotalBytes: null, source: assumed },
    gpus: options.gpus ?? [],
    sources: [],
    whatIf: false,
    detectedAt: '2026-01-01T00:00:00.000Z',
  };
}

export const rtx4090 = (): Gpu => makeGpu({ name: 'NVIDIA GeForce RTX 4090' });
export const appleM1 = (ramBytes: number): Gpu =>
  makeGpu({
    name: 'Apple M1',
    vendor: 'apple',
    backend: 'metal',
    integrated: true,
    unifiedMemory: true,
    unifiedShareOfRam: 2 / 3,
    vramBytes: Math.round((ramBytes * 2) / 3),
    memoryBandwidthBytesPerSec: 68e9,
  });
