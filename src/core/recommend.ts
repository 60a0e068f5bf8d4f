// "Start small, scale up": a ladder of three picks instead of one. Small models often win: a 13B
// ran 3x faster than a 70B at nearly the same accuracy (0.57 vs 0.59), so the ladder starts with the
// smallest model that does the task well on this machine and only climbs when the gain is worth its cost.
//
// "Well" is relative to the machine: the bar is the task's own (a published benchmark score) or the
// best score that runs here at the chosen speed minus a few points, whichever is higher. A laptop
// starts on a 1.5B; a 24 GB GPU, where a 14B runs at 40 tok/s, does not start on the laptop's pick.
import { fitLabel } from '../shared/fit-words';
import {
  benchmarkNames,
  CEILING_MIN_TOK_PER_SEC,
  CEILING_PRECISIONS,
  DEFAULT_MIN_TOK_PER_SEC,
  DEFAULT_PRIORITY,
  DEFAULT_TASK,
  describeQuantCost,
  LADDER_PRECISIONS,
  LAST_RESORT_PRECISION,
  QUANT_COST,
  SCALE_UP_MIN_GAIN,
  START_GAP_POINTS,
  scaleOf,
  scoreOn,
  TASK_SCALES,
  THINKING_SPEED_FACTOR,
  type Priority,
  type Task,
  type TaskBenchmark,
} from '../shared/ladder';
import type { Precision } from '../shared/precision';
import type { CatalogModel, LadderStep, QualityScore, Recommendation, ReportRow } from '../shared/schema';
import { formatBytes, formatTokPerSec, formatTokPerSecChange, GiB } from '../shared/units';
import { fullPromptNote, quickReaders, unknownWaitNotes } from './prompt-wait';

export interface LadderOptions {
  task?: Task;
  priority?: Priority;
  /** The least generation speed of the start and the step up; absent = the priority's default. */
  minTokPerSec?: number;
  /** The context asked for: a model trained for less cannot hold it and is left out (with a note). */
  contextTokens?: number;
  /** Which of the task's benchmarks judges the models (absent: the task's default, e.g. MMLU for chat). */
  benchmark?: string;
  /** A planned machine (what-if): no run or probe of it here can estimate what is not estimated. */
  planned?: boolean;
}

/** The order precisions are tried in at one fit level: speed wants the fewest bits, quality the most. */
const PRECISION_ORDER: Readonly<Record<Priority, readonly Precision[]>> = {
  speed: ['Q4_K_M', 'Q5_K_M', 'Q6_K', 'Q8_0'],
  balanced: ['Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q8_0'],
  quality: LADDER_PRECISIONS,
};

/** Where a 7B-15B runs at this many times the minimum speed, the start is at least FLOOR_PARAMS_B. */
const ROOMY_FACTOR = 3;
const FLOOR_PARAMS_B = 7;
/** A bigger model this many times as fast, scoring as high, makes a step up not worth taking. */
const STEP_OUTRUN_FACTOR = 2;
/** Models within this ratio of each other in parameters and in memory count as the same size. */
const SAME_SIZE_RATIO = 1.1;

const FIT_PREFERENCE: ReportRow['fit'][] = ['gpu', 'partial', 'cpu'];
const fitRank = (fit: ReportRow['fit']): number => FIT_PREFERENCE.indexOf(fit);

/** A model's best row at a speed: the best fit level first (all on the GPU beats a split), then the precision order. */
function bestRow(rows: ReportRow[], precisions: readonly Precision[], minTokPerSec: number): ReportRow | null {
  for (const fit of FIT_PREFERENCE) {
    for (const quant of precisions) {
      const row = rows.find((r) => r.quant === quant);
      if (row && row.fit === fit && (row.tokPerSec ?? 0) >= minTokPerSec) return row;
    }
  }
  return null;
}

interface Candidate {
  model: CatalogModel;
  row: ReportRow;
  score: QualityScore;
}

/** Said of a rung whose score was measured with the model reasoning first: its tok/s is not its time to an answer. */
export const THINKING_NOTE =
  'Scored while reasoning: each answer spends many tokens thinking first, so replies take longer than the tok/s alone suggests.';

