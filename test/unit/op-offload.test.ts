// With weights in RAM beside a CUDA, ROCm or Vulkan GPU, llama.cpp computes a prompt's products on the GPU all the
// same (ggml's offload_op), copying each weight into the GPU's compute buffer: that buffer grows, the host's shrinks to
// staging. Checked against llama.cpp's own lines on a Vulkan device (lavapipe, bench/op-offload-vulkan.ts) and a CUDA
// log from llama.cpp's CI.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildMemoryModelFromLayout, layoutFor, layoutWeightsWithTypes } from '../../src/core/estimate';
import { placeModel } from '../../src/core/placement';
import { listTensors, type ModelShape } from '../../src/core/tensors';
import { computeTarget } from '../../src/core/budget';
import { buildReport, catalogModelAt, rowPromptWork, sizeModel } from '../../src/core/report';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets } from '../../src/node/resources';
import type { CatalogModel } from '../../src/shared/schema';
import { makeSnapshot } from '../helpers/hardware';
import type { KvType, Precision } from '../../src/shared/precision';
import { GiB, MiB } from '../../src/shared/units';

interface RecordedCase {
  id: string;
  /** A generated shape, not a catalog model. */
  shape?: ModelShape;
  /** Two Vulkan devices on the same lavapipe: layers split 1:1. */
  devices?: 2;
  precision: Precision;
  ctx: number;
  kv: KvType;
  ngl: number;
  lines: string[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/llama/vulkan-op-offload.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: RecordedCase[];
};
const catalog = loadCatalog();
const mib = (lines: readonly string[], pattern: RegExp): number => {
  for (const line of lines) {
    const m = pattern.exec(line);
    if (m) return Number(m[1]);
  }
  return 0;
};
const ours = (c: RecordedCase) => {
  const shape = c.shape ?? (catalog.find((m) => m.id === c.id) as ModelShape);
  return placeModel(buildMemoryModelFromLayout(shape, layoutFor(shape, c.precision), c.ctx, c.kv), c.ngl, 'vulkan', {
    repackTypes: new Set(),
    ...(c.devices === 2 ? { splitProportions: [1, 1] } : {}),
  });
};
const label = (c: RecordedCase): string =>
  `${c.id} ${c.precision}, ${c.ctx} ctx, ${c.kv} KV, -ngl ${c.ngl}${c.devices === 2 ? ' over two devices' : ''}`;

describe("llama.cpp's own buffers on a Vulkan device (lavapipe)", () => {
  it('are recorded for -ngl 0, partial and full loads, and name where they came from', () => {
    expect(fixture.source).toMatch(/lavapipe/);
    expect(new Set(fixture.cases.map((c) => Math.sign(c.ngl)))).toEqual(new Set([0, 1]));
    expect(fixture.cases.some((c) => c.ngl === 23)).toBe(true);
  });

  it.each(fixture.cases.map((c) => [label(c), c] as const))('%s: weights exactly, the host only stages inputs', (_, c) => {
    const p = ours(c);
    expect(p.gpus[0]?.weightsBytes ?? 0).toBeCloseTo(mib(c.lines, /Vulkan0 model buffer size =\s+([\d.]+)/) * MiB, -5);
    // The CPU computes nothing of a prompt: its buffer holds the inputs (embeddings, mask) it hands over.
    expect(Math.abs(p.cpu.computeBytes / MiB - mib(c.lines, /Vulkan_Host compute buffer size =\s+([\d.]+)/))).toBeLessThan(0.1);
  });

  const dense = fixture.cases.filter((c) => !c.shape && !c.devices);
  const theirCompute = (c: RecordedCase): number => mib(c.lines, /Vulkan0 compute buffer size =\s+([\d.]+)/);
  const ratio = (c: RecordedCase): number => (ours(c).gpus[0]?.computeBytes ?? 0) / MiB / theirCompute(c);

  it.each(dense.filter((c) => c.ngl > 0).map((c) => [label(c), c] as const))(
    "%s: the GPU's compute buffer within 3% below to 7% above: a block's activations and the largest matrix copied from RAM",
    (_, c) => {
      expect(ratio(c)).toBeGreaterThan(0.97);
      expect(ratio(c)).toBeLessThan(1.07);
    },
  );

  it.each(dense.filter((c) => c.ngl === 0).map((c) => [label(c), c] as const))(
    '%s: no layer on the GPU still takes a compute buffer there, a micro-batch of logits and the output matrix; up to a fifth more in llama.cpp (its allocator leaves gaps)',
    (_, c) => {
      const p = ours(c);
      expect(p.gpus[0]?.weightsBytes).toBe(0);
      expect(p.gpus[0]?.overheadBytes ?? 0).toBeGreaterThan(0); // the backend is set up all the same
      expect(ratio(c)).toBeGreaterThan(0.8);
      expect(ratio(c)).toBeLessThanOrEqual(1.001);
    },
  );

  it('a generated MoE with blocks in RAM: the GPU copies one whole expert tensor (79 MiB) at a time, and rightsize stays within 15% above', () => {
    const moe = fixture.cases.filter((c) => c.shape);
    expect(moe.map((c) => c.ngl)).toEqual([0, 3, 9]);
    const [none, split, all] = moe as [RecordedCase, RecordedCase, RecordedCase];
    // llama.cpp: 44.3 MiB all on the GPU, 111.3 with any block in RAM: the copy of an expert tensor.
    expect(theirCompute(split) - theirCompute(all)).toBeGreaterThan(60);
    for (const c of [none, split, all]) {
      expect(ratio(c)).toBeGreaterThanOrEqual(1);
      expect(ratio(c)).toBeLessThan(1.15);
    }
  });
});

describe('over two devices (lavapipe twice: GGML_VK_VISIBLE_DEVICES=0,0)', () => {
  const two = fixture.cases.filter((c) => c.devices === 2);
  const theirs = (c: RecordedCase, what: string): number => mib(c.lines, new RegExp(`${what} buffer size =\\s+([\\d.]+)`));

  it('are recorded with every layer offloaded (pipeline parallelism) and with part of them', () => {
    expect(two.map((c) => c.ngl).sort((a, b) => a - b)).toEqual([12, 23, 23]);
    expect(two.filter((c) => c.lines.some((l) => l.includes('sched copies = 4'))).map((c) => c.ngl)).toEqual([23, 23]);
  });

  it.each(two.map((c) => [label(c), c] as const))('%s: weights per device exactly, each compute buffer within 5%', (_, c) => {
    const p = ours(c);
    for (const d of [0, 1]) {
      expect((p.gpus[d]?.weightsBytes ?? 0) / MiB).toBeCloseTo(theirs(c, `Vulkan${d} model`), 1);
      const ratio = (p.gpus[d]?.computeBytes ?? 0) / MiB / theirs(c, `Vulkan${d} compute`);
      expect(ratio).toBeGreaterThan(0.99);
      expect(ratio).toBeLessThan(1.05);
    }
    expect(Math.abs(p.cpu.computeBytes / MiB - theirs(c, 'Vulkan_Host compute'))).toBeLessThan(0.1);
  });

  it('every layer offloaded: 4 copies of the mask on each device and the host, and of the activations a device receives', () => {
    const [short, long] = two.filter((c) => c.ngl === 23).sort((a, b) => a.ctx - b.ctx) as [RecordedCase, RecordedCase];
    // 2,048 to 16,384 tokens: the mask (512 x context x 2 bytes) grows by 14 MiB; each buffer by 4 x that.
    for (const what of ['Vulkan0 compute', 'Vulkan1 compute', 'Vulkan_Host compute'])
      expect(theirs(long, what) - theirs(short, what)).toBeCloseTo(56, 0);
    expect((ours(long).cpu.computeBytes - ours(short).cpu.computeBytes) / MiB).toBeCloseTo(56, 0);
  });
});

describe("a CUDA log from llama.cpp's CI (Tesla V100, Pythia 2.8B Q4_0, 2,048 ctx, 512-token micro-batch)", () => {
  // https://github.com/ggml-org/ci/blob/results/llama.cpp/08/a43d05b6ba74de97610ae519450ad9996475e0/ggml-4-x86-cuda-v100/README.md:
  // with the output layer in RAM (that build kept it there at -ngl 10), "CUDA0 compute buffer size = 203.99 MiB", flash
  // attention on or off; all on the GPU with flash attention, 103.25 MiB. Pythia's shape as a llama-style stand-in:
  // what differs (its ungated FFN, its biases) is not in the output layer.
  const pythia: ModelShape = {
    arch: 'llama',
    layers: 32,
    hiddenSize: 2560,
    ffnSize: 10240,
    ffnType: 'gated',
    heads: 32,
    kvHeads: 32,
    headDim: 80,
    vocabSize: 50304,
    tiedEmbeddings: false,
  };
  // A Q4_0 file: every matrix Q4_0 but the output's, Q6_K; norms F32.
  const tensors = listTensors(pythia);
  const types = tensors.map((t) => (t.name === 'output.weight' ? 'Q6_K' : t.dims.length >= 2 ? 'Q4_0' : 'F32'));
  const memory = buildMemoryModelFromLayout(pythia, layoutWeightsWithTypes(pythia, tensors, types), 2048, 'f16');

  it('the output layer in RAM: its 100.7 MiB Q6_K matrix copied beside a micro-batch of logits, 204 MiB', () => {
    const p = placeModel(memory, 0, 'cuda', { repackTypes: new Set() });
    expect((p.gpus[0]?.computeBytes ?? 0) / MiB).toBeCloseTo(203.99, 0);
  });

  it('all on the GPU: the logits phase alone, 103.25 MiB', () => {
    const p = placeModel(memory, 33, 'cuda', { repackTypes: new Set() });
    expect((p.gpus[0]?.computeBytes ?? 0) / MiB).toBeCloseTo(103.25, 1);
  });
});

describe('a GPU too small for even one layer', () => {
  // Llama 3.1 8B Q4_K_M at 8k beside a card with 400 MiB usable: -ngl 1 needs the 411 MiB output matrix and its
  // logits; -ngl 0 would copy that matrix beside the logits to read prompts on the GPU, the same 1,158 MiB with the
  // 4090's CUDA context (487 MiB for its 128 SMs).
  const hardware = applyWhatIf(makeSnapshot({ ramBytes: 32 * GiB }), { gpuName: 'RTX 4090', vramBytes: 0.9 * GiB }, loadGpuPresets());
  const model = catalog.find((m) => m.id === 'llama-3.1-8b') as CatalogModel;
  const sized = sizeModel(catalogModelAt(model, 'Q4_K_M'), hardware, computeTarget(hardware), { contextTokens: 8192, kvType: 'f16' });

  it('runs on the CPU with nothing on the GPU, and says the load needs --no-op-offload', () => {
    expect(sized.row.fit).toBe('cpu');
    expect(sized.fit.placement.gpuBytes).toBe(0);
    expect(sized.row.why).toMatch(
      /Nor does the 1\.1 GiB llama\.cpp would take on the GPU to read prompts there fit: run it with --no-op-offload/,
    );
  });

  it('so its prompts are not read on the GPU: no weights copied per micro-batch', () => {
    expect(rowPromptWork(sized, catalogModelAt(model, 'Q4_K_M')).hostUploadBytes).toBeUndefined();
  });
});

describe('the memory source says what the compute buffers hold', () => {
  const report = (whatIf: Parameters<typeof applyWhatIf>[1]) =>
    buildReport(
      applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), whatIf, loadGpuPresets()),
      catalog,
      { contextTokens: 8192, kvType: 'f16' },
      { detectMs: 0 },
    );
  const row = (r: ReturnType<typeof report>, id: string) => r.rows.find((x) => x.modelId === id && x.quant === 'Q4_K_M');

  it('a split row: the largest matrix kept in RAM, copied to the GPU for a prompt', () => {
    const r = report({ gpuName: 'RTX 4090' });
    expect(row(r, 'llama-3.1-70b')?.memorySource.detail).toMatch(/largest matrix kept in RAM, copied there for a prompt's products/);
    expect(row(r, 'llama-3.1-8b')?.memorySource.detail).not.toMatch(/largest matrix/);
  });

  it("a row all on two GPUs: the pipeline's copies", () => {
    const r = report({ gpus: [{ name: 'RTX 3090', count: 2 }] });
    expect(row(r, 'llama-3.1-70b')?.fit).toBe('gpu');
    expect(row(r, 'llama-3.1-70b')?.memorySource.detail).toMatch(/4 copies of the attention mask .*pipeline over several GPUs/);
  });
});
