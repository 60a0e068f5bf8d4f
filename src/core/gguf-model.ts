// A real GGUF file as something the estimator can size: its shape from the metadata llama.cpp
// reads (llama-arch.cpp's LLM_KV_* keys), its tensors with the types they really have.
import { ModelArchSchema, type ModelArch } from '../shared/schema';
import { PRECISIONS, type Precision } from '../shared/precision';
import { GgufError, llamaFtypeName, type GgufHeader, type GgufValue } from './gguf-types';
import type { ModelShape, TensorRole, TensorSpec } from './tensors';
import { archShapeFromGguf } from './arch';

export interface GgufModel {
  /** general.architecture as written in the file (e.g. "llama", "qwen2moe"). */
  architecture: string;
  name: string | null;
  shape: ModelShape;
  tensors: TensorSpec[];
  /** ggml type name of each tensor, aligned with `tensors`. */
  types: string[];
  maxContext: number;
  parameterCount: number;
  /**
   * The file's precision by name, from the file type llama.cpp's quantizer wrote (general.file_type):
   * "Q4_K_M", "IQ4_XS", "ftype 99" for one llama.h lacks, or "mostly F32" without the key.
   */
  precisionName: string;
  /** The same when the fit matrix has that precision. */
  precision: Precision | null;
  tensorBytes: number;
}

const isPrecision = (name: string): name is Precision => (PRECISIONS as readonly string[]).includes(name);
// An architecture the schema does not list is sized with llama's layout, the one most derive from.
const isModelArch = (name: string): name is ModelArch => (ModelArchSchema.options as readonly string[]).includes(name);

function num(value: GgufValue | undefined): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object' && 'items' in value) {
    // Per-layer arrays (e.g. head counts that vary by layer): size for the largest.
    const items = value.items.map((v) => num(v)).filter((v): v is number => v !== null);
    return items.length ? Math.max(...items) : null;
  }
  return null;
}

function roleOf(name: string): TensorRole {
  // Gemma 3n's per-layer token table: read by row and placed like token_embd.
  if (name === 'token_embd.weight' || name === 'per_layer_token_embd.weight') return 'token_embd';
  if (name === 'output.weight') return 'output';
  if (name.endsWith('.bias')) return 'bias';
  if (name.includes('norm')) return 'norm';
  if (name.includes('ffn_gate_inp')) return 'ffn_gate_inp';
  if (/\.attn_qkv\./.test(name)) return 'attn_qkv';
  if (/\.attn_q\./.test(name)) return 'attn_q';
  if (/\.attn_k\./.test(name)) return 'attn_k';
  if (/\.attn_v\./.test(name)) return 'attn_v';
  if (/\.attn_output\./.test(name)) return 'attn_output';
  if (name.includes('ffn_gate')) return 'ffn_gate';
  if (name.includes('ffn_up')) return 'ffn_up';
  if (name.includes('ffn_down')) return 'ffn_down';
  return 'other';
}

/** The ggml type holding most of the matrix (2D and up) bytes: what a file is "mostly"; undefined with no matrices. Ties go to the first. */
export function dominantTensorType(
  tensors: readonly { readonly typeName: string; readonly bytes: number; readonly dims: readonly number[] }[],
): string | undefined {
  const bytesByType = new Map<string, number>();
  for (const t of tensors) if (t.dims.length >= 2) bytesByType.set(t.typeName, (bytesByType.get(t.typeName) ?? 0) + t.bytes);
  let top: string | undefined;
  let topBytes = -1;
  for (const [type, bytes] of bytesByType) if (bytes > topBytes) [top, topBytes] = [type, bytes];
  return top;
}

/** Without general.file_type, name the file by the type holding most of its matrix bytes ("mostly F32"). */
function dominantType(header: GgufHeader): string {
  const top = dominantTensorType(header.tensors);
  return top ? `mostly ${top}` : 'unknown';
}

