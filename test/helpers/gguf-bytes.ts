// Hand-built GGUF bytes for the reader's tests and fuzz corpus: any value, count or field can be
// set wrong on purpose, which the real writer (src/node/gguf-writer) never does. Defaults are the
// reader's own constants, so a spec that leaves them out builds a file llama.cpp would accept.
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufValueType } from '../../src/core/gguf-types';
import { ggmlType } from '../../src/core/ggml';

/** An array value: its item type and items (arrays of arrays nest this). */
type GgufTestArray = { itemType: GgufValueType; items: unknown[] };

const encoder = new TextEncoder();

/** Little-endian bytes, appended by chained calls. */
export class GgufBytes {
  private chunks: Uint8Array[] = [];
  length = 0;
  private put(size: number, write: (view: DataView) => void): this {
    const view = new DataView(new ArrayBuffer(size));
    write(view);
    return this.raw(new Uint8Array(view.buffer));
  }
  u8 = (v: number) => this.put(1, (d) => d.setUint8(0, v));
  i8 = (v: number) => this.put(1, (d) => d.setInt8(0, v));
  u16 = (v: number) => this.put(2, (d) => d.setUint16(0, v, true));
  i16 = (v: number) => this.put(2, (d) => d.setInt16(0, v, true));
  u32 = (v: number) => this.put(4, (d) => d.setUint32(0, v, true));
  i32 = (v: number) => this.put(4, (d) => d.setInt32(0, v, true));
  f32 = (v: number) => this.put(4, (d) => d.setFloat32(0, v, true));
  f64 = (v: number) => this.put(8, (d) => d.setFloat64(0, v, true));
  u64 = (v: number | bigint) => this.put(8, (d) => d.setBigUint64(0, BigInt(v), true));
  i64 = (v: number | bigint) => this.put(8, (d) => d.setBigInt64(0, BigInt(v), true));
  str = (s: string) => {
    const encoded = encoder.encode(s);
    return this.u64(encoded.length).raw(encoded);
  };
  raw = (bytes: ArrayLike<number>) => {
    const chunk = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  };
  zeros = (n: number) => this.raw(new Uint8Array(n));
  pad = (alignment: number) => this.zeros((alignment - (this.length % alignment)) % alignment);
  /** Magic, version and the two counts: the fixed start of every GGUF. */
  preamble = (tensorCount: number | bigint, kvCount: number | bigint, version = GGUF_VERSION) =>
    this.u32(GGUF_MAGIC).u32(version).u64(tensorCount).u64(kvCount);
  bytes = () => {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  };

  /** A value of `type` (without the type id); an array is a GgufTestArray. */
  value(type: GgufValueType, v: unknown): this {
    switch (type) {
      case GgufValueType.UINT8:
        return this.u8(v as number);
      case GgufValueType.INT8:
        return this.i8(v as number);
      case GgufValueType.UINT16:
        return this.u16(v as number);
      case GgufValueType.INT16:
        return this.i16(v as number);
      case GgufValueType.UINT32:
        return this.u32(v as number);
      case GgufValueType.INT32:
        return this.i32(v as number);
      case GgufValueType.FLOAT32:
        return this.f32(v as number);
      case GgufValueType.BOOL:
        return this.u8(v ? 1 : 0);
      case GgufValueType.STRING:
        return this.str(v as string);
      case GgufValueType.UINT64:
        return this.u64(v as bigint);
      case GgufValueType.INT64:
        return this.i64(v as bigint);
      case GgufValueType.FLOAT64:
        return this.f64(v as number);
      case GgufValueType.ARRAY: {
        const array = v as GgufTestArray;
        this.u32(array.itemType).u64(array.items.length);
        for (const item of array.items) this.value(array.itemType, item);
        return this;
      }
    }
    throw new Error(`bad type ${type}`);
  }
}

export const GGML_F32 = ggmlType('F32').id;
export const GGML_Q4_0 = ggmlType('Q4_0').id;
export const GGML_Q4_K = ggmlType('Q4_K').id;

interface GgufTestTensor {
  name: string;
  dims: number[];
  /** ggml type id; F32 when left out. */
  type?: number;
  /** Overrides the computed offset. */
  offset?: bigint;
  /** Overrides the dimension count written. */
  nDims?: number;
  /** Bytes of data; dims' product x 4 (F32) when left out. */
  bytes?: number;
}

/** A metadata key, its value type and value. */
export type GgufTestKv = [key: string, type: GgufValueType, value: unknown];

export interface GgufSpec {
  version?: number;
  /** The first four bytes, in place of "GGUF". */
  magic?: number[];
  kv?: GgufTestKv[];
  tensors?: GgufTestTensor[];
  alignment?: number;
  /** Whether to append the tensor data (zeros). */
  withData?: boolean;
  tensorCount?: bigint;
  kvCount?: bigint;
}

/** A whole GGUF: header, tensor infos with offsets each at the aligned end of the one before, then zero data. */
export function buildGguf(spec: GgufSpec): Uint8Array {
  const b = new GgufBytes();
  const kv = spec.kv ?? [];
  const tensors = spec.tensors ?? [];
  const alignment = spec.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (spec.magic) b.raw(spec.magic);
  else b.u32(GGUF_MAGIC);
  b.u32(spec.version ?? GGUF_VERSION);
  b.u64(spec.tensorCount ?? BigInt(tensors.length)).u64(spec.kvCount ?? BigInt(kv.length));
  for (const [key, type, value] of kv) b.str(key).u32(type).value(type, value);
  let offset = 0;
  let dataBytes = 0;
  for (const t of tensors) {
    b.str(t.name).u32(t.nDims ?? t.dims.length);
    for (const d of t.dims) b.i64(d);
    b.i32(t.type ?? GGML_F32).u64(t.offset ?? BigInt(offset));
    const bytes = t.bytes ?? t.dims.reduce((a, d) => a * d, 1) * 4;
    dataBytes = offset + bytes;
    offset += Math.ceil(bytes / alignment) * alignment;
  }
  if (spec.withData !== false && tensors.length > 0) {
    b.pad(alignment);
    b.zeros(dataBytes);
  }
  return b.bytes();
}
