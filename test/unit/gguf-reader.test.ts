// The GGUF header reader: a real model, hand-built files of every shape, and every way a file can be
// wrong (each must fail with a GgufError whose message says what to do).
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggufArchitecture, metadataNumber, metadataString, parseGgufHeader, type GgufParseOptions } from '../../src/core/gguf';
import {
  GgufError,
  GgufValueType,
  llamaFtypeId,
  llamaFtypeName,
  llamaFtypeOfTensorType,
  type ByteSource,
  type GgufArray,
  type GgufHeader,
} from '../../src/core/gguf-types';
import { PRECISIONS } from '../../src/shared/precision';
import { ggmlTypeById, tensorBytes } from '../../src/core/ggml';
import { readGgufHeader } from '../../src/node/models/gguf-file';
import { GGML_F32, GGML_Q4_0, GgufBytes, buildGguf, type GgufSpec } from '../helpers/gguf-bytes';

const STORIES = new URL('../../../shared/models/stories260K.gguf', import.meta.url);
const STORIES_BYTES = 1_185_376;

function memorySource(bytes: Uint8Array, size = bytes.length): ByteSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    size,
    reads,
    async read(offset, length) {
      reads.push([offset, length]);
      return bytes.slice(offset, offset + length);
    },
  };
}

async function parse(bytes: Uint8Array, options?: GgufParseOptions): Promise<GgufHeader> {
  return parseGgufHeader(memorySource(bytes), options);
}

async function failure(promise: Promise<unknown>): Promise<GgufError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GgufError);
    return error as GgufError;
  }
  throw new Error('expected a GgufError, but parsing succeeded');
}

const ALL_TYPES: [string, GgufValueType, unknown][] = [
  ['t.u8', GgufValueType.UINT8, 255],
  ['t.i8', GgufValueType.INT8, -128],
  ['t.u16', GgufValueType.UINT16, 65535],
  ['t.i16', GgufValueType.INT16, -32768],
  ['t.u32', GgufValueType.UINT32, 4294967295],
  ['t.i32', GgufValueType.INT32, -2147483648],
  ['t.f32', GgufValueType.FLOAT32, 1.5],
  ['t.bool.true', GgufValueType.BOOL, true],
  ['t.bool.false', GgufValueType.BOOL, false],
  ['t.str', GgufValueType.STRING, 'héllo ✓ wörld, a longer string past the ASCII fast path'],
  ['t.str.empty', GgufValueType.STRING, ''],
  ['t.u64.small', GgufValueType.UINT64, 123456789012n],
  ['t.u64.max', GgufValueType.UINT64, 18446744073709551615n],
  ['t.i64.neg', GgufValueType.INT64, -5n],
  ['t.i64.min', GgufValueType.INT64, -9223372036854775808n],
  ['t.f64', GgufValueType.FLOAT64, Math.PI],
  ['t.arr.u8', GgufValueType.ARRAY, { itemType: GgufValueType.UINT8, items: [1, 2, 3] }],
  ['t.arr.i16', GgufValueType.ARRAY, { itemType: GgufValueType.INT16, items: [-1, 2] }],
  ['t.arr.f32', GgufValueType.ARRAY, { itemType: GgufValueType.FLOAT32, items: [0.5, -2] }],
  ['t.arr.bool', GgufValueType.ARRAY, { itemType: GgufValueType.BOOL, items: [true, false] }],
  ['t.arr.str', GgufValueType.ARRAY, { itemType: GgufValueType.STRING, items: ['a', 'ß', ''] }],
  ['t.arr.u64', GgufValueType.ARRAY, { itemType: GgufValueType.UINT64, items: [1n, 1n << 60n] }],
  ['t.arr.f64', GgufValueType.ARRAY, { itemType: GgufValueType.FLOAT64, items: [1e300] }],
  ['t.arr.empty', GgufValueType.ARRAY, { itemType: GgufValueType.INT32, items: [] }],
  [
    't.arr.nested',
    GgufValueType.ARRAY,
    {
      itemType: GgufValueType.ARRAY,
      items: [
        { itemType: GgufValueType.STRING, items: ['x', 'y'] },
        { itemType: GgufValueType.INT32, items: [7] },
      ],
    },
  ],
];

