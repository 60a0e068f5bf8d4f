// Hardware detection for every face: detectHardware() gathers what the fast sources say, adds
// node-llama-cpp's cached answer (or waits for it when asked), and merges it all into one
// HardwareSnapshot; applyWhatIf() swaps in hardware the user does not have. Neither throws.
import os from 'node:os';
import { HardwareSnapshotSchema, type Gpu, type GpuPreset, type HardwareSnapshot, type SourceStatus, type WhatIf } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { loadGpuPresets } from '../resources';
import {
  DEFAULT_TIMEOUT_MS,
  collectFast,
  defaultCacheDir,
  defaultCollectors,
  nodeLlamaCppCacheKey,
  readCachedNodeLlamaCpp,
  refreshNodeLlamaCpp,
  type Collectors,
} from './collect';
import { PRESETS_FILE, appleWorkingSetShare, matchGpuPreset, mergeHardware, type RawDetection } from './merge';
import { vendorFromText, type NodeLlamaCppState } from './parsers';
import { readCalibration } from '../probe/calibration-store';

export type { RawDetection } from './merge';
export { mergeHardware, matchGpuPreset } from './merge';
export { defaultCacheDir, measureMemoryBandwidth } from './collect';

export interface DetectHardwareOptions {
  /** Ask node-llama-cpp and re-measure RAM bandwidth now, replacing the cache (about a second). */
  refresh?: boolean;
  /** Without a cached node-llama-cpp answer, wait for one instead of reporting without it. */
  waitForLlama?: boolean;
  /** Where cached answers live (default: RIGHTSIZE_CACHE_DIR, $XDG_CACHE_HOME/rightsize or ~/.cache/rightsize). */
  cacheDir?: string;
  /** GPU catalogue (default: resources/hardware/gpus.json). */
  presets?: GpuPreset[];
  /** Time limit per collector (default 5 s). */
  timeoutMs?: number;
  /** Time limit for node-llama-cpp (default: timeoutMs, at least 5 s: it loads native code). */
  llamaTimeoutMs?: number;
  /** Replaces collectors (tests: a tool that fails or hangs). */
  collectors?: Partial<Collectors>;
  /** When node-llama-cpp's answer is not cached, ask it in the background and cache it (default true). */
  backgroundRefresh?: boolean;
  /** Called with a fresh snapshot once a background node-llama-cpp answer arrives. */
  onLlamaRefreshed?: (snapshot: HardwareSnapshot) => void;
}

let backgroundRefresh: Promise<void> | null = null;

/** Resolves when the background node-llama-cpp refresh (if any) has finished and been cached. */
export function whenBackgroundRefreshDone(): Promise<void> {
  return backgroundRefresh ?? Promise.resolve();
}

function loadPresetsSafely(): GpuPreset[] {
  try {
    return loadGpuPresets();
  } catch {
    return [];
  }
}

function withLlama(raw: RawDetection, state: NodeLlamaCppState | undefined, status: SourceStatus): RawDetection {
  return { ...raw, ...(state ? { nodeLlamaCpp: state } : {}), sources: [...raw.sources.filter((s) => s.id !== 'node-llama-cpp'), status] };
}

function validated(snapshot: HardwareSnapshot, fallback: () => HardwareSnapshot): HardwareSnapshot {
  const result = HardwareSnapshotSchema.safeParse(snapshot);
  if (result.success) return result.data;
  const bad = fallback();
  const problem = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  bad.sources.push({ id: 'systeminformation', status: 'failed', detail: `detected hardware did not validate (${problem}); showing what Node itself reports` });
  return bad;
}

/** What Node alone knows: used when everything else went wrong. */
function minimalSnapshot(presets: GpuPreset[], sources: SourceStatus[]): HardwareSnapshot {
  return mergeHardware(
    {
      platform: process.platform,
      arch: process.arch,
      os: { totalMemBytes: os.totalmem(), freeMemBytes: os.freemem(), cpuModel: os.cpus()[0]?.model, logicalCores: os.availableParallelism?.() ?? os.cpus().length, release: os.release() },
      sources,
    },
    presets,
  );
}

/**
 * Detects this machine's hardware. Fast by default: systeminformation, nvidia-smi, rocm-smi and
 * the other quick sources run in parallel, node-llama-cpp's answer comes from the cache (a file
 * read). Never throws: a source that fails or hangs is marked in `sources`.
 */
