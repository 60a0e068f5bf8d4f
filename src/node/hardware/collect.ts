// Real collectors: ask this machine's tools and record what they said, raw, as a RawDetection.
// Each collector has a time limit and its errors are caught: a tool that is missing, fails or
// hangs is marked so in the source statuses and the rest of the report stands. node-llama-cpp
// (about a second to load) and the memory-bandwidth probe are cached on disk (cache.ts).
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DetectionSourceId, SourceStatus } from '../../shared/schema';
import { MiB } from '../../shared/units';
import { nodeLlamaCppVersion } from '../llama/version';
import { isNodeLlamaCppGpuBackend, type NodeLlamaCppState } from './parsers/node-llama-cpp';
import { parseNvidiaSmiCsv } from './parsers/nvidia-smi';
import { parseRocmSmiJson } from './parsers/rocm-smi';
import type { SysfsCpuTopology, SysfsDrmCard } from './parsers/sysfs';
import { parseSiGraphics } from './parsers/systeminformation';
import type { RawDetection } from './raw-detection';
import { hashKey, readCache, writeCache } from './cache';
import { getMemoryBandwidth, measureMemoryBandwidth, memoryBandwidthCacheKey, type MemoryBandwidthMeasurement } from './memory-bandwidth';
import { errorMessage, withTimeout, type Outcome } from './time-limit';

export const DEFAULT_TIMEOUT_MS = 5000;

/** Marks a tool that is not installed: collectors return this instead of throwing. */
export const UNAVAILABLE = Symbol('unavailable');
type Collected<T> = T | typeof UNAVAILABLE;

/** Runs a collector under a time limit and turns the outcome into a source status. */
async function runCollector<T>(
  id: DetectionSourceId,
  collector: () => Promise<Collected<T>> | Collected<T>,
  timeoutMs: number,
  unavailableDetail = 'not installed',
): Promise<{ value: T | undefined; status: SourceStatus }> {
  const outcome = await withTimeout(collector, timeoutMs);
  if (!outcome.ok)
    return { value: undefined, status: { id, status: outcome.reason, detail: outcome.message, durationMs: outcome.durationMs } };
  if (outcome.value === UNAVAILABLE)
    return { value: undefined, status: { id, status: 'unavailable', detail: unavailableDetail, durationMs: outcome.durationMs } };
  return { value: outcome.value as T, status: { id, status: 'ok', durationMs: outcome.durationMs } };
}

// ---------------------------------------------------------------- external tools

/** Runs a program; resolves UNAVAILABLE when it is not installed, rejects with its message when it fails. */
function runTool(file: string, args: string[], timeoutMs: number): Promise<Collected<string>> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * MiB, windowsHide: true, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve(UNAVAILABLE);
        const detail =
          String(stderr || stdout || '')
            .trim()
            .split('\n')[0] || error.message;
        return reject(new Error(`${file} failed: ${detail}`));
      }
      resolve(stdout);
    });
  });
}

const NVIDIA_SMI_QUERY =
  'index,name,memory.total,memory.free,driver_version,power.limit,power.default_limit,pci.bus_id,pci.device_id,pcie.link.gen.max,pcie.link.width.max';

