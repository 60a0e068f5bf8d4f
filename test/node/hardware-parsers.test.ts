// The parsers on each format a tool prints, and the GPU catalogue's shape and order. Inputs are
// the fixtures' own outputs, or the same figures re-printed in a tool's other documented format
// (said so where it is done).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { matchGpuPreset } from '../../src/node/hardware/merge/presets';
import { parseMaybeTruncatedJson } from '../../src/node/truncated-json';
import {
  parseBytesPackageSize,
  parseMetalInitLog,
  parseNodeLlamaCppState,
  parseNodeLlamaCppText,
} from '../../src/node/hardware/parsers/node-llama-cpp';
import { parseNvidiaSmiCsv } from '../../src/node/hardware/parsers/nvidia-smi';
import { parseRocmSmiCsv, parseRocmSmiJson } from '../../src/node/hardware/parsers/rocm-smi';
import { parseLspci, parseSysfsDrmCards } from '../../src/node/hardware/parsers/sysfs';
import { parseSystemProfilerDisplays, parseSystemProfilerMemory } from '../../src/node/hardware/parsers/system-profiler';
import { parseCpuFlags, parseSiCpu } from '../../src/node/hardware/parsers/systeminformation';
import { parseRegQuery, parseWindowsRegistryGpus, parseWmicVideoControllers } from '../../src/node/hardware/parsers/windows';
import { GpuPresetsSchema } from '../../src/shared/schema';
import { GiB, MiB } from '../../src/shared/units';

