// Reads the header of a GGUF file (metadata and tensor infos) through a ByteSource, never its tensor
// data. The rules and limits mirror llama.cpp's ggml/src/gguf.cpp (gguf_init_from_reader), so a file
// this parser accepts is one llama.cpp's loader accepts, and a file it rejects gets a reason a user
// can act on. Every failure is a GgufError; nothing else escapes.
import { MiB } from '../shared/units';
import { ggmlTypeById } from './ggml';
import { bytesText, DAMAGED, errorText, groupDigits, HeaderReader, REDOWNLOAD } from './gguf-header-reader';
import { readMagicAndVersion } from './gguf-magic';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GgufError,
  GgufValueType,
  type ByteSource,
  type GgufArray,
  type GgufHeader,
  type GgufTensorInfo,
  type GgufValue,
  type GgufValueSpan,
} from './gguf-types';

export interface GgufParseOptions {
  /** Items kept per array; longer arrays keep their true `length` and are marked `truncated`. Default 1024. */
  readonly maxArrayItems?: number;
  /** Bytes of header (metadata + tensor infos) beyond which the file is refused as 'too-large'. Default 256 MiB. */
  readonly maxHeaderBytes?: number;
  /** Longest single string accepted (a whole tokenizer.json can be stored as one). Default 64 MiB. */
  readonly maxStringBytes?: number;
}

const DEFAULT_MAX_ARRAY_ITEMS = 1024;
const DEFAULT_MAX_HEADER_BYTES = 256 * MiB;
const DEFAULT_MAX_STRING_BYTES = 64 * MiB;

// llama.cpp's limits (gguf.cpp, ggml.h).
const GGUF_MAX_STRING_LENGTH = 1024 * 1024 * 1024;
const GGUF_MAX_ARRAY_ELEMENTS = 1024 * 1024 * 1024;
const GGML_MAX_DIMS = 4;
const GGML_MAX_NAME = 64;
const INT64_MAX = (1n << 63n) - 1n;

// llama.cpp cannot read nested arrays at all; the GGUF spec allows them. A bound on depth keeps a
// damaged file from recursing without end.
const MAX_ARRAY_DEPTH = 16;

// Smallest encodings, to bound counts against the bytes left before reading them.
const MIN_KV_BYTES = 8 + 4 + 1; // key length, (empty) key, value type, uint8 value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // name length, n_dims, type, offset
const MIN_ARRAY_BYTES = 4 + 8; // item type, count

const FIXED_SIZE: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

const TYPE_NAMES: Record<GgufValueType, string> = {
  [GgufValueType.UINT8]: 'u8',
  [GgufValueType.INT8]: 'i8',
  [GgufValueType.UINT16]: 'u16',
  [GgufValueType.INT16]: 'i16',
  [GgufValueType.UINT32]: 'u32',
  [GgufValueType.INT32]: 'i32',
  [GgufValueType.FLOAT32]: 'f32',
  [GgufValueType.BOOL]: 'bool',
  [GgufValueType.STRING]: 'str',
  [GgufValueType.ARRAY]: 'arr',
  [GgufValueType.UINT64]: 'u64',
  [GgufValueType.INT64]: 'i64',
  [GgufValueType.FLOAT64]: 'f64',
};

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function keyText(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}

/** A limit from the options: Infinity means no limit; anything not a non-negative number means the default. */
function sanitizeLimit(value: number | undefined, fallback: number): number {
  if (value === Infinity) return Number.MAX_SAFE_INTEGER;
  if (value === undefined || !Number.isFinite(value) || value < 0) return fallback;
  return Math.floor(value);
}

interface Limits {
  readonly maxArrayItems: number;
  readonly maxStringBytes: number;
}

/** Checks a string's length, just read, before its bytes are touched, so a damaged length never allocates. */
function checkStringLength(r: HeaderReader, limits: Limits, length: number, what: string): void {
  if (length > GGUF_MAX_STRING_LENGTH) {
    throw new GgufError(
      `${what} claims a string of ${bytesText(r.previousU64())}, more than llama.cpp accepts (1 GiB): ${DAMAGED}`,
      'corrupt',
    );
  }
  if (length > r.remaining) {
    if (length <= limits.maxStringBytes) throw r.truncated(what);
    throw new GgufError(
      `${what} claims a string of ${bytesText(r.previousU64())} but only ${bytesText(r.remaining)} of the file are left: ${DAMAGED}`,
      'corrupt',
    );
  }
  if (length > limits.maxStringBytes) {
    throw new GgufError(
      `${what} is a string of ${bytesText(length)}, more than the ${bytesText(limits.maxStringBytes)} this reader accepts: the file is probably damaged; download it again`,
      'too-large',
    );
  }
}

