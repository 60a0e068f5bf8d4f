// Machines side by side, from hand-built snapshots: an RTX 4090 desktop against a laptop with no GPU.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatComparison } from '../../src/cli/format/compare';
import { bestCell, compareMachines } from '../../src/core/compare';
import { buildReport } from '../../src/core/report';
import { INTERACTIVE_TOK_PER_SEC } from '../../src/shared/ladder';
import { PRECISIONS } from '../../src/shared/precision';
import { CatalogSchema, CompareRequestSchema, CompareResultSchema, type Report } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot, rtx4090 } from '../helpers/hardware';

const catalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8')),
).models;
const report = (hw: ReturnType<typeof makeSnapshot>): Report =>
  buildReport(hw, catalog, { contextTokens: 4096, kvType: 'f16' }, { detectMs: 0, generatedAt: '2026-01-01T00:00:00.000Z' });

const desktop = report(makeSnapshot({ gpus: [rtx4090()], ramBytes: 64 * GiB }));
const laptop = report(makeSnapshot({ gpus: [], ramBytes: 16 * GiB }));
const compared = compareMachines(
  [
    { name: 'Desk', profile: 'Desk', report: desktop },
    { name: 'Laptop', profile: 'Laptop', report: laptop },
  ],
  catalog,
);
const paramsOf = (modelId: string | undefined): number => catalog.find((m) => m.id === modelId)?.publishedParamsB ?? 0;

describe('compareMachines', () => {
  it('is valid against the shared schema and keeps the machines in the order asked', () => {
    expect(CompareResultSchema.parse(compared)).toEqual(compared);
    expect(compared.machines.map((m) => m.name)).toEqual(['Desk', 'Laptop']);
    expect(compared.machines[0]?.hardware).toMatchObject({ ramBytes: 64 * GiB, calibrated: false, gpus: [{ vramBytes: 24 * GiB }] });
    expect(compared.machines[1]?.hardware.gpus).toEqual([]);
    expect(compared.models).toHaveLength(catalog.length);
    expect(compared.models.every((m) => m.cells.length === 2)).toBe(true);
  });

  it('gives the 4090 a bigger start and ceiling than the laptop, and more models on the GPU', () => {
    const [desk, lap] = compared.machines;
    expect(desk?.recommendation.start?.fit).toBe('gpu');
    expect(paramsOf(desk?.recommendation.ceiling?.modelId)).toBeGreaterThan(paramsOf(lap?.recommendation.ceiling?.modelId));
    expect(paramsOf(desk?.recommendation.start?.modelId)).toBeGreaterThanOrEqual(paramsOf(lap?.recommendation.start?.modelId));
    const onGpu = (i: number): number => compared.models.filter((m) => m.cells[i]?.fit === 'gpu').length;
    expect(onGpu(0)).toBeGreaterThan(10);
    expect(onGpu(1)).toBe(0);
    const runs = (i: number): number => compared.models.filter((m) => m.cells[i] !== null).length;
    expect(runs(0)).toBeGreaterThan(runs(1));
    // Whatever the laptop runs, the desktop runs at least as well, so it is never the best column.
    expect(compared.models.some((m) => m.best.includes(1))).toBe(false);
    expect(compared.models.filter((m) => m.cells[0] !== null).every((m) => m.best.join() === '0')).toBe(true);
  });

  it('picks the highest-quality precision that reaches reading speed, from the same rows as the report', () => {
    for (const model of compared.models) {
      const rows = desktop.rows.filter((r) => r.modelId === model.modelId);
      const usable = rows.filter((r) => r.fit !== 'none' && (r.tokPerSec ?? 0) >= INTERACTIVE_TOK_PER_SEC);
      const cell = model.cells[0];
      if (usable.length === 0) {
        expect(cell, model.modelId).toBeNull();
        continue;
      }
      // F32, F16 and BF16 count as one quality level: the smallest of them that runs wins.
      const fullPrecision = usable
        .filter((r) => ['F32', 'F16', 'BF16'].includes(r.quant))
        .sort((a, b) => a.memory.totalBytes - b.memory.totalBytes)[0];
      const best = fullPrecision?.quant ?? PRECISIONS.find((p) => usable.some((r) => r.quant === p));
      const row = rows.find((r) => r.quant === best);
      expect(cell, model.modelId).toEqual({
        quant: best,
        fit: row?.fit,
        gpuLayers: row?.gpuLayers,
        totalLayers: row?.totalLayers,
        totalBytes: row?.memory.totalBytes,
        tokPerSec: row?.tokPerSec,
      });
    }
  });

  it('leaves a model out of a machine where it fits only below reading speed', () => {
    const row = laptop.rows.find((r) => r.fit !== 'none' && (r.tokPerSec ?? 0) < INTERACTIVE_TOK_PER_SEC);
    expect(row).toBeDefined();
    const slowOnly = laptop.rows.filter((r) => r.modelId === row?.modelId).map((r) => ({ ...r, tokPerSec: INTERACTIVE_TOK_PER_SEC - 1 }));
    expect(bestCell(slowOnly)).toBeNull();
    expect(bestCell(slowOnly.map((r) => ({ ...r, fit: 'none' as const, tokPerSec: 100 })))).toBeNull();
  });

  it('marks the faster machine best at the same precision, and every machine that ties', () => {
    const fasterLaptop = { ...laptop, rows: laptop.rows.map((r) => ({ ...r, tokPerSec: r.tokPerSec === null ? null : r.tokPerSec * 2 })) };
    const twoLaptops = compareMachines(
      [
        { name: 'A', profile: 'A', report: laptop },
        { name: 'B', profile: 'B', report: fasterLaptop },
      ],
      catalog,
    );
    const both = twoLaptops.models.filter((m) => m.cells[0] !== null && m.cells[0]?.quant === m.cells[1]?.quant);
    expect(both.length).toBeGreaterThan(0);
    expect(both.every((m) => m.best.join() === '1')).toBe(true);
    expect(twoLaptops.models.filter((m) => m.cells.every((c) => c === null)).every((m) => m.best.length === 0)).toBe(true);
    // The same machine twice ties everywhere: both are marked.
    const same = compareMachines(
      [
        { name: 'A', profile: 'A', report: desktop },
        { name: 'B', profile: 'B', report: desktop },
      ],
      catalog,
    );
    expect(same.models.filter((m) => m.cells[0] !== null).every((m) => m.best.join() === '0,1')).toBe(true);
  });
});

