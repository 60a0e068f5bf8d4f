// The parsed header of a GGUF file (llama.cpp's gguf.cpp / ggml's docs/gguf.md): metadata key-values
// and tensor infos. Tensor data is never read to size a model.

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** The version this project writes and the newest its reader accepts. */
export const GGUF_VERSION = 3;

/** GGUF metadata value types (gguf_type). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** 64-bit integers beyond 2^53 stay bigint; everything else is a plain JS value. */
type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufArray;
export interface GgufArray {
  readonly itemType: GgufValueType;
  /** Number of items in the file. */
  readonly length: number;
  /** The items, or only the first `maxArrayItems` of them when the reader was told to skip long arrays (tokenizer vocabularies). */
  readonly items: GgufValue[];
  readonly truncated: boolean;
}

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: dims[0] is the row length. */
  readonly dims: readonly number[];
  /** ggml type id (see src/core/ggml.ts). */
  readonly typeId: number;
  readonly typeName: string;
  /** Offset of the tensor's data from the start of the data section. */
  readonly offset: bigint;
  /** Bytes of the tensor's data. */
  readonly bytes: number;
}

/** Where a metadata value's encoding lies in the file, so it can be copied verbatim (GgufValue drops scalar types). */
export interface GgufValueSpan {
  readonly type: GgufValueType;
  /** File offset just past the value's type id. */
  readonly start: number;
  readonly end: number;
}

export interface GgufHeader {
  readonly version: 2 | 3;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** Same keys as `metadata`, in file order. */
  readonly metadataSpans: ReadonlyMap<string, GgufValueSpan>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** File offset where tensor data starts (after the header and alignment padding). */
  readonly dataOffset: number;
  /** Bytes of header read. */
  readonly headerBytes: number;
}

/** Why a file is not a usable GGUF, in words a user can act on. */
export class GgufError extends Error {
  constructor(
    message: string,
    readonly code: 'not-gguf' | 'truncated' | 'unsupported-version' | 'corrupt' | 'too-large' | 'unknown-type' | 'io',
  ) {
    super(message);
    this.name = 'GgufError';
  }
}

/**
 * Random access to the bytes of a file, so the pure parser never does I/O itself and never needs
 * a whole file in memory (a 40 GB model is read by its header only).
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** llama_ftype (include/llama.h) numbers to names: `general.file_type`, what llama-quantize names a file by. */
const LLAMA_FTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
  39: 'NVFP4',
  40: 'Q1_0',
  41: 'Q2_0',
};
const LLAMA_FTYPE_IDS: ReadonlyMap<string, number> = new Map(Object.entries(LLAMA_FTYPE_NAMES).map(([id, name]) => [name, Number(id)]));

/** The name of a llama_ftype number ("Q4_K_M" for 15), or undefined for one llama.h does not have. */
export function llamaFtypeName(id: number): string | undefined {
  return LLAMA_FTYPE_NAMES[id];
}

/** The llama_ftype number of a file type name (15 for "Q4_K_M"), or undefined. */
export function llamaFtypeId(name: string): number | undefined {
  return LLAMA_FTYPE_IDS.get(name);
}

/**
 * The llama_ftype of a file whose tensors are mostly of one ggml type: the file type named after
 * it, or for K-quants with no plain file type its _M mix (Q4_K: Q4_K_M), for MXFP4 its MoE one.
 */
export function llamaFtypeOfTensorType(typeName: string): number | undefined {
  return llamaFtypeId(typeName) ?? llamaFtypeId(`${typeName}_M`) ?? llamaFtypeId(`${typeName}_MOE`);
}
