// RAM, CPU and OS: the figure from the most direct source that gave one, with Node's own view
// (or an assumption, said so) when none did.
import type { HardwareSnapshot } from '../../../shared/schema';
import { CPU_ALL_THREADS_SHARE, CPU_BANDWIDTH_EFFICIENCY } from '../../../core/speed';
import { GiB } from '../../../shared/units';
import { MIN_THREADS_FOR_ALL } from '../memory-bandwidth';
import type { NodeLlamaCppFacts } from '../parsers/node-llama-cpp';
import { parseSysfsCpuTopology } from '../parsers/sysfs';
import { parseSystemProfilerMemory } from '../parsers/system-profiler';
import { parseCpuFlags, parseSiCpu, parseSiMem, parseSiOsInfo } from '../parsers/systeminformation';
import type { RawDetection } from '../raw-detection';
import { resolveMetalWorkingSet } from './apple-working-set';
import { safe } from './safe';

export function mergeRam(raw: RawDetection, llama: NodeLlamaCppFacts | null, metalCandidates: number[]): HardwareSnapshot['ram'] {
  const si = safe(() => parseSiMem(raw.si?.mem), { totalBytes: null, availableBytes: null, swapTotalBytes: null });
  if (si.totalBytes) {
    return {
      totalBytes: si.totalBytes,
      availableBytes: si.availableBytes,
      swapTotalBytes: si.swapTotalBytes,
      source: { kind: 'detected', by: 'systeminformation', detail: 'mem().total' },
    };
  }
  const sp = safe(() => parseSystemProfilerMemory(raw.systemProfiler?.memory), {
    totalBytes: null,
    availableBytes: null,
    swapTotalBytes: null,
  });
  const osFree = raw.os?.freeMemBytes !== undefined && raw.os.freeMemBytes >= 0 ? raw.os.freeMemBytes : null;
  if (sp.totalBytes)
    return {
      totalBytes: sp.totalBytes,
      availableBytes: osFree,
      swapTotalBytes: null,
      source: { kind: 'detected', by: 'system_profiler', detail: 'SPMemoryDataType' },
    };
  if (raw.os?.totalMemBytes && raw.os.totalMemBytes > 0) {
    return {
      totalBytes: raw.os.totalMemBytes,
      availableBytes: osFree,
      swapTotalBytes: null,
      source: { kind: 'detected', by: 'node:os', detail: 'os.totalmem()' },
    };
  }
  if (llama?.ramTotalBytes)
    return {
      totalBytes: llama.ramTotalBytes,
      availableBytes: null,
      swapTotalBytes: null,
      source: { kind: 'detected', by: 'node-llama-cpp', detail: 'inspect gpu: RAM total' },
    };
  const fromMetal = resolveMetalWorkingSet(metalCandidates, null);
  if (fromMetal) {
    return {
      totalBytes: fromMetal.impliedRamBytes,
      availableBytes: null,
      swapTotalBytes: null,
      source: {
        kind: 'estimated',
        by: 'llama.cpp metal log',
        detail: "from Metal's recommendedMaxWorkingSetSize, which macOS sets to about 2/3 of RAM (3/4 above 36 GB)",
      },
    };
  }
  return {
    totalBytes: 8 * GiB,
    availableBytes: null,
    swapTotalBytes: null,
    source: { kind: 'assumed', by: 'rightsize', detail: 'no source reported RAM; 8 GB assumed' },
  };
}

/**
 * Efficiency cores from the core counts alone, as systeminformation counts them on Linux from lscpu: where the
 * performance cores run two threads and the efficiency cores one (every Intel hybrid with Hyper-Threading on: 12th to
 * 14th gen Core, Core Ultra series 1), threads = 2P + E and cores = P + E, so E = 2 x cores - threads (an i7-12700H:
 * 14 cores, 20 threads, 8 E-cores); a CPU whose every core runs two threads has none. Without SMT the counts cannot
 * tell: the Core Ultra 200 and 300 families whose splits are published are known by name and core count
 * (NO_SMT_HYBRIDS); any other, or Hyper-Threading off, stays unknown.
 */
