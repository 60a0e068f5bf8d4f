// A user's own benchmarks feed the report: the benchmarked model's row shows the measured speed,
// and the other rows placed the same way (all on the CPU, or all on the GPU) move by how far the
// estimate was from the measurement, so one run corrects the whole matrix. Each row says which:
// measured (by which run), estimated and corrected by runs, or estimated.
import type { BenchRecord, HardwareSnapshot, ReportRow } from '../shared/schema';
import { PROMPT_TOKENS } from '../shared/defaults';
import { formatTokPerSec } from '../shared/units';

/** Where a row runs, as far as a correction carries over: rows placed alike move alike. */
type Placement = 'cpu' | 'gpu';

const placementOfRecord = (r: BenchRecord): Placement | null => (r.gpuLayers === 0 ? 'cpu' : r.gpuLayers >= r.totalLayers ? 'gpu' : null);
const placementOfRow = (row: ReportRow): Placement | null => (row.fit === 'cpu' ? 'cpu' : row.fit === 'gpu' ? 'gpu' : null);

/** A record was made on this hardware: the same CPU and the same GPUs, in order. */
export function recordedHere(record: BenchRecord, hardware: HardwareSnapshot): boolean {
  const gpus = hardware.gpus.map((g) => g.name);
  return record.hardware.cpu === hardware.cpu.model && record.hardware.gpus.join('\n') === gpus.join('\n');
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * A file this small (a test model of a few MB) spends its time on fixed per-token costs, not on
 * reading weights: its own row shows what it measured, but it does not correct the others.
 */
const MIN_CORRECTING_FILE_BYTES = 100 * 2 ** 20;

/** Corrections beyond this range say the run was unusual (a busy machine), not that the model is wrong. */
const MIN_RATIO = 0.25;
const MAX_RATIO = 4;

/**
 * Rows with measured or corrected speeds. Only records made on `hardware` count, the newest per
 * file; the measured/estimated ratio per placement is the median over those files.
 */
export function applyMeasuredSpeeds(rows: ReportRow[], records: readonly BenchRecord[], hardware: HardwareSnapshot): ReportRow[] {
  const newest = new Map<string, BenchRecord>();
  for (const r of records) {
    if (!recordedHere(r, hardware) || placementOfRecord(r) === null) continue;
    const seen = newest.get(r.model.path);
    if (!seen || seen.at < r.at) newest.set(r.model.path, r);
  }
  if (newest.size === 0) return rows;
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
  return rows.map((row) => {
    const placement = placementOfRow(row);
    if (row.tokPerSec === null || placement === null) return row;
    const own = row.filePath ? newest.get(row.filePath) : undefined;
    if (own && placementOfRecord(own) === placement) {
      return {
        ...row,
        ...measuredPrompt(row, own),
        tokPerSec: own.tg.mean,
        speedSource: {
          kind: 'measured',
          by: 'rightsize bench',
          detail: `tg${own.settings.genTokens} ${formatTokPerSec(own.tg.mean)} ± ${formatTokPerSec(own.tg.sd)} tok/s, run ${own.at.slice(0, 16).replace('T', ' ')} (${own.threads.tg} threads, ${own.backend}); estimated ${own.predictedTgTokPerSec !== null ? formatTokPerSec(own.predictedTgTokPerSec) : 'n/a'}.`,
        },
      };
    }
    const factor = correction[placement];
    if (factor === null) return row;
    return {
      ...row,
      tokPerSec: row.tokPerSec * factor,
      speedSource: {
        kind: 'estimated',
        by: 'speed.corrected-by-runs',
        detail: `${row.speedSource.detail ?? row.speedSource.by}; x${factor.toFixed(2)}, the median measured/estimated generation speed of ${runs(placement)} with the model ${placement === 'cpu' ? 'on the CPU' : 'all on the GPU'}.`,
      },
    };
  });
}

/**
 * The benchmarked file's own prompt speed: the run's pp512 where the row has only an estimate, and the full-context
 * wait scaled by how far the estimate was (its growth with the prompt's length stays estimated).
 */
function measuredPrompt(
  row: ReportRow,
  own: BenchRecord,
): Partial<Pick<ReportRow, 'promptTokPerSec' | 'promptSource' | 'fullPromptSeconds'>> {
  if (own.settings.promptTokens !== PROMPT_TOKENS || !(own.pp.mean > 0) || row.promptSource?.kind === 'measured') return {};
  const estimated = row.promptTokPerSec;
  const full = row.fullPromptSeconds && estimated ? { fullPromptSeconds: (row.fullPromptSeconds * estimated) / own.pp.mean } : {};
  return {
    promptTokPerSec: own.pp.mean,
    promptSource: {
      kind: 'measured',
      by: 'rightsize bench',
      detail: `pp${PROMPT_TOKENS} ${formatTokPerSec(own.pp.mean)} ± ${formatTokPerSec(own.pp.sd)} tok/s, run ${own.at.slice(0, 16).replace('T', ' ')} (${own.threads.pp} threads, ${own.backend})${estimated ? `; estimated ${formatTokPerSec(estimated)}, and a prompt that fills the context takes the estimate's time x ${(estimated / own.pp.mean).toFixed(2)}` : ''}.`,
    },
    ...full,
  };
}
