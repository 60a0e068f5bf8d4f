// Where a speed came from, in a word: the same words in the app and the CLI.
import type { Source } from './schema';

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

/** How a row's prompt speed was arrived at, in a word or two. */
export function promptWord(source: Source | null): string {
  if (!source) return 'estimated';
  if (source.kind === 'measured') return 'measured';
  if (source.by === 'speed.prompt-calibrated') return 'calibrated';
  if (source.by === 'speed.prompt-from-runs') return 'from your runs on this GPU';
  return 'estimated';
}
