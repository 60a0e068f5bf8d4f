// Synthetic hardware snapshots for core tests: the shapes detection produces, with explicit sources.
import type { Gpu, HardwareSnapshot, SpeedCalibration } from '../../src/shared/schema';
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

/** A probe's result with round figures (20 GB/s Q4_K reads, 400 GFLOP/s, 25 GB/s RAM); override what a test varies. */
export function makeCalibration(overrides: Partial<SpeedCalibration> = {}): SpeedCalibration {
  return {
    model: 2,
    tgBytesPerSecByType: { Q4_K: 20e9 },
    tgSecondsPerRowByType: {},
    ppFlopsByType: { Q4_K: 400e9 },
    ppSecondsPerRowByType: {},
    tgMemoryBytesPerSec: 25e9,
    ppRamReadsPerToken: 0.05,
    lastLevelCacheBytes: 32 * 2 ** 20,
    tgSecondsPerToken: 0.0005,
    tgSecondsPerLayer: 20e-6,
    threads: { pp: 2, tg: 2 },
    measuredAt: '2026-12-02T08:00:00.000Z',
    durationMs: 9000,
    runs: [],
    source: { kind: 'measured', by: 'rightsize probe' },
    ...overrides,
  };
}
