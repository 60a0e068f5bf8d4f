// What the checks against published llama-bench runs share: a table of one GPU, one backend and build, quoted from
// its page (bench/data/*.json), and how a column of predicted / published ratios is summed up.
import { z } from 'zod';

/** One published table: its GPU, backend, date and page, and its rows (each script's own row schema). */
export function publishedGroupSchema<Row extends z.ZodTypeAny>(row: Row) {
  return z.object({
    gpu: z.string(),
    backend: z.string(),
    date: z.string().nullable().optional(),
    url: z.string().nullable().optional(),
    rows: z.array(row),
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

/** "- label: n points, median, range, within 25%" of predicted / published ratios. */
export const ratioSummary = (label: string, xs: number[]): string =>
  xs.length === 0
    ? `- ${label}: none`
    : `- ${label}: ${xs.length} points, median ${median(xs).toFixed(2)}, range ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}, within 25%: ${xs.filter((r) => r >= 0.75 && r <= 1.25).length}`;
