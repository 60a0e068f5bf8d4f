// Predicted vs measured speed on generated models (random weights, real shapes), CPU backend.
// First runs the quick probe (or reuses its cached calibration), then for each shape: writes the
// model, benchmarks it (pp and tg, llama-bench style), and compares with the calibrated prediction
// and with the uncalibrated one (RAM bandwidth x 0.9).
// Usage: npx tsx bench/speed-accuracy.ts [--fresh-probe] [--rounds N] [--json raw.json]
//        [--skip-llama-bench] [--llama-bench-build prebuilt-variant|native] [--no-probe-each]
//        [--only smollm2-135m/Q8_0,...] [--threads N]
// Cases run in N interleaved rounds (default 2) and each keeps its fastest sample, like the probe;
// the probe runs again before every case (--no-probe-each: once at the start), and each sample is
// compared with the prediction from the probe beside it, and with the one from the probes pooled
// as the app keeps them (the last four, each file's median: core's poolProbes).
// rightsize bench's tg is llama.cpp's own decode timer (what a C++ loop gets); the wall clock of
// node-llama-cpp's JavaScript loop is printed beside it. llama-bench runs beside, built by default
// with the flags of the CPU variant node-llama-cpp's prebuilt binary loads here, so both run the
// same kernels (a native build ran F16 prompts twice as fast on this VM).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PRECISIONS, type Precision } from '../src/shared/precision';
import { CatalogSchema, type CatalogModel, type SpeedCalibration } from '../src/shared/schema';
import { buildMemoryModelFromLayout } from '../src/core/estimate';
import { placeModel } from '../src/core/placement';
import { estimateGenerationSpeed, estimatePromptSpeedCpu } from '../src/core/speed';
import { defaultCacheDir, detectHardware } from '../src/node/hardware/index';
import { readCalibration, saveCalibration } from '../src/node/probe/calibration-store';
import { makeScratchDir } from '../src/node/probe/scratch';
import { writeGgufModel } from '../src/node/gguf-writer';
import { benchModel } from '../src/node/llama/measure';
import { modelFromFile } from '../src/node/models/resolve';
import { runSpeedProbe } from '../src/node/probe/probe';
import { POOLED_PROBES, poolProbes } from '../src/core/calibration';
import { runLlamaBench } from '../src/node/bench/llama-bench';
import { ensureBuilt, ensureLlamaBenchForVariant, prebuiltCpuVariant, toolPath } from './lib/llama-rpc';

