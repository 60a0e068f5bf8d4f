// The GGUF writer: sparse files of real shapes have exactly the bytes llama.cpp's layout gives them
// (checked against an independent parse and ggml.ts's sizes) at almost no disk cost, and tiny random
// files of every supported arch load and generate in node-llama-cpp (in a child process, since a
// malformed file can abort llama.cpp).
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ggmlType, tensorBytes } from '../../src/core/ggml';
import { assignTensorTypes } from '../../src/core/quantize';
import { elementCount, listTensors, type ModelShape } from '../../src/core/tensors';
import { syntheticVocab, toHalfBits, writeGgufModel, type GgufWriterShape } from '../../src/node/gguf-writer';
import type { Precision } from '../../src/shared/precision';
import type { CatalogModel } from '../../src/shared/schema';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOADER = join(ROOT, 'test/helpers/load-gguf.mjs');
const STORIES = join(ROOT, '../shared/models/stories260K.gguf');
const TMP = mkdtempSync(join(tmpdir(), 'rightsize-gguf-writer-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const catalog = (JSON.parse(readFileSync(join(ROOT, 'resources/catalog/models.json'), 'utf8')) as { models: CatalogModel[] }).models;
const model = (id: string): CatalogModel => {
  const m = catalog.find((c) => c.id === id);
  if (!m) throw new Error(`${id} is not in the catalog`);
  return m;
};

// ---------------------------------------------------------------- an independent GGUF header parser

interface ParsedTensor {
  name: string;
  dims: number[];
  typeId: number;
  offset: number;
}
interface ParsedGguf {
  version: number;
  kv: Map<string, unknown>;
  /** Raw bytes of each tokenizer.* value, to compare copies. */
  raw: Map<string, Buffer>;
  tensors: ParsedTensor[];
  /** End of the tensor infos (before the padding). */
  infoEnd: number;
}

function parseGguf(path: string): ParsedGguf {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(Math.min(fstatSync(fd).size, 32 << 20));
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let p = 0;
  const u32 = (): number => ((p += 4), buf.readUInt32LE(p - 4));
  const u64 = (): number => ((p += 8), Number(buf.readBigUInt64LE(p - 8)));
  const str = (): string => {
    const n = u64();
    p += n;
    return buf.toString('utf8', p - n, p);
  };
  const value = (type: number): unknown => {
    switch (type) {
      case 0:
        return buf.readUInt8((p += 1) - 1);
      case 1:
        return buf.readInt8((p += 1) - 1);
      case 2:
        return buf.readUInt16LE((p += 2) - 2);
      case 3:
        return buf.readInt16LE((p += 2) - 2);
      case 4:
        return u32();
      case 5:
        return buf.readInt32LE((p += 4) - 4);
      case 6:
        return buf.readFloatLE((p += 4) - 4);
      case 7:
        return buf.readUInt8((p += 1) - 1) !== 0;
      case 8:
        return str();
      case 9: {
        const itemType = u32();
        const n = u64();
        return Array.from({ length: n }, () => value(itemType));
      }
      case 10:
        return buf.readBigUInt64LE((p += 8) - 8);
      case 11:
        return buf.readBigInt64LE((p += 8) - 8);
      case 12:
        return buf.readDoubleLE((p += 8) - 8);
      default:
        throw new Error(`bad GGUF value type ${type} at ${p}`);
    }
  };
  expect(buf.toString('latin1', 0, 4)).toBe('GGUF');
  p = 4;
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const kv = new Map<string, unknown>();
  const raw = new Map<string, Buffer>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const start = p;
    kv.set(key, value(u32()));
    raw.set(key, buf.subarray(start, p));
  }
  const tensors: ParsedTensor[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nDims = u32();
    const dims = Array.from({ length: nDims }, u64);
    tensors.push({ name, dims, typeId: u32(), offset: u64() });
  }
  return { version, kv, raw, tensors, infoEnd: p };
}

const pad = (n: number, a: number): number => Math.ceil(n / a) * a;

// ---------------------------------------------------------------- sparse files of real shapes

const FTYPE: Partial<Record<Precision, number>> = { Q4_K_M: 15, F16: 1 };

describe('sparse GGUFs of real shapes', () => {
  const cases = ['llama-3.1-8b', 'llama-3.1-70b', 'mixtral-8x7b', 'qwen2.5-7b'].flatMap((id) =>
    (['Q4_K_M', 'F16'] as const).map((precision) => ({ id, precision })),
  );

  it.each(cases)('$id at $precision: llama.cpp layout, exact size, holes on disk, < 2 s', async ({ id, precision }) => {
    const shape = model(id);
    const path = join(TMP, `${id}-${precision}.gguf`);
    const t0 = performance.now();
    const result = await writeGgufModel(path, { shape, precision, data: 'sparse', name: shape.name });
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000);

    const st = statSync(path);
    const gguf = parseGguf(path);
    expect(gguf.version).toBe(3);

    // Tensors: names, dims and types as tensors.ts and quantize.ts give them.
    const specs = listTensors(shape);
    const types = assignTensorTypes(shape, specs, precision);
    expect(gguf.tensors.map((t) => t.name)).toEqual(specs.map((t) => t.name));
    expect(gguf.tensors.map((t) => t.dims)).toEqual(specs.map((t) => [...t.dims]));
    expect(gguf.tensors.map((t) => t.typeId)).toEqual(specs.map((t) => ggmlType(types.get(t.name) as string).id));

    // Layout: data starts at the aligned end of the infos; each tensor at the aligned end of the previous one.
    const alignment = gguf.kv.get('general.alignment') as number;
    expect(alignment).toBe(32);
    let offset = 0;
    for (const [i, spec] of specs.entries()) {
      expect(gguf.tensors[i]?.offset).toBe(offset);
      offset += pad(tensorBytes(types.get(spec.name) as string, elementCount(spec)), alignment);
    }
    const expected = pad(gguf.infoEnd, alignment) + offset;
    expect(st.size).toBe(expected);
    expect(result.bytes).toBe(expected);
    expect(result.tensorCount).toBe(specs.length);

    // Metadata llama.cpp needs to load the arch.
    const a = shape.arch;
    expect(gguf.kv.get('general.architecture')).toBe(a);
    expect(gguf.kv.get('general.file_type')).toBe(FTYPE[precision]);
    expect(gguf.kv.get(`${a}.block_count`)).toBe(shape.layers);
    expect(gguf.kv.get(`${a}.embedding_length`)).toBe(shape.hiddenSize);
    expect(gguf.kv.get(`${a}.feed_forward_length`)).toBe(shape.ffnSize);
    expect(gguf.kv.get(`${a}.attention.head_count`)).toBe(shape.heads);
    expect(gguf.kv.get(`${a}.attention.head_count_kv`)).toBe(shape.kvHeads);
    expect(gguf.kv.get(`${a}.rope.dimension_count`)).toBe(shape.headDim);
    expect(gguf.kv.get(`${a}.context_length`)).toBe(shape.maxContext);
    expect(gguf.kv.get(`${a}.expert_count`)).toBe(shape.experts?.count);
    expect(gguf.kv.get(`${a}.expert_used_count`)).toBe(shape.experts?.active);
    expect((gguf.kv.get('tokenizer.ggml.tokens') as string[]).length).toBe(shape.vocabSize);

    // Holes: only the header takes disk (a few MB for a 128k vocabulary), not the GBs of weights.
    expect(st.blocks * 512).toBeLessThan(pad(gguf.infoEnd, 4096) + (1 << 20));
    expect(st.blocks * 512).toBeLessThan(st.size / 1000);
    rmSync(path);
  });

  it('Llama 3.1 8B matches the published GGUF sizes (4.92 GB Q4_K_M, 16.07 GB F16) within 1%', async () => {
    for (const [precision, published] of [
      ['Q4_K_M', 4.92e9],
      ['F16', 16.07e9],
    ] as const) {
      const path = join(TMP, `published-${precision}.gguf`);
      const { bytes } = await writeGgufModel(path, { shape: model('llama-3.1-8b'), precision, data: 'sparse' });
      expect(Math.abs(bytes - published) / published).toBeLessThan(0.01);
      rmSync(path);
    }
  });
});

