// A user's benchmark runs in the report: the benchmarked file's row shows its measured speed, and
// rows placed the same way move by the median measured/estimated ratio; runs on other hardware,
// or partial offloads, change nothing.
import { describe, expect, it } from 'vitest';
import { promptFlopsPerToken } from '../../src/core/gpu-prompt';
import { applyMeasuredSpeeds } from '../../src/core/measured-speeds';
import { buildReport } from '../../src/core/report';
import { loadCatalog } from '../../src/node/resources';
import type { BenchRecord, ReportRow } from '../../src/shared/schema';
import { makeBenchRecord } from '../helpers/bench-record';
import { makeSnapshot } from '../helpers/hardware';

const hardware = makeSnapshot();
interface RecordOptions {
  path: string;
  tg: number;
  predicted: number | null;
  at?: string;
  gpuLayers?: number;
  hardware?: BenchRecord['hardware'];
}
const record = (over: RecordOptions): BenchRecord =>
  makeBenchRecord({
    id: `r-${over.path}-${over.at ?? ''}`,
    at: over.at ?? '2026-12-02T08:00:00.000Z',
    model: { path: over.path, name: 'm', quant: 'Q4_K_M', paramsB: 1, fileBytes: 1e9 },
    gpuLayers: over.gpuLayers ?? 0,
    totalLayers: 17,
    threads: { pp: 2, tg: 2, sweep: [] },
    pp: { samples: [100], mean: 100, sd: 1 },
    tg: { samples: [over.tg], mean: over.tg, sd: 0.5 },
    ttftMs: 10,
    loadMs: 10,
    peakRssBytes: 1e9,
    predictedTgTokPerSec: over.predicted,
    hardware: over.hardware ?? { cpu: hardware.cpu.model, gpus: [], ramBytes: hardware.ram.totalBytes, os: 'linux' },
  });

const report = buildReport(hardware, loadCatalog(), { contextTokens: 4096, kvType: 'f16' }, { detectMs: 0 });
const fileRow: ReportRow = { ...(report.rows.find((r) => r.fit === 'cpu') as ReportRow), origin: 'file', filePath: '/m/a.gguf' };
const rows = [fileRow, ...report.rows];

