// How a GPU's prompt speed falls with depth (the tokens already in the cache), checked without a GPU: published
// llama-bench pp2048 at depths 0 to 32K (bench/data/gpu-prompt-depth.json) against the slowdown the app predicts
// from each model's FLOPs per prompt token (src/core/gpu-prompt.ts), with its attention counted layer by layer
// (src/core/prompt-attention.ts) and, for comparison, as if every layer attended to the whole prompt.
// Usage: npx tsx bench/gpu-prompt-depth.ts [--out bench/results/gpu-prompt-depth-DATE.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { GPU_PROMPT_ATTENTION_EFFICIENCY, promptFlopsPerToken, promptWorkOf, type PromptWork } from '../src/core/gpu-prompt';
import { countActiveParameters } from '../src/core/tensors';
import { loadCatalog } from '../src/node/resources';

const DataSchema = z.object({
  groups: z.array(
    z.object({
      gpu: z.string(),
      backend: z.string(),
      date: z.string(),
      url: z.string().url(),
      note: z.string(),
      tokens: z.number().int().positive(),
      rows: z.array(z.object({ model: z.string(), catalogId: z.string(), byDepth: z.record(z.string(), z.number().positive()) })),
    }),
  ),
});
const { values } = parseArgs({
  options: { data: { type: 'string', default: 'bench/data/gpu-prompt-depth.json' }, out: { type: 'string' } },
});
const groups = DataSchema.parse(JSON.parse(readFileSync(values.data, 'utf8'))).groups;
const catalog = loadCatalog();

interface Point {
  group: string;
  model: string;
  kind: string;
  depth: number;
  measured: number;
  work: PromptWork;
  fullWork: PromptWork;
  tokens: number;
}
const points: Point[] = [];
for (const g of groups)
  for (const r of g.rows) {
    const entry = catalog.find((m) => m.id === r.catalogId);
    if (!entry) throw new Error(`no catalog entry ${r.catalogId}`);
    const work = promptWorkOf(countActiveParameters(entry) / 1e9, entry);
    const fullWork = { ...work, shape: { layers: entry.layers, heads: entry.heads, headDim: entry.headDim } };
    const at0 = r.byDepth['0'];
    if (!at0) continue;
    const kind = entry.recurrent
      ? `${entry.recurrent.attentionLayers.length} of ${entry.layers} layers`
      : entry.slidingWindow
        ? `${entry.slidingWindow.globalPerPeriod} in ${entry.slidingWindow.period} global, window ${entry.slidingWindow.windowTokens}`
        : entry.chunkedAttention
          ? `chunks of ${entry.chunkedAttention.chunkTokens}`
          : 'full';
    for (const [d, v] of Object.entries(r.byDepth))
      if (Number(d) > 0)
        points.push({ group: g.gpu, model: r.model, kind, depth: Number(d), measured: v / at0, work, fullWork, tokens: g.tokens });
  }
const slowdown = (w: PromptWork, p: Point, efficiency: number): number =>
  promptFlopsPerToken(w, p.tokens, undefined, 0, efficiency) / promptFlopsPerToken(w, p.tokens, undefined, p.depth, efficiency);
const logError = (xs: number[]): number => {
  const s = xs.map((x) => Math.abs(Math.log(x))).sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[(s.length >> 1) - 1] as number) + (s[s.length >> 1] as number)) / 2;
};
const CANDIDATES = [0.4, 0.5, 0.6, 0.75, 0.9, 1, 1.25, 1.5];
const fit = CANDIDATES.map((e) => ({ e, error: logError(points.map((p) => slowdown(p.work, p, e) / p.measured)) }));
const best = fit.reduce((a, b) => (b.error < a.error ? b : a));

const lines: string[] = [];
const date = new Date().toISOString().slice(0, 10);
lines.push(`# GPU prompt speed at depth against published runs (${date})`, '');
lines.push(
  "Each cell: the published speed at that depth as a share of the speed at depth 0, then what the app predicts (attention layer by layer: windows, chunks and recurrent blocks counted, at the app's attention rate), then what full attention on every layer at half rate predicts (the app before 2026-12-03). The rate cancels out: only the FLOPs per prompt token matter.",
  '',
);
lines.push("## Fit of the GPU's attention rate (a share of the weights' products' rate)", '');
lines.push('| attention efficiency | median error (exp of median |log ratio|) |', '|---:|---:|');
for (const f of fit) lines.push(`| ${f.e}${f.e === best.e ? ' (best)' : ''} | ${Math.exp(f.error).toFixed(3)}x |`);
lines.push('', `The app uses ${GPU_PROMPT_ATTENTION_EFFICIENCY} (GPU_PROMPT_ATTENTION_EFFICIENCY in src/core/gpu-prompt.ts).`, '');
const errors: { layered: number[]; full: number[] } = { layered: [], full: [] };
for (const g of groups) {
  lines.push(`## ${g.gpu} (${g.backend}, ${g.date})`, '', `${g.note} [source](${g.url})`, '');
  const mine = points.filter((p) => p.group === g.gpu);
  const depths = [...new Set(mine.map((p) => p.depth))].sort((a, b) => a - b);
  lines.push(`| model | attention | ${depths.map((d) => `d${d}`).join(' | ')} |`, `|---|---|${depths.map(() => '---:').join('|')}|`);
  for (const model of [...new Set(mine.map((p) => p.model))]) {
    const rows = mine.filter((p) => p.model === model);
    const cells = depths.map((d) => {
      const p = rows.find((x) => x.depth === d);
      if (!p) return '';
      const layered = slowdown(p.work, p, GPU_PROMPT_ATTENTION_EFFICIENCY);
      const full = slowdown(p.fullWork, p, 0.5);
      errors.layered.push(layered / p.measured);
      errors.full.push(full / p.measured);
      return `${p.measured.toFixed(2)} / ${layered.toFixed(2)} / ${full.toFixed(2)}`;
    });
    lines.push(`| ${model} | ${rows[0]?.kind ?? ''} | ${cells.join(' | ')} |`);
  }
  lines.push('');
}
const summary = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? (s[s.length >> 1] as number) : ((s[(s.length >> 1) - 1] as number) + (s[s.length >> 1] as number)) / 2;
  return `${s.length} points, predicted / published median ${med.toFixed(2)}, range ${(s[0] as number).toFixed(2)}-${(s.at(-1) as number).toFixed(2)}, within 25%: ${s.filter((x) => x >= 0.8 && x <= 1.25).length}`;
};
lines.push(
  `- The app (attention layer by layer, at ${GPU_PROMPT_ATTENTION_EFFICIENCY} of the rate): ${summary(errors.layered)}`,
  `- Before 2026-12-03 (every layer attending fully, at 0.5): ${summary(errors.full)}`,
  '',
);
const text = lines.join('\n');
if (values.out) writeFileSync(values.out, text);
console.log(text);
