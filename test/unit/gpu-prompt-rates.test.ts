// GPU prompt rates catalogued from published llama-bench runs (resources/hardware/gpu-prompt-rates.json): each names a
// preset, a backend and its source; a detected or planned GPU of that preset gets the rate of its own backend only, and
// the report's rows all on that GPU read prompts at it until the user's own run replaces it.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyGpuPromptRuns, promptFlopsPerToken, promptWorkOf } from '../../src/core/gpu-prompt';
import { buildReport, catalogModelAt, rowPromptWork, sizeModel } from '../../src/core/report';
import { presetPromptRate, withCatalogueUpdates } from '../../src/node/hardware/merge/presets';
import { applyWhatIf, plannedCpuOfItsOwn } from '../../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadGpuPromptRates, loadMachinePresets } from '../../src/node/resources';
import { computeTarget } from '../../src/core/budget';
import type { BenchRecord, Gpu, HardwareSnapshot } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeBenchRecord } from '../helpers/bench-record';
import { makeGpu, makeSnapshot } from '../helpers/hardware';
import { formatHardware } from '../../src/cli/format/report';

const presets = loadGpuPresets();
const catalog = loadCatalog();
const preset = (id: string) => presets.find((p) => p.id === id) ?? (undefined as never);
const rates = loadGpuPromptRates();

describe('the catalogued rates', () => {
  it('each names a preset, a backend a GPU can have, a date and the page it was read from', () => {
    expect(rates.length).toBeGreaterThanOrEqual(25);
    for (const r of rates) {
      expect(
        presets.some((p) => p.id === r.presetId),
        r.presetId,
      ).toBe(true);
      expect(['cuda', 'rocm', 'vulkan', 'metal', 'sycl']).toContain(r.backend);
      // A published page, or the results file of a run this project measured on a lent machine.
      expect(r.url).toMatch(/^https:\/\/|^bench\/results\/[\w.-]+\.md$/);
      if (!r.url.startsWith('https://')) expect(existsSync(r.url), r.url).toBe(true);
      expect(r.date).toMatch(/^20\d\d(-\d\d)?$/);
      expect(r.run).toMatch(/pp512 [\d.]+/);
      // Between a Tesla P40's 5 TFLOP/s class and a data-centre card's few hundred.
      expect(r.flopsPerSec).toBeGreaterThan(1e12);
      expect(r.flopsPerSec).toBeLessThan(1e15);
    }
  });

  it("gives a GPU its own backend's rate and never borrows another backend's", () => {
    expect(presetPromptRate(preset('nvidia-rtx-4090'), 'cuda')?.source.detail).toContain('on cuda');
    expect(presetPromptRate(preset('nvidia-rtx-4090'), 'vulkan')?.source.detail).toContain('on vulkan');
    // The RTX 3060 was published on Vulkan only: on CUDA its rate is estimated from CUDA runs of its siblings
    // (other Ampere cards), never carried from its own Vulkan run.
    const vulkan = presetPromptRate(preset('nvidia-rtx-3060'), 'vulkan');
    expect(vulkan?.source.kind).toBe('catalogued');
    const cuda = presetPromptRate(preset('nvidia-rtx-3060'), 'cuda');
    expect(cuda?.source).toMatchObject({ kind: 'estimated', by: 'gpu-prompt.siblings' });
    expect(cuda?.source.detail).toMatch(
      /on cuda\b.*\(ampere\) reached in published runs on cuda \(A40, RTX 3070, RTX 3080, RTX 3080 Ti, RTX 3090, RTX A6000\)/,
    );
    expect(cuda?.flopsPerSec).toBeGreaterThan(20e12);
    expect(cuda?.flopsPerSec).toBeLessThan(40e12);
    // A card with fewer than two siblings on the backend has none: no Blackwell data-centre card was run.
    expect(presetPromptRate(preset('nvidia-b200'), 'cuda')).toBeNull();
    // Hopper cards are one chip with different memories: an unmeasured one gets its siblings' median rate, not a rate
    // per byte of bandwidth (which would give an H200 NVL 235 TFLOP/s against the 151 measured on an H200).
    const nvl = presetPromptRate(preset('nvidia-h200-nvl'), 'cuda');
    expect(nvl?.source.by).toBe('gpu-prompt.siblings');
    expect(nvl?.flopsPerSec).toBeGreaterThan(130e12);
    expect(nvl?.flopsPerSec).toBeLessThan(152e12);
    expect(nvl?.source.detail).toMatch(/one chip with different memories/);
    expect(presetPromptRate(preset('nvidia-rtx-4060'), 'sycl')).toBeNull();
    // ROCm carries between RDNA3 cards; Vulkan does not.
    expect(presetPromptRate(preset('amd-rx-7800-xt'), 'rocm')?.source.by).toBe('gpu-prompt.siblings');
    expect(presetPromptRate(preset('amd-rx-7800-xt'), 'vulkan')).toBeNull();
  });

  it('reproduces the run it was read from: the 8B row of a planned RTX 4090 reads the published pp512', () => {
    const hardware = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName: 'RTX 4090' }, presets);
    expect(hardware.gpus[0]?.promptRate?.flopsPerSec).toBeGreaterThan(0);
    const report = buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 });
    const row = report.rows.find((r) => r.modelId === 'llama-3.1-8b' && r.quant === 'Q4_K_M');
    expect(row?.fit).toBe('gpu');
    // The run: llama 8B Q4_K_M at 7,138.99 tok/s (the catalog's Llama 3.1 8B has its shape).
    expect(row?.promptTokPerSec).toBeCloseTo(7138.99, -1);
    expect(row?.promptSource).toMatchObject({ kind: 'estimated', by: 'speed.prompt-catalogued' });
    expect(row?.promptSource?.detail).toContain('https://');
    expect(row?.fullPromptSeconds ?? 0).toBeGreaterThan(8192 / 7139);
  });
});

