// Hybrid CPUs: Linux's own lists of core types (Intel's cpu_core/cpu_atom PMUs, Arm's cpu_capacity) give the
// efficiency cores that lscpu's single "threads per core" misses, and -t leaves them out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { threadsFor } from '../../src/node/command-methods';
import { collectSysfsCpu, UNAVAILABLE } from '../../src/node/hardware/collect';
import { mergeCpu } from '../../src/node/hardware/merge/host';
import { parseCpuList, parseSysfsCpuTopology } from '../../src/node/hardware/parsers/sysfs';
import type { RawDetection } from '../../src/node/hardware/raw-detection';
import type { HardwareSnapshot } from '../../src/shared/schema';
import { formatCores } from '../../src/shared/units';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A Core Ultra 7 265K (8 P-cores, 12 E-cores, no SMT) on Linux. The lscpu lines are those published in llama.cpp
 * issue #28625 (CPU(s): 20, Thread(s) per core: 1); systeminformation turns them into 20 cores and, with one thread per
 * core, 0 efficiency cores. The cpulists follow the kernel's perf documentation (tools/perf/Documentation/
 * intel-hybrid.txt: P-cores first, E-cores after them); their exact numbers are constructed.
 */
function ultra265k(sysfsCpu?: RawDetection['sysfsCpu']): RawDetection {
  return {
    platform: 'linux',
    arch: 'x64',
    si: { cpu: { manufacturer: 'Intel', brand: 'Core™ Ultra 7 265K', physicalCores: 20, cores: 20, efficiencyCores: 0 } },
    sources: [],
    ...(sysfsCpu ? { sysfsCpu } : {}),
  };
}

function snapshotWith(cpu: HardwareSnapshot['cpu']): HardwareSnapshot {
  return {
    os: { platform: 'linux', distro: null, release: null, arch: 'x64', source: { kind: 'detected', by: 'test' } },
    cpu,
    ram: { totalBytes: 64 * 2 ** 30, availableBytes: null, swapTotalBytes: null, source: { kind: 'detected', by: 'test' } },
    gpus: [],
    sources: [],
    whatIf: false,
    detectedAt: '2026-12-04T00:00:00Z',
  };
}

describe('cpulists', () => {
  it('reads the kernel format and refuses anything else', () => {
    expect(parseCpuList('0-15')).toHaveLength(16);
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('')).toBeNull();
    expect(parseCpuList('3-1')).toBeNull();
    expect(parseCpuList('cpu0')).toBeNull();
  });
});

describe('efficiency cores from sysfs', () => {
  it('counts Intel cpu_atom CPUs (Alder Lake 12900K as in the kernel docs: 0-15 P threads, 16-23 E-cores)', () => {
    expect(parseSysfsCpuTopology({ coreCpus: '0-15', atomCpus: '16-23', capacities: null }, 'x64')?.efficiencyCores).toBe(8);
  });

  it('a cpu_core list alone is a hybrid CPU with its E-cores off: none', () => {
    expect(parseSysfsCpuTopology({ coreCpus: '0-15', atomCpus: null, capacities: null }, 'x64')?.efficiencyCores).toBe(0);
  });

  it('Arm: cores well under the fastest one are little cores; equal capacities mean none; x86 capacities are ignored', () => {
    // A big.LITTLE board such as RK3588: four Cortex-A55s and four Cortex-A76s (capacities constructed).
    const rk = { coreCpus: null, atomCpus: null, capacities: { 0: 414, 1: 414, 2: 414, 3: 414, 4: 1024, 5: 1024, 6: 1024, 7: 1024 } };
    expect(parseSysfsCpuTopology(rk, 'arm64')?.efficiencyCores).toBe(4);
    expect(parseSysfsCpuTopology({ ...rk, capacities: { 0: 1024, 1: 1024 } }, 'arm64')?.efficiencyCores).toBe(0);
    // This project's x86 VM publishes cpu_capacity 1024 on each CPU; on x86 AMD's compact cores could read lower too.
    expect(parseSysfsCpuTopology(rk, 'x64')).toBeNull();
    expect(parseSysfsCpuTopology('garbage', 'arm64')).toBeNull();
  });

  it('the merged CPU takes sysfs over systeminformation, says so, and falls back without it', () => {
    const withTypes = mergeCpu(ultra265k({ coreCpus: '0-7', atomCpus: '8-19', capacities: null }), null);
    expect(withTypes.physicalCores).toBe(20);
    expect(withTypes.efficiencyCores).toBe(12);
    expect(withTypes.source.detail).toMatch(/cpu_atom.*12 efficiency cores/);
    expect(formatCores(withTypes)).toBe('20c/20t, 8P+12E');

    const siOnly = mergeCpu(ultra265k(), null);
    expect(siOnly.efficiencyCores).toBe(0); // systeminformation's answer: wrong, and all there is without sysfs
    expect(formatCores(siOnly)).toBe('20c/20t');
    // A Windows capture never reads sysfs, and systeminformation's 0 there is no answer: the 265K is known by name.
    const onWindows = mergeCpu({ ...ultra265k({ coreCpus: '0-7', atomCpus: '8-19', capacities: null }), platform: 'win32' }, null);
    expect(onWindows.efficiencyCores).toBe(12);
    expect(onWindows.source.detail).not.toMatch(/cpu_atom/);
  });
});

