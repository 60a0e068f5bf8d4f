// Prompt speed on the GPU, from the user's own benchmark runs. A GPU reads a prompt in batches, bound by its
// compute, not by its memory: a run of one model all on this GPU gives the rate it sustains, in FLOPs per second
// (pp512 x FLOPs per prompt token), and every other row all on the GPU reads its prompts at that rate. Without a
// run a GPU row has no prompt speed: peak TFLOPS and llama.cpp's kernels (MMQ, Metal's simdgroup products,
// Vulkan's coopmat) are too far apart to estimate it from a datasheet.
import type { BenchRecord, HardwareSnapshot, ReportRow } from '../shared/schema';
import { formatTokPerSec } from '../shared/units';
import { PROMPT_TOKENS } from '../shared/defaults';
import { median, recordedHere } from './bench-records';
import type { ModelShape } from './tensors';

/** What a row's prompt FLOPs depend on: its active parameters and its attention's shape. */
export interface PromptWork {
  activeParamsB: number;
  shape: Pick<ModelShape, 'layers' | 'heads' | 'headDim'>;
}

/**
 * Attention over the prompt runs at half the rate of the weights' products: measured so on the CPU
 * (bench/results/long-prompt-2026-12-03.md) and carried to the GPU, whose prompt speed also falls faster with depth
 * than its FLOPs alone say.
 */
const ATTENTION_EFFICIENCY = 0.5;

/** A test model of a few MB keeps the GPU idle between kernels: its run says nothing of the GPU's rate. */
const MIN_RATE_FILE_BYTES = 100 * 2 ** 20;

/** FLOPs per token of an n-token prompt, attention counted at its efficiency: each token meets half the prompt on average. */
export function promptFlopsPerToken(work: PromptWork, tokens: number): number {
  const attention = 4 * work.shape.layers * (tokens / 2) * work.shape.heads * work.shape.headDim;
  return 2 * work.activeParamsB * 1e9 + attention / ATTENTION_EFFICIENCY;
}

/** The FLOP rate this hardware's GPU reads prompts at, from the user's runs with every layer on it. */
interface GpuPromptRate {
  flopsPerSecond: number;
  /** How many runs (one per file, the newest) the rate is the median of. */
  runs: number;
  /** The newest such run per file path. */
  newest: ReadonlyMap<string, BenchRecord>;
}

/**
 * The median FLOP rate of the newest run per file made on this hardware with every layer on the GPU. A record keeps
 * its model's prompt work; one written before it did needs `workOfPath` (a row for the same file) to count.
 */
function gpuPromptRate(
  records: readonly BenchRecord[],
  hardware: HardwareSnapshot,
  workOfPath: (path: string) => PromptWork | undefined,
): GpuPromptRate | null {
  if (hardware.gpus.length === 0) return null;
  const newest = new Map<string, BenchRecord>();
  for (const r of records) {
    if (!recordedHere(r, hardware) || r.gpuLayers < r.totalLayers || !(r.pp.mean > 0)) continue;
    if (r.model.fileBytes !== null && r.model.fileBytes < MIN_RATE_FILE_BYTES) continue;
    const seen = newest.get(r.model.path);
    if (!seen || seen.at < r.at) newest.set(r.model.path, r);
  }
  const rates: number[] = [];
  for (const [path, record] of newest) {
    const kept = record.promptWork;
    const work = kept ? { activeParamsB: kept.activeParamsB, shape: kept } : workOfPath(path);
    if (work) rates.push(record.pp.mean * promptFlopsPerToken(work, record.settings.promptTokens));
    else newest.delete(path);
  }
  return rates.length === 0 ? null : { flopsPerSecond: median(rates), runs: rates.length, newest };
}

/**
 * Rows all on the GPU get a prompt speed (pp512) and the time to read a prompt that fills their context, from the
 * newest run per file of this hardware with every layer on the GPU. `work` gives each row's prompt FLOPs; rows
 * without one, and every row when no such run exists, are returned as they were.
 */
export function applyGpuPromptRuns(
  rows: ReportRow[],
  work: ReadonlyMap<ReportRow, PromptWork>,
  records: readonly BenchRecord[],
  hardware: HardwareSnapshot,
): ReportRow[] {
  const workOfPath = (path: string): PromptWork | undefined => {
    const row = rows.find((r) => r.filePath === path && r.fit === 'gpu');
    return row ? work.get(row) : undefined;
  };
  const found = gpuPromptRate(records, hardware, workOfPath);
  if (!found) return rows;
  const rate = found.flopsPerSecond;
  const runs = `${found.runs} benchmark run${found.runs === 1 ? '' : 's'} all on this GPU`;
  return rows.map((row) => {
    const w = work.get(row);
    if (!w || row.fit !== 'gpu') return row;
    const fullPromptSeconds = (row.contextTokens * promptFlopsPerToken(w, row.contextTokens)) / rate;
    const record = row.filePath ? found.newest.get(row.filePath) : undefined;
    if (record && record.settings.promptTokens === PROMPT_TOKENS)
      return {
        ...row,
        promptTokPerSec: record.pp.mean,
        promptSource: {
          kind: 'measured',
          by: 'rightsize bench',
          detail: `pp${PROMPT_TOKENS} ${formatTokPerSec(record.pp.mean)} ± ${formatTokPerSec(record.pp.sd)} tok/s, run ${record.at.slice(0, 16).replace('T', ' ')} (${record.backend}); a prompt that fills the context is this rate carried to its length, attention at half the rate of the weights' products.`,
        },
        fullPromptSeconds,
      };
    return {
      ...row,
      promptTokPerSec: rate / promptFlopsPerToken(w, PROMPT_TOKENS),
      promptSource: {
        kind: 'estimated',
        by: 'speed.prompt-from-runs',
        detail: `A ${PROMPT_TOKENS}-token prompt at the ${(rate / 1e12).toFixed(1)} TFLOP/s that ${runs} sustained (the median of pp x FLOPs per prompt token): 2 FLOP per active weight, attention over the prompt at half that rate.`,
      },
      fullPromptSeconds,
    };
  });
}
