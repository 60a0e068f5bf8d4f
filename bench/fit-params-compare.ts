// GPU placement checked without a GPU: llama.cpp's own `llama-fit-params -fitp on` prints the MiB it
// would put on each device, and an rpc-server on 127.0.0.1 is a device to it. This script builds
// ggml-rpc-server and llama-fit-params once from the llama.cpp source node-llama-cpp ships (into
// .cache/), starts one or two rpc-servers (stopped at the end and on error), writes sparse GGUF files
// of real shapes (no disk cost), and compares llama.cpp's weights / context (KV) / compute per device
// with rightsize's placement for the same -ngl (and, over two devices, the same -ts split).
// Usage: npx tsx bench/fit-params-compare.ts [--quick] [--only id,id] [--out bench/results/fit-params-DATE.md]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KvType, Precision } from '../src/shared/precision';
import { CatalogSchema, type CatalogModel, type DeviceMemory } from '../src/shared/schema';
import { MiB } from '../src/shared/units';
import { buildMemoryModelFromLayout, repackTypesFor } from '../src/core/estimate';
import { placeModel } from '../src/core/placement';
import { writeGgufModel } from '../src/node/gguf-writer';
import { modelFromFile } from '../src/node/models/resolve';
import { ensureBuilt, ROOT, startRpcServer, stopServers, toolPath } from './lib/llama-rpc';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' } },
});
const FIT_PARAMS = toolPath('llama-fit-params');
const PORTS = [50152, 50153];
/** What this CPU repacks while loading, from its flags (Linux). */
const cpuFlags = existsSync('/proc/cpuinfo') ? (/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '') : '';
const REPACK_TYPES = repackTypesFor(process.arch, cpuFlags.trim().split(/\s+/));

const catalog = CatalogSchema.parse(JSON.parse(readFileSync(join(ROOT, 'resources/catalog/models.json'), 'utf8'))).models;
const byId = (id: string): CatalogModel => {
  const m = catalog.find((x) => x.id === id);
  if (!m) throw new Error(`no catalog model ${id}`);
  return m;
};

/**
 * A generated MoE of the qwen3moe layout: 12 blocks of 16 experts (4 used), hidden 512, expert FFN 1024,
 * the issue's reference file for --n-cpu-moe (llama.cpp: 403 / 250 / 97 MiB of weights on the device
 * with the experts of 0 / 6 / 12 blocks in RAM).
 */
const tinyMoe: CatalogModel = {
  ...byId('qwen3-30b-a3b'),
  id: 'moe-12x16',
  name: 'MoE 12 blocks x 16 experts',
  layers: 12,
  hiddenSize: 512,
  ffnSize: 1024,
  heads: 16,
  kvHeads: 8,
  headDim: 64,
  maxContext: 4096,
  experts: { count: 16, active: 4, shared: 0, denseLayers: 0 },
};
const generated = new Map([[tinyMoe.id, tinyMoe]]);

