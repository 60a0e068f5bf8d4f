// detectHardware on this real machine, with collectors that fail or hang, with node-llama-cpp's
// cache; and applyWhatIf, whose answers the core's budget must accept.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { buildReport } from '../../src/core/report';
import { defaultCacheDir } from '../../src/node/hardware/cache';
import { type Collectors, UNAVAILABLE } from '../../src/node/hardware/collect';
import { measureMemoryBandwidth } from '../../src/node/hardware/memory-bandwidth';
import { detectHardware, whenBackgroundRefreshDone } from '../../src/node/hardware/index';
import { mergeHardware } from '../../src/node/hardware/merge/index';
import type { NodeLlamaCppState } from '../../src/node/hardware/parsers/node-llama-cpp';
import { applyWhatIf, WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC } from '../../src/node/hardware/what-if';
import { loadCatalog } from '../../src/node/resources';
import { GpuPresetsSchema, HardwareSnapshotSchema, type HardwareSnapshot, type SourceStatus } from '../../src/shared/schema';
import { GiB, MiB } from '../../src/shared/units';

const root = fileURLToPath(new URL('../../', import.meta.url));
const presets = GpuPresetsSchema.parse(JSON.parse(readFileSync(path.join(root, 'resources/hardware/gpus.json'), 'utf8'))).gpus;

const tempDirs: string[] = [];
function tempCacheDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsize-hw-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await whenBackgroundRefreshDone();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function status(snapshot: HardwareSnapshot, id: SourceStatus['id']): SourceStatus | undefined {
  return snapshot.sources.find((s) => s.id === id);
}

/** Collectors that answer instantly, so a test only exercises what it replaces. */
const quiet: Partial<Collectors> = {
  nvidiaSmi: async () => UNAVAILABLE,
  rocmSmi: async () => UNAVAILABLE,
  sysfsDrm: async () => UNAVAILABLE,
  memoryBandwidth: () => ({ bytesPerSec: 20e9, bufferBytes: 128 * MiB, runs: 1, bestRunMs: 6.7, totalMs: 30 }),
};

const rtx4090Vulkan: NodeLlamaCppState = {
  backend: 'vulkan',
  deviceNames: ['NVIDIA GeForce RTX 4090'],
  vram: { total: 24 * GiB, used: 0, free: 24 * GiB, unifiedSize: 0 },
};