describe('a profile saved against an older catalogue', () => {
  it('gets the catalogued rate of each GPU it names, and keeps a GPU that has none as it is', () => {
    const planned = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName: 'RTX 4090' }, presets);
    const { promptRate: _gone, ...old } = planned.gpus[0] as Gpu;
    const loaded = withCatalogueUpdates({ ...planned, gpus: [old, makeGpu({ name: 'Unknown card', promptRate: null })] }, presets);
    expect(loaded.gpus[0]?.promptRate).toEqual(planned.gpus[0]?.promptRate);
    expect(loaded.gpus[1]?.promptRate).toBeNull();
    // Nothing to fill: the same snapshot back.
    expect(withCatalogueUpdates(planned, presets)).toBe(planned);
  });

  it("takes today's rate where its card got one since, or a newer one", () => {
    const planned = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName: 'RTX 3070' }, presets);
    expect(planned.gpus[0]?.promptRate).not.toBeNull();
    const saved = { ...planned, gpus: [{ ...(planned.gpus[0] as Gpu), promptRate: null }] };
    expect(withCatalogueUpdates(saved, presets).gpus[0]?.promptRate).toEqual(planned.gpus[0]?.promptRate);
  });

  it('a DGX Spark planned when it was read as a CPU-only machine becomes the unified GPU it is', () => {
    const now = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { machine: 'dgx-spark-128gb' }, presets, loadMachinePresets());
    // As stop 23 saved it: integrated, no memory of its own, no unified memory.
    const saved = {
      ...now,
      gpus: [{ ...(now.gpus[0] as Gpu), unifiedMemory: false, unifiedShareOfRam: null, vramBytes: null, promptRate: null }],
    };
    expect(computeTarget(saved).backend).toBe('cpu');
    const loaded = withCatalogueUpdates(saved, presets);
    expect(loaded.gpus[0]).toMatchObject({ unifiedMemory: true, backend: 'cuda', vramBytes: now.gpus[0]?.vramBytes });
    expect(loaded.gpus[0]?.vramSource.detail).toMatch(/saved when rightsize planned NVIDIA GB10 \(DGX Spark\) as a CPU-only machine/);
    expect(loaded.gpus[0]?.promptRate).not.toBeNull();
    expect(computeTarget(loaded).backend).toBe('cuda');
    // Saved before GPUs had their own generation efficiency: the GB10's 0.85 comes back with it.
    expect(computeTarget(saved).gpuBandwidthEfficiency).toBe(0.7);
    expect(computeTarget(loaded).gpuBandwidthEfficiency).toBe(0.85);
  });

  it("a machine planned before its preset named its CPU gets the preset's cores, and one whose preset names none is marked as standing in", () => {
    const machines = loadMachinePresets();
    const host = makeSnapshot({ ramBytes: 64 * GiB });
    host.cpu.physicalCores = 2;
    host.cpu.logicalCores = 2;
    // As stop 23 saved a planned MacBook Air: the preset's CPU name over this machine's cores and source.
    const now = applyWhatIf(host, { machine: 'macbook-air-m3-16gb' }, presets, machines);
    const old = { ...now, cpu: { ...host.cpu, model: 'Apple M3' } };
    expect(plannedCpuOfItsOwn(old)).toBe(false);
    const loaded = withCatalogueUpdates(old, presets, machines);
    expect(loaded.cpu).toMatchObject({ physicalCores: 8, logicalCores: 8, source: { kind: 'catalogued' } });
    expect(plannedCpuOfItsOwn(loaded)).toBe(true);
    expect(withCatalogueUpdates(loaded, presets, machines)).toBe(loaded);
    // A gaming laptop's preset names no CPU: the cores stay, marked as the planning machine's.
    const laptop = applyWhatIf(host, { machine: 'gaming-laptop-rtx-4060-32gb' }, presets, machines);
    const oldLaptop = { ...laptop, cpu: { ...host.cpu, model: laptop.cpu.model } };
    const laptopNow = withCatalogueUpdates(oldLaptop, presets, machines);
    expect(laptopNow.cpu.physicalCores).toBe(2);
    expect(plannedCpuOfItsOwn(laptopNow)).toBe(true);
    // Other GPUs on this machine's own CPU are left alone.
    const gpuOnly = applyWhatIf(host, { gpuName: 'RTX 4090' }, presets, machines);
    expect(withCatalogueUpdates(gpuOnly, presets, machines).cpu).toBe(gpuOnly.cpu);
  });

  it("a Jetson Orin Nano saved as CPU-only at its original 68 GB/s comes back as today's GPU at 102 GB/s", () => {
    const now = applyWhatIf(makeSnapshot({ ramBytes: 8 * GiB }), { machine: 'jetson-orin-nano-super-8gb' }, presets, loadMachinePresets());
    const { generationEfficiency: _none, ...old } = now.gpus[0] as Gpu;
    const saved = {
      ...now,
      gpus: [
        { ...old, unifiedMemory: false, unifiedShareOfRam: null, vramBytes: null, promptRate: null, memoryBandwidthBytesPerSec: 68e9 },
      ],
    };
    const loaded = withCatalogueUpdates(saved, presets);
    expect(loaded.gpus[0]).toMatchObject({ unifiedMemory: true, backend: 'cuda', memoryBandwidthBytesPerSec: 102e9 });
    expect(loaded.gpus[0]?.generationEfficiency?.value).toBe(0.47);
    expect(computeTarget(loaded).gpuBandwidthEfficiency).toBe(0.47);
    expect(withCatalogueUpdates(loaded, presets)).toBe(loaded);
  });
});