interface Case {
  id: string;
  precision: Precision;
  ctx: number;
  kv: KvType;
  ngl: number;
  /** A split over two devices (-ts a,b). */
  ts?: [number, number];
  /** --n-cpu-moe: the experts of the first N blocks in RAM. */
  ncmoe?: number;
}
const c = (id: string, precision: Precision, ctx: number, kv: KvType, ngl: number, ts?: [number, number]): Case => ({
  id,
  precision,
  ctx,
  kv,
  ngl,
  ...(ts ? { ts } : {}),
});
const moe = (id: string, precision: Precision, ctx: number, kv: KvType, ngl: number, ncmoe: number): Case => ({
  id,
  precision,
  ctx,
  kv,
  ngl,
  ncmoe,
});
const CASES: Case[] = [
  c('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0', 0),
  c('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0', 1),
  c('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0', 12),
  c('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0', 33),
  c('llama-3.1-8b', 'Q8_0', 4096, 'f16', 20),
  c('qwen2.5-0.5b', 'Q4_K_M', 8192, 'f16', 6),
  c('qwen2.5-0.5b', 'Q8_0', 4096, 'q8_0', 25),
  c('llama-3.2-1b', 'Q8_0', 4096, 'f16', 8),
  c('qwen2.5-1.5b', 'Q4_K_M', 16384, 'q8_0', 20),
  c('mistral-7b-v0.3', 'Q5_K_M', 4096, 'f16', 16),
  c('gemma-3-1b', 'Q4_K_M', 4096, 'f16', 10),
  c('phi-3.5-mini', 'Q4_K_M', 4096, 'f16', 30),
  c('llama-3.1-8b', 'Q4_K_M', 8192, 'q8_0', 33, [3, 1]),
  c('qwen2.5-1.5b', 'Q4_K_M', 8192, 'f16', 29, [1, 1]),
  c('llama-3.1-8b', 'Q4_K_M', 8192, 'f16', 20, [1, 1]),
  moe('moe-12x16', 'Q8_0', 4096, 'f16', 13, 0),
  moe('moe-12x16', 'Q8_0', 4096, 'f16', 13, 6),
  moe('moe-12x16', 'Q8_0', 4096, 'f16', 13, 12),
  moe('moe-12x16', 'Q8_0', 4096, 'f16', 8, 6),
  moe('moe-12x16', 'Q8_0', 4096, 'q8_0', 5, 12),
  moe('qwen3-30b-a3b', 'Q4_K_M', 4096, 'f16', 49, 0),
  moe('qwen3-30b-a3b', 'Q4_K_M', 4096, 'f16', 49, 24),
  moe('qwen3-30b-a3b', 'Q4_K_M', 8192, 'q8_0', 49, 48),
  moe('qwen3-30b-a3b', 'Q4_K_M', 4096, 'f16', 30, 10),
  moe('mixtral-8x7b', 'Q4_K_M', 4096, 'f16', 33, 16),
  moe('mixtral-8x7b', 'Q4_K_M', 4096, 'f16', 33, 32),
  // Recurrent hybrids: gated-delta-net (Qwen3.5/3.6, Qwen3-Next) and Mamba-2 (Nemotron-H, Granite 4.0 H) blocks hold a
  // state per sequence instead of KV cells, beside their attention blocks' KV.
  c('qwen3.6-27b', 'Q4_K_M', 8192, 'f16', 65),
  c('qwen3.6-27b', 'Q4_K_M', 8192, 'q8_0', 33),
  moe('qwen3.6-35b-a3b', 'Q4_K_M', 8192, 'f16', 41, 0),
  moe('qwen3.6-35b-a3b', 'Q4_K_M', 8192, 'f16', 41, 20),
  moe('qwen3.6-35b-a3b', 'Q4_K_M', 16384, 'q8_0', 41, 0),
  moe('qwen3.6-35b-a3b', 'Q4_K_M', 16384, 'q8_0', 41, 40),
  moe('qwen3.6-35b-a3b', 'Q4_K_M', 8192, 'f16', 24, 10),
  moe('qwen3-next-80b-a3b', 'Q4_K_M', 8192, 'f16', 49, 0),
  moe('qwen3-next-80b-a3b', 'Q4_K_M', 8192, 'f16', 49, 48),
  c('nemotron-h-8b', 'Q4_K_M', 8192, 'f16', 53),
  c('nemotron-h-8b', 'Q4_K_M', 8192, 'f16', 20),
  moe('granite-4.0-h-small', 'Q4_K_M', 8192, 'f16', 41, 20),
];

interface DeviceMiB {
  device: string;
  weights: number;
  context: number;
  compute: number;
}