const { values } = parseArgs({
  options: {
    'fresh-probe': { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    'skip-llama-bench': { type: 'boolean', default: false },
    'llama-bench-build': { type: 'string', default: 'prebuilt-variant' },
    'probe-each': { type: 'boolean', default: true },
    'no-probe-each': { type: 'boolean', default: false },
    only: { type: 'string' },
    threads: { type: 'string' },
  },
});
const catalog = CatalogSchema.parse(JSON.parse(readFileSync(new URL('../resources/catalog/models.json', import.meta.url), 'utf8'))).models;
const byId = (id: string): CatalogModel => catalog.find((m) => m.id === id) as CatalogModel;

/**
 * Generated mixture-of-experts shapes (not catalog models): llama architecture with routed experts,
 * at the width of real MoE models (hidden 2048, as Qwen3-30B-A3B and OLMoE) but few layers, so this
 * VM runs each in about a minute. Two are top-2 (Mixtral-style), one top-8 of 32 (Qwen3-MoE-style).
 * Narrower shapes (hidden 768 and 1024, 85-100 tok/s) were tried first and missed by up to 2x, but a
 * dense model with the same bytes per token missed by as much in the same runs while llama-bench
 * matched the prediction on both: at that speed node-llama-cpp's per-token round trip on a 2-vCPU VM
 * dominates, not the experts (bench/results/speed-cpu-2026-12-02-moe2.md).
 */
const MOE_SHAPES: Record<string, CatalogModel> = {
  'moe-8x-top2': {
    ...byId('mixtral-8x7b'),
    id: 'moe-8x-top2',
    name: 'Generated MoE 8 experts top-2 (8 x 2048)',
    layers: 8,
    hiddenSize: 2048,
    heads: 32,
    kvHeads: 8,
    headDim: 64,
    ffnSize: 5632,
  },
  'moe-16x-top2': {
    ...byId('mixtral-8x7b'),
    id: 'moe-16x-top2',
    name: 'Generated MoE 16 experts top-2 (12 x 2048)',
    layers: 12,
    hiddenSize: 2048,
    heads: 16,
    kvHeads: 4,
    headDim: 128,
    ffnSize: 1408,
    experts: { count: 16, active: 2, shared: 0, denseLayers: 0 },
  },
  'moe-32x-top8': {
    ...byId('mixtral-8x7b'),
    id: 'moe-32x-top8',
    name: 'Generated MoE 32 experts top-8 (12 x 2048)',
    layers: 12,
    hiddenSize: 2048,
    heads: 32,
    kvHeads: 4,
    headDim: 128,
    ffnSize: 768,
    experts: { count: 32, active: 8, shared: 0, denseLayers: 0 },
  },
};
const rounds = Math.max(1, Number(values.rounds) || 2);
if (values['no-probe-each']) values['probe-each'] = false;
/** --threads N: the probe and every case at N threads instead of the probe's sweep. */
const fixedThreads = values.threads ? Math.max(1, Number(values.threads) || 1) : null;
const shapeOf = (id: string): CatalogModel => MOE_SHAPES[id] ?? byId(id);

const ALL_CASES: Array<[string, Precision]> = [
  ['moe-8x-top2', 'Q4_K_M'],
  ['moe-16x-top2', 'Q8_0'],
  ['moe-32x-top8', 'Q4_K_M'],
  // The same shapes at the other type: an expert's prompt efficiency by rows per expert and by kernel
  // (Q8_0's dense prompts run llamafile's sgemm, which mul_mat_id does not use; Q4_K's repacked ones it does).
  ['moe-16x-top2', 'Q4_K_M'],
  ['moe-8x-top2', 'Q8_0'],
  ['llama-3.1-8b', 'Q4_K_M'],
  ['smollm2-135m', 'F16'],
  ['smollm2-135m', 'Q8_0'],
  ['smollm2-360m', 'Q4_K_M'],
  ['qwen2.5-0.5b', 'Q8_0'],
  ['qwen2.5-0.5b', 'Q4_K_M'],
  ['llama-3.2-1b', 'Q4_K_M'],
  ['llama-3.2-1b', 'F16'],
  ['tinyllama-1.1b', 'Q8_0'],
  ['qwen2.5-1.5b', 'Q4_K_M'],
];

/** --only id/QUANT,... runs those cases: a subset, or any catalog model at any precision (e.g. gpt-oss-20b/Q4_K_M). */
const CASES: Array<[string, Precision]> = values.only
  ? values.only.split(',').map((c) => {
      const [id = '', quant = ''] = c.split('/');
      shapeOf(id);
      if (!(PRECISIONS as readonly string[]).includes(quant))
        throw new Error(`--only ${c}: ${quant} is not a precision (${PRECISIONS.join(', ')}).`);
      return [id, quant as Precision];
    })
  : ALL_CASES;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Every probe of this run, newest first (in the raw JSON, for fitting offline). */
let probesRun: SpeedCalibration[] = [];

async function main(): Promise<void> {
  const hardware = await detectHardware({ backgroundRefresh: false });
  const cacheDir = defaultCacheDir();
  let calibration = values['fresh-probe'] || fixedThreads ? null : await readCalibration(cacheDir, hardware.cpu.model);
  if (!calibration) {
    process.stderr.write('running the quick probe...\n');
    calibration = await runSpeedProbe({
      onProgress: (p) => process.stderr.write(`  ${p.message}\n`),
      ...(fixedThreads ? { threads: { pp: fixedThreads, tg: fixedThreads } } : {}),
    });
    // A probe at forced threads is not this machine's calibration: keep it out of the cache.
    if (!fixedThreads) await saveCalibration(cacheDir, hardware.cpu.model, calibration);
  }
  console.log(
    `Speed accuracy on ${cpus()[0]?.model ?? 'CPU'} (${cpus().length} threads, ${(totalmem() / 2 ** 30).toFixed(1)} GiB), CPU backend; probe: ${calibration.source.detail}`,
  );
  console.log('');
  console.log(
    `| model | quant | size | tg rightsize bench (decode timer), best of ${rounds} rounds x 3 (all) | tg through node-llama-cpp's loop, best | tg llama-bench, best (all) | tg predicted (probe beside the best sample) | ratio to bench | ratio to bench, one probe at the start | ratio to bench, last ${POOLED_PROBES} probes pooled | ratio to llama-bench | uncalibrated | ratio to bench | pp512 rightsize bench, best (all) | pp512 llama-bench, best (all) | pp predicted | ratio to bench | ratio to bench, probes pooled | ratio to llama-bench |`,
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  // All files are written before the rounds (about 16 GB): too much for a RAM disk, so on disk,
  // flushed before the first measurement (writeback would compete with it).
  const dir = makeScratchDir('rightsize-speed-', 20e9);
  const tgRatios: number[] = [];
  const ppRatios: number[] = [];
  const lbTgRatios: number[] = [];
  const lbPpRatios: number[] = [];
  // llama.cpp's own llama-bench on the same files and threads (built once from the llama.cpp that
  // node-llama-cpp ships): what llama-server and llama-cli users get, without node-llama-cpp's
  // per-token round trip through JavaScript.
  let llamaBench: string | null = null;
  let llamaBenchBuild = 'native (-DGGML_NATIVE=ON)';
  if (!values['skip-llama-bench']) {
    const variant = values['llama-bench-build'] === 'native' ? null : await prebuiltCpuVariant();
    llamaBench = variant ? ensureLlamaBenchForVariant(variant) : null;
    if (llamaBench) llamaBenchBuild = `the ${variant} variant's flags, as node-llama-cpp's prebuilt binary loads here`;
    else {
      ensureBuilt(['llama-bench']);
      llamaBench = toolPath('llama-bench');
    }
    process.stderr.write(`llama-bench: ${llamaBench}, built with ${llamaBenchBuild}\n`);
  }
  const rawRatios: number[] = [];
  const pooledTgRatios: number[] = [];
  const pooledPpRatios: number[] = [];
  const startTgRatios: number[] = [];
  const raw: unknown[] = [];
  // Every file is written first, then the cases run in interleaved rounds and each keeps its best
  // sample: interference on a shared VM only slows a run down, and the probe keeps its best too.
  const paths = new Map<string, string>();
  for (const [id, precision] of CASES) {
    const m = shapeOf(id);
    const path = join(dir, `${id}-${precision}.gguf`);
    await writeGgufModel(path, { shape: { ...m }, precision, data: 'random', contextLength: 4096, name: m.name });
    paths.set(`${id}/${precision}`, path);
  }
  execFileSync('sync');
  const startCalibration = calibration;
  // With --probe-each (the default) the probe runs again just before every case, so a prediction
  // and its measurement see the same state of a shared VM (it moves 20-30% over half an hour);
  // each figure is compared with the prediction from the probe next to its best sample.
  type Sample = { value: number; calibration: SpeedCalibration; pooled: SpeedCalibration };
  const probes: SpeedCalibration[] = [startCalibration];
  probesRun = probes;
  type Entry = { tg: Sample[]; loop: number[]; pp: Sample[]; lbTg: Sample[]; lbPp: Sample[] };
  const samples = new Map<string, Entry>();
  for (let round = 1; round <= rounds; round++) {
    for (const [id, precision] of CASES) {
      process.stderr.write(`round ${round} of ${rounds}: ${id} ${precision}\n`);
      const key = `${id}/${precision}`;
      const adjacent = values['probe-each'] ? await runSpeedProbe({ threads: startCalibration.threads }) : startCalibration;
      if (adjacent !== startCalibration) probes.unshift(adjacent);
      const pooled = poolProbes(probes);
      const tagged = (xs: number[]): Sample[] => xs.map((value) => ({ value, calibration: adjacent, pooled }));
      const measured = await benchModel(
        {
          modelPath: paths.get(key) as string,
          promptTokens: 512,
          genTokens: 64,
          repetitions: 3,
          threads: startCalibration.threads.tg,
          ppThreads: startCalibration.threads.pp,
          tgThreads: startCalibration.threads.tg,
          gpu: false,
          gpuLayers: 0,
          skipTtft: true,
        },
        { timeoutMs: 600_000 },
      );
      const entry = samples.get(key) ?? { tg: [], loop: [], pp: [], lbTg: [], lbPp: [] };
      entry.tg.push(...tagged(measured.tg.samples));
      entry.loop.push(...measured.tgLoop.samples);
      entry.pp.push(...tagged(measured.pp.samples));
      if (llamaBench) {
        const lb = await runLlamaBench(
          llamaBench,
          {
            modelPath: paths.get(key) as string,
            promptTokens: 512,
            genTokens: 64,
            repetitions: 3,
            ppThreads: startCalibration.threads.pp,
            tgThreads: startCalibration.threads.tg,
            gpuLayers: 0,
          },
          { timeoutMs: 600_000 },
        );
        entry.lbTg.push(...tagged(lb.tg?.samples ?? []));
        entry.lbPp.push(...tagged(lb.pp?.samples ?? []));
      }
      samples.set(key, entry);
    }
  }
  const best = (xs: Sample[]): Sample | null => (xs.length ? xs.reduce((a, b) => (b.value > a.value ? b : a)) : null);
  for (const [id, precision] of CASES) {
    const m = shapeOf(id);
    const key = `${id}/${precision}`;
    const path = paths.get(key) as string;
    const { tg, loop, pp, lbTg, lbPp } = samples.get(key) as Entry;
    const model = await modelFromFile(path);
    const placement = placeModel(buildMemoryModelFromLayout(model.sizable.shape, model.sizable.weights, 1024, 'f16'), 0, 'cpu', {
      repackTypes: new Set(),
    });
    const layers = { gpu: 0, total: model.sizable.shape.layers };
    const shape = model.sizable.shape;
    const inputs = (cal: SpeedCalibration | null) => ({
      gpuBandwidthBytesPerSec: null,
      cpuBandwidthBytesPerSec: hardware.cpu.memoryBandwidthBytesPerSec,
      cpuBandwidthSource: hardware.cpu.bandwidthSource,
      ...(cal ? { calibration: cal } : {}),
    });
    const tgOf = (cal: SpeedCalibration | null): number => estimateGenerationSpeed(placement, inputs(cal), layers).tokPerSec;
    const ppOf = (cal: SpeedCalibration): number =>
      estimatePromptSpeedCpu(placement, cal, {
        tokens: 512,
        layers: shape.layers,
        queryDim: shape.heads * shape.headDim,
        ...(shape.experts ? { experts: shape.experts } : {}),
      }) ?? NaN;
    const tgBest = best(tg) as Sample;
    const ppBest = best(pp) as Sample;
    const tgPredicted = tgOf(tgBest.calibration);
    const ppPredicted = ppOf(ppBest.calibration);
    const tgRaw = tgOf(null);
    const tgFromStart = tgOf(startCalibration);
    const tgRatio = tgPredicted / tgBest.value;
    const ppRatio = ppPredicted / ppBest.value;
    const tgPooledRatio = tgOf(tgBest.pooled) / tgBest.value;
    const ppPooledRatio = ppOf(ppBest.pooled) / ppBest.value;
    pooledTgRatios.push(tgPooledRatio);
    pooledPpRatios.push(ppPooledRatio);
    tgRatios.push(tgRatio);
    ppRatios.push(ppRatio);
    rawRatios.push(tgRaw / tgBest.value);
    startTgRatios.push(tgFromStart / tgBest.value);
    const lbTgBest = best(lbTg);
    const lbPpBest = best(lbPp);
    const lbTgRatio = lbTgBest ? tgOf(lbTgBest.calibration) / lbTgBest.value : NaN;
    const lbPpRatio = lbPpBest ? ppOf(lbPpBest.calibration) / lbPpBest.value : NaN;
    if (lbTgBest) lbTgRatios.push(lbTgRatio);
    if (lbPpBest) lbPpRatios.push(lbPpRatio);
    raw.push({
      id,
      precision,
      layers: model.sizable.shape.layers,
      rows: placement.cpuRowsPerToken,
      readBytesByType: placement.cpuReadBytesByType,
      layerReadBytesByType: placement.cpuLayerReadBytesByType,
      tgSamples: tg.map((s) => s.value),
      tgLoopSamples: loop,
      ppSamples: pp.map((s) => s.value),
      llamaBenchTgSamples: lbTg.map((s) => s.value),
      llamaBenchPpSamples: lbPp.map((s) => s.value),
      tgPredictedBesideBest: tgPredicted,
      tgPredictedFromStartProbe: tgFromStart,
      tgPredictedPooled: tgOf(tgBest.pooled),
      ppPredictedBesideBest: ppPredicted,
      ppPredictedPooled: ppOf(ppBest.pooled),
    });
    const values_ = (xs: Sample[]): number[] => xs.map((s) => s.value);
    const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
    const lbCell = (b: Sample | null, xs: Sample[]): string => (b ? `${b.value.toFixed(1)} (${spread(values_(xs))})` : 'n/a');
    console.log(
      `| ${m.name} | ${precision} | ${((model.fileBytes ?? 0) / 2 ** 20).toFixed(0)} MiB | ${tgBest.value.toFixed(1)} (${spread(values_(tg))}) | ${Math.max(...loop).toFixed(1)} | ${lbCell(lbTgBest, lbTg)} | ${tgPredicted.toFixed(1)} | ${tgRatio.toFixed(2)} | ${(tgFromStart / tgBest.value).toFixed(2)} | ${tgPooledRatio.toFixed(2)} | ${lbTgRatio.toFixed(2)} | ${tgRaw.toFixed(1)} | ${(tgRaw / tgBest.value).toFixed(2)} | ${ppBest.value.toFixed(1)} (${spread(values_(pp))}) | ${lbCell(lbPpBest, lbPp)} | ${ppPredicted.toFixed(1)} | ${ppRatio.toFixed(2)} | ${ppPooledRatio.toFixed(2)} | ${lbPpRatio.toFixed(2)} |`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  // The raw figures, for fitting a better model offline.
  if (values.json) writeFileSync(values.json, JSON.stringify({ calibration, probes: probesRun, cases: raw }, null, 2));
  const range = (xs: number[]): string =>
    `median ${median(xs).toFixed(2)}, range ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
  console.log('');
  if (llamaBench) console.log(`llama-bench: built with ${llamaBenchBuild}.`);
  console.log(`predicted / measured, generation (calibrated): ${range(tgRatios)}`);
  console.log(`predicted / measured, prompt processing (calibrated): ${range(ppRatios)}`);
  console.log(`predicted / measured, generation (calibrated by one probe at the start): ${range(startTgRatios)}`);
  console.log(
    `predicted / measured, generation (the last ${POOLED_PROBES} probes pooled, as the app keeps them): ${range(pooledTgRatios)}`,
  );
  console.log(`predicted / measured, prompt processing (the last ${POOLED_PROBES} probes pooled): ${range(pooledPpRatios)}`);
  console.log(`predicted / measured, generation (uncalibrated, RAM bandwidth x 0.9): ${range(rawRatios)}`);
  if (lbTgRatios.length) console.log(`predicted / llama-bench, generation (calibrated): ${range(lbTgRatios)}`);
  if (lbPpRatios.length) console.log(`predicted / llama-bench, prompt processing (calibrated): ${range(lbPpRatios)}`);
  const ok = (xs: number[]): boolean => median(xs) >= 0.9 && median(xs) <= 1.1 && xs.every((x) => x >= 0.75 && x <= 1.25);
  console.log(
    `Targets (median 0.9-1.1, every case within 25%), against rightsize bench: generation ${ok(tgRatios) ? 'met' : 'NOT met'}, prompt ${ok(ppRatios) ? 'met' : 'NOT met'}` +
      (lbTgRatios.length
        ? `; against llama-bench: generation ${ok(lbTgRatios) ? 'met' : 'NOT met'}, prompt ${ok(lbPpRatios) ? 'met' : 'NOT met'}`
        : '') +
      `; with the probes pooled: generation ${ok(pooledTgRatios) ? 'met' : 'NOT met'}, prompt ${ok(pooledPpRatios) ? 'met' : 'NOT met'}` +
      `. llmfit's published figure: median 0.87, range 0.67-1.19.`,
  );
}

void main();