async function readString(r: HeaderReader, limits: Limits, what: string): Promise<string> {
  await r.ensure(8, what);
  const length = r.u64approx();
  checkStringLength(r, limits, length, what);
  await r.ensure(length, what);
  return r.utf8(length);
}

function readFixed(r: HeaderReader, type: GgufValueType): GgufValue {
  switch (type) {
    case GgufValueType.UINT8:
      return r.u8();
    case GgufValueType.INT8:
      return r.i8();
    case GgufValueType.UINT16:
      return r.u16();
    case GgufValueType.INT16:
      return r.i16();
    case GgufValueType.UINT32:
      return r.u32();
    case GgufValueType.INT32:
      return r.i32();
    case GgufValueType.FLOAT32:
      return r.f32();
    case GgufValueType.BOOL:
      // llama.cpp reads an int8 and treats any non-zero value as true.
      return r.i8() !== 0;
    case GgufValueType.UINT64:
      return r.u64value();
    case GgufValueType.INT64:
      return r.i64value();
    case GgufValueType.FLOAT64:
      return r.f64();
    default:
      throw new GgufError(`internal: ${type} is not a fixed-size GGUF type`, 'corrupt');
  }
}

function checkValueType(type: number, what: string): asserts type is GgufValueType {
  if (!Number.isInteger(type) || type < 0 || type > GgufValueType.FLOAT64) {
    throw new GgufError(`${what} has value type ${type}, which is not a GGUF type (0-12): ${DAMAGED}`, 'corrupt');
  }
}

async function readArray(r: HeaderReader, limits: Limits, what: string, depth: number): Promise<GgufArray> {
  if (depth > MAX_ARRAY_DEPTH) {
    throw new GgufError(`${what} nests arrays more than ${MAX_ARRAY_DEPTH} deep: ${DAMAGED}`, 'corrupt');
  }
  await r.ensure(MIN_ARRAY_BYTES, what);
  const itemType = r.i32();
  checkValueType(itemType, `${what} (array items)`);
  const count = r.u64approx();
  if (count > GGUF_MAX_ARRAY_ELEMENTS) {
    throw new GgufError(
      `${what} claims ${groupDigits(r.previousU64())} array items, more than llama.cpp accepts (2^30): ${DAMAGED}`,
      'corrupt',
    );
  }
  const fixedSize = FIXED_SIZE[itemType];
  const minItemBytes = fixedSize ?? (itemType === GgufValueType.STRING ? 8 : MIN_ARRAY_BYTES);
  if (count * minItemBytes > r.remaining) throw r.tooFewBytes(`${what} (${groupDigits(count)} array items)`, count * minItemBytes);

  const keep = Math.min(count, limits.maxArrayItems);
  const items: GgufValue[] = new Array<GgufValue>(keep);

  if (fixedSize !== undefined) {
    await r.ensure(keep * fixedSize, what);
    for (let i = 0; i < keep; i++) items[i] = readFixed(r, itemType);
    r.skip((count - keep) * fixedSize, what);
  } else if (itemType === GgufValueType.STRING) {
    // Tokenizer vocabularies hold 100k+ strings: the loop stays synchronous while the window has the
    // bytes, and strings past `keep` are only walked over, never decoded.
    for (let i = 0; i < count; i++) {
      if (!r.has(8)) await r.fill(8, `${what} (item ${i})`);
      const length = r.u64approx();
      if (length > r.remaining || length > limits.maxStringBytes || length > GGUF_MAX_STRING_LENGTH) {
        checkStringLength(r, limits, length, `${what} (item ${i})`);
      }
      if (i < keep) {
        if (!r.has(length)) await r.fill(length, `${what} (item ${i})`);
        items[i] = r.utf8(length);
      } else {
        r.skip(length, what);
      }
    }
  } else {
    for (let i = 0; i < count; i++) {
      const nested = await readArray(r, limits, `${what} (item ${i})`, depth + 1);
      if (i < keep) items[i] = nested;
    }
  }
  return { itemType, length: count, items, truncated: count > keep };
}

async function readValue(r: HeaderReader, limits: Limits, type: GgufValueType, what: string): Promise<GgufValue> {
  if (type === GgufValueType.STRING) return readString(r, limits, what);
  if (type === GgufValueType.ARRAY) return readArray(r, limits, what, 1);
  const size = FIXED_SIZE[type]!;
  await r.ensure(size, what);
  return readFixed(r, type);
}

async function readCount(r: HeaderReader, what: string): Promise<bigint> {
  await r.ensure(8, what);
  const count = r.i64big();
  if (count < 0n) throw new GgufError(`the ${what} is negative (${count}): ${DAMAGED}`, 'corrupt');
  return count;
}

