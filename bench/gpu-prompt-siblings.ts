// How well a GPU's prompt rate carries from its siblings (src/core/gpu-prompt-siblings.ts): each published rate in
// resources/hardware/gpu-prompt-rates.json predicted from the other cards of its architecture on the same backend
// alone (leave one out), as predicted / published. Then which presets get an estimate this way, and which none.
// Usage: npx tsx bench/gpu-prompt-siblings.ts [--out bench/results/gpu-prompt-siblings-DATE.md]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MIN_SIBLINGS, siblingCheck, siblingCheckSummary, siblingPromptRate, UNSTEADY_BACKENDS } from '../src/core/gpu-prompt-siblings';
import { defaultBackendForVendor } from '../src/core/backend';
import { loadGpuPresets, loadGpuPromptRates } from '../src/node/resources';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const presets = loadGpuPresets();
const rates = loadGpuPromptRates();
const nameOf = (id: string): string => presets.find((p) => p.id === id)?.name ?? id;
const archOf = (id: string): string => presets.find((p) => p.id === id)?.architecture ?? '?';

const lines: string[] = [];
lines.push(`# GPU prompt rates from siblings, checked leave-one-out (${new Date().toISOString().slice(0, 10)})`, '');
lines.push(
  `\`npx tsx bench/gpu-prompt-siblings.ts\`: ${rates.length} catalogued rates (resources/hardware/gpu-prompt-rates.json), each predicted from the published rates of the other cards of its architecture on its backend (at least ${MIN_SIBLINGS}), as their median FLOPs per byte of bandwidth times its own bandwidth.`,
  '',
);
// Every backend here, the unsteady ones too, to show why those get no estimate in the app.
const points = siblingCheck(presets, rates, { anyBackend: true }).sort((a, b) => a.ratio - b.ratio);
lines.push('| GPU | architecture | backend | siblings | predicted / published |', '|---|---|---|---|---|');
for (const p of points)
  lines.push(`| ${nameOf(p.presetId)} | ${archOf(p.presetId)} | ${p.backend} | ${p.siblings} | ${p.ratio.toFixed(2)} |`);
const steady = points.filter((p) => !UNSTEADY_BACKENDS.includes(p.backend));
lines.push(
  '',
  `What the app estimates (every backend but ${UNSTEADY_BACKENDS.join(', ')}): ${siblingCheckSummary(steady)}. All backends: ${siblingCheckSummary(points)}.`,
);
for (const backend of [...new Set(points.map((p) => p.backend))].sort())
  lines.push(`- ${backend}: ${siblingCheckSummary(points.filter((p) => p.backend === backend))}`);
const unchecked = rates.filter((r) => !points.some((p) => p.presetId === r.presetId && p.backend === r.backend));
lines.push(
  '',
  `Not checked (fewer than ${MIN_SIBLINGS} siblings on the backend): ${unchecked.map((r) => `${nameOf(r.presetId)} (${r.backend})`).join(', ')}.`,
);

// What a planned card (its vendor's default backend) gets.
const own = new Set(rates.map((r) => `${r.presetId}/${r.backend}`));
const estimated: string[] = [];
const none: string[] = [];
for (const p of presets) {
  const backend = defaultBackendForVendor(p.vendor);
  if (own.has(`${p.id}/${backend}`)) continue;
  const s = siblingPromptRate(p, backend, presets, rates);
  if (s) estimated.push(`${p.name} (${backend}, ${(s.flopsPerSec / 1e12).toFixed(1)} TFLOP/s from ${s.siblings.length})`);
  else none.push(`${p.name} (${p.architecture ?? '?'}, ${backend})`);
}
const withOwn = presets.filter((p) => own.has(`${p.id}/${defaultBackendForVendor(p.vendor)}`)).length;
lines.push(
  '',
  `## Presets on their vendor's default backend (${presets.length})`,
  '',
  `- a published rate of their own: ${withOwn}`,
  `- estimated from siblings: ${estimated.length}: ${estimated.join('; ')}`,
  `- none (too few siblings): ${none.length}: ${none.join('; ')}`,
);
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (values.out) writeFileSync(values.out, text);
