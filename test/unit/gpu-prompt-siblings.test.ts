// A prompt rate for a GPU without a published run, from the cards of its architecture that have one on the same
// backend: their median FLOPs per byte of bandwidth, times its bandwidth. Held to the arithmetic on made-up cards and,
// leave-one-out, to the catalogue's own published rates.
import { describe, expect, it } from 'vitest';
import { MIN_SIBLINGS, siblingCheck, siblingCheckSummary, siblingPromptRate } from '../../src/core/gpu-prompt-siblings';
import { loadGpuPresets, loadGpuPromptRates } from '../../src/node/resources';
import type { GpuPromptRateEntry } from '../../src/shared/schema';

const card = (id: string, architecture: string, memoryBandwidthGBps: number) => ({
  id,
  name: id.toUpperCase(),
  architecture,
  memoryBandwidthGBps,
});
const run = (presetId: string, backend: string, tflops: number): GpuPromptRateEntry => ({
  presetId,
  backend,
  flopsPerSec: tflops * 1e12,
  date: '2025-01',
  url: 'https://example.org/run',
  run: 'pp512 1.0',
});

describe('the sibling estimate', () => {
  const cards = [card('a', 'gen1', 500), card('b', 'gen1', 1000), card('c', 'gen1', 400), card('d', 'gen2', 800), card('e', 'gen1', 600)];
  const rates = [run('a', 'cuda', 40), run('b', 'cuda', 100), run('d', 'cuda', 200), run('e', 'vulkan', 60)];

  it('carries the median FLOPs per byte of the same architecture on the same backend to the card bandwidth', () => {
    // a: 80 FLOP/B, b: 100 FLOP/B; median 90; c has 400 GB/s: 36 TFLOP/s. d is another architecture, e another backend.
    const c = siblingPromptRate(cards[2]!, 'cuda', cards, rates);
    expect(c?.flopsPerByte).toBeCloseTo(90, 6);
    expect(c?.flopsPerSec).toBeCloseTo(36e12, -6);
    expect(c?.siblings.map((s) => s.name)).toEqual(['A', 'B']);
  });

  it(`needs ${MIN_SIBLINGS} siblings on that backend, and never counts the card's own run`, () => {
    expect(siblingPromptRate(cards[2]!, 'vulkan', cards, rates)).toBeNull(); // e alone
    expect(siblingPromptRate(cards[3]!, 'cuda', cards, rates)).toBeNull(); // gen2 has only itself
    expect(siblingPromptRate(cards[0]!, 'cuda', cards, rates)).toBeNull(); // a's only sibling on cuda is b
    expect(siblingPromptRate({ ...cards[2]!, architecture: undefined }, 'cuda', cards, rates)).toBeNull();
  });

  it('gives none on Vulkan, whose rates do not carry between cards, unless the bench asks', () => {
    const vulkan = [run('a', 'vulkan', 40), run('b', 'vulkan', 100)];
    expect(siblingPromptRate(cards[2]!, 'vulkan', cards, vulkan)).toBeNull();
    expect(siblingPromptRate(cards[2]!, 'vulkan', cards, vulkan, { anyBackend: true })?.flopsPerSec).toBeCloseTo(36e12, -6);
  });

  it('checks itself leave-one-out: each published rate against its siblings alone', () => {
    const three = [...rates, run('c', 'cuda', 30)];
    const points = siblingCheck(cards, three);
    // a from b and c (100 and 75 FLOP/B: 87.5 x 500 GB/s = 43.75 against 40), and so on; d and e have no siblings.
    expect(points.map((p) => p.presetId)).toEqual(['a', 'b', 'c']);
    expect(points[0]?.ratio).toBeCloseTo(43.75 / 40, 6);
    expect(siblingCheckSummary(points)).toMatch(/^median [\d.]+, \d of 3 within 25%$/);
    expect(siblingCheckSummary([])).toContain('no catalogued rate');
  });
});

describe('the catalogue', () => {
  const presets = loadGpuPresets();
  const rates = loadGpuPromptRates();

  it('names the architecture of every GPU preset', () => {
    for (const p of presets) expect(p.architecture, p.id).toMatch(/^[a-z0-9.-]+$/);
    const arch = (id: string) => presets.find((p) => p.id === id)?.architecture;
    expect(arch('nvidia-rtx-3060')).toBe(arch('nvidia-rtx-3090'));
    expect(arch('nvidia-rtx-2000-ada')).toBe(arch('nvidia-rtx-4090'));
    expect(arch('nvidia-a100-80gb-sxm')).not.toBe(arch('nvidia-rtx-3090')); // GA100 is not a GA10x
    expect(arch('nvidia-gtx-1660')).not.toBe(arch('nvidia-rtx-2080')); // no tensor cores
  });

  it('predicts its own published rates from their siblings: median within 10%, at least four in five within 25%', () => {
    const points = siblingCheck(presets, rates);
    expect(points.length).toBeGreaterThanOrEqual(30);
    expect(points.every((p) => p.backend !== 'vulkan')).toBe(true);
    const ratios = points.map((p) => p.ratio).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    expect(median).toBeGreaterThan(0.9);
    expect(median).toBeLessThan(1.1);
    expect(ratios.filter((r) => r >= 0.75 && r <= 1.25).length / ratios.length).toBeGreaterThanOrEqual(0.8);
  });
});