// ---------------------------------------------------------------- writer details

describe('writer details', () => {
  const tiny: GgufWriterShape = {
    arch: 'llama',
    layers: 2,
    hiddenSize: 256,
    ffnSize: 512,
    ffnType: 'gated',
    heads: 4,
    kvHeads: 2,
    headDim: 64,
    vocabSize: 512,
    tiedEmbeddings: false,
  };
  const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('random data is seeded: same seed, same bytes; another seed, other bytes', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(TMP, `seed-${n}.gguf`)) as [string, string, string];
    await writeGgufModel(a, { shape: tiny, precision: 'Q4_K_M', data: 'random', seed: 1 });
    await writeGgufModel(b, { shape: tiny, precision: 'Q4_K_M', data: 'random', seed: 1 });
    await writeGgufModel(c, { shape: tiny, precision: 'Q4_K_M', data: 'random', seed: 2 });
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
  });

  it('zeros writes the data out; sparse leaves holes; both the same size', async () => {
    const z = await writeGgufModel(join(TMP, 'zeros.gguf'), { shape: tiny, precision: 'Q8_0', data: 'zeros' });
    const s = await writeGgufModel(join(TMP, 'sparse.gguf'), { shape: tiny, precision: 'Q8_0', data: 'sparse' });
    expect(z.bytes).toBe(s.bytes);
    expect(statSync(z.path).size).toBe(z.bytes);
    expect(statSync(z.path).blocks * 512).toBeGreaterThanOrEqual(z.dataBytes);
    expect(statSync(s.path).blocks * 512).toBeLessThan(s.dataBytes / 4);
  });

  it('copies tokenizer.* verbatim from another GGUF and refuses a vocabulary of the wrong size', async () => {
    const path = join(TMP, 'copied.gguf');
    await writeGgufModel(path, { shape: tiny, precision: 'F16', data: 'sparse', tokenizer: { fromGguf: STORIES } });
    const src = parseGguf(STORIES);
    const out = parseGguf(path);
    const keys = [...src.raw.keys()].filter((k) => k.startsWith('tokenizer.'));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const k of keys) expect(out.raw.get(k)?.equals(src.raw.get(k) as Buffer), k).toBe(true);
    await expect(
      writeGgufModel(join(TMP, 'bad.gguf'), {
        shape: { ...tiny, vocabSize: 1000 },
        precision: 'F16',
        data: 'sparse',
        tokenizer: { fromGguf: STORIES },
      }),
    ).rejects.toThrow(/512 tokens/);
  });

  it('the synthetic vocabulary is SPM-shaped, unique and exactly vocabSize long', () => {
    const { tokens, types, scores } = syntheticVocab(1000);
    expect(tokens).toHaveLength(1000);
    expect(new Set(tokens).size).toBe(1000);
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(tokens[258]).toBe('<0xFF>');
    expect(types[10]).toBe(6);
    expect(tokens).toContain('▁the');
    expect(scores[300]).toBeLessThan(scores[260] as number);
    expect(() => syntheticVocab(100)).toThrow();
  });

  it('converts to IEEE half with rounding and subnormals', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(70000)).toBe(0x7c00);
    expect(toHalfBits(1e-7)).toBe(0x0002);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(0)).toBe(0);
  });
});