function sample(version: number, extra: Partial<GgufSpec> = {}): Uint8Array {
  return buildGguf({
    version,
    kv: [['general.architecture', GgufValueType.STRING, 'llama'], ...ALL_TYPES],
    tensors: [
      { name: 'token_embd.weight', dims: [64, 3], type: GGML_Q4_0, bytes: (64 / 32) * 18 * 3 },
      { name: 'output_norm.weight', dims: [5] },
    ],
    ...extra,
  });
}

describe('parseGgufHeader on stories260K.gguf', () => {
  it('reads the shape of a real llama model', async () => {
    const header = await readGgufHeader(STORIES);
    expect(ggufArchitecture(header)).toBe('llama');
    expect(header.version).toBe(3);
    expect(header.tensors).toHaveLength(48);
    expect(new Set(header.tensors.map((t) => t.typeName))).toEqual(new Set(['F32']));
    expect(metadataNumber(header, 'llama.block_count')).toBe(5);
    expect(metadataNumber(header, 'llama.embedding_length')).toBe(64);
    expect(metadataNumber(header, 'llama.attention.head_count')).toBe(8);
    expect(metadataString(header, 'tokenizer.ggml.model')).toBe('llama');
    const tokens = header.metadata.get('tokenizer.ggml.tokens') as GgufArray;
    expect(tokens.length).toBe(512);
    expect(tokens.items).toHaveLength(512);
    expect(tokens.truncated).toBe(false);

    const embd = header.tensors.find((t) => t.name === 'token_embd.weight')!;
    expect(embd.dims).toEqual([64, 512]);
    expect(embd.bytes).toBe(64 * 512 * 4);
    expect(embd.offset).toBe(0n);

    expect(header.alignment).toBe(32);
    expect(header.dataOffset % 32).toBe(0);
    expect(header.dataOffset).toBeGreaterThanOrEqual(header.headerBytes);
    const totalBytes = header.tensors.reduce((sum, t) => sum + t.bytes, 0);
    expect(header.dataOffset + totalBytes).toBe(STORIES_BYTES);
    expect((await stat(STORIES)).size).toBe(STORIES_BYTES);
  });

  it('reads only the header, not the tensor data', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(STORIES));
    const source = memorySource(bytes);
    const header = await parseGgufHeader(source);
    const readEnd = Math.max(...source.reads.map(([offset, length]) => offset + length));
    expect(readEnd).toBeLessThanOrEqual(64 * 1024);
    expect(readEnd).toBeLessThan(header.dataOffset + 64 * 1024);
  });

  it('keeps only the first maxArrayItems of a long array and still reads what follows', async () => {
    const header = await readGgufHeader(STORIES, { maxArrayItems: 10 });
    const tokens = header.metadata.get('tokenizer.ggml.tokens') as GgufArray;
    expect(tokens).toMatchObject({ itemType: GgufValueType.STRING, length: 512, truncated: true });
    expect(tokens.items).toHaveLength(10);
    const scores = header.metadata.get('tokenizer.ggml.scores') as GgufArray;
    expect(scores).toMatchObject({ length: 512, truncated: true });
    expect(metadataNumber(header, 'llama.block_count')).toBe(5);
    expect(header.tensors).toHaveLength(48);
  });
});

