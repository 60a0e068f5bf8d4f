// "Start small, scale up": the choices a ladder is built for (task, priority, speed), the bar each
// task's published benchmark must reach, what each precision costs in quality, and the words every
// face shows for its steps. One place, so a step left empty explains itself with the figures used.
import type { Precision } from './precision';
import type { CatalogModel, PublishedScore, QualityScore, Recommendation } from './schema';

/** What the user wants the model for; each task is judged by one published benchmark. */
export const TASKS = ['chat', 'coding', 'reasoning', 'long-docs', 'extraction'] as const;
export type Task = (typeof TASKS)[number];

/** speed: a lower quality bar and a higher minimum speed; quality: a higher bar. */
export const PRIORITIES = ['speed', 'balanced', 'quality'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const DEFAULT_TASK: Task = 'chat';
export const DEFAULT_PRIORITY: Priority = 'balanced';

/** Reading speed: below this a chat feels slow. */
export const INTERACTIVE_TOK_PER_SEC = 10;

/** The minimum generation speed of a priority when the user gives none. */
export const DEFAULT_MIN_TOK_PER_SEC: Readonly<Record<Priority, number>> = {
  speed: 2 * INTERACTIVE_TOK_PER_SEC,
  balanced: INTERACTIVE_TOK_PER_SEC,
  quality: INTERACTIVE_TOK_PER_SEC,
};

export interface TaskBenchmark {
  /** The benchmark's name as the catalog's quality scores name it. */
  benchmark: string;
  /**
   * Close variants accepted where a model publishes no score on `benchmark` itself. MMLU-Redux re-annotates
   * 3,000 MMLU questions; where both are published for the same model and setting they differ by 0.2-3 points
   * (base models 1-3 below MMLU in the Qwen3 report's tables 3-8; chat models 0.3-0.8 above in DeepSeek-V3's).
   */
  alternates?: readonly string[];
  /** What the benchmark measures and why a user would judge by it, for help texts. */
  about: string;
  /** The least score (0-100) that does the task well enough to start with, per priority. */
  bar: Readonly<Record<Priority, number>>;
}

export interface TaskScales {
  /** What the task means, for help texts. */
  label: string;
  /**
   * The published benchmarks a task can be judged by, the default first. Scores on two benchmarks are never
   * compared with each other: a ladder ranks the models of one benchmark, and names those the other rates.
   */
  scales: readonly [TaskBenchmark, ...TaskBenchmark[]];
}

/**
 * The benchmarks each task is judged by. The bars sit where published scores separate models people call
 * usable for the task from those they do not (e.g. MMLU 65: the Llama 3.1 8B and Qwen2.5 7B class; HumanEval
 * 70: the 7B-8B instruct models of 2024).
 */
export const TASK_SCALES: Readonly<Record<Task, TaskScales>> = {
  chat: {
    label: 'general chat and knowledge',
    scales: [
      {
        benchmark: 'MMLU',
        alternates: ['MMLU-Redux'],
        about: 'MMLU (2020): 57 subjects, 4 choices; rates most models up to 2025, few since',
        bar: { speed: 55, balanced: 65, quality: 74 },
      },
      {
        benchmark: 'MMLU-Pro',
        about: 'MMLU-Pro (2024): harder questions, 10 choices; what models since 2025 publish',
        // The same reference models as MMLU's bars: speed at Qwen2.5 1.5B-3B Instruct (32.4-43.7), balanced at
        // Llama 3.1 8B Instruct (48.3), quality at Qwen2.5 7B Instruct (56.3) and Gemma 3 12B (60.6).
        bar: { speed: 35, balanced: 45, quality: 56 },
      },
    ],
  },
  coding: {
    label: 'writing code',
    scales: [
      { benchmark: 'HumanEval', about: 'HumanEval (2021): 164 Python functions, pass@1', bar: { speed: 60, balanced: 70, quality: 83 } },
      {
        benchmark: 'SWE-bench Verified',
        about: 'SWE-bench Verified (2024): 500 real GitHub issues fixed by an agent; each publisher runs its own agent',
        // Balanced at the local coding-agent models of 2025 (Qwen3 Coder 30B-A3B 51.6, Devstral Small 2507 53.6),
        // speed at DeepSeek-V3's 42.0, quality at GLM-4.5 and Kimi K2 (64.2, 65.8).
        bar: { speed: 40, balanced: 50, quality: 64 },
      },
    ],
  },
  reasoning: {
    label: 'step-by-step maths and reasoning',
    scales: [
      { benchmark: 'GSM8K', about: 'GSM8K (2021): grade-school maths word problems', bar: { speed: 70, balanced: 80, quality: 90 } },
      {
        benchmark: 'GPQA Diamond',
        about: 'GPQA Diamond (2023): 198 graduate-level science questions, 4 choices (chance is 25)',
        // Speed clearly above chance (Qwen2.5 7B Instruct 36.4), balanced at Qwen2.5 14B Instruct (45.5) and
        // Gemma 3 27B (42.4), quality at DeepSeek-V3 and Phi-4 (59.1, 56.1).
        bar: { speed: 35, balanced: 45, quality: 55 },
      },
    ],
  },
  'long-docs': {
    label: 'long documents and RAG',
    scales: [
      {
        benchmark: 'RULER',
        about: 'RULER (2024): retrieval and tracing over long contexts',
        bar: { speed: 80, balanced: 85, quality: 90 },
      },
      {
        benchmark: 'LongBench v2',
        about: 'LongBench v2 (2024): 503 questions on long documents, 4 choices (chance is 25, human experts 53.7)',
        // Speed at the 8B class (Llama 3.1 8B and Qwen2.5 7B Instruct, 30.0), balanced at Qwen2.5 72B Instruct
        // (42.1), quality at DeepSeek-V3 (48.7).
        bar: { speed: 30, balanced: 40, quality: 48 },
      },
    ],
  },
  extraction: {
    label: 'structured extraction and following a format',
    scales: [
      { benchmark: 'IFEval', about: 'IFEval (2023): verifiable formatting instructions', bar: { speed: 55, balanced: 70, quality: 80 } },
    ],
  },
};

/** A task's benchmark by name (the default where none is given), or undefined where the task has no such scale. */
export function scaleOf(task: Task, benchmark?: string): TaskBenchmark | undefined {
  const { scales } = TASK_SCALES[task];
  return benchmark === undefined ? scales[0] : scales.find((s) => s.benchmark === benchmark);
}

/** A model's published scores for a task, on any of its benchmarks. */
export function taskScores(model: Pick<CatalogModel, 'quality'>, task: Task): QualityScore[] {
  const q = model.quality?.[task];
  return q === undefined ? [] : Array.isArray(q) ? q : [q];
}

/** Every published score of a model, task by task in TASKS order, each task's benchmarks in their order. */
export const publishedScores = (model: Pick<CatalogModel, 'quality'>): PublishedScore[] =>
  TASKS.flatMap((task) => {
    const order = (benchmark: string): number => TASK_SCALES[task].scales.findIndex((s) => countsOn(s, benchmark));
    return [...taskScores(model, task)].sort((a, b) => order(a.benchmark) - order(b.benchmark)).map((s) => ({ task, ...s }));
  });

/** What a ladder was built for, in words: "chat, judged by MMLU-Pro, balanced priority". */
export const ladderTitle = (r: Pick<Recommendation, 'task' | 'benchmark' | 'priority'>): string =>
  `${r.task}, judged by ${r.benchmark ?? defaultScale(r.task).benchmark}, ${r.priority} priority`;

/** Published scores in a line, task by task: "chat MMLU 66.7, MMLU-Pro 48.3 · coding HumanEval 72.6"; (r) marks reasoning first. */
export function scoresSummary(scores: readonly PublishedScore[]): string {
  return TASKS.flatMap((task) => {
    const mine = scores.filter((s) => s.task === task);
    return mine.length > 0 ? [`${task} ${mine.map((s) => `${s.benchmark} ${s.score}${s.thinking ? ' (r)' : ''}`).join(', ')}`] : [];
  }).join(' · ');
}

/** A model's score on one of a task's benchmarks (or an accepted variant of it), or null where it publishes none. */
export const scoreOn = (model: Pick<CatalogModel, 'quality'>, task: Task, scale: TaskBenchmark): QualityScore | null =>
  taskScores(model, task).find((s) => countsOn(scale, s.benchmark)) ?? null;

/** A task's default benchmark. */
export const defaultScale = (task: Task): TaskBenchmark => TASK_SCALES[task].scales[0];

/** The benchmark a ladder is judged by, with its accepted variants: "MMLU or MMLU-Redux". */
export const benchmarkNames = (scale: TaskBenchmark): string => [scale.benchmark, ...(scale.alternates ?? [])].join(' or ');

/** Whether a published score counts on a scale: its own benchmark, or an accepted variant of it. */
export const countsOn = (scale: TaskBenchmark, benchmark: string): boolean =>
  scale.benchmark === benchmark || (scale.alternates ?? []).includes(benchmark);

/** The scale of a task a published score counts on, or undefined where it counts on none. */
export const scaleFor = (task: Task, benchmark: string): TaskBenchmark | undefined =>
  TASK_SCALES[task].scales.find((s) => countsOn(s, benchmark));

/**
 * The start may sit this far below the best score that runs here at the chosen speed, never further:
 * so a big machine starts on a model worth its hardware instead of the laptop's pick.
 */
export const START_GAP_POINTS: Readonly<Record<Priority, number>> = { speed: 15, balanced: 8, quality: 4 };

/**
 * A score measured while the model reasons first (a thinking mode, high reasoning effort) comes from answers
 * several times longer than a direct reply, so such a model counts for the start and the step up only where it
 * runs this many times the minimum speed.
 */
export const THINKING_SPEED_FACTOR = 3;

/**
 * Long documents are read whole before the first word of the answer: the start and the step up of the long-docs
 * ladder should read a prompt that fills the chosen context within this many seconds, where the wait is estimated
 * (the CPU's prompt speed once a probe calibrated it, the GPU's once a run measured it). Where no rated model does, the ladder keeps them all and
 * says how long the quickest takes.
 */
export const LONG_DOCS_MAX_PROMPT_SECONDS = 60;

/** Long documents need a long context: the CLI sizes them at 32k without --ctx, and the app raises a shorter context to it. */
export const LONG_DOCS_CONTEXT_TOKENS = 32768;

/** The context after the task changes from `from` to `to`: entering long documents raises a shorter one to 32k. */
export const contextForTask = (from: Task, to: Task, contextTokens: number): number =>
  to === 'long-docs' && from !== 'long-docs' ? Math.max(contextTokens, LONG_DOCS_CONTEXT_TOKENS) : contextTokens;

/** A step up must gain at least this many benchmark points to be worth its memory and speed. */
export const SCALE_UP_MIN_GAIN = 3;
/** Below this the ceiling is not usable at all. */
export const CEILING_MIN_TOK_PER_SEC = 2;

/** Precisions the start and the step up may use: Q4_K_M and up keep quality close to the original. */
export const LADDER_PRECISIONS: readonly Precision[] = ['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M'];
/** Precisions the ceiling may use, best first; Q3_K_M is the floor. */
export const CEILING_PRECISIONS: readonly Precision[] = ['Q4_K_M', 'Q3_K_M'];
/** Used only when nothing at Q3_K_M or better fits at all. */
export const LAST_RESORT_PRECISION: Precision = 'Q2_K';

export interface QuantCost {
  /** Mean KL divergence of the token distribution against FP16. */
  kld: number;
  /** Wikitext-2 perplexity increase over FP16, in percent. */
  pplIncreasePct: number;
  /** Root mean square change of the correct token's probability, in percentage points. */
  rmsDeltaPPct: number;
}

/**
 * What each precision costs, measured by llama.cpp on LLaMA 3 8B (tools/perplexity/README.md, "LLaMA 3
 * 8b Scoreboard", rows without an importance matrix; FP16 perplexity 6.2332; ΔPPL taken over FP16's
 * 6.2316). F16 is the reference. Other models lose about as much at each type.
 */
export const QUANT_COST: Readonly<Partial<Record<Precision, QuantCost>>> = {
  F32: { kld: 0, pplIncreasePct: 0, rmsDeltaPPct: 0 },
  F16: { kld: 0, pplIncreasePct: 0, rmsDeltaPPct: 0 },
  BF16: { kld: 0, pplIncreasePct: 0, rmsDeltaPPct: 0 },
  Q8_0: { kld: 0.001355, pplIncreasePct: 0.04, rmsDeltaPPct: 1.198 },
  Q6_K: { kld: 0.005452, pplIncreasePct: 0.35, rmsDeltaPPct: 2.295 },
  Q5_K_M: { kld: 0.010762, pplIncreasePct: 0.91, rmsDeltaPPct: 3.16 },
  Q4_K_M: { kld: 0.031273, pplIncreasePct: 2.82, rmsDeltaPPct: 5.519 },
  Q3_K_M: { kld: 0.101913, pplIncreasePct: 10.54, rmsDeltaPPct: 10.203 },
  Q2_K: { kld: 0.445132, pplIncreasePct: 56.49, rmsDeltaPPct: 21.421 },
};

export const QUANT_COST_SOURCE = {
  url: 'https://github.com/ggml-org/llama.cpp/blob/master/tools/perplexity/README.md#llama-3-8b-scoreboard',
  /** Read from the llama.cpp release node-llama-cpp 3.21.1 ships (80fb11a). */
  date: '2026-09-12',
  detail: 'llama.cpp perplexity README, LLaMA 3 8B scoreboard (Wikitext-2, CUDA, no imatrix), KL divergence against FP16',
} as const;

/** A precision's cost in a sentence, e.g. "Q4_K_M: +2.8% perplexity, KLD 0.031 vs F16". */
export function describeQuantCost(quant: string): string {
  const cost = QUANT_COST[quant as Precision];
  if (!cost) return `${quant}: no published loss figure`;
  if (cost.kld === 0) return `${quant}: the reference precision, no loss`;
  return `${quant}: +${cost.pplIncreasePct < 0.1 ? cost.pplIncreasePct.toFixed(2) : cost.pplIncreasePct.toFixed(1)}% perplexity, KLD ${cost.kld.toFixed(3)} vs F16 (llama.cpp, Llama 3 8B)`;
}

export interface LadderStepWords {
  key: 'start' | 'scaleUp' | 'ceiling';
  label: string;
  /** Why the step is empty, as a sentence. */
  none: string;
}

export const LADDER_STEPS: readonly LadderStepWords[] = [
  { key: 'start', label: 'Start here', none: 'No catalogued model with a published score for this task runs here at the minimum speed.' },
  {
    key: 'scaleUp',
    label: 'Scale up',
    none: `No bigger model gains ${SCALE_UP_MIN_GAIN}+ benchmark points while still running at the minimum speed here.`,
  },
  {
    key: 'ceiling',
    label: 'Ceiling',
    none: `Nothing runs at ${CEILING_MIN_TOK_PER_SEC} tok/s or more at ${CEILING_PRECISIONS.at(-1)} or better.`,
  },
];

/** The empty sentence of a step, with the recommendation's own figures where it has them. */
export function emptyStepText(key: LadderStepWords['key'], r: Pick<Recommendation, 'minTokPerSec'> | null | undefined): string {
  const words = LADDER_STEPS.find((s) => s.key === key);
  const minTps = r?.minTokPerSec;
  if (minTps !== undefined && minTps !== null && key !== 'ceiling')
    return (words?.none ?? '').replace('the minimum speed', `${minTps} tok/s`);
  return words?.none ?? '';
}
