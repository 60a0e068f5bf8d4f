// Prompt speed on the GPU from the user's own runs: one run of a model all on this GPU gives the FLOP rate the GPU
// reads prompts at, its own row shows the measured pp512, and every other row all on the GPU gets a prompt speed and
// a full-context wait at that rate; runs on other hardware, partial offloads and test-sized files give none.
import { describe, expect, it } from 'vitest';
import { promptFlopsPerToken } from '../../src/core/gpu-prompt';
import { buildReport, catalogModelAt, type SizableModel } from '../../src/core/report';
import { loadCatalog } from '../../src/node/resources';
import type { BenchRecord, Report } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeBenchRecord } from '../helpers/bench-record';
import { makeGpu, makeSnapshot } from '../helpers/hardware';

const catalog = loadCatalog();
const hardware = makeSnapshot({ ramBytes: 64 * GiB, gpus: [makeGpu({ name: 'GPU', vramBytes: 24 * GiB })] });
const model = (id: string) => catalog.find((m) => m.id === id) ?? (undefined as never);
const llama: SizableModel = { ...catalogModelAt(model('llama-3.1-8b'), 'Q4_K_M'), origin: 'file', filePath: '/m/llama.gguf' };
const record = (over: Partial<BenchRecord> = {}): BenchRecord =>
  makeBenchRecord({
    id: 'r1',
    at: '2026-12-03T08:00:00.000Z',
    model: { path: '/m/llama.gguf', name: 'llama', quant: 'Q4_K_M', paramsB: 8, fileBytes: 4.9e9 },
    backend: 'cuda',
    gpuLayers: 33,
    totalLayers: 33,
    pp: { samples: [3000], mean: 3000, sd: 20 },
    tg: { samples: [100], mean: 100, sd: 1 },
    predictedTgTokPerSec: 100,
    hardware: { cpu: hardware.cpu.model, gpus: ['GPU'], ramBytes: hardware.ram.totalBytes, os: 'linux' },
    ...over,
  });
const reportWith = (records: BenchRecord[]): Report =>
  buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16', benchRecords: records, task: 'long-docs' }, { detectMs: 0 }, [
    llama,
  ]);
const row = (r: Report, id: string, quant: string, file = false) =>
  r.rows.find((x) => x.modelId === id && x.quant === quant && (x.origin === 'file') === file) ?? (undefined as never);

describe('prompt speed on the GPU from your runs', () => {
  const work = (id: string) => ({ activeParamsB: row(reportWith([]), id, 'Q4_K_M').activeParamsB, shape: model(id) });

  it('has none without a run: no datasheet figure stands in for it', () => {
    const r = reportWith([]);
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').fit).toBe('gpu');
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeNull();
    expect(row(r, 'llama-3.1-8b', 'Q4_K_M').fullPromptSeconds).toBeUndefined();
  });

  it("shows the run's pp512 on its file and carries its FLOP rate to every row all on the GPU", () => {
    const r = reportWith([record()]);
    const own = row(r, llama.modelId, 'Q4_K_M', true);
    expect(own.promptTokPerSec).toBe(3000);
    expect(own.promptSource?.kind).toBe('measured');
    const rate = 3000 * promptFlopsPerToken(work('llama-3.1-8b'), 512);
    // The same model from the catalog reads at the same rate; a 1.5B about five times faster, by its FLOPs.
    const same = row(r, 'llama-3.1-8b', 'Q4_K_M');
    expect(same.promptTokPerSec).toBeCloseTo(3000, 6);
    expect(same.promptSource?.by).toBe('speed.prompt-from-runs');
    const small = row(r, 'qwen2.5-1.5b', 'Q4_K_M');
    expect(small.promptTokPerSec).toBeCloseTo(rate / promptFlopsPerToken(work('qwen2.5-1.5b'), 512), 6);
    expect(small.promptTokPerSec ?? 0).toBeGreaterThan(4 * 3000);
    // A prompt that fills 8k reads slower per token than 512 tokens do: attention over it grows.
    expect(same.fullPromptSeconds).toBeCloseTo((8192 * promptFlopsPerToken(work('llama-3.1-8b'), 8192)) / rate, 6);
    expect(same.fullPromptSeconds ?? 0).toBeGreaterThan(8192 / 3000);
    // The long-docs ladder's rungs on this GPU now say how long a full context takes.
    expect(r.recommendation.start?.fit).toBe('gpu');
    expect(r.recommendation.start?.fullPromptSeconds ?? 0).toBeGreaterThan(0);
    // Rows not all on the GPU keep the prompt speed they had (none here: the CPU is not calibrated).
    const cpuRow = r.rows.find((x) => x.fit === 'cpu');
    expect(cpuRow?.promptTokPerSec ?? null).toBeNull();
  });

  it('ignores runs on other hardware, partial offloads and test-sized files', () => {
    for (const other of [
      record({ hardware: { cpu: hardware.cpu.model, gpus: ['Other GPU'], ramBytes: hardware.ram.totalBytes, os: 'linux' } }),
      record({ gpuLayers: 20 }),
      record({ model: { path: '/m/llama.gguf', name: 'llama', quant: 'Q4_K_M', paramsB: 8, fileBytes: 5e6 } }),
    ])
      expect(row(reportWith([other]), 'llama-3.1-8b', 'Q4_K_M').promptTokPerSec).toBeNull();
  });
});