function windowsEfficiencyCores(physical: number, logical: number, model: string): { efficiencyCores: number; detail: string } | null {
  if (logical === physical) {
    for (const family of NO_SMT_HYBRIDS) {
      const performance = family.name.test(model) ? family.performanceByCores[physical] : undefined;
      if (performance !== undefined)
        return {
          efficiencyCores: physical - performance,
          detail: `${performance} P-cores and ${physical - performance} E-cores, the published split of ${family.family}'s ${physical}-core parts`,
        };
    }
    return null;
  }
  if (!(logical > physical && logical <= 2 * physical)) return null;
  return {
    efficiencyCores: 2 * physical - logical,
    detail: `${2 * physical - logical} E-cores from ${physical} cores and ${logical} threads (P-cores run two threads, E-cores one)`,
  };
}

/**
 * Intel hybrids without SMT whose split the counts cannot give: a family by name, and within it the P-cores for each
 * core count its parts are sold with (a count not listed, e.g. a VM given some of the cores, stays unknown). Each
 * family cites where its splits are published.
 */
const NO_SMT_HYBRIDS: ReadonlyArray<{ family: string; name: RegExp; performanceByCores: Readonly<Record<number, number>> }> = [
  // Lunar Lake (Core Ultra 200V): every one of its nine SKUs is 4 P-cores and 4 LP E-cores (Intel's launch, 2024-09:
  // https://beebom.com/intel-announces-core-ultra-200v-lunar-lake/).
  { family: 'Lunar Lake', name: /\bultra\s+[579]\s+2\d\dv\b/i, performanceByCores: { 8: 4 } },
  // Arrow Lake-S desktop parts (K, KF, F, T or none) and the -HX laptop parts, cut from the same two dies, 8P+16E and
  // 6P+8E: 285K 8P+16E, 265K 8P+12E, 245K 6P+8E
  // (https://techpowerup.com/322252/core-configurations-of-intel-core-ultra-200-arrow-lake-s-desktop-processors-surface);
  // 235 6P+8E and 225 6P+4E
  // (https://fresh.yiaap.com/intel-core-ultra-5-225-vs-core-ultra-5-235-which-is-the-best-budget-gaming-cpu-10440893.html);
  // 275HX 8P+16E (https://tomsguide.com/computing/cpus/intel-core-ultra-9-275hx-cpu-is-the-best-performing-laptop-processor-according-to-new-benchmarks-but-apple-still-beats-it-in-this-key-area).
  { family: 'Arrow Lake-S/HX', name: /\bultra\s+[579]\s+2\d\d(k|kf|f|t|hx)?\b/i, performanceByCores: { 24: 8, 20: 8, 14: 6, 10: 6 } },
  // Arrow Lake-H: the 16-core parts (285H, 265H, 255H) 6P+8E+2 LP E
  // (https://tweakpc.de/news/50403/intel-enthuellt-core-ultra-200h-serie-was-steckt-hinter-den-neuen-lp-island-cores),
  // the 14-core parts (235H, 225H) 4P+8E+2 LP E (https://www.notebookcheck.net/Ultra-5-225H-vs-i5-13420H_18910_14729.247596.0.html).
  { family: 'Arrow Lake-H', name: /\bultra\s+[579]\s+2\d\dh\b/i, performanceByCores: { 16: 6, 14: 4 } },
  // Panther Lake (Core Ultra series 3, X9/X7 or 9/7/5): 4 P-cores on every die, with 8, 4 or no E-cores and 4 LP E-cores
  // (16, 12 or 8 cores; https://www.tomshardware.com/pc-components/cpus/intels-upcoming-panther-lake-family-will-reportedly-feature-new-core-ultra-x-branding-for-fully-specd-igpu-configs-core-ultra-7-and-9-processors-tipped-to-feature-12-xe3-gpu-cores,
  // https://hothardware.com/news/intel-panther-lake-diagram-leak).
  { family: 'Panther Lake', name: /\bultra\s+x?[3579]\s+3\d\d[a-z]*\b/i, performanceByCores: { 16: 4, 12: 4, 8: 4 } },
];

