// "Start small, scale up": a ladder of three picks instead of one. Small models often win: a 13B
// ran 3x faster than a 70B at nearly the same accuracy (0.57 vs 0.59), so the ladder starts with
// the smallest model that does general chat well and only climbs when the gain is worth its cost.
import { fitLabel } from '../shared/fit-words';
import {
  CEILING_MIN_TOK_PER_SEC,
  CEILING_PRECISIONS,
  INTERACTIVE_TOK_PER_SEC,
  SCALE_UP_MIN_GAIN,
  START_QUALITY_MIN,
} from '../shared/ladder';
import type { Precision } from '../shared/precision';
import type { CatalogModel, LadderStep, Recommendation, ReportRow } from '../shared/schema';
import { formatBytes, formatTokPerSec } from '../shared/units';

/** Precisions a recommendation may use, best first: Q4_K_M and up keep quality close to the original. */
const RECOMMENDED_PRECISIONS: Precision[] = ['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M'];

const describeFit = (row: ReportRow): string => fitLabel(row.fit, row.gpuLayers, row.totalLayers);

function step(row: ReportRow, reason: string): LadderStep {
  return { modelId: row.modelId, name: row.name, quant: row.quant, fit: row.fit, tokPerSec: row.tokPerSec, reason };
}

const FIT_PREFERENCE: ReportRow['fit'][] = ['gpu', 'partial', 'cpu'];

/** A model's best row at a given speed: the best fit level first (all on the GPU beats a split), then the most bits. */
function bestRow(rows: ReportRow[], precisions: readonly Precision[], minTokPerSec: number): ReportRow | null {
  for (const fit of FIT_PREFERENCE) {
    for (const quant of precisions) {
      const row = rows.find((r) => r.quant === quant);
      if (row && row.fit === fit && (row.tokPerSec ?? 0) >= minTokPerSec) return row;
    }
  }
  return null;
}

const fitRank = (fit: ReportRow['fit']): number => FIT_PREFERENCE.indexOf(fit);

export function recommendLadder(rows: ReportRow[], catalog: CatalogModel[]): Recommendation {
  const byModel = new Map<string, ReportRow[]>();
  for (const r of rows) byModel.set(r.modelId, [...(byModel.get(r.modelId) ?? []), r]);
  const models = [...catalog].sort((a, b) => a.publishedParamsB - b.publishedParamsB);
  const quality = (m: CatalogModel): number | null => m.quality?.score ?? null;

  const interactive = models
    .map((m) => ({ m, row: bestRow(byModel.get(m.id) ?? [], RECOMMENDED_PRECISIONS, INTERACTIVE_TOK_PER_SEC) }))
    .filter((c): c is { m: CatalogModel; row: ReportRow } => c.row !== null);

  const startCandidate =
    interactive.find((c) => (quality(c.m) ?? 0) >= START_QUALITY_MIN) ??
    [...interactive].filter((c) => quality(c.m) !== null).sort((a, b) => (quality(b.m) ?? 0) - (quality(a.m) ?? 0))[0] ??
    interactive[0];
  let start: LadderStep | null = null;
  let scaleUp: LadderStep | null = null;
  if (startCandidate) {
    const q = quality(startCandidate.m);
    start = step(
      startCandidate.row,
      q !== null && q >= START_QUALITY_MIN
        ? `Smallest model with ${startCandidate.m.quality?.benchmark} ${q} (at least ${START_QUALITY_MIN}) that runs at ~${formatTokPerSec(startCandidate.row.tokPerSec)} tok/s at ${startCandidate.row.quant} (${describeFit(startCandidate.row)}), in ${formatBytes(startCandidate.row.memory.totalBytes)}.`
        : `Nothing with ${START_QUALITY_MIN}+ MMLU runs at ${INTERACTIVE_TOK_PER_SEC} tok/s here; this is the best that does (~${formatTokPerSec(startCandidate.row.tokPerSec)} tok/s, ${describeFit(startCandidate.row)}).`,
    );
    const base = q ?? 0;
    const bigger = interactive.filter(
      (c) => c.m.publishedParamsB > startCandidate.m.publishedParamsB && (quality(c.m) ?? -1) >= base + SCALE_UP_MIN_GAIN,
    );
    // A step up that keeps the start's placement (e.g. still all on the GPU) beats one that spills to RAM.
    const up = bigger.find((c) => fitRank(c.row.fit) <= fitRank(startCandidate.row.fit)) ?? bigger[0];
    if (up) {
      const gain = (quality(up.m) ?? 0) - base;
      const memRatio = up.row.memory.totalBytes / startCandidate.row.memory.totalBytes;
      const speedRatio = (startCandidate.row.tokPerSec ?? 0) / Math.max(1e-9, up.row.tokPerSec ?? 0);
      scaleUp = step(
        up.row,
        `+${gain.toFixed(1)} ${up.m.quality?.benchmark} points for ${memRatio.toFixed(1)}x the memory and ${speedRatio.toFixed(1)}x slower; still ~${formatTokPerSec(up.row.tokPerSec)} tok/s (${describeFit(up.row)}).`,
      );
    }
  }
  let ceiling: LadderStep | null = null;
  for (let i = models.length - 1; i >= 0; i--) {
    const m = models[i] as CatalogModel;
    const row = bestRow(byModel.get(m.id) ?? [], CEILING_PRECISIONS, CEILING_MIN_TOK_PER_SEC);
    if (row) {
      ceiling = step(
        row,
        `Largest model that still runs at ${row.quant} or better: ${describeFit(row)}, ~${formatTokPerSec(row.tokPerSec)} tok/s, ${formatBytes(row.memory.totalBytes)}. Bigger ones do not fit or run under ${CEILING_MIN_TOK_PER_SEC} tok/s.`,
      );
      break;
    }
  }
  return { start, scaleUp, ceiling };
}