export async function detectHardware(options: DetectHardwareOptions = {}): Promise<HardwareSnapshot> {
  const presets = options.presets ?? loadPresetsSafely();
  try {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const collectors: Collectors = { ...defaultCollectors(timeoutMs), ...options.collectors };
    const cacheDir = options.cacheDir ?? defaultCacheDir();
    const raw = await collectFast({ collectors, timeoutMs, cacheDir, refresh: options.refresh });
    const key = nodeLlamaCppCacheKey(raw);
    const llamaTimeoutMs = options.llamaTimeoutMs ?? Math.max(timeoutMs, DEFAULT_TIMEOUT_MS);
    const refreshLlama = () => refreshNodeLlamaCpp({ cacheDir, key, timeoutMs: llamaTimeoutMs, query: collectors.nodeLlamaCpp });

    let merged: RawDetection;
    const cached = options.refresh ? null : await readCachedNodeLlamaCpp(cacheDir, key);
    if (cached) merged = withLlama(raw, cached.state, cached.status);
    else if (options.refresh || options.waitForLlama) {
      const fresh = await refreshLlama();
      merged = withLlama(raw, fresh.state, fresh.status);
    } else {
      const background = options.backgroundRefresh ?? true;
      merged = withLlama(raw, undefined, {
        id: 'node-llama-cpp',
        status: 'skipped',
        detail: background
          ? 'not cached yet for these GPUs and drivers; loading it takes about a second, so it is being asked in the background'
          : 'not cached yet for these GPUs and drivers; refresh to ask it (about a second)',
      });
      if (background) {
        const task = refreshLlama()
          .then((fresh) => {
            if (fresh.state && options.onLlamaRefreshed) options.onLlamaRefreshed(mergeHardware(withLlama(raw, fresh.state, fresh.status), presets));
          })
          .catch(() => undefined);
        backgroundRefresh = task;
        void task.finally(() => {
          if (backgroundRefresh === task) backgroundRefresh = null;
        });
      }
    }
    const snapshot = validated(mergeHardware(merged, presets), () => minimalSnapshot(presets, merged.sources));
    snapshot.cpu.calibration = await readCalibration(cacheDir, snapshot.cpu.model);
    return snapshot;
  } catch (error) {
    return minimalSnapshot(presets, [{ id: 'systeminformation', status: 'failed', detail: `detection failed: ${(error as Error).message}` }]);
  }
}

// ---------------------------------------------------------------- what-if

/** Bandwidth assumed for a what-if GPU that is not in the catalogue: a mid-range desktop card. */
export const WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC = 448e9;

const WHAT_IF_SOURCE = 'what-if';

function backendForVendor(vendor: Gpu['vendor']): Gpu['backend'] {
  if (vendor === 'nvidia') return 'cuda';
  if (vendor === 'apple') return 'metal';
  return 'vulkan';
}

function assumedBandwidth(): Gpu['bandwidthSource'] {
  return {
    kind: 'assumed',
    by: WHAT_IF_SOURCE,
    detail: `${WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC / 1e9} GB/s assumed (a mid-range desktop GPU, RTX 3070 / 4060 Ti class); name a catalogued GPU for its real figure`,
  };
}

function whatIfGpuByName(gpuName: string, vramBytes: number | undefined, ramBytes: number, presets: GpuPreset[]): Gpu {
  const preset = matchGpuPreset({ names: [gpuName] }, presets)?.preset ?? null;
  const vendor = preset?.vendor ?? vendorFromText(gpuName);
  const unified = preset?.unifiedMemory ?? false;
  const notes: string[] = [];
  let vram: number | null;
  let vramSource: Gpu['vramSource'];
  if (vramBytes !== undefined) {
    vram = vramBytes;
    vramSource = { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `VRAM set to ${formatBytes(vramBytes)}` };
  } else if (preset && preset.vramBytes !== null) {
    vram = preset.vramBytes;
    vramSource = { kind: 'catalogued', by: PRESETS_FILE, detail: `VRAM of ${preset.name} (${preset.source})` };
    if (preset.note) notes.push(preset.note);
  } else if (unified) {
    const share = appleWorkingSetShare(ramBytes);
    vram = Math.round(ramBytes * share);
    vramSource = { kind: 'estimated', by: 'rightsize', detail: `${share === 2 / 3 ? '2/3' : '3/4'} of ${formatBytes(ramBytes)} RAM: macOS's default GPU working set` };
  } else {
    vram = null;
    vramSource = { kind: 'assumed', by: WHAT_IF_SOURCE, detail: preset ? `${preset.name} has no VRAM of its own` : 'unknown: give a VRAM size too' };
  }
  if (!preset) notes.push(`No catalogue entry matches "${gpuName}": memory bandwidth is assumed.`);
  const integrated = Boolean(preset?.integrated) || unified;
  return {
    name: preset?.name ?? gpuName,
    vendor,
    vramBytes: integrated && !unified && vramBytes === undefined ? null : vram,
    vramFreeBytes: null,
    backend: backendForVendor(vendor),
    driver: null,
    integrated,
    unifiedMemory: unified,
    unifiedShareOfRam: unified && vram !== null && ramBytes > 0 ? Math.min(1, vram / ramBytes) : null,
    memoryBandwidthBytesPerSec: preset ? preset.memoryBandwidthGBps * 1e9 : WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC,
    tdpWatts: preset?.tdpWatts ?? null,
    source: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: preset ? `"${gpuName}" = catalogue entry ${preset.name}` : `"${gpuName}"` },
    vramSource,
    bandwidthSource: preset ? { kind: 'catalogued', by: PRESETS_FILE, detail: `memory bandwidth of ${preset.name} (${preset.source})` } : assumedBandwidth(),
    alternatives: [],
    notes,
  };
}

