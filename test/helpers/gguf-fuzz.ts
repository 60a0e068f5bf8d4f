// Seeded mutation fuzzing of GGUF headers, shared by test/unit/gguf-fuzz.test.ts (a few thousand cases)
// and bench/gguf-fuzz.ts (100k+). Case i of seed s is rebuilt from (s, i) alone, so any failure is
// reproduced with `npx tsx bench/gguf-fuzz.ts --seed s --case i`.
import { open } from 'node:fs/promises';
import { parseGgufHeader } from '../../src/core/gguf';
import { GgufError, GgufValueType, type ByteSource, type GgufHeader } from '../../src/core/gguf-types';
import { readGgufHeader } from '../../src/node/models/gguf-file';
import { GGML_F32, GGML_Q4_0, GGML_Q4_K, buildGguf, type GgufTestKv } from './gguf-bytes';

const STORIES_PATH = new URL('../../../shared/models/stories260K.gguf', import.meta.url);
export const DEFAULT_FUZZ_SEED = 0x6775_6666; // "guff"

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface FuzzSample {
  readonly name: string;
  /** The bytes to mutate (a header, or a whole tiny file). */
  readonly bytes: Uint8Array;
  /** Bytes of tensor data that follow `bytes` in the real file, served as zeros when a case keeps them. */
  readonly tailBytes: number;
  /** Offsets of u64 fields that look like counts or lengths: targets for the huge-value mutator. */
  readonly fieldOffsets: readonly number[];
}

export interface FuzzCase {
  readonly index: number;
  readonly sample: string;
  readonly bytes: Uint8Array;
  /** Size of the ByteSource: the mutated length, plus the sample's zero tail when the case keeps it. */
  readonly size: number;
  readonly mutations: readonly string[];
}

// ---- seed corpus ----

/**
 * A small GGUF with every value type and three tensors of different types, and optionally an array of
 * arrays (the GGUF spec allows them; llama.cpp refuses them, so one sample leaves it out to stay
 * comparable with llama.cpp's verdicts).
 */
function builtSample(version: 2 | 3, alignment: number, nested: boolean): Uint8Array {
  const tokenCount = 40;
  const kv: GgufTestKv[] = [
    ['general.architecture', GgufValueType.STRING, 'llama'],
    ['general.alignment', GgufValueType.UINT32, alignment],
    ['llama.block_count', GgufValueType.UINT32, 2],
    ['t.u8', GgufValueType.UINT8, 7],
    ['t.i8', GgufValueType.INT8, -16],
    ['t.u16', GgufValueType.UINT16, 0x0201],
    ['t.i16', GgufValueType.INT16, -1],
    ['t.i32', GgufValueType.INT32, -3],
    ['t.f32', GgufValueType.FLOAT32, 0.25],
    ['t.bool', GgufValueType.BOOL, true],
    ['t.u64', GgufValueType.UINT64, 1n << 62n],
    ['t.i64', GgufValueType.INT64, -7n],
    ['t.f64', GgufValueType.FLOAT64, 2.5],
    [
      'tokenizer.ggml.tokens',
      GgufValueType.ARRAY,
      { itemType: GgufValueType.STRING, items: Array.from({ length: tokenCount }, (_, i) => `tok${i}`) },
    ],
    [
      'tokenizer.ggml.scores',
      GgufValueType.ARRAY,
      { itemType: GgufValueType.FLOAT32, items: Array.from({ length: tokenCount }, (_, i) => -i) },
    ],
  ];
  if (nested) {
    kv.push([
      't.nested',
      GgufValueType.ARRAY,
      {
        itemType: GgufValueType.ARRAY,
        items: [
          { itemType: GgufValueType.STRING, items: ['a', 'bc'] },
          { itemType: GgufValueType.INT64, items: [9n] },
        ],
      },
    ]);
  }
  return buildGguf({
    version,
    alignment,
    kv,
    tensors: [
      { name: 'token_embd.weight', dims: [64, 4], type: GGML_Q4_0, bytes: 2 * 18 * 4 },
      { name: 'blk.0.attn_q.weight', dims: [256, 2], type: GGML_Q4_K, bytes: 144 * 2 },
      { name: 'output_norm.weight', dims: [16], type: GGML_F32, bytes: 64 },
    ],
  });
}

/** u64 fields holding small non-zero values: counts, lengths, dims. */
function findFieldOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets: number[] = [8, 16];
  for (let p = 24; p + 8 <= bytes.length; p++) {
    const low = view.getUint32(p, true);
    if (view.getUint32(p + 4, true) === 0 && low > 0 && low < 0x10000) offsets.push(p);
  }
  return offsets;
}

function sampleOf(name: string, bytes: Uint8Array, tailBytes: number): FuzzSample {
  return { name, bytes, tailBytes, fieldOffsets: findFieldOffsets(bytes) };
}