describe('parseGgufHeader on built files', () => {
  it.each([2, 3])('reads every value type in GGUF v%i', async (version) => {
    const header = await parse(sample(version));
    expect(header.version).toBe(version);
    const m = header.metadata;
    expect(m.get('t.u8')).toBe(255);
    expect(m.get('t.i8')).toBe(-128);
    expect(m.get('t.u16')).toBe(65535);
    expect(m.get('t.i16')).toBe(-32768);
    expect(m.get('t.u32')).toBe(4294967295);
    expect(m.get('t.i32')).toBe(-2147483648);
    expect(m.get('t.f32')).toBe(1.5);
    expect(m.get('t.bool.true')).toBe(true);
    expect(m.get('t.bool.false')).toBe(false);
    expect(m.get('t.str')).toBe('héllo ✓ wörld, a longer string past the ASCII fast path');
    expect(m.get('t.str.empty')).toBe('');
    expect(m.get('t.u64.small')).toBe(123456789012);
    expect(m.get('t.u64.max')).toBe(18446744073709551615n);
    expect(m.get('t.i64.neg')).toBe(-5);
    expect(m.get('t.i64.min')).toBe(-9223372036854775808n);
    expect(m.get('t.f64')).toBe(Math.PI);
    expect(m.get('t.arr.u8')).toEqual({ itemType: GgufValueType.UINT8, length: 3, items: [1, 2, 3], truncated: false });
    expect((m.get('t.arr.i16') as GgufArray).items).toEqual([-1, 2]);
    expect((m.get('t.arr.f32') as GgufArray).items).toEqual([0.5, -2]);
    expect((m.get('t.arr.bool') as GgufArray).items).toEqual([true, false]);
    expect((m.get('t.arr.str') as GgufArray).items).toEqual(['a', 'ß', '']);
    expect((m.get('t.arr.u64') as GgufArray).items).toEqual([1, 1n << 60n]);
    expect((m.get('t.arr.f64') as GgufArray).items).toEqual([1e300]);
    expect(m.get('t.arr.empty')).toEqual({ itemType: GgufValueType.INT32, length: 0, items: [], truncated: false });
    expect(m.get('t.arr.nested')).toEqual({
      itemType: GgufValueType.ARRAY,
      length: 2,
      truncated: false,
      items: [
        { itemType: GgufValueType.STRING, length: 2, items: ['x', 'y'], truncated: false },
        { itemType: GgufValueType.INT32, length: 1, items: [7], truncated: false },
      ],
    });
    expect(metadataString(header, 't.u8')).toBeUndefined();
    expect(metadataNumber(header, 't.str')).toBeUndefined();
    expect(metadataNumber(header, 'missing')).toBeUndefined();

    expect(header.tensors).toEqual([
      { name: 'token_embd.weight', dims: [64, 3], typeId: GGML_Q4_0, typeName: 'Q4_0', offset: 0n, bytes: 108 },
      { name: 'output_norm.weight', dims: [5], typeId: GGML_F32, typeName: 'F32', offset: 128n, bytes: 20 },
    ]);
    expect(header.alignment).toBe(32);
    expect(header.dataOffset % 32).toBe(0);
    expect(header.dataOffset - header.headerBytes).toBeLessThan(32);
  });

  it('honours a custom general.alignment', async () => {
    const bytes = buildGguf({
      kv: [['general.alignment', GgufValueType.UINT32, 256]],
      tensors: [
        { name: 'a', dims: [3] },
        { name: 'b', dims: [2, 2] },
      ],
      alignment: 256,
    });
    const header = await parse(bytes);
    expect(header.alignment).toBe(256);
    expect(header.dataOffset).toBe(256);
    expect(header.tensors.map((t) => t.offset)).toEqual([0n, 256n]);
    expect(header.dataOffset + 256 + 16).toBe(bytes.length);
  });

  it('reads a file with no tensors', async () => {
    const header = await parse(buildGguf({ kv: [['general.architecture', GgufValueType.STRING, 'x']] }));
    expect(header.tensors).toEqual([]);
    expect(ggufArchitecture(header)).toBe('x');
    // As llama.cpp: no tensors, no data section to align.
    expect(header.dataOffset).toBe(header.headerBytes);
  });

  it('walks a 150k-string vocabulary quickly, keeping its first items', async () => {
    const tokens = Array.from({ length: 150_000 }, (_, i) => `tok${i}`);
    const bytes = buildGguf({
      kv: [
        ['tokenizer.ggml.tokens', GgufValueType.ARRAY, { itemType: GgufValueType.STRING, items: tokens }],
        ['after', GgufValueType.UINT32, 7],
      ],
    });
    const started = performance.now();
    const header = await parse(bytes);
    expect(performance.now() - started).toBeLessThan(500);
    const array = header.metadata.get('tokenizer.ggml.tokens') as GgufArray;
    expect(array).toMatchObject({ length: 150_000, truncated: true });
    expect(array.items).toHaveLength(1024);
    expect(array.items[1023]).toBe('tok1023');
    expect(header.metadata.get('after')).toBe(7);
    const all = await parse(bytes, { maxArrayItems: Infinity });
    expect((all.metadata.get('tokenizer.ggml.tokens') as GgufArray).items[149_999]).toBe('tok149999');
  });

  it('records where each value lies, with its type, so it can be copied verbatim', async () => {
    const bytes = sample(3);
    const header = await parse(bytes, { maxArrayItems: 0 });
    expect([...header.metadataSpans.keys()]).toEqual([...header.metadata.keys()]);
    for (const [key, type, value] of ALL_TYPES) {
      const span = header.metadataSpans.get(key);
      expect(span?.type, key).toBe(type);
      expect(bytes.slice(span?.start, span?.end), key).toEqual(new GgufBytes().value(type, value).bytes());
    }
  });
});