function genericWhatIfGpu(vramBytes: number): Gpu {
  return {
    name: `GPU with ${formatBytes(vramBytes)} (what-if)`,
    vendor: 'other',
    vramBytes,
    vramFreeBytes: null,
    backend: 'vulkan',
    driver: null,
    integrated: false,
    unifiedMemory: false,
    unifiedShareOfRam: null,
    memoryBandwidthBytesPerSec: WHAT_IF_DEFAULT_BANDWIDTH_BYTES_PER_SEC,
    tdpWatts: null,
    source: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: 'a GPU this machine does not have' },
    vramSource: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `VRAM set to ${formatBytes(vramBytes)}` },
    bandwidthSource: assumedBandwidth(),
    alternatives: [],
    notes: ['Hypothetical GPU: name one (e.g. --gpu "RTX 4090") for its catalogued bandwidth.'],
  };
}

/**
 * Replaces detected hardware with what the user asks about. `gpuName` alone takes VRAM and
 * bandwidth from the catalogue; `vramBytes` alone resizes this machine's GPU, or adds a generic
 * one where there is none; `vramBytes: 0` means no GPU. The answer describes one GPU at most.
 */
export function applyWhatIf(snapshot: HardwareSnapshot, whatIf: WhatIf, presets: GpuPreset[]): HardwareSnapshot {
  const next: HardwareSnapshot = structuredClone(snapshot);
  const summary: string[] = [];
  if (whatIf.ramBytes !== undefined) {
    next.ram = {
      totalBytes: whatIf.ramBytes,
      availableBytes: null,
      swapTotalBytes: next.ram.swapTotalBytes,
      source: { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `RAM set to ${formatBytes(whatIf.ramBytes)} (detected: ${formatBytes(snapshot.ram.totalBytes)})` },
    };
    summary.push(`RAM ${formatBytes(whatIf.ramBytes)}`);
  }
  const ramBytes = next.ram.totalBytes;

  if (whatIf.vramBytes === 0) {
    next.gpus = [];
    summary.push('no GPU');
  } else if (whatIf.gpuName !== undefined) {
    next.gpus = [whatIfGpuByName(whatIf.gpuName, whatIf.vramBytes, ramBytes, presets)];
    summary.push(`GPU "${whatIf.gpuName}"${whatIf.vramBytes !== undefined ? ` with ${formatBytes(whatIf.vramBytes)}` : ''}`);
  } else if (whatIf.vramBytes !== undefined) {
    const vram = whatIf.vramBytes;
    const primary = next.gpus.find((g) => !g.integrated || g.unifiedMemory) ?? null;
    if (primary) {
      if (primary.vramBytes !== null) {
        primary.alternatives = [...primary.alternatives, { field: 'vramBytes', value: primary.vramBytes, source: primary.vramSource, why: 'replaced by the what-if VRAM' }];
      }
      primary.vramBytes = vram;
      primary.vramFreeBytes = null;
      primary.vramSource = { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `VRAM set to ${formatBytes(vram)}` };
      if (primary.unifiedMemory) primary.unifiedShareOfRam = ramBytes > 0 ? Math.min(1, vram / ramBytes) : null;
      next.gpus = [primary];
    } else next.gpus = [genericWhatIfGpu(vram)];
    summary.push(`VRAM ${formatBytes(vram)}`);
  } else if (whatIf.ramBytes !== undefined) {
    // More or less unified RAM moves Apple's GPU budget with it.
    for (const gpu of next.gpus) {
      if (!gpu.unifiedMemory) continue;
      const share = appleWorkingSetShare(ramBytes);
      gpu.vramBytes = Math.round(ramBytes * share);
      gpu.vramFreeBytes = null;
      gpu.unifiedShareOfRam = share;
      gpu.vramSource = { kind: 'what-if', by: WHAT_IF_SOURCE, detail: `${share === 2 / 3 ? '2/3' : '3/4'} of the what-if ${formatBytes(ramBytes)} RAM (macOS's default GPU working set)` };
    }
  }

  next.whatIf = true;
  next.sources = [...next.sources.filter((s) => s.id !== 'what-if'), { id: 'what-if', status: 'ok', detail: summary.join(', ') || 'no change' }];
  return next;
}

