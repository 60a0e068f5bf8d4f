// Writes GGUF v3 files of any llama-family shape, laid out the way llama.cpp's converter and
// llama-quantize lay them out (ggml/src/gguf.cpp, gguf-py's GGUFWriter): header, metadata, tensor
// infos, padding to `general.alignment`, then each tensor's data padded to the alignment.
//
// Tensor names and dims come from src/core/tensors.ts, types from src/core/quantize.ts, so a file
// written here at Q4_K_M has the same tensors, types and byte count as one llama-quantize makes.
// `sparse` files hold no data (holes), so a 70B shape costs a few MB of disk and a few ms; `random`
// files hold finite random weights, so llama.cpp loads them and generates (nonsense) tokens.
import { open } from 'node:fs/promises';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION } from '../../core/gguf-types';
import type { Precision } from '../../shared/precision';
import { ByteWriter, writeKv } from './encoding';
import { alignUp, dataSectionBytes, fileTypeOf, planGgufTensors, type CustomTensorTypes, type PlannedTensor } from './layout';
import { modelMetadataKvs, type GgufWriterShape } from './metadata';
import { writeTensorSection, type GgufDataMode } from './tensor-data';
import { copiedTokenizerKvs, syntheticTokenizerKvs } from './tokenizer';

export type { GgufWriterShape } from './metadata';
export { toHalfBits } from './random-bits';
export { syntheticVocab } from './tokenizer';

export interface WriteGgufOptions {
  readonly shape: GgufWriterShape;
  /** A llama.cpp file type (each tensor gets the type llama-quantize would give it), or explicit types. */
  readonly precision: Precision | CustomTensorTypes;
  /** What the tensor data holds: see GgufDataMode. */
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

/** Builds the header (magic through tensor infos, padded to the alignment) of a GGUF file. */
async function buildGgufHeader(
  options: WriteGgufOptions,
): Promise<{ header: Buffer; tensors: PlannedTensor[]; fileType: number; alignment: number }> {
  const { shape } = options;
  const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0)
    throw new Error(`Alignment ${alignment} is not a power of two.`);
  const tensors = planGgufTensors(shape, options.precision, alignment);
  const fileType = fileTypeOf(options.precision, tensors);
  const contextLength = options.contextLength ?? shape.maxContext ?? 4096;
  const tokenizer = options.tokenizer ?? 'synthetic';

  const kvs = [
    ...modelMetadataKvs(shape, { name: options.name ?? `rightsize synthetic ${shape.arch}`, fileType, alignment, contextLength }),
    ...(tokenizer === 'synthetic'
      ? syntheticTokenizerKvs(shape.arch, shape.vocabSize)
      : await copiedTokenizerKvs(tokenizer.fromGguf, shape.vocabSize)),
  ];

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
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
  w.zeros(alignUp(w.length, alignment) - w.length);
  return { header: w.finish(), tensors, fileType, alignment };
}

/** Writes a GGUF v3 model file of the given shape and precision. */
export async function writeGgufModel(path: string, options: WriteGgufOptions): Promise<WriteGgufResult> {
  const t0 = performance.now();
  const { header, tensors, fileType, alignment } = await buildGgufHeader(options);
  const dataBytes = dataSectionBytes(tensors, alignment);
  const bytes = header.length + dataBytes;
  const fh = await open(path, 'w');
  try {
    let written = 0;
    while (written < header.length) {
      const { bytesWritten } = await fh.write(header, written, header.length - written, written);
      written += bytesWritten;
    }
    await writeTensorSection(fh, header.length, tensors, options.data, options.seed ?? 0x5eed);
    // Extends the file over the (unwritten) data and the last tensor's padding; holes cost no disk.
    await fh.truncate(bytes);
  } finally {
    await fh.close();
  }
  return { path, bytes, tensorCount: tensors.length, headerBytes: header.length, dataBytes, fileType, ms: performance.now() - t0 };
}
