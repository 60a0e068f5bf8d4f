// How long a prompt that fills the context takes on the CPU, measured against the estimate the ladder
// uses for "time to read a full context" (estimatePromptSpeedCpu at that prompt length).
//
// Usage: nice -n -15 npx tsx bench/long-prompt.ts [--sizes 512,2048,4096] [--rounds 2]
//        [--only qwen2.5-0.5b/Q4_K_M,llama-3.2-1b/Q4_K_M] [--out bench/results/long-prompt-DATE.md]
// Generated files of each catalog model's shape (random weights: speed does not depend on the values),
// the prompt sizes interleaved, best of the rounds; the probe's saved calibration (run `rightsize probe`
// first, or it runs one).
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildMemoryModelFromLayout } from '../src/core/estimate';
import { placeModel } from '../src/core/placement';
import { promptAttentionWidth } from '../src/core/prompt-attention';
import { estimatePromptSpeedCpu } from '../src/core/speed';
import { writeGgufModel } from '../src/node/gguf-writer';
import { defaultCacheDir, detectHardware } from '../src/node/hardware/index';
import { benchModel } from '../src/node/llama/measure';
import { modelFromFile } from '../src/node/models/resolve';
import { readCalibration, saveCalibration } from '../src/node/probe/calibration-store';
import { runSpeedProbe } from '../src/node/probe/probe';
import { makeScratchDir } from '../src/node/probe/scratch';
import { loadCatalog } from '../src/node/resources';
import { PRECISIONS, type Precision } from '../src/shared/precision';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '512,2048,4096' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string', default: 'qwen2.5-0.5b/Q4_K_M,llama-3.2-1b/Q4_K_M' },
    out: { type: 'string' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 32 || n > 32768)) throw new Error('--sizes: whole numbers of tokens, 32 to 32768.');
const rounds = Number(values.rounds);
const catalog = loadCatalog();
const cases = (values.only ?? '').split(',').map((c) => {
  const [id, quant] = c.split('/');
  const model = catalog.find((m) => m.id === id);
  if (!model || !PRECISIONS.includes(quant as Precision))
    throw new Error(`--only ${c}: a catalog id and a precision, e.g. qwen2.5-0.5b/Q4_K_M.`);
  return { model, quant: quant as Precision };
});

const hardware = await detectHardware({ backgroundRefresh: false });
const cacheDir = defaultCacheDir();
let calibration = await readCalibration(cacheDir, hardware.cpu.model);
if (!calibration) {
  calibration = await runSpeedProbe({});
  await saveCalibration(cacheDir, hardware.cpu.model, calibration);
}
const dir = makeScratchDir('rightsize-long-prompt-', 3 * 2 ** 30);
const maxTokens = Math.max(...sizes);
const files = new Map<string, string>();
for (const { model, quant } of cases) {
  const path = join(dir, `${model.id}-${quant}.gguf`);
  await writeGgufModel(path, { shape: { ...model }, precision: quant, data: 'random', contextLength: maxTokens + 256, name: model.name });
  files.set(`${model.id}/${quant}`, path);
}

// Interleaved: every case at every size once per round, so a slow spell of the VM hits all of them.
const samples = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const { model, quant } of cases) {
    for (const tokens of sizes) {
      const key = `${model.id}/${quant}/${tokens}`;
      const measured = await benchModel(
        {
          modelPath: files.get(`${model.id}/${quant}`) as string,
          promptTokens: tokens,
          genTokens: 4,
          repetitions: 1,
          threads: calibration.threads.pp,
          ppThreads: calibration.threads.pp,
          tgThreads: calibration.threads.tg,
          gpu: false,
          gpuLayers: 0,
          skipTtft: true,
        },
        { timeoutMs: 900_000 },
      );
      samples.set(key, [...(samples.get(key) ?? []), ...measured.pp.samples]);
      process.stderr.write(`${key}: ${measured.pp.samples.map((s) => s.toFixed(1)).join(', ')} tok/s\n`);
    }
  }
}

const lines = [
  `# Long prompts on the CPU: measured against the estimate`,
  '',
  `Machine: ${cpus()[0]?.model ?? 'CPU'}, ${cpus().length} threads, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${calibration.threads.pp} thread(s) for prompts; calibration: ${calibration.source.detail}`,
  '',
  '| model | quant | prompt tokens | measured tok/s, best (all) | seconds to read it | estimated tok/s | estimated seconds | ratio | ratio, every layer attending fully |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
];
const ratios: number[] = [];
for (const { model, quant } of cases) {
  const file = await modelFromFile(files.get(`${model.id}/${quant}`) as string);
  const shape = file.sizable.shape;
  for (const tokens of sizes) {
    const all = samples.get(`${model.id}/${quant}/${tokens}`) ?? [];
    const best = Math.max(...all);
    const placement = placeModel(buildMemoryModelFromLayout(shape, file.sizable.weights, tokens, 'f16'), 0, 'cpu', {
      repackTypes: new Set(),
    });
    const prompt = {
      tokens,
      layers: shape.layers,
      queryDim: shape.heads * shape.headDim,
      ...(shape.experts ? { experts: shape.experts } : {}),
    };
    // As the report does: attention layer by layer (windows, chunks, recurrent blocks); and as if every layer attended fully.
    const estimated =
      estimatePromptSpeedCpu(placement, calibration, { ...prompt, attentionWidth: promptAttentionWidth(shape, tokens) }) ?? NaN;
    const everyLayer = estimatePromptSpeedCpu(placement, calibration, prompt) ?? NaN;
    ratios.push(estimated / best);
    lines.push(
      `| ${model.name} | ${quant} | ${tokens} | ${best.toFixed(1)} (${all.map((s) => s.toFixed(1)).join(', ')}) | ${(tokens / best).toFixed(1)} | ${estimated.toFixed(1)} | ${(tokens / estimated).toFixed(1)} | ${(estimated / best).toFixed(2)} | ${(everyLayer / best).toFixed(2)} |`,
    );
  }
}
const sorted = [...ratios].sort((a, b) => a - b);
lines.push(
  '',
  `estimated / measured prompt speed: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)}, range ${sorted[0]?.toFixed(2)}-${sorted.at(-1)?.toFixed(2)}`,
);
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (values.out) writeFileSync(values.out, text);