export function modelFromGguf(header: GgufHeader): GgufModel {
  const meta = header.metadata;
  const architecture = typeof meta.get('general.architecture') === 'string' ? (meta.get('general.architecture') as string) : null;
  if (!architecture)
    throw new GgufError(
      'The file has no general.architecture: it is not a model llama.cpp can load. Download the model again or pick another file.',
      'corrupt',
    );
  const key = (suffix: string): number | null => num(meta.get(`${architecture}.${suffix}`));
  const tensors: TensorSpec[] = header.tensors.map((t) => {
    const m = /^blk\.(\d+)\./.exec(t.name);
    return {
      name: t.name,
      dims: t.dims,
      // Gemma 3n's per-layer projection is created as block 0's (tn(..., "weight", 0)), on that block's device.
      layer: m ? Number(m[1]) : /^per_layer_(model_proj|proj_norm)\./.test(t.name) ? 0 : null,
      role: roleOf(t.name),
      // Routed experts are the stacked ffn_*_exps tensors; other 3D tensors (DeepSeek's attn_k_b and
      // attn_v_b, one slice per head) are read whole every token.
      experts: t.dims.length >= 3 && /_exps\./.test(t.name) ? (t.dims[2] ?? 1) : 1,
    };
  });
  const types = header.tensors.map((t) => t.typeName);
  const embd = tensors.find((t) => t.name === 'token_embd.weight');
  const layers = key('block_count') ?? Math.max(0, ...tensors.map((t) => (t.layer ?? -1) + 1));
  const hiddenSize = key('embedding_length') ?? embd?.dims[0] ?? 0;
  const heads = key('attention.head_count') ?? 1;
  const kvHeads = key('attention.head_count_kv') ?? heads;
  const keyLength = key('attention.key_length');
  const valueLength = key('attention.value_length');
  const headDim =
    keyLength !== null && valueLength !== null
      ? (keyLength + valueLength) / 2
      : (keyLength ?? (heads > 0 ? hiddenSize / heads : hiddenSize));
  const vocabSize =
    key('vocab_size') ?? embd?.dims[1] ?? (meta.get('tokenizer.ggml.tokens') as { length?: number } | undefined)?.length ?? 0;
  const expertCount = key('expert_count') ?? 0;
  const expertUsed = key('expert_used_count') ?? 0;
  const ffnSize = key('expert_feed_forward_length') ?? key('feed_forward_length') ?? 0;
  const window = key('attention.sliding_window');
  if (!layers || !hiddenSize) {
    throw new GgufError(
      `The file's ${architecture}.block_count or embedding_length is missing: llama.cpp cannot load it. Pick another file.`,
      'corrupt',
    );
  }
  const period = architecture === 'gemma2' ? 2 : architecture === 'gemma3' ? 6 : null;
  const shape: ModelShape = {
    arch: isModelArch(architecture) ? architecture : 'llama',
    layers,
    hiddenSize,
    ffnSize: Math.max(1, ffnSize),
    ffnType: tensors.some((t) => t.role === 'ffn_gate') ? 'gated' : 'plain',
    heads,
    kvHeads,
    headDim,
    vocabSize,
    tiedEmbeddings: !tensors.some((t) => t.role === 'output'),
    ...(expertCount > 1 ? { experts: { count: expertCount, active: Math.max(1, expertUsed), shared: 0, denseLayers: 0 } } : {}),
    ...(window && period ? { slidingWindow: { windowTokens: window, period, globalPerPeriod: 1 } } : {}),
    ...archShapeFromGguf(architecture, key, meta, tensors),
  };
  // gpt-oss's experts come in MXFP4 from its authors and stay so in every file (see the catalog's moeLayout.expertsType).
  const expertTypes = types.filter((_, i) => (tensors[i]?.experts ?? 1) > 1);
  if (shape.arch === 'gpt-oss' && expertTypes.length > 0 && expertTypes.every((t) => t === 'MXFP4'))
    shape.moeLayout = { ...shape.moeLayout, expertsType: 'MXFP4' };
  const fileTypeId = num(meta.get('general.file_type'));
  const precisionName = fileTypeId !== null ? (llamaFtypeName(fileTypeId) ?? `ftype ${fileTypeId}`) : dominantType(header);
  const name = meta.get('general.name');
  return {
    architecture,
    name: typeof name === 'string' ? name : null,
    shape,
    tensors,
    types,
    maxContext: key('context_length') ?? 2048,
    parameterCount: tensors.reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0),
    precisionName,
    precision: isPrecision(precisionName) ? precisionName : null,
    tensorBytes: header.tensors.reduce((s, t) => s + t.bytes, 0),
  };
}
