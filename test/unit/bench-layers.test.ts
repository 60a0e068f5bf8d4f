// Benchmark it on a rung runs the file where the report places it, so the run lands on the row it measures: the CPU
// (0 layers) or the same plain split; every layer on the GPU, or experts in RAM, are left to node-llama-cpp's fit.
import { describe, expect, it } from 'vitest';
import { benchLayersOf } from '../../src/renderer/src/reportRows';

describe('benchLayersOf', () => {
  it('follows the row: 0 on the CPU, k for a split, auto all on the GPU or with experts in RAM', () => {
    expect(benchLayersOf({ fit: 'cpu', gpuLayers: 0 })).toBe(0);
    expect(benchLayersOf({ fit: 'partial', gpuLayers: 20 })).toBe(20);
    expect(benchLayersOf({ fit: 'gpu', gpuLayers: 33 })).toBe('auto');
    expect(benchLayersOf({ fit: 'partial', gpuLayers: 49, cpuMoeLayers: 30 })).toBe('auto');
    expect(benchLayersOf({ fit: 'none', gpuLayers: 0 })).toBe('auto');
  });
});
