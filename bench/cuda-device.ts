// What a lent NVIDIA machine measured (bench/device/cuda-run.sh), against what rightsize estimates for the same
// machine as its own detection saw it: memory per device (llama-fit-params -fitp on, CUDA build) and speed
// (llama-bench pp512 / tg128, best repetition) for full, partial, -ngl 0 and MoE-experts-in-RAM loads of
// generated GGUF files. The machine's hardware comes from the run's hardware.json (rightsize's own collectors,
// merged here as the app merges them), saved as a profile in a scratch data folder, and `rightsize estimate
// --profile` sizes each case; so this is the estimate a user of that machine would see, uncalibrated.
// Usage: npx tsx bench/cuda-device.ts DIR... [--out bench/results/cuda-DATE.md] [--write-fixture FILE] [--all-threads-gbps N]
//   DIR: folders of the run's $OUT files (hardware.json, fit.log, bench.jsonl; a later call's bench.jsonl adds cases)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PAGEABLE_COPY_SHARE_OF_ONE_CORE } from '../src/core/gpu-prompt';
import { writeGgufModel } from '../src/node/gguf-writer';
import { mergeHardware } from '../src/node/hardware/merge/index';
import type { RawDetection } from '../src/node/hardware/raw-detection';
import { loadCatalog, loadGpuPresets } from '../src/node/resources';
import type { Precision } from '../src/shared/precision';
import type { EstimateResult } from '../src/shared/schema';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    'write-fixture': { type: 'string' },
    /** Every core's read bandwidth measured there by bench/device/threads-probe.mjs, for a run recorded before the probe took it. */
    'all-threads-gbps': { type: 'string' },
    'all-threads': { type: 'string' },
  },
});
if (positionals.length === 0) throw new Error('usage: npx tsx bench/cuda-device.ts DIR... [--out FILE]');
const dirs = positionals;
const first = dirs[0] as string;

/** The files the runs wrote (each folder's models.json, the plan's MODELS_JSON), regenerated here as sparse files. */
const FILES: Record<string, { id: string; precision: Precision; data: string }> = {};
for (const d of dirs) {
  if (!existsSync(join(d, 'models.json'))) continue;
  for (const m of JSON.parse(readFileSync(join(d, 'models.json'), 'utf8')) as Array<{
    file: string;
    id: string;
    precision: Precision;
    data: string;
  }>) {
    const seen = FILES[m.file];
    if (seen && (seen.id !== m.id || seen.precision !== m.precision))
      throw new Error(`${m.file} names two models in the runs' models.json files`);
    FILES[m.file] = { id: m.id, precision: m.precision, data: m.data };
  }
}

// ---------------------------------------------------------------- the machine
const hw = JSON.parse(readFileSync(join(first, 'hardware.json'), 'utf8')) as { raw: RawDetection; si: unknown; recordedAt: string };
if (values['all-threads-gbps'] && hw.raw.memoryBandwidth && !hw.raw.memoryBandwidth.allThreads)
  hw.raw.memoryBandwidth.allThreads = {
    bytesPerSec: Number(values['all-threads-gbps']) * 1e9,
    threads: Number(values['all-threads'] ?? 16),
  };
const snapshot = mergeHardware(hw.raw, loadGpuPresets());
const gpu = snapshot.gpus[0];
if (!gpu) throw new Error('the run detected no GPU');

