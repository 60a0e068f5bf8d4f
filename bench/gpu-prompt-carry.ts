// Does one run's GPU prompt rate carry to other models? The app turns a benchmark all on a GPU into a FLOP rate
// (pp512 x FLOPs per prompt token, src/core/gpu-prompt.ts) and reads every other row's prompt speed from it. Checked
// without a GPU against published llama-bench tables where one GPU, in one run and build, measured pp512 for several
// models or weight types (bench/data/gpu-prompt-carry.json): each row is predicted from the other rows of its table
// (leave one out, the median of their rates) and compared with what was measured. It also fits the routed experts'
// efficiency on the GPU (GPU_PROMPT_EXPERT_OVERHEAD_ROWS) and shows the carry with and without it.
// Usage: npx tsx bench/gpu-prompt-carry.ts [--out bench/results/gpu-prompt-carry-DATE.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  floatPromptFactor,
  GPU_PROMPT_EXPERT_OVERHEAD_ROWS,
  GPU_PROMPT_SECONDS_PER_EXPERT_PRODUCT,
  promptExpertProductSeconds,
  promptFlopsPerToken,
  promptWorkOf,
  type PromptWork,
} from '../src/core/gpu-prompt';
import { countActiveParameters } from '../src/core/tensors';
import { loadCatalog } from '../src/node/resources';
import { publishedGroupSchema } from './lib/published';

const RowSchema = z.object({
  model: z.string(),
  type: z.string().nullable().optional(),
  paramsB: z.number().nullable().optional(),
  arch: z.string().optional(),
  pp512: z.number().positive(),
  evidence: z.string(),
  catalogId: z.string().optional(),
  exclude: z.string().optional(),
  rowNote: z.string().optional(),
});
const GroupSchema = publishedGroupSchema(RowSchema);
const FileSchema = z.object({ groups: z.array(GroupSchema) });

const { values } = parseArgs({
  options: { data: { type: 'string', default: 'bench/data/gpu-prompt-carry.json' }, out: { type: 'string' } },
});
const groups = FileSchema.parse(JSON.parse(readFileSync(values.data, 'utf8'))).groups;
const catalog = loadCatalog();

type Kind = 'dense' | 'float' | 'moe' | 'moe-float' | 'moe-uncounted';
interface Row {
  group: z.infer<typeof GroupSchema>;
  row: z.infer<typeof RowSchema>;
  kind: Kind;
  work: PromptWork | null;
}

const FLOAT = new Set(['F16', 'BF16', 'F32']);
const rows: Row[] = [];
for (const group of groups)
  for (const row of group.rows) {
    if (row.exclude) continue;
    const entry = row.catalogId ? catalog.find((m) => m.id === row.catalogId) : undefined;
    if (row.catalogId && !entry) throw new Error(`no catalog entry ${row.catalogId}`);
    const float = FLOAT.has(row.type ?? '');
    const moe = entry ? Boolean(entry.experts && entry.experts.count > 1) : /\d+B\.A\d+B|gpt-oss/.test(row.model);
    const work: PromptWork | null = entry
      ? promptWorkOf(countActiveParameters(entry) / 1e9, entry)
      : moe || !row.paramsB
        ? null
        : { activeParamsB: row.paramsB, shape: { layers: 0, heads: 0, headDim: 0 } };
    const kind: Kind = moe ? (work ? (float ? 'moe-float' : 'moe') : 'moe-uncounted') : float ? 'float' : 'dense';
    rows.push({ group, row, kind, work });
  }

/**
 * Each row's pp512 predicted from the quantized rows of its table but itself (their median FLOP rate). Each MoE token
 * also pays its micro-batch's expert products at a fixed time each (promptExpertProductSeconds, times `productScale`:
 * 0 leaves it out), taken out of a reference row's time before its rate is read, and added back to the predicted row's.
 */
