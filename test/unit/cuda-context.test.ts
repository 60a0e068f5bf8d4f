// The memory CUDA holds on an NVIDIA card before any model buffer grows with the threads its SMs keep resident
// (llama.cpp PR #23604: 555 MiB on an RTX PRO 6000, 107 on an RTX 4060 Ti). The placement counts 32 MiB + 1.85 KiB per
// resident thread for the context, fitted here on published before-load figures of 12 cards, and 100 MiB more for what
// the running process adds (cuBLAS, kernels, pools), checked against figures printed at exit
// (test/fixtures/llama/cuda-context.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { backendOverheadBytes, MAX_THREADS_PER_SM_BY_ARCHITECTURE } from '../../src/core/placement';
import { withCatalogueUpdates } from '../../src/node/hardware/merge/presets';
import { loadCatalog, loadGpuPresets } from '../../src/node/resources';
import { MiB } from '../../src/shared/units';
import { planGpu } from '../helpers/what-if';

interface Row {
  gpu: string;
  preset: string;
  sms: number;
  threadsPerSm: number;
  stage: 'before-load' | 'exit';
  mib: number;
  source: string;
}
const rows = (JSON.parse(readFileSync(new URL('../fixtures/llama/cuda-context.json', import.meta.url), 'utf8')) as { rows: Row[] }).rows;
const presets = loadGpuPresets();
const RUNTIME_EXTRA_MIB = 100;
const FLAT_MIB = 320;
const overheadMib = (count: number, threadsPerSm = 1536): number => backendOverheadBytes('cuda', { count, threadsPerSm }) / MiB;