describe('efficiency cores on Windows, from the core counts', () => {
  const windows = (brand: string, physicalCores: number, cores: number): RawDetection => ({
    platform: 'win32',
    arch: 'x64',
    // systeminformation on Windows: the counts right, efficiencyCores always 0.
    si: { cpu: { manufacturer: 'Intel', brand, physicalCores, cores, efficiencyCores: 0 } },
    sources: [],
  });

  it('Hyper-Threaded P-cores and single-thread E-cores: E = 2 x cores - threads (Intel ARK core and thread counts)', () => {
    expect(mergeCpu(windows('Core™ i7-12700H', 14, 20), null).efficiencyCores).toBe(8); // 6P + 8E
    expect(mergeCpu(windows('Core™ i7-12700H', 14, 20), null).source.detail).toMatch(/core types: 8 E-cores from 14 cores and 20 threads/);
    expect(mergeCpu(windows('Core™ Ultra 5 245K', 14, 14), null).source.detail).toMatch(
      /6 P-cores and 8 E-cores, the published split of Arrow Lake-S\/HX's 14-core parts/,
    );
    expect(mergeCpu(windows('Core™ i9-13900K', 24, 32), null).efficiencyCores).toBe(16); // 8P + 16E
    expect(mergeCpu(windows('Core™ Ultra 7 155H', 16, 22), null).efficiencyCores).toBe(10); // 6P + 8E + 2 LP E
    expect(mergeCpu(windows('Core™ i5-12400', 6, 12), null).efficiencyCores).toBe(0); // 6P, no E-cores
    expect(mergeCpu(windows('Ryzen 9 7950X', 16, 32), null).efficiencyCores).toBe(0);
    // No SMT: the counts cannot tell (a Snapdragon X Elite is 12 equal cores, an unknown part stays unknown)...
    expect(mergeCpu(windows('Snapdragon X Elite', 12, 12), null).efficiencyCores).toBeNull();
    expect(mergeCpu(windows('Core™ Ultra 3 205', 8, 8), null).efficiencyCores).toBeNull();
    // ...but the Core Ultra 200 and 300 families whose splits are published are known by name and count.
    expect(mergeCpu(windows('Core™ Ultra 7 258V', 8, 8), null).efficiencyCores).toBe(4);
    expect(mergeCpu(windows('Core™ Ultra 9 285K', 24, 24), null).efficiencyCores).toBe(16);
    expect(mergeCpu(windows('Core™ Ultra 7 265KF', 20, 20), null).efficiencyCores).toBe(12);
    expect(mergeCpu(windows('Core™ Ultra 5 245K', 14, 14), null).efficiencyCores).toBe(8);
    expect(mergeCpu(windows('Core™ Ultra 7 255H', 16, 16), null).efficiencyCores).toBe(10);
    expect(mergeCpu(windows('Core™ Ultra 5 225H', 14, 14), null).efficiencyCores).toBe(10); // 4P + 8E + 2 LP E
    expect(mergeCpu(windows('Core™ Ultra 5 225', 10, 10), null).efficiencyCores).toBe(4); // 6P + 4E
    expect(mergeCpu(windows('Core™ Ultra 5 235', 14, 14), null).efficiencyCores).toBe(8); // 6P + 8E
    expect(mergeCpu(windows('Core™ Ultra 9 275HX', 24, 24), null).efficiencyCores).toBe(16); // 8P + 16E
    expect(mergeCpu(windows('Core™ Ultra 7 255HX', 20, 20), null).efficiencyCores).toBe(12); // 8P + 12E
    expect(mergeCpu(windows('Core™ Ultra X9 388H', 16, 16), null).efficiencyCores).toBe(12); // 4P + 8E + 4 LP E
    expect(mergeCpu(windows('Core™ Ultra 5 338H', 12, 12), null).efficiencyCores).toBe(8); // 4P + 4E + 4 LP E
    // Core Ultra 200U parts run two threads on their P-cores: the counts give them (2P + 8E + 2 LP E, 14 threads).
    expect(mergeCpu(windows('Core™ Ultra 7 265U', 12, 14), null).efficiencyCores).toBe(10);
    // A name with another count (a VM given some of the cores) is not trusted.
    expect(mergeCpu(windows('Core™ Ultra 7 265K', 8, 8), null).efficiencyCores).toBeNull();
    expect(mergeCpu(windows('Core™ Ultra 7 255H', 12, 12), null).efficiencyCores).toBeNull();
    expect(threadsFor(snapshotWith(mergeCpu(windows('Core™ Ultra 5 226V', 8, 8), null)))).toBe(4);
    expect(mergeCpu(windows('Core™ Ultra 7 155H', 16, 22), null).efficiencyCores).toBe(10);
  });

  it('-t is the performance cores there: 6 on an i7-12700H (was 8, two of them E-cores)', () => {
    expect(threadsFor(snapshotWith(mergeCpu(windows('Core™ i7-12700H', 14, 20), null)))).toBe(6);
    expect(threadsFor(snapshotWith(mergeCpu(windows('Core™ Ultra 7 265K', 20, 20), null)))).toBe(8);
    expect(threadsFor(snapshotWith(mergeCpu(windows('Core™ Ultra 5 245K', 14, 14), null)))).toBe(6);
    expect(threadsFor(snapshotWith(mergeCpu(windows('Core™ Ultra 5 225H', 14, 14), null)))).toBe(4);
    expect(threadsFor(snapshotWith(mergeCpu(windows('Core™ Ultra X7 358H', 16, 16), null)))).toBe(4);
  });
});

