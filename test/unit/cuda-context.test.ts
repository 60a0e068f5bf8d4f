// The memory CUDA holds on an NVIDIA card before any model buffer grows with the card's streaming multiprocessors
// (llama.cpp PR #23604: 555 MiB on an RTX PRO 6000, 107 on an RTX 4060 Ti). The placement counts 32 MiB + 2.79 MiB per
// SM for the context, fitted here on published before-load figures, and 100 MiB more for what the running process
// adds (cuBLAS, kernels, pools), checked against figures printed at exit (test/fixtures/llama/cuda-context.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { backendOverheadBytes } from '../../src/core/placement';
import { withCatalogueUpdates } from '../../src/node/hardware/merge/presets';
import { loadCatalog, loadGpuPresets } from '../../src/node/resources';
import { MiB } from '../../src/shared/units';
import { planGpu } from '../helpers/what-if';

interface Row {
  gpu: string;
  preset: string;
  sms: number;
  stage: 'before-load' | 'exit';
  mib: number;
  source: string;
}
const rows = (JSON.parse(readFileSync(new URL('../fixtures/llama/cuda-context.json', import.meta.url), 'utf8')) as { rows: Row[] }).rows;
const presets = loadGpuPresets();
const RUNTIME_EXTRA_MIB = 100;
const FLAT_MIB = 320;
const overheadMib = (sms: number): number => backendOverheadBytes('cuda', sms) / MiB;

describe('CUDA context by streaming multiprocessors', () => {
  it('every row names a source, and the SM counts are the catalogue’s', () => {
    expect(rows.length).toBeGreaterThanOrEqual(12);
    for (const r of rows) {
      expect(r.source.length, r.gpu).toBeGreaterThan(10);
      expect(presets.find((p) => p.id === r.preset)?.multiprocessors, r.gpu).toBe(r.sms);
    }
  });

  it('the context line is the least-squares fit of the before-load rows (the smallest figure of each card)', () => {
    const least = new Map<number, number>();
    for (const r of rows.filter((x) => x.stage === 'before-load')) least.set(r.sms, Math.min(least.get(r.sms) ?? Infinity, r.mib));
    const pts = [...least.entries()];
    expect(pts.length).toBeGreaterThanOrEqual(8);
    const n = pts.length;
    const mx = pts.reduce((s, [x]) => s + x, 0) / n;
    const my = pts.reduce((s, [, y]) => s + y, 0) / n;
    const slope = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
    const base = my - slope * mx;
    // The code's line, less what it adds for the running process.
    const codeSlope = overheadMib(101) - overheadMib(100);
    const codeBase = overheadMib(100) - 100 * codeSlope - RUNTIME_EXTRA_MIB;
    expect(codeSlope).toBeCloseTo(slope, 1);
    expect(codeBase).toBeCloseTo(base, -1);
    // Each card within 20% of the line (the RTX 4060 Ti's 107 is the furthest: 127 by the line).
    for (const [sms, mib] of pts) expect(Math.abs((overheadMib(sms) - RUNTIME_EXTRA_MIB) / mib - 1), `${sms} SMs`).toBeLessThan(0.2);
  });

  it('the whole process at exit reads within 15% on headless machines, nearer than the flat 320 MiB on each', () => {
    const exits = rows.filter((r) => r.stage === 'exit');
    expect(exits.length).toBeGreaterThanOrEqual(3);
    for (const r of exits) {
      const err = Math.abs(overheadMib(r.sms) / r.mib - 1);
      expect(err, r.gpu).toBeLessThan(0.15);
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
    // 32 + 2.79 x 128 + 100 and 32 + 2.79 x 28 + 100, less the host's 150 MiB that every placement counts.
    expect(big.target.gpuOverheadBytes[0]! / MiB).toBeCloseTo(489, 0);
    expect(small.target.gpuOverheadBytes[0]! / MiB).toBeCloseTo(210, 0);
    expect(big.row.memory.overheadBytes - small.row.memory.overheadBytes).toBe(
      big.target.gpuOverheadBytes[0]! - small.target.gpuOverheadBytes[0]!,
    );
    expect(big.row.memorySource?.detail).toContain('128 SMs (32 MiB + 2.79 MiB per SM');
    // A card the catalogue has no count for, and other backends, keep their flat figure.
    expect(computeTarget(planGpu('A10G', 64)).gpuOverheadBytes[0]! / MiB).toBe(FLAT_MIB);
    expect(computeTarget(planGpu('RX 7900 XTX', 64)).gpuOverheadBytes[0]! / MiB).toBe(160);
    expect(backendOverheadBytes('rocm', 96) / MiB).toBe(FLAT_MIB);
  });

  it("a profile saved before the counts existed gets its card's count when read against today's catalogue", () => {
    const now = planGpu('RTX 3090', 64);
    expect(now.gpus[0]?.multiprocessors?.count).toBe(82);
    expect(now.gpus[0]?.multiprocessors?.source.kind).toBe('catalogued');
    const saved = { ...now, gpus: now.gpus.map(({ multiprocessors: _, ...g }) => g) };
    const loaded = withCatalogueUpdates(saved, presets);
    expect(loaded.gpus[0]?.multiprocessors?.count).toBe(82);
    expect(withCatalogueUpdates(loaded, presets)).toBe(loaded);
  });
});
