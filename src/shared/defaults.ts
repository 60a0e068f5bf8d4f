// What rightsize assumes when the user names nothing, written once so the CLI's help, the app, the
// request schemas and the service agree.
import type { Precision } from './precision';

/** Context of the report and of `estimate` (an estimate takes the model's maximum when that is less). */
export const DEFAULT_CONTEXT_TOKENS = 8192;
/** Context of `measure`: it really allocates, so it asks for less (or the model's maximum when that is less). */
export const DEFAULT_MEASURE_CONTEXT_TOKENS = 4096;

/**
 * llama-bench's pp512: the benchmark's default prompt, and the prompt the report's prompt speed and
 * time to first token are given for.
 */
export const PROMPT_TOKENS = 512;
/** llama-bench's tg128: tokens generated per generation test. */
export const GEN_TOKENS = 128;
/** llama-bench's default repetitions per test. */
export const BENCH_REPETITIONS = 5;

/** Time limits of the runs that load a model in the llama child process. */
export const BENCH_TIMEOUT_SECONDS = 600;
export const MEASURE_TIMEOUT_SECONDS = 300;

/** Precision of a catalog model when `estimate` is given none: the usual download, close to the original's quality. */
export const DEFAULT_PRECISION = 'Q4_K_M' satisfies Precision;