describe('CUDA context by streaming multiprocessors', () => {
  it('every row names a source, and the SM counts and resident threads are the catalogue’s', () => {
    expect(rows.length).toBeGreaterThanOrEqual(19);
    for (const r of rows) {
      expect(r.source.length, r.gpu).toBeGreaterThan(10);
      const preset = presets.find((p) => p.id === r.preset);
      expect(preset?.multiprocessors, r.gpu).toBe(r.sms);
      expect(MAX_THREADS_PER_SM_BY_ARCHITECTURE[preset?.architecture ?? ''], r.gpu).toBe(r.threadsPerSm);
    }
  });

  it('the context line is the least-squares fit of the before-load rows over resident threads (each card its smallest)', () => {
    const least = new Map<string, { threads: number; mib: number; sms: number; perSm: number }>();
    for (const r of rows.filter((x) => x.stage === 'before-load')) {
      const seen = least.get(r.preset);
      if (!seen || r.mib < seen.mib)
        least.set(r.preset, { threads: r.sms * r.threadsPerSm, mib: r.mib, sms: r.sms, perSm: r.threadsPerSm });
    }
    const pts = [...least.values()];
    expect(pts.length).toBeGreaterThanOrEqual(12);
    // Cards of 1,024, 1,536 and 2,048 resident threads per SM among them.
    expect(new Set(pts.map((p) => p.perSm))).toEqual(new Set([1024, 1536, 2048]));
    const n = pts.length;
    const mx = pts.reduce((s, p) => s + p.threads, 0) / n;
    const my = pts.reduce((s, p) => s + p.mib, 0) / n;
    const slope = pts.reduce((s, p) => s + (p.threads - mx) * (p.mib - my), 0) / pts.reduce((s, p) => s + (p.threads - mx) ** 2, 0);
    const base = my - slope * mx;
    // The code's line, less what it adds for the running process: per 1,000 resident threads, and at none.
    const codeSlope = (overheadMib(1000, 1) - overheadMib(0.0001, 1)) / 1000;
    const codeBase = overheadMib(1000, 1) - 1000 * codeSlope - RUNTIME_EXTRA_MIB;
    expect(codeSlope / slope).toBeGreaterThan(0.99);
    expect(codeSlope / slope).toBeLessThan(1.01);
    expect(Math.abs(codeBase - base)).toBeLessThan(1);
    // Each card within 20% of the line (the RTX 4060 Ti's 107 is the furthest: 127), 10 of 12 within 7%.
    const errors = pts.map((p) => Math.abs((overheadMib(p.sms, p.perSm) - RUNTIME_EXTRA_MIB) / p.mib - 1));
    for (const e of errors) expect(e).toBeLessThan(0.2);
    expect(errors.filter((e) => e < 0.07).length).toBeGreaterThanOrEqual(10);
    // SMs alone do not do it: the best line through them reads the H100 and V100 low and the T4 high by over 20%.
    const sx = pts.reduce((s, p) => s + p.sms, 0) / n;
    const smSlope = pts.reduce((s, p) => s + (p.sms - sx) * (p.mib - my), 0) / pts.reduce((s, p) => s + (p.sms - sx) ** 2, 0);
    const smErrors = pts.map((p) => Math.abs((my + smSlope * (p.sms - sx)) / p.mib - 1));
    expect(Math.max(...smErrors)).toBeGreaterThan(0.2);
  });

  it('the whole process at exit reads within 10% on headless machines, nearer than the flat 320 MiB on each', () => {
    const exits = rows.filter((r) => r.stage === 'exit');
    expect(exits.length).toBeGreaterThanOrEqual(3);
    for (const r of exits) {
      const err = Math.abs(overheadMib(r.sms, r.threadsPerSm) / r.mib - 1);
      expect(err, r.gpu).toBeLessThan(0.1);
      expect(err, r.gpu).toBeLessThan(Math.abs(FLAT_MIB / r.mib - 1));
    }
  });

  it('every NVIDIA preset but the A10G has its SM count; other vendors none', () => {
    const nvidia = presets.filter((p) => p.vendor === 'nvidia');
    expect(nvidia.filter((p) => p.multiprocessors === undefined).map((p) => p.id)).toEqual(['nvidia-a10g']);
    expect(presets.filter((p) => p.vendor !== 'nvidia' && p.multiprocessors !== undefined)).toEqual([]);
    const sms = (id: string) => presets.find((p) => p.id === id)?.multiprocessors;
    // CUDA cores / 128 (Ada, Ampere GA10x, Blackwell, Hopper), / 64 (Turing, Volta, A100).
    expect([sms('nvidia-rtx-4090'), sms('nvidia-rtx-3060'), sms('nvidia-rtx-5090'), sms('nvidia-h100-pcie')]).toEqual([128, 28, 170, 114]);
    expect([sms('nvidia-rtx-2080-ti'), sms('nvidia-v100-sxm2-32gb'), sms('nvidia-a100-80gb-sxm'), sms('nvidia-t4')]).toEqual([
      68, 80, 108, 40,
    ]);
  });

  it('a planned card is sized with its own overhead, and the memory source says how', () => {
    const catalog = loadCatalog();
    const model = catalog.find((m) => m.id === 'llama-3.1-8b');
    if (!model) throw new Error('llama-3.1-8b');
    const sized = (gpu: string) => {
      const hw = planGpu(gpu, 64);
      const target = computeTarget(hw);
      return { target, row: sizeModel(catalogModelAt(model, 'Q4_K_M'), hw, target, { contextTokens: 8192, kvType: 'f16' }).row };
    };
    const big = sized('RTX 4090');
    const small = sized('RTX 3060');
    // 32 MiB + 1.85 KiB x 128 x 1,536 + 100 MiB and the same of 28 SMs; an H100 SXM's 132 SMs of 2,048 threads.
    expect(big.target.gpuOverheadBytes[0]! / MiB).toBeCloseTo(487.2, 0);
    expect(small.target.gpuOverheadBytes[0]! / MiB).toBeCloseTo(209.7, 0);
    expect(computeTarget(planGpu('H100 SXM', 256)).gpuOverheadBytes[0]! / MiB).toBeCloseTo(620.3, 0);
    expect(big.row.memory.overheadBytes - small.row.memory.overheadBytes).toBe(
      big.target.gpuOverheadBytes[0]! - small.target.gpuOverheadBytes[0]!,
    );
    expect(big.row.memorySource?.detail).toContain('128 SMs of 1536 resident threads (32 MiB + 1.85 KiB per thread');
    // A card the catalogue has no count for, and other backends, keep their flat figure.
    expect(computeTarget(planGpu('A10G', 64)).gpuOverheadBytes[0]! / MiB).toBe(FLAT_MIB);
    expect(computeTarget(planGpu('RX 7900 XTX', 64)).gpuOverheadBytes[0]! / MiB).toBe(160);
    expect(backendOverheadBytes('rocm', { count: 96, threadsPerSm: 2048 }) / MiB).toBe(FLAT_MIB);
  });

  it("a profile saved before the counts existed gets its card's count when read against today's catalogue", () => {
    const now = planGpu('RTX 3090', 64);
    expect(now.gpus[0]?.multiprocessors).toMatchObject({ count: 82, threadsPerSm: 1536, source: { kind: 'catalogued' } });
    const saved = { ...now, gpus: now.gpus.map(({ multiprocessors: _, ...g }) => g) };
    const loaded = withCatalogueUpdates(saved, presets);
    expect(loaded.gpus[0]?.multiprocessors).toMatchObject({ count: 82, threadsPerSm: 1536 });
    // One saved with the count alone (before the resident threads were kept) gets them too.
    const countOnly = { ...now, gpus: now.gpus.map((g) => ({ ...g, multiprocessors: { count: 82, source: g.multiprocessors!.source } })) };
    expect(withCatalogueUpdates(countOnly, presets).gpus[0]?.multiprocessors?.threadsPerSm).toBe(1536);
    expect(withCatalogueUpdates(loaded, presets)).toBe(loaded);
  });
});