const round1 = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);
const gib = (bytes: number): string => round1(bytes / GiB);

function step(row: ReportRow, reason: string, score: QualityScore | null): LadderStep {
  const cost = QUANT_COST[row.quant as Precision];
  const withWait = reason + fullPromptNote(row);
  return {
    modelId: row.modelId,
    name: row.name,
    quant: row.quant,
    fit: row.fit,
    tokPerSec: row.tokPerSec,
    reason: score?.thinking ? `${withWait} ${THINKING_NOTE}` : withWait,
    ...(row.fullPromptSeconds ? { fullPromptSeconds: row.fullPromptSeconds } : {}),
    contextTokens: row.contextTokens,
    gpuLayers: row.gpuLayers,
    totalLayers: row.totalLayers,
    ...(row.cpuMoeLayers ? { cpuMoeLayers: row.cpuMoeLayers } : {}),
    memoryBytes: row.memory.totalBytes,
    score,
    ...(cost ? { precisionNote: describeQuantCost(row.quant) } : {}),
  };
}

const placement = (row: ReportRow): string =>
  `${fitLabel(row.fit, row.gpuLayers, row.totalLayers, row.cpuMoeLayers, false)}${
    row.fit === 'partial' ? ` (-ngl ${row.gpuLayers}${row.cpuMoeLayers ? ` --n-cpu-moe ${row.cpuMoeLayers}` : ''})` : ''
  }`;

const scoreText = (s: QualityScore): string => `${s.benchmark} ${s.score}`;

/**
 * A model estimated within this share of the minimum speed is not told apart from one at it: speed estimates move more
 * than that (within 25% is the goal; a noisy machine's RAM bandwidth moves 5-10% between launches).
 */
const NEAR_MISS_SHARE = 0.9;

/**
 * Models just under the minimum speed that would raise the bar if they reached it: one of them crossing the line
 * would give another start, so the ladder says which, how close, and what the bar would become.
 */
function nearMissNote(
  rated: Candidate[],
  near: Candidate[],
  minTps: number,
  barFor: (score: number) => number,
  benchmark: string,
): string | null {
  const direct = rated.filter((c) => !c.score.thinking);
  const current = Math.max(-Infinity, ...(direct.length > 0 ? direct : rated).map((c) => barFor(c.score.score)));
  // A model scored while reasoning has its own line (THINKING_SPEED_FACTOR times the minimum) and its own note.
  const under = near.filter((c) => !c.score.thinking && !rated.some((r) => r.model === c.model) && barFor(c.score.score) > current + 0.05);
  if (under.length === 0) return null;
  const raised = Math.max(...under.map((c) => barFor(c.score.score)));
  const shown = under
    .slice(-3)
    .map((c) => `${c.model.name} (${scoreText(c.score)}, ~${formatTokPerSec(c.row.tokPerSec)} tok/s at ${c.row.quant})`);
  const one = under.length === 1;
  return `Just under the minimum: ${shown.join(', ')} ${one ? 'runs' : 'run'} here within ${Math.round((1 - NEAR_MISS_SHARE) * 100)}% of ${minTps} tok/s, closer than the speed estimates can tell. Counted, ${one ? 'it' : 'they'} would set the bar at ${benchmark} ${round1(raised)}${Number.isFinite(current) ? ` instead of ${round1(current)}` : ''}, and the ladder would change: a minimum a little lower counts ${one ? 'it' : 'them'}.`;
}

