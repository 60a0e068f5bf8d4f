// The memory-bandwidth probe: how fast one core reads RAM, the ceiling of CPU generation speed.
// Measured once per CPU and RAM size and cached. Uncalibrated speeds rest on it, so it has to read
// the same on the same machine: one read is at the mercy of whatever else the cores do that
// moment (12.9 GB/s one launch, 33.3 the next on a shared VM), so it takes many short reads spread
// over a short window and keeps the best, the one nothing else got in the way of.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceStatus } from '../../shared/schema';
import { MiB } from '../../shared/units';
import { hashKey, readCache, writeCache } from './cache';
import { withTimeout } from './time-limit';

const MEMORY_BANDWIDTH_CACHE = 'memory-bandwidth';
/** In the cache key: a value measured by an older method (a single read) is measured again. */
const METHOD_VERSION = 2;

export interface MemoryBandwidthMeasurement {
  bytesPerSec: number;
  bufferBytes: number;
  /** Reads taken; each read `readBytes` (older cache entries read the whole buffer). */
  runs: number;
  readBytes?: number;
  bestRunMs: number;
  /** Filling the buffer plus every read and the gaps between them. */
  totalMs: number;
  /** Filling the buffer alone: the page faults of a fresh allocation, often most of the time. */
  fillMs?: number;
}

/** One timed read: how many bytes it read and how long it took. */
export interface TimedRead {
  bytes: number;
  ms: number;
}

export interface BestOfReadsOptions {
  /** Performs read number `index` and times it. */
  read: (index: number) => TimedRead;
  /** Stop after this many reads. */
  maxReads: number;
  /** Never fewer than this many reads, whatever the budget. */
  minReads: number;
  /** No read starts later than this after the first (once `minReads` are taken). */
  budgetMs: number;
  /** Pause between bursts: spreads them over the window (a busy moment passes) and lets the event loop run. */
  gapMs: number;
  /**
   * Reads taken back to back after each pause (default 1). Right after a wake-up a process has a
   * fresh time slice, so a short burst is rarely cut; and on a loaded machine every wake-up can wait
   * for a core, so fewer of them keep the budget.
   */
  readsPerBurst?: number;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

export interface BestOfReads {
  bestBytesPerSec: number;
  bestMs: number;
  bestBytes: number;
  reads: number;
  /** Every read's bytes per second, in order. */
  samplesBytesPerSec: number[];
  elapsedMs: number;
}

/**
 * Takes reads until `maxReads`, or until `budgetMs` is spent once `minReads` are done, and keeps
 * the fastest: on a busy machine a read is slowed by others, never sped up, so the best is the
 * closest to what the memory can do.
 */
export async function bestOfReads(options: BestOfReadsOptions): Promise<BestOfReads> {
  const now = options.now ?? (() => performance.now());
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  const started = now();
  const samples: number[] = [];
  const burst = Math.max(1, options.readsPerBurst ?? 1);
  let best: TimedRead | null = null;
  for (let i = 0; i < options.maxReads; i++) {
    if (i > 0 && i % burst === 0) {
      // The next read would start after the gap: past the budget, it is not taken.
      if (i >= options.minReads && now() - started + options.gapMs >= options.budgetMs) break;
      if (options.gapMs > 0) await wait(options.gapMs);
    }
    const read = options.read(i);
    const ms = Math.max(read.ms, 0.001);
    samples.push(read.bytes / (ms / 1000));
    if (!best || read.bytes / ms > best.bytes / Math.max(best.ms, 0.001)) best = { bytes: read.bytes, ms };
  }
  if (!best) throw new Error('no memory read was taken');
  return {
    bestBytesPerSec: best.bytes / (best.ms / 1000),
    bestMs: best.ms,
    bestBytes: best.bytes,
    reads: samples.length,
    samplesBytesPerSec: samples,
    elapsedMs: now() - started,
  };
}

export interface MeasureMemoryBandwidthOptions {
  /** The buffer, well above any last-level cache (default 128 MiB). */
  bufferBytes?: number;
  /** Each read covers this slice of it, in turn (default 16 MiB: about half a millisecond at 30 GB/s). */
  readBytes?: number;
  maxReads?: number;
  minReads?: number;
  budgetMs?: number;
  gapMs?: number;
  readsPerBurst?: number;
}

/** Defaults: bursts of four reads over about a fifth of a second, in parallel with the other detection sources. */
const MEMORY_BANDWIDTH_DEFAULTS = {
  bufferBytes: 128 * MiB,
  readBytes: 16 * MiB,
  maxReads: 48,
  minReads: 4,
  budgetMs: 200,
  gapMs: 4,
  readsPerBurst: 4,
} as const;

/**
 * Single-thread RAM read bandwidth: Buffer.indexOf of a byte that is not there makes memchr read
 * the whole slice, close to what one core can stream. The buffer is filled first so every page
 * is really backed (an untouched allocation would read the shared zero page, from cache). Reads
 * take the buffer's slices in turn, so the slice read was last touched a whole buffer ago and
 * comes from RAM, not cache; short reads are rarely cut by the scheduler, and the best is kept.
 */
export async function measureMemoryBandwidth(options: MeasureMemoryBandwidthOptions = {}): Promise<MemoryBandwidthMeasurement> {
  const started = performance.now();
  const o = { ...MEMORY_BANDWIDTH_DEFAULTS, ...options };
  const bufferBytes = o.bufferBytes;
  const readBytes = Math.min(o.readBytes, bufferBytes);
  const slices = Math.max(1, Math.floor(bufferBytes / readBytes));
  const buffer = Buffer.allocUnsafe(bufferBytes).fill(1);
  const fillMs = performance.now() - started;
  const result = await bestOfReads({
    read: (index) => {
      const start = (index % slices) * readBytes;
      const slice = buffer.subarray(start, start + readBytes);
      const t0 = performance.now();
      const found = slice.indexOf(0);
      const ms = performance.now() - t0;
      if (found !== -1) throw new Error('memory probe buffer was not filled');
      return { bytes: readBytes, ms };
    },
    maxReads: Math.max(1, o.maxReads),
    minReads: Math.max(1, o.minReads),
    budgetMs: o.budgetMs,
    gapMs: o.gapMs,
    readsPerBurst: o.readsPerBurst,
  });
  return {
    bytesPerSec: result.bestBytesPerSec,
    bufferBytes,
    readBytes,
    runs: result.reads,
    bestRunMs: result.bestMs,
    totalMs: performance.now() - started,
    fillMs,
  };
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
  return hashKey({ cpuModel, ramBytes, arch, method: METHOD_VERSION });
}

function describeBandwidth(m: MemoryBandwidthMeasurement): string {
  const buffer = `${Math.round(m.bufferBytes / MiB)} MiB buffer`;
  if (m.readBytes === undefined || m.readBytes >= m.bufferBytes)
    return `single-thread read bandwidth: memchr over a ${buffer}, best of ${m.runs} runs (${m.bestRunMs.toFixed(1)} ms)`;
  return `single-thread read bandwidth: memchr over ${Math.round(m.readBytes / MiB)} MiB slices of a ${buffer}, best of ${m.runs} reads in ${Math.round(m.totalMs)} ms (best ${m.bestRunMs.toFixed(2)} ms)`;
}

/** The cached measurement for this CPU and RAM, or a new one (a few hundred ms) that is then cached. */
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
