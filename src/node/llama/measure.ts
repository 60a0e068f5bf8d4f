// Runs the llama child process with a time limit and turns its answer, its crash or its silence
// into a result or a clear error. The app and the CLI stay up whatever the child does.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DeviceMemory } from '../../shared/schema';
import { GgufError, type GgufHeader } from '../../core/gguf-types';
import { readGgufHeader } from '../models/gguf-file';
import {
  BenchManyResultSchema,
  BenchProgressSchema,
  BenchResultSchema,
  MeasureResultSchema,
  WorkerFailureSchema,
  type BenchProgress,
  type BenchRequest,
  type BenchResult,
  type MeasureRequest,
  type MeasureResult,
} from './protocol';

export class MeasureError extends Error {
  constructor(
    message: string,
    readonly code: 'timeout' | 'crashed' | 'failed' | 'no-worker' | 'cancelled',
  ) {
    super(message);
    this.name = 'MeasureError';
  }
}

/**
 * The built child entry (out/main/llama-worker.js), found by walking up from `moduleUrl` (this
 * module: src/ in tests, out/main/ or out/main/chunks/ in the build, inside app.asar when packaged).
 * In the packaged app this stays the app.asar path even where an app.asar.unpacked copy exists: the
 * child runs as Electron-as-node, which reads the archive, and the worker's own imports (its chunks,
 * zod, node-llama-cpp's dependencies) resolve only next to the archived copy. node-llama-cpp finds
 * its unpacked native binaries by itself.
 */
export function workerPath(moduleUrl: string = import.meta.url): string {
  for (const up of ['./', '../', '../../', '../../../']) {
    for (const candidate of [`${up}llama-worker.js`, `${up}out/main/llama-worker.js`]) {
      const path = fileURLToPath(new URL(candidate, moduleUrl));
      if (existsSync(path)) return path;
    }
  }
  throw new MeasureError('The llama worker is not built (out/main/llama-worker.js). Run `npm run build`.', 'no-worker');
}

/** What starts the llama worker: this process's own program, and the environment it gets. */
export interface WorkerRuntime {
  /** node for the CLI and web mode; in the app, the Electron binary. */
  execPath: string;
  /** process.versions.electron: set inside the app. */
  electronVersion: string | undefined;
  env: NodeJS.ProcessEnv;
}

function currentRuntime(): WorkerRuntime {
  return { execPath: process.execPath, electronVersion: process.versions.electron, env: process.env };
}

/**
 * The child's environment. One libuv worker thread: node-llama-cpp runs each decode on libuv's
 * pool, and with the default four pool threads successive tokens start on different threads, so
 * llama.cpp's per-token worker threads keep landing on busy cores. Measured here (2-core Xeon, 2
 * threads): Qwen2.5 0.5B Q8_0 tg 40 -> 63 tok/s, Llama 3.2 1B Q4_K_M 21 -> 24, stories260K 105 -> 650.
 * Inside the app, execPath is the Electron binary: without ELECTRON_RUN_AS_NODE it would open a
 * second app instead of running the worker script.
 */
export function workerEnv(runtime: WorkerRuntime = currentRuntime()): NodeJS.ProcessEnv {
  return { ...runtime.env, UV_THREADPOOL_SIZE: '1', ...(runtime.electronVersion ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
}

/** The program, arguments and environment that run the worker with one request. */
export function workerCommand(
  worker: string,
  payload: object,
  runtime: WorkerRuntime = currentRuntime(),
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return { command: runtime.execPath, args: [worker, JSON.stringify(payload)], env: workerEnv(runtime) };
}

/** Threads for llama.cpp: the physical cores, never more (oversubscribing a small box runs 100x slower). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(cpus().length, 8));
}

/**
 * Runs the llama worker with a JSON request; resolves with its last line (the answer), passes the
 * lines before it (progress events) to `onEvent`, and turns a crash, a hang or a cancel into a
 * MeasureError. The child is killed at once on timeout or cancel.
 */
export function runWorker(
  payload: object,
  label: string,
  options: { timeoutMs: number; signal?: AbortSignal; onEvent?: (event: unknown) => void; runtime?: WorkerRuntime },
): Promise<unknown> {
  const { command, args, env } = workerCommand(workerPath(), payload, options.runtime);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, windowsHide: true });
  let pending = '';
  let last: unknown = null;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!line) continue;
      try {
        const value: unknown = JSON.parse(line);
        if (value && typeof value === 'object' && (value as { event?: unknown }).event === 'progress') options.onEvent?.(value);
        else last = value;
      } catch {
        // llama.cpp may print to stdout; only our JSON lines count
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() =>
        reject(
          new MeasureError(
            `${label} took longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped. Try a smaller context, fewer tokens or fewer repetitions, or raise the time limit.`,
            'timeout',
          ),
        ),
      );
    }, options.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
      finish(() => reject(new MeasureError('Cancelled.', 'cancelled')));
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort);
    child.on('error', (error) => finish(() => reject(new MeasureError(`Could not start the llama worker: ${error.message}`, 'failed'))));
    child.on('exit', (code, signal) => {
      const failure = WorkerFailureSchema.safeParse(last);
      if (failure.success) return finish(() => reject(new MeasureError(`${label} failed: ${failure.data.error}`, 'failed')));
      if (last !== null && code === 0) return finish(() => resolve(last));
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(() =>
        reject(
          new MeasureError(
            `The llama worker ${signal ? `was killed by ${signal}` : `exited with code ${code}`} during ${label}${tail ? `: ${tail}` : ''}. The file may be corrupt or need more memory than is free.`,
            'crashed',
          ),
        ),
      );
    });
  });
}