describe('rows on a GPU with a catalogued rate', () => {
  const rated = (name: string, flopsPerSec: number): Gpu =>
    makeGpu({ name, vramBytes: 24 * GiB, promptRate: { flopsPerSec, source: { kind: 'catalogued', by: 'test', detail: `${name} rate` } } });
  const reportOn = (hardware: HardwareSnapshot, records: BenchRecord[] = []) =>
    buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16', benchRecords: records }, { detectMs: 0 });
  const llama = (r: ReturnType<typeof reportOn>) =>
    r.rows.find((x) => x.modelId === 'llama-3.1-8b' && x.quant === 'Q4_K_M' && x.origin === 'catalog');
  const work = () => {
    const entry = catalog.find((m) => m.id === 'llama-3.1-8b') ?? (undefined as never);
    return promptWorkOf(llama(reportOn(makeSnapshot({ ramBytes: 64 * GiB, gpus: [rated('A', 1e14)] })))?.activeParamsB ?? 0, entry);
  };

  it('read prompts at the rate, and the slowest of two cards paces a split', () => {
    const one = llama(reportOn(makeSnapshot({ ramBytes: 64 * GiB, gpus: [rated('A', 1e14)] })));
    expect(one?.promptTokPerSec).toBeCloseTo(1e14 / promptFlopsPerToken(work(), 512), 6);
    const two = llama(reportOn(makeSnapshot({ ramBytes: 64 * GiB, gpus: [rated('A', 1e14), rated('B', 5e13)] })));
    expect(two?.promptTokPerSec).toBeCloseTo(5e13 / promptFlopsPerToken(work(), 512), 6);
    // A card without a rate beside one with it: no figure rather than half of one.
    const mixed = llama(
      reportOn(makeSnapshot({ ramBytes: 64 * GiB, gpus: [rated('A', 1e14), makeGpu({ name: 'C', vramBytes: 24 * GiB })] })),
    );
    expect(mixed?.promptTokPerSec).toBeNull();
  });

  it("give way to the user's own run on this GPU", () => {
    const hardware = makeSnapshot({ ramBytes: 64 * GiB, gpus: [rated('A', 1e14)] });
    const run = makeBenchRecord({
      model: { path: '/m/other.gguf', name: 'other', quant: 'Q4_K_M', paramsB: 8, fileBytes: 4.9e9 },
      promptWork: { activeParamsB: work().activeParamsB, layers: 32, heads: 32, headDim: 128, routed: null },
      backend: 'cuda',
      gpuLayers: 33,
      totalLayers: 33,
      pp: { samples: [2000], mean: 2000, sd: 1 },
      hardware: { cpu: hardware.cpu.model, gpus: ['A'], ramBytes: hardware.ram.totalBytes, os: 'linux' },
    });
    const row = llama(reportOn(hardware, [run]));
    expect(row?.promptSource?.by).toBe('speed.prompt-from-runs');
    // The same shape run at 2,000 tok/s: this row reads at that, not at the catalogued rate.
    expect(row?.promptTokPerSec).toBeCloseTo(2000, 6);
  });
});