describe('-t on a hybrid CPU', () => {
  const base = mergeCpu(ultra265k({ coreCpus: '0-7', atomCpus: '8-19', capacities: null }), null);

  it('uses the performance cores only, even where every core read RAM together', () => {
    expect(threadsFor(snapshotWith(base))).toBe(8);
    expect(threadsFor(snapshotWith({ ...base, allCoresBandwidth: { bytesPerSec: 90e9, threads: 20 } }))).toBe(8);
    // Without the sysfs lists, systeminformation's 0 lets every core in when all of them set the bandwidth.
    const siOnly = mergeCpu(ultra265k(), null);
    expect(threadsFor(snapshotWith({ ...siOnly, allCoresBandwidth: { bytesPerSec: 90e9, threads: 20 } }))).toBe(20);
  });

  it('a laptop with 4 P-cores and 8 E-cores (i5-1340P) gets 4, not 8; an M2 (4+4) gets 4', () => {
    expect(threadsFor(snapshotWith({ ...base, physicalCores: 12, logicalCores: 16, efficiencyCores: 8 }))).toBe(4);
    expect(threadsFor(snapshotWith({ ...base, physicalCores: 8, logicalCores: 8, efficiencyCores: 4 }))).toBe(4);
    expect(threadsFor(snapshotWith({ ...base, physicalCores: 6, logicalCores: 12, efficiencyCores: 0 }))).toBe(6);
  });
});

describe('collectSysfsCpu', () => {
  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'rightsize-sysfs-'));
    dirs.push(root);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), `${text}\n`);
    }
    return root;
  }

  it('reads the PMU lists and each CPU capacity; an empty tree is unavailable', async () => {
    const root = tree({
      'devices/cpu_core/cpus': '0-15',
      'devices/cpu_atom/cpus': '16-23',
      'devices/system/cpu/cpu0/cpu_capacity': '1024',
      'devices/system/cpu/cpu16/cpu_capacity': '530',
      'devices/system/cpu/cpufreq/policy0': 'x',
    });
    expect(await collectSysfsCpu(root, 'arm64')).toEqual({ coreCpus: '0-15', atomCpus: '16-23', capacities: { 0: 1024, 16: 530 } });
    // On x86 the capacities are not read (they do not count there).
    expect(await collectSysfsCpu(root, 'x64')).toEqual({ coreCpus: '0-15', atomCpus: '16-23', capacities: null });
    expect(await collectSysfsCpu(tree({ 'devices/system/cpu/online': '0-1' }), 'arm64')).toBe(UNAVAILABLE);
  });
});
