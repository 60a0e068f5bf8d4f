// A user's own benchmarks feed the report: the benchmarked model's row shows the measured speed,
// and the other rows placed the same way (all on the CPU, or all on the GPU) move by how far the
// estimate was from the measurement, so one run corrects the whole matrix. Each row says which:
// measured (by which run), estimated and corrected by runs, or estimated.
import type { BenchRecord, HardwareSnapshot, ReportRow } from '../shared/schema';
import { PROMPT_TOKENS } from '../shared/defaults';
import { formatTokPerSec } from '../shared/units';
import { median, recordedHere } from './bench-records';
import { promptFlopsPerToken } from './gpu-prompt';

/** Where a row runs, as far as a correction carries over: rows placed alike move alike. */
type Placement = 'cpu' | 'gpu';

const placementOfRecord = (r: BenchRecord): Placement | null => (r.gpuLayers === 0 ? 'cpu' : r.gpuLayers >= r.totalLayers ? 'gpu' : null);
const placementOfRow = (row: ReportRow): Placement | null => (row.fit === 'cpu' ? 'cpu' : row.fit === 'gpu' ? 'gpu' : null);

/**
 * A file this small (a test model of a few MB) spends its time on fixed per-token costs, not on
 * reading weights: its own row shows what it measured, but it does not correct the others.
 */
const MIN_CORRECTING_FILE_BYTES = 100 * 2 ** 20;

/** Corrections beyond this range say the run was unusual (a busy machine), not that the model is wrong. */
const MIN_RATIO = 0.25;
const MAX_RATIO = 4;

/** A run placed the model as this row does: on the CPU, all on the GPU, or the same k of N layers on the GPU. */
function placedAsRow(record: BenchRecord, row: ReportRow): boolean {
  if (row.fit === 'cpu') return record.gpuLayers === 0;
  if (row.fit === 'gpu') return record.gpuLayers >= record.totalLayers;
  // A run cannot say it kept experts in RAM (--n-cpu-moe), so it matches a plain layer split only.
  return row.fit === 'partial' && !row.cpuMoeLayers && record.gpuLayers === row.gpuLayers && record.totalLayers === row.totalLayers;
}

const when = (r: BenchRecord): string => r.at.slice(0, 16).replace('T', ' ');

/**
 * Rows with measured or corrected speeds. Only records made on `hardware` count. The benchmarked file's row shows the
 * newest run placed as it is; the measured/estimated ratio per placement (CPU only, all on the GPU) is the median over
 * the newest such run per file, and moves the other rows placed that way.
 */