describe('applyMeasuredSpeeds', () => {
  it('puts the measured speed on the benchmarked file and corrects the other CPU rows by measured / estimated', () => {
    // Measured 12 tok/s where 10 were estimated: every other CPU row goes up by 1.2.
    const out = applyMeasuredSpeeds(rows, [record({ path: '/m/a.gguf', tg: 12, predicted: 10 })], hardware);
    expect(out[0]?.tokPerSec).toBe(12);
    expect(out[0]?.speedSource.kind).toBe('measured');
    expect(out[0]?.speedSource.detail).toContain('tg128 12');
    const other = out.findIndex((r, i) => i > 0 && r.fit === 'cpu' && r.tokPerSec !== null);
    expect(other, 'another CPU row with a speed').toBeGreaterThan(0);
    expect(out[other]?.tokPerSec).toBeCloseTo((rows[other]?.tokPerSec ?? 0) * 1.2, 9);
    expect(out[other]?.speedSource.by).toBe('speed.corrected-by-runs');
    expect(out[other]?.speedSource.detail).toContain('x1.20');
    // Rows that do not fit keep no speed.
    const none = out.findIndex((r) => r.fit === 'none');
    expect(none, 'a row that does not fit').toBeGreaterThan(0);
    expect(out[none]?.tokPerSec).toBeNull();
  });

  it("puts the run's pp512 on the file's own row, and scales its full-context wait by how far the estimate was", () => {
    // A calibrated row: an estimated prompt speed and a wait for a prompt that fills its context.
    const estimated: ReportRow = {
      ...fileRow,
      promptTokPerSec: 200,
      promptSource: { kind: 'estimated', by: 'speed.prompt-calibrated' },
      fullPromptSeconds: 30,
    };
    const [own] = applyMeasuredSpeeds([estimated], [record({ path: '/m/a.gguf', tg: 12, predicted: 10 })], hardware);
    expect(own?.promptTokPerSec).toBe(100);
    expect(own?.promptSource).toMatchObject({ kind: 'measured', by: 'rightsize bench' });
    expect(own?.promptSource?.detail).toContain('estimated 200');
    expect(own?.fullPromptSeconds).toBeCloseTo(60, 9);
    // A run at another prompt length says nothing of pp512: the estimate stays.
    const pp64 = { ...record({ path: '/m/a.gguf', tg: 12, predicted: 10 }), settings: { ...makeBenchRecord().settings, promptTokens: 64 } };
    const [kept] = applyMeasuredSpeeds([estimated], [pp64], hardware);
    expect(kept?.promptTokPerSec).toBe(200);
    expect(kept?.fullPromptSeconds).toBe(30);
  });

  it('shows a split run on its own row when it put the same layers on the GPU, and says so where it did not', () => {
    const split: ReportRow = {
      ...fileRow,
      fit: 'partial',
      gpuLayers: 10,
      totalLayers: 17,
      speedSource: { kind: 'estimated', by: 'speed.x' },
    };
    const cpuRow: ReportRow = { ...fileRow, filePath: '/m/c.gguf' };
    const run = record({ path: '/m/a.gguf', tg: 12, predicted: 10, gpuLayers: 10 });
    const [own, cpu] = applyMeasuredSpeeds([split, cpuRow], [run], hardware);
    expect(own?.tokPerSec).toBe(12);
    expect(own?.speedSource.kind).toBe('measured');
    expect(own?.speedSource.detail).toContain('10 of 17 layers on the GPU');
    // No wait was estimated for the split: a run that kept its model's prompt work gives one, its pp512 carried to the
    // context by FLOPs per token (a longer prompt costs more per token, so it takes longer than ctx / pp512).
    expect(own?.promptTokPerSec).toBe(100);
    expect(own?.fullPromptSeconds).toBeUndefined();
    const work = { activeParamsB: 1, layers: 16, heads: 32, headDim: 64, routed: null };
    const [carried] = applyMeasuredSpeeds([split], [{ ...run, promptWork: work }], hardware);
    const flops = (n: number) => promptFlopsPerToken({ activeParamsB: 1, shape: work }, n);
    expect(carried?.fullPromptSeconds).toBeCloseTo((split.contextTokens * flops(split.contextTokens)) / (100 * flops(512)), 9);
    expect(carried?.fullPromptSeconds ?? 0).toBeGreaterThan(split.contextTokens / 100);
    // A split run corrects no other row: its speed mixes the GPU's and the CPU's.
    expect(cpu).toBe(cpuRow);
    // node-llama-cpp chose 12 layers where this row places 10: the estimate stays, and its detail names the run.
    const [elsewhere] = applyMeasuredSpeeds([split], [record({ path: '/m/a.gguf', tg: 14, predicted: 10, gpuLayers: 12 })], hardware);
    expect(elsewhere?.tokPerSec).toBe(split.tokPerSec);
    expect(elsewhere?.speedSource.kind).toBe('estimated');
    expect(elsewhere?.speedSource.detail).toMatch(/your run of this file on .* put 12 of 17 layers on the GPU and measured 14 tok\/s/);
    // Of two runs of the file, the row shows the one placed as it is, even when another is newer.
    const newerOnCpu = record({ path: '/m/a.gguf', tg: 5, predicted: 10, at: '2026-12-03T08:00:00.000Z' });
    expect(applyMeasuredSpeeds([split], [run, newerOnCpu], hardware)[0]?.tokPerSec).toBe(12);
  });

  it('takes the newest run per file and the median ratio over files', () => {
    const out = applyMeasuredSpeeds(
      rows,
      [
        record({ path: '/m/a.gguf', tg: 30, predicted: 10, at: '2026-12-01T00:00:00.000Z' }), // older: replaced
        record({ path: '/m/a.gguf', tg: 8, predicted: 10, at: '2026-12-02T00:00:00.000Z' }),
        record({ path: '/m/b.gguf', tg: 9, predicted: 10 }),
        record({ path: '/m/c.gguf', tg: 20, predicted: 10 }),
      ],
      hardware,
    );
    expect(out[0]?.tokPerSec).toBe(8);
    const other = out.findIndex((r, i) => i > 0 && r.fit === 'cpu' && r.tokPerSec !== null);
    expect(other, 'another CPU row with a speed').toBeGreaterThan(0);
    // Ratios 0.8, 0.9, 2.0: the median is 0.9.
    expect(out[other]?.tokPerSec).toBeCloseTo((rows[other]?.tokPerSec ?? 0) * 0.9, 9);
  });

  it('ignores runs on other hardware, partial offloads and absurd ratios', () => {
    const elsewhere = record({
      path: '/m/a.gguf',
      tg: 12,
      predicted: 10,
      hardware: { cpu: 'Another CPU', gpus: [], ramBytes: 1, os: 'linux' },
    });
    const partial = record({ path: '/m/b.gguf', tg: 12, predicted: 10, gpuLayers: 5 });
    expect(applyMeasuredSpeeds(rows, [elsewhere, partial], hardware)).toBe(rows);
    const absurd = applyMeasuredSpeeds(rows, [record({ path: '/m/z.gguf', tg: 100, predicted: 1 })], hardware);
    expect(absurd.slice(1)).toEqual(rows.slice(1));
    // A test model of a few MB shows its own speed but corrects nothing else.
    const tiny = applyMeasuredSpeeds(
      rows,
      [
        {
          ...record({ path: '/m/a.gguf', tg: 12, predicted: 10 }),
          model: { ...record({ path: '/m/a.gguf', tg: 12, predicted: 10 }).model, fileBytes: 1_200_000 },
        },
      ],
      hardware,
    );
    expect(tiny[0]?.speedSource.kind).toBe('measured');
    expect(tiny.slice(1)).toEqual(rows.slice(1));
  });

  it('buildReport applies them, so the ladder sees the corrected speeds', () => {
    const corrected = buildReport(
      hardware,
      loadCatalog(),
      { contextTokens: 4096, kvType: 'f16', benchRecords: [record({ path: '/m/none.gguf', tg: 5, predicted: 10 })] },
      { detectMs: 0 },
    );
    const a = report.rows.find((r) => r.fit === 'cpu' && r.tokPerSec !== null) as ReportRow;
    const b = corrected.rows.find((r) => r.modelId === a.modelId && r.quant === a.quant) as ReportRow;
    expect(b.tokPerSec).toBeCloseTo((a.tokPerSec ?? 0) * 0.5, 9);
    // The step up is judged on the corrected speeds, and says so.
    const fast = buildReport(
      hardware,
      loadCatalog(),
      { contextTokens: 4096, kvType: 'f16', benchRecords: [record({ path: '/m/none.gguf', tg: 15, predicted: 10 })] },
      { detectMs: 0 },
    );
    expect(fast.recommendation.scaleUp?.reason).toContain('corrected by your benchmark runs');
    expect(report.recommendation.scaleUp?.reason ?? '').not.toContain('corrected by your benchmark runs');
  });
});