const root = fileURLToPath(new URL('../../', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: string): any => JSON.parse(readFileSync(path.join(root, 'test/fixtures/hardware', name), 'utf8'));
const presets = GpuPresetsSchema.parse(JSON.parse(readFileSync(path.join(root, 'resources/hardware/gpus.json'), 'utf8'))).gpus;

describe('nvidia-smi', () => {
  it('reads a CSV with a header and units (the full --query-gpu capture)', () => {
    const [gpu] = parseNvidiaSmiCsv(fixture('nvidia-linux-rtx4080super-nvidia-smi.json').raw);
    expect(gpu).toMatchObject({
      name: 'NVIDIA GeForce RTX 4080 SUPER',
      vendor: 'nvidia',
      pciId: '10de:2702',
      busAddress: '01:00.0',
      vramBytes: 16376 * MiB,
      vramFreeBytes: 15348 * MiB,
      vramField: 'memory.total',
      driver: '595.71.05',
      powerLimitWatts: 320,
      // The capture's pcie.link.gen.current is 1 (the card idles); .max is what the card and slot reach.
      pcieLink: { gen: 4, width: 16 },
    });
  });

  it('reads the PCIe link from the .max columns, and nothing from [N/A] or a missing column', () => {
    const header = 'name, memory.total [MiB], pcie.link.gen.max, pcie.link.width.max';
    expect(parseNvidiaSmiCsv(`${header}\nNVIDIA GeForce RTX 3060, 12288, 3, 8\n`)[0]?.pcieLink).toEqual({ gen: 3, width: 8 });
    expect(parseNvidiaSmiCsv(`${header}\nNVIDIA GeForce RTX 3060, 12288, [N/A], [N/A]\n`)[0]?.pcieLink).toBeNull();
    expect(parseNvidiaSmiCsv('NVIDIA GeForce RTX 3060, 12288, 11000, 560.1, 170\n')[0]?.pcieLink).toBeNull();
  });

  it('reads --format=csv,noheader,nounits in the default column order (the same card, re-printed that way)', () => {
    const gpus = parseNvidiaSmiCsv(
      'NVIDIA GeForce RTX 4080 SUPER, 16376, 15348, 595.71.05, 320.00\nNVIDIA GeForce RTX 2080 SUPER, 8192, 7191, 595.71.05, [N/A]\n',
    );
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toMatchObject({ vramBytes: 16376 * MiB, vramFreeBytes: 15348 * MiB, driver: '595.71.05', powerLimitWatts: 320 });
    expect(gpus[1]).toMatchObject({ name: 'NVIDIA GeForce RTX 2080 SUPER', vramBytes: 8192 * MiB, powerLimitWatts: null });
  });

  it('returns nothing for empty or error output', () => {
    expect(parseNvidiaSmiCsv('')).toEqual([]);
    expect(parseNvidiaSmiCsv('name, memory.total [MiB]\n')).toEqual([]);
  });
});

describe('rocm-smi', () => {
  it('reads --csv and --json of the same card alike', () => {
    const f = fixture('amd-linux-rx7900xt-rocm-smi.json');
    const csv = parseRocmSmiCsv(f.raw);
    const json = parseRocmSmiJson(f.extraRaw[0].raw);
    expect(csv[0]).toMatchObject({
      name: 'Radeon RX 7900 XT',
      vendor: 'amd',
      pciId: '1002:744c',
      pciRevision: 'cc',
      vramBytes: 21458059264,
      vramFreeBytes: 21458059264 - 27856896,
    });
    expect(json).toEqual(csv);
    expect(parseRocmSmiJson(JSON.stringify(f.extraRaw[0].raw))).toEqual(csv);
  });

  it('lists an iGPU with its carve-out', () => {
    const gpus = parseRocmSmiCsv(fixture('amd-linux-rx6800-raphael-igpu-rocm-smi.json').raw);
    expect(gpus.map((g) => [g.name, g.pciId, g.vramBytes])).toEqual([
      ['Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]', '1002:73bf', 17163091968],
      ['Raphael', '1002:164e', 67108864],
    ]);
  });
});

describe('Windows', () => {
  it('reads the WMI AdapterRAM table into systeminformation-shaped controllers (4095 MiB: the uint32 cap)', () => {
    const controllers = parseWmicVideoControllers(fixture('nvidia-windows-rtx4090-uhd770-wmi-adapterram.json').raw);
    expect(controllers).toEqual([
      { vendor: '', model: 'NVIDIA GeForce RTX 4090', vram: 4095 },
      { vendor: '', model: 'Intel(R) UHD Graphics 770', vram: 1024 },
    ]);
  });

  it('reads reg.exe output of qwMemorySize, DriverDesc and MatchingDeviceId (the registry fixture values, in reg.exe layout)', () => {
    const key = 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Class\\{4d36e968-e325-11ce-bfc1-08002be10318}';
    const text = [
      `${key}\\0000`,
      '    HardwareInformation.qwMemorySize    REG_QWORD    0x20000000',
      '',
      `${key}\\0001`,
      '    HardwareInformation.qwMemorySize    REG_QWORD    0x280000000',
      '',
      'End of search: 2 match(es) found.',
      `${key}\\0000`,
      '    DriverDesc    REG_SZ    Intel(R) UHD Graphics 770',
      '',
      `${key}\\0001`,
      '    DriverDesc    REG_SZ    NVIDIA GeForce RTX 3080',
      '    MatchingDeviceId    REG_SZ    pci\\ven_10de&dev_2206',
      `${key}\\0002`,
      '    HardwareInformation.MemorySize    REG_BINARY    00000080',
    ].join('\r\n');
    const adapters = parseRegQuery(text);
    expect(adapters).toHaveLength(3);
    const gpus = parseWindowsRegistryGpus(text);
    expect(gpus.map((g) => [g.name, g.vramBytes, g.pciId])).toEqual([
      ['Intel(R) UHD Graphics 770', 536870912, null],
      ['NVIDIA GeForce RTX 3080', 10737418240, '10de:2206'],
      ['Display adapter', 0x80000000, null],
    ]);
    expect(gpus[1]?.vramField).toBe('HardwareInformation.qwMemorySize');
  });
});

describe('node-llama-cpp', () => {
  it('reads the state object collect.ts stores, attributing VRAM only to a single device', () => {
    const one = parseNodeLlamaCppState({
      backend: 'cuda',
      deviceNames: ['NVIDIA RTX A6000'],
      vram: { total: 48 * GiB, used: 0, free: 47 * GiB, unifiedSize: 0 },
    });
    expect(one.gpus[0]).toMatchObject({
      name: 'NVIDIA RTX A6000',
      vendor: 'nvidia',
      vramBytes: 48 * GiB,
      vramFreeBytes: 47 * GiB,
      hints: { llamaBackend: 'cuda', llamaUnified: false },
    });
    const two = parseNodeLlamaCppState({ backend: 'cuda', deviceNames: ['A', 'B'], vram: { total: 48 * GiB, used: 0, free: 48 * GiB } });
    expect(two.gpus.map((g) => g.vramBytes)).toEqual([null, null]);
    expect(two.vramTotalBytes).toBe(48 * GiB);
    expect(parseNodeLlamaCppState({ backend: false, deviceNames: [], vram: { total: 0, used: 0, free: 0, unifiedSize: 0 } }).gpus).toEqual(
      [],
    );
    const metal = parseNodeLlamaCppState({
      backend: 'metal',
      deviceNames: ['Apple M1'],
      vram: { total: 5726629888, used: 0, free: 5726629888, unifiedSize: 5726629888 },
    });
    expect(metal.gpus[0]?.hints.llamaUnified).toBe(true);
  });

  it('reads `inspect gpu` text (1024-based "GB") and `chat` text, with or without colour codes', () => {
    const cuda = fixture('nvidia-rtxa6000-node-llama-cpp-cuda.json');
    const facts = parseNodeLlamaCppText(cuda.raw);
    expect(facts).toMatchObject({
      backend: 'cuda',
      deviceNames: ['NVIDIA RTX A6000'],
      vramTotalBytes: parseBytesPackageSize('47.65GB'),
      ramTotalBytes: parseBytesPackageSize('44.08GB'),
    });
    expect(facts.cpuModel).toMatch(/Xeon/);
    expect(parseNodeLlamaCppText(cuda.rawAnsi)).toEqual(facts);
    const chat = parseNodeLlamaCppText(fixture('intel-iris-plus-igpu-node-llama-cpp-vulkan.json').raw);
    expect(chat).toMatchObject({
      backend: 'vulkan',
      deviceNames: ['Intel(R) Iris(R) Plus Graphics'],
      vramTotalBytes: parseBytesPackageSize('7.91GB'),
    });
    expect(parseBytesPackageSize('47.65GB')).toBe(Math.round(47.65 * GiB));
    expect(parseBytesPackageSize('266.88MB')).toBe(Math.round(266.88 * MiB));
  });
});

describe('macOS', () => {
  it('reads the Metal working set in both units llama.cpp has printed as "MB"', () => {
    const facts = parseMetalInitLog(fixture('apple-m1-8gb-metal-working-set.json').raw);
    expect(facts).toMatchObject({ gpuName: 'Apple M1', hasUnifiedMemory: true, workingSetPrintedMB: 5461.34 });
    expect(facts.workingSetCandidatesBytes).toEqual([Math.round(5461.34 * MiB), Math.round(5461.34e6)]);
  });

  it('reads system_profiler memory JSON and cut-off displays JSON', () => {
    const f = fixture('apple-m1-8gb-system-profiler.json');
    expect(parseSystemProfilerMemory(f.raw).totalBytes).toBe(8 * GiB);
    const displays = parseSystemProfilerDisplays(f.extraRaw[0].raw);
    expect(displays.map((g) => [g.name, g.vendor])).toEqual([['Apple M1', 'apple']]);
    expect(parseMaybeTruncatedJson('{"a": [1, 2, {"b": "c')).toEqual({ a: [1, 2, {}] });
  });

  it('reads the plain-text system_profiler report', () => {
    const displays = parseSystemProfilerDisplays(fixture('mac-intel-hybrid-uhd630-radeonpro560x-si-graphics.json').extraRaw[0].raw);
    expect(displays).toHaveLength(1);
    expect(displays[0]).toMatchObject({
      name: 'Intel UHD Graphics 630',
      vendor: 'intel',
      pciId: '8086:3e9b',
      vramBytes: 1536 * MiB,
      vramField: 'VRAM (Dynamic, Max)',
      hints: { sharedMemory: true },
    });
  });
});

describe('lspci, CPU', () => {
  it('reads bus address, PCI id and revision from lspci -vvv', () => {
    const [gpu] = parseLspci(fixture('amd-linux-rx7900xtx-raphael-si-graphics.json').extraRaw[0].raw);
    expect(gpu).toMatchObject({ busAddress: '03:00.0', vendor: 'amd', pciId: '1002:744c', pciRevision: 'c8' });
    expect(
      parseLspci('01:00.0 VGA compatible controller [0300]: NVIDIA Corporation AD102 [GeForce RTX 4090] [10de:2684] (rev a1)')[0],
    ).toMatchObject({ pciId: '10de:2684', pciRevision: 'a1' });
  });

  it('reads SIMD flags from Linux, Apple Silicon and ARM Linux spellings', () => {
    const recorded = fixture('recorded-linux-nogpu-si.json').raw;
    const cpu = parseSiCpu(recorded.cpu, recorded.cpuFlags, 'x64');
    expect(cpu.simd).toEqual(expect.arrayContaining(['AVX', 'AVX2', 'AVX512F', 'AVX512_VNNI', 'F16C', 'FMA']));
    expect(cpu.logicalCores).toBe(recorded.cpu.cores);
    expect(parseCpuFlags('', 'arm64')).toEqual(['NEON']);
    expect(parseCpuFlags('fp asimd evtstrm aes asimdhp asimddp sve i8mm', 'arm64')).toEqual(['NEON', 'FP16', 'DOTPROD', 'I8MM', 'SVE']);
    expect(parseCpuFlags('fpu sse sse2 pni ssse3', 'x64')).toEqual(['SSE3', 'SSSE3']);
  });
});

describe('GPU catalogue (resources/hardware/gpus.json)', () => {
  it('is valid, large enough, with unique ids and working regexes', () => {
    expect(presets.length).toBeGreaterThanOrEqual(60);
    expect(new Set(presets.map((p) => p.id)).size).toBe(presets.length);
    for (const p of presets) {
      expect(() => new RegExp(p.match, 'i'), p.id).not.toThrow();
      expect(p.source, p.id).toMatch(/^https:\/\//);
      if (p.unifiedMemory || p.integrated) expect(p.vramBytes, p.id).toBeNull();
      else expect(p.vramBytes, p.id).toBeGreaterThan(0);
    }
    const vendors = new Set(presets.map((p) => p.vendor));
    for (const v of ['nvidia', 'amd', 'intel', 'apple']) expect(vendors.has(v as never)).toBe(true);
  });

  it('finds every entry by its own name (no earlier regex shadows it)', () => {
    for (const p of presets) expect(matchGpuPreset({ names: [p.name], vendor: p.vendor }, presets)?.preset.id, p.name).toBe(p.id);
  });

  it('puts specific names before general ones', () => {
    const id = (name: string, pciId?: string, pciRevision?: string) =>
      matchGpuPreset({ names: [name], pciId, pciRevision }, presets)?.preset.id;
    expect(id('NVIDIA GeForce RTX 4090 Laptop GPU')).toBe('nvidia-rtx-4090-laptop');
    expect(id('NVIDIA GeForce RTX 4090')).toBe('nvidia-rtx-4090');
    expect(id('NVIDIA GeForce RTX 4080 SUPER')).toBe('nvidia-rtx-4080-super');
    expect(id('NVIDIA GeForce RTX 3060 Ti')).toBe('nvidia-rtx-3060-ti');
    // A 2019 laptop's power-saving card reports its own name (and a mobile PCI id the desktop entry does not list).
    expect(id('NVIDIA GeForce RTX 2070 with Max-Q Design', '10de:1f10')).toBe('nvidia-rtx-2070-max-q');
    expect(id('NVIDIA GeForce RTX 2060 with Max-Q Design')).toBe('nvidia-rtx-2060-max-q');
    expect(id('NVIDIA GeForce RTX 2070')).toBe('nvidia-rtx-2070');
    expect(id('AMD Radeon RX 7900 XT')).toBe('amd-rx-7900-xt');
    expect(id('AMD Radeon RX 7900 XTX (RADV NAVI31)')).toBe('amd-rx-7900-xtx');
    expect(id('NVIDIA A100-SXM4-80GB')).toBe('nvidia-a100-80gb-sxm');
    expect(id('NVIDIA A100-PCIE-40GB')).toBe('nvidia-a100-40gb-pcie');
    expect(id('NVIDIA H100 80GB HBM3')).toBe('nvidia-h100-sxm');
    expect(id('NVIDIA H100 PCIe')).toBe('nvidia-h100-pcie');
    expect(id('Apple M2 Max')).toBe('apple-m2-max');
    expect(id('AMD Radeon(TM) Graphics')).toBe('amd-radeon-igpu');
    expect(id('Intel(R) Arc(TM) A770 Graphics')).toBe('intel-arc-a770');
    // One name, two cards: the PCI id decides.
    expect(id('NVIDIA GeForce RTX 3080', '10de:220a')).toBe('nvidia-rtx-3080-12gb');
    expect(id('NVIDIA GeForce RTX 3080', '10de:2206')).toBe('nvidia-rtx-3080');
    // A bare Linux "Device 744c": the revision decides; without it, the smaller card is assumed.
    expect(id('Device 744c', '1002:744c', 'c8')).toBe('amd-rx-7900-xtx');
    const ambiguous = matchGpuPreset({ names: ['Device 744c'], pciId: '1002:744c' }, presets);
    expect(ambiguous?.preset.id).toBe('amd-rx-7900-xt');
    expect(ambiguous?.ambiguousWith.map((p) => p.id)).toEqual(['amd-rx-7900-xtx']);
  });
});

describe('sysfs PCIe link', () => {
  const card = {
    card: 'card1',
    busAddress: '0000:03:00.0',
    vendorId: '0x1002',
    deviceId: '0x744c',
    revision: '0xc8',
    driver: 'amdgpu',
    vramTotalBytes: 25753026560,
    vramUsedBytes: 0,
  };
  it("reads max_link_speed and max_link_width as Linux prints them ('16.0 GT/s PCIe', '16')", () => {
    expect(parseSysfsDrmCards([{ ...card, maxLinkSpeed: '16.0 GT/s PCIe', maxLinkWidth: '16' }])[0]?.pcieLink).toEqual({
      gen: 4,
      width: 16,
    });
    expect(parseSysfsDrmCards([{ ...card, maxLinkSpeed: '8.0 GT/s PCIe', maxLinkWidth: '8' }])[0]?.pcieLink).toEqual({ gen: 3, width: 8 });
    expect(parseSysfsDrmCards([{ ...card, maxLinkSpeed: '2.5 GT/s PCIe', maxLinkWidth: '1' }])[0]?.pcieLink).toEqual({ gen: 1, width: 1 });
  });
  it('keeps none where the files are missing or say Unknown', () => {
    expect(parseSysfsDrmCards([card])[0]?.pcieLink).toBeNull();
    expect(parseSysfsDrmCards([{ ...card, maxLinkSpeed: 'Unknown', maxLinkWidth: '255' }])[0]?.pcieLink).toBeNull();
  });
});