// ---------------------------------------------------------------- tiny random models load and generate

interface LoadResult {
  ok: boolean;
  error?: string;
  arch?: string;
  tokens?: number[];
  text?: string;
  finite?: boolean;
  loadMs?: number;
  totalMs?: number;
}

function loadInChild(path: string, tokens = 6, timeoutMs = 20_000): Promise<LoadResult & { code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADER, path, String(tokens)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`loading ${path} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...(JSON.parse(line) as LoadResult), code, stderr });
      } catch {
        resolve({ ok: false, error: `no JSON from the child (exit ${code}): ${stdout} ${stderr}`, code, stderr });
      }
    });
  });
}

const base = {
  arch: 'llama',
  layers: 2,
  hiddenSize: 256,
  ffnSize: 512,
  ffnType: 'gated',
  heads: 4,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 1000,
  tiedEmbeddings: false,
} as const satisfies ModelShape;

interface LoadCase {
  name: string;
  shape: GgufWriterShape;
  precision: Precision;
  stories?: boolean;
}

const LOAD_CASES: LoadCase[] = [
  // Llama with the stories260K tokenizer (vocab 512) and with the synthetic one (vocab 1000).
  ...(['F16', 'Q8_0', 'Q4_K_M'] as const).map((precision) => ({
    name: `llama stories-vocab ${precision}`,
    shape: { ...base, vocabSize: 512 },
    precision,
    stories: true,
  })),
  ...(['F16', 'Q8_0', 'Q4_K_M'] as const).map((precision) => ({ name: `llama synthetic-vocab ${precision}`, shape: base, precision })),
  // The other K-quant block layouts and 16-bit floats.
  ...(['Q6_K', 'Q5_K_M', 'Q3_K_M', 'Q2_K', 'BF16'] as const).map((precision) => ({ name: `llama ${precision}`, shape: base, precision })),
  // Row length 64: K-quants fall back to Q5_0/Q5_1/Q4_0/Q8_0 as in llama-quantize.
  {
    name: 'llama hidden 64 (fallback types) Q4_K_M',
    shape: { ...base, layers: 4, hiddenSize: 64, ffnSize: 192, headDim: 16 },
    precision: 'Q4_K_M',
  },
  {
    name: 'llama hidden 64 (fallback types) Q5_K_M',
    shape: { ...base, layers: 4, hiddenSize: 64, ffnSize: 192, headDim: 16 },
    precision: 'Q5_K_M',
  },
  {
    name: 'Mixtral-like MoE (4 experts, 2 used) Q4_K_M',
    shape: { ...base, experts: { count: 4, active: 2, shared: 0, denseLayers: 0 } },
    precision: 'Q4_K_M',
  },
  { name: 'qwen2 (QKV biases, tied) Q4_K_M', shape: { ...base, arch: 'qwen2', tiedEmbeddings: true }, precision: 'Q4_K_M' },
  { name: 'qwen3 (QK norms, headDim > hidden/heads) Q4_K_M', shape: { ...base, arch: 'qwen3', headDim: 128 }, precision: 'Q4_K_M' },
  {
    name: 'qwen3moe Q4_K_M',
    shape: { ...base, arch: 'qwen3moe', ffnSize: 256, experts: { count: 4, active: 2, shared: 0, denseLayers: 0 } },
    precision: 'Q4_K_M',
  },
  {
    name: 'gemma2 (post norms, softcap, SWA) Q4_K_M',
    shape: {
      ...base,
      arch: 'gemma2',
      headDim: 128,
      tiedEmbeddings: true,
      slidingWindow: { windowTokens: 64, period: 2, globalPerPeriod: 1 },
    },
    precision: 'Q4_K_M',
  },
  {
    name: 'gemma3 (QK norms, SWA 5:1) F16',
    shape: {
      ...base,
      arch: 'gemma3',
      layers: 6,
      headDim: 128,
      tiedEmbeddings: true,
      slidingWindow: { windowTokens: 64, period: 6, globalPerPeriod: 1 },
    },
    precision: 'F16',
  },
  { name: 'phi3 (fused QKV and gate/up) Q4_K_M', shape: { ...base, arch: 'phi3', kvHeads: 4 }, precision: 'Q4_K_M' },
  {
    // Random MXFP4 blocks need a small E8M0 scale byte: a random one decodes to huge or NaN weights.
    name: 'gpt-oss (MXFP4 experts, sinks, SWA) Q4_K_M',
    shape: {
      ...base,
      arch: 'gpt-oss',
      ffnSize: 256,
      experts: { count: 4, active: 2, shared: 0, denseLayers: 0 },
      slidingWindow: { windowTokens: 128, period: 2, globalPerPeriod: 1 },
      moeLayout: { expertBiases: true, expertsType: 'MXFP4' },
      attentionSinks: true,
    },
    precision: 'Q4_K_M',
  },
];

describe('tiny random GGUFs load and generate in node-llama-cpp', () => {
  it.each(LOAD_CASES)(
    '$name',
    async ({ name, shape, precision, stories }) => {
      const path = join(TMP, `${name.replace(/[^a-z0-9]+/gi, '-')}.gguf`);
      const written = await writeGgufModel(path, {
        shape,
        precision,
        data: 'random',
        seed: 42,
        contextLength: 2048,
        tokenizer: stories ? { fromGguf: STORIES } : 'synthetic',
      });
      expect(written.ms).toBeLessThan(2000);
      const result = await loadInChild(path);
      expect(result.ok, `${result.error ?? ''}\n${result.stderr}`).toBe(true);
      expect(result.arch).toBe(shape.arch);
      expect(result.tokens?.length).toBeGreaterThanOrEqual(4);
      for (const t of result.tokens ?? []) expect(t).toBeLessThan(shape.vocabSize);
      expect(result.finite).toBe(true);
      expect(result.loadMs).toBeLessThan(15_000);
    },
    30_000,
  );
});
