import type { BenchRecord } from '../../src/shared/schema';

/** A valid CPU benchmark record (tiny model, 5 repetitions); pass what a test cares about. */
export function makeBenchRecord(over: Partial<BenchRecord> = {}): BenchRecord {
  return {
    id: 'r-1',
    at: '2026-12-02T08:00:00.000Z',
    model: { path: '/m/tiny.gguf', name: 'tiny', quant: 'Q8_0', paramsB: 0.0003, fileBytes: 1_000_000 },
    settings: { promptTokens: 512, genTokens: 128, repetitions: 5, threads: 'auto', gpuLayers: 'auto' },
    backend: 'cpu',
    gpuLayers: 0,
    totalLayers: 6,
    threads: { pp: 2, tg: 1, sweep: [] },
    pp: { samples: [1000], mean: 1000, sd: 0 },
    tg: { samples: [400], mean: 400, sd: 0 },
    tgMethod: 'decode-timer',
    tgLoop: { samples: [300], mean: 300, sd: 0 },
    ttftMs: 50,
    loadMs: 20,
    peakRssBytes: 100_000_000,
    predictedTgTokPerSec: 380,
    promptWork: null,
    energy: null,
    hardware: { cpu: 'x', gpus: [], ramBytes: 8e9, os: 'linux' },
    llamaBench: null,
    source: { kind: 'measured', by: 'rightsize bench' },
    ...over,
  };
}