describe('llama_ftype', () => {
  it('names file types both ways, with every precision of ours among them', () => {
    expect(llamaFtypeName(15)).toBe('Q4_K_M');
    expect(llamaFtypeName(4)).toBeUndefined();
    for (const precision of PRECISIONS) expect(llamaFtypeName(llamaFtypeId(precision) ?? -1)).toBe(precision);
  });

  it('gives a file mostly of one tensor type the file type llama-quantize names after it', () => {
    expect(llamaFtypeOfTensorType('Q8_0')).toBe(7);
    expect(llamaFtypeOfTensorType('Q4_K')).toBe(15);
    expect(llamaFtypeOfTensorType('Q2_K')).toBe(10);
    expect(llamaFtypeOfTensorType('MXFP4')).toBe(38);
    expect(llamaFtypeOfTensorType('Q8_K')).toBeUndefined();
  });

  it('knows the types llama.cpp 80fb11a added after MXFP4 (ggml.h 40-42, llama.h file types 39-41)', () => {
    expect(ggmlTypeById(40)).toMatchObject({ name: 'NVFP4', blockSize: 64, blockBytes: 36 });
    expect(ggmlTypeById(41)).toMatchObject({ name: 'Q1_0', blockSize: 128, blockBytes: 18 });
    expect(ggmlTypeById(42)).toMatchObject({ name: 'Q2_0', blockSize: 64, blockBytes: 18 });
    // 4,096 values: 64 NVFP4 blocks of 36 bytes.
    expect(tensorBytes('NVFP4', 4096)).toBe(64 * 36);
    expect(llamaFtypeOfTensorType('NVFP4')).toBe(39);
    expect(llamaFtypeName(40)).toBe('Q1_0');
    expect(llamaFtypeName(41)).toBe('Q2_0');
  });
});