export function recommendLadder(rows: ReportRow[], catalog: CatalogModel[], options: LadderOptions = {}): Recommendation {
  const task = options.task ?? DEFAULT_TASK;
  const priority = options.priority ?? DEFAULT_PRIORITY;
  const minTps = options.minTokPerSec ?? DEFAULT_MIN_TOK_PER_SEC[priority];
  const bench = scaleOf(task, options.benchmark);
  if (!bench)
    throw new RangeError(
      `${task} is judged by ${TASK_SCALES[task].scales.map((s) => s.benchmark).join(' or ')}, not ${options.benchmark ?? '?'}.`,
    );
  const notes: string[] = [];
  const elsewhere: Recommendation['elsewhere'] = [];
  const scores: Recommendation['scores'] = {};
  for (const m of catalog) {
    const score = scoreOn(m, task, bench);
    if (score) scores[m.id] = score;
  }

  const byModel = new Map<string, ReportRow[]>();
  for (const r of rows) if (r.origin === 'catalog') byModel.set(r.modelId, [...(byModel.get(r.modelId) ?? []), r]);
  const models = [...catalog].filter((m) => byModel.has(m.id)).sort((a, b) => a.publishedParamsB - b.publishedParamsB);
  const scoreOf = (m: CatalogModel): QualityScore | null => scoreOn(m, task, bench);
  const holdsContext = (m: CatalogModel): boolean => options.contextTokens === undefined || m.maxContext >= options.contextTokens;

  const candidatesAt = (precisions: readonly Precision[], speed: number): Candidate[] =>
    models.flatMap((model) => {
      const score = scoreOf(model);
      if (!score || !holdsContext(model)) return [];
      const row = bestRow(byModel.get(model.id) ?? [], precisions, score.thinking ? speed * THINKING_SPEED_FACTOR : speed);
      return row ? [{ model, row, score }] : [];
    });

  // Q4_K_M and up; Q3_K_M only when nothing rated runs at Q4_K_M or better; Q2_K only when nothing fits at Q3_K_M or better at all.
  let rated = candidatesAt(PRECISION_ORDER[priority], minTps);
  if (rated.length === 0) rated = candidatesAt(['Q3_K_M'], minTps);
  const anythingAtQ3 = rows.some((r) => r.fit !== 'none' && QUANT_COST[r.quant as Precision] && r.quant !== LAST_RESORT_PRECISION);
  if (rated.length === 0 && !anythingAtQ3) rated = candidatesAt([LAST_RESORT_PRECISION], minTps);

  if (task === 'long-docs') rated = quickReaders(rated, options.contextTokens, notes);
  const barFor = (score: number): number => Math.min(score, Math.max(bench.bar[priority], score - START_GAP_POINTS[priority]));
  const nearMiss = nearMissNote(rated, candidatesAt(PRECISION_ORDER[priority], minTps * NEAR_MISS_SHARE), minTps, barFor, bench.benchmark);
  if (nearMiss) notes.push(nearMiss);

  const unrated = models.filter((m) => !scoreOf(m) && holdsContext(m) && bestRow(byModel.get(m.id) ?? [], LADDER_PRECISIONS, minTps));
  if (unrated.length > 0) {
    const names = unrated.slice(-4).map((m) => m.name);
    notes.push(
      `Not ranked for ${task}: ${unrated.length} model${unrated.length === 1 ? '' : 's'} that run here at ${minTps} tok/s have no published ${benchmarkNames(bench)} score in the catalog (${names.join(', ')}${unrated.length > names.length ? ', ...' : ''}); the ladder does not guess.`,
    );
    const other = otherScales(task, bench, unrated);
    if (other.note) notes.push(other.note);
    elsewhere.push(...other.elsewhere);
  }
  const slowThinkers = models.filter(
    (m) =>
      scoreOf(m)?.thinking &&
      holdsContext(m) &&
      !rated.some((c) => c.model === m) &&
      bestRow(byModel.get(m.id) ?? [], LADDER_PRECISIONS, minTps),
  );
  if (slowThinkers.length > 0) {
    notes.push(
      `Held back: the ${bench.benchmark} score of ${slowThinkers.map((m) => m.name).join(', ')} was measured while reasoning, and an answer spends many tokens thinking first; such a model counts for the start and the step up from ${THINKING_SPEED_FACTOR * minTps} tok/s (${THINKING_SPEED_FACTOR}x the minimum), which it does not reach here.`,
    );
  }
  const tooShort = models.filter((m) => !holdsContext(m) && scoreOf(m));
  if (tooShort.length > 0 && options.contextTokens !== undefined) {
    notes.push(
      `Left out: ${tooShort.length} rated model${tooShort.length === 1 ? '' : 's'} trained for less than ${options.contextTokens} tokens of context (e.g. ${tooShort[tooShort.length - 1]?.name}, ${tooShort[tooShort.length - 1]?.maxContext}).`,
    );
  }

  if (rated.length === 0) {
    const ceiling = pickCeiling(models.filter(holdsContext), byModel, scoreOf, bench.benchmark, null);
    notes.push(`No catalogued model with a published ${benchmarkNames(bench)} score runs here at ${minTps} tok/s.`);
    return {
      start: null,
      scaleUp: null,
      ceiling,
      task,
      benchmark: bench.benchmark,
      priority,
      minTokPerSec: minTps,
      bar: null,
      notes,
      elsewhere,
      scores,
    };
  }

  // The bar comes from direct answers where any is rated: a score measured while reasoning runs several points
  // above the same model answering directly (Qwen3 8B's MMLU-Redux: 87.5 thinking, 79.5 not), so it would set
  // the bar too high for the models judged against it.
  const direct = rated.filter((c) => !c.score.thinking);
  const best = (direct.length > 0 ? direct : rated).reduce((a, b) => (b.score.score > a.score.score ? b : a));
  const taskBar = bench.bar[priority];
  const gap = START_GAP_POINTS[priority];
  const bar = barFor(best.score.score);
  // A machine that runs a 7B-14B at three times the minimum speed does not start below 7B: small models
  // saturate some benchmarks (GSM8K) and that hardware has room for the size class people rely on.
  // Dense models only: a 7B MoE with 1B active runs fast anywhere and says nothing of the room for a dense 7B.
  const roomy = rated.some(
    (c) =>
      !c.model.experts &&
      c.model.publishedParamsB >= FLOOR_PARAMS_B &&
      c.model.publishedParamsB <= 15 &&
      (c.row.tokPerSec ?? 0) >= ROOMY_FACTOR * minTps,
  );
  const meets = rated.filter((c) => c.score.score >= bar);
  const smallest = (roomy ? meets.find((c) => c.model.publishedParamsB >= FLOOR_PARAMS_B) : undefined) ?? meets[0] ?? best;
  // Of models the same size as the smallest (within SAME_SIZE_RATIO in parameters and in memory), the best
  // scoring starts: a 2.53B that scores 3 points above a 2.4B in the same 2.8 GiB is no step up, it is the start.
  const sameSize = (c: Candidate): boolean =>
    c.model.publishedParamsB <= smallest.model.publishedParamsB * SAME_SIZE_RATIO &&
    c.row.memory.totalBytes <= smallest.row.memory.totalBytes * SAME_SIZE_RATIO;
  const start = meets.filter(sameSize).reduce((a, b) => (b.score.score > a.score.score ? b : a), smallest);
  const sameSizePeer = start !== smallest ? smallest : null;
  const floored = roomy && meets[0] !== undefined && meets[0] !== smallest;

  const barWhy =
    best.score.score < taskBar
      ? `nothing here reaches the ${task} bar of ${bench.benchmark} ${taskBar} at ${minTps} tok/s, so this is the best that does`
      : bar > taskBar
        ? `bar ${round1(bar)}: the best that runs here at ${minTps} tok/s, ${best.model.name} at ${best.score.score}, less ${gap} points (the ${priority} priority's margin; the ${task} bar alone is ${taskBar})`
        : `bar ${taskBar} for ${task} at the ${priority} priority`;
  const floorWhy = floored
    ? ` and at least ${FLOOR_PARAMS_B}B, since a ${FLOOR_PARAMS_B}B-15B model runs here at ${ROOMY_FACTOR}x the minimum speed (${meets[0]?.model.name} also reaches the bar)`
    : '';
  const peerWhy = sameSizePeer
    ? `; ${sameSizePeer.model.name} (${sameSizePeer.model.publishedParamsB}B, ${sameSizePeer.score.score}) also reaches the bar at about the same size, and this one scores higher`
    : '';
  let startReason = `${sameSizePeer ? 'Best of the smallest models' : 'Smallest model'} with ${scoreText(start.score)} (${barWhy})${floorWhy}${peerWhy}; ~${formatTokPerSec(start.row.tokPerSec)} tok/s (at least ${minTps}) at ${start.row.quant}, ${placement(start.row)}, ${formatBytes(start.row.memory.totalBytes)} at ${start.row.contextTokens} context. ${describeQuantCost(start.row.quant)}.`;
  // Why a bigger model at 4 bits beats a smaller one at full precision: the precision costs less than the size gap.
  const smaller = [...rated].reverse().find((c) => c.model.publishedParamsB < start.model.publishedParamsB && c.score.score < bar);
  if (smaller) {
    const full = (byModel.get(smaller.model.id) ?? []).find((r) => r.quant === 'F16' && r.fit !== 'none');
    const cost = QUANT_COST[start.row.quant as Precision];
    startReason += ` ${smaller.model.name}${full ? ' would run at F16 here but' : ''} scores ${smaller.score.score}: ${round1(start.score.score - smaller.score.score)} points below${cost && cost.kld > 0 ? `, while ${start.row.quant} itself measured only +${cost.pplIncreasePct}% perplexity against F16` : ''}, so more parameters at fewer bits win here.`;
  }
  const startStep = step(start.row, startReason, start.score);

  // Scale up: a bigger model that gains enough, at the same speed floor; best gain per extra GB, keeping the start's placement when it can.
  const bigger = rated.filter(
    (c) => c.model.publishedParamsB > start.model.publishedParamsB && c.score.score >= start.score.score + SCALE_UP_MIN_GAIN,
  );
  // After the user's benchmarks, say that the trade above is judged on this machine's measured speeds.
  const fromRuns = (a: ReportRow, b: ReportRow): string =>
    [a, b].some((r) => r.speedSource.kind === 'measured' || r.speedSource.by === 'speed.corrected-by-runs')
      ? ' Both speeds are corrected by your benchmark runs on this machine.'
      : '';
  const perGb = (c: Candidate): number =>
    (c.score.score - start.score.score) / Math.max(0.5, (c.row.memory.totalBytes - start.row.memory.totalBytes) / GiB);
  const byValue = (list: Candidate[]): Candidate | undefined =>
    [...list].sort((a, b) => perGb(b) - perGb(a) || b.score.score - a.score.score)[0];
  // A step that another bigger model matches on score while running much faster is no step worth taking: memory is
  // what the per-GiB rule saves, and a user who has it would rather have the speed (EXAONE 4.0 32B at 10 tok/s
  // against Qwen3-Next 80B-A3B, 1 point higher at 45, on a DGX Spark).
  const outrunBy = (c: Candidate): Candidate | undefined =>
    bigger.find(
      (o) =>
        o !== c &&
        !o.score.thinking &&
        o.score.score >= c.score.score &&
        (o.row.tokPerSec ?? 0) >= STEP_OUTRUN_FACTOR * (c.row.tokPerSec ?? 0) &&
        fitRank(o.row.fit) <= fitRank(c.row.fit),
    );
  const worthIt = bigger.filter((c) => !outrunBy(c));
  const up = byValue(worthIt.filter((c) => fitRank(c.row.fit) <= fitRank(start.row.fit))) ?? byValue(worthIt);
  const outrun = up ? bigger.find((c) => c !== up && outrunBy(c) === up && perGb(c) > perGb(up)) : undefined;
  let scaleUp: LadderStep | null = null;
  if (up) {
    const gain = up.score.score - start.score.score;
    const extraBytes = up.row.memory.totalBytes - start.row.memory.totalBytes;
    const tpsLost = Math.max(0, (start.row.tokPerSec ?? 0) - (up.row.tokPerSec ?? 0));
    scaleUp = step(
      up.row,
      `+${round1(gain)} ${
        start.score.benchmark === up.score.benchmark
          ? `${start.score.benchmark} points (${start.score.score} → ${up.score.score})`
          : `points (${scoreText(start.score)} → ${scoreText(up.score)})`
      } for ${extraBytes >= 0 ? '+' : ''}${gib(extraBytes)} GiB (${round1(perGb(up))} points per GiB) and ${formatTokPerSecChange(start.row.tokPerSec, up.row.tokPerSec)} tok/s${tpsLost > 0 ? ` (${(gain / tpsLost).toPrecision(2)} points per tok/s lost)` : ''}; ${up.row.quant}, ${placement(up.row)}, still at least ${minTps} tok/s.${
        outrun
          ? ` ${outrun.model.name} would gain more per GiB (${scoreText(outrun.score)}), but this one scores as high and runs ${((up.row.tokPerSec ?? 0) / (outrun.row.tokPerSec ?? 1)).toFixed(1)}x faster (~${formatTokPerSec(outrun.row.tokPerSec)} tok/s at ${outrun.row.quant}).`
          : ''
      }${fromRuns(start.row, up.row)}`,
      up.score,
    );
  }
  // The ceiling, and what may pass one over, hold the context asked for, as the start and the step up do.
  const ceiling = pickCeiling(models.filter(holdsContext), byModel, scoreOf, bench.benchmark, start, up?.row ?? null);
  if (task === 'long-docs') notes.push(...unknownWaitNotes([startStep, scaleUp, ceiling], options.planned ?? false));
  return {
    start: startStep,
    scaleUp,
    ceiling,
    task,
    benchmark: bench.benchmark,
    priority,
    minTokPerSec: minTps,
    bar: { benchmark: bench.benchmark, score: bar },
    notes,
    elsewhere,
    scores,
  };
}