function predict(overheadRows: number, floatFactor = false, productScale = 0): Array<{ r: Row; ratio: number }> {
  const out: Array<{ r: Row; ratio: number }> = [];
  const fixed = (w: PromptWork): number => promptExpertProductSeconds(w, 512) * productScale;
  for (const r of rows) {
    if (!r.work) continue;
    // The table's other quantized dense rows set the rate, as a catalogued rate is read from dense runs; a table of
    // MoE rows alone reads it from them.
    const others = rows.filter((o) => o !== r && o.group === r.group && o.work && (o.kind === 'dense' || o.kind === 'moe'));
    const refs = others.some((o) => o.kind === 'dense') ? others.filter((o) => o.kind === 'dense') : others;
    if (refs.length === 0) continue;
    const rates = refs
      .map((o) => {
        const w = o.work as PromptWork;
        const seconds = 1 / o.row.pp512;
        const flopSeconds = seconds - fixed(w);
        return promptFlopsPerToken(w, 512, overheadRows) / (flopSeconds > seconds * 0.2 ? flopSeconds : seconds);
      })
      .sort((a, b) => a - b);
    const m = rates.length >> 1;
    const rate = rates.length % 2 ? (rates[m] as number) : ((rates[m - 1] as number) + (rates[m] as number)) / 2;
    const factor = floatFactor ? floatPromptFactor(r.row.type ?? '', r.group.backend) : 1;
    const seconds = promptFlopsPerToken(r.work, 512, overheadRows) / (rate * factor) + fixed(r.work);
    out.push({ r, ratio: 1 / seconds / r.row.pp512 });
  }
  return out;
}

const summary = (ratios: number[]): string => {
  if (ratios.length === 0) return 'none';
  const s = [...ratios].sort((a, b) => a - b);
  const med = s.length % 2 ? (s[s.length >> 1] as number) : ((s[(s.length >> 1) - 1] as number) + (s[s.length >> 1] as number)) / 2;
  const within = (f: number): number => s.filter((x) => x >= 1 / f && x <= f).length;
  return `${s.length} rows, median ${med.toFixed(2)}, range ${(s[0] as number).toFixed(2)}-${(s.at(-1) as number).toFixed(2)}, within 25%: ${within(1.25)}, within 1.5x: ${within(1.5)}`;
};
const logError = (ratios: number[]): number => {
  const s = ratios.map((x) => Math.abs(Math.log(x))).sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
};

// The fit: the overhead that makes MoE rows (quantized, expert counts known) carry best from the dense rows.
const CANDIDATES = [0, 8, 16, 24, 32, 48, 64, 80, 96, 128, 160, 192, 256, 384, 512];
const fit = CANDIDATES.map((rowsOverhead) => ({
  rowsOverhead,
  error: logError(
    predict(rowsOverhead)
      .filter((p) => p.r.kind === 'moe')
      .map((p) => p.ratio),
  ),
}));
const best = fit.reduce((a, b) => (b.error < a.error ? b : a));

const lines: string[] = [];
const date = new Date().toISOString().slice(0, 10);
lines.push(`# GPU prompt speed carried from one model to another (${date})`, '');
lines.push(
  `Data: ${groups.length} published llama-bench tables (one GPU, one run and build each), ${rows.length} rows used, from \`bench/data/gpu-prompt-carry.json\`. Each row's pp512 is predicted from the other quantized rows of its table (the median of their FLOP rates, src/core/gpu-prompt.ts) and divided by what was measured: above 1 predicts it faster than it ran.`,
  '',
);
lines.push("## Fit of the routed experts' overhead (rows per expert a mul_mat_id costs on top of its own)", '');
lines.push('| overhead rows | median error of MoE rows (exp of median |log ratio|) |', '|---:|---:|');
for (const f of fit)
  lines.push(`| ${f.rowsOverhead}${f.rowsOverhead === best.rowsOverhead ? ' (best)' : ''} | ${Math.exp(f.error).toFixed(2)}x |`);