function readTensorBytes(name: string, dims: bigint[], typeId: number): { bytes: number; typeName: string } {
  const label = `tensor ${keyText(name)}`;
  const shape = `(${dims.join(', ')})`;
  const [ne0 = 1n, ne1 = 1n, ne2 = 1n, ne3 = 1n] = dims;
  const elements = ne0 * ne1 * ne2 * ne3;
  if (elements > 0n && (INT64_MAX / ne1 <= ne0 || INT64_MAX / ne2 <= ne0 * ne1 || INT64_MAX / ne3 <= ne0 * ne1 * ne2)) {
    throw new GgufError(`${label} has shape ${shape}, more elements than a 64-bit count holds: ${DAMAGED}`, 'corrupt');
  }
  const type = ggmlTypeById(typeId);
  if (!type) {
    throw new GgufError(
      `${label} has ggml type id ${typeId}, which this rightsize does not know: if the model uses a new quantization type, update rightsize; otherwise ${DAMAGED}`,
      'unknown-type',
    );
  }
  if (ne0 % BigInt(type.blockSize) !== 0n) {
    throw new GgufError(
      `${label} of type ${type.name} has ${ne0} elements per row, not a multiple of its block size (${type.blockSize}): ${DAMAGED}`,
      'corrupt',
    );
  }
  const bytes = (elements / BigInt(type.blockSize)) * BigInt(type.blockBytes);
  if (elements > BigInt(Number.MAX_SAFE_INTEGER) || bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GgufError(`${label} has shape ${shape}, far more data than any file holds: ${DAMAGED}`, 'corrupt');
  }
  return { bytes: Number(bytes), typeName: type.name };
}

async function readTensorInfo(r: HeaderReader, limits: Limits, index: number, seen: Set<string>): Promise<GgufTensorInfo> {
  const what = `the name of tensor ${index}`;
  await r.ensure(8, what);
  const nameLength = r.u64approx();
  checkStringLength(r, limits, nameLength, what);
  if (nameLength >= GGML_MAX_NAME) {
    throw new GgufError(
      `tensor ${index} has a name of ${bytesText(nameLength)}; llama.cpp allows at most ${GGML_MAX_NAME - 1}: ${DAMAGED}`,
      'corrupt',
    );
  }
  await r.ensure(nameLength, what);
  const name = r.utf8(nameLength);
  const label = `tensor ${keyText(name)}`;
  if (seen.has(name)) throw new GgufError(`the file has two tensors named ${keyText(name)}: ${DAMAGED}`, 'corrupt');
  seen.add(name);

  await r.ensure(4, `the dimension count of ${label}`);
  const nDims = r.u32();
  if (nDims > GGML_MAX_DIMS) {
    throw new GgufError(`${label} has ${groupDigits(nDims)} dimensions; ggml allows at most ${GGML_MAX_DIMS}: ${DAMAGED}`, 'corrupt');
  }
  await r.ensure(nDims * 8 + 4 + 8, `the shape of ${label}`);
  const dims: bigint[] = [];
  for (let j = 0; j < nDims; j++) {
    const ne = r.i64big();
    if (ne < 0n) throw new GgufError(`${label} has dimension ${j} of ${ne} elements, below zero: ${DAMAGED}`, 'corrupt');
    if (ne > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new GgufError(`${label} has dimension ${j} of ${ne} elements, far more than any model has: ${DAMAGED}`, 'corrupt');
    }
    dims.push(ne);
  }
  const typeId = r.i32();
  const { bytes, typeName } = readTensorBytes(name, dims, typeId);
  const offset = r.u64big();
  return { name, dims: dims.map(Number), typeId, typeName, offset, bytes };
}

/** Checks the tensor data the way llama.cpp does: in order, each aligned, all within the file. */
function checkTensorData(r: HeaderReader, tensors: readonly GgufTensorInfo[], alignment: number, dataOffset: number): void {
  if (tensors.length === 0) return;
  const align = BigInt(alignment);
  let expected = 0n;
  let dataEnd = 0n;
  for (const tensor of tensors) {
    const label = `tensor ${keyText(tensor.name)}`;
    if (tensor.offset % align !== 0n) {
      throw new GgufError(
        `${label} has its data at offset ${groupDigits(tensor.offset)}, not a multiple of the file's alignment (${alignment}): ${DAMAGED}`,
        'corrupt',
      );
    }
    if (tensor.offset !== expected) {
      throw new GgufError(
        `${label} has its data at offset ${groupDigits(tensor.offset)} but llama.cpp expects ${groupDigits(expected)} (tensor data follows in order, each aligned): ${DAMAGED}`,
        'corrupt',
      );
    }
    const bytes = BigInt(tensor.bytes);
    dataEnd = expected + bytes;
    expected += ((bytes + align - 1n) / align) * align;
  }
  const needed = BigInt(dataOffset) + dataEnd;
  if (needed > BigInt(r.fileSize)) {
    throw new GgufError(`the file is ${bytesText(r.fileSize)} but its tensors need ${bytesText(needed)}: ${REDOWNLOAD}`, 'truncated');
  }
}

