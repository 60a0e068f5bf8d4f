// Compute buffers when a GPU computes a prompt's products for weights kept in RAM (ggml's op offload), checked against
// llama.cpp's own "compute buffer size" lines on a real Vulkan device with no GPU: Mesa's lavapipe (llvmpipe), a CPU
// implementation of Vulkan. llama.cpp's scheduler treats it as any Vulkan GPU (its own buffers, offload_op for 32
// tokens or more), so -ngl 0 and partial loads show the weight copies a CUDA, ROCm or Vulkan card makes.
// rpc-server devices (bench/fit-params-compare.ts) have no offload_op and cannot show them.
//
// Needs: apt-get install mesa-vulkan-drivers (lavapipe) and node-llama-cpp's Vulkan binary (@node-llama-cpp/linux-x64-vulkan,
// installed with it on Linux x64). lavapipe caps a buffer at a few hundred MiB, so the cases are TinyLlama 1.1B (32,000
// tokens, untied output): larger models' output matrices do not fit its buffers and go to the CPU.
// Usage: npx tsx bench/op-offload-vulkan.ts [--write test/fixtures/llama/vulkan-op-offload.json] [--out bench/results/op-offload-DATE.md]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildMemoryModelFromLayout } from '../src/core/estimate';
import { placeModel } from '../src/core/placement';
import { writeGgufModel } from '../src/node/gguf-writer';
import { modelFromFile } from '../src/node/models/resolve';
import type { KvType, Precision } from '../src/shared/precision';
import { CatalogSchema, type CatalogModel } from '../src/shared/schema';
import { MiB } from '../src/shared/units';

const { values } = parseArgs({ options: { write: { type: 'string' }, out: { type: 'string' }, child: { type: 'string' } } });

interface Case {
  id: string;
  precision: Precision;
  ctx: number;
  kv: KvType;
  ngl: number;
  /** A generated shape (not a catalog model), kept in the fixture so the test rebuilds it. */
  shape?: CatalogModel;
  /** Two Vulkan devices on the same lavapipe (GGML_VK_VISIBLE_DEVICES=0,0): layer split, pipeline parallelism. */
  devices?: 2;
}
/**
 * A qwen3moe-layout MoE whose expert tensors (64 experts, 1,024 x 1,536: 54-79 MiB each) outweigh its small
 * vocabulary's logits, so the copy of an expert tensor sets the GPU's compute buffer; it fits lavapipe's buffers.
 */
const MOE_SHAPE = (base: CatalogModel): CatalogModel => ({
  ...base,
  id: 'generated-moe-64x',
  name: 'Generated MoE, 8 blocks x 64 experts (top-4), vocabulary 8,000',
  layers: 8,
  hiddenSize: 1024,
  ffnSize: 1536,
  heads: 16,
  kvHeads: 4,
  headDim: 64,
  vocabSize: 8000,
  tiedEmbeddings: false,
  maxContext: 8192,
  experts: { count: 64, active: 4, shared: 0, denseLayers: 0 },
});
const CASES: Case[] = [
  { id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 2048, kv: 'f16', ngl: 0 },
  { id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 2048, kv: 'f16', ngl: 10 },
  { id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 2048, kv: 'f16', ngl: 23 },
  { id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 16384, kv: 'f16', ngl: 0 },
  { id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 16384, kv: 'f16', ngl: 10 },
  { id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 16384, kv: 'f16', ngl: 23 },
  { id: 'tinyllama-1.1b', precision: 'Q8_0', ctx: 4096, kv: 'q8_0', ngl: 0 },
  { id: 'tinyllama-1.1b', precision: 'Q8_0', ctx: 4096, kv: 'q8_0', ngl: 12 },
  { id: 'tinyllama-1.1b', precision: 'F16', ctx: 4096, kv: 'f16', ngl: 0 },
  { id: 'tinyllama-1.1b', precision: 'F16', ctx: 4096, kv: 'f16', ngl: 5 },
];

/** The child: load one file on the Vulkan device at -ngl N and print llama.cpp's buffer and split lines. */
async function child(spec: string): Promise<void> {
  const { path, ngl, ctx, kv } = JSON.parse(spec) as { path: string; ngl: number; ctx: number; kv: string };
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const lines: string[] = [];
  const llama = await getLlama({
    gpu: 'vulkan',
    build: 'never',
    logLevel: LlamaLogLevel.info,
    logger: (_level, message) => {
      for (const line of message.split('\n'))
        if (/buffer size|offloaded|graph splits|using device|pipeline parallelism|sched copies/.test(line)) lines.push(line.trim());
    },
  });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: ngl });
  const type = kv.toUpperCase() as 'F16' | 'Q8_0';
  const context = await model.createContext({
    contextSize: ctx,
    flashAttention: true,
    batchSize: 512,
    experimentalKvCacheKeyType: type,
    experimentalKvCacheValueType: type,
  });
  await new Promise((r) => setTimeout(r, 300)); // log lines arrive asynchronously
  process.stdout.write(`${JSON.stringify({ lines, device: (await llama.getGpuDeviceNames())[0] ?? null })}\n`);
  await context.dispose();
  await model.dispose();
}