/** The seed corpus: stories260K's real header (its data served as zeros) and built v2/v3 files. */
export async function loadFuzzSamples(): Promise<FuzzSample[]> {
  const header = await readGgufHeader(STORIES_PATH);
  const file = await open(STORIES_PATH, 'r');
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(header.dataOffset);
    await file.read(bytes, 0, bytes.length, 0);
    return [
      sampleOf('stories260K header', bytes, size - header.dataOffset),
      sampleOf('built v2 (align 32)', builtSample(2, 32, false), 0),
      sampleOf('built v3 (align 64, nested array)', builtSample(3, 64, true), 0),
    ];
  } finally {
    await file.close();
  }
}

// ---- mutators ----

const HUGE_U64 = [
  (1n << 64n) - 1n,
  (1n << 63n) - 1n,
  1n << 63n,
  1n << 62n,
  1n << 53n,
  (1n << 53n) + 1n,
  1n << 40n,
  1n << 32n,
  (1n << 32n) - 1n,
  1n << 31n,
  1n << 30n,
  (1n << 30n) + 1n,
  1n << 24n,
  0n,
];

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** One mutation; returns the new bytes and a description for reproducing it. */
function mutateOnce(bytes: Uint8Array, sample: FuzzSample, rng: Rng): [Uint8Array, string] {
  const n = bytes.length;
  if (n === 0) return [new Uint8Array([int(rng, 256)]), 'insert 1 byte into empty'];
  const at = int(rng, n);
  switch (int(rng, 9)) {
    case 0: {
      const bit = int(rng, 8);
      bytes[at] = bytes[at]! ^ (1 << bit);
      return [bytes, `flip bit ${bit} at ${at}`];
    }
    case 1: {
      const run = 1 + int(rng, 8);
      const fill = [0x00, 0xff, -1][int(rng, 3)]!;
      for (let i = at; i < Math.min(n, at + run); i++) bytes[i] = fill < 0 ? int(rng, 256) : fill;
      return [bytes, `overwrite ${run} bytes at ${at} with ${fill < 0 ? 'random' : `0x${fill.toString(16)}`}`];
    }
    case 2:
    case 3: {
      // Aim at a real count/length field most of the time, anywhere otherwise.
      const offsets = sample.fieldOffsets.filter((o) => o + 8 <= n);
      const field = offsets.length > 0 && rng() < 0.8 ? offsets[int(rng, offsets.length)]! : Math.min(at, Math.max(0, n - 8));
      const value = rng() < 0.85 ? HUGE_U64[int(rng, HUGE_U64.length)]! : BigInt(n + int(rng, 64) - 32) & ((1n << 64n) - 1n);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (field + 8 <= n) view.setBigUint64(field, value, true);
      return [bytes, `u64 at ${field} = ${value}`];
    }
    case 4: {
      // Small u32s hit value types, ggml type ids and dimension counts.
      const field = Math.min(at, Math.max(0, n - 4));
      const value = int(rng, 48);
      if (field + 4 <= n) new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(field, value, true);
      return [bytes, `u32 at ${field} = ${value}`];
    }
    case 5: {
      const length = rng() < 0.5 ? at : n - int(rng, Math.min(n, 64));
      return [bytes.slice(0, length), `truncate to ${length}`];
    }
    case 6: {
      const length = 1 + int(rng, Math.min(256, n - at));
      const to = int(rng, n + 1);
      return [splice(bytes, to, 0, bytes.slice(at, at + length)), `duplicate ${length} bytes from ${at} to ${to}`];
    }
    case 7: {
      const count = 1 + int(rng, 16);
      const insert = Uint8Array.from({ length: count }, () => int(rng, 256));
      return [splice(bytes, at, 0, insert), `insert ${count} random bytes at ${at}`];
    }
    default: {
      const length = 1 + int(rng, Math.min(32, n - at));
      return [splice(bytes, at, length, new Uint8Array(0)), `remove ${length} bytes at ${at}`];
    }
  }
}

/** Builds case `index` of `seed`: a sample with 1-8 mutations. */
export function makeFuzzCase(samples: readonly FuzzSample[], seed: number, index: number): FuzzCase {
  const rng = mulberry32(caseSeed(seed, index));
  const sample = samples[int(rng, samples.length)]!;
  let bytes: Uint8Array = sample.bytes.slice();
  const mutations: string[] = [];
  let truncated = false;
  const count = 1 + int(rng, 8);
  for (let m = 0; m < count; m++) {
    const [next, what] = mutateOnce(bytes, sample, rng);
    if (what.startsWith('truncate')) truncated = true;
    bytes = next;
    mutations.push(what);
  }
  // Half the cases with a data tail keep it, so mutated headers can also parse all the way through.
  const keepTail = sample.tailBytes > 0 && !truncated && rng() < 0.5;
  return { index, sample: sample.name, bytes, size: bytes.length + (keepTail ? sample.tailBytes : 0), mutations };
}

