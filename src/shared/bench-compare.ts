// Our benchmark next to llama.cpp's llama-bench on the same file: the ratios, and, where they
// differ by more than run-to-run noise, the cause as far as we know it. A gap is shown, not hidden.
import type { BenchRecord } from './schema';

export interface LlamaBenchVerdict {
  /** null where llama-bench's test gave no figure (its `error` says why). */
  ppRatio: number | null;
  tgRatio: number | null;
  /** One sentence per figure that is off by more than 5%, with its likely cause. */
  gaps: string[];
}

/** Ratios inside this band are run-to-run noise on a busy desktop (llama-bench's own sd is often 1-3%). */
const FAITHFUL_BAND = 0.05;

export function compareWithLlamaBench(
  record: Pick<BenchRecord, 'pp' | 'tg' | 'threads' | 'gpuLayers' | 'llamaBench'> & Partial<Pick<BenchRecord, 'tgMethod'>>,
): LlamaBenchVerdict | null {
  const ref = record.llamaBench;
  const refPp = ref?.pp && ref.pp.mean > 0 ? ref.pp : null;
  const refTg = ref?.tg && ref.tg.mean > 0 ? ref.tg : null;
  if (!refPp && !refTg) return null;
  const ppRatio = refPp ? record.pp.mean / refPp.mean : null;
  const tgRatio = refTg ? record.tg.mean / refTg.mean : null;
  const gaps: string[] = [];
  if (ref?.error) gaps.push(`llama-bench gave no figure for part of the run: ${ref.error}`);
  const builds =
    'the two are different builds of llama.cpp (node-llama-cpp loads a prebuilt CPU variant chosen at run time; a llama-bench you build is compiled with your compiler and flags, often for this exact CPU), and builds differ in the kernels they pick for a tensor type; check that both come from the same llama.cpp release';
  if (ppRatio !== null && Math.abs(ppRatio - 1) > FAITHFUL_BAND) {
    gaps.push(
      `Prompt processing is ${Math.abs((ppRatio - 1) * 100).toFixed(0)}% ${ppRatio < 1 ? 'slower' : 'faster'} than llama-bench: ${builds}.`,
    );
  }
  if (tgRatio !== null && refTg && tgRatio < 1 - FAITHFUL_BAND) {
    // The gap as time per token says more than a ratio: it is a fixed cost, large only for small models.
    const extraMs = (1 / record.tg.mean - 1 / refTg.mean) * 1000;
    // A decode-timer figure leaves the JavaScript round trip out; what remains is the threads.
    const roundTrip = record.tgMethod === 'decode-timer' ? '' : ', and each token also makes a round trip through JavaScript';
    const cause =
      record.threads.tg > 1 && record.gpuLayers === 0
        ? `node-llama-cpp starts llama.cpp's worker threads afresh for every token (its binaries keep no thread pool; llama-bench does)${roundTrip}`
        : record.tgMethod === 'decode-timer'
          ? builds
          : `each token makes a round trip through JavaScript and Node's thread pool (llama-bench calls llama.cpp in a plain loop)`;
    gaps.push(
      `Generation is ${((1 - tgRatio) * 100).toFixed(0)}% slower than llama-bench, ${extraMs.toFixed(2)} ms more per token: ${cause}. Apps that run models through node-llama-cpp pay the same cost.`,
    );
  } else if (tgRatio !== null && tgRatio > 1 + FAITHFUL_BAND) {
    gaps.push(`Generation is ${((tgRatio - 1) * 100).toFixed(0)}% faster than llama-bench: ${builds}.`);
  }
  return { ppRatio, tgRatio, gaps };
}

/**
 * How the tg figure was timed, in one sentence: llama.cpp's decode timer (what a C++ loop such as
 * llama-bench or llama-server gets) with the JavaScript loop's figure beside it, or the loop alone.
 */
export function tgMethodNote(record: Pick<BenchRecord, 'tg' | 'tgMethod' | 'tgLoop'>): string {
  if (record.tgMethod !== 'decode-timer' || !record.tgLoop || record.tgLoop.mean <= 0)
    return "generation timed by the wall clock of node-llama-cpp's JavaScript loop, which adds a round trip per token that llama-server and llama-cli do not pay";
  const extraMs = (1 / record.tgLoop.mean - 1 / record.tg.mean) * 1000;
  return `generation timed by llama.cpp's own decode timer, as llama-bench and llama-server run it; node-llama-cpp's JavaScript loop around the same decodes ran at ${record.tgLoop.mean.toFixed(1)} t/s (${extraMs.toFixed(2)} ms more per token)`;
}
