// llama.cpp's own llama-bench, run on the same file, threads and GPU layers as our benchmark so a
// user sees both figures side by side. It is found on PATH or through RIGHTSIZE_LLAMA_BENCH; the
// renderer can only ask for "the one this host found", never name an executable itself.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { SpeedStats } from '../llama/protocol';

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
      throw new LlamaBenchError(
        `"${options.explicit}" is not an executable llama-bench. Build it (see the README) or leave the path out to use the one on PATH.`,
        'not-found',
      );
    }
    return { path: options.explicit, foundBy: 'flag' };
  }
  const configured = env.RIGHTSIZE_LLAMA_BENCH;
  if (configured) {
    if (!isExecutableFile(configured)) {
      throw new LlamaBenchError(
        `RIGHTSIZE_LLAMA_BENCH="${configured}" is not an executable file. Point it at a built llama-bench or unset it.`,
        'not-found',
      );
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
  /** null where that test failed; `error` says why. */
  pp: (SpeedStats & { threads: number }) | null;
  tg: (SpeedStats & { threads: number }) | null;
  error: string | null;
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

export type LlamaBenchTest = 'pp' | 'tg';

/** One test per run, so a crash in one (seen: llama-bench's AMX prompt path on a VM) leaves the other. */
export function llamaBenchArgs(request: LlamaBenchRequest, test: LlamaBenchTest): string[] {
  const [p, n, t] = test === 'pp' ? [request.promptTokens, 0, request.ppThreads] : [0, request.genTokens, request.tgThreads];
  return [
    '-m',
    request.modelPath,
    '-p',
    String(p),
    '-n',
    String(n),
    '-r',
    String(request.repetitions),
    '-t',
    String(t),
    '-ngl',
    String(request.gpuLayers),
    '-o',
    'json',
  ];
}

/** The row of one test in llama-bench's `-o json` output, with the build it names. */
function parseLlamaBenchOutput(
  stdout: string,
  test: LlamaBenchTest,
  threads: number,
  binary: string,
): { stats: SpeedStats & { threads: number }; version: string | null } {
  let rows: LlamaBenchRow[];
  try {
    rows = LlamaBenchOutputSchema.parse(JSON.parse(stdout));
  } catch (error) {
    throw new LlamaBenchError(
      `llama-bench printed something other than its JSON table (${(error as Error).message.slice(0, 120)}). Is ${binary} llama.cpp's llama-bench?`,
      'bad-output',
    );
  }
  const row = rows.find(
    (r) => (test === 'pp' ? r.n_prompt > 0 && r.n_gen === 0 : r.n_gen > 0 && r.n_prompt === 0) && r.n_threads === threads,
  );
  if (!row) throw new LlamaBenchError(`llama-bench's output has no ${test} row at ${threads} thread(s).`, 'bad-output');
  return {
    stats: { samples: row.samples_ts ?? [row.avg_ts], mean: row.avg_ts, sd: row.stddev_ts, threads: row.n_threads },
    version: row.build_commit ? `${row.build_commit}${row.build_number !== undefined ? ` (${row.build_number})` : ''}` : null,
  };
}

/** Runs llama-bench once as a child process with a time limit; an abort kills it at once. */
function runOnce(binary: string, args: string[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new LlamaBenchError('llama-bench was cancelled.', 'cancelled'));
      return;
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let ended: LlamaBenchError | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const stop = (error: LlamaBenchError): void => {
      ended ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(new LlamaBenchError(`llama-bench ran past ${Math.round(options.timeoutMs / 1000)} s and was stopped.`, 'timeout')),
      options.timeoutMs,
    );
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
        return reject(new LlamaBenchError(`llama-bench exited with ${code ?? signal}${tail ? `: ${tail}` : ''}`, 'failed'));
      }
      resolve(stdout);
    });
  });
}

/**
 * llama-bench's pp test, then its tg test, each in its own run and within one time limit. A test
 * that fails is recorded as failed next to the other; cancel and the time limit end both.
 */
export async function runLlamaBench(
  binary: string,
  request: LlamaBenchRequest,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<LlamaBenchResult> {
  const deadline = Date.now() + options.timeoutMs;
  const result: LlamaBenchResult = { binary, version: null, pp: null, tg: null, error: null };
  const errors: string[] = [];
  let firstCode: LlamaBenchError['code'] = 'failed';
  for (const test of ['pp', 'tg'] as const) {
    const threads = test === 'pp' ? request.ppThreads : request.tgThreads;
    try {
      const stdout = await runOnce(binary, llamaBenchArgs(request, test), { ...options, timeoutMs: Math.max(1, deadline - Date.now()) });
      const parsed = parseLlamaBenchOutput(stdout, test, threads, binary);
      result[test] = parsed.stats;
      result.version ??= parsed.version;
    } catch (error) {
      if (error instanceof LlamaBenchError && (error.code === 'cancelled' || error.code === 'timeout' || error.code === 'not-found'))
        throw error;
      if (errors.length === 0 && error instanceof LlamaBenchError) firstCode = error.code;
      errors.push(`${test}: ${(error as Error).message}`);
    }
  }
  if (!result.pp && !result.tg) throw new LlamaBenchError(errors.join('; '), firstCode);
  result.error = errors.length ? errors.join('; ') : null;
  return result;
}
