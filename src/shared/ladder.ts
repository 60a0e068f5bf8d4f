// "Start small, scale up": the thresholds the core picks the ladder by, and the words every face
// shows for its steps. One place, so a step left empty explains itself with the figures really used.
import type { Precision } from './precision';
import type { Recommendation } from './schema';

/** Quality good enough to start with for general chat (MMLU 5-shot, published). */
export const START_QUALITY_MIN = 60;
/** A step up must gain at least this many points to be worth its memory and speed. */
export const SCALE_UP_MIN_GAIN = 5;
/** Reading speed: below this a chat feels slow. */
export const INTERACTIVE_TOK_PER_SEC = 10;
/** Below this the ceiling is not usable at all. */
export const CEILING_MIN_TOK_PER_SEC = 2;
/** Precisions the ceiling may use, best first; below Q3_K_M quality drops too far to count. */
export const CEILING_PRECISIONS: readonly Precision[] = ['Q4_K_M', 'Q3_K_M'];

export interface LadderStepWords {
  key: keyof Recommendation;
  label: string;
  /** Why the step is empty, as a sentence. */
  none: string;
}

export const LADDER_STEPS: readonly LadderStepWords[] = [
  { key: 'start', label: 'Start here', none: 'No catalogued model runs here at a usable speed.' },
  {
    key: 'scaleUp',
    label: 'Scale up',
    none: `No bigger model gains enough quality while still running at reading speed (${INTERACTIVE_TOK_PER_SEC} tok/s) here.`,
  },
  {
    key: 'ceiling',
    label: 'Ceiling',
    none: `Nothing runs at ${CEILING_MIN_TOK_PER_SEC} tok/s or more at ${CEILING_PRECISIONS.at(-1)} or better.`,
  },
];
