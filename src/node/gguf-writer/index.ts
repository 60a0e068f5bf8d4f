// Writes GGUF v3 files of any llama-family shape, laid out the way llama.cpp's converter and
// llama-quantize lay them out (ggml/src/gguf.cpp, gguf-py's GGUFWriter): header, metadata, tensor
// infos, padding to `general.alignment`, then each tensor's data padded to the alignment.
//
// Tensor names and dims come from src/core/tensors.ts, types from src/core/quantize.ts, so a file
// written here at Q4_K_M has the same tensors, types and byte count as one llama-quantize makes.
// `sparse` files hold no data (holes), so a 70B shape costs a few MB of disk and a few ms; `random`
// files hold finite random weights, so llama.cpp loads them and generates (nonsense) tokens.
import { randomFillSync } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ggmlType } from '../../core/ggml';
import { assignTensorTypeList } from '../../core/quantize';
import { elementCount, listTensors, type ModelShape, type TensorSpec } from '../../core/tensors';
import type { Precision } from '../../shared/precision';

// ---------------------------------------------------------------- public types

/** A model shape; a catalog entry is one. The optional numbers override the writer's per-family defaults. */
export type GgufWriterShape = ModelShape & {
  /** Trained context, written as `%s.context_length` unless `contextLength` is given. */
  readonly maxContext?: number;
  /** `%s.rope.freq_base`; defaults to the real family's value (10000, 500000 for Llama 3, 1e6 for Qwen, Mistral, Gemma 3). */
  readonly ropeFreqBase?: number;
  /** `%s.attention.layer_norm_rms_epsilon`; defaults to 1e-6 for Qwen and Gemma, 1e-5 otherwise. */
  readonly rmsNormEps?: number;
};

export interface CustomTensorTypes {
  /** The ggml type name ("Q4_K", "F32", ...) of each tensor. */
  readonly tensorTypes: (t: TensorSpec) => string;
  /** `general.file_type` (llama_ftype); derived from the most common type by bytes when left out. */
  readonly fileType?: number;
}

export type GgufDataMode = 'sparse' | 'random' | 'zeros' | 'noise';

export interface WriteGgufOptions {
  readonly shape: GgufWriterShape;
  /** A llama.cpp file type (each tensor gets the type llama-quantize would give it), or explicit types. */
  readonly precision: Precision | CustomTensorTypes;
  /**
   * sparse: header only, the file extended to full size with holes (tensor data reads as zeros).
   * random: seeded small random weights (finite scales for every quant block), norms near 1.
   * zeros: tensor data written out as zero bytes (allocated on disk).
   * noise: like random but unseeded and fast (the OS's random bytes, scales fixed up): for speed
   * probes that need hundreds of MB of real, non-zero data in well under a second.
   */
  readonly data: GgufDataMode;
  readonly seed?: number;
  /** `%s.context_length`; defaults to shape.maxContext, else 4096. */
  readonly contextLength?: number;
  /** `general.name`. */
  readonly name?: string;
  /** synthetic (default): a llama SPM vocabulary of exactly vocabSize tokens; fromGguf: copy tokenizer.* keys from a GGUF file. */
  readonly tokenizer?: 'synthetic' | { readonly fromGguf: string };
  /** `general.alignment`, a power of two (default 32). */
  readonly alignment?: number;
}

export interface WriteGgufResult {
  readonly path: string;
  /** File size: headerBytes + dataBytes. */
  readonly bytes: number;
  readonly tensorCount: number;
  /** Magic to the end of the tensor infos, padded to the alignment (where tensor data starts). */
  readonly headerBytes: number;
  /** Sum of every tensor's bytes, each padded to the alignment. */
  readonly dataBytes: number;
  readonly fileType: number;
  readonly ms: number;
}

export interface PlannedTensor {
  readonly spec: TensorSpec;
  readonly type: string;
  readonly typeId: number;
  readonly bytes: number;
  /** From the start of the data section. */
  readonly offset: number;
}

// ---------------------------------------------------------------- constants

export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types (gguf_type in ggml/include/gguf.h). */
export const GGUF_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** llama_ftype (include/llama.h) of each precision: the `general.file_type` llama-quantize writes. */
export const LLAMA_FTYPE: Record<Precision, number> = {
  F32: 0,
  F16: 1,
  Q8_0: 7,
  Q2_K: 10,
  Q3_K_M: 12,
  Q4_K_M: 15,
  Q5_K_M: 17,
  Q6_K: 18,
  BF16: 32,
};

