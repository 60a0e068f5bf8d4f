// The tensors of a shape as a GGUF file lays them out: names and dims from src/core/tensors.ts,
// types from src/core/quantize.ts, each tensor's data at the aligned end of the one before.
import { dominantTensorType } from '../../core/gguf-model';
import { GGUF_DEFAULT_ALIGNMENT, llamaFtypeId, llamaFtypeOfTensorType } from '../../core/gguf-types';
import { ggmlType } from '../../core/ggml';
import { assignTensorTypeList } from '../../core/quantize';
import { elementCount, listTensors, type ModelShape, type TensorSpec } from '../../core/tensors';
import type { Precision } from '../../shared/precision';

export interface CustomTensorTypes {
  /** The ggml type name ("Q4_K", "F32", ...) of each tensor. */
  readonly tensorTypes: (t: TensorSpec) => string;
  /** `general.file_type` (llama_ftype); derived from the most common type by bytes when left out. */
  readonly fileType?: number;
}

export interface PlannedTensor {
  readonly spec: TensorSpec;
  readonly type: string;
  readonly typeId: number;
  readonly bytes: number;
  /** From the start of the data section. */
  readonly offset: number;
}

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

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
    offset += alignUp(bytes, alignment);
    return planned;
  });
}

/** Bytes of the data section: every tensor, each padded to the alignment. */
export function dataSectionBytes(tensors: readonly PlannedTensor[], alignment: number): number {
  const last = tensors[tensors.length - 1];
  return last ? last.offset + alignUp(last.bytes, alignment) : 0;
}

/** `general.file_type`: the precision's llama_ftype, or the one of the type holding most of the matrix bytes. */
export function fileTypeOf(precision: Precision | CustomTensorTypes, tensors: readonly PlannedTensor[]): number {
  if (typeof precision === 'string') {
    const fileType = llamaFtypeId(precision);
    if (fileType === undefined) throw new Error(`${precision} has no llama_ftype.`);
    return fileType;
  }
  if (precision.fileType !== undefined) return precision.fileType;
  const dominant = dominantTensorType(tensors.map((t) => ({ typeName: t.type, bytes: t.bytes, dims: t.spec.dims })));
  return llamaFtypeOfTensorType(dominant ?? 'F32') ?? 0;
}
