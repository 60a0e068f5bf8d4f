// The uncalibrated RAM bandwidth has to read the same from launch to launch on a noisy machine:
// many short reads, the fastest kept, within a time budget. Checked here with a fake reader and clock.
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allThreadsBufferBytes,
  bestOfReads,
  getMemoryBandwidth,
  MIN_THREADS_FOR_ALL,
  measureAllThreadsBandwidth,
  measureMemoryBandwidth,
  type TimedRead,
} from '../../src/node/hardware/memory-bandwidth';
import { effectiveCpuBandwidth } from '../../src/node/hardware/merge/host';
import { MiB } from '../../src/shared/units';

/** A reader whose reads take the given times, on a fake clock that each read and each gap advances. */
function fakeMachine(readMs: number[], bytes = 16 * MiB) {
  let clock = 0;
  const gaps: number[] = [];
  return {
    gaps,
    options: {
      read: (index: number): TimedRead => {
        const ms = readMs[index % readMs.length] as number;
        clock += ms;
        return { bytes, ms };
      },
      now: () => clock,
      wait: async (ms: number) => {
        gaps.push(ms);
        clock += ms;
      },
    },
  };
}

describe('best of several short reads', () => {
  it('keeps the fastest read: a busy moment slows one read, it never speeds one up', async () => {
    // 16 MiB in 1.3 ms is ~12.9 GB/s, in 0.5 ms ~33.6 GB/s: the same machine, busy and then not.
    const m = fakeMachine([1.3, 1.3, 0.5, 1.1, 0.52, 1.3]);
    const r = await bestOfReads({ ...m.options, maxReads: 6, minReads: 1, budgetMs: 1000, gapMs: 2 });
    expect(r.reads).toBe(6);
    expect(r.bestMs).toBe(0.5);
    expect(r.bestBytesPerSec).toBeCloseTo((16 * MiB) / 0.0005, 0);
    expect(r.samplesBytesPerSec).toHaveLength(6);
    expect(Math.max(...r.samplesBytesPerSec)).toBe(r.bestBytesPerSec);
  });

  it('gives the same figure whichever moment the slow reads fall in', async () => {
    const quietFirst = await bestOfReads({
      ...fakeMachine([0.5, 1.3, 1.3, 1.3]).options,
      maxReads: 8,
      minReads: 1,
      budgetMs: 1000,
      gapMs: 1,
    });
    const busyFirst = await bestOfReads({
      ...fakeMachine([1.3, 1.3, 1.3, 0.5]).options,
      maxReads: 8,
      minReads: 1,
      budgetMs: 1000,
      gapMs: 1,
    });
    expect(busyFirst.bestBytesPerSec).toBe(quietFirst.bestBytesPerSec);
  });

  it('spreads the reads with gaps and stops at the time budget once the minimum is read', async () => {
    const m = fakeMachine([5]);
    const r = await bestOfReads({ ...m.options, maxReads: 100, minReads: 3, budgetMs: 40, gapMs: 5 });
    // Reads start at 0, 10, 20 and 30 ms (each 5 ms plus a 5 ms gap); the next would start at 40, the budget.
    expect(r.reads).toBe(4);
    expect(m.gaps).toEqual([5, 5, 5]);
    expect(r.elapsedMs).toBe(35);
  });

  it('takes the minimum number of reads even when one read alone is over budget', async () => {
    const r = await bestOfReads({ ...fakeMachine([50]).options, maxReads: 10, minReads: 3, budgetMs: 10, gapMs: 0 });
    expect(r.reads).toBe(3);
  });

  it('never takes more than the maximum', async () => {
    const r = await bestOfReads({ ...fakeMachine([0.1]).options, maxReads: 7, minReads: 1, budgetMs: 1e9, gapMs: 0 });
    expect(r.reads).toBe(7);
  });

  it('never divides by a zero time', async () => {
    const r = await bestOfReads({ ...fakeMachine([0]).options, maxReads: 2, minReads: 1, budgetMs: 10, gapMs: 0 });
    expect(Number.isFinite(r.bestBytesPerSec)).toBe(true);
  });
});