/** Checks the header first: llama.cpp can hang or abort on a file that is not a GGUF. */
async function checkModelFile(path: string): Promise<GgufHeader> {
  try {
    return await readGgufHeader(path);
  } catch (error) {
    if (error instanceof GgufError) throw new MeasureError(error.message, 'failed');
    throw error;
  }
}

export async function measureModel(
  request: Omit<MeasureRequest, 'kind' | 'threads'> & { threads?: number },
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<MeasureResult> {
  await checkModelFile(request.modelPath);
  const payload: MeasureRequest = { kind: 'measure', threads: request.threads ?? defaultThreads(), ...request };
  const answer = await runWorker(payload, `loading ${request.modelPath}`, {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const ok = MeasureResultSchema.safeParse(answer);
  if (!ok.success) throw new MeasureError(`The llama worker answered something unexpected: ${ok.error.message}`, 'crashed');
  return ok.data;
}

export async function benchModel(
  request: Omit<BenchRequest, 'kind' | 'vocabSize'>,
  options: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (p: BenchProgress) => void } = {},
): Promise<BenchResult> {
  const header = await checkModelFile(request.modelPath);
  const embd = header.tensors.find((t) => t.name === 'token_embd.weight');
  const payload: BenchRequest = { kind: 'bench', vocabSize: embd?.dims[1] ?? 32000, ...request };
  const answer = await runWorker(payload, `benchmarking ${request.modelPath}`, {
    timeoutMs: options.timeoutMs ?? 600_000,
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => {
      const p = BenchProgressSchema.safeParse(event);
      if (p.success) options.onProgress?.(p.data);
    },
  });
  const ok = BenchResultSchema.safeParse(answer);
  if (!ok.success) throw new MeasureError(`The llama worker answered something unexpected: ${ok.error.message}`, 'crashed');
  return ok.data;
}

/** Several benchmarks in one child process (node-llama-cpp loads once): the probe. */
export async function benchManyModels(
  items: Array<Omit<BenchRequest, 'kind' | 'vocabSize'> & { inheritThreads?: boolean }>,
  options: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (p: BenchProgress) => void } = {},
): Promise<BenchResult[]> {
  const payloadItems = [];
  for (const item of items) {
    const header = await checkModelFile(item.modelPath);
    const embd = header.tensors.find((t) => t.name === 'token_embd.weight');
    payloadItems.push({ kind: 'bench' as const, vocabSize: embd?.dims[1] ?? 32000, ...item });
  }
  const answer = await runWorker({ kind: 'bench-many', items: payloadItems }, 'the speed probe', {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => {
      const p = BenchProgressSchema.safeParse(event);
      if (p.success) options.onProgress?.(p.data);
    },
  });
  const ok = BenchManyResultSchema.safeParse(answer);
  if (!ok.success) throw new MeasureError(`The llama worker answered something unexpected: ${ok.error.message}`, 'crashed');
  return ok.data.results;
}

const GPU_DEVICE = /^(CUDA\d*|ROCm\d*|Vulkan\d*|Metal|MTL\d*|SYCL\d*|CANN\d*|OpenCL\d*|BLAS\d*)$/i;

function emptyDevice(): DeviceMemory {
  return { weightsBytes: 0, repackBytes: 0, kvBytes: 0, computeBytes: 0, outputBytes: 0, overheadBytes: 0, totalBytes: 0 };
}

/** Sorts llama.cpp's buffer lines into the same per-device fields the estimate uses. */
export function buffersByDevice(buffers: MeasureResult['buffers']): { gpu: DeviceMemory; cpu: DeviceMemory } {
  const gpu = emptyDevice();
  const cpu = emptyDevice();
  for (const b of buffers) {
    const onGpu = GPU_DEVICE.test(b.device);
    const d = onGpu ? gpu : cpu;
    if (b.kind === 'model') {
      if (/REPACK/i.test(b.device)) cpu.repackBytes += b.bytes;
      else d.weightsBytes += b.bytes;
    } else if (b.kind === 'kv') d.kvBytes += b.bytes;
    else if (b.kind === 'compute') d.computeBytes += b.bytes;
    else d.outputBytes += b.bytes;
  }
  for (const d of [gpu, cpu]) d.totalBytes = d.weightsBytes + d.kvBytes + d.computeBytes + d.outputBytes + d.overheadBytes;
  return { gpu, cpu };
}