/**
 * Models the ladder could not rank that another of the task's benchmarks rates, with their scores there: the
 * user can judge by that benchmark instead, since the two scales are never mixed.
 */
function otherScales(
  task: Task,
  bench: TaskBenchmark,
  unrated: CatalogModel[],
): { note: string | null; elsewhere: Recommendation['elsewhere'] } {
  const found = TASK_SCALES[task].scales
    .filter((s) => s !== bench)
    .flatMap((s) => {
      // Best first: the models a user would most want ranked.
      const rated = unrated
        .flatMap((m) => {
          const score = scoreOn(m, task, s);
          return score ? [{ m, score }] : [];
        })
        .sort((a, b) => b.score.score - a.score.score)
        .map(({ m, score }) => `${m.name} ${score.score}${score.thinking ? ' (reasoning)' : ''}`);
      if (rated.length === 0) return [];
      const shown = rated.slice(0, 4);
      return [
        {
          benchmark: s.benchmark,
          models: rated.length,
          text: `${rated.length} of them ${rated.length === 1 ? 'is' : 'are'} rated on ${s.benchmark} (${shown.join(', ')}${rated.length > shown.length ? ', ...' : ''}): judge by ${s.benchmark} to rank ${rated.length === 1 ? 'it' : 'them'}.`,
        },
      ];
    });
  return {
    note: found.length > 0 ? found.map((f) => f.text).join(' ') : null,
    elsewhere: found.map(({ benchmark, models }) => ({ benchmark, models })),
  };
}

