// llama.cpp's --split-mode and --main-gpu on a machine with two GPUs. none: llama_prepare_model_devices
// keeps only devices[main_gpu], so that card holds every offloaded weight, the KV cache and the compute
// buffers, and the other holds nothing. row: this llama.cpp's CUDA backend has no split buffer any more
// (make_gpu_buft_list throws "does not support split buffers"), so a row request is refused.
import { describe, expect, it } from 'vitest';
import { buildReport, catalogModelAt, ReportInputError } from '../../src/core/report';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { estimateResolved } from '../../src/node/models/resolve';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { GiB } from '../../src/shared/units';
import { makeSnapshot, rtx4090 } from '../helpers/hardware';

const presets = loadGpuPresets();
const machines = loadMachinePresets();
const base = makeSnapshot({ ramBytes: 64 * GiB });
const two3090 = applyWhatIf(base, { gpus: [{ name: 'RTX 3090', count: 2 }] }, presets, machines);
const one4090 = makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] });
const noGpu = makeSnapshot({ ramBytes: 64 * GiB });
const model = (id: string, quant: 'Q4_K_M' | 'Q8_0') => {
  const m = loadCatalog().find((x) => x.id === id);
  if (!m) throw new Error(id);
  return { sizable: catalogModelAt(m, quant), architecture: m.arch, fileBytes: null };
};
const settings = { contextTokens: 8192, kvType: 'f16' as const, gpuLayers: 'auto' as const };
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('--split-mode none', () => {
  it('puts everything offloaded on GPU 0 by default: 8B fits one card, the other card holds nothing', () => {
    const layer = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, settings);
    const none = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, splitMode: 'none' });
    expect(none.fit).toBe('gpu');
    expect(none.gpus).toHaveLength(2);
    const [main, other] = none.gpus ?? [];
    expect(other).toMatchObject({ weightsBytes: 0, kvBytes: 0, computeBytes: 0, totalBytes: 0 });
    // The same weights and KV cache as the layer split spreads over both cards, all on the one.
    expect(main?.weightsBytes).toBe(sum((layer.gpus ?? []).map((g) => g.weightsBytes)));
    expect(main?.kvBytes).toBe(sum((layer.gpus ?? []).map((g) => g.kvBytes)));
    expect(main?.totalBytes).toBeLessThanOrEqual(main?.budgetBytes ?? 0);
    expect(none.why).toContain('--split-mode none');
    expect(none.why).toContain('GPU 0 alone');
    expect(layer.why).not.toContain('split-mode');
  });

  it('--main-gpu 1 moves it all to the second card', () => {
    const none = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, splitMode: 'none', mainGpu: 1 });
    expect(none.gpus?.[0]?.totalBytes).toBe(0);
    expect(none.gpus?.[1]?.weightsBytes).toBeGreaterThan(4 * GiB);
    expect(none.why).toContain('GPU 1 alone');
  });

  it('70B Q4_K_M (about 40 GB) fits two 24 GB cards split by layer, but only partly one card alone', () => {
    expect(estimateResolved(model('llama-3.1-70b', 'Q4_K_M'), two3090, settings).fit).toBe('gpu');
    const none = estimateResolved(model('llama-3.1-70b', 'Q4_K_M'), two3090, { ...settings, splitMode: 'none' });
    expect(none.fit).toBe('partial');
    expect(none.gpuLayers).toBeLessThan(none.totalLayers);
    expect(none.gpuLayers).toBeGreaterThan(none.totalLayers / 3);
    expect(none.gpus?.[1]?.totalBytes).toBe(0);
    expect(none.gpus?.[0]?.totalBytes).toBeLessThanOrEqual(none.gpus?.[0]?.budgetBytes ?? 0);
    // The VRAM named is the one card's, not both cards together.
    expect(none.why).toContain('GPU 0 alone');
  });

  it('a forced -ngl and the whole report take the mode too', () => {
    const forced = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, {
      ...settings,
      gpuLayers: 10,
      splitMode: 'none',
      mainGpu: 1,
    });
    expect(forced.gpus?.[0]?.totalBytes).toBe(0);
    expect(forced.gpus?.[1]?.weightsBytes).toBeGreaterThan(0);
    expect(forced.why).toContain('GPU 1 alone (--split-mode none)');
    const layerReport = buildReport(two3090, loadCatalog(), { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 });
    const noneReport = buildReport(two3090, loadCatalog(), { contextTokens: 8192, kvType: 'f16', splitMode: 'none' }, { detectMs: 0 });
    const row = (r: typeof layerReport) => r.rows.find((x) => x.modelId === 'llama-3.1-70b' && x.quant === 'Q4_K_M');
    expect(row(layerReport)?.fit).toBe('gpu');
    expect(row(noneReport)?.fit).toBe('partial');
  });
});

describe('--split-mode row', () => {
  it('is refused on CUDA: this llama.cpp has no CUDA split buffer and the load would fail', () => {
    const ask = () => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, splitMode: 'row' });
    expect(ask).toThrow(ReportInputError);
    expect(ask).toThrow(/--split-mode row.*SYCL.*does not support split buffers/);
    expect(() => buildReport(two3090, loadCatalog(), { contextTokens: 8192, kvType: 'f16', splitMode: 'row' }, { detectMs: 0 })).toThrow(
      ReportInputError,
    );
  });

  it('is refused on one CUDA card too (llama.cpp asks every device for the split buffer), and changes nothing without a GPU', () => {
    expect(() => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), one4090, { ...settings, splitMode: 'row' })).toThrow(/SYCL/);
    const cpuRow = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), noGpu, { ...settings, splitMode: 'row' });
    const cpuLayer = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), noGpu, settings);
    expect(cpuRow.fit).toBe('cpu');
    expect(cpuRow.totalBytes).toBe(cpuLayer.totalBytes);
  });
});

describe('--main-gpu', () => {
  it('past the GPUs is an error that says how many there are', () => {
    const ask = (mainGpu: number) => () =>
      estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, splitMode: 'none', mainGpu });
    expect(ask(2)).toThrow(ReportInputError);
    expect(ask(2)).toThrow(/--main-gpu 2 is out of range.*2 GPUs.*0 to 1/);
    expect(ask(1)).not.toThrow();
    expect(() => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), noGpu, { ...settings, mainGpu: 1 })).toThrow(/no GPU/);
  });

  it('one GPU: none and layer place alike; main GPU 0 is that card, 1 does not exist', () => {
    const layer = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), one4090, settings);
    const none = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), one4090, { ...settings, splitMode: 'none', mainGpu: 0 });
    expect(none.devices).toEqual(layer.devices);
    expect(none.fit).toBe(layer.fit);
    expect(none.gpus).toBeUndefined();
    expect(() => estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), one4090, { ...settings, splitMode: 'none', mainGpu: 1 })).toThrow(
      /out of range.*1 GPU/,
    );
  });

  it('with the layer split it places nothing differently (llama.cpp reads it for none only)', () => {
    const layer = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, settings);
    const withMain = estimateResolved(model('llama-3.1-8b', 'Q4_K_M'), two3090, { ...settings, mainGpu: 1 });
    expect(withMain.gpus).toEqual(layer.gpus);
  });
});