async function collectNvidiaSmi(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Collected<string>> {
  return runTool('nvidia-smi', [`--query-gpu=${NVIDIA_SMI_QUERY}`, '--format=csv,nounits'], timeoutMs);
}

async function collectRocmSmi(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Collected<{ json: unknown }>> {
  const out = await runTool('rocm-smi', ['--showproductname', '--showmeminfo', 'vram', '--showbus', '--json'], timeoutMs);
  if (out === UNAVAILABLE) return UNAVAILABLE;
  const start = out.indexOf('{');
  if (start < 0) throw new Error('rocm-smi printed no JSON');
  return { json: JSON.parse(out.slice(start)) as unknown };
}

const DISPLAY_CLASS_KEY = 'HKLM\\SYSTEM\\ControlSet001\\Control\\Class\\{4d36e968-e325-11ce-bfc1-08002be10318}';

/** `reg query` of each display adapter's DriverDesc, MatchingDeviceId and qwMemorySize (text; parsed by merge). */
async function collectWindowsRegistry(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Collected<string>> {
  const values = ['DriverDesc', 'MatchingDeviceId', 'HardwareInformation.qwMemorySize', 'HardwareInformation.MemorySize'];
  const outputs = await Promise.all(
    values.map(
      (value) => runTool('reg', ['query', DISPLAY_CLASS_KEY, '/s', '/v', value], timeoutMs).catch(() => ''), // "not found" exits 1
    ),
  );
  if (outputs.every((o) => o === UNAVAILABLE)) return UNAVAILABLE;
  return outputs.filter((o): o is string => typeof o === 'string').join('\n');
}

async function collectSystemProfiler(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Collected<{ memory: unknown; displays: unknown }>> {
  const out = await runTool('system_profiler', ['-json', 'SPDisplaysDataType', 'SPMemoryDataType'], timeoutMs);
  if (out === UNAVAILABLE) return UNAVAILABLE;
  const data: unknown = JSON.parse(out);
  return { memory: data, displays: data };
}

async function readText(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

/**
 * Linux's view of a hybrid CPU: the kernel's perf PMUs per core type (Intel: /sys/devices/cpu_core and cpu_atom, each
 * with the list of its CPUs) and, where the kernel sets them, each CPU's relative capacity (Arm big.LITTLE).
 */
export async function collectSysfsCpu(root = '/sys', arch: string = process.arch): Promise<Collected<SysfsCpuTopology>> {
  const coreCpus = await readText(path.join(root, 'devices/cpu_core/cpus'));
  const atomCpus = await readText(path.join(root, 'devices/cpu_atom/cpus'));
  const cpuDir = path.join(root, 'devices/system/cpu');
  let capacities: Record<string, number> | null = null;
  // Capacities count on Arm only (parseSysfsCpuTopology): elsewhere a many-core server is spared a file per CPU.
  if (arch === 'arm64' && (await readText(path.join(cpuDir, 'cpu0/cpu_capacity'))) !== null) {
    capacities = {};
    const names = (await readdir(cpuDir).catch(() => [] as string[])).filter((n) => /^cpu\d+$/.test(n));
    for (const name of names) {
      const text = await readText(path.join(cpuDir, name, 'cpu_capacity'));
      if (text !== null && /^\d+$/.test(text)) capacities[name.slice(3)] = Number(text);
    }
  }
  if (coreCpus === null && atomCpus === null && capacities === null) return UNAVAILABLE;
  return { coreCpus, atomCpus, capacities };
}

/** Linux DRM devices: PCI ids, revision and amdgpu's own VRAM size (mem_info_vram_total). */
async function collectSysfsDrm(root = '/sys/class/drm'): Promise<Collected<SysfsDrmCard[]>> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => /^card\d+$/.test(n));
  } catch {
    return UNAVAILABLE;
  }
  const cards: SysfsDrmCard[] = [];
  for (const card of names) {
    const dir = path.join(root, card, 'device');
    const pciClass = await readText(path.join(dir, 'class'));
    if (pciClass && !/^0x03/i.test(pciClass)) continue;
    const uevent = (await readText(path.join(dir, 'uevent'))) ?? '';
    const total = await readText(path.join(dir, 'mem_info_vram_total'));
    const used = await readText(path.join(dir, 'mem_info_vram_used'));
    cards.push({
      card,
      busAddress: /PCI_SLOT_NAME=(\S+)/.exec(uevent)?.[1] ?? null,
      vendorId: await readText(path.join(dir, 'vendor')),
      deviceId: await readText(path.join(dir, 'device')),
      revision: await readText(path.join(dir, 'revision')),
      driver: /DRIVER=(\S+)/.exec(uevent)?.[1] ?? null,
      vramTotalBytes: total !== null && /^\d+$/.test(total) ? Number(total) : null,
      vramUsedBytes: used !== null && /^\d+$/.test(used) ? Number(used) : null,
      maxLinkSpeed: await readText(path.join(dir, 'max_link_speed')),
      maxLinkWidth: await readText(path.join(dir, 'max_link_width')),
    });
  }
  return cards;
}

type SiRaw = NonNullable<RawDetection['si']>;

/** systeminformation's graphics, mem, cpu, cpuFlags and osInfo, each with its own time limit. */
async function collectSystemInformation(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ value: SiRaw; status: SourceStatus }> {
  const started = performance.now();
  let si: typeof import('systeminformation');
  try {
    si = (await import('systeminformation')).default;
  } catch (error) {
    return { value: {}, status: { id: 'systeminformation', status: 'unavailable', detail: errorMessage(error) } };
  }
  const calls = {
    graphics: () => si.graphics(),
    mem: () => si.mem(),
    cpu: () => si.cpu(),
    cpuFlags: () => si.cpuFlags(),
    osInfo: () => si.osInfo(),
  } as const;
  const names = Object.keys(calls) as Array<keyof typeof calls>;
  const outcomes = await Promise.all(names.map((name) => withTimeout<unknown>(calls[name], timeoutMs)));
  const value: SiRaw = {};
  const problems: string[] = [];
  let worst: SourceStatus['status'] = 'ok';
  names.forEach((name, i) => {
    const outcome = outcomes[i] as Outcome<unknown>;
    if (outcome.ok) {
      if (name === 'cpuFlags') value.cpuFlags = typeof outcome.value === 'string' ? outcome.value : '';
      else value[name] = outcome.value;
    } else {
      problems.push(`${name}(): ${outcome.message}`);
      if (worst !== 'timeout') worst = outcome.reason;
    }
  });
  const status: SourceStatus = { id: 'systeminformation', status: worst, durationMs: Math.round(performance.now() - started) };
  if (problems.length) status.detail = problems.join('; ');
  return { value, status };
}

// ---------------------------------------------------------------- node-llama-cpp

/** Loads node-llama-cpp (prebuilt binaries only), asks what it sees, and lets it go. */
async function queryNodeLlamaCpp(): Promise<NodeLlamaCppState> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: 'auto', build: 'never', logLevel: LlamaLogLevel.error, logger: () => {}, progressLogs: false });
  try {
    const [deviceNames, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
    return {
      backend: llama.gpu,
      deviceNames,
      vram: { total: vram.total, used: vram.used, free: vram.free, unifiedSize: vram.unifiedSize },
    };
  } finally {
    await llama.dispose().catch(() => undefined);
  }
}

