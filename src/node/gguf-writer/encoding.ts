// GGUF's little-endian encoding of header values (ggml/src/gguf.cpp, gguf_writer): a growable byte
// buffer and the metadata key-value encoding, one gguf_type per value.
import { GgufValueType } from '../../core/gguf-types';

export type KvValue =
  | { readonly type: 'u32' | 'i32' | 'f32' | 'u8'; readonly value: number }
  | { readonly type: 'u64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'f32s' | 'i32s'; readonly value: ArrayLike<number> }
  /** A value copied verbatim from another file: its gguf_type and encoded payload. */
  | { readonly type: 'raw'; readonly typeId: number; readonly payload: Uint8Array };

export interface Kv {
  readonly key: string;
  readonly value: KvValue;
}

export const u32 = (value: number): KvValue => ({ type: 'u32', value });
export const f32 = (value: number): KvValue => ({ type: 'f32', value });
export const str = (value: string): KvValue => ({ type: 'string', value });
export const bool = (value: boolean): KvValue => ({ type: 'bool', value });

export class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u64(v: bigint | number): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u64(n);
    this.reserve(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

export function writeKv(w: ByteWriter, { key, value }: Kv): void {
  w.string(key);
  switch (value.type) {
    case 'u8':
      w.u32(GgufValueType.UINT8);
      w.u8(value.value);
      break;
    case 'u32':
      w.u32(GgufValueType.UINT32);
      w.u32(value.value);
      break;
    case 'i32':
      w.u32(GgufValueType.INT32);
      w.i32(value.value);
      break;
    case 'f32':
      w.u32(GgufValueType.FLOAT32);
      w.f32(value.value);
      break;
    case 'u64':
      w.u32(GgufValueType.UINT64);
      w.u64(value.value);
      break;
    case 'bool':
      w.u32(GgufValueType.BOOL);
      w.u8(value.value ? 1 : 0);
      break;
    case 'string':
      w.u32(GgufValueType.STRING);
      w.string(value.value);
      break;
    case 'strings':
      w.u32(GgufValueType.ARRAY);
      w.u32(GgufValueType.STRING);
      w.u64(value.value.length);
      for (const s of value.value) w.string(s);
      break;
    case 'f32s':
    case 'i32s': {
      w.u32(GgufValueType.ARRAY);
      w.u32(value.type === 'f32s' ? GgufValueType.FLOAT32 : GgufValueType.INT32);
      w.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) {
        if (value.type === 'f32s') w.f32(value.value[i] as number);
        else w.i32(value.value[i] as number);
      }
      break;
    }
    case 'raw':
      w.u32(value.typeId);
      w.bytes(value.payload);
      break;
  }
}
