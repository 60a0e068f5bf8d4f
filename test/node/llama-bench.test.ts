// llama-bench beside our benchmark: finding it, running it with a time limit and a cancel, and
// reading its JSON; a stand-in binary plays llama-bench so this runs on any machine.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLlamaBench, llamaBenchArgs, LlamaBenchError, runLlamaBench, type LlamaBenchRequest } from '../../src/node/bench/llama-bench';
import { compareWithLlamaBench } from '../../src/shared/bench-compare';
import { writeFakeLlamaBench } from '../helpers/fake-llama-bench';

const request: LlamaBenchRequest = {
  modelPath: '/models/x.gguf',
  promptTokens: 512,
  genTokens: 128,
  repetitions: 3,
  ppThreads: 2,
  tgThreads: 1,
  gpuLayers: 0,
};

describe('finding llama-bench', () => {
  it('takes RIGHTSIZE_LLAMA_BENCH first, then PATH, and says when neither has one', () => {
    const a = writeFakeLlamaBench('ok');
    const b = writeFakeLlamaBench('ok');
    expect(findLlamaBench({ env: { PATH: `/nonexistent:${a.dir}` } })).toEqual({ path: a.path, foundBy: 'PATH' });
    expect(findLlamaBench({ env: { PATH: a.dir, RIGHTSIZE_LLAMA_BENCH: b.path } })).toEqual({
      path: b.path,
      foundBy: 'RIGHTSIZE_LLAMA_BENCH',
    });
    expect(findLlamaBench({ env: { PATH: '/nonexistent' } })).toBeNull();
    const notExecutable = join(a.dir, 'notes.txt');
    writeFileSync(notExecutable, 'not a program');
    expect(() => findLlamaBench({ env: { RIGHTSIZE_LLAMA_BENCH: notExecutable } })).toThrow(
      /RIGHTSIZE_LLAMA_BENCH=".*notes.txt" is not an executable file/,
    );
    expect(() => findLlamaBench({ explicit: '/no/such/llama-bench' })).toThrow(/not an executable llama-bench/);
  });

  it('asks for the same test, threads and GPU layers as our run, one test per run', () => {
    expect(llamaBenchArgs(request, 'pp')).toEqual([
      '-m',
      '/models/x.gguf',
      '-p',
      '512',
      '-n',
      '0',
      '-r',
      '3',
      '-t',
      '2',
      '-ngl',
      '0',
      '-o',
      'json',
    ]);
    expect(llamaBenchArgs(request, 'tg')).toEqual([
      '-m',
      '/models/x.gguf',
      '-p',
      '0',
      '-n',
      '128',
      '-r',
      '3',
      '-t',
      '1',
      '-ngl',
      '0',
      '-o',
      'json',
    ]);
  });
});

describe('running llama-bench', () => {
  it('reads pp at the pp thread count and tg at the tg thread count', async () => {
    const fake = writeFakeLlamaBench('ok', { pp: 100, tg: 10 });
    const r = await runLlamaBench(fake.path, request, { timeoutMs: 20_000 });
    expect(r.pp?.threads).toBe(2);
    expect(r.pp?.mean).toBeCloseTo(200, 6);
    expect(r.tg?.threads).toBe(1);
    expect(r.tg?.mean).toBeCloseTo(10, 6);
    expect(r.tg?.samples).toHaveLength(3);
    expect(r.version).toBe('fake123 (1)');
    expect(r.error).toBeNull();
  });

  it('keeps the generation figure when the prompt test crashes, and says why', async () => {
    const fake = writeFakeLlamaBench('pp-crash', { pp: 100, tg: 10 });
    const r = await runLlamaBench(fake.path, request, { timeoutMs: 20_000 });
    expect(r.pp).toBeNull();
    expect(r.tg?.mean).toBeCloseTo(10, 6);
    expect(r.error).toMatch(/pp: llama-bench exited with SIGILL/);
  });

  it.each([
    ['fail', 'failed', /exited with 1: error: failed to load model/],
    ['garbage', 'bad-output', /printed something other than its JSON table/],
  ] as const)('a llama-bench that %s ends in a clear error', async (mode, code, message) => {
    const fake = writeFakeLlamaBench(mode);
    const error = await runLlamaBench(fake.path, request, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlamaBenchError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });

  it('stops a hung llama-bench at the time limit, and at once on cancel', async () => {
    const fake = writeFakeLlamaBench('hang');
    const started = Date.now();
    await expect(runLlamaBench(fake.path, request, { timeoutMs: 1500 })).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(8000);
    const controller = new AbortController();
    const run = runLlamaBench(fake.path, request, { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('comparing with llama-bench', () => {
  const stat = (mean: number, threads: number) => ({ samples: [mean], mean, sd: 0, threads });
  const record = (pp: number, tg: number, tgThreads = 1) => ({
    pp: stat(pp, 1),
    tg: stat(tg, tgThreads),
    threads: { pp: 1, tg: tgThreads, sweep: [] },
    gpuLayers: 0,
    llamaBench: { binary: 'llama-bench', version: null, pp: stat(100, 1), tg: stat(50, tgThreads), error: null },
  });

  it('calls figures within 5% faithful and explains every gap beyond', () => {
    expect(compareWithLlamaBench(record(103, 49))).toEqual({ ppRatio: 1.03, tgRatio: 0.98, gaps: [] });
    const slow = compareWithLlamaBench(record(100, 40, 2));
    expect(slow?.tgRatio).toBeCloseTo(0.8);
    expect(slow?.gaps.join(' ')).toMatch(/Generation is 20% slower than llama-bench, 5\.00 ms more per token: .*worker threads afresh/);
    expect(compareWithLlamaBench(record(80, 50))?.gaps.join(' ')).toMatch(/Prompt processing is 20% slower/);
    expect(
      compareWithLlamaBench({ ...record(1, 1), llamaBench: { binary: 'x', version: null, pp: null, tg: null, error: 'boom' } }),
    ).toBeNull();
    // A prompt test that crashed: the generation ratio still stands, and the failure is said.
    const partial = compareWithLlamaBench({
      ...record(100, 50),
      llamaBench: { binary: 'x', version: null, pp: null, tg: stat(50, 1), error: 'pp: llama-bench exited with SIGILL' },
    });
    expect(partial).toMatchObject({ ppRatio: null, tgRatio: 1 });
    expect(partial?.gaps.join(' ')).toMatch(/no figure for part of the run: pp: llama-bench exited with SIGILL/);
  });
});