lines.push('', `The app uses ${GPU_PROMPT_EXPERT_OVERHEAD_ROWS} (src/core/gpu-prompt.ts).`, '');

const tauUs = GPU_PROMPT_SECONDS_PER_EXPERT_PRODUCT * 1e6;
for (const [title, overhead, floatFactor, products] of [
  ['Without an MoE term (every active FLOP at the dense rate)', 0, false, 0],
  [`With the row overhead alone (${GPU_PROMPT_EXPERT_OVERHEAD_ROWS} rows)`, GPU_PROMPT_EXPERT_OVERHEAD_ROWS, false, 0],
  [
    `With the app's MoE term (${GPU_PROMPT_EXPERT_OVERHEAD_ROWS} rows and ${tauUs} µs per expert product)`,
    GPU_PROMPT_EXPERT_OVERHEAD_ROWS,
    false,
    1,
  ],
  [`With the MoE term and the app's float factor (F16/BF16 weights, floatPromptFactor)`, GPU_PROMPT_EXPERT_OVERHEAD_ROWS, true, 1],
] as const) {
  const p = predict(overhead, floatFactor, products);
  lines.push(`## ${title}`, '');
  for (const kind of ['dense', 'float', 'moe', 'moe-float'] as const)
    lines.push(
      `- ${kind === 'dense' ? 'dense, quantized' : kind === 'float' ? 'dense, F16/BF16' : kind === 'moe' ? 'MoE, quantized' : 'MoE, BF16'}: ${summary(p.filter((x) => x.r.kind === kind).map((x) => x.ratio))}`,
    );
  lines.push('');
}

// The fixed time per expert product, at the app's row overhead.
const TAUS = [0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 6];
lines.push(`## Fit of the fixed time per expert product (at ${GPU_PROMPT_EXPERT_OVERHEAD_ROWS} rows)`, '');
lines.push('| µs per product | median error of MoE rows | within 25% |', '|---:|---:|---:|');
for (const tau of TAUS) {
  const moe = predict(GPU_PROMPT_EXPERT_OVERHEAD_ROWS, false, tau / tauUs)
    .filter((p) => p.r.kind === 'moe')
    .map((p) => p.ratio);
  lines.push(
    `| ${tau}${tau === tauUs ? ' (the app)' : ''} | ${Math.exp(logError(moe)).toFixed(2)}x | ${moe.filter((x) => x >= 0.8 && x <= 1.25).length} of ${moe.length} |`,
  );
}
lines.push('');

const final = predict(GPU_PROMPT_EXPERT_OVERHEAD_ROWS, true, 1);
const plain = new Map(predict(0).map((p) => [p.r, p.ratio]));
lines.push('## Every row', '');
lines.push(
  '| GPU (backend, date) | model | kind | pp512 measured | predicted / measured, no MoE term | with it | source |',
  '|---|---|---|---:|---:|---:|---|',
);
for (const p of final)
  lines.push(
    `| ${p.r.group.gpu} (${p.r.group.backend}, ${p.r.group.date ?? '?'}) | ${p.r.row.model}${p.r.row.catalogId ? ` (${p.r.row.catalogId})` : ''} | ${p.r.kind} | ${p.r.row.pp512} | ${(plain.get(p.r) ?? NaN).toFixed(2)} | ${p.ratio.toFixed(2)} | ${p.r.group.url ? `[link](${p.r.group.url})` : 'no URL'} |`,
  );
const uncounted = rows.filter((r) => r.kind === 'moe-uncounted');
if (uncounted.length)
  lines.push(
    '',
    `Not predicted (MoE models outside the catalog, whose expert counts it does not hold): ${uncounted.map((r) => `${r.row.model} on ${r.group.gpu.split(' (')[0]} (${r.group.backend})`).join('; ')}.`,
  );
const text = lines.join('\n') + '\n';
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
