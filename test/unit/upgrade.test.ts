// Upgrade advice for Llama 3.1 70B at Q4_K_M, 8k context, f16 KV (about 42 GiB with everything on
// a GPU): checked by hand against the presets' figures, as the comments say.
import { describe, expect, it } from 'vitest';
import { adviseUpgrade, type UpgradeSettings } from '../../src/core/upgrade';
import { catalogModelAt } from '../../src/core/report';
import { upgradeOptions } from '../../src/node/hardware/upgrade-options';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import type { HardwareSnapshot } from '../../src/shared/schema';
import { GB, GiB } from '../../src/shared/units';
import { makeGpu, makeSnapshot } from '../helpers/hardware';

const catalogModel = (id: string) =>
  catalogModelAt(
    loadCatalog().find((m) => m.id === id)!,
    'Q4_K_M',
  );
const llama70b = catalogModel('llama-3.1-70b');
const settings: UpgradeSettings = { contextTokens: 8192, kvType: 'f16', minTokPerSec: 10 };

/** An 8 GB card (RTX 4060 class: 272 GB/s) in a 32 GB desktop. */
const small = makeSnapshot({
  ramBytes: 32 * GiB,
  gpus: [makeGpu({ name: '8 GB card', vramBytes: 8 * GiB, memoryBandwidthBytesPerSec: 272e9 })],
});

const advise = (hardware: HardwareSnapshot, s: UpgradeSettings = settings, model = llama70b) =>
  adviseUpgrade(model, { hardware, calibration: null }, upgradeOptions(hardware, null, loadGpuPresets(), loadMachinePresets()), s);