describe('the hardware card', () => {
  it("names each GPU's prompt rate and whether a published run of it or its architecture's cards gave it", () => {
    const card = (gpuName: string) => formatHardware(applyWhatIf(makeSnapshot(), { gpuName }, presets), false).join('\n');
    expect(card('RTX 4090')).toMatch(/prompts at 109\.1 TFLOP\/s \(a published llama-bench run of this card\)/);
    expect(card('RTX 3060')).toMatch(/prompts at 28\.5 TFLOP\/s \(estimated from published runs of cards of its architecture\)/);
    expect(card('H200')).toMatch(/prompts at 151\.5 TFLOP\/s \(a llama-bench run of this card this project measured\)/);
    expect(card('B200')).not.toContain('prompts at');
  });

  it("names each GPU's memory bandwidth and its source, and says when it is assumed", () => {
    const card = (gpuName: string) => formatHardware(applyWhatIf(makeSnapshot(), { gpuName }, presets), false).join('\n');
    expect(card('RTX 4090')).toMatch(/memory bandwidth 1008 GB\/s \(catalogued: resources\/hardware\/gpus\.json\)/);
    expect(card('Foo 9000')).toMatch(/memory bandwidth: 448 GB\/s assumed .*name a catalogued GPU for its real figure/);
  });
});