/**
 * The largest model that runs usably (2+ tok/s) at Q4_K_M or Q3_K_M (Q2_K only when nothing else fits):
 * the largest rated one that scores at least the start where there is one, else the largest of all.
 */
/**
 * The speed a ceiling must run at: a score measured while reasoning takes answers many tokens long, so such a model
 * needs THINKING_SPEED_FACTOR times the ceiling's minimum to be usable (as the start and the step up need it of theirs).
 */
const THINKING_CEILING_MIN_TOK_PER_SEC = CEILING_MIN_TOK_PER_SEC * THINKING_SPEED_FACTOR;
const ceilingSpeed = (score: QualityScore | null): number => (score?.thinking ? THINKING_CEILING_MIN_TOK_PER_SEC : CEILING_MIN_TOK_PER_SEC);

function pickCeiling(
  models: CatalogModel[],
  byModel: Map<string, ReportRow[]>,
  scoreOf: (m: CatalogModel) => QualityScore | null,
  benchmark: string,
  start: Candidate | null,
  /** The step up's row: where the ceiling is the same model, it keeps the step up's precision and placement (the start's likewise). */
  scaleUpRow: ReportRow | null = null,
): LadderStep | null {
  type Found = {
    model: CatalogModel;
    row: ReportRow;
    passedOver?: { model: CatalogModel; row: ReportRow; by: Candidate };
    /** The largest bigger model that runs here but scores below the start. */
    below?: { model: CatalogModel; score: QualityScore };
  };
  const find = (precisions: readonly Precision[], rated: boolean): Found | null => {
    const runs: Candidate[] = [];
    for (const model of models) {
      const score = scoreOf(model);
      const row = score ? bestRow(byModel.get(model.id) ?? [], precisions, ceilingSpeed(score)) : null;
      if (score && row) runs.push({ model, row, score });
    }
    // A bigger model that another one here beats on both the score (by a step's worth of points, more than
    // benchmark variants differ by; a score measured while reasoning beats none) and the speed is no ceiling
    // worth climbing to.
    const beaterOf = (c: Candidate): Candidate | undefined =>
      runs.find(
        (o) => !o.score.thinking && o.score.score >= c.score.score + SCALE_UP_MIN_GAIN && (o.row.tokPerSec ?? 0) > (c.row.tokPerSec ?? 0),
      );
    let passedOver: Found['passedOver'];
    let below: Found['below'];
    for (let i = models.length - 1; i >= 0; i--) {
      const model = models[i] as CatalogModel;
      const score = scoreOf(model);
      if (
        rated &&
        (!score ||
          (start !== null &&
            (score.score < start.score.score ||
              model.publishedParamsB < start.model.publishedParamsB ||
              // A model the start's size that scores no higher is no ceiling above it: the start is.
              (model !== start.model &&
                model.publishedParamsB <= start.model.publishedParamsB * SAME_SIZE_RATIO &&
                score.score <= start.score.score))))
      ) {
        if (score && start !== null && model.publishedParamsB > start.model.publishedParamsB)
          below ??= bestRow(byModel.get(model.id) ?? [], precisions, ceilingSpeed(score)) ? { model, score } : undefined;
        continue;
      }
      const row = bestRow(byModel.get(model.id) ?? [], precisions, ceilingSpeed(score));
      if (!row) continue;
      const by = rated && score ? beaterOf({ model, row, score }) : undefined;
      if (by) {
        passedOver ??= { model, row, by };
        continue;
      }
      return {
        model,
        row,
        ...(passedOver ? { passedOver } : {}),
        ...(below && below.model.publishedParamsB > model.publishedParamsB ? { below } : {}),
      };
    }
    return null;
  };
  const found =
    find(CEILING_PRECISIONS, true) ??
    find(CEILING_PRECISIONS, false) ??
    find([LAST_RESORT_PRECISION], true) ??
    find([LAST_RESORT_PRECISION], false);
  if (!found) return null;
  const { model } = found;
  // The same model as the step up or the start keeps that rung's precision and placement: not the same model again at fewer bits.
  const row = scaleUpRow?.modelId === model.id ? scaleUpRow : start?.row.modelId === model.id ? start.row : found.row;
  const score = scoreOf(model);
  const lastResort = row.quant === LAST_RESORT_PRECISION;
  const over = found.passedOver;
  const overText = over
    ? ` ${over.model.name} (${over.model.publishedParamsB}B) also runs here, but ${over.by.model.name} beats it on both score (${scoreText(over.by.score)} against ${scoreOf(over.model)?.score ?? '?'}) and speed (~${formatTokPerSec(over.by.row.tokPerSec)} tok/s at ${over.by.row.quant} against ~${formatTokPerSec(over.row.tokPerSec)} at ${over.row.quant}).`
    : '';
  return step(
    row,
    `${start?.model.id === model.id ? 'The start is also the ceiling. ' : scaleUpRow?.modelId === model.id ? 'The step up is also the ceiling. ' : ''}Largest ${score ? `rated ${benchmark === 'MMLU' ? '' : `${benchmark} `}` : ''}model that runs here: ${model.publishedParamsB}B at ${row.quant}, ${placement(row)}, ~${formatTokPerSec(row.tokPerSec)} tok/s, ${formatBytes(row.memory.totalBytes)}. ${
      score ? `${scoreText(score)}.` : `No published ${benchmark} score: not rated for this task.`
    } ${describeQuantCost(row.quant)}${lastResort ? ': only because nothing fits at Q3_K_M or better' : ''}. Bigger ones ${found.below ? `score below the start (${found.below.model.name}, ${scoreText(found.below.score)}), or ` : ''}do not fit or run under ${CEILING_MIN_TOK_PER_SEC} tok/s (${THINKING_CEILING_MIN_TOK_PER_SEC} for a score measured while reasoning)${over ? ', or are beaten on both score and speed' : ''}.${overText}`,
    score,
  );
}
