// The memory-bandwidth probe: how fast one core reads RAM, the ceiling of CPU generation speed.
// Measured once per CPU and RAM size and cached. Uncalibrated speeds rest on it, so it has to read
// the same on the same machine: one read is at the mercy of whatever else the cores do that
// moment (12.9 GB/s one launch, 33.3 the next on a shared VM), so it takes many short reads spread
// over a short window and keeps the best, the one nothing else got in the way of.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { SourceStatus } from '../../shared/schema';
import { MiB } from '../../shared/units';
import { hashKey, readCache, writeCache } from './cache';
import { withTimeout } from './time-limit';

const MEMORY_BANDWIDTH_CACHE = 'memory-bandwidth';
/** In the cache key: a value measured by an older method (a single read) is measured again. */
const METHOD_VERSION = 3;

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
  /** Every core reading at once (measureAllThreadsBandwidth); absent where it could not be measured. */
  allThreads?: AllThreadsBandwidth;
}

interface AllThreadsBandwidth {
  bytesPerSec: number;
  threads: number;
  /** Each thread's own buffer. */
  bufferBytes: number;
  rounds: number;
  windowMs: number;
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
  /** Also measure every core reading at once (default true). */
  allThreads?: boolean;
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
  allThreads: true,
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
  // The buffer is freed first; every core's reads come after the single core's, never beside them. With one or two
  // threads llama.cpp is held back by its threads' kernels, not by what they read together (this project's 2-core VM:
  // 26 GB/s against 78-98 read at once), so a small machine is spared the time (half a second on that VM).
  const allThreads =
    o.allThreads && availableThreads() >= MIN_THREADS_FOR_ALL ? await measureAllThreadsBandwidth().catch(() => undefined) : undefined;
  return {
    bytesPerSec: result.bestBytesPerSec,
    bufferBytes,
    readBytes,
    runs: result.reads,
    bestRunMs: result.bestMs,
    totalMs: performance.now() - started,
    fillMs,
    ...(allThreads ? { allThreads } : {}),
  };
}

/**
 * One worker of measureAllThreadsBandwidth, as source (run with eval, so that bundling cannot separate it from this
 * file): fills its own buffer, then on each "go" reads it whole over and over for the window and reports the bytes.
 */
const ALL_THREADS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const buf = Buffer.allocUnsafe(workerData.bytes).fill(1);
parentPort.on('message', (windowMs) => {
  const t0 = performance.now();
  let read = 0;
  while (performance.now() - t0 < windowMs) {
    if (buf.indexOf(0) !== -1) throw new Error('buffer not filled');
    read += buf.length;
  }
  parentPort.postMessage({ read, ms: performance.now() - t0 });
});
parentPort.postMessage('ready');
`;

const availableThreads = (): number => os.availableParallelism?.() ?? os.cpus().length;
/** Fewer threads than this: every core's read is not taken (see measureMemoryBandwidth). */
export const MIN_THREADS_FOR_ALL = 3;

/** Each thread's buffer: 32 MiB, at least 128 MiB in all (past most caches), at most 512 MiB (less each beyond 16 threads). */
export const allThreadsBufferBytes = (threads: number): number =>
  Math.max(Math.ceil(128 / threads), Math.min(32, Math.floor(512 / threads))) * MiB;

/**
 * RAM read bandwidth with every logical core reading its own buffer at once, best of a few short rounds. One core
 * of a many-core machine reads a small share of what all of them do (11-13 GB/s of 149 on a 16-core Xeon server,
 * bench/results/cuda-2026-12-04.md), and llama.cpp's CPU generation uses every core, so the single-thread figure
 * alone undersells such a machine several times. Each thread reads its own buffer; at most 32 threads.
 */
export async function measureAllThreadsBandwidth(
  options: { threads?: number; rounds?: number; windowMs?: number } = {},
): Promise<AllThreadsBandwidth> {
  const threads = Math.max(1, Math.min(32, options.threads ?? availableThreads()));
  const rounds = options.rounds ?? 2;
  const windowMs = options.windowMs ?? 40;
  const bufferBytes = allThreadsBufferBytes(threads);
  const workers = Array.from({ length: threads }, () => new Worker(ALL_THREADS_WORKER, { eval: true, workerData: { bytes: bufferBytes } }));
  const next = (w: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(workers.map(next));
    let best = 0;
    for (let r = 0; r < rounds; r++) {
      const done = workers.map(next);
      for (const w of workers) w.postMessage(windowMs);
      const results = (await Promise.all(done)) as Array<{ read: number; ms: number }>;
      best = Math.max(
        best,
        results.reduce((sum, x) => sum + x.read / (x.ms / 1000), 0),
      );
    }
    return { bytesPerSec: best, threads, bufferBytes, rounds, windowMs };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
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
  const single =
    m.readBytes === undefined || m.readBytes >= m.bufferBytes
      ? `single-thread read bandwidth: memchr over a ${buffer}, best of ${m.runs} runs (${m.bestRunMs.toFixed(1)} ms)`
      : `single-thread read bandwidth: memchr over ${Math.round(m.readBytes / MiB)} MiB slices of a ${buffer}, best of ${m.runs} reads in ${Math.round(m.totalMs)} ms (best ${m.bestRunMs.toFixed(2)} ms)`;
  const all = m.allThreads;
  return all
    ? `${single}; ${all.threads} threads at once read ${(all.bytesPerSec / 1e9).toFixed(1)} GB/s (each its own ${Math.round(all.bufferBytes / MiB)} MiB, best of ${all.rounds} rounds of ${all.windowMs} ms)`
    : single;
}

/** What the detection keeps of a measurement. */
function keptOf(
  m: MemoryBandwidthMeasurement,
  detail: string,
): { bytesPerSec: number; detail: string; allThreads?: { bytesPerSec: number; threads: number } } {
  return {
    bytesPerSec: m.bytesPerSec,
    detail,
    // A cache file is read back as it is: a figure that is not a positive rate from a whole number of threads is left out.
    ...(m.allThreads &&
    Number.isFinite(m.allThreads.bytesPerSec) &&
    m.allThreads.bytesPerSec > 0 &&
    Number.isInteger(m.allThreads.threads) &&
    m.allThreads.threads > 0
      ? { allThreads: { bytesPerSec: m.allThreads.bytesPerSec, threads: m.allThreads.threads } }
      : {}),
  };
}

/** The cached measurement for this CPU and RAM, or a new one (a few hundred ms) that is then cached. */
export async function getMemoryBandwidth(options: {
  cacheDir: string;
  key: string;
  refresh?: boolean;
  timeoutMs: number;
  measure?: () => MemoryBandwidthMeasurement | Promise<MemoryBandwidthMeasurement>;
}): Promise<{ value?: ReturnType<typeof keptOf>; status: SourceStatus }> {
  if (!options.refresh) {
    const cached = await readCache(options.cacheDir, MEMORY_BANDWIDTH_CACHE, options.key, isBandwidth);
    if (cached) {
      return {
        value: keptOf(cached.value, `${describeBandwidth(cached.value)}; measured ${cached.savedAt}`),
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
    value: keptOf(outcome.value, describeBandwidth(outcome.value)),
    status: { id: 'memory-bandwidth-probe', status: 'ok', durationMs: outcome.durationMs },
  };
}
