// Hardware detection for every face: detectHardware() gathers what the fast sources say, adds
// node-llama-cpp's cached answer (or waits for it when asked), and merges it all into one
// HardwareSnapshot. It never throws.
import { HardwareSnapshotSchema, type GpuPreset, type HardwareSnapshot, type SourceStatus } from '../../shared/schema';
import { loadGpuPresets } from '../resources';
import {
  DEFAULT_TIMEOUT_MS,
  collectFast,
  defaultCollectors,
  nodeOsFacts,
  nodeLlamaCppCacheKey,
  readCachedNodeLlamaCpp,
  refreshNodeLlamaCpp,
  type Collectors,
} from './collect';
import { defaultCacheDir } from './cache';
import { mergeHardware } from './merge/index';
import type { NodeLlamaCppState } from './parsers/node-llama-cpp';
import type { RawDetection } from './raw-detection';

// Until src/node/service.ts and src/cli/ import these from their own modules.
export { defaultCacheDir } from './cache';
export { withWhatIf } from './what-if';

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
  bad.sources.push({
    id: 'systeminformation',
    status: 'failed',
    detail: `detected hardware did not validate (${problem}); showing what Node itself reports`,
  });
  return bad;
}

/** What Node alone knows: used when everything else went wrong. */
function minimalSnapshot(presets: GpuPreset[], sources: SourceStatus[]): HardwareSnapshot {
  return mergeHardware(
    {
      platform: process.platform,
      arch: process.arch,
      os: nodeOsFacts(),
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
            if (fresh.state && options.onLlamaRefreshed)
              options.onLlamaRefreshed(mergeHardware(withLlama(raw, fresh.state, fresh.status), presets));
          })
          .catch(() => undefined);
        backgroundRefresh = task;
        // task cannot reject (caught above), so this promise needs no handler.
        void task.finally(() => {
          if (backgroundRefresh === task) backgroundRefresh = null;
        });
      }
    }
    const snapshot = validated(mergeHardware(merged, presets), () => minimalSnapshot(presets, merged.sources));
    return snapshot;
  } catch (error) {
    return minimalSnapshot(presets, [
      { id: 'systeminformation', status: 'failed', detail: `detection failed: ${(error as Error).message}` },
    ]);
  }
}