describe('parseGgufHeader rejects bad files with a reason', () => {
  it('a file that is not GGUF', async () => {
    const error = await failure(parse(new TextEncoder().encode('hello, this is a text file\n')));
    expect(error.code).toBe('not-gguf');
    expect(error.message).toMatch(/^not a GGUF file \(starts with "hello, t"/);
  });

  it('a web page saved instead of the model', async () => {
    const error = await failure(parse(new TextEncoder().encode('<!DOCTYPE html><html><body>Not found</body></html>')));
    expect(error.code).toBe('not-gguf');
    expect(error.message).toMatch(/web page/);
  });

  it.each([
    ['GGJT', [0x74, 0x6a, 0x67, 0x67]],
    ['GGML', [0x6c, 0x6d, 0x67, 0x67]],
  ])('the old pre-GGUF %s format', async (name, magic) => {
    const error = await failure(parse(buildGguf({ magic })));
    expect(error.code).toBe('not-gguf');
    expect(error.message).toContain(`old ${name} format`);
    expect(error.message).toMatch(/convert/);
  });

  it.each([1, 4])('GGUF version %i', async (version) => {
    const error = await failure(parse(sample(version)));
    expect(error.code).toBe('unsupported-version');
    expect(error.message).toContain(`version ${version}`);
  });

  it('a version field that is text, not a version: damaged, not "update rightsize"', async () => {
    // "GGUF garbage": the bytes after the magic read as version 1,918,986,016.
    const error = await failure(parse(buildGguf({ version: 0x72616720 })));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/version reads as 1,918,986,016, which no GGUF writer produces: the file is damaged/);
    expect(error.message).not.toMatch(/update rightsize/);
  });

  it('a big-endian file', async () => {
    const error = await failure(parse(buildGguf({ version: 0x03000000 })));
    expect(error.code).toBe('unsupported-version');
    expect(error.message).toMatch(/big-endian/);
  });

  it('a file cut off at every byte', async () => {
    const bytes = sample(3);
    for (let length = 0; length < bytes.length; length++) {
      const error = await failure(parse(bytes.subarray(0, length)));
      if (error.code !== 'truncated') throw new Error(`cut at ${length}: ${error.code}: ${error.message}`);
      expect(error.message).toMatch(length === 0 ? /empty/ : /download it again/);
    }
  });

  it('says how much a cut-off download is missing', async () => {
    const bytes = sample(3);
    const error = await failure(parse(bytes.subarray(0, bytes.length - 1)));
    const grouped = (n: number) => n.toLocaleString('en-US');
    expect(error.message).toBe(
      `the file is ${grouped(bytes.length - 1)} bytes but its tensors need ${grouped(bytes.length)} bytes: it was cut off while downloading, download it again`,
    );
  });

  it('an absurd tensor count, at once and without allocating', async () => {
    const started = performance.now();
    const error = await failure(parse(buildGguf({ tensorCount: 1n << 40n })));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain('1,099,511,627,776 tensors');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a negative key count', async () => {
    expect((await failure(parse(buildGguf({ kvCount: (1n << 64n) - 1n })))).code).toBe('corrupt');
  });

  it('a string longer than the rest of the file', async () => {
    const bytes = new GgufBytes()
      .preamble(0, 1)
      .u64(1n << 50n)
      .raw(new Uint8Array(40))
      .bytes();
    const error = await failure(parse(bytes));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/string of 1,125,899,906,842,624 bytes/);
    // A plausible length cut short is a cut-off download.
    const cut = new GgufBytes().preamble(0, 1).u64(1000).raw([0x61, 0x62]).bytes();
    expect((await failure(parse(cut))).code).toBe('truncated');
  });

  it('a string beyond maxStringBytes', async () => {
    const bytes = buildGguf({ kv: [['k', GgufValueType.STRING, 'x'.repeat(100)]] });
    const error = await failure(parse(bytes, { maxStringBytes: 50 }));
    expect(error.code).toBe('too-large');
  });

  it('an array count beyond the file', async () => {
    const bytes = new GgufBytes()
      .preamble(0, 1)
      .str('k')
      .u32(GgufValueType.ARRAY)
      .u32(GgufValueType.UINT64)
      .u64(1n << 29n)
      .bytes();
    expect((await failure(parse(bytes))).code).toBe('corrupt');
  });

  it('a header beyond maxHeaderBytes', async () => {
    const error = await failure(parse(sample(3), { maxHeaderBytes: 100 }));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/header goes past 100 bytes/);
  });

  it('an unknown value type', async () => {
    const bytes = new GgufBytes().preamble(0, 1).str('k').u32(13).u64(0).bytes();
    const error = await failure(parse(bytes));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/value type 13/);
  });

  it('arrays nested without end', async () => {
    const b = new GgufBytes().preamble(0, 1).str('k').u32(GgufValueType.ARRAY);
    for (let i = 0; i < 100; i++) b.u32(GgufValueType.ARRAY).u64(1);
    b.u32(GgufValueType.UINT8).u64(0);
    expect((await failure(parse(b.bytes()))).message).toMatch(/nests arrays/);
  });

  it('an unknown tensor type, naming its id', async () => {
    const error = await failure(parse(buildGguf({ tensors: [{ name: 'w', dims: [4], type: 99 }] })));
    expect(error.code).toBe('unknown-type');
    expect(error.message).toContain('ggml type id 99');
    expect(error.message).toContain('"w"');
  });

  it('a tensor with 5 dimensions', async () => {
    const error = await failure(parse(buildGguf({ tensors: [{ name: 'w', dims: [1, 1, 1, 1, 2] }] })));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/5 dimensions; ggml allows at most 4/);
  });

  it('a negative or overflowing shape', async () => {
    expect((await failure(parse(buildGguf({ tensors: [{ name: 'w', dims: [-4], bytes: 0 }] })))).code).toBe('corrupt');
    const big = 2 ** 40;
    expect((await failure(parse(buildGguf({ tensors: [{ name: 'w', dims: [big, big], bytes: 0 }] })))).code).toBe('corrupt');
  });

  it('a row not a multiple of the block size', async () => {
    const error = await failure(parse(buildGguf({ tensors: [{ name: 'w', dims: [33], type: GGML_Q4_0, bytes: 18 }] })));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/not a multiple of its block size \(32\)/);
  });

  it('a tensor name longer than llama.cpp allows', async () => {
    expect((await failure(parse(buildGguf({ tensors: [{ name: 'n'.repeat(64), dims: [1] }] })))).code).toBe('corrupt');
  });

  it('a duplicate key', async () => {
    const error = await failure(
      parse(
        buildGguf({
          kv: [
            ['a', GgufValueType.UINT8, 1],
            ['a', GgufValueType.UINT8, 2],
          ],
        }),
      ),
    );
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain('"a" appears twice');
  });

  it('an empty key', async () => {
    expect((await failure(parse(buildGguf({ kv: [['', GgufValueType.UINT8, 1]] })))).code).toBe('corrupt');
  });

  it('a duplicate tensor name', async () => {
    const error = await failure(
      parse(
        buildGguf({
          tensors: [
            { name: 'w', dims: [1] },
            { name: 'w', dims: [1] },
          ],
        }),
      ),
    );
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain('two tensors named "w"');
  });

  it.each([
    ['not a power of two', GgufValueType.UINT32, 48, /not a power of two/],
    ['zero', GgufValueType.UINT32, 0, /not a power of two/],
    ['of the wrong type', GgufValueType.UINT64, 32n, /must be of type u32 but is u64/],
  ])('an alignment %s', async (_, type, value, message) => {
    const error = await failure(parse(buildGguf({ kv: [['general.alignment', type, value]], tensors: [{ name: 'w', dims: [1] }] })));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(message);
  });

  it('a misaligned tensor offset', async () => {
    const error = await failure(parse(buildGguf({ tensors: [{ name: 'w', dims: [8], offset: 4n }] })));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/offset 4, not a multiple of the file's alignment \(32\)/);
  });

  it('a tensor offset out of order or beyond the file', async () => {
    const error = await failure(
      parse(
        buildGguf({
          tensors: [
            { name: 'a', dims: [8] },
            { name: 'b', dims: [8], offset: 1n << 40n },
          ],
        }),
      ),
    );
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/"b" has its data at offset 1,099,511,627,776 but llama.cpp expects 32/);
  });

  it('tensor data beyond the end of the file', async () => {
    const bytes = buildGguf({ tensors: [{ name: 'w', dims: [1000] }], withData: false });
    const error = await failure(parse(bytes));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(/its tensors need/);
  });

  it('only GgufError, even when the source fails', async () => {
    const source: ByteSource = {
      size: 100,
      read: async () => {
        throw new RangeError('disk on fire');
      },
    };
    const error = await failure(parseGgufHeader(source));
    expect(error.code).toBe('io');
    expect(error.message).toContain('disk on fire');
  });
});