export function mergeCpu(raw: RawDetection, llama: NodeLlamaCppFacts | null): HardwareSnapshot['cpu'] {
  const facts = safe(() => parseSiCpu(raw.si?.cpu, raw.si?.cpuFlags ?? null, raw.arch), null);
  const logical = facts?.logicalCores ?? (raw.os?.logicalCores && raw.os.logicalCores > 0 ? Math.round(raw.os.logicalCores) : null) ?? 1;
  const physical = Math.min(facts?.physicalCores ?? logical, logical) || 1;
  const model = facts?.model ?? raw.os?.cpuModel?.trim() ?? llama?.cpuModel ?? 'Unknown CPU';
  const bandwidth = raw.memoryBandwidth && raw.memoryBandwidth.bytesPerSec > 0 ? raw.memoryBandwidth : null;
  const effective = bandwidth ? effectiveCpuBandwidth(bandwidth) : null;
  const types =
    raw.platform === 'linux'
      ? safe(() => parseSysfsCpuTopology(raw.sysfsCpu, raw.arch), null)
      : raw.platform === 'win32'
        ? windowsEfficiencyCores(physical, logical, model)
        : null;
  const siSource = facts?.model
    ? ({ kind: 'detected', by: 'systeminformation', detail: 'cpu(), cpuFlags()' } as const)
    : ({ kind: 'detected', by: 'node:os', detail: 'os.cpus()' } as const);
  return {
    model,
    vendor: facts?.vendor ?? null,
    physicalCores: Math.max(1, Math.round(physical)),
    logicalCores: Math.max(1, Math.round(logical)),
    // Linux's own lists of core types, or on Windows the core counts and the parts known by name (windowsEfficiencyCores:
    // systeminformation always says 0 there, which is no answer); else systeminformation's, from lscpu's threads per
    // core (Linux: 0 on a hybrid CPU without SMT) and the core clusters (macOS).
    efficiencyCores: types ? types.efficiencyCores : raw.platform === 'win32' ? null : (facts?.efficiencyCores ?? null),
    simd: facts?.simd.length ? facts.simd : parseCpuFlags('', raw.arch),
    memoryBandwidthBytesPerSec: effective?.bytesPerSec ?? null,
    bandwidthSource: effective ? { kind: 'measured', by: 'memory-bandwidth-probe', detail: effective.detail } : null,
    allCoresBandwidth: effective?.allCores ?? null,
    oneCoreBandwidthBytesPerSec: bandwidth?.bytesPerSec ?? null,
    source: types ? { ...siSource, detail: `${siSource.detail}; core types: ${types.detail}` } : siSource,
  };
}

export function mergeOs(raw: RawDetection): HardwareSnapshot['os'] {
  const info = safe(() => parseSiOsInfo(raw.si?.osInfo), { platform: null, distro: null, release: null, arch: null });
  const fromSi = info.distro !== null || info.release !== null;
  return {
    platform: raw.platform || info.platform || 'unknown',
    distro: info.distro,
    release: info.release ?? raw.os?.release ?? null,
    arch: raw.arch || info.arch || 'unknown',
    source: fromSi
      ? { kind: 'detected', by: 'systeminformation', detail: 'osInfo()' }
      : { kind: 'detected', by: 'node:os', detail: 'process.platform, process.arch' },
  };
}

/**
 * The CPU's read bandwidth as the speed estimates take it (times CPU_BANDWIDTH_EFFICIENCY): one core's, or, where
 * every core reading at once gives llama.cpp more (CPU_ALL_THREADS_SHARE of it), that share in the same terms.
 */
export function effectiveCpuBandwidth(m: NonNullable<RawDetection['memoryBandwidth']>): {
  bytesPerSec: number;
  detail: string;
  /** Every core's read, where it set the figure. */
  allCores?: { bytesPerSec: number; threads: number };
} {
  const detail = m.detail ?? 'single-thread read bandwidth (memchr over a 128 MiB buffer)';
  // Below MIN_THREADS_FOR_ALL threads llama.cpp is held back by its threads, not by RAM: such a read (an old cache's) is
  // not used.
  const all = m.allThreads && m.allThreads.threads >= MIN_THREADS_FOR_ALL ? m.allThreads : undefined;
  const fromAll = all && all.bytesPerSec > 0 ? (all.bytesPerSec * CPU_ALL_THREADS_SHARE) / CPU_BANDWIDTH_EFFICIENCY : 0;
  if (!all || fromAll <= m.bytesPerSec) return { bytesPerSec: m.bytesPerSec, detail };
  return {
    bytesPerSec: fromAll,
    allCores: { bytesPerSec: all.bytesPerSec, threads: all.threads },
    detail: `${detail}. With ${all.threads} cores, llama.cpp's generation reads about ${CPU_ALL_THREADS_SHARE} of what all of them read at once (${((all.bytesPerSec * CPU_ALL_THREADS_SHARE) / 1e9).toFixed(1)} GB/s), more than one core gives; shown as ${(fromAll / 1e9).toFixed(1)} GB/s, which the estimates take at ${CPU_BANDWIDTH_EFFICIENCY}`,
  };
}