/** The llama_ftype a file whose dominant type is this one would carry. */
const FTYPE_OF_TYPE: Record<string, number> = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q8_0: 7,
  Q5_0: 8,
  Q5_1: 9,
  Q2_K: 10,
  Q3_K: 12,
  Q4_K: 15,
  Q5_K: 17,
  Q6_K: 18,
  IQ2_XXS: 19,
  IQ2_XS: 20,
  IQ3_XXS: 23,
  IQ1_S: 24,
  IQ4_NL: 25,
  IQ3_S: 26,
  IQ2_S: 28,
  IQ4_XS: 30,
  IQ1_M: 31,
  BF16: 32,
  TQ1_0: 36,
  TQ2_0: 37,
  MXFP4: 38,
};

const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

// ---------------------------------------------------------------- layout

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** The tensors of a shape with their types, byte counts and data offsets, in file order. */
export function planGgufTensors(
  shape: ModelShape,
  precision: Precision | CustomTensorTypes,
  alignment = GGUF_DEFAULT_ALIGNMENT,
): PlannedTensor[] {
  const specs = listTensors(shape);
  const types = typeof precision === 'string' ? assignTensorTypeList(shape, specs, precision) : specs.map((t) => precision.tensorTypes(t));
  let offset = 0;
  return specs.map((spec, i) => {
    const type = types[i] as string;
    const info = ggmlType(type);
    const rowLength = spec.dims[0] ?? 1;
    if (rowLength % info.blockSize !== 0) {
      throw new Error(`${spec.name}: row length ${rowLength} is not a multiple of ${type}'s block size ${info.blockSize}.`);
    }
    const bytes = (elementCount(spec) / info.blockSize) * info.blockBytes;
    const planned: PlannedTensor = { spec, type, typeId: info.id, bytes, offset };
    offset += align(bytes, alignment);
    return planned;
  });
}

function fileTypeOf(precision: Precision | CustomTensorTypes, tensors: readonly PlannedTensor[]): number {
  if (typeof precision === 'string') return LLAMA_FTYPE[precision];
  if (precision.fileType !== undefined) return precision.fileType;
  const byType = new Map<string, number>();
  for (const t of tensors) if (t.spec.dims.length >= 2) byType.set(t.type, (byType.get(t.type) ?? 0) + t.bytes);
  let best = 'F32';
  let bestBytes = -1;
  for (const [type, bytes] of byType) {
    if (bytes > bestBytes) [best, bestBytes] = [type, bytes];
  }
  return FTYPE_OF_TYPE[best] ?? 0;
}

// ---------------------------------------------------------------- metadata values