/** The GPUs and drivers the fast sources see: node-llama-cpp's cached answer is valid while these stay the same. */
export function nodeLlamaCppCacheKey(raw: RawDetection): string {
  const gpus = [
    ...parseSiGraphics(raw.si?.graphics).map((g) => `${g.vendor}|${g.name}|${g.driver ?? ''}`),
    ...(raw.nvidiaSmi ? parseNvidiaSmiCsv(raw.nvidiaSmi).map((g) => `nvidia-smi|${g.name}|${g.driver ?? ''}`) : []),
    ...(raw.rocmSmi?.json !== undefined ? parseRocmSmiJson(raw.rocmSmi.json).map((g) => `rocm-smi|${g.name}`) : []),
  ].sort();
  return hashKey({ platform: raw.platform, arch: raw.arch, nodeLlamaCpp: nodeLlamaCppVersion(), gpus });
}

const NODE_LLAMA_CPP_CACHE = 'node-llama-cpp';

function isNodeLlamaCppState(value: unknown): value is NodeLlamaCppState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<NodeLlamaCppState>;
  return (
    (v.backend === false || isNodeLlamaCppGpuBackend(v.backend)) &&
    Array.isArray(v.deviceNames) &&
    typeof v.vram === 'object' &&
    v.vram !== null &&
    typeof v.vram.total === 'number'
  );
}