async function parse(source: ByteSource, options: GgufParseOptions): Promise<GgufHeader> {
  const size = source.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new GgufError(`the file's size (${String(size)}) could not be determined: check that it is a regular file`, 'io');
  }
  const limits: Limits = {
    maxArrayItems: sanitizeLimit(options.maxArrayItems, DEFAULT_MAX_ARRAY_ITEMS),
    maxStringBytes: sanitizeLimit(options.maxStringBytes, DEFAULT_MAX_STRING_BYTES),
  };
  const r = new HeaderReader(source, size, sanitizeLimit(options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES));
  const version = await readMagicAndVersion(r);

  const tensorCountExact = await readCount(r, 'tensor count');
  const kvCountExact = await readCount(r, 'metadata key count');
  const minimumBytes = kvCountExact * BigInt(MIN_KV_BYTES) + tensorCountExact * BigInt(MIN_TENSOR_INFO_BYTES);
  if (minimumBytes > BigInt(r.remaining)) {
    throw r.tooFewBytes(`the header (${groupDigits(kvCountExact)} metadata keys, ${groupDigits(tensorCountExact)} tensors)`, minimumBytes);
  }
  // Both now fit in the file, so they are small.
  const tensorCount = Number(tensorCountExact);
  const kvCount = Number(kvCountExact);

  const metadata = new Map<string, GgufValue>();
  const metadataSpans = new Map<string, GgufValueSpan>();
  let alignmentType: GgufValueType | undefined;
  for (let i = 0; i < kvCount; i++) {
    const key = await readString(r, limits, `metadata key ${i}`);
    if (key === '') throw new GgufError(`metadata key ${i} is empty: ${DAMAGED}`, 'corrupt');
    if (metadata.has(key)) throw new GgufError(`the metadata key ${keyText(key)} appears twice: ${DAMAGED}`, 'corrupt');
    const what = `metadata ${keyText(key)}`;
    await r.ensure(4, what);
    const type = r.i32();
    checkValueType(type, what);
    const start = r.pos;
    metadata.set(key, await readValue(r, limits, type, what));
    metadataSpans.set(key, { type, start, end: r.pos });
    if (key === 'general.alignment') alignmentType = type;
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentType !== undefined) {
    if (alignmentType !== GgufValueType.UINT32) {
      throw new GgufError(
        `the metadata key "general.alignment" must be of type u32 but is ${TYPE_NAMES[alignmentType]}: ${DAMAGED}`,
        'corrupt',
      );
    }
    alignment = metadata.get('general.alignment') as number;
    if (!isPowerOfTwo(alignment)) {
      throw new GgufError(`the file's alignment (general.alignment = ${alignment}) is not a power of two: ${DAMAGED}`, 'corrupt');
    }
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) tensors.push(await readTensorInfo(r, limits, i, names));

  const headerBytes = r.pos;
  // As llama.cpp: the data section is aligned, and with no tensors there is none to pad to.
  const dataOffset = tensorCount > 0 ? alignUp(headerBytes, alignment) : headerBytes;
  checkTensorData(r, tensors, alignment, dataOffset);
  return { version, metadata, metadataSpans, tensors, alignment, dataOffset, headerBytes };
}

/**
 * Parses the header of a GGUF file: metadata and tensor infos, checked as llama.cpp checks them.
 * Reads only the header (in windows of up to 1 MiB), so a 40 GB model costs a few reads.
 * Throws GgufError, and nothing else, when the file is not a usable GGUF.
 */
export async function parseGgufHeader(source: ByteSource, options: GgufParseOptions = {}): Promise<GgufHeader> {
  try {
    return await parse(source, options);
  } catch (error) {
    if (error instanceof GgufError) throw error;
    throw new GgufError(`could not read the GGUF header (${errorText(error)}): ${DAMAGED}`, 'corrupt');
  }
}

/** A metadata value when it is a string. */
export function metadataString(header: GgufHeader, key: string): string | undefined {
  const value = header.metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** A metadata value when it is a number (a 64-bit integer beyond 2^53 comes back rounded). */
export function metadataNumber(header: GgufHeader, key: string): number | undefined {
  const value = header.metadata.get(key);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/** The model's architecture (general.architecture), the prefix of its other keys ("llama", "qwen2", ...). */
export function ggufArchitecture(header: GgufHeader): string | undefined {
  return metadataString(header, 'general.architecture');
}
