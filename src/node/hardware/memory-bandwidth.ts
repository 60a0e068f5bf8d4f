// The memory-bandwidth probe: how fast one core reads RAM, the ceiling of CPU generation speed.
// Measured once per CPU and RAM size (well under 200 ms) and cached.
import type { SourceStatus } from '../../shared/schema';
import { MiB } from '../../shared/units';
import { hashKey, readCache, writeCache } from './cache';
import { withTimeout } from './time-limit';

const MEMORY_BANDWIDTH_CACHE = 'memory-bandwidth';

export interface MemoryBandwidthMeasurement {
  bytesPerSec: number;
  bufferBytes: number;
  runs: number;
  bestRunMs: number;
  totalMs: number;
}

/**
 * Single-thread RAM read bandwidth: Buffer.indexOf of a byte that is not there makes memchr read
 * the whole buffer, close to what one core can stream. The buffer is filled first so every page
 * is really backed (an untouched allocation would read the shared zero page, from cache).
 */
export function measureMemoryBandwidth(options: { bufferBytes?: number; runs?: number } = {}): MemoryBandwidthMeasurement {
  const started = performance.now();
  const bufferBytes = options.bufferBytes ?? 128 * MiB;
  const runs = Math.max(1, options.runs ?? 3);
  const buffer = Buffer.allocUnsafe(bufferBytes).fill(1);
  let bestMs = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const found = buffer.indexOf(0);
    const ms = performance.now() - t0;
    if (found !== -1) throw new Error('memory probe buffer was not filled');
    bestMs = Math.min(bestMs, ms);
  }
  const bestSeconds = Math.max(bestMs, 0.001) / 1000;
  return { bytesPerSec: bufferBytes / bestSeconds, bufferBytes, runs, bestRunMs: bestMs, totalMs: performance.now() - started };
}

function isBandwidth(value: unknown): value is MemoryBandwidthMeasurement {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MemoryBandwidthMeasurement).bytesPerSec === 'number' &&
    (value as MemoryBandwidthMeasurement).bytesPerSec > 0
  );
}

export function memoryBandwidthCacheKey(cpuModel: string, ramBytes: number, arch: string): string {
  return hashKey({ cpuModel, ramBytes, arch });
}

function describeBandwidth(m: MemoryBandwidthMeasurement): string {
  return `single-thread read bandwidth: memchr over a ${Math.round(m.bufferBytes / MiB)} MiB buffer, best of ${m.runs} runs (${m.bestRunMs.toFixed(1)} ms)`;
}

/** The cached measurement for this CPU and RAM, or a new one (well under 200 ms) that is then cached. */
export async function getMemoryBandwidth(options: {
  cacheDir: string;
  key: string;
  refresh?: boolean;
  timeoutMs: number;
  measure?: () => MemoryBandwidthMeasurement | Promise<MemoryBandwidthMeasurement>;
}): Promise<{ value?: { bytesPerSec: number; detail: string }; status: SourceStatus }> {
  if (!options.refresh) {
    const cached = await readCache(options.cacheDir, MEMORY_BANDWIDTH_CACHE, options.key, isBandwidth);
    if (cached) {
      return {
        value: { bytesPerSec: cached.value.bytesPerSec, detail: `${describeBandwidth(cached.value)}; measured ${cached.savedAt}` },
        status: { id: 'memory-bandwidth-probe', status: 'cached', detail: `measured at ${cached.savedAt}` },
      };
    }
  }
  const outcome = await withTimeout(options.measure ?? (() => measureMemoryBandwidth()), options.timeoutMs);
  if (!outcome.ok)
    return { status: { id: 'memory-bandwidth-probe', status: outcome.reason, detail: outcome.message, durationMs: outcome.durationMs } };
  if (!isBandwidth(outcome.value))
    return { status: { id: 'memory-bandwidth-probe', status: 'failed', detail: 'no measurement', durationMs: outcome.durationMs } };
  await writeCache(options.cacheDir, MEMORY_BANDWIDTH_CACHE, options.key, outcome.value);
  return {
    value: { bytesPerSec: outcome.value.bytesPerSec, detail: describeBandwidth(outcome.value) },
    status: { id: 'memory-bandwidth-probe', status: 'ok', durationMs: outcome.durationMs },
  };
}