describe('upgrade advice for Llama 3.1 70B Q4_K_M at 8k', () => {
  const advice = advise(small);

  it('says what an 8 GB GPU with 32 GB of RAM lacks', () => {
    const here = advice.thisMachine;
    expect(here.runs).toBe(false);
    expect(here.fit).toBe('none');
    // All 81 layers (80 blocks + output) need ~42 GiB on the GPU; 8 GiB less 512 MiB headroom is usable.
    expect(here.lacks[0]).toMatch(/^needs 3[45]\.\d GiB more VRAM for all 81 layers on the GPU \(4[12]\.\d GiB needed, 7\.5 GiB usable\)$/);
    // 32 GiB less 15% for the OS is 27.2 GiB; what the card cannot hold is more than that.
    expect(here.lacks[1]).toMatch(/^needs \d+\.\d GiB more RAM \(\d+ of 81 layers on the GPU, the rest in RAM: .* 27\.2 GiB usable\)$/);
  });

  it('lists the 2 x RTX 3090 desktop and the 96 GB Mac Studio, all layers on the GPU, at reading speed', () => {
    const ids = advice.candidates.map((c) => c.id);
    const dual = advice.candidates.find((c) => c.id === 'desktop-2x-rtx-3090-128gb')!;
    expect(dual).toMatchObject({ kind: 'machine', fit: 'gpu', gpuLayers: 81, totalLayers: 81, vramBytes: 48 * GiB, ramBytes: 128 * GiB });
    const mac = advice.candidates.find((c) => c.id === 'mac-studio-m3-ultra-96gb')!;
    // Unified memory is counted once, as RAM.
    expect(mac).toMatchObject({ fit: 'gpu', vramBytes: 0, ramBytes: 96 * GiB });
    // Memory-bound: no faster than reading ~40 GiB of weights per token at the bandwidth (936 and 819 GB/s).
    expect(dual.tokPerSec!).toBeLessThan(936e9 / (40 * GiB));
    expect(mac.tokPerSec!).toBeLessThan(819e9 / (40 * GiB));
    expect(ids).not.toContain('nvidia-rtx-3090'); // one 24 GB card: see below
    expect(ids).not.toContain('framework-desktop-strix-halo-128gb'); // 256 GB/s / ~42 GB < 10 tok/s
  });

  it('keeps every candidate at or above the wanted speed, smallest (VRAM + RAM) first, then fastest', () => {
    expect(advice.candidates.length).toBeGreaterThan(2);
    for (const c of advice.candidates) expect(c.tokPerSec!).toBeGreaterThanOrEqual(10);
    const sizes = advice.candidates.map((c) => c.vramBytes + c.ramBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    for (let i = 1; i < advice.candidates.length; i += 1) {
      const [a, b] = [advice.candidates[i - 1]!, advice.candidates[i]!];
      if (a.vramBytes + a.ramBytes === b.vramBytes + b.ramBytes) expect(a.tokPerSec!).toBeGreaterThanOrEqual(b.tokPerSec!);
    }
    // Prices do not reorder: the order stays by size, the cheapest priced candidate is named.
    expect(advice.order).toMatch(
      /^Ordered by size: the least VRAM \+ RAM first, then the fastest\. \d+ of \d+ carr(y|ies) a published price/,
    );
    expect(advice.considered).toBe(
      loadMachinePresets().length + loadGpuPresets().filter((p) => !p.integrated && !p.unifiedMemory && p.vramBytes).length,
    );
  });

  it('a 24 GB card alone holds only some of the layers, and Strix Halo runs it on 128 GB below reading speed', () => {
    const slow = advise(small, { ...settings, minTokPerSec: 1 });
    const card = slow.candidates.find((c) => c.id === 'nvidia-rtx-3090')!;
    expect(card.fit).toBe('partial');
    expect(card.gpuLayers).toBeLessThan(81);
    const strix = slow.candidates.find((c) => c.id === 'framework-desktop-strix-halo-128gb')!;
    expect(strix.fit).not.toBe('none');
    expect(strix.tokPerSec!).toBeLessThan((256 * GB) / (40 * GiB));
  });
});

describe('prices in the advice', () => {
  const advice = advise(small);

  it("copies each preset's published price, with its source and date, and null where none was found", () => {
    const mac = advice.candidates.find((c) => c.id === 'mac-studio-m3-ultra-96gb')!;
    expect(mac.price).toEqual(loadMachinePresets().find((m) => m.id === 'mac-studio-m3-ultra-96gb')!.price);
    expect(mac.price).toMatchObject({ usd: 3999, kind: 'list' });
    expect(mac.price?.source).toMatch(/^https:\/\//);
    const dual = advice.candidates.find((c) => c.id === 'desktop-2x-rtx-3090-128gb')!;
    expect(dual.price).toBeNull(); // a typical build, not one product: nothing published to cite
    const slow = advise(small, { ...settings, minTokPerSec: 1 });
    const card = slow.candidates.find((c) => c.id === 'nvidia-rtx-3090')!;
    expect(card.price).toMatchObject({ usd: 1499, kind: 'launch MSRP' });
  });

  it('names the cheapest priced candidate, keeps the size order, and says prices are missing for the rest', () => {
    const priced = advice.candidates.filter((c) => c.price);
    expect(priced.length).toBeGreaterThan(0);
    const cheapest = advice.candidates.find((c) => c.id === advice.cheapest)!;
    for (const c of priced) expect(cheapest.price!.usd).toBeLessThanOrEqual(c.price!.usd);
    expect(advice.order).toContain(`the cheapest of those is ${cheapest.name} at $`);
    expect(advice.order).toMatch(/no published price here, not a higher one/);
    const sizes = advice.candidates.map((c) => c.vramBytes + c.ramBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  it('with no priced option, cheapest is null and the order says none carries a price', () => {
    const unpriced = upgradeOptions(small, null, loadGpuPresets(), loadMachinePresets()).map((o) => ({ ...o, price: null }));
    const none = adviseUpgrade(llama70b, { hardware: small, calibration: null }, unpriced, settings);
    expect(none.cheapest).toBeNull();
    expect(none.candidates.every((c) => c.price === null)).toBe(true);
    expect(none.order).toMatch(/^No candidate carries a published price, so candidates are ordered by size/);
  });

  it('picks the lower of two priced options whatever their size order', () => {
    const options = upgradeOptions(small, null, loadGpuPresets(), loadMachinePresets())
      .filter((o) => o.id === 'desktop-2x-rtx-3090-128gb' || o.id === 'mac-studio-m3-ultra-96gb')
      .map((o) => ({
        ...o,
        price: {
          usd: o.id === 'mac-studio-m3-ultra-96gb' ? 5000 : 3000,
          kind: 'street' as const,
          date: '2026-01',
          source: 'https://example.com/p',
        },
      }));
    const two = adviseUpgrade(llama70b, { hardware: small, calibration: null }, options, settings);
    // The Mac (96 GB) is smaller than the desktop (48 + 128 GB), so it comes first, and is dearer here.
    expect(two.candidates.map((c) => c.id)).toEqual(['mac-studio-m3-ultra-96gb', 'desktop-2x-rtx-3090-128gb']);
    expect(two.cheapest).toBe('desktop-2x-rtx-3090-128gb');
    expect(two.order).toContain('2 of 2 carry a published price');
  });
});

describe('this machine', () => {
  it('runs Llama 3.1 8B Q4_K_M (~5 GiB) on a 24 GB RTX 4090 class card and lacks nothing', () => {
    const big = makeSnapshot({ ramBytes: 64 * GiB, gpus: [makeGpu({ name: '24 GB card' })] });
    const advice = advise(big, settings, catalogModel('llama-3.1-8b'));
    expect(advice.thisMachine).toMatchObject({ runs: true, fit: 'gpu', lacks: [] });
  });

  it('on a CPU alone at 40 GB/s, 8B fits but reads ~5 GB per token: below 10 tok/s, said with the figure', () => {
    const cpu = makeSnapshot({ ramBytes: 32 * GiB });
    const here = advise(cpu, settings, catalogModel('llama-3.1-8b')).thisMachine;
    expect(here.fit).toBe('cpu');
    expect(here.tokPerSec!).toBeLessThan(40e9 / (4.5 * GiB));
    expect(here.lacks).toEqual(['has no GPU llama.cpp can offload to', `runs at ${here.tokPerSec!.toFixed(1)} tok/s, below 10`]);
  });
});
