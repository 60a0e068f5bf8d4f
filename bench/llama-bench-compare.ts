// rightsize bench next to llama.cpp's own llama-bench, on the same model files and thread counts.
// llama-bench is built once from the llama.cpp source node-llama-cpp ships, with the flags of the
// CPU variant node-llama-cpp loads here, into .cache; set LLAMA_BENCH=/path/to/llama-bench to use
// another one.
// Usage: npx tsx bench/llama-bench-compare.ts [--threads 1,2] [--quick]
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Precision } from '../src/shared/precision';
import { CatalogSchema, type CatalogModel } from '../src/shared/schema';
import { runLlamaBench } from '../src/node/bench/llama-bench';
import { makeScratchDir } from '../src/node/probe/scratch';
import { writeGgufModel } from '../src/node/gguf-writer';
import { benchModel } from '../src/node/llama/measure';
import { ensureBuilt, ensureLlamaBenchForVariant, prebuiltCpuVariant, toolPath } from './lib/llama-rpc';
import type { SpeedStats } from '../src/node/llama/protocol';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1,2' }, quick: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * LLAMA_BENCH, else llama-bench built with the flags of the CPU variant node-llama-cpp loads here
 * (same kernels), else a native build (bench/lib/llama-rpc.ts builds either once, into .cache).
 */
async function llamaBenchPath(): Promise<string> {
  if (process.env.LLAMA_BENCH) return process.env.LLAMA_BENCH;
  const variant = await prebuiltCpuVariant();
  const binary = variant ? ensureLlamaBenchForVariant(variant) : null;
  if (binary) return binary;
  ensureBuilt(['llama-bench']);
  return toolPath('llama-bench');
}

const LLAMA_BENCH_TIMEOUT_MS = 900_000;

/** llama-bench's pp and tg through the app's runner; a test that failed is the reason why, so the other still shows. */
async function runReference(
  binary: string,
  model: string,
  threads: number,
  p: number,
  n: number,
  r: number,
): Promise<{ pp: SpeedStats | string; tg: SpeedStats | string }> {
  try {
    const result = await runLlamaBench(
      binary,
      { modelPath: model, promptTokens: p, genTokens: n, repetitions: r, ppThreads: threads, tgThreads: threads, gpuLayers: 0 },
      { timeoutMs: LLAMA_BENCH_TIMEOUT_MS },
    );
    const failure = (test: 'pp' | 'tg'): string => result.error?.split('; ').find((e) => e.startsWith(`${test}: `)) ?? 'failed';
    return { pp: result.pp ?? failure('pp'), tg: result.tg ?? failure('tg') };
  } catch (error) {
    const message = (error as Error).message;
    return { pp: message, tg: message };
  }
}

async function main(): Promise<void> {
  const binary = await llamaBenchPath();
  const catalog = CatalogSchema.parse(JSON.parse(readFileSync(join(root, 'resources/catalog/models.json'), 'utf8'))).models;
  const byId = (id: string): CatalogModel => catalog.find((m) => m.id === id) as CatalogModel;
  const cases: Array<[string, Precision]> = values.quick
    ? [
        ['qwen2.5-0.5b', 'Q8_0'],
        ['llama-3.2-1b', 'Q4_K_M'],
      ]
    : [
        ['smollm2-135m', 'Q8_0'],
        ['qwen2.5-0.5b', 'Q8_0'],
        ['qwen2.5-0.5b', 'Q4_K_M'],
        ['llama-3.2-1b', 'Q4_K_M'],
        ['llama-3.2-1b', 'Q8_0'],
        ['llama-3.2-1b', 'F16'],
      ];
  const threadCounts = (values.threads ?? '1')
    .split(',')
    .map(Number)
    .filter((t) => t > 0);
  const p = 512;
  const n = 128;
  const r = values.quick ? 2 : 3;
  const dir = makeScratchDir('rightsize-vs-llama-bench-', 3e9);
  console.log(
    `rightsize bench vs llama-bench (${binary}), ${cpus()[0]?.model ?? 'CPU'} (${cpus().length} threads), CPU backend, pp${p}/tg${n} x ${r}`,
  );
  console.log('');
  console.log('| model | quant | threads | pp llama-bench | pp rightsize | ratio | tg llama-bench | tg rightsize | ratio |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const best: string[] = [];
  const ppRatios: number[] = [];
  const bestTgRatios: number[] = [];
  for (const [id, precision] of cases) {
    const m = byId(id);
    const path = join(dir, `${id}-${precision}.gguf`);
    await writeGgufModel(path, { shape: { ...m }, precision, data: 'random', contextLength: 4096, name: m.name });
    const refs: Array<{ threads: number; tg: SpeedStats }> = [];
    const oursAll: Array<{ threads: number; pp: SpeedStats; tg: SpeedStats }> = [];
    for (const threads of threadCounts) {
      const ref = await runReference(binary, path, threads, p, n, r);
      const ours = await benchModel(
        { modelPath: path, promptTokens: p, genTokens: n, repetitions: r, threads, gpu: false, gpuLayers: 0, skipTtft: true },
        { timeoutMs: 900_000 },
      );
      if (typeof ref.tg !== 'string') refs.push({ threads, tg: ref.tg });
      oursAll.push({ threads, pp: ours.pp, tg: ours.tg });
      if (typeof ref.pp !== 'string') ppRatios.push(ours.pp.mean / ref.pp.mean);
      const f = (s: SpeedStats | string): string => (typeof s === 'string' ? s : `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}`);
      const ratio = (a: SpeedStats, b: SpeedStats | string): string => (typeof b === 'string' ? '—' : (a.mean / b.mean).toFixed(2));
      console.log(
        `| ${m.name} | ${precision} | ${threads} | ${f(ref.pp)} | ${f(ours.pp)} | ${ratio(ours.pp, ref.pp)} | ${f(ref.tg)} | ${f(ours.tg)} | ${ratio(ours.tg, ref.tg)} |`,
      );
    }
    // What the issue asks: generation at each tool's best thread count.
    const bestOurs = oursAll.reduce((a, b) => (b.tg.mean > a.tg.mean ? b : a));
    if (refs.length === 0) continue;
    const bestRef = refs.reduce((a, b) => (b.tg.mean > a.tg.mean ? b : a));
    bestTgRatios.push(bestOurs.tg.mean / bestRef.tg.mean);
    best.push(
      `${m.name} ${precision}: tg ${bestOurs.tg.mean.toFixed(1)} (${bestOurs.threads} t) vs ${bestRef.tg.mean.toFixed(1)} (${bestRef.threads} t) = ${(bestOurs.tg.mean / bestRef.tg.mean).toFixed(2)}x`,
    );
    rmSync(path, { force: true });
  }
  rmSync(dir, { recursive: true, force: true });
  console.log('');
  console.log("Generation at each tool's best thread count:");
  for (const line of best) console.log(`- ${line}`);
  const range = (xs: number[]): string => (xs.length ? `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}` : 'none measured');
  console.log('');
  console.log(
    `rightsize / llama-bench: pp ${range(ppRatios)} (target within 0.95-1.05), tg at best thread counts ${range(bestTgRatios)} (target at least 0.95)`,
  );
}

void main();