describe('measureMemoryBandwidth', () => {
  it('reads slices of a 128 MiB buffer in turn, several times, within its budget', async () => {
    const m = await measureMemoryBandwidth({ maxReads: 12, minReads: 4, budgetMs: 100, gapMs: 1 });
    expect(m.bufferBytes).toBe(128 * MiB);
    expect(m.readBytes).toBe(16 * MiB);
    expect(m.runs).toBeGreaterThanOrEqual(4);
    expect(m.runs).toBeLessThanOrEqual(12);
    expect(m.bytesPerSec).toBeGreaterThan(1e9);
    // Then every core at once, each thread its own buffer, where there are enough cores for it to matter.
    if (os.availableParallelism() >= MIN_THREADS_FOR_ALL) expect(m.allThreads?.bytesPerSec).toBeGreaterThan(1e9);
    else expect(m.allThreads).toBeUndefined();
  });
});

describe('every core reading at once', () => {
  it('adds up the threads, each over its own buffer: 32 MiB, at least 128 MiB in all, at most 512', async () => {
    const one = await measureAllThreadsBandwidth({ threads: 1, rounds: 1, windowMs: 20 });
    expect(one).toMatchObject({ threads: 1, bufferBytes: 128 * MiB, rounds: 1, windowMs: 20 });
    const two = await measureAllThreadsBandwidth({ threads: 2, rounds: 2, windowMs: 20 });
    expect(two).toMatchObject({ threads: 2, bufferBytes: 64 * MiB });
    expect(two.bytesPerSec).toBeGreaterThan(1e9);
    expect([4, 16, 32].map((n) => allThreadsBufferBytes(n) / MiB)).toEqual([32, 32, 16]);
  });

  it('leaves out an every-core figure that is not a rate from a whole number of threads (a corrupt cache file)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'rightsize-bw-'));
    const base = { bytesPerSec: 30e9, bufferBytes: 128 * MiB, runs: 4, bestRunMs: 1, totalMs: 10 };
    const bad = { bytesPerSec: 90e9, threads: -3, bufferBytes: 64 * MiB, rounds: 2, windowMs: 40 };
    const fresh = await getMemoryBandwidth({ cacheDir, key: 'k', timeoutMs: 1000, measure: () => ({ ...base, allThreads: bad }) });
    expect(fresh.value).toMatchObject({ bytesPerSec: 30e9 });
    expect(fresh.value?.allThreads).toBeUndefined();
    const cached = await getMemoryBandwidth({ cacheDir, key: 'k', timeoutMs: 1000 });
    expect(cached.status.status).toBe('cached');
    expect(cached.value?.allThreads).toBeUndefined();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("sets the CPU's rate where the cores together give llama.cpp more than one core: a 16-core server, not a 2-core VM", () => {
    // The H200 machine: one core 11 GB/s, 16 together 149 (bench/results/cuda-2026-12-04.md).
    const server = effectiveCpuBandwidth({ bytesPerSec: 11e9, detail: 'one core', allThreads: { bytesPerSec: 149e9, threads: 16 } });
    expect(server.bytesPerSec / 1e9).toBeCloseTo((149 * 0.48) / 0.9, 5);
    expect(server.detail).toMatch(
      /^one core\. With 16 cores, llama\.cpp's generation reads about 0\.48 of what all of them read at once \(71\.5 GB\/s\)/,
    );
    // This project's VM: one core 38, two 90 (llama.cpp's two threads read 26): below three threads every core's read is
    // not used, so one core's figure stands; three or more would have set it.
    expect(effectiveCpuBandwidth({ bytesPerSec: 38e9, detail: 'one core', allThreads: { bytesPerSec: 90e9, threads: 2 } })).toEqual({
      bytesPerSec: 38e9,
      detail: 'one core',
    });
    expect(effectiveCpuBandwidth({ bytesPerSec: 38e9 }).bytesPerSec).toBe(38e9);
    expect(effectiveCpuBandwidth({ bytesPerSec: 38e9, allThreads: { bytesPerSec: 90e9, threads: 3 } }).bytesPerSec).toBeCloseTo(48e9, -6);
  });
});

describe('reads in bursts', () => {
  it('pauses only between bursts, and stops at the budget at a burst boundary', async () => {
    const m = fakeMachine([1]);
    const r = await bestOfReads({ ...m.options, maxReads: 100, minReads: 3, budgetMs: 20, gapMs: 5, readsPerBurst: 3 });
    // Bursts of 3 reads (3 ms each burst) with 5 ms gaps start at 0, 8 and 16 ms; the next would start at 24, past 20.
    expect(m.gaps).toEqual([5, 5]);
    expect(r.reads).toBe(9);
  });
});