describe('the compare request', () => {
  it('takes 2 to 4 distinct names of at most 64 characters and nothing else', () => {
    expect(CompareRequestSchema.parse({ profiles: ['This machine', 'Desk'] })).toMatchObject({ contextTokens: 8192, kvType: 'f16' });
    expect(CompareRequestSchema.safeParse({ profiles: ['Desk'] }).success).toBe(false);
    expect(CompareRequestSchema.safeParse({ profiles: ['a', 'b', 'c', 'd', 'e'] }).success).toBe(false);
    expect(CompareRequestSchema.safeParse({ profiles: ['Desk', 'desk'] }).success).toBe(false);
    expect(CompareRequestSchema.safeParse({ profiles: ['Desk', 'x'.repeat(65)] }).success).toBe(false);
    expect(CompareRequestSchema.safeParse({ profiles: ['Desk', ''] }).success).toBe(false);
    expect(CompareRequestSchema.safeParse({ profiles: ['Desk', 3] }).success).toBe(false);
    expect(CompareRequestSchema.safeParse({ profiles: ['A', 'B'], extra: 1 }).success).toBe(false);
  });
});

describe('full precision in a comparison', () => {
  it('prefers F16 over F32 for the same model: the same quality in half the memory', () => {
    const f32 = { quant: 'F32', fit: 'cpu', tokPerSec: 60, gpuLayers: 0, totalLayers: 31, memory: { totalBytes: 2e9 } };
    const f16 = { ...f32, quant: 'F16', tokPerSec: 100, memory: { totalBytes: 1e9 } };
    expect(bestCell([f32, f16] as never)?.quant).toBe('F16');
  });
});

describe('formatComparison', () => {
  it("shows a rung's full-context wait where it is known, and nothing where it is not", () => {
    const start = compared.machines[1]?.recommendation.start;
    expect(start).toBeTruthy();
    expect(formatComparison(compared, false)).not.toContain('full prompt');
    const timed = {
      ...compared,
      machines: compared.machines.map((m, i) =>
        i === 1 && m.recommendation.start
          ? { ...m, recommendation: { ...m.recommendation, start: { ...m.recommendation.start, fullPromptSeconds: 540 } } }
          : m,
      ),
    };
    expect(formatComparison(timed, false)).toContain('full prompt ~9 min');
  });
});