type KvValue =
  | { readonly type: 'u32' | 'i32' | 'f32' | 'u8'; readonly value: number }
  | { readonly type: 'u64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'f32s' | 'i32s'; readonly value: ArrayLike<number> }
  /** A value copied verbatim from another file: its gguf_type and encoded payload. */
  | { readonly type: 'raw'; readonly typeId: number; readonly payload: Buffer };

interface Kv {
  readonly key: string;
  readonly value: KvValue;
}

const u32 = (value: number): KvValue => ({ type: 'u32', value });
const f32 = (value: number): KvValue => ({ type: 'f32', value });
const str = (value: string): KvValue => ({ type: 'string', value });
const bool = (value: boolean): KvValue => ({ type: 'bool', value });

class ByteWriter {
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

function writeKv(w: ByteWriter, { key, value }: Kv): void {
  w.string(key);
  switch (value.type) {
    case 'u8':
      w.u32(GGUF_TYPE.UINT8);
      w.u8(value.value);
      break;
    case 'u32':
      w.u32(GGUF_TYPE.UINT32);
      w.u32(value.value);
      break;
    case 'i32':
      w.u32(GGUF_TYPE.INT32);
      w.i32(value.value);
      break;
    case 'f32':
      w.u32(GGUF_TYPE.FLOAT32);
      w.f32(value.value);
      break;
    case 'u64':
      w.u32(GGUF_TYPE.UINT64);
      w.u64(value.value);
      break;
    case 'bool':
      w.u32(GGUF_TYPE.BOOL);
      w.u8(value.value ? 1 : 0);
      break;
    case 'string':
      w.u32(GGUF_TYPE.STRING);
      w.string(value.value);
      break;
    case 'strings':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.STRING);
      w.u64(value.value.length);
      for (const s of value.value) w.string(s);
      break;
    case 'f32s':
    case 'i32s': {
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(value.type === 'f32s' ? GGUF_TYPE.FLOAT32 : GGUF_TYPE.INT32);
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

// ---------------------------------------------------------------- hyperparameters

/** rope.freq_base of the real models of each family, told apart by vocabulary where one arch covers several. */
function defaultRopeBase(shape: GgufWriterShape): number {
  switch (shape.arch) {
    case 'llama':
      if (shape.vocabSize >= 128000 && shape.vocabSize < 131072) return 500000; // Llama 3.x
      if (shape.experts || shape.vocabSize === 32768 || shape.vocabSize === 131072) return 1e6; // Mistral, Mixtral
      if (shape.vocabSize === 49152) return 100000; // SmolLM2
      return 10000; // Llama 2, TinyLlama
    case 'qwen2':
    case 'qwen3':
    case 'qwen3moe':
    case 'gemma3':
    case 'mistral':
      return 1e6;
    case 'olmo2':
      return 500000;
    case 'granite':
      return 10000000;
    default:
      return 10000;
  }
}

function defaultRmsEps(shape: GgufWriterShape): number {
  return /^(qwen|gemma)/.test(shape.arch) ? 1e-6 : 1e-5;
}

/** Default sliding-window period of each loader (llama-model.cpp): the pattern key is written only when it differs. */
const LOADER_SWA_PERIOD: Partial<Record<string, number>> = { gemma2: 2, gemma3: 6 };

function hparamKvs(shape: GgufWriterShape, contextLength: number): Kv[] {
  const a = shape.arch;
  const kvs: Kv[] = [];
  const add = (key: string, value: KvValue): void => void kvs.push({ key: `${a}.${key}`, value });
  const moe = shape.experts;
  add('vocab_size', u32(shape.vocabSize));
  add('context_length', u32(contextLength));
  add('embedding_length', u32(shape.hiddenSize));
  add('block_count', u32(shape.layers));
  add('feed_forward_length', u32(moe?.denseFfnSize ?? shape.ffnSize));
  add('attention.head_count', u32(shape.heads));
  add('attention.head_count_kv', u32(shape.kvHeads));
  add('attention.key_length', u32(shape.headDim));
  add('attention.value_length', u32(shape.headDim));
  if (a === 'falcon') add('attention.layer_norm_epsilon', f32(shape.rmsNormEps ?? 1e-5));
  else add('attention.layer_norm_rms_epsilon', f32(shape.rmsNormEps ?? defaultRmsEps(shape)));
  add('rope.freq_base', f32(shape.ropeFreqBase ?? defaultRopeBase(shape)));
  add('rope.dimension_count', u32(shape.headDim));
  if (moe) {
    add('expert_count', u32(moe.count));
    add('expert_used_count', u32(moe.active));
    if (a !== 'llama') add('expert_feed_forward_length', u32(shape.ffnSize));
    if ((moe.shared ?? 0) > 0) {
      add('expert_shared_count', u32(moe.shared ?? 0));
      add('expert_shared_feed_forward_length', u32(moe.sharedFfnSize ?? shape.ffnSize));
    }
    if ((moe.denseLayers ?? 0) > 0) add('leading_dense_block_count', u32(moe.denseLayers ?? 0));
  }
  const swa = shape.slidingWindow;
  if (swa) {
    add('attention.sliding_window', u32(swa.windowTokens));
    if (swa.globalPerPeriod === 1 && LOADER_SWA_PERIOD[a] !== swa.period) add('attention.sliding_window_pattern', u32(swa.period));
  }
  if (a === 'gemma2') {
    // Gemma 2's config.json: attn_logit_softcapping 50, final_logit_softcapping 30 (the converter writes both).
    add('attn_logit_softcapping', f32(50));
    add('final_logit_softcapping', f32(30));
  }
  if (a === 'gemma3') add('rope.freq_base_swa', f32(10000)); // local layers keep rope_local_base_freq 10000
  if (a === 'granite') {
    // Granite 3.x config.json multipliers; llama.cpp requires logit_scale.
    add('logit_scale', f32(shape.hiddenSize <= 2048 ? 8 : 16));
    add('residual_scale', f32(0.22));
    add('embedding_scale', f32(12));
    add('attention.scale', f32(1 / shape.headDim));
  }
  return kvs;
}

// ---------------------------------------------------------------- tokenizer

const COMMON_WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by ' +
  'not word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look more ' +
  'day could go come did number sound no most people my over know water than call first who may down side been now ' +
  'find any new work part take get place made live where after back little only round man year came show every good ' +
  'me give our under name very through just form sentence great think say help low line differ turn cause much mean ' +
  'before move right boy old too same tell does set three want air well also play small end put home read hand port ' +
  'large spell add even land here must big high such follow act why ask men change went light kind off need house ' +
  'picture try us again animal point mother world near build self earth father head stand own page should country ' +
  'found answer school grow study still learn plant cover food sun four between state keep eye never last let ' +
  'thought city tree cross farm hard start might story saw far sea draw left late run while press close night real ' +
  'life few north open seem together next white children begin got walk example ease paper group always music those ' +
  'both mark often letter until mile river car feet care second book carry took science eat room friend began idea ' +
  'fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young ready ' +
  'above ever red list though feel talk bird soon body dog family direct pose leave song measure door product black ' +
  'short numeral class wind question happen complete ship area half rock order fire south problem piece told knew ' +
  'pass since top whole king space heard best hour better true during hundred five remember step early hold west ' +
  'ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay ' +
  'against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice unit ' +
  'power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able ' +
  'pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute ' +
  'strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue ' +
  'object decide surface deep moon island foot system busy test record boat common gold possible plane stead dry ' +
  'wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east ' +
  'paint language among once upon happy sad'
).split(' ');

/**
 * A llama SPM vocabulary of exactly `size` tokens: <unk>, <s>, </s>, the 256 byte tokens, then
 * printable characters, common English words (with every "▁" prefix a merge needs on the way),
 * then "▁tokN" fillers. Scores fall with the index, so earlier pieces merge first.
 */
export function syntheticVocab(
  size: number,
  controlTokens: readonly string[] = [],
): { tokens: string[]; scores: Float32Array; types: Int32Array } {
  const specials = 3 + 256;
  const min = specials + 1 + controlTokens.length;
  if (!Number.isInteger(size) || size < min) throw new Error(`A synthetic SPM vocabulary needs at least ${min} tokens (asked for ${size}).`);
  const bodySize = size - controlTokens.length;
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const seen = new Set(tokens);
  const push = (t: string): void => {
    if (tokens.length < bodySize && !seen.has(t)) {
      seen.add(t);
      tokens.push(t);
    }
  };
  push('▁');
  for (let c = 33; c < 127; c++) push(String.fromCharCode(c));
  for (const word of COMMON_WORDS) {
    const piece = `▁${word}`;
    for (let end = 2; end <= piece.length; end++) push(piece.slice(0, end));
  }
  for (let i = 0; tokens.length < bodySize; i++) push(`▁tok${i}`);
  for (const t of controlTokens) {
    if (seen.has(t)) throw new Error(`Control token ${t} is already in the vocabulary.`);
    seen.add(t);
    tokens.push(t);
  }
  const scores = new Float32Array(size);
  const types = new Int32Array(size);
  types[0] = TOKEN_TYPE.UNKNOWN;
  types[1] = TOKEN_TYPE.CONTROL;
  types[2] = TOKEN_TYPE.CONTROL;
  for (let i = 3; i < specials; i++) types[i] = TOKEN_TYPE.BYTE;
  for (let i = specials; i < bodySize; i++) {
    types[i] = TOKEN_TYPE.NORMAL;
    scores[i] = -(i - specials);
  }
  for (let i = bodySize; i < size; i++) types[i] = TOKEN_TYPE.CONTROL;
  return { tokens, scores, types };
}

/**
 * Control tokens the real vocabularies end with, where llama.cpp needs them: for a model whose
 * general.name says Phi-3, llama-vocab.cpp looks up "<|endoftext|>" and fails to load without it.
 */
const CONTROL_TOKENS: Partial<Record<string, readonly string[]>> = {
  phi3: ['<|endoftext|>', '<|assistant|>', '<|end|>', '<|system|>', '<|user|>'],
};

function syntheticTokenizerKvs(arch: string, vocabSize: number): Kv[] {
  const { tokens, scores, types } = syntheticVocab(vocabSize, CONTROL_TOKENS[arch] ?? []);
  return [
    { key: 'tokenizer.ggml.model', value: str('llama') },
    { key: 'tokenizer.ggml.tokens', value: { type: 'strings', value: tokens } },
    { key: 'tokenizer.ggml.scores', value: { type: 'f32s', value: scores } },
    { key: 'tokenizer.ggml.token_type', value: { type: 'i32s', value: types } },
    { key: 'tokenizer.ggml.bos_token_id', value: u32(1) },
    { key: 'tokenizer.ggml.eos_token_id', value: u32(2) },
    { key: 'tokenizer.ggml.unknown_token_id', value: u32(0) },
    { key: 'tokenizer.ggml.add_bos_token', value: bool(true) },
    { key: 'tokenizer.ggml.add_eos_token', value: bool(false) },
  ];
}

async function copiedTokenizerKvs(path: string, vocabSize: number): Promise<Kv[]> {
  const meta = await readGgufMetadata(path);
  const kvs: Kv[] = [];
  for (const kv of meta.kvs) {
    if (kv.key.startsWith('tokenizer.')) kvs.push({ key: kv.key, value: { type: 'raw', typeId: kv.typeId, payload: kv.payload } });
  }
  const tokens = meta.kvs.find((kv) => kv.key === 'tokenizer.ggml.tokens');
  if (!tokens) throw new Error(`${path} has no tokenizer.ggml.tokens.`);
  const n = Array.isArray(tokens.value) ? tokens.value.length : -1;
  if (n !== vocabSize) throw new Error(`${path} has a vocabulary of ${n} tokens; the shape needs ${vocabSize}.`);
  return kvs;
}

// ---------------------------------------------------------------- a minimal metadata reader

export type GgufMetaValue = number | bigint | boolean | string | GgufMetaValue[];

export interface GgufMetaKv {
  readonly key: string;
  /** gguf_type of the value. */
  readonly typeId: number;
  readonly value: GgufMetaValue;
  /** The value as encoded in the file (after the type id), for copying it verbatim. */
  readonly payload: Buffer;
}

export interface GgufMetadata {
  readonly version: number;
  readonly tensorCount: number;
  readonly kvs: GgufMetaKv[];
}

/** Reads a GGUF file's header and metadata (not its tensor infos). Enough to copy a tokenizer; src/core/gguf.ts is the full reader. */
export async function readGgufMetadata(path: string): Promise<GgufMetadata> {
  const fh = await open(path, 'r');
  try {
    const r = new FileReader(fh);
    if ((await r.bytes(4)).toString('latin1') !== 'GGUF') throw new Error(`${path} is not a GGUF file.`);
    const version = (await r.bytes(4)).readUInt32LE(0);
    if (version !== 2 && version !== 3) throw new Error(`${path}: GGUF version ${version} is not supported.`);
    const tensorCount = Number((await r.bytes(8)).readBigUInt64LE(0));
    const kvCount = Number((await r.bytes(8)).readBigUInt64LE(0));
    const kvs: GgufMetaKv[] = [];
    for (let i = 0; i < kvCount; i++) {
      const key = await readString(r);
      const typeId = (await r.bytes(4)).readUInt32LE(0);
      const start = r.pos;
      const value = await readValue(r, typeId);
      kvs.push({ key, typeId, value, payload: Buffer.from(r.slice(start, r.pos)) });
    }
    return { version, tensorCount, kvs };
  } finally {
    await fh.close();
  }
}

/** Sequential reads over a file handle, keeping what it read so values can be sliced out raw. */
class FileReader {
  private buf = Buffer.alloc(0);
  private filled = 0;
  pos = 0;
  constructor(private readonly fh: FileHandle) {}

  private async need(n: number): Promise<void> {
    if (this.pos + n <= this.filled) return;
    const want = Math.max(this.pos + n, this.filled + (1 << 20));
    if (want > this.buf.length) {
      const next = Buffer.alloc(Math.max(want, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.filled);
      this.buf = next;
    }
    while (this.filled < this.pos + n) {
      const { bytesRead } = await this.fh.read(this.buf, this.filled, this.buf.length - this.filled, this.filled);
      if (bytesRead === 0) throw new Error('Unexpected end of GGUF file.');
      this.filled += bytesRead;
    }
  }
  async bytes(n: number): Promise<Buffer> {
    await this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  slice(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }
}

async function readString(r: FileReader): Promise<string> {
  const n = Number((await r.bytes(8)).readBigUInt64LE(0));
  return (await r.bytes(n)).toString('utf8');
}

async function readValue(r: FileReader, typeId: number): Promise<GgufMetaValue> {
  switch (typeId) {
    case GGUF_TYPE.UINT8:
      return (await r.bytes(1)).readUInt8(0);
    case GGUF_TYPE.INT8:
      return (await r.bytes(1)).readInt8(0);
    case GGUF_TYPE.UINT16:
      return (await r.bytes(2)).readUInt16LE(0);
    case GGUF_TYPE.INT16:
      return (await r.bytes(2)).readInt16LE(0);
    case GGUF_TYPE.UINT32:
      return (await r.bytes(4)).readUInt32LE(0);
    case GGUF_TYPE.INT32:
      return (await r.bytes(4)).readInt32LE(0);
    case GGUF_TYPE.FLOAT32:
      return (await r.bytes(4)).readFloatLE(0);
    case GGUF_TYPE.BOOL:
      return (await r.bytes(1)).readUInt8(0) !== 0;
    case GGUF_TYPE.STRING:
      return readString(r);
    case GGUF_TYPE.UINT64:
      return (await r.bytes(8)).readBigUInt64LE(0);
    case GGUF_TYPE.INT64:
      return (await r.bytes(8)).readBigInt64LE(0);
    case GGUF_TYPE.FLOAT64:
      return (await r.bytes(8)).readDoubleLE(0);
    case GGUF_TYPE.ARRAY: {
      const itemType = (await r.bytes(4)).readUInt32LE(0);
      const n = Number((await r.bytes(8)).readBigUInt64LE(0));
      const items: GgufMetaValue[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = await readValue(r, itemType);
      return items;
    }
    default:
      throw new Error(`Unknown GGUF value type ${typeId}.`);
  }
}

// ---------------------------------------------------------------- random data

/** sfc32, seeded through splitmix32: fast, deterministic, good enough for weights. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half bits of a float, rounded to nearest even, subnormals kept. */
export function toHalfBits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

function toBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Where each quant block keeps its fp16 scales, and the scale that gives weights of about N(0, 0.02). */
interface BlockScales {
  /** Byte offsets of fp16 `d`-like fields and their typical magnitudes. */
  readonly fields: readonly (readonly [offset: number, magnitude: number])[];
}

// Magnitudes: d (and dmin) such that the decoded weights have a spread of about 0.02 given uniform
// random quants and sub-block scales (see dequantize_row_* in ggml/src/ggml-quants.c; checked with
// gguf-py's dequantize). Negative magnitudes are the additive minimum of Q4_1/Q5_1 (x = d*q + m).
const BLOCK_SCALES: Record<string, BlockScales> = {
  Q4_0: { fields: [[0, 0.0043]] },
  Q4_1: { fields: [[0, 0.0035], [2, -0.026]] },
  Q5_0: { fields: [[0, 0.0022]] },
  Q5_1: { fields: [[0, 0.0018], [2, -0.028]] },
  Q8_0: { fields: [[0, 0.00027]] },
  Q2_K: { fields: [[80, 0.0012], [82, 0.0018]] }, // scales[16] qs[64] d dmin
  Q3_K: { fields: [[108, 0.00047]] }, // hmask[32] qs[64] scales[12] d
  Q4_K: { fields: [[0, 0.00007], [2, 0.0005]] }, // d dmin scales[12] qs[128]
  Q5_K: { fields: [[0, 0.000035], [2, 0.00055]] }, // d dmin scales[12] qh[32] qs[128]
  Q6_K: { fields: [[208, 0.000015]] }, // ql[128] qh[64] scales[16] d
};

const CHUNK_BYTES = 4 << 20;

/** Fills `buf` (whole blocks of `type`) with valid random data for the tensor. */
function fillRandom(buf: Buffer, type: string, spec: TensorSpec, rng: Rng): void {
  const info = ggmlType(type);
  if (info.blockSize === 1) {
    const n = buf.length / info.blockBytes;
    const mean = spec.role === 'norm' ? 1 : 0;
    // The chunk is its own ArrayBuffer at offset 0 (Buffer.alloc), so typed views are aligned.
    if (type === 'F32') {
      const out = new Float32Array(buf.buffer, buf.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = mean + 0.02 * rng.normal();
    } else if ((type === 'F16' || type === 'BF16') && spec.role !== 'norm') {
      // Fast path for big matrices: random sign and mantissa, exponent giving |w| in [2^-7, 2^-5)
      // (about 0.008-0.03): built from raw bits, two values per random word, ~100x faster than
      // drawing normals, so a probe can write a few hundred MB of F16 in well under a second.
      const out = new Uint16Array(buf.buffer, buf.byteOffset, n);
      const half = type === 'F16';
      for (let i = 0; i < n; i += 2) {
        const r = rng.u32();
        for (let j = 0; j < 2 && i + j < n; j++) {
          const bits = j === 0 ? r & 0xffff : r >>> 16;
          const sign = bits & 0x8000;
          const expLow = (bits >>> 14) & 1;
          out[i + j] = half ? sign | ((8 + expLow) << 10) | (bits & 0x3ff) : sign | ((120 + expLow) << 7) | (bits & 0x7f);
        }
      }
    } else if (type === 'F16' || type === 'BF16') {
      const out = new Uint16Array(buf.buffer, buf.byteOffset, n);
      const convert = type === 'F16' ? toHalfBits : toBf16Bits;
      for (let i = 0; i < n; i++) out[i] = convert(mean + 0.02 * rng.normal());
    } else throw new Error(`Random data for ${type} is not supported.`);
    return;
  }
  const scales = BLOCK_SCALES[type];
  if (!scales) throw new Error(`Random data for ${type} is not supported (sparse and zeros are).`);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.u32();
  for (let i = words.length * 4; i < buf.length; i++) buf[i] = rng.u32() & 0xff;
  for (let block = 0; block < buf.length; block += info.blockBytes) {
    for (const [offset, magnitude] of scales.fields) {
      buf.writeUInt16LE(toHalfBits(magnitude * (0.5 + rng.next())), block + offset);
    }
  }
}

/** Fast non-deterministic fill: OS random bytes, then every block's fp16 scales made small and finite. */
function fillNoise(buf: Buffer, type: string, spec: TensorSpec, rng: Rng): void {
  const info = ggmlType(type);
  if (info.blockSize === 1 && type !== 'F16' && type !== 'BF16') {
    fillRandom(buf, type, spec, rng);
    return;
  }
  randomFillSync(buf);
  if (type === 'F16' || type === 'BF16') {
    const out = new Uint16Array(buf.buffer, buf.byteOffset, buf.length >>> 1);
    // Keep sign and mantissa, force a small exponent: |w| in [2^-7, 2^-5).
    if (type === 'F16') for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) & 0x83ff) | (((out[i] as number) & 0x4000 ? 9 : 8) << 10);
    else for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) & 0x807f) | (((out[i] as number) & 0x4000 ? 121 : 120) << 7);
    return;
  }
  const scales = BLOCK_SCALES[type];
  if (!scales) throw new Error(`Noise data for ${type} is not supported (sparse and zeros are).`);
  const halves = scales.fields.map(([offset, magnitude]) => [offset, toHalfBits(magnitude)] as const);
  for (let block = 0; block < buf.length; block += info.blockBytes) {
    for (const [offset, half] of halves) buf.writeUInt16LE(half, block + offset);
  }
}

/**
 * Noise chunks by tensor type and role, filled once per file and written over and over: the OS's
 * random bytes come at a few hundred MB/s, and a probe writes 1-2 GB. Repeating a 4 MB pattern
 * changes nothing for the reader: every page is still its own page of memory.
 */
type NoiseChunks = Map<string, Buffer>;

async function writeTensorData(fh: FileHandle, start: number, t: PlannedTensor, mode: 'random' | 'zeros' | 'noise', rng: Rng, noiseChunks: NoiseChunks): Promise<void> {
  const info = ggmlType(t.type);
  const blocksPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / info.blockBytes));
  const totalBlocks = t.bytes / info.blockBytes;
  const noiseKey = `${t.type}:${t.spec.role === 'norm' ? 'norm' : 'matrix'}`;
  const reused = mode === 'noise' ? noiseChunks.get(noiseKey) : undefined;
  // A noise chunk is shared by every tensor of its type, so it is made full size; others fit the tensor.
  const chunk = reused ?? Buffer.from(new ArrayBuffer((mode === 'noise' ? blocksPerChunk : Math.min(totalBlocks, blocksPerChunk)) * info.blockBytes));
  if (mode === 'noise' && !reused) {
    fillNoise(chunk, t.type, t.spec, rng);
    noiseChunks.set(noiseKey, chunk);
  }
  let position = start + t.offset;
  for (let done = 0; done < totalBlocks; ) {
    const blocks = Math.min(blocksPerChunk, totalBlocks - done);
    const view = chunk.subarray(0, blocks * info.blockBytes);
    if (mode === 'random') fillRandom(view, t.type, t.spec, rng);
    let written = 0;
    while (written < view.length) {
      const { bytesWritten } = await fh.write(view, written, view.length - written, position + written);
      written += bytesWritten;
    }
    position += view.length;
    done += blocks;
  }
}

// ---------------------------------------------------------------- the writer

/** Builds the header (magic through tensor infos, padded to the alignment) of a GGUF file. */
export async function buildGgufHeader(options: WriteGgufOptions): Promise<{ header: Buffer; tensors: PlannedTensor[]; fileType: number; alignment: number }> {
  const { shape } = options;
  const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw new Error(`Alignment ${alignment} is not a power of two.`);
  const tensors = planGgufTensors(shape, options.precision, alignment);
  const fileType = fileTypeOf(options.precision, tensors);
  const contextLength = options.contextLength ?? shape.maxContext ?? 4096;
  const tokenizer = options.tokenizer ?? 'synthetic';

  const kvs: Kv[] = [
    { key: 'general.architecture', value: str(shape.arch) },
    { key: 'general.type', value: str('model') },
    { key: 'general.name', value: str(options.name ?? `rightsize synthetic ${shape.arch}`) },
    { key: 'general.file_type', value: u32(fileType) },
    { key: 'general.quantization_version', value: u32(2) },
    { key: 'general.alignment', value: u32(alignment) },
    ...hparamKvs(shape, contextLength),
    ...(tokenizer === 'synthetic' ? syntheticTokenizerKvs(shape.arch, shape.vocabSize) : await copiedTokenizerKvs(tokenizer.fromGguf, shape.vocabSize)),
  ];

  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'latin1'));
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const kv of kvs) writeKv(w, kv);
  for (const t of tensors) {
    w.string(t.spec.name);
    w.u32(t.spec.dims.length);
    for (const d of t.spec.dims) w.u64(d);
    w.u32(t.typeId);
    w.u64(t.offset);
  }
  w.zeros(align(w.length, alignment) - w.length);
  return { header: w.finish(), tensors, fileType, alignment };
}

/** Writes a GGUF v3 model file of the given shape and precision. */
export async function writeGgufModel(path: string, options: WriteGgufOptions): Promise<WriteGgufResult> {
  const t0 = performance.now();
  const { header, tensors, fileType, alignment } = await buildGgufHeader(options);
  const last = tensors[tensors.length - 1];
  const dataBytes = last ? last.offset + align(last.bytes, alignment) : 0;
  const bytes = header.length + dataBytes;
  const fh = await open(path, 'w');
  try {
    let written = 0;
    while (written < header.length) {
      const { bytesWritten } = await fh.write(header, written, header.length - written, written);
      written += bytesWritten;
    }
    if (options.data !== 'sparse') {
      const rng = new Rng(options.seed ?? 0x5eed);
      const noiseChunks: NoiseChunks = new Map();
      for (const t of tensors) await writeTensorData(fh, header.length, t, options.data, rng, noiseChunks);
    }
    // Extends the file over the (unwritten) data and the last tensor's padding; holes cost no disk.
    await fh.truncate(bytes);
  } finally {
    await fh.close();
  }
  return { path, bytes, tensorCount: tensors.length, headerBytes: header.length, dataBytes, fileType, ms: performance.now() - t0 };
}