describe('readGgufHeader on the file system', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rightsize-gguf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a folder', async () => {
    const error = await failure(readGgufHeader(dir));
    expect(error.code).toBe('io');
    expect(error.message).toMatch(/is a folder, not a file/);
  });

  it('a missing file', async () => {
    const error = await failure(readGgufHeader(join(dir, 'missing.gguf')));
    expect(error.code).toBe('io');
    expect(error.message).toContain('no file at');
  });

  it('an empty file', async () => {
    const path = join(dir, 'empty.gguf');
    await writeFile(path, '');
    const error = await failure(readGgufHeader(path));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(/empty/);
  });

  it('a text file', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'These are my notes about models.\n');
    const error = await failure(readGgufHeader(path));
    expect(error.code).toBe('not-gguf');
    expect(error.message).toContain('not a GGUF file (starts with "These ar"');
  });

  it.runIf(process.platform === 'linux')('closes the file whether parsing succeeds or fails', async () => {
    const { readdir } = await import('node:fs/promises');
    const path = join(dir, 'bad.gguf');
    await writeFile(path, sample(3).subarray(0, 100));
    const before = (await readdir('/proc/self/fd')).length;
    for (let i = 0; i < 20; i++) {
      await failure(readGgufHeader(path));
      await readGgufHeader(STORIES);
    }
    expect((await readdir('/proc/self/fd')).length).toBeLessThanOrEqual(before);
  });

  it('a built file', async () => {
    const path = join(dir, 'tiny.gguf');
    await writeFile(path, sample(2));
    const header = await readGgufHeader(path);
    expect(header.version).toBe(2);
    expect(ggufArchitecture(header)).toBe('llama');
  });
});