describe('detectHardware on this machine', () => {
  it('returns a valid snapshot with RAM and cores; node-llama-cpp answers, then comes from the cache', async () => {
    const cacheDir = tempCacheDir();
    const first = await detectHardware({ cacheDir, waitForLlama: true });
    expect(() => HardwareSnapshotSchema.parse(first)).not.toThrow();
    expect(first.ram.totalBytes).toBeGreaterThan(0);
    expect(Math.abs(first.ram.totalBytes - os.totalmem()) / os.totalmem()).toBeLessThan(0.05);
    expect(first.cpu.logicalCores).toBeGreaterThanOrEqual(1);
    expect(first.cpu.physicalCores).toBeGreaterThanOrEqual(1);
    expect(first.cpu.memoryBandwidthBytesPerSec).toBeGreaterThan(1e9);
    expect(first.cpu.bandwidthSource?.kind).toBe('measured');
    expect(first.whatIf).toBe(false);
    for (const id of ['systeminformation', 'nvidia-smi', 'node-llama-cpp', 'memory-bandwidth-probe'] as const)
      expect(status(first, id), id).toBeDefined();
    expect(status(first, 'node-llama-cpp')?.status).toBe('ok');

    const second = await detectHardware({ cacheDir });
    expect(status(second, 'node-llama-cpp')?.status).toBe('cached');
    expect(status(second, 'memory-bandwidth-probe')?.status).toBe('cached');
    expect(second.gpus.map((g) => g.name)).toEqual(first.gpus.map((g) => g.name));
  });

  it('keeps the report up when a collector throws: that source is marked failed', async () => {
    const snapshot = await detectHardware({
      cacheDir: tempCacheDir(),
      backgroundRefresh: false,
      collectors: {
        ...quiet,
        systeminformation: async () => {
          throw new Error('WMI is broken');
        },
        nvidiaSmi: async () => {
          throw new Error('nvidia-smi failed: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver');
        },
      },
    });
    expect(() => HardwareSnapshotSchema.parse(snapshot)).not.toThrow();
    expect(status(snapshot, 'systeminformation')).toMatchObject({ status: 'failed', detail: 'WMI is broken' });
    expect(status(snapshot, 'nvidia-smi')).toMatchObject({ status: 'failed' });
    expect(status(snapshot, 'nvidia-smi')?.detail).toMatch(/communicate with the NVIDIA driver/);
    // RAM and cores still come from Node itself.
    expect(snapshot.ram.totalBytes).toBe(os.totalmem());
    expect(snapshot.ram.source.by).toBe('node:os');
    expect(snapshot.cpu.logicalCores).toBeGreaterThanOrEqual(1);
  });

  it('keeps the report up when collectors hang: those sources are marked timeout', async () => {
    const hang = () => new Promise<never>(() => {});
    const started = performance.now();
    const snapshot = await detectHardware({
      cacheDir: tempCacheDir(),
      waitForLlama: true,
      timeoutMs: 200,
      llamaTimeoutMs: 300,
      collectors: { ...quiet, systeminformation: hang, rocmSmi: hang, nodeLlamaCpp: hang },
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(() => HardwareSnapshotSchema.parse(snapshot)).not.toThrow();
    expect(status(snapshot, 'systeminformation')?.status).toBe('timeout');
    if (process.platform === 'linux' || process.platform === 'win32') expect(status(snapshot, 'rocm-smi')?.status).toBe('timeout');
    expect(status(snapshot, 'node-llama-cpp')?.status).toBe('timeout');
    expect(snapshot.ram.totalBytes).toBeGreaterThan(0);
  });

  it("uses node-llama-cpp's cached answer at once, and asks again when the GPUs change", async () => {
    const cacheDir = tempCacheDir();
    let asked = 0;
    const nodeLlamaCpp = async () => {
      asked++;
      return rtx4090Vulkan;
    };
    const seeded = await detectHardware({ cacheDir, waitForLlama: true, collectors: { ...quiet, nodeLlamaCpp } });
    expect(asked).toBe(1);
    expect(seeded.gpus[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 4090', backend: 'vulkan', vramBytes: 24 * GiB });

    const cached = await detectHardware({ cacheDir, backgroundRefresh: false, collectors: { ...quiet, nodeLlamaCpp } });
    expect(asked).toBe(1);
    expect(status(cached, 'node-llama-cpp')?.status).toBe('cached');
    expect(cached.gpus[0]?.vramSource.by).toBe('node-llama-cpp (vulkan)');

    // A new GPU or driver seen by the fast sources makes the cached answer stale.
    const changed = await detectHardware({
      cacheDir,
      backgroundRefresh: false,
      collectors: { ...quiet, nodeLlamaCpp, nvidiaSmi: async () => 'NVIDIA GeForce RTX 4090, 24564, 24000, 560.35.03, 450.00' },
    });
    expect(asked).toBe(1);
    expect(status(changed, 'node-llama-cpp')?.status).toBe('skipped');
    expect(changed.gpus[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 4090', backend: 'cuda', vramBytes: 24564 * MiB });
  });

  it('refreshes node-llama-cpp in the background and hands over the fresh snapshot', async () => {
    const cacheDir = tempCacheDir();
    const fresh = new Promise<HardwareSnapshot>((resolve) => {
      void detectHardware({ cacheDir, onLlamaRefreshed: resolve, collectors: { ...quiet, nodeLlamaCpp: async () => rtx4090Vulkan } }).then(
        (quick) => {
          expect(status(quick, 'node-llama-cpp')?.status).toBe('skipped');
        },
      );
    });
    const snapshot = await fresh;
    expect(status(snapshot, 'node-llama-cpp')?.status).toBe('ok');
    expect(snapshot.gpus[0]?.name).toBe('NVIDIA GeForce RTX 4090');
    await whenBackgroundRefreshDone();
    const next = await detectHardware({ cacheDir, collectors: quiet });
    expect(status(next, 'node-llama-cpp')?.status).toBe('cached');
  });

  it('finds its cache directory from RIGHTSIZE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultCacheDir({ RIGHTSIZE_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' }, '/home/u')).toBe('/a');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/b' }, '/home/u')).toBe(path.join('/b', 'rightsize'));
    expect(defaultCacheDir({}, '/home/u')).toBe(path.join('/home/u', '.cache', 'rightsize'));
  });

  it('measures memory bandwidth over a 128 MiB buffer', async () => {
    const m = await measureMemoryBandwidth();
    expect(m.bufferBytes).toBe(128 * MiB);
    expect(m.bytesPerSec).toBeGreaterThan(1e9);
  });
});

describe('applyWhatIf', () => {
  const noGpu = mergeHardware(
    {
      platform: 'linux',
      arch: 'x64',
      os: { totalMemBytes: 32 * GiB, logicalCores: 8 },
      sources: [{ id: 'systeminformation', status: 'ok' }],
    },
    presets,
  );
  const rtx4080 = mergeHardware(
    {
      platform: 'linux',
      arch: 'x64',
      os: { totalMemBytes: 64 * GiB },
      nvidiaSmi: 'NVIDIA GeForce RTX 4080 SUPER, 16376, 15348, 595.71.05, 320.00',
      sources: [],
    },
    presets,
  );
  const m1 = mergeHardware(
    {
      platform: 'darwin',
      arch: 'arm64',
      os: { totalMemBytes: 8 * GiB },
      si: { graphics: { controllers: [{ vendor: 'Apple', model: 'Apple M1', bus: 'Built-In', vram: null, vramDynamic: true }] } },
      sources: [],
    },
    presets,
  );

  function valid(snapshot: HardwareSnapshot): HardwareSnapshot {
    expect(() => HardwareSnapshotSchema.parse(snapshot)).not.toThrow();
    expect(snapshot.whatIf).toBe(true);
    expect(snapshot.sources.find((s) => s.id === 'what-if')?.status).toBe('ok');
    return snapshot;
  }

  it('--gpu "RTX 4090" alone takes VRAM and bandwidth from the catalogue', () => {
    const snapshot = valid(applyWhatIf(noGpu, { gpuName: 'RTX 4090' }, presets));
    expect(snapshot.gpus).toHaveLength(1);
    expect(snapshot.gpus[0]).toMatchObject({
      name: 'NVIDIA GeForce RTX 4090',
      vendor: 'nvidia',
      vramBytes: 24 * GiB,
      memoryBandwidthBytesPerSec: 1008e9,
      backend: 'cuda',
      integrated: false,
    });
    expect(snapshot.gpus[0]?.source.kind).toBe('what-if');
    expect(snapshot.gpus[0]?.vramSource.kind).toBe('catalogued');
    expect(computeTarget(snapshot).budget.gpuName).toBe('NVIDIA GeForce RTX 4090');
    expect(noGpu.whatIf).toBe(false);
    expect(noGpu.gpus).toHaveLength(0);
  });

  it('--vram alone without a GPU adds a generic GPU with an assumed bandwidth', () => {
    const snapshot = valid(applyWhatIf(noGpu, { vramBytes: 12 * GiB }, presets));
    expect(snapshot.gpus[0]).toMatchObject({ vramBytes: 12 * GiB, memoryBandwidthBytesPerSec: WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC });
    expect(snapshot.gpus[0]?.vramSource.kind).toBe('what-if');
    expect(snapshot.gpus[0]?.bandwidthSource?.kind).toBe('assumed');
    expect(computeTarget(snapshot).budget.gpuBytes).toBeGreaterThan(10 * GiB);
  });

  it('--vram resizes the detected GPU and keeps the detected figure as an alternative', () => {
    const snapshot = valid(applyWhatIf(rtx4080, { vramBytes: 32 * GiB }, presets));
    expect(snapshot.gpus[0]).toMatchObject({
      name: 'NVIDIA GeForce RTX 4080 SUPER',
      vramBytes: 32 * GiB,
      memoryBandwidthBytesPerSec: 736e9,
    });
    expect(snapshot.gpus[0]?.alternatives.some((a) => a.value === 16376 * MiB)).toBe(true);
    expect(rtx4080.gpus[0]?.vramBytes).toBe(16376 * MiB);
  });

  it('--vram 0 means no GPU', () => {
    const snapshot = valid(applyWhatIf(rtx4080, { vramBytes: 0 }, presets));
    expect(snapshot.gpus).toEqual([]);
    expect(computeTarget(snapshot).backend).toBe('cpu');
  });

  it('--gpu with --vram uses the given VRAM and the catalogued bandwidth; an unknown name gets an assumed bandwidth', () => {
    const given = valid(applyWhatIf(noGpu, { gpuName: 'RTX 3060', vramBytes: 8 * GiB }, presets));
    expect(given.gpus[0]).toMatchObject({ vramBytes: 8 * GiB, memoryBandwidthBytesPerSec: 360e9 });
    expect(given.gpus[0]?.vramSource.kind).toBe('what-if');
    const unknown = valid(applyWhatIf(noGpu, { gpuName: 'Imaginary X9000', vramBytes: 20 * GiB }, presets));
    expect(unknown.gpus[0]).toMatchObject({ name: 'Imaginary X9000', vramBytes: 20 * GiB });
    expect(unknown.gpus[0]?.bandwidthSource?.kind).toBe('assumed');
    expect(unknown.gpus[0]?.notes.join(' ')).toMatch(/No catalogue entry/);
  });

  it('--ram replaces RAM, and on Apple Silicon moves the GPU working set with it', () => {
    const more = valid(applyWhatIf(m1, { ramBytes: 64 * GiB }, presets));
    expect(more.ram).toMatchObject({ totalBytes: 64 * GiB, source: { kind: 'what-if' } });
    expect(more.gpus[0]).toMatchObject({ unifiedMemory: true, vramBytes: 48 * GiB, unifiedShareOfRam: 0.75 });
    const apple = valid(applyWhatIf(noGpu, { gpuName: 'M3 Max', ramBytes: 36 * GiB }, presets));
    expect(apple.gpus[0]).toMatchObject({
      name: 'Apple M3 Max',
      unifiedMemory: true,
      backend: 'metal',
      vramBytes: 24 * GiB,
      memoryBandwidthBytesPerSec: 400e9,
    });
    expect(computeTarget(apple).budget.unifiedMemory).toBe(true);
  });
});

describe('unified-memory GPUs other than Apple: DGX Spark and Strix Halo offload to the GPU', () => {
  // What a DGX Spark shows: nvidia-smi cannot read its memory, llama.cpp's CUDA backend reports the RAM it
  // may allocate (llama.cpp issue 22040: "NVIDIA GB10 ... VRAM: 124610 MiB").
  const gb10State: NodeLlamaCppState = {
    backend: 'cuda',
    deviceNames: ['NVIDIA GB10'],
    vram: { total: 124610 * MiB, used: 1200 * MiB, free: 123410 * MiB },
  };
  const spark = (nodeLlamaCpp?: NodeLlamaCppState) =>
    mergeHardware(
      {
        platform: 'linux',
        arch: 'arm64',
        os: { totalMemBytes: 128 * GiB },
        nvidiaSmi: 'NVIDIA GB10, [N/A], [N/A], 580.95.05, [N/A]',
        ...(nodeLlamaCpp ? { nodeLlamaCpp } : {}),
        sources: [],
      },
      presets,
    );

  it("a detected GB10 takes CUDA's own total as its budget, and the report runs models on it", () => {
    const hw = spark(gb10State);
    expect(() => HardwareSnapshotSchema.parse(hw)).not.toThrow();
    expect(hw.gpus[0]).toMatchObject({ name: 'NVIDIA GB10', unifiedMemory: true, backend: 'cuda', vramBytes: 124610 * MiB });
    expect(hw.gpus[0]?.vramSource.by).toMatch(/node-llama-cpp/);
    const target = computeTarget(hw);
    expect(target.backend).toBe('cuda');
    expect(target.budget.unifiedMemory).toBe(true);
    expect(target.budget.explanation).toMatch(
      /shares RAM with the CPU: the GPU may use up to .* \(what its llama\.cpp backend may allocate\)/,
    );
  });

  it('without node-llama-cpp, a GB10 gets the catalogued share of RAM, with its evidence', () => {
    const hw = spark();
    expect(hw.gpus[0]?.vramBytes).toBe(Math.round(128 * GiB * 0.95));
    expect(hw.gpus[0]?.vramSource.detail).toMatch(/95% of 128\.0 GiB RAM: .*124610 MiB/);
    expect(computeTarget(hw).backend).toBe('cuda');
  });

  it('a planned DGX Spark and Strix Halo run on their GPUs, not on the CPU; more RAM moves the share with it', () => {
    const machines = JSON.parse(readFileSync(path.join(root, 'resources/hardware/machines.json'), 'utf8')).machines;
    for (const [machine, backend, share] of [
      ['dgx-spark-128gb', 'cuda', 0.95],
      ['framework-desktop-strix-halo-128gb', 'vulkan', 0.875],
    ] as const) {
      const hw = applyWhatIf(noGpuLinux, { machine }, presets, machines);
      const target = computeTarget(hw);
      expect(target.backend, machine).toBe(backend);
      expect(target.budget.unifiedMemory, machine).toBe(true);
      expect(hw.gpus[0]?.vramBytes, machine).toBe(Math.round(128 * GiB * share));
      const smaller = applyWhatIf(noGpuLinux, { machine, ramBytes: 64 * GiB }, presets, machines);
      expect(smaller.gpus[0]?.vramBytes, machine).toBe(Math.round(64 * GiB * share));
    }
    // A small iGPU stays on the CPU: llama.cpp's gain there is not the norm.
    const office = applyWhatIf(noGpuLinux, { machine: 'office-laptop-16gb' }, presets, machines);
    expect(computeTarget(office).backend).toBe('cpu');
  });
});

describe('Jetson Orin: a unified-memory GPU that CUDA names just "Orin"', () => {
  // What a Jetson shows (published logs): nvidia-smi names it "Orin (nvgpu)" and cannot read its memory;
  // llama.cpp's CUDA backend reports the RAM the OS has as the GPU's ("VRAM: 62827 MiB" on an AGX Orin 64 GB,
  // "7607 MiB" on an Orin Nano 8 GB Super).
  const jetson = (ramBytes: number, cudaTotal?: number) =>
    mergeHardware(
      {
        platform: 'linux',
        arch: 'arm64',
        os: { totalMemBytes: ramBytes },
        nvidiaSmi: 'Orin (nvgpu), [N/A], [N/A], 540.4.0, [N/A]',
        ...(cudaTotal
          ? {
              nodeLlamaCpp: {
                backend: 'cuda',
                deviceNames: ['Orin'],
                vram: { total: cudaTotal, used: 900 * MiB, free: cudaTotal - 900 * MiB },
              },
            }
          : {}),
        sources: [],
      },
      presets,
    );

  it('an AGX Orin 64 GB is told from its RAM, runs models on its GPU, and reads 0.65 of its bandwidth, with the runs that say so', () => {
    const hw = jetson(64349016 * 1024, 62827 * MiB);
    expect(() => HardwareSnapshotSchema.parse(hw)).not.toThrow();
    expect(hw.gpus[0]).toMatchObject({
      name: 'NVIDIA Jetson AGX Orin',
      unifiedMemory: true,
      backend: 'cuda',
      vramBytes: 62827 * MiB,
      memoryBandwidthBytesPerSec: 204.8e9,
    });
    expect(hw.gpus[0]?.notes.join(' ')).toMatch(/Reported as "Orin.*taken as the NVIDIA Jetson AGX Orin from its 61\.4 GiB of RAM/);
    const target = computeTarget(hw);
    expect(target.backend).toBe('cuda');
    expect(target.budget.unifiedMemory).toBe(true);
    expect(target.gpuBandwidthEfficiency).toBe(0.65);
    expect(target.gpuBandwidthEfficiencySource?.detail).toMatch(/DeepSeek-R1-Distill-Qwen-32B Q4_K_M .* 6\.84 tok\/s/);
  });

  it('an 8 GB board stays the Orin Nano, at its Super-mode bandwidth; without node-llama-cpp it gets the catalogued share', () => {
    const nano = jetson(7.43 * GiB, 7607 * MiB);
    expect(nano.gpus[0]).toMatchObject({ unifiedMemory: true, backend: 'cuda', vramBytes: 7607 * MiB, memoryBandwidthBytesPerSec: 102e9 });
    expect(nano.gpus[0]?.source.detail).toMatch(/Jetson Orin Nano/);
    expect(computeTarget(nano).gpuBandwidthEfficiency).toBe(0.47);
    const bare = jetson(7.43 * GiB);
    expect(bare.gpus[0]?.vramBytes).toBe(Math.round(7.43 * GiB * 0.93));
    expect(bare.gpus[0]?.vramSource.detail).toMatch(/93% of 7\.4 GiB RAM: .*7607 MiB/);
    // A 16 GB board is an Orin NX.
    expect(jetson(15.3 * GiB).gpus[0]?.name).toBe('NVIDIA Jetson Orin NX');
  });

  it("with node-llama-cpp's prebuilt CPU-only binary for Linux on Arm, the report still sizes CUDA and says where benchmarks run", () => {
    const hw = mergeHardware(
      {
        platform: 'linux',
        arch: 'arm64',
        os: { totalMemBytes: 7.43 * GiB },
        nvidiaSmi: 'Orin (nvgpu), [N/A], [N/A], 540.4.0, [N/A]',
        nodeLlamaCpp: { backend: false, deviceNames: [], vram: { total: 0, used: 0, free: 0 } },
        sources: [],
      },
      presets,
    );
    expect(computeTarget(hw).backend).toBe('cuda');
    expect(hw.gpus[0]?.notes.join(' ')).toMatch(/prebuilt binary for Linux on Arm runs on the CPU only.*source download --gpu cuda/);
    // With its CUDA binary built, no such note.
    expect(jetson(7.43 * GiB, 7607 * MiB).gpus[0]?.notes.join(' ')).not.toMatch(/prebuilt binary/);
  });

  it('planned Jetsons predict the published llama-bench runs they were read from', () => {
    const machines = JSON.parse(readFileSync(path.join(root, 'resources/hardware/machines.json'), 'utf8')).machines;
    const catalog = loadCatalog();
    for (const [machine, model, published] of [
      // tiny_agent docs/proofs/jetson-bench.md: Qwen2.5 3B Q4_K_M, tg128 23.85 at MAXN_SUPER.
      ['jetson-orin-nano-super-8gb', 'qwen2.5-3b', 23.85],
      // JunweiLiang/MLLMs note_running_deepseek.md: DeepSeek-R1-Distill-Qwen-32B Q4_K_M, tg128 6.84 at MAXN.
      ['jetson-agx-orin-64gb', 'deepseek-r1-distill-qwen-32b', 6.84],
    ] as const) {
      const hw = applyWhatIf(noGpuLinux, { machine }, presets, machines);
      expect(computeTarget(hw).backend, machine).toBe('cuda');
      const report = buildReport(
        hw,
        catalog.filter((m) => m.id === model),
        { contextTokens: 4096, kvType: 'f16' },
        { detectMs: 0 },
      );
      const row = report.rows.find((r) => r.quant === 'Q4_K_M');
      expect(row?.fit, machine).toBe('gpu');
      expect((row?.tokPerSec ?? 0) / published, machine).toBeGreaterThan(0.9);
      expect((row?.tokPerSec ?? 0) / published, machine).toBeLessThan(1.1);
      expect(row?.speedSource.detail, machine).toMatch(/this GPU's own share, catalogued by resources\/hardware\/gpus\.json/);
    }
  });

  it("a model left on a planned unified machine's CPU reads the shared memory no faster than its GPU does", () => {
    const machines = JSON.parse(readFileSync(path.join(root, 'resources/hardware/machines.json'), 'utf8')).machines;
    const catalog = loadCatalog();
    for (const machine of ['jetson-orin-nano-super-8gb', 'macbook-air-m3-16gb', 'framework-desktop-strix-halo-128gb']) {
      const hw = applyWhatIf(noGpuLinux, { machine }, presets, machines);
      const rows = buildReport(hw, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 }).rows;
      // Bytes read per second by dense models (an MoE reads only its active experts): the CPU never beats the GPU.
      const rate = (fit: string) =>
        Math.max(
          ...rows
            .filter((r) => r.fit === fit && r.tokPerSec && r.activeParamsB === r.paramsB)
            .map((r) => (r.tokPerSec as number) * r.memory.weightsBytes),
        );
      const cpu = rows.filter((r) => r.fit === 'cpu');
      if (cpu.length) expect(rate('cpu'), machine).toBeLessThanOrEqual(rate('gpu') * 1.05);
    }
    // The Orin Nano Super's Phi-3.5 mini: Q5_K_M only fits without the CUDA buffers, and runs slower than Q4_K_M on the GPU.
    const nano = applyWhatIf(noGpuLinux, { machine: 'jetson-orin-nano-super-8gb' }, presets, machines);
    const phi = buildReport(
      nano,
      catalog.filter((m) => m.id === 'phi-3.5-mini'),
      { contextTokens: 8192, kvType: 'f16' },
      { detectMs: 0 },
    ).rows;
    const q5 = phi.find((r) => r.quant === 'Q5_K_M');
    const q4 = phi.find((r) => r.quant === 'Q4_K_M');
    expect(q5?.fit).toBe('cpu');
    expect(q4?.fit).toBe('gpu');
    expect(q5?.tokPerSec ?? 0).toBeLessThan(q4?.tokPerSec ?? 0);
    expect(q5?.speedSource.detail).toMatch(/estimated by budget\.shared-memory/);
    expect(q5?.why).toMatch(/On the GPU it needs 6\.\d GiB of the shared memory with the GPU's buffers, over the 6\.0 GiB usable/);
    expect(q4?.why).toMatch(/fit in 7\.4 GiB of the shared memory the GPU may use/);
  });
});

const noGpuLinux = mergeHardware(
  { platform: 'linux', arch: 'x64', os: { totalMemBytes: 32 * GiB, logicalCores: 8 }, sources: [] },
  presets,
);

describe("Strix Halo with memory set aside in the BIOS: the OS's RAM is not all the machine has", () => {
  // A 128 GB Ryzen AI Max+ 395 on Windows with 96 GB of "dedicated graphics memory" set in the BIOS: Windows
  // reports 31.6 GiB of RAM, WMI caps the GPU at 4 GiB, the registry's qwMemorySize has the 96 GiB. Peer tools
  // read this as a 31 GB (llmfit issue 194) or 1 GB (llm-checker issue 112) machine.
  const windowsCarveOut = windowsMachine(
    31.6 * GiB,
    [{ vendor: 'Advanced Micro Devices, Inc.', model: 'AMD Radeon(TM) 8060S Graphics', vram: 4095, vramDynamic: false }],
    { windowsRegistry: [{ DriverDesc: 'AMD Radeon(TM) 8060S Graphics', 'HardwareInformation.qwMemorySize': 96 * GiB }] },
  );

  it('counts the carve-out as GPU memory and as part of the pool models share', () => {
    expect(() => HardwareSnapshotSchema.parse(windowsCarveOut)).not.toThrow();
    const gpu = windowsCarveOut.gpus[0];
    expect(gpu).toMatchObject({ unifiedMemory: true, reservedRamBytes: 96 * GiB });
    expect(gpu?.vramBytes).toBe(96 * GiB + Math.round((31.6 * GiB) / 2));
    expect(gpu?.notes.join(' ')).toMatch(/96\.0 GiB is set aside for the GPU in the BIOS/);
    const target = computeTarget(windowsCarveOut);
    expect(target.budget.unifiedMemory).toBe(true);
    // 31.6 GiB less the 15% kept for Windows, plus the 96 GiB the GPU has.
    expect(target.budget.ramBytes / GiB).toBeCloseTo(31.6 * 0.85 + 96, 1);
    expect(target.budget.explanation).toMatch(/96\.0 GiB of it set aside for the GPU in the BIOS/);
  });

  it('the 4 GiB WMI figure and the small BIOS default are no carve-out: a Linux box with 512 MiB gets the catalogued share', () => {
    const linux = linuxMachine(124 * GiB, {
      rocmSmi: {
        csv: 'device,VRAM Total Memory (B),VRAM Total Used Memory (B),Card Series\ncard0,536870912,104857600,AMD Radeon 8060S Graphics\n',
      },
    });
    const gpu = linux.gpus[0];
    expect(gpu?.unifiedMemory).toBe(true);
    expect(gpu?.reservedRamBytes ?? null).toBeNull();
    expect(gpu?.vramBytes).toBe(Math.round(124 * GiB * 0.875));
  });
});

describe('VRAM other programs hold when detected', () => {
  const withFree = (freeMiB: number) =>
    mergeHardware(
      {
        platform: 'linux',
        arch: 'x64',
        os: { totalMemBytes: 64 * GiB },
        nvidiaSmi: `NVIDIA GeForce RTX 4090, 24564, ${freeMiB}, 560.35.03, 450.00`,
        sources: [],
      },
      presets,
    );

  it("says how much is held and that the rows assume the whole card; a desktop's ordinary use says nothing", () => {
    const busy = computeTarget(withFree(7800)).budget;
    expect(busy.explanation).toMatch(
      /other programs held VRAM: 16\.4 GiB of NVIDIA GeForce RTX 4090's VRAM was in use \(7\.6 GiB free, nvidia-smi\)/,
    );
    expect(busy.gpuBytes).toBeGreaterThan(22 * GiB); // the plan is still sized to the card
    expect(computeTarget(withFree(23000)).budget.explanation).not.toMatch(/other programs/);
    // A what-if plans a machine, not this moment.
    expect(computeTarget(applyWhatIf(withFree(7800), { ramBytes: 128 * GiB }, presets)).budget.explanation).not.toMatch(/other programs/);
  });
});

describe('virtual displays are not GPUs', () => {
  it("streaming and VR software's virtual monitors next to an RX 7900 XTX: one GPU, 24 GiB (llm-checker issue 106)", () => {
    const hw = windowsMachine(64 * GiB, [
      { vendor: 'Advanced Micro Devices, Inc.', model: 'AMD Radeon RX 7900 XTX', vram: 4095, vramDynamic: false },
      { vendor: 'Microsoft', model: 'IddSampleDriver Device', vram: 0, vramDynamic: false },
      { vendor: 'Meta', model: 'Meta Virtual Monitor', vram: null, vramDynamic: false },
      { vendor: 'Virtual Desktop, Inc.', model: 'Virtual Desktop Monitor', vram: 0, vramDynamic: false },
      { vendor: 'Parsec Cloud, Inc.', model: 'Parsec Virtual Display Adapter', vram: null, vramDynamic: false },
    ]);
    expect(hw.gpus.map((g) => g.name)).toEqual(['AMD Radeon RX 7900 XTX']);
    expect(hw.gpus[0]?.vramBytes).toBe(24 * GiB);
    expect(computeTarget(hw).backend).toBe('vulkan');
  });
});

/** A Windows machine as systeminformation's graphics controllers (and any other raw source) describe it. */
function windowsMachine(ramBytes: number, controllers: unknown[], extra: Record<string, unknown> = {}): HardwareSnapshot {
  return mergeHardware(
    {
      platform: 'win32',
      arch: 'x64',
      os: { totalMemBytes: ramBytes, logicalCores: 16 },
      si: { graphics: { controllers } },
      ...extra,
      sources: [],
    },
    presets,
  );
}

describe("a unified GPU's small reading through its backend", () => {
  it('a Strix Halo whose Vulkan backend reports only the 512 MiB default carve-out gets the catalogued share instead', () => {
    const hw = linuxMachine(124 * GiB, {
      nodeLlamaCpp: {
        backend: 'vulkan',
        deviceNames: ['AMD Radeon 8060S Graphics (RADV GFX1151)'],
        vram: { total: 512 * MiB, used: 100 * MiB, free: 412 * MiB },
      },
    });
    expect(hw.gpus[0]?.vramBytes).toBe(Math.round(124 * GiB * 0.875));
    expect(hw.gpus[0]?.alternatives.map((a) => a.value)).toContain(512 * MiB);
  });
});

/** A Linux machine with this RAM and the raw outputs given. */
function linuxMachine(ramBytes: number, extra: Record<string, unknown>): HardwareSnapshot {
  return mergeHardware({ platform: 'linux', arch: 'x64', os: { totalMemBytes: ramBytes }, ...extra, sources: [] }, presets);
}