const scratch = mkdtempSync(join(tmpdir(), 'rightsize-cuda-device-'));
const env = { ...process.env, RIGHTSIZE_DATA_DIR: join(scratch, 'data'), RIGHTSIZE_CACHE_DIR: join(scratch, 'cache'), NO_COLOR: '1' };
const PROFILE = 'lent-gpu-machine';
function cli(args: string[]): string {
  const r = spawnSync('node', ['bin/rightsize.js', ...args], { encoding: 'utf8', env, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`rightsize ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}
const now = new Date().toISOString();
writeFileSync(
  join(scratch, 'profile.json'),
  JSON.stringify({
    format: 'rightsize-profile',
    version: 1,
    profile: { name: PROFILE, createdAt: now, updatedAt: now, origin: 'imported', hardware: snapshot, calibration: null, benchRecords: [] },
  }),
);
cli(['profiles', 'import', join(scratch, 'profile.json')]);

// ---------------------------------------------------------------- the measurements
interface FitRow {
  device: string;
  weights: number;
  context: number;
  compute: number;
}
interface FitCase {
  name: string;
  file: string;
  ctx: number;
  ngl: number;
  ncmoe: number;
  rows: FitRow[];
}
function fitCases(text: string): FitCase[] {
  const cases: FitCase[] = [];
  for (const block of text.split('===== ').slice(1)) {
    const [head = '', ...rest] = block.split('\n');
    const m = /^(\S+): -m \S+\/(\S+\.gguf) -c (\d+) -ngl (\d+)(?: -ncmoe (\d+))?/.exec(head);
    if (!m) continue;
    const rows = rest
      .map((l) => /^(\S+) (\d+) (\d+) (\d+)\s*$/.exec(l))
      .filter((x): x is RegExpExecArray => x !== null)
      .map((x) => ({ device: x[1] as string, weights: Number(x[2]), context: Number(x[3]), compute: Number(x[4]) }));
    cases.push({ name: m[1] as string, file: m[2] as string, ctx: Number(m[3]), ngl: Number(m[4]), ncmoe: Number(m[5] ?? 0), rows });
  }
  return cases;
}
interface BenchRow {
  case: string;
  model_filename: string;
  n_gpu_layers: number;
  n_cpu_moe: number;
  n_prompt: number;
  n_gen: number;
  n_ubatch: number;
  /** Tokens already in the context when the timed ones run (llama-bench -d); absent before it was recorded. */
  n_depth?: number;
  n_threads: number;
  avg_ts: number;
  stddev_ts: number;
  samples_ts: number[];
}
const fits = fitCases(readFileSync(join(first, 'fit.log'), 'utf8'));
const benches: BenchRow[] = dirs
  .flatMap((d) => (existsSync(join(d, 'bench.jsonl')) ? readFileSync(join(d, 'bench.jsonl'), 'utf8').split('\n') : []))
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as BenchRow)
  // -v runs print llama.cpp's buffer lines; their single repetition is left out of the speed table.
  .filter((b) => !/-v\d*$/.test(b.case));

// ---------------------------------------------------------------- the estimates
const modelDir = join(scratch, 'models');
mkdirSync(modelDir, { recursive: true });
const catalog = loadCatalog();
async function fileFor(name: string): Promise<string> {
  const path = join(modelDir, name);
  const spec = FILES[name];
  if (!spec) throw new Error(`unknown model file ${name}`);
  const m = catalog.find((x) => x.id === spec.id);
  if (!m) throw new Error(`no catalog model ${spec.id}`);
  if (!existsSync(path)) await writeGgufModel(path, { shape: { ...m }, precision: spec.precision, data: 'sparse', name: m.name });
  return path;
}
function estimate(path: string, ctx: number, ngl: number, ncmoe: number): EstimateResult {
  const args = ['estimate', path, '--profile', PROFILE, '--ctx', String(ctx), '--gpu-layers', String(ngl), '--json'];
  if (ncmoe > 0) args.push('--n-cpu-moe', String(ncmoe));
  return JSON.parse(cli(args)) as EstimateResult;
}

const MiBf = 2 ** 20;
const pct = (ours: number, theirs: number): string =>
  Math.abs(ours - theirs) < 1 ? '0%' : theirs === 0 ? 'n/a' : `${(((ours - theirs) / theirs) * 100).toFixed(0)}%`;
const n0 = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

interface FixtureCase {
  file: string;
  catalogId: string;
  precision: Precision;
  ctx: number;
  ngl: number;
  ncmoe: number;
  llamaCpp: { gpu: FitRow; host: FitRow };
}
const fixtureCases: FixtureCase[] = [];
const memLines = [
  '| case | GPU weights llama.cpp / rightsize | GPU KV | GPU compute | host weights | host compute |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const f of fits) {
  const path = await fileFor(f.file);
  const e = estimate(path, f.ctx, f.ngl === 99 ? 1000 : f.ngl, f.ncmoe);
  const g = e.devices.gpu;
  const h = e.devices.cpu;
  const lg = f.rows.find((r) => r.device !== 'Host');
  const lh = f.rows.find((r) => r.device === 'Host');
  if (!lg || !lh) throw new Error(`${f.name}: missing a device`);
  const pair = (theirs: number, oursBytes: number): string => `${n0(theirs)} / ${n0(oursBytes / MiBf)} (${pct(oursBytes / MiBf, theirs)})`;
  memLines.push(
    `| ${f.name} (-c ${f.ctx}) | ${pair(lg.weights, g.weightsBytes)} | ${pair(lg.context, g.kvBytes)} | ${pair(lg.compute, g.computeBytes)} | ${pair(lh.weights, h.weightsBytes - h.repackBytes)} | ${pair(lh.compute, h.computeBytes)} |`,
  );
  fixtureCases.push({
    file: f.file,
    catalogId: (FILES[f.file] as { id: string }).id,
    precision: (FILES[f.file] as { precision: Precision }).precision,
    ctx: f.ctx,
    ngl: f.ngl,
    ncmoe: f.ncmoe,
    llamaCpp: { gpu: lg, host: lh },
  });
}

interface SpeedCase {
  name: string;
  file: string;
  ngl: number;
  ncmoe: number;
  ubatch: number;
  depth: number;
  pp?: { tokens: number; best: number; mean: number; sd: number };
  tg?: { tokens: number; best: number; mean: number; sd: number };
}
const speedCases = new Map<string, SpeedCase>();
for (const b of benches) {
  const file = b.model_filename.split('/').pop() as string;
  const key = `${b.case}`;
  const c = speedCases.get(key) ?? {
    name: b.case,
    file,
    ngl: b.n_gpu_layers,
    ncmoe: b.n_cpu_moe,
    ubatch: b.n_ubatch,
    depth: b.n_depth ?? 0,
  };
  const figure = { tokens: b.n_prompt || b.n_gen, best: Math.max(...b.samples_ts), mean: b.avg_ts, sd: b.stddev_ts };
  if (b.n_prompt > 0) c.pp = figure;
  else c.tg = figure;
  speedCases.set(key, c);
}
const speedLines = [
  '| case | prompt measured (best; mean +- sd) | prompt rightsize | ratio | generation measured (best; mean +- sd) | generation rightsize | ratio |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
const fixtureSpeeds: Array<Omit<SpeedCase, 'name'> & { case: string; catalogId: string; precision: Precision }> = [];
for (const c of speedCases.values()) {
  const path = await fileFor(c.file);
  const e = estimate(path, 1024, c.ngl === 99 ? 1000 : c.ngl, c.ncmoe);
  const pp = e.promptTokPerSec;
  const tg = e.tokPerSec;
  const cell = (m?: { best: number; mean: number; sd: number }): string => (m ? `${n0(m.best)} (${n0(m.mean)} +- ${n0(m.sd)})` : '');
  const ratio = (ours: number | null, m?: { best: number }): string => (m && ours ? (ours / m.best).toFixed(2) : '');
  // llama.cpp copies only the experts a micro-batch routes to (ggml-backend.cpp), and generated router weights route
  // a prompt to a few experts (zeros: always the first ones); real routing reaches nearly all of them in 512 tokens.
  // A zeros router (a sparse file) sends every token to the same first experts, each getting all 512 rows of a batch:
  // such an MoE's prompt runs as if dense, all on the GPU too.
  const moe = Boolean(catalog.find((m) => m.id === FILES[c.file]?.id)?.experts);
  const routed =
    c.pp && (c.ncmoe > 0 || (moe && FILES[c.file]?.data === 'sparse'))
      ? ` (not comparable: ${c.ncmoe > 0 ? 'generated routing' : 'a zeros router sends every token to the same experts'})`
      : '';
  // The app's speeds are at short context (tg128 after an empty one); a row at depth shows how far the context moves them.
  const deep = c.depth ? ' (at depth; the app is at short context)' : '';
  speedLines.push(
    `| ${c.name} (-ngl ${c.ngl}${c.ncmoe ? ` -ncmoe ${c.ncmoe}` : ''}${c.ubatch !== 512 ? ` -ub ${c.ubatch}` : ''}${c.depth ? ` -d ${c.depth}` : ''}) | ${cell(c.pp)} | ${pp ? n0(pp) : 'none'} | ${ratio(pp, c.pp)}${routed}${deep} | ${cell(c.tg)} | ${tg ? n0(tg) : ''} | ${ratio(tg, c.tg)}${deep} |`,
  );
  const { name, ...rest } = c;
  fixtureSpeeds.push({
    case: name,
    catalogId: (FILES[c.file] as { id: string }).id,
    precision: (FILES[c.file] as { precision: Precision }).precision,
    ...rest,
  });
}

// ---------------------------------------------------------------- the copy of weights in RAM
// A dense row with weights in RAM reads its prompt on the GPU, copying those weights per micro-batch: the time over the
// same file's full-GPU row at the same micro-batch, against the bytes llama.cpp kept in RAM beyond its full-GPU load.
const oneCore = snapshot.cpu.oneCoreBandwidthBytesPerSec ?? null;
const copyLines = [
  "| case | weights copied per micro-batch (MiB, llama-fit-params) | seconds per micro-batch over the full-GPU row | copy rate | share of one core's read |",
  '|---|---:|---:|---:|---:|',
];
for (const c of speedCases.values()) {
  if (c.ncmoe > 0 || c.ngl >= 99 || c.depth > 0 || !c.pp) continue;
  const full = [...speedCases.values()].find(
    (x) => x.file === c.file && x.ngl >= 99 && x.ncmoe === 0 && x.depth === 0 && x.ubatch === c.ubatch && x.pp,
  );
  const hostOf = (ngl: number): number | undefined =>
    fits.find((f) => f.file === c.file && f.ngl === ngl && f.ncmoe === 0)?.rows.find((r) => r.device === 'Host')?.weights;
  const [kept, always] = [hostOf(c.ngl), hostOf(99)];
  if (!full?.pp || kept === undefined || always === undefined) continue;
  const seconds = c.ubatch / c.pp.best - c.ubatch / full.pp.best;
  const rate = ((kept - always) * MiBf) / seconds;
  copyLines.push(
    `| ${c.name} (-ngl ${c.ngl}${c.ubatch !== 512 ? ` -ub ${c.ubatch}` : ''}) | ${n0(kept - always)} | ${seconds.toFixed(3)} | ${(rate / 1e9).toFixed(2)} GB/s | ${oneCore ? (rate / oneCore).toFixed(2) : 'n/a'} |`,
  );
}

// ---------------------------------------------------------------- out
const date = new Date().toISOString().slice(0, 10);
const gpuLine = `${gpu.name}, ${n0((gpu.vramBytes ?? 0) / MiBf)} MiB (${gpu.vramSource.by}), ${gpu.pcieLink ? `PCIe ${gpu.pcieLink.gen}.0 x${gpu.pcieLink.width}` : 'link unknown'}`;
const report = [
  `# A lent NVIDIA machine, measured (${date})`,
  '',
  `\`npx tsx bench/cuda-device.ts ${dirs.join(' ')}\` over the output of \`bench/device/cuda-run.sh\` (recorded ${hw.recordedAt}).`,
  '',
  `Machine as rightsize detected it: ${gpuLine}; CPU ${snapshot.cpu.model} (${snapshot.cpu.logicalCores} threads), RAM ${n0(snapshot.ram.totalBytes / 2 ** 30)} GiB; RAM bandwidth ${n0((snapshot.cpu.memoryBandwidthBytesPerSec ?? 0) / 1e9)} GB/s (${snapshot.cpu.bandwidthSource?.by ?? 'unknown'}). The estimates are uncalibrated (no probe ran there).`,
  '',
  'llama.cpp built there from the source node-llama-cpp ships (CUDA, sm_90, flash attention on). Files generated by rightsize: the 8B and the 30B-A3B hold noise weights, the 70B and gpt-oss-120b zeros (sparse files); the 8B was measured both ways.',
  '',
  '## Memory per device, MiB (llama-fit-params -fitp on, -fa on)',
  '',
  ...memLines,
  '',
  '## Speed, tokens per second (llama-bench, -fa 1, pp512 / tg128 unless the case says otherwise)',
  '',
  ...speedLines,
  '',
  '## The copy of weights kept in RAM (dense rows, best runs)',
  '',
  `One core read ${oneCore ? `${(oneCore / 1e9).toFixed(1)} GB/s` : 'an unknown rate'} there (memory-bandwidth-probe). The app takes ${PAGEABLE_COPY_SHARE_OF_ONE_CORE} of it as the copy rate where that is below the desktop rate (src/core/gpu-prompt.ts).`,
  '',
  ...copyLines,
  '',
];
const out = values.out ?? join('bench/results', `cuda-${date}.md`);
writeFileSync(out, `${report.join('\n')}\n`);
process.stdout.write(`${report.join('\n')}\nwrote ${out}\n`);
if (values['write-fixture']) {
  writeFileSync(
    values['write-fixture'],
    `${JSON.stringify(
      {
        source: `bench/device/cuda-run.sh on a lent machine (${gpuLine}), ${hw.recordedAt}; llama.cpp 80fb11a (the source node-llama-cpp 3.21.1 ships) built with CUDA there`,
        hardwareFixture: 'test/fixtures/hardware/recorded-linux-h200-vm.json',
        memory: fixtureCases,
        speed: fixtureSpeeds,
      },
      null,
      1,
    )}\n`,
  );
}
rmSync(scratch, { recursive: true, force: true });
