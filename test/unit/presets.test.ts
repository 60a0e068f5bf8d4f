// The GPU and chip presets (resources/hardware/gpus.json) and the whole-machine presets
// (resources/hardware/machines.json): sources, the corrected figures, what each new regex
// matches, and what a corrected figure changes in a report.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/core/report';
import { matchGpuPreset } from '../../src/node/hardware/merge/presets';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { CatalogSchema, GpuPresetsSchema, MachinePresetsSchema, type GpuPreset } from '../../src/shared/schema';
import { GiB, MiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const readJson = (relative: string): unknown => JSON.parse(readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8'));
const presets = GpuPresetsSchema.parse(readJson('resources/hardware/gpus.json')).gpus;
const machines = MachinePresetsSchema.parse(readJson('resources/hardware/machines.json')).machines;
const catalog = CatalogSchema.parse(readJson('resources/catalog/models.json')).models;

const byId = (id: string): GpuPreset => {
  const preset = presets.find((p) => p.id === id);
  if (!preset) throw new Error(`no preset ${id}`);
  return preset;
};
const matchId = (name: string): string | undefined => matchGpuPreset({ names: [name] }, presets)?.preset.id;

describe('GPU presets: sources', () => {
  it('every preset and every per-figure source is a web address', () => {
    for (const p of presets) {
      expect(p.source, p.id).toMatch(/^https?:\/\/\S+$/);
      // A per-figure source may be the results file of a run this project measured (bench/results/...).
      for (const f of p.figureSources ?? []) {
        expect(f.url, `${p.id} ${f.field}`).toMatch(/^https?:\/\/\S+$|^bench\/results\/[\w.-]+\.md$/);
        if (!/^https?:/.test(f.url)) expect(existsSync(f.url), f.url).toBe(true);
      }
    }
  });

  it('the loader reads the same file', () => {
    expect(loadGpuPresets().map((p) => p.id)).toEqual(presets.map((p) => p.id));
  });
});

describe('published prices (GPU and machine presets)', () => {
  const priced = [...presets, ...machines].filter((p) => p.price);

  it('every price has a dollar figure, a kind, a date and the web page it comes from', () => {
    // Fewer means a source was dropped; a figure is never added without one.
    expect(priced.length).toBeGreaterThanOrEqual(15);
    for (const { id, price } of priced) {
      expect(price?.usd, id).toBeGreaterThan(0);
      expect(['launch MSRP', 'list', 'street'], id).toContain(price?.kind);
      expect(price?.date, id).toMatch(/^(19|20)\d{2}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/);
      expect(price?.source, id).toMatch(/^https?:\/\/\S+$/);
    }
  });

  it('keeps the launch MSRPs the sources state', () => {
    const usd = (id: string): number | undefined => priced.find((p) => p.id === id)?.price?.usd;
    expect(usd('nvidia-rtx-4090')).toBe(1599);
    expect(usd('nvidia-rtx-5090')).toBe(1999);
    expect(usd('nvidia-rtx-3060')).toBe(329);
    expect(usd('amd-rx-7900-xtx')).toBe(999);
    expect(usd('intel-arc-b580')).toBe(249);
    // The 8 GB card is the one catalogued under the shared name, so its price is the 8 GB one.
    expect(usd('nvidia-rtx-5060-ti')).toBe(379);
    expect(usd('nvidia-rtx-4060-ti-16gb')).toBe(499);
    expect(usd('mac-studio-m3-ultra-96gb')).toBe(3999);
  });

  it('prices a Mac only in the configuration the source prices (the base one)', () => {
    const macs = machines.filter((m) => /^mac/.test(m.id) && m.price);
    expect(macs.map((m) => m.id).sort()).toEqual(['mac-mini-m4-16gb', 'mac-studio-m3-ultra-96gb', 'macbook-pro-m4-pro-24gb']);
  });
});

describe('GPU presets: what the card exposes, not what is advertised', () => {
  const mib = (id: string): number | null => {
    const vram = byId(id).vramBytes;
    return vram === null ? null : vram / MiB;
  };

  it('stores nvidia-smi memory.total with ECC at its default for L40S, L4, A10, A10G and T4', () => {
    expect(mib('nvidia-l40s')).toBe(46_068);
    expect(mib('nvidia-l4')).toBe(23_034);
    expect(mib('nvidia-a10')).toBe(23_028);
    expect(mib('nvidia-a10g')).toBe(23_028);
    expect(mib('nvidia-t4')).toBe(15_360);
    for (const id of ['nvidia-l40s', 'nvidia-l4', 'nvidia-a10', 'nvidia-a10g', 'nvidia-t4']) {
      expect(byId(id).note, id).toMatch(/ECC/);
      expect(
        byId(id).figureSources?.some((f) => f.field === 'vramBytes'),
        id,
      ).toBe(true);
    }
  });

  it('stores less than the advertised size for H100, H100 NVL and H200', () => {
    expect(mib('nvidia-h100-sxm')).toBe(81_559);
    expect(mib('nvidia-h100-pcie')).toBe(81_559);
    expect(mib('nvidia-h100-nvl')).toBe(95_830);
    expect(mib('nvidia-h200')).toBe(143_771);
    expect(byId('nvidia-h100-sxm').vramBytes).toBeLessThan(80 * GiB);
    expect(byId('nvidia-h100-pcie').vramBytes).toBeLessThan(80 * GiB);
    expect(byId('nvidia-h100-nvl').vramBytes).toBeLessThan(94 * GiB);
    expect(byId('nvidia-h200').vramBytes).toBeLessThan(141 * GiB);
  });

  it('stores nvidia-smi memory.total for the GH200s and the RTX PRO 6000 Blackwell, with the evidence', () => {
    expect(mib('nvidia-gh200')).toBe(97_871);
    expect(mib('nvidia-gh200-144g')).toBe(146_831);
    expect(mib('nvidia-rtx-pro-6000-blackwell')).toBe(97_887);
    // 96 GiB (98,304 MiB) was stored before: 417 MiB more than the card gives llama.cpp.
    expect(byId('nvidia-rtx-pro-6000-blackwell').vramBytes).toBeLessThan(96 * GiB);
    for (const id of ['nvidia-gh200', 'nvidia-gh200-144g', 'nvidia-rtx-pro-6000-blackwell']) {
      expect(
        byId(id).figureSources?.some((f) => f.field === 'vramBytes'),
        id,
      ).toBe(true);
    }
    // The HBM is the CUDA device's memory; the Grace CPU's LPDDR5X is host RAM, not VRAM.
    expect(byId('nvidia-gh200')).toMatchObject({ unifiedMemory: false, memoryBandwidthGBps: 4000 });
    expect(byId('nvidia-gh200').integrated).toBeUndefined();
    expect(byId('nvidia-gh200').note).toMatch(/LPDDR5X/);
  });

  it('gives the Radeon Pro 560X its own bandwidth and the MI250 its own power', () => {
    expect(byId('amd-radeon-pro-560x').memoryBandwidthGBps).toBe(94.1);
    // Per graphics die: MI250 500 W / 2 (the MI250X's 560 W / 2 = 280 W was stored before).
    expect(byId('amd-instinct-mi250').tdpWatts).toBe(250);
  });
});

describe('GPU presets: matching the names the tools report', () => {
  // [name as nvidia-smi / rocm-smi / systeminformation / node-llama-cpp report it, preset id]
  const reported: Array<[string, string]> = [
    ['Tesla V100-SXM2-32GB', 'nvidia-v100-sxm2-32gb'],
    ['Tesla V100-SXM2-16GB', 'nvidia-v100-sxm2-16gb'],
    ['Tesla V100-PCIE-32GB', 'nvidia-v100-pcie-32gb'],
    ['Tesla PG500-216', 'nvidia-v100-pcie-32gb'],
    ['Tesla V100-PCIE-16GB', 'nvidia-v100-pcie-16gb'],
    ['GV100GL [Tesla V100 SXM2 16GB]', 'nvidia-v100-sxm2-16gb'],
    ['Tesla P40', 'nvidia-tesla-p40'],
    ['NVIDIA GH200 480GB', 'nvidia-gh200'],
    ['NVIDIA GH200 144G HBM3e', 'nvidia-gh200-144g'],
    ['NVIDIA A40', 'nvidia-a40'],
    ['NVIDIA B200', 'nvidia-b200'],
    ['NVIDIA GB10', 'nvidia-gb10'],
    ['NVIDIA-GB10', 'nvidia-gb10'],
    ['Orin (nvgpu)', 'nvidia-jetson-orin-nano'],
    ['Orin', 'nvidia-jetson-orin-nano'],
    ['NVIDIA Jetson AGX Orin', 'nvidia-jetson-agx-orin'],
    ['NVIDIA Thor', 'nvidia-jetson-agx-thor'],
    ['NVIDIA Jetson Orin NX', 'nvidia-jetson-orin-nx'],
    ['NVIDIA RTX PRO 6000 Blackwell Workstation Edition', 'nvidia-rtx-pro-6000-blackwell'],
    ['NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition', 'nvidia-rtx-pro-6000-blackwell'],
    ['NVIDIA RTX PRO 5000 Blackwell', 'nvidia-rtx-pro-5000-blackwell'],
    ['NVIDIA RTX PRO 5000 72GB Blackwell', 'nvidia-rtx-pro-5000-blackwell-72gb'],
    ['NVIDIA RTX PRO 4500 Blackwell', 'nvidia-rtx-pro-4500-blackwell'],
    ['NVIDIA RTX PRO 4000 Blackwell', 'nvidia-rtx-pro-4000-blackwell'],
    ['NVIDIA RTX PRO 4000 Blackwell SFF Edition', 'nvidia-rtx-pro-4000-blackwell-sff'],
    ['NVIDIA GeForce RTX 5050', 'nvidia-rtx-5050'],
    ['NVIDIA GeForce RTX 5050 Laptop GPU', 'nvidia-rtx-5050-laptop'],
    ['AMD Radeon AI PRO R9700', 'amd-radeon-ai-pro-r9700'],
    ['AMD Radeon RX 9070 GRE', 'amd-rx-9070-gre'],
    ['AMD Instinct MI350X', 'amd-instinct-mi350x'],
    ['AMD Instinct MI355X', 'amd-instinct-mi355x'],
    ['AMD Radeon 890M Graphics', 'amd-radeon-890m'],
    ['AMD Radeon 880M', 'amd-radeon-890m'],
    ['AMD Radeon 8060S Graphics (RADV GFX1151)', 'amd-radeon-8060s'],
    ['Intel(R) Arc(TM) Pro B60 Graphics', 'intel-arc-pro-b60'],
    ['Intel(R) Arc(TM) Pro B50 Graphics', 'intel-arc-pro-b50'],
    ['Intel(R) Arc(TM) Pro B70 Graphics', 'intel-arc-pro-b70'],
    ['Qualcomm(R) Adreno(TM) X1-85 GPU', 'qualcomm-adreno-x1'],
    ['Snapdragon X Elite - X1E78100 - Qualcomm Adreno GPU', 'qualcomm-adreno-x1'],
    // Metal's GPU names: the M5 Pro and Max are their own parts (307 and 614 GB/s), not the base M5's 153.
    ['Apple M5 Max', 'apple-m5-max'],
    ['Apple M5 Pro', 'apple-m5-pro'],
    ['Apple M5', 'apple-m5'],
  ];
  it('a base Apple chip does not take a bigger variant the catalogue lacks (an M5 Ultra is not an M5)', () => {
    expect(matchId('Apple M5 Ultra')).toBeUndefined();
    expect(matchId('Apple M4 Ultra')).toBeUndefined();
    expect(matchId('Apple M4 Max')).toBe('apple-m4-max');
  });
  it.each(reported)('"%s" is %s', (name, id) => {
    expect(matchId(name)).toBe(id);
  });

  it('new regexes do not take names that belong to older presets', () => {
    const older: Array<[string, string]> = [
      ['NVIDIA RTX 6000 Ada Generation', 'nvidia-rtx-6000-ada'],
      ['NVIDIA RTX 5000 Ada Generation', 'nvidia-rtx-5000-ada'],
      ['NVIDIA RTX 4000 Ada Generation', 'nvidia-rtx-4000-ada'],
      ['NVIDIA RTX 4000 SFF Ada Generation', 'nvidia-rtx-4000-sff-ada'],
      ['NVIDIA RTX A4000', 'nvidia-rtx-a4000'],
      ['NVIDIA A10', 'nvidia-a10'],
      ['NVIDIA A100-SXM4-80GB', 'nvidia-a100-80gb-sxm'],
      ['NVIDIA H200', 'nvidia-h200'],
      ['NVIDIA H200 NVL', 'nvidia-h200-nvl'],
      ['NVIDIA H100 80GB HBM3', 'nvidia-h100-sxm'],
      ['NVIDIA GeForce RTX 5060', 'nvidia-rtx-5060'],
      ['NVIDIA GeForce RTX 5060 Laptop GPU', 'nvidia-rtx-5060-laptop'],
      ['AMD Radeon RX 9070 XT', 'amd-rx-9070-xt'],
      ['AMD Radeon RX 9070', 'amd-rx-9070'],
      ['AMD Radeon 780M Graphics', 'amd-radeon-780m'],
      ['Intel(R) Arc(TM) B580 Graphics', 'intel-arc-b580'],
      ['Intel(R) Arc(TM) Graphics', 'intel-arc-igpu'],
      ['AMD Instinct MI300X', 'amd-instinct-mi300x'],
    ];
    for (const [name, id] of older) expect(matchId(name), name).toBe(id);
  });

  it('SoCs and APUs share system memory: no VRAM of their own', () => {
    for (const id of [
      'nvidia-gb10',
      'nvidia-jetson-agx-orin',
      'nvidia-jetson-orin-nx',
      'nvidia-jetson-orin-nano',
      'amd-radeon-890m',
      'qualcomm-adreno-x1',
    ]) {
      expect(byId(id).integrated, id).toBe(true);
      expect(byId(id).vramBytes, id).toBeNull();
    }
  });
});

describe('machine presets (resources/hardware/machines.json)', () => {
  it('are valid, with unique ids, sources, and GPUs that exist in gpus.json', () => {
    expect(machines.length).toBeGreaterThanOrEqual(13);
    expect(new Set(machines.map((m) => m.id)).size).toBe(machines.length);
    const ids = new Set(presets.map((p) => p.id));
    for (const m of machines) {
      expect(m.source, m.id).toMatch(/^https?:\/\/\S+$/);
      expect(m.ramBytes % GiB, m.id).toBe(0);
      for (const g of m.gpus) expect(ids.has(g.presetId), `${m.id} -> ${g.presetId}`).toBe(true);
    }
    expect(loadMachinePresets().map((m) => m.id)).toEqual(machines.map((m) => m.id));
  });

  it('Apple machines use Apple chips, and no machine sums two cards into one', () => {
    for (const m of machines.filter((x) => /^mac/.test(x.id))) {
      expect(
        m.gpus.map((g) => byId(g.presetId).vendor),
        m.id,
      ).toEqual(['apple']);
    }
    const twin = machines.find((m) => m.id === 'desktop-2x-rtx-3090-128gb');
    expect(twin?.gpus).toEqual([{ presetId: 'nvidia-rtx-3090', count: 2 }]);
  });
});

describe('a corrected preset changes the answer', () => {
  it('a 70B Q4_K_M at 16k context no longer fits an L40S entirely', () => {
    const hw = applyWhatIf(makeSnapshot({ ramBytes: 256 * GiB }), { gpuName: 'NVIDIA L40S' }, presets);
    expect(hw.gpus[0]?.vramBytes).toBe(46_068 * MiB);
    const report = buildReport(
      hw,
      catalog,
      { contextTokens: 16_384, kvType: 'f16', calibration: null },
      { detectMs: 0, generatedAt: '2026-01-01T00:00:00.000Z' },
    );
    const row = report.rows.find((r) => r.modelId === 'llama-3.3-70b' && r.quant === 'Q4_K_M');
    expect(row).toBeDefined();
    expect(row?.fit).not.toBe('gpu');
    // With the advertised 48 GiB it was shown fitting.
    const advertised = applyWhatIf(makeSnapshot({ ramBytes: 256 * GiB }), { gpuName: 'NVIDIA L40S', vramBytes: 48 * GiB }, presets);
    const before = buildReport(
      advertised,
      catalog,
      { contextTokens: 16_384, kvType: 'f16', calibration: null },
      { detectMs: 0, generatedAt: '2026-01-01T00:00:00.000Z' },
    );
    expect(before.rows.find((r) => r.modelId === 'llama-3.3-70b' && r.quant === 'Q4_K_M')?.fit).toBe('gpu');
  });
});
