// What `rightsize measure` prints when llama.cpp used a device the hardware detection does not count as a GPU: the
// buffers are llama.cpp's own lines from a Vulkan load on Mesa's lavapipe (test/fixtures/llama/vulkan-op-offload.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatMeasurement } from '../../src/cli/format/estimate';
import { catalogModelAt } from '../../src/core/report';
import { buffersByDevice } from '../../src/node/llama/measure';
import { parseBufferLine, type BufferLine } from '../../src/node/llama/protocol';
import { estimateResolved } from '../../src/node/models/resolve';
import { loadCatalog } from '../../src/node/resources';
import type { Measurement } from '../../src/shared/schema';
import { makeSnapshot } from '../helpers/hardware';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/llama/vulkan-op-offload.json', import.meta.url), 'utf8')) as {
  cases: Array<{ id: string; ngl: number; ctx: number; precision: string; lines: string[] }>;
};

describe('measure beside an undetected GPU', () => {
  const recorded = fixture.cases.find((c) => c.id === 'tinyllama-1.1b' && c.ngl === 10 && c.ctx === 2048)!;
  const buffers = recorded.lines.map(parseBufferLine).filter((b): b is BufferLine => b !== null);
  const model = catalogModelAt(
    loadCatalog().find((m) => m.id === 'tinyllama-1.1b')!,
    'Q4_K_M',
  );
  const estimate = estimateResolved({ sizable: model, architecture: 'llama', fileBytes: null }, makeSnapshot(), {
    contextTokens: 2048,
    kvType: 'f16',
    gpuLayers: 10,
    runtime: 'node-llama-cpp',
  });
  const measurement = (gpuLayers: number): Measurement => ({
    model: estimate.model,
    settings: { contextTokens: 2048, kvType: 'f16', gpuLayers, threads: 2 },
    backend: 'vulkan',
    gpuLayers,
    totalLayers: 23,
    devices: buffersByDevice(buffers),
    buffersBytes: buffers.reduce((sum, b) => sum + b.bytes, 0),
    rss: { beforeLoadBytes: 0, afterLoadBytes: 0, afterContextBytes: 0, peakBytes: 0 },
    loadMs: 1000,
    buffers,
    source: { kind: 'measured', by: 'llama.cpp buffer log' },
  });

  it("reads llama.cpp's Vulkan0 lines as the GPU's: 279 MiB of weights, 18 MiB of KV, 66.5 MiB of compute", () => {
    const gpu = measurement(10).devices.gpu;
    expect(gpu.weightsBytes / 2 ** 20).toBeCloseTo(278.87, 1);
    expect(gpu.kvBytes / 2 ** 20).toBeCloseTo(18, 1);
    expect(gpu.computeBytes / 2 ** 20).toBeCloseTo(66.5, 1);
  });

  it('says the estimate is for the machine as detected, all on the CPU, where llama.cpp used a GPU it does not count', () => {
    expect(estimate.devices.gpu.totalBytes).toBe(0);
    const text = formatMeasurement(measurement(10), estimate, false);
    expect(text).toMatch(/llama\.cpp put 10 layers on a vulkan device that rightsize's hardware detection does not count as a GPU/);
    expect(text).toMatch(/llvmpipe/);
  });
});
