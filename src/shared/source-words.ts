// Where a speed came from, in a word: the same words in the app and the CLI.
import type { ReportRow, Source } from './schema';
import { formatTokPerSec } from './units';

/** What the RAM bandwidth shown for a CPU is: one core's read, or the share of every core's that llama.cpp reaches. */
export function ramBandwidthScope(cpu: {
  allCoresBandwidth?: { bytesPerSec: number; threads: number } | null;
  bandwidthSource: Source | null;
}): string {
  const all = cpu.allCoresBandwidth;
  if (all) return `for generation: ${all.threads} cores read ${(all.bytesPerSec / 1e9).toFixed(1)} GB/s together`;
  // A catalogued or assumed figure (a planned machine's) is no core's read.
  return cpu.bandwidthSource?.by === 'memory-bandwidth-probe' ? 'one core' : '';
}

/** How a row's speed was arrived at, in a word: measured by a run, corrected by runs, calibrated by the probe, or estimated. */
export function speedWord(source: Source): 'measured' | 'corrected by your runs' | 'calibrated' | 'estimated' {
  if (source.kind === 'measured') return 'measured';
  if (source.by === 'speed.corrected-by-runs') return 'corrected by your runs';
  if (source.by === 'speed.calibrated') return 'calibrated';
  return 'estimated';
}

/** A mark after a speed that is not a plain estimate: measured (✓) or corrected by the user's runs (*). */
export function speedMark(source: Source): string {
  const word = speedWord(source);
  return word === 'measured' ? ' ✓' : word === 'corrected by your runs' ? ' *' : '';
}

/** Where a GPU's prompt rate comes from: a published run of the card, or of cards of its architecture. */
export function promptRateOrigin(source: Source): string {
  if (source.kind === 'estimated') return 'estimated from published runs of cards of its architecture';
  return /this project measured/.test(source.detail ?? '')
    ? 'a llama-bench run of this card this project measured'
    : 'a published llama-bench run of this card';
}

/** A split row's prompt speed with a larger micro-batch, in one sentence for the app and the CLI. */
export function largeUbatchText(lu: { ubatchTokens: number; tokPerSec: number }): string {
  const n = lu.ubatchTokens.toLocaleString('en-US');
  return `With -ub ${lu.ubatchTokens} -b ${lu.ubatchTokens}: ~${formatTokPerSec(lu.tokPerSec)} tok/s for a ${n}-token prompt (estimated: the weights kept in RAM are copied once per ${n} tokens instead of 512; the compute buffers on the GPU grow about ${lu.ubatchTokens / 512}x).`;
}

/** How a row's prompt speed was arrived at, in a word or two. */
export function promptWord(source: Source | null): string {
  if (!source) return 'estimated';
  if (source.kind === 'measured') return 'measured';
  if (source.by === 'speed.prompt-calibrated') return 'calibrated';
  if (source.by === 'speed.prompt-from-runs') return 'from your runs on this GPU';
  if (source.by === 'speed.prompt-catalogued') return 'from a published run of this GPU';
  if (source.by === 'speed.prompt-siblings') return 'estimated from published runs of cards of its architecture';
  if (source.by === 'speed.prompt-split') return 'estimated: the GPU reads it, copying the layers kept in RAM for each batch';
  return 'estimated';
}

/**
 * Where a row has no prompt speed, what would give it one, as the end of a sentence about its wait ("How long X takes
 * to read a full context …", "The wait before the first token …"); null for a row that does not run.
 */
export function promptUnknownPredicate(row: Pick<ReportRow, 'fit' | 'cpuMoeLayers'>, planned: boolean): string | null {
  if (row.fit === 'none') return null;
  if (row.fit === 'partial' && row.cpuMoeLayers)
    return 'with the experts in RAM is not estimated: a benchmark keeps every expert where node-llama-cpp places them, so it cannot measure this placement';
  if (planned) return 'is not estimated on a planned machine: it takes a benchmark run on its GPU or the quick probe on its CPU';
  if (row.fit === 'gpu')
    return "is not estimated until you benchmark a model with every layer on this GPU (Benchmark it, or `rightsize bench FILE`): the run's prompt speed carries to every model all on the GPU";
  if (row.fit === 'cpu') return 'is estimated once the quick probe has calibrated this machine (Calibrate, or `rightsize probe`)';
  return 'split between the GPU and the CPU is not estimated without a prompt rate for this GPU: benchmark it (Benchmark it, or `rightsize bench FILE -ngl K`) to see its prompt speed';
}