describe('rows split between the GPU and RAM', () => {
  const build = (gpuName: string) =>
    buildReport(
      applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName }, presets),
      catalog,
      { contextTokens: 8192, kvType: 'f16' },
      { detectMs: 0 },
    );
  const row70b = (gpuName: string) => build(gpuName).rows.find((r) => r.modelId === 'llama-3.1-70b' && r.quant === 'Q4_K_M');
  const row8b = (gpuName: string) => build(gpuName).rows.find((r) => r.modelId === 'llama-3.1-8b' && r.quant === 'Q4_K_M');

  it('read a prompt at the GPU rate plus one copy of the weights kept in RAM per 512-token micro-batch', () => {
    const split = row70b('RTX 4090');
    expect(split?.fit).toBe('partial');
    expect(split?.promptSource?.by).toBe('speed.prompt-split');
    expect(split?.promptSource?.detail).toMatch(/copies the [\d.]+ GiB of weights kept in RAM to it, at an assumed 13\.6 GiB\/s/);
    // All on the GPU, the 70B would read prompts at the rate's FLOPs: the copy makes it several times slower.
    const flopsPerToken = promptFlopsPerToken(
      promptWorkOf(
        70.6,
        catalog.find((m) => m.id === 'llama-3.1-70b')!,
      ),
      512,
    );
    const rate = presetPromptRate(preset('nvidia-rtx-4090'), 'cuda')!.flopsPerSec;
    const gpuOnly = rate / flopsPerToken;
    expect(split?.promptTokPerSec ?? 0).toBeLessThan(gpuOnly / 2);
    expect(split?.promptTokPerSec ?? 0).toBeGreaterThan(100); // users report a few hundred tok/s for a 70B on one 24 GB card
    expect(split?.fullPromptSeconds ?? 0).toBeGreaterThan(8192 / (split?.promptTokPerSec ?? 1) - 1);
    // A model all on the card is unchanged.
    expect(row8b('RTX 4090')?.promptSource?.by).toBe('speed.prompt-catalogued');
  });

  it('on a unified-memory GPU copy within its memory, at an assumed half its bandwidth; not estimated where that is unknown', () => {
    const hardware = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName: 'RTX 4090' }, presets);
    const { promptTokPerSec: _p, promptSource: _s, fullPromptSeconds: _f, ...bare } = row70b('RTX 4090')!;
    const row = { ...bare, promptTokPerSec: null, promptSource: null };
    const work = new Map([
      [
        row,
        {
          ...promptWorkOf(
            70.6,
            catalog.find((m) => m.id === 'llama-3.1-70b')!,
          ),
          hostUploadBytes: 18 * GiB,
        },
      ],
    ]);
    const onCard = applyGpuPromptRuns({ rows: [row], work, records: [], hardware, gpus: hardware.gpus })[0];
    expect(onCard?.promptSource?.by).toBe('speed.prompt-split');
    const unified = hardware.gpus.map((g) => ({ ...g, unifiedMemory: true }));
    const inMemory = applyGpuPromptRuns({ rows: [row], work, records: [], hardware, gpus: unified })[0];
    expect(inMemory?.promptSource?.detail).toMatch(/at an assumed 469\.4 GiB\/s \(half this unified-memory GPU's bandwidth/);
    // 18 GiB per micro-batch over the bus at 13.6 GiB/s is most of the time; within the memory, a small part.
    expect(inMemory?.promptTokPerSec ?? 0).toBeGreaterThan(2 * (onCard?.promptTokPerSec ?? Infinity));
    const unknown = unified.map((g) => ({ ...g, memoryBandwidthBytesPerSec: null }));
    expect(applyGpuPromptRuns({ rows: [row], work, records: [], hardware, gpus: unknown })[0]?.promptTokPerSec).toBeNull();
  });

  it('with no layer on the GPU (-ngl 0) still read a prompt on the GPU, copying every weight per micro-batch', () => {
    // ik_llama.cpp issue 255: Qwen2.5 32B Q4_K_M on an RTX 4080 read pp2048 at 703 t/s with -ngl 0, some 100x what a
    // CPU reads it at. llama.cpp offloads any product of 32 tokens or more whose weights sit in RAM.
    const hardware = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName: 'RTX 4080' }, presets);
    const model = catalog.find((m) => m.id === 'qwen2.5-32b')!;
    const settings = { contextTokens: 8192, kvType: 'f16' as const };
    const target = computeTarget(hardware);
    const sized = sizeModel(catalogModelAt(model, 'Q4_K_M'), hardware, target, settings, 0);
    expect(sized.row.fit).toBe('cpu');
    const work = rowPromptWork(sized, catalogModelAt(model, 'Q4_K_M'));
    // Every weight but the input embeddings, which a lookup reads a row at a time.
    expect(work.hostUploadBytes ?? 0).toBeGreaterThan(17 * GiB);
    const [row] = applyGpuPromptRuns({ rows: [sized.row], work: new Map([[sized.row, work]]), records: [], hardware, gpus: target.gpus });
    expect(row?.promptSource?.by).toBe('speed.prompt-split');
    expect(row?.promptSource?.detail).toMatch(/^.*No layer on the GPU: llama\.cpp still runs a prompt's products on the GPU/);
    // One 512-token micro-batch copies ~18 GiB at 13.6 GiB/s: about 1.3 s, so a few hundred tok/s, not a CPU's few.
    expect(row?.promptTokPerSec ?? 0).toBeGreaterThan(200);
    expect(row?.promptTokPerSec ?? Infinity).toBeLessThan(400);
    // A CPU-only machine has no GPU to offload to: the row keeps what it had.
    const cpuOnly = makeSnapshot({ ramBytes: 64 * GiB });
    const cpuTarget = computeTarget(cpuOnly);
    const onCpu = sizeModel(catalogModelAt(model, 'Q4_K_M'), cpuOnly, cpuTarget, settings);
    const [kept] = applyGpuPromptRuns({
      rows: [onCpu.row],
      work: new Map([[onCpu.row, rowPromptWork(onCpu, catalogModelAt(model, 'Q4_K_M'))]]),
      records: [],
      hardware: cpuOnly,
      gpus: cpuTarget.gpus,
    });
    expect(kept).toBe(onCpu.row);
  });

  it('copy slower over a detected link narrower than PCIe 4.0 x16 (3.0 x8: a quarter), never faster over a wider one', () => {
    const base = applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName: 'RTX 4090' }, presets);
    const withLink = (gen: number, width: number): HardwareSnapshot => ({
      ...base,
      gpus: base.gpus.map((g) => ({ ...g, pcieLink: { gen, width, source: { kind: 'detected', by: 'nvidia-smi' } } })),
    });
    const row = (hardware: HardwareSnapshot) =>
      buildReport(hardware, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 }).rows.find(
        (r) => r.modelId === 'llama-3.1-70b' && r.quant === 'Q4_K_M',
      );
    const narrow = row(withLink(3, 8));
    expect(narrow?.promptSource?.detail).toMatch(/at an assumed 3\.4 GiB\/s .*detected link, PCIe 3\.0 x8, carries 25% of that/);
    expect(narrow?.promptTokPerSec ?? Infinity).toBeLessThan((row(base)?.promptTokPerSec ?? 0) / 2);
    // PCIe 5.0 x16 does not copy from mmap'd memory faster than 4.0 x16 did.
    expect(row(withLink(5, 16))?.promptTokPerSec).toBeCloseTo(row(base)?.promptTokPerSec ?? 0, 6);
  });

  it('copy at about half the rate on a laptop GPU', () => {
    const desktop = row70b('RTX 4090');
    const laptop = row70b('RTX 4090 Laptop');
    expect(laptop?.fit).toBe('partial');
    expect(laptop?.promptSource?.detail).toMatch(/at an assumed 7\.5 GiB\/s \(an RTX 5050 Laptop GPU/);
    expect(laptop?.promptTokPerSec ?? Infinity).toBeLessThan(desktop?.promptTokPerSec ?? 0);
  });
});
