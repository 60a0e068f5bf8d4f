// Gated-delta-net blocks on the CPU: llama-bench generation (-ngl 0, tg32, weights loaded into RAM) of Qwen3.5/3.6
// shapes and two controls without recurrent blocks, against what `rightsize estimate` says on this machine with its own
// probe (the calibration in the data folder; run `rightsize probe` first). Files are generated with noise weights
// (about 62 GB in all; `--dir` keeps them between runs). Two passes, the second in reverse order; the best run counts.
// llama-bench is built once from the llama.cpp source node-llama-cpp ships (into .cache/).
// Usage: npx tsx bench/cpu-gated-delta-net.ts [--dir DIR] [--threads N] [--out bench/results/cpu-gated-delta-net-DATE.md]
//        [--write-fixture test/fixtures/llama/cpu-gated-delta-net.json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeGgufModel } from '../src/node/gguf-writer';
import { loadCatalog } from '../src/node/resources';
import type { Precision } from '../src/shared/precision';
import { ensureBuilt, ROOT, toolPath } from './lib/llama-rpc';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/rightsize-cpu-gdn' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string' },
    'write-fixture': { type: 'string' },
  },
});
const MODELS: Array<{ id: string; precision: Precision; recurrent: boolean }> = [
  { id: 'llama-3.1-8b', precision: 'Q4_K_M', recurrent: false },
  { id: 'qwen3.5-9b', precision: 'Q4_K_M', recurrent: true },
  { id: 'qwen3-30b-a3b', precision: 'Q4_K_M', recurrent: false },
  { id: 'qwen3.6-35b-a3b', precision: 'Q4_K_M', recurrent: true },
  { id: 'qwen3.6-27b', precision: 'Q4_K_M', recurrent: true },
];
ensureBuilt(['llama-bench']);
const dir = values.dir as string;
mkdirSync(dir, { recursive: true });
const catalog = loadCatalog();

const files = new Map<string, string>();
for (const m of MODELS) {
  const shape = catalog.find((x) => x.id === m.id);
  if (!shape) throw new Error(`no catalog model ${m.id}`);
  const path = join(dir, `${m.id}-${m.precision}.gguf`);
  if (!existsSync(path) || statSync(path).size < 1e9) {
    process.stderr.write(`writing ${path} (noise weights)...\n`);
    await writeGgufModel(path, { shape: { ...shape }, precision: m.precision, data: 'noise', name: shape.name });
  }
  files.set(m.id, path);
}

const samples = new Map<string, number[]>(MODELS.map((m) => [m.id, []]));
for (const order of [MODELS, [...MODELS].reverse()])
  for (const m of order) {
    const args = [
      '-m',
      files.get(m.id) as string,
      '-ngl',
      '0',
      '-t',
      values.threads as string,
      '-p',
      '0',
      '-n',
      '32',
      '-r',
      '3',
      '-mmp',
      '0',
      '-o',
      'jsonl',
    ];
    const r = spawnSync(toolPath('llama-bench'), args, { encoding: 'utf8', timeout: 900_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`llama-bench failed for ${m.id}: ${r.stderr.slice(-800)}`);
    samples.get(m.id)?.push(...(JSON.parse(line) as { samples_ts: number[] }).samples_ts);
    process.stderr.write(
      `${m.id}: ${samples
        .get(m.id)
        ?.map((x) => x.toFixed(2))
        .join(' ')}\n`,
    );
  }

// What the app says on this machine, with the calibration its data folder holds.
function estimate(id: string, precision: Precision): { tokPerSec: number; detail: string } {
  const r = spawnSync(
    'node',
    [join(ROOT, 'bin/rightsize.js'), 'estimate', id, '--quant', precision, '--ctx', '4096', '--ram', '64GiB', '--json'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`rightsize estimate ${id} failed: ${r.stderr}`);
  const e = JSON.parse(r.stdout) as { tokPerSec: number; speedSource: { detail: string } };
  return { tokPerSec: e.tokPerSec, detail: e.speedSource.detail };
}

const date = new Date().toISOString().slice(0, 10);
const lines = [
  `# Gated-delta-net blocks on the CPU (${date})`,
  '',
  `\`npx tsx bench/cpu-gated-delta-net.ts --threads ${values.threads}\`: llama-bench -ngl 0 -t ${values.threads} -p 0 -n 32 -r 3 -mmp 0, two passes (the second in reverse order), generated noise files; rightsize estimate with this machine's probe. Ratio above 1: predicted faster than the best run.`,
  '',
  '| model | recurrent blocks | tg32 samples | best | rightsize | ratio |',
  '|---|---|---|---:|---:|---:|',
];
const runs: Array<{ catalogId: string; precision: Precision; tg32Samples: number[]; best: number }> = [];
for (const m of MODELS) {
  const s = samples.get(m.id) ?? [];
  const best = Math.max(...s);
  const e = estimate(m.id, m.precision);
  runs.push({ catalogId: m.id, precision: m.precision, tg32Samples: s.map((x) => Math.round(x * 1000) / 1000), best });
  lines.push(
    `| ${m.id} ${m.precision} | ${m.recurrent ? 'gated-delta-net' : 'none'} | ${s.map((x) => x.toFixed(2)).join(', ')} | ${best.toFixed(2)} | ${e.tokPerSec.toFixed(2)} | ${(e.tokPerSec / best).toFixed(2)} |`,
  );
}
lines.push('');
const text = lines.join('\n');
if (values.out) writeFileSync(values.out, `${text}\n`);
process.stdout.write(`${text}\n`);
if (values['write-fixture']) {
  const dataDir = process.env.RIGHTSIZE_CACHE_DIR;
  const calibrationFile = dataDir ? join(dataDir, 'speed-calibration.json') : null;
  if (!calibrationFile || !existsSync(calibrationFile))
    throw new Error('--write-fixture needs RIGHTSIZE_CACHE_DIR with the probe the estimates used');
  const calibration = (JSON.parse(readFileSync(calibrationFile, 'utf8')) as { value: unknown }).value;
  writeFileSync(
    values['write-fixture'],
    `${JSON.stringify({ source: `bench/cpu-gated-delta-net.ts on this machine, ${date}: llama-bench (the llama.cpp source node-llama-cpp ships) -ngl 0 -t ${values.threads} -p 0 -n 32 -r 3 -mmp 0 on generated noise files, two passes; the calibration is the app's own probe`, calibration, runs }, null, 1)}\n`,
  );
}