/** node-llama-cpp's cached answer for this machine, at once (a file read), or null. */
export async function readCachedNodeLlamaCpp(
  cacheDir: string,
  key: string,
): Promise<{ state: NodeLlamaCppState; status: SourceStatus } | null> {
  const cached = await readCache(cacheDir, NODE_LLAMA_CPP_CACHE, key, isNodeLlamaCppState);
  if (!cached) return null;
  return { state: cached.value, status: { id: 'node-llama-cpp', status: 'cached', detail: `answer cached at ${cached.savedAt}` } };
}

let inflightLlama: Promise<Outcome<NodeLlamaCppState>> | null = null;

/** Asks node-llama-cpp now (about a second), under the time limit, and caches a good answer. */
export async function refreshNodeLlamaCpp(options: {
  cacheDir: string;
  key: string;
  timeoutMs?: number;
  query?: () => Promise<NodeLlamaCppState>;
}): Promise<{ state?: NodeLlamaCppState; status: SourceStatus }> {
  const query = options.query ?? queryNodeLlamaCpp;
  // One load at a time: a background refresh and a waiting caller share it.
  const shared = query === queryNodeLlamaCpp;
  const run = shared && inflightLlama ? inflightLlama : withTimeout(query, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (shared) {
    inflightLlama = run;
    // withTimeout never rejects (a failure is an Outcome), so this promise needs no handler.
    void run.finally(() => {
      if (inflightLlama === run) inflightLlama = null;
    });
  }
  const outcome = await run;
  if (!outcome.ok)
    return { status: { id: 'node-llama-cpp', status: outcome.reason, detail: outcome.message, durationMs: outcome.durationMs } };
  if (!isNodeLlamaCppState(outcome.value))
    return { status: { id: 'node-llama-cpp', status: 'failed', detail: 'unexpected answer', durationMs: outcome.durationMs } };
  await writeCache(options.cacheDir, NODE_LLAMA_CPP_CACHE, options.key, outcome.value);
  return { state: outcome.value, status: { id: 'node-llama-cpp', status: 'ok', durationMs: outcome.durationMs } };
}

// ---------------------------------------------------------------- the fast sources together

/** Every collector detectHardware uses; tests replace some to simulate failures and hangs. */
export interface Collectors {
  systeminformation: () => Promise<{ value: SiRaw; status: SourceStatus }>;
  nvidiaSmi: () => Promise<Collected<string>>;
  rocmSmi: () => Promise<Collected<{ json: unknown }>>;
  sysfsDrm: () => Promise<Collected<SysfsDrmCard[]>>;
  sysfsCpu: () => Promise<Collected<SysfsCpuTopology>>;
  windowsRegistry: () => Promise<Collected<string>>;
  systemProfiler: () => Promise<Collected<{ memory: unknown; displays: unknown }>>;
  nodeLlamaCpp: () => Promise<NodeLlamaCppState>;
  memoryBandwidth: () => MemoryBandwidthMeasurement | Promise<MemoryBandwidthMeasurement>;
}

export function defaultCollectors(timeoutMs = DEFAULT_TIMEOUT_MS): Collectors {
  return {
    systeminformation: () => collectSystemInformation(timeoutMs),
    nvidiaSmi: () => collectNvidiaSmi(timeoutMs),
    rocmSmi: () => collectRocmSmi(timeoutMs),
    sysfsDrm: () => collectSysfsDrm(),
    sysfsCpu: () => collectSysfsCpu(),
    windowsRegistry: () => collectWindowsRegistry(timeoutMs),
    systemProfiler: () => collectSystemProfiler(timeoutMs),
    nodeLlamaCpp: queryNodeLlamaCpp,
    memoryBandwidth: () => measureMemoryBandwidth(),
  };
}

function skipped(id: DetectionSourceId, detail: string): SourceStatus {
  return { id, status: 'skipped', detail };
}

/**
 * Everything but node-llama-cpp, in parallel: systeminformation, nvidia-smi, rocm-smi, sysfs,
 * the Windows registry, system_profiler and the (cached) memory-bandwidth probe.
 */
/** What Node itself knows of the machine: the fallback under every other source. */
export function nodeOsFacts(): RawDetection['os'] {
  return {
    totalMemBytes: os.totalmem(),
    freeMemBytes: os.freemem(),
    cpuModel: os.cpus()[0]?.model,
    logicalCores: os.availableParallelism?.() ?? os.cpus().length,
    release: os.release(),
  };
}

export async function collectFast(options: {
  collectors: Collectors;
  timeoutMs: number;
  cacheDir: string;
  refresh?: boolean;
  platform?: string;
  arch?: string;
}): Promise<RawDetection> {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const { collectors, timeoutMs } = options;
  const bandwidthKey = memoryBandwidthCacheKey(os.cpus()[0]?.model ?? 'unknown', os.totalmem(), arch);

  const siRun = withTimeout(collectors.systeminformation, timeoutMs + 500);
  const [siOutcome, nvidia, rocm, sysfs, sysfsCpu, registry, profiler, bandwidth] = await Promise.all([
    siRun,
    runCollector('nvidia-smi', collectors.nvidiaSmi, timeoutMs),
    platform === 'linux' || platform === 'win32' ? runCollector('rocm-smi', collectors.rocmSmi, timeoutMs) : Promise.resolve(null),
    platform === 'linux' ? withTimeout(collectors.sysfsDrm, timeoutMs) : Promise.resolve(null),
    platform === 'linux' ? withTimeout(collectors.sysfsCpu, timeoutMs) : Promise.resolve(null),
    platform === 'win32' ? runCollector('windows-registry', collectors.windowsRegistry, timeoutMs) : Promise.resolve(null),
    platform === 'darwin' ? runCollector('system_profiler', collectors.systemProfiler, timeoutMs) : Promise.resolve(null),
    getMemoryBandwidth({
      cacheDir: options.cacheDir,
      key: bandwidthKey,
      refresh: options.refresh,
      timeoutMs,
      measure: collectors.memoryBandwidth,
    }),
  ]);

  const sources: SourceStatus[] = [];
  const raw: RawDetection = {
    platform,
    arch,
    detectedAt: new Date().toISOString(),
    os: nodeOsFacts(),
    sources,
  };
  if (siOutcome.ok) {
    raw.si = siOutcome.value.value;
    sources.push(siOutcome.value.status);
  } else sources.push({ id: 'systeminformation', status: siOutcome.reason, detail: siOutcome.message, durationMs: siOutcome.durationMs });

  sources.push(nvidia.status);
  if (nvidia.value !== undefined) raw.nvidiaSmi = nvidia.value;

  if (rocm) {
    sources.push(rocm.status);
    if (rocm.value !== undefined) raw.rocmSmi = rocm.value;
  } else sources.push(skipped('rocm-smi', 'Linux and Windows only'));

  if (sysfs && sysfs.ok && sysfs.value !== UNAVAILABLE) raw.sysfsDrm = sysfs.value;
  if (sysfsCpu && sysfsCpu.ok && sysfsCpu.value !== UNAVAILABLE) raw.sysfsCpu = sysfsCpu.value;

  if (registry) {
    sources.push(registry.status);
    if (registry.value !== undefined) raw.windowsRegistry = registry.value;
  } else sources.push(skipped('windows-registry', 'Windows only'));

  if (profiler) {
    sources.push(profiler.status);
    if (profiler.value !== undefined) raw.systemProfiler = profiler.value;
  } else sources.push(skipped('system_profiler', 'macOS only'));

  sources.push(bandwidth.status);
  if (bandwidth.value) raw.memoryBandwidth = bandwidth.value;
  return raw;
}
