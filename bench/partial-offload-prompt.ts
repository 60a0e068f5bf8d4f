// A prompt on a model split between the GPU and RAM, checked against published sweeps over -ngl
// (bench/data/gpu-partial-prompt.json). llama.cpp runs a prompt's products on the GPU even for layers left in RAM,
// copying their weights for each micro-batch, so a split row reads its prompt at the all-GPU rate plus that copy
// (src/core/gpu-prompt.ts). Each row is predicted from the run's anchor row: the anchor's time per token plus the
// difference in bytes kept in RAM (the app's placement of the catalog model at that -ngl) over the copy rate the app
// assumes (desktop or laptop). The fitted rate is each run's own slope, which shows whether the copy is linear in
// the bytes.
// Usage: npx tsx bench/partial-offload-prompt.ts [--out bench/results/partial-offload-prompt-DATE.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildMemoryModelFromLayout, layoutFor } from '../src/core/estimate';
import { HOST_UPLOAD_BYTES_PER_SEC, LAPTOP_HOST_UPLOAD_BYTES_PER_SEC } from '../src/core/gpu-prompt';
import { placeModel } from '../src/core/placement';
import { loadCatalog } from '../src/node/resources';
import type { Precision } from '../src/shared/precision';

interface Series {
  gpu: string;
  laptop: boolean;
  mmap: boolean;
  catalogId: string;
  quant: Precision;
  promptTokens: number;
  ubatch: number;
  url: string;
  date: string;
  inSample: boolean;
  /** -ngl of the anchor row, or its --n-cpu-moe where the rows sweep that (every layer on the GPU). */
  anchor: number;
  rows: Array<{ ngl?: number; nCpuMoe?: number; pp: number }>;
}

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const data = JSON.parse(readFileSync('bench/data/gpu-partial-prompt.json', 'utf8')) as { series: Series[] };
const catalog = loadCatalog();
const GiB = 2 ** 30;
const lines: string[] = [`# Prompt speed split between GPU and RAM (${new Date().toISOString().slice(0, 10)})`, ''];
lines.push(
  `\`npx tsx bench/partial-offload-prompt.ts\`: ${data.series.length} published sweeps over -ngl (bench/data/gpu-partial-prompt.json). Each row predicted from the run's anchor row plus the change in weights kept in RAM over the copy rate the app assumes: ${(HOST_UPLOAD_BYTES_PER_SEC / GiB).toFixed(1)} GiB/s on a desktop card, ${(LAPTOP_HOST_UPLOAD_BYTES_PER_SEC / GiB).toFixed(1)} on a laptop's (mmap'd weights, llama.cpp's default).`,
  '',
);
const ratios: number[] = [];
const outOfSample: number[] = [];
for (const s of data.series) {
  const model = catalog.find((m) => m.id === s.catalogId);
  if (!model) throw new Error(`${s.catalogId} is not in the catalog`);
  const mem = buildMemoryModelFromLayout(model, layoutFor(model, s.quant), 4096, 'f16');
  const all = model.layers + 1;
  const keyOf = (r: Series['rows'][number]): number => r.ngl ?? r.nCpuMoe ?? 0;
  const upload = (r: Series['rows'][number]): number =>
    placeModel(mem, r.ngl ?? all, 'cuda', { repackTypes: new Set(), ...(r.nCpuMoe ? { cpuMoeLayers: r.nCpuMoe } : {}) }).promptUploadBytes;
  const perToken = (pp: number): number => 1 / pp;
  const anchor = s.rows.find((r) => keyOf(r) === s.anchor);
  if (!anchor) throw new Error(`${s.gpu}: no anchor row`);
  const rate = s.laptop ? LAPTOP_HOST_UPLOAD_BYTES_PER_SEC : HOST_UPLOAD_BYTES_PER_SEC;
  // The run's own copy rate: least squares of seconds per token on bytes per token.
  const xs = s.rows.map((r) => upload(r) / s.ubatch);
  const ys = s.rows.map((r) => perToken(r.pp));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] ?? 0) - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  lines.push(
    `## ${s.gpu}: ${model.name} ${s.quant}, pp${s.promptTokens}, micro-batch ${s.ubatch}${s.mmap ? '' : ', --no-mmap'} (${s.url.startsWith('http') ? `[source](${s.url}), ` : ''}${s.date})`,
    '',
  );
  if (!s.url.startsWith('http')) lines.push(`Source: ${s.url}.`, '');
  lines.push(
    s.inSample ? "The app's copy rate was read from this run." : "Out of sample: the app's copy rates were read from the other runs.",
    '',
  );
  const sweep = s.rows[0]?.nCpuMoe !== undefined ? '--n-cpu-moe (-ngl all)' : '-ngl';
  lines.push(`| ${sweep} | weights in RAM | pp measured | pp predicted | predicted / measured |`, '|---|---|---|---|---|');
  for (const r of s.rows) {
    const t = perToken(anchor.pp) + (upload(r) - upload(anchor)) / (rate * s.ubatch);
    const predicted = 1 / t;
    const ratio = predicted / r.pp;
    const isAnchor = r === anchor;
    if (!isAnchor) (s.inSample ? ratios : outOfSample).push(ratio);
    lines.push(
      `| ${keyOf(r)}${isAnchor ? ' (anchor)' : ''} | ${(upload(r) / GiB).toFixed(2)} GiB | ${r.pp} | ${predicted.toFixed(0)} | ${isAnchor ? '' : ratio.toFixed(2)} |`,
    );
  }
  lines.push('', `The run's own copy rate (slope over its rows): ${(1 / slope / GiB).toFixed(1)} GiB/s.`, '');
}
const summary = (label: string, xs: number[]): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return `${label}: ${xs.length} rows, median ${median.toFixed(2)}, range ${sorted[0]?.toFixed(2)}-${sorted.at(-1)?.toFixed(2)}, within 25%: ${xs.filter((r) => r >= 0.75 && r <= 1.25).length}.`;
};
lines.push(summary('The runs the rates were read from', ratios), '', summary('Out of sample', outOfSample));
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (values.out) writeFileSync(values.out, text);
