// What-if machines with several GPUs and whole-machine presets, and the user's tensor split:
// each card holds its own share (never the pooled VRAM as one card), in llama.cpp's device order.
import { describe, expect, it } from 'vitest';
import { buildReport, catalogModelAt, ReportInputError } from '../../src/core/report';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { estimateResolved } from '../../src/node/models/resolve';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { HardwareSnapshotSchema } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const presets = loadGpuPresets();
const machines = loadMachinePresets();
const base = makeSnapshot({ ramBytes: 64 * GiB });
const model = (id: string, quant: 'Q4_K_M' | 'Q8_0') => {
  const m = loadCatalog().find((x) => x.id === id);
  if (!m) throw new Error(id);
  return { sizable: catalogModelAt(m, quant), architecture: m.arch, fileBytes: null };
};
const settings = { contextTokens: 8192, kvType: 'f16' as const, gpuLayers: 'auto' as const };

describe('what-if GPUs', () => {
  it('an Apple chip the catalogue does not know yet shares the Mac memory, its bandwidth assumed and said so', () => {
    const hw = HardwareSnapshotSchema.parse(
      applyWhatIf(makeSnapshot({ ramBytes: 256 * GiB }), { gpuName: 'Apple M5 Ultra' }, presets, machines),
    );
    const gpu = hw.gpus[0];
    expect(gpu?.unifiedMemory).toBe(true);
    expect(gpu?.vramBytes).toBe(192 * GiB); // macOS's working set on 256 GB: 3/4
    expect(gpu?.bandwidthSource?.kind).toBe('assumed');
    expect(gpu?.notes.join(' ')).toMatch(/No catalogue entry matches "Apple M5 Ultra"/);
  });

  it('builds several catalogued cards in the order given, each with its own VRAM and source', () => {
    const hw = HardwareSnapshotSchema.parse(
      applyWhatIf(
        base,
        {
          gpus: [
            { name: 'RTX 3090', count: 2 },
            { name: 'RTX 3060', count: 1 },
          ],
        },
        presets,
        machines,
      ),
    );
    expect(hw.gpus.map((g) => g.name)).toEqual(['NVIDIA GeForce RTX 3090', 'NVIDIA GeForce RTX 3090', 'NVIDIA GeForce RTX 3060']);
    expect(hw.gpus.every((g) => g.source.kind === 'what-if')).toBe(true);
    expect(hw.whatIf).toBe(true);
    expect(hw.sources.find((s) => s.id === 'what-if')?.detail).toContain('2x "RTX 3090" + "RTX 3060"');
  });

  it('a whole-machine preset brings its RAM, GPUs and CPU; a RAM given with it wins', () => {
    const hw = applyWhatIf(base, { machine: 'desktop-2x-rtx-3090-128gb' }, presets, machines);
    expect(hw.gpus).toHaveLength(2);
    expect(hw.ram.totalBytes).toBe(128 * GiB);
    const less = applyWhatIf(base, { machine: 'desktop-2x-rtx-3090-128gb', ramBytes: 32 * GiB }, presets, machines);
    expect(less.ram.totalBytes).toBe(32 * GiB);
    expect(less.gpus).toHaveLength(2);
    const mac = applyWhatIf(base, { machine: 'mac-studio-m3-ultra-96gb' }, presets, machines);
    expect(mac.gpus[0]?.unifiedMemory).toBe(true);
    expect(mac.cpu.memoryBandwidthBytesPerSec).toBe(mac.gpus[0]?.memoryBandwidthBytesPerSec);
  });

  it('refuses an unknown machine, more than 16 cards, and one GPU mixed with several', () => {
    expect(() => applyWhatIf(base, { machine: 'no-such' }, presets, machines)).toThrow(/No machine preset "no-such".*presets machines/);
    expect(() =>
      applyWhatIf(
        base,
        {
          gpus: [
            { name: 'RTX 3090', count: 9 },
            { name: 'RTX 3060', count: 8 },
          ],
        },
        presets,
        machines,
      ),
    ).toThrow(/at most 16 GPUs/);
    expect(() => applyWhatIf(base, { gpus: [{ name: 'RTX 3090', count: 2 }], gpuName: 'RTX 4090' }, presets, machines)).toThrow(/not both/);
  });
});

describe('per-card memory and the tensor split', () => {
  const two3090 = applyWhatIf(base, { gpus: [{ name: 'RTX 3090', count: 2 }] }, presets, machines);

  it('70B Q4_K_M fits two 24 GB cards only because each holds its own share, each within its VRAM', () => {
    const e = estimateResolved(model('llama-3.1-70b', 'Q4_K_M'), two3090, settings);
    expect(e.fit).toBe('gpu');
    expect(e.gpus).toHaveLength(2);
    for (const g of e.gpus ?? []) expect(g.totalBytes).toBeLessThanOrEqual(g.budgetBytes);
    // Each card shows its own CUDA context (82 SMs of 1,536 resident threads: 32 MiB + 1.85 KiB a thread + 100 MiB),
    // and its total is the sum of what it shows.
    for (const g of e.gpus ?? []) {
      expect(g.overheadBytes / 2 ** 20).toBeCloseTo(359.5, 0);
      expect(g.totalBytes).toBe(g.weightsBytes + g.kvBytes + g.computeBytes + g.overheadBytes);
    }
    // llama.cpp's default split is by free memory: equal cards, about equal shares.
    const [a, b] = (e.gpus ?? []).map((g) => g.weightsBytes);
    expect(Math.abs((a ?? 0) - (b ?? 0)) / (a ?? 1)).toBeLessThan(0.1);
  });

  it('a split that puts everything on one card cannot use the other card: partial offload, not a full fit', () => {
    const e = estimateResolved(model('llama-3.1-70b', 'Q4_K_M'), two3090, { ...settings, tensorSplit: [1, 0] });
    expect(e.fit).toBe('partial');
    expect(e.gpus?.[1]?.weightsBytes).toBe(0);
    expect(e.why).toContain('split 1:0 as given (-ts)');
  });

  it('a shorter split is padded with zeros as llama.cpp reads it; a longer one, or one with no share, is an error', () => {
    const padded = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, tensorSplit: [1] });
    expect(padded.gpus?.[1]?.weightsBytes).toBe(0);
    expect(() => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, tensorSplit: [1, 1, 1] })).toThrow(
      ReportInputError,
    );
    expect(() => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, tensorSplit: [0, 0] })).toThrow(
      /no GPU a share/,
    );
    expect(() => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), base, { ...settings, tensorSplit: [1, 1] })).toThrow(/leave it out/);
  });

  it('the report takes the split too, and names mixed cards in the budget', () => {
    const mixed = applyWhatIf(
      base,
      {
        gpus: [
          { name: 'RTX 3090', count: 1 },
          { name: 'RTX 3060', count: 1 },
        ],
      },
      presets,
      machines,
    );
    const report = buildReport(mixed, loadCatalog(), { contextTokens: 8192, kvType: 'f16', tensorSplit: [3, 1] }, { detectMs: 0 });
    expect(report.budget.gpuName).toBe('NVIDIA GeForce RTX 3090 + NVIDIA GeForce RTX 3060');
    expect(report.rows.length).toBeGreaterThan(100);
  });
});
