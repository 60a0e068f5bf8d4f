// Loads real GGUF files in the llama child process and checks what llama.cpp reports allocating.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MeasureError,
  measureModel,
  runWorker,
  workerCommand,
  workerEnv,
  workerPath,
  type WorkerRuntime,
} from '../../src/node/llama/measure';
import { parseBufferLine, parseDecodeTimingLine } from '../../src/node/llama/protocol';
import { MiB } from '../../src/shared/units';

const STORIES = new URL('../../../shared/models/stories260K.gguf', import.meta.url).pathname;

describe('llama.cpp buffer lines', () => {
  it('parses the four kinds llama.cpp logs', () => {
    expect(parseBufferLine('load_tensors:   CPU_Mapped model buffer size =  4685.30 MiB')).toEqual({
      device: 'CPU_Mapped',
      kind: 'model',
      bytes: Math.round(4685.3 * MiB),
    });
    expect(parseBufferLine('llama_kv_cache:        CPU KV buffer size =     0.31 MiB')?.kind).toBe('kv');
    expect(parseBufferLine('sched_reserve:      CUDA0 compute buffer size =   258.50 MiB')).toMatchObject({
      device: 'CUDA0',
      kind: 'compute',
    });
    expect(parseBufferLine('llama_context:        CPU  output buffer size =     0.49 MiB')?.kind).toBe('output');
    expect(parseBufferLine('unrelated line')).toBeNull();
  });

  it("reads the decode timer from llama_perf_context_print's eval line, not its prompt line", () => {
    // As llama-context.cpp (80fb11a) formats them.
    const prompt =
      'llama_perf_context_print: prompt eval time =      81.75 ms /   512 tokens (    0.16 ms per token,  6263.07 tokens per second)';
    const gen =
      'llama_perf_context_print:        eval time =     745.31 ms /    64 runs   (   11.65 ms per token,    85.87 tokens per second)';
    expect(parseDecodeTimingLine(prompt)).toBeNull();
    expect(parseDecodeTimingLine(gen)).toEqual({ ms: 745.31, runs: 64 });
    expect(parseDecodeTimingLine('llama_perf_context_print:        load time =     100.00 ms')).toBeNull();
  });
});

describe('measure in a child process', () => {
  it('reports what llama.cpp allocated for the tiny real model', async () => {
    const result = await measureModel({ modelPath: STORIES, contextTokens: 512, kvType: 'f16', gpuLayers: 0, gpu: false, threads: 1 });
    const model = result.buffers.filter((b) => b.kind === 'model').reduce((s, b) => s + b.bytes, 0);
    const kv = result.buffers.filter((b) => b.kind === 'kv').reduce((s, b) => s + b.bytes, 0);
    expect(model).toBeGreaterThan(1.0 * MiB);
    expect(model).toBeLessThan(1.3 * MiB);
    // 2 x 5 layers x 4 KV heads x 8 x 512 cells x 2 bytes = 0.31 MiB
    expect(kv).toBeCloseTo(2 * 5 * 4 * 8 * 512 * 2, -4);
    expect(result.rss.peakBytes).toBeGreaterThan(result.rss.beforeLoadBytes);
  }, 60_000);

  it('a fake GGUF fails with a clear error and the parent stays up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-fake-'));
    const fake = join(dir, 'fake.gguf');
    writeFileSync(fake, 'GGUF this is not a model');
    const started = Date.now();
    await expect(
      measureModel({ modelPath: fake, contextTokens: 512, kvType: 'f16', gpuLayers: 0, gpu: false, threads: 1 }),
    ).rejects.toBeInstanceOf(MeasureError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a load past its time limit is stopped', async () => {
    await expect(
      measureModel({ modelPath: STORIES, contextTokens: 512, kvType: 'f16', gpuLayers: 0, gpu: false, threads: 1 }, { timeoutMs: 50 }),
    ).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('the llama worker inside the Electron app', () => {
  const electronRuntime = (execPath: string): WorkerRuntime => ({
    execPath,
    electronVersion: '41.7.1',
    env: { PATH: process.env.PATH ?? '' },
  });

  it('runs the Electron binary as Node (ELECTRON_RUN_AS_NODE=1), with one libuv thread as everywhere', () => {
    const inApp = workerCommand('/app/out/main/llama-worker.js', { kind: 'measure' }, electronRuntime('/opt/rightsize/rightsize'));
    expect(inApp.command).toBe('/opt/rightsize/rightsize');
    expect(inApp.args).toEqual(['/app/out/main/llama-worker.js', '{"kind":"measure"}']);
    expect(inApp.env).toMatchObject({ ELECTRON_RUN_AS_NODE: '1', UV_THREADPOOL_SIZE: '1' });

    const inNode = workerEnv({ execPath: '/usr/bin/node', electronVersion: undefined, env: { PATH: '/usr/bin' } });
    expect(inNode).toEqual({ PATH: '/usr/bin', UV_THREADPOOL_SIZE: '1' });
  });

  // A stand-in for the Electron binary: without ELECTRON_RUN_AS_NODE it would open the app again.
  // A shell script, so not on Windows.
  it.skipIf(process.platform === 'win32')(
    'measures through an Electron-like binary only with ELECTRON_RUN_AS_NODE set',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rightsize-fake-electron-'));
      const fakeElectron = join(dir, 'rightsize');
      writeFileSync(
        fakeElectron,
        `#!/bin/sh\nif [ "$ELECTRON_RUN_AS_NODE" != 1 ]; then echo "fake Electron: opening a second rightsize window" >&2; exit 7; fi\nexec "${process.execPath}" "$@"\n`,
      );
      chmodSync(fakeElectron, 0o755);
      const payload = { kind: 'measure', modelPath: STORIES, contextTokens: 512, kvType: 'f16', gpuLayers: 0, gpu: false, threads: 1 };
      const answer = (await runWorker(payload, 'loading stories260K', { timeoutMs: 60_000, runtime: electronRuntime(fakeElectron) })) as {
        buffers: unknown[];
      };
      expect(answer.buffers.length).toBeGreaterThan(0);

      const withoutRunAsNode: WorkerRuntime = { ...electronRuntime(fakeElectron), electronVersion: undefined };
      await expect(runWorker(payload, 'loading stories260K', { timeoutMs: 60_000, runtime: withoutRunAsNode })).rejects.toMatchObject({
        code: 'crashed',
        message: expect.stringContaining('opening a second rightsize window'),
      });
    },
    60_000,
  );

  it('runs the worker from inside app.asar, not from app.asar.unpacked, where its imports would not resolve', () => {
    const resources = mkdtempSync(join(tmpdir(), 'rightsize-packaged-'));
    for (const archive of ['app.asar', 'app.asar.unpacked']) {
      mkdirSync(join(resources, archive, 'out', 'main', 'chunks'), { recursive: true });
      writeFileSync(join(resources, archive, 'out', 'main', 'llama-worker.js'), '');
    }
    const chunkInArchive = pathToFileURL(join(resources, 'app.asar', 'out', 'main', 'chunks', 'service.js')).href;
    expect(workerPath(chunkInArchive)).toBe(join(resources, 'app.asar', 'out', 'main', 'llama-worker.js'));
  });
});