/** llama-fit-params -fitp on prints `DEVICE model context compute` in MiB, one line per device, then `Host ...`. */
function fitParams(path: string, cs: Case): DeviceMiB[] {
  const rpc = (cs.ts ? PORTS : PORTS.slice(0, 1)).map((p) => `127.0.0.1:${p}`).join(',');
  const args = ['-m', path, '--rpc', rpc, '-ngl', String(cs.ngl), '-c', String(cs.ctx), '-ctk', cs.kv, '-ctv', cs.kv, '-fitp', 'on'];
  if (cs.ts) args.push('-ts', cs.ts.join(','));
  if (cs.ncmoe !== undefined) args.push('-ncmoe', String(cs.ncmoe));
  const r = spawnSync(FIT_PARAMS, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`llama-fit-params failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  const rows: DeviceMiB[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\d+) (\d+) (\d+)\s*$/.exec(line);
    if (m) rows.push({ device: m[1] as string, weights: Number(m[2]), context: Number(m[3]), compute: Number(m[4]) });
  }
  if (!rows.some((d) => d.device === 'Host')) throw new Error(`no per-device lines in llama-fit-params' output:\n${r.stdout}`);
  return rows;
}

/** rightsize's figures for the same -ngl (and -ts split over the devices), by llama.cpp's device name. */
async function ours(path: string, cs: Case): Promise<Map<string, DeviceMiB>> {
  const { sizable } = await modelFromFile(path);
  const model = buildMemoryModelFromLayout(sizable.shape, sizable.weights, cs.ctx, cs.kv);
  // An rpc-server device has no offload_op: the CPU computes its own layers' products.
  const p = placeModel(model, cs.ngl, 'cuda', {
    opOffload: false,
    repackTypes: REPACK_TYPES,
    ...(cs.ts ? { splitProportions: cs.ts } : {}),
    ...(cs.ncmoe !== undefined ? { cpuMoeLayers: cs.ncmoe } : {}),
  });
  // llama.cpp counts the CPU's repacked matrices (CPU_REPACK) apart from its Host line.
  const mib = (device: string, d: DeviceMemory): DeviceMiB => ({
    device,
    weights: (d.weightsBytes - d.repackBytes) / MiB,
    context: d.kvBytes / MiB,
    compute: d.computeBytes / MiB,
  });
  const byDevice = new Map<string, DeviceMiB>(p.gpus.map((d, i) => [`RPC${i}`, mib(`RPC${i}`, d)]));
  byDevice.set('Host', mib('Host', p.cpu));
  return byDevice;
}

const fmt = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
function err(oursMiB: number, theirs: number): string {
  // llama.cpp truncates to whole MiB: differences under 1 MiB are rounding.
  if (Math.abs(oursMiB - theirs) < 1) return '0.0%';
  return theirs === 0 ? 'n/a' : `${(((oursMiB - theirs) / theirs) * 100).toFixed(1)}%`;
}

async function main(): Promise<void> {
  ensureBuilt(['ggml-rpc-server', 'llama-fit-params']);
  const only = values.only ? new Set(values.only.split(',')) : null;
  const cases = (values.quick ? CASES.filter((_, i) => i % 3 === 2) : CASES).filter((x) => !only || only.has(x.id));
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-fit-params-'));
  const lines: string[] = [];
  const errors = { weights: [] as number[], kv: [] as number[], compute: [] as number[] };
  const splitErrors = { weights: [] as number[], kv: [] as number[], compute: [] as number[] };
  const moeErrors = { weights: [] as number[], kv: [] as number[], compute: [] as number[] };
  const out = (line: string): void => {
    lines.push(line);
    console.log(line);
  };
  try {
    for (const port of PORTS) await startRpcServer(port, { threads: 1 });
    out(
      '| case | device | llama.cpp weights | context | compute | rightsize weights | context | compute | error weights / context / compute |',
    );
    out('|---|---|---:|---:|---:|---:|---:|---:|---|');
    for (const cs of cases) {
      const m = generated.get(cs.id) ?? byId(cs.id);
      const path = join(dir, `${cs.id}-${cs.precision}.gguf`);
      if (!existsSync(path)) {
        await writeGgufModel(path, { shape: { ...m }, precision: cs.precision, data: 'sparse', contextLength: m.maxContext, name: m.name });
      }
      const theirs = fitParams(path, cs);
      const mine = await ours(path, cs);
      const label = `${cs.id} ${cs.precision}, ${cs.ctx} ctx, ${cs.kv} KV, -ngl ${cs.ngl}${cs.ts ? ` -ts ${cs.ts.join(',')}` : ''}${cs.ncmoe !== undefined ? ` -ncmoe ${cs.ncmoe}` : ''} (N = ${m.layers + 1})`;
      for (const d of theirs) {
        const o = mine.get(d.device);
        const head = `| ${label} | ${d.device} | ${fmt(d.weights)} | ${fmt(d.context)} | ${fmt(d.compute)} |`;
        if (!o) {
          out(`${head} no such device in rightsize's placement | | | |`);
          continue;
        }
        const rel = (a: number, b: number): number => (Math.abs(a - b) < 1 ? 0 : Math.abs((a - b) / Math.max(b, 1)));
        const tally = cs.ts ? splitErrors : cs.ncmoe !== undefined ? moeErrors : errors;
        tally.weights.push(rel(o.weights, d.weights));
        tally.kv.push(rel(o.context, d.context));
        tally.compute.push(rel(o.compute, d.compute));
        out(
          `${head} ${fmt(o.weights)} | ${fmt(o.context)} | ${fmt(o.compute)} | ${err(o.weights, d.weights)} / ${err(o.context, d.context)} / ${err(o.compute, d.compute)} |`,
        );
      }
    }
  } finally {
    stopServers();
    rmSync(dir, { recursive: true, force: true });
  }
  const max = (xs: number[]): string => `${(Math.max(0, ...xs) * 100).toFixed(1)}%`;
  const summary = `Single-device cases, largest error per device: weights ${max(errors.weights)}, KV ${max(errors.kv)}, compute ${max(errors.compute)}; target for weights and KV: 1%.`;
  const splitSummary = `Two-device -ts splits (layer mode), largest error per device: weights ${max(splitErrors.weights)}, KV ${max(splitErrors.kv)}, compute ${max(splitErrors.compute)}.`;
  out('');
  out(summary);
  const moeSummary = `MoE with --n-cpu-moe (experts of the first N blocks in RAM), largest error per device: weights ${max(moeErrors.weights)}, KV ${max(moeErrors.kv)}, compute ${max(moeErrors.compute)}; target for weights and KV: 1%.`;
  out('');
  out(splitSummary);
  out('');
  out(moeSummary);
  out('');
  out(
    "Sliding-window layers (Gemma) are sized as llama.cpp's tools create them, window + 512 cells padded to 256; node-llama-cpp asks one token more for SWA models, and rightsize's bench and measure size its window + 513.",
  );
  const date = new Date().toISOString().slice(0, 10);
  const file = values.out ?? join(ROOT, 'bench/results', `fit-params-${date}.md`);
  const header = [
    `# Placement vs llama.cpp (${date})`,
    '',
    '`npx tsx bench/fit-params-compare.ts`: llama.cpp\'s `llama-fit-params -fitp on` (MiB per device, an rpc-server on 127.0.0.1 as the "GPU", two of them for the `-ts` splits) against rightsize\'s placement for the same `-ngl` and `-ts` (N = layers + 1: llama.cpp counts the output layer; layer split: each card gets a contiguous run of layers by cumulative split points, the output layer on the last card). Host weights leave out the matrices this CPU repacks (llama.cpp counts CPU_REPACK apart); overheads (driver, process) are not part of either.',
    '',
  ];
  writeFileSync(file, [...header, ...lines, ''].join('\n'));
  console.log(`\nWritten to ${file}`);
}

main().catch((error: unknown) => {
  stopServers();
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
