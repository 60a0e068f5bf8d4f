// Per-tensor quant types held to what llama.cpp's own quantizer does: test/fixtures/llama/quantize-dry-run.json is
// llama-quantize --dry-run of the source node-llama-cpp ships, on sparse F16 files of catalog shapes
// (bench/quantize-dry-run.ts, which checks all 102 catalog models at six precisions when llama.cpp is built here).
// The cases are the rules that once differed: a fused attn_qkv counted as attn_v (Phi-3/4, Falcon, Qwen3.5/3.6), the
// 70B rule of Llama and Qwen2's 80-block loaders, GLM-4.5's MTP block in the layer count, a Mamba-2 hybrid's gqa of 0.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensorBytes } from '../../src/core/ggml';
import { assignTensorTypes, DEFAULT_TYPE } from '../../src/core/quantize';
import { elementCount, listTensors } from '../../src/core/tensors';
import { loadCatalog } from '../../src/node/resources';
import type { Precision } from '../../src/shared/precision';

interface Case {
  id: string;
  precision: Precision;
  quantMiB: number;
  tensors: number;
  notDefault: Record<string, string>;
}
const fixture = JSON.parse(readFileSync('test/fixtures/llama/quantize-dry-run.json', 'utf8')) as { source: string; cases: Case[] };
const catalog = loadCatalog();

describe('quant types as llama-quantize gives them (the source node-llama-cpp ships)', () => {
  it('covers the rules that once differed', () => {
    expect(fixture.source).toMatch(/llama-quantize --dry-run/);
    const ids = new Set(fixture.cases.map((c) => c.id));
    for (const id of ['phi-4', 'qwen2.5-72b', 'glm-4.5', 'qwen3.6-27b', 'nemotron-h-8b', 'falcon-180b']) expect(ids.has(id), id).toBe(true);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixture.cases.map((c) => [`${c.id} ${c.precision}`, c] as const))('%s: every tensor typed alike, the size to 0.1 MiB', (_, c) => {
    const model = catalog.find((m) => m.id === c.id);
    if (!model) throw new Error(c.id);
    const tensors = listTensors(model);
    expect(tensors.length).toBe(c.tensors);
    const ours = assignTensorTypes(model, tensors, c.precision);
    const usual = DEFAULT_TYPE[c.precision];
    const differing: string[] = [];
    let bytes = 0;
    for (const t of tensors) {
      const mine = ours.get(t.name) as string;
      bytes += tensorBytes(mine, elementCount(t));
      if (t.dims.length < 2) continue;
      const theirs = c.notDefault[t.name] ?? usual;
      if (mine !== theirs) differing.push(`${t.name}: llama.cpp ${theirs}, rightsize ${mine}`);
    }
    expect(differing).toEqual([]);
    expect(Math.abs(bytes / 2 ** 20 - c.quantMiB)).toBeLessThan(0.1);
  });

  it('a Qwen3.6 27B at Q4_K_M: its recurrent blocks fused attn_qkv counted with attn_v, Q6_K in every third block and at the ends', () => {
    const c = fixture.cases.find((x) => x.id === 'qwen3.6-27b' && x.precision === 'Q4_K_M') as Case;
    const qkv = Object.entries(c.notDefault).filter(([n]) => n.endsWith('attn_qkv.weight'));
    expect(qkv.length).toBeGreaterThan(20);
    expect(new Set(qkv.map(([, t]) => t))).toEqual(new Set(['Q6_K']));
    // Before, every one of the 48 was Q5_K (an older llama.cpp's rule): the file size barely moves, the types do.
    const model = catalog.find((m) => m.id === 'qwen3.6-27b');
    if (!model) throw new Error('qwen3.6-27b');
    const ours = assignTensorTypes(model, listTensors(model), 'Q4_K_M');
    expect(ours.get('blk.0.attn_qkv.weight')).toBe('Q6_K');
    expect(ours.get('blk.8.attn_qkv.weight')).toBe('Q4_K');
  });
});