export function applyMeasuredSpeeds(rows: ReportRow[], records: readonly BenchRecord[], hardware: HardwareSnapshot): ReportRow[] {
  const here = records.filter((r) => recordedHere(r, hardware)).sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
  if (here.length === 0) return rows;
  const newest = new Map<string, BenchRecord>();
  for (const r of here) if (placementOfRecord(r) !== null && !newest.has(r.model.path)) newest.set(r.model.path, r);
  const ratios: Record<Placement, number[]> = { cpu: [], gpu: [] };
  for (const r of newest.values()) {
    const placement = placementOfRecord(r) as Placement;
    const tooSmall = r.model.fileBytes !== null && r.model.fileBytes < MIN_CORRECTING_FILE_BYTES;
    if (!tooSmall && r.predictedTgTokPerSec && r.predictedTgTokPerSec > 0 && r.tg.mean > 0) {
      const ratio = r.tg.mean / r.predictedTgTokPerSec;
      if (ratio >= MIN_RATIO && ratio <= MAX_RATIO) ratios[placement].push(ratio);
    }
  }
  const correction: Record<Placement, number | null> = {
    cpu: ratios.cpu.length ? median(ratios.cpu) : null,
    gpu: ratios.gpu.length ? median(ratios.gpu) : null,
  };
  const runs = (p: Placement): string => `${ratios[p].length} benchmark run${ratios[p].length === 1 ? '' : 's'} on this machine`;
  const out = rows.map((row): ReportRow => {
    if (row.tokPerSec === null) return row;
    const ofFile = row.filePath ? here.filter((r) => r.model.path === row.filePath) : [];
    const own = ofFile.find((r) => placedAsRow(r, row));
    if (own) {
      return {
        ...row,
        ...measuredPrompt(row, own),
        tokPerSec: own.tg.mean,
        speedSource: {
          kind: 'measured',
          by: 'rightsize bench',
          detail: `tg${own.settings.genTokens} ${formatTokPerSec(own.tg.mean)} ± ${formatTokPerSec(own.tg.sd)} tok/s, run ${when(own)} (${own.threads.tg} threads, ${own.backend}${row.fit === 'partial' ? `, ${own.gpuLayers} of ${own.totalLayers} layers on the GPU` : ''}); estimated ${own.predictedTgTokPerSec !== null ? formatTokPerSec(own.predictedTgTokPerSec) : 'n/a'}.`,
        },
      };
    }
    // A run of this file placed otherwise (node-llama-cpp chose another layer count): said, not applied.
    const other = ofFile[0];
    const aside = other
      ? `; your run of this file on ${when(other)} put ${other.gpuLayers} of ${other.totalLayers} layers on the GPU and measured ${formatTokPerSec(other.tg.mean)} tok/s, a placement other than this row's`
      : '';
    const placement = placementOfRow(row);
    const factor = placement === null ? null : correction[placement];
    if (factor === null || placement === null)
      return aside
        ? { ...row, speedSource: { ...row.speedSource, detail: `${row.speedSource.detail ?? row.speedSource.by}${aside}.` } }
        : row;
    return {
      ...row,
      tokPerSec: row.tokPerSec * factor,
      speedSource: {
        kind: 'estimated',
        by: 'speed.corrected-by-runs',
        detail: `${row.speedSource.detail ?? row.speedSource.by}; x${factor.toFixed(2)}, the median measured/estimated generation speed of ${runs(placement)} with the model ${placement === 'cpu' ? 'on the CPU' : 'all on the GPU'}${aside}.`,
      },
    };
  });
  return out.every((row, i) => row === rows[i]) ? rows : out;
}

/**
 * The benchmarked file's own prompt speed: the run's pp512 where the row has only an estimate. A row with an estimated
 * full-context wait (CPU, calibrated) keeps its growth with the prompt's length and is scaled by how far the estimate
 * of pp512 was; a row without one (a split) gets the run's rate carried to the context by FLOPs per prompt token,
 * from the model's prompt work the run kept.
 */
function measuredPrompt(
  row: ReportRow,
  own: BenchRecord,
): Partial<Pick<ReportRow, 'promptTokPerSec' | 'promptSource' | 'fullPromptSeconds'>> {
  if (own.settings.promptTokens !== PROMPT_TOKENS || !(own.pp.mean > 0) || row.promptSource?.kind === 'measured') return {};
  const estimated = row.promptTokPerSec;
  const work = own.promptWork
    ? { activeParamsB: own.promptWork.activeParamsB, shape: own.promptWork, routed: own.promptWork.routed ?? null }
    : null;
  let fullPromptSeconds: number | undefined;
  let how = '';
  if (row.fullPromptSeconds && estimated) {
    fullPromptSeconds = (row.fullPromptSeconds * estimated) / own.pp.mean;
    how = `; estimated ${formatTokPerSec(estimated)}, and a prompt that fills the context takes the estimate's time x ${(estimated / own.pp.mean).toFixed(2)}`;
  } else if (work) {
    fullPromptSeconds =
      (row.contextTokens * promptFlopsPerToken(work, row.contextTokens)) / (own.pp.mean * promptFlopsPerToken(work, PROMPT_TOKENS));
    how = `; a prompt that fills the context is this rate carried to its length by FLOPs per token, attention at half the rate of the weights' products`;
  }
  return {
    promptTokPerSec: own.pp.mean,
    promptSource: {
      kind: 'measured',
      by: 'rightsize bench',
      detail: `pp${PROMPT_TOKENS} ${formatTokPerSec(own.pp.mean)} ± ${formatTokPerSec(own.pp.sd)} tok/s, run ${when(own)} (${own.threads.pp} threads, ${own.backend})${how}.`,
    },
    ...(fullPromptSeconds !== undefined ? { fullPromptSeconds } : {}),
  };
}