/** The case's bytes, then zeros up to its size. */
export function fuzzSource(fuzzCase: FuzzCase): ByteSource {
  const { bytes, size } = fuzzCase;
  return {
    size,
    async read(offset, length) {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      if (offset < bytes.length) out.set(bytes.subarray(offset, Math.min(bytes.length, offset + out.length)));
      return out;
    },
  };
}

type FuzzOutcomeKind = 'parsed' | GgufError['code'];

interface FuzzResult {
  readonly kind: FuzzOutcomeKind | 'failure';
  readonly ms: number;
  /** Why the case failed: a non-GgufError throw, or a parsed header that is not sane. */
  readonly problem?: string;
}

/** What a parsed header must satisfy for a file of `size` bytes. */
function insanity(header: GgufHeader, size: number): string | undefined {
  if (header.version !== 2 && header.version !== 3) return `version ${header.version}`;
  if (!(header.dataOffset >= header.headerBytes && header.dataOffset <= size)) return `dataOffset ${header.dataOffset}`;
  if (header.dataOffset % header.alignment !== 0 && header.tensors.length > 0) return `dataOffset ${header.dataOffset} not aligned`;
  for (const t of header.tensors) {
    if (!Number.isFinite(t.bytes) || t.bytes < 0 || !Number.isInteger(t.bytes)) return `tensor ${t.name} bytes ${t.bytes}`;
    if (t.dims.length > 4 || t.dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return `tensor ${t.name} dims ${t.dims}`;
    if (header.dataOffset + Number(t.offset) + t.bytes > size) return `tensor ${t.name} beyond the file`;
  }
  return undefined;
}

async function runFuzzCase(fuzzCase: FuzzCase): Promise<FuzzResult> {
  const started = performance.now();
  try {
    const header = await parseGgufHeader(fuzzSource(fuzzCase));
    const ms = performance.now() - started;
    const problem = insanity(header, fuzzCase.size);
    return problem ? { kind: 'failure', ms, problem: `parsed, but ${problem}` } : { kind: 'parsed', ms };
  } catch (error) {
    const ms = performance.now() - started;
    if (error instanceof GgufError) return { kind: error.code, ms };
    const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    return { kind: 'failure', ms, problem: `threw something other than GgufError: ${text}` };
  }
}

export function describeCase(seed: number, fuzzCase: FuzzCase): string {
  return `seed ${seed} case ${fuzzCase.index} (${fuzzCase.sample}, ${fuzzCase.bytes.length} bytes, size ${fuzzCase.size}): ${fuzzCase.mutations.join('; ')}\n  reproduce: npx tsx bench/gguf-fuzz.ts --seed ${seed} --case ${fuzzCase.index}`;
}

const CASE_TIME_LIMIT_MS = 1000;

export interface FuzzSummary {
  readonly seed: number;
  readonly cases: number;
  readonly seconds: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly slowest: { readonly index: number; readonly ms: number };
  readonly startHeapBytes: number;
  readonly peakHeapBytes: number;
  /** Cases that threw a non-GgufError, parsed into nonsense, or took longer than CASE_TIME_LIMIT_MS. */
  readonly failures: readonly { readonly fuzzCase: FuzzCase; readonly problem: string }[];
}

/** Runs cases [first, first + cases) of `seed`; heap is sampled every 64 cases. */
export async function runFuzz(samples: readonly FuzzSample[], seed: number, cases: number, first = 0): Promise<FuzzSummary> {
  const counts: Record<string, number> = {};
  const failures: { fuzzCase: FuzzCase; problem: string }[] = [];
  let slowest = { index: -1, ms: 0 };
  const startHeapBytes = process.memoryUsage().heapUsed;
  let peakHeapBytes = startHeapBytes;
  const started = performance.now();
  for (let index = first; index < first + cases; index++) {
    const fuzzCase = makeFuzzCase(samples, seed, index);
    const result = await runFuzzCase(fuzzCase);
    counts[result.kind] = (counts[result.kind] ?? 0) + 1;
    if (result.ms > slowest.ms) slowest = { index, ms: result.ms };
    if (result.problem) failures.push({ fuzzCase, problem: result.problem });
    else if (result.ms > CASE_TIME_LIMIT_MS) {
      // A loaded machine can pause any one case (GC, scheduling); slow twice running is the parser's fault.
      const again = await runFuzzCase(fuzzCase);
      if (again.ms > CASE_TIME_LIMIT_MS)
        failures.push({ fuzzCase, problem: `took ${result.ms.toFixed(0)} ms, then ${again.ms.toFixed(0)} ms` });
    }
    if (index % 64 === 0) peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  }
  peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  return { seed, cases, seconds: (performance.now() - started) / 1000, counts, slowest, startHeapBytes, peakHeapBytes, failures };
}

/** The best of `runs` timings of one case, to tell a slow case from a pause that happened to land on it. */
export async function bestTimeMs(fuzzCase: FuzzCase, runs = 5): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, (await runFuzzCase(fuzzCase)).ms);
  return best;
}
