// llama.cpp's own llama-bench, run on the same file, threads and GPU layers as our benchmark so a
// user sees both figures side by side. It is found on PATH or through RIGHTSIZE_LLAMA_BENCH; the
// renderer can only ask for "the one this host found", never name an executable itself.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { SpeedStats } from './llama/protocol';

export interface LlamaBenchBinary {
  path: string;
  /** How it was found: the environment variable, a CLI flag, or PATH. */
  foundBy: 'RIGHTSIZE_LLAMA_BENCH' | 'flag' | 'PATH';
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class LlamaBenchError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'failed' | 'timeout' | 'cancelled' | 'bad-output',
  ) {
    super(message);
  }
}

/** The llama-bench to use: an explicit path (flag), RIGHTSIZE_LLAMA_BENCH, or the first on PATH. */
export function findLlamaBench(options: { explicit?: string; env?: NodeJS.ProcessEnv } = {}): LlamaBenchBinary | null {
  const env = options.env ?? process.env;
  if (options.explicit !== undefined) {
    if (!isExecutableFile(options.explicit)) {
      throw new LlamaBenchError(`"${options.explicit}" is not an executable llama-bench. Build it (see the README) or leave the path out to use the one on PATH.`, 'not-found');
    }
    return { path: options.explicit, foundBy: 'flag' };
  }
  const configured = env.RIGHTSIZE_LLAMA_BENCH;
  if (configured) {
    if (!isExecutableFile(configured)) {
      throw new LlamaBenchError(`RIGHTSIZE_LLAMA_BENCH="${configured}" is not an executable file. Point it at a built llama-bench or unset it.`, 'not-found');
    }
    return { path: configured, foundBy: 'RIGHTSIZE_LLAMA_BENCH' };
  }
  const names = process.platform === 'win32' ? ['llama-bench.exe'] : ['llama-bench'];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return { path: candidate, foundBy: 'PATH' };
    }
  }
  return null;
}

/** The fields of llama-bench's `-o json` rows that we read. */
const LlamaBenchRowSchema = z.object({
  build_commit: z.string().optional(),
  build_number: z.number().optional(),
  backends: z.string().optional(),
  n_threads: z.number(),
  n_gpu_layers: z.number().optional(),
  n_prompt: z.number(),
  n_gen: z.number(),
  avg_ts: z.number(),
  stddev_ts: z.number(),
  samples_ts: z.array(z.number()).optional(),
});
const LlamaBenchOutputSchema = z.array(LlamaBenchRowSchema);
type LlamaBenchRow = z.infer<typeof LlamaBenchRowSchema>;

export interface LlamaBenchResult {
  binary: string;
  version: string | null;
  backends: string | null;
  pp: SpeedStats & { threads: number };
  tg: SpeedStats & { threads: number };
}

export interface LlamaBenchRequest {
  modelPath: string;
  promptTokens: number;
  genTokens: number;
  repetitions: number;
  ppThreads: number;
  tgThreads: number;
  gpuLayers: number;
}

export function llamaBenchArgs(request: LlamaBenchRequest): string[] {
  const threads = [...new Set([request.ppThreads, request.tgThreads])].join(',');
  return ['-m', request.modelPath, '-p', String(request.promptTokens), '-n', String(request.genTokens), '-r', String(request.repetitions), '-t', threads, '-ngl', String(request.gpuLayers), '-o', 'json'];
}

/** Picks the pp row at the pp thread count and the tg row at the tg thread count. */
export function parseLlamaBenchOutput(stdout: string, request: LlamaBenchRequest, binary: string): LlamaBenchResult {
  let rows: LlamaBenchRow[];
  try {
    rows = LlamaBenchOutputSchema.parse(JSON.parse(stdout));
  } catch (error) {
    throw new LlamaBenchError(`llama-bench printed something other than its JSON table (${(error as Error).message.slice(0, 120)}). Is ${binary} llama.cpp's llama-bench?`, 'bad-output');
  }
  const pick = (kind: 'pp' | 'tg', threads: number): LlamaBenchRow => {
    const row = rows.find((r) => (kind === 'pp' ? r.n_prompt > 0 && r.n_gen === 0 : r.n_gen > 0 && r.n_prompt === 0) && r.n_threads === threads);
    if (!row) throw new LlamaBenchError(`llama-bench's output has no ${kind} row at ${threads} thread(s).`, 'bad-output');
    return row;
  };
  const pp = pick('pp', request.ppThreads);
  const tg = pick('tg', request.tgThreads);
  const stats = (row: LlamaBenchRow): SpeedStats & { threads: number } => ({ samples: row.samples_ts ?? [row.avg_ts], mean: row.avg_ts, sd: row.stddev_ts, threads: row.n_threads });
  return {
    binary,
    version: pp.build_commit ? `${pp.build_commit}${pp.build_number !== undefined ? ` (${pp.build_number})` : ''}` : null,
    backends: pp.backends ?? null,
    pp: stats(pp),
    tg: stats(tg),
  };
}

/** Runs llama-bench as a child process with a time limit; an abort kills it at once. */
export function runLlamaBench(binary: string, request: LlamaBenchRequest, options: { timeoutMs: number; signal?: AbortSignal }): Promise<LlamaBenchResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new LlamaBenchError('cancelled before llama-bench started', 'cancelled'));
      return;
    }
    const child = spawn(binary, llamaBenchArgs(request), { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let ended: LlamaBenchError | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const stop = (error: LlamaBenchError): void => {
      ended ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new LlamaBenchError(`llama-bench ran past ${Math.round(options.timeoutMs / 1000)} s and was stopped.`, 'timeout')), options.timeoutMs);
    const onAbort = (): void => stop(new LlamaBenchError('llama-bench was cancelled.', 'cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      finish();
      reject(new LlamaBenchError(`could not start llama-bench at ${binary}: ${error.message}`, 'not-found'));
    });
    child.on('close', (code, signal) => {
      finish();
      if (ended) return reject(ended);
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-3).join(' / ');
        return reject(new LlamaBenchError(`llama-bench exited with ${code ?? signal}: ${tail || 'no message'}`, 'failed'));
      }
      try {
        resolve(parseLlamaBenchOutput(stdout, request, binary));
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}