const mibOf = (lines: readonly string[], pattern: RegExp): number | null => {
  for (const line of lines) {
    const m = pattern.exec(line);
    if (m) return Number(m[1]);
  }
  return null;
};

async function main(): Promise<void> {
  const catalog = CatalogSchema.parse(JSON.parse(readFileSync('resources/catalog/models.json', 'utf8'))).models;
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-op-offload-'));
  const recorded: unknown[] = [];
  const moe = MOE_SHAPE(catalog.find((x) => x.id === 'qwen3-30b-a3b') as CatalogModel);
  for (const ngl of [0, 3, 9]) CASES.push({ id: moe.id, precision: 'Q4_K_M', ctx: 4096, kv: 'f16', ngl, shape: moe });
  for (const ctx of [2048, 16384]) CASES.push({ id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx, kv: 'f16', ngl: 23, devices: 2 });
  CASES.push({ id: 'tinyllama-1.1b', precision: 'Q4_K_M', ctx: 4096, kv: 'f16', ngl: 12, devices: 2 });
  const out: string[] = [
    '| case | device weights llama.cpp / rightsize | device compute llama.cpp / rightsize | host compute llama.cpp / rightsize | graph splits |',
    '|---|---:|---:|---:|---|',
  ];
  let device: string | null = null;
  try {
    for (const cs of CASES) {
      const m = cs.shape ?? catalog.find((x) => x.id === cs.id);
      if (!m) throw new Error(`no catalog model ${cs.id}`);
      const path = join(dir, `${cs.id}-${cs.precision}.gguf`);
      if (!existsSync(path)) {
        await writeGgufModel(path, { shape: { ...m }, precision: cs.precision, data: 'sparse', contextLength: m.maxContext, name: m.name });
      }
      const r = spawnSync(
        'npx',
        ['tsx', 'bench/op-offload-vulkan.ts', '--child', JSON.stringify({ path, ngl: cs.ngl, ctx: cs.ctx, kv: cs.kv })],
        {
          encoding: 'utf8',
          env: { ...process.env, GGML_VK_VISIBLE_DEVICES: cs.devices === 2 ? '0,0' : (process.env.GGML_VK_VISIBLE_DEVICES ?? '0') },
          timeout: 300_000,
        },
      );
      const json = r.stdout.split('\n').find((l) => l.startsWith('{"lines"'));
      if (r.status !== 0 || !json)
        throw new Error(`the Vulkan load failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).slice(-1500)}`);
      const { lines, device: name } = JSON.parse(json) as { lines: string[]; device: string | null };
      device = name;
      const { sizable } = await modelFromFile(path);
      // Two devices with the same free memory: llama.cpp splits the layers 1:1.
      const p = placeModel(buildMemoryModelFromLayout(sizable.shape, sizable.weights, cs.ctx, cs.kv), cs.ngl, 'vulkan', {
        repackTypes: new Set(),
        ...(cs.devices === 2 ? { splitProportions: [1, 1] } : {}),
      });
      const splits = lines.find((l) => l.includes('graph splits'))?.replace(/^.*graph splits = /, '') ?? '?';
      const f = (x: number): string => x.toFixed(1);
      const host = mibOf(lines, /Vulkan_Host compute buffer size =\s+([\d.]+) MiB/) ?? 0;
      for (const [d, gpu] of p.gpus.entries()) {
        const weights = mibOf(lines, new RegExp(`Vulkan${d} model buffer size =\\s+([\\d.]+) MiB`)) ?? 0;
        const computed = mibOf(lines, new RegExp(`Vulkan${d} compute buffer size =\\s+([\\d.]+) MiB`)) ?? 0;
        const device = p.gpus.length > 1 ? ` (Vulkan${d})` : '';
        const hostCell = d === 0 ? `${f(host)} / ${f(p.cpu.computeBytes / MiB)}` : '';
        out.push(
          `| ${m.name} ${cs.precision}, ${cs.ctx} ctx, ${cs.kv} KV, -ngl ${cs.ngl} of ${m.layers + 1}${device} | ${f(weights)} / ${f(gpu.weightsBytes / MiB)} | ${f(computed)} / ${f(gpu.computeBytes / MiB)} | ${hostCell} | ${splits} |`,
        );
        console.log(out[out.length - 1]);
      }
      recorded.push({ ...cs, lines });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const head = `Compute buffers with op offload: llama.cpp (node-llama-cpp's Vulkan build) on ${device ?? 'a Vulkan device'}, against rightsize's placement (Vulkan backend). MiB.`;
  if (values.out) writeFileSync(values.out, `${head}\n\n${out.join('\n')}\n`);
  if (values.write) {
    const fixture = {
      source: `bench/op-offload-vulkan.ts on ${new Date().toISOString().slice(0, 10)}: node-llama-cpp's Vulkan binary on ${device ?? 'lavapipe'} (Mesa lavapipe, GGML_VK_VISIBLE_DEVICES=0), sparse generated GGUF files of the catalog shapes, flash attention on, 512-token micro-batch`,
      cases: recorded,
    };
    writeFileSync(values.write, `${JSON.stringify(fixture, null, 2)}\n`);
  }
}

if (values.child) await child(values.child);
else await main();
