// What the hybrids with a recurrent mixer (mamba2-hybrid.ts, gated-delta-net.ts) share: which block
// does what, the fixed state a recurrent block keeps, and the per-block cache that llama.cpp's
// llama_memory_hybrid allocates (src/llama-memory-hybrid.cpp, src/llama-memory-recurrent.cpp).
import type { KvType } from '../../shared/precision';
import type { GgufValue } from '../gguf-types';
import type { ModelShape } from '../tensors';
import type { TensorSpec } from '../tensors';
import { KV_ELEMENT_BYTES, padCells, TensorListBuilder } from './tensor-builder';

export type Recurrent = NonNullable<ModelShape['recurrent']>;
export type BlockKind = 'attention' | 'recurrent' | 'mlp';

/** llama.cpp allocates both recurrent tensors as GGML_TYPE_F32 (llama-model.cpp, create_memory: recurrent_type_k/v). */
const STATE_BYTES_PER_VALUE = 4;

function blockKinds(shape: ModelShape, rec: Recurrent): BlockKind[] {
  const attention = new Set(rec.attentionLayers);
  const mlp = new Set(rec.mlpLayers ?? []);
  return Array.from({ length: shape.layers }, (_, i) => (attention.has(i) ? 'attention' : mlp.has(i) ? 'mlp' : 'recurrent'));
}

/**
 * Bytes of state one recurrent block keeps per sequence: llama_hparams::n_embd_r() conv values,
 * (d_conv - 1) x (d_inner + 2 x n_group x d_state), and n_embd_s() SSM values, d_state x d_inner
 * (llama-hparams.cpp), both F32. For a gated delta net the converter writes d_state = head_k_dim,
 * d_inner = v_heads x head_v_dim and n_group = k_heads, so the conv covers q, k and v (2 x key_dim +
 * value_dim channels) and the state is one head_k_dim x head_v_dim matrix per value head.
 */
export function recurrentStateBytesPerSequence(rec: Recurrent): number {
  const convValues = (rec.convKernel - 1) * (rec.innerSize + 2 * rec.groups * rec.stateSize);
  const ssmValues = rec.stateSize * rec.innerSize;
  return (convValues + ssmValues) * STATE_BYTES_PER_VALUE;
}

/**
 * The cache of each block for one sequence: K and V cells of the padded context on attention blocks
 * only (llama_memory_hybrid's filter_attn), the fixed recurrent state on recurrent blocks
 * (filter_recr; rs_size = max(1, n_seq_max) cells, one per sequence), nothing on MLP-only blocks.
 */
export function hybridCacheBytesPerLayer(shape: ModelShape, contextTokens: number, kvType: KvType): number[] | null {
  const rec = shape.recurrent;
  if (!rec) return null;
  const cells = padCells(contextTokens);
  const kvPerCell = 2 * shape.kvHeads * shape.headDim * KV_ELEMENT_BYTES[kvType];
  const state = recurrentStateBytesPerSequence(rec);
  return blockKinds(shape, rec).map((kind) => (kind === 'attention' ? cells * kvPerCell : kind === 'recurrent' ? state : 0));
}

/** A dense gated FFN of ffnSize as the hybrids' converters write it: gate, up, down. */
/**
 * A hybrid's tensor list: the input embedding, each block's norm (attn_norm, which every hybrid
 * block has) and what `addBlock` adds for its kind, then the output norm and, when untied, the output.
 */
export function hybridTensors(
  shape: ModelShape,
  rec: Recurrent,
  addBlock: (b: TensorListBuilder, kind: BlockKind, i: number) => void,
): TensorSpec[] {
  const b = new TensorListBuilder();
  const h = shape.hiddenSize;
  b.add('token_embd.weight', [h, shape.vocabSize], null, 'token_embd');
  blockKinds(shape, rec).forEach((kind, i) => {
    b.add(`blk.${i}.attn_norm.weight`, [h], i, 'norm');
    addBlock(b, kind, i);
  });
  b.add('output_norm.weight', [h], null, 'norm');
  if (!shape.tiedEmbeddings) b.add('output.weight', [h, shape.vocabSize], null, 'output');
  return b.list;
}

/**
 * The experts of a hybrid read from a GGUF: routed experts plus one shared expert (ffn_*_shexp
 * tensors), or nothing for a dense one (Granite H Micro, Qwen3.5 dense).
 */
export function sharedExpertMoeFromGguf(
  key: (suffix: string) => number | null,
  tensors: readonly TensorSpec[],
): Pick<ModelShape, 'experts'> | Record<string, never> {
  const count = key('expert_count') ?? 0;
  if (count <= 1 || !tensors.some((t) => t.name.includes('ffn_up_shexp'))) return {};
  const sharedFfn = key('expert_shared_feed_forward_length');
  return {
    experts: {
      count,
      active: Math.max(1, key('expert_used_count') ?? 1),
      shared: 1,
      ...(sharedFfn ? { sharedFfnSize: sharedFfn } : {}),
      denseLayers: 0,
    },
  };
}

export function addDenseFfn(b: TensorListBuilder, shape: ModelShape, i: number): void {
  const h = shape.hiddenSize;
  b.add(`blk.${i}.ffn_gate.weight`, [h, shape.ffnSize], i, 'ffn_gate');
  b.add(`blk.${i}.ffn_up.weight`, [h, shape.ffnSize], i, 'ffn_up');
  b.add(`blk.${i}.ffn_down.weight`, [shape.ffnSize, h], i, 'ffn_down');
}

/** The routed experts (and shared expert) of one MoE block, as llama.cpp names them. */
export function addMoeFfn(b: TensorListBuilder, shape: ModelShape, i: number, withSharedGate: boolean): void {
  const moe = shape.experts;
  if (!moe) return;
  const h = shape.hiddenSize;
  const n = moe.count;
  const blk = `blk.${i}`;
  b.add(`${blk}.ffn_gate_inp.weight`, [h, n], i, 'ffn_gate_inp');
  b.add(`${blk}.ffn_gate_exps.weight`, [h, shape.ffnSize, n], i, 'ffn_gate', n);
  b.add(`${blk}.ffn_up_exps.weight`, [h, shape.ffnSize, n], i, 'ffn_up', n);
  b.add(`${blk}.ffn_down_exps.weight`, [shape.ffnSize, h, n], i, 'ffn_down', n);
  if ((moe.shared ?? 0) > 0) {
    const sw = (moe.sharedFfnSize ?? shape.ffnSize) * (moe.shared ?? 0);
    // Qwen3-Next / Qwen3.5 MoE gate their shared expert with a sigmoid of one learned row.
    if (withSharedGate) b.add(`${blk}.ffn_gate_inp_shexp.weight`, [h], i, 'other');
    b.add(`${blk}.ffn_gate_shexp.weight`, [h, sw], i, 'ffn_gate');
    b.add(`${blk}.ffn_up_shexp.weight`, [h, sw], i, 'ffn_up');
    b.add(`${blk}.ffn_down_shexp.weight`, [sw, h], i, 'ffn_down');
  }
}

/** A per-layer GGUF array (e.g. attention.head_count_kv) as numbers, or null when the key is a scalar or absent. */
export function perLayerArray(value: GgufValue | undefined): number[] | null {
  if (!value || typeof value !== 'object' || !('items' in value)) return null;
  return value.items.map((v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0));
}

/** Indices where a per-layer array is non-zero. */
export function nonZeroLayers(values: readonly number[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v > 0) out.push(i);
  });
  return out;
}

/**
 * The cache line of a report's breakdown for a hybrid, or null for other shapes: KV on the attention
 * blocks only, plus the fixed recurrent state (e.g. "KV cache 2 x 4 attention layers x 8 KV heads x 128 x
 * 4096 tokens at f16, plus a fixed state of 147.5 MiB per sequence (36 Mamba-2 layers, F32)").
 */
export function hybridCacheDetail(shape: ModelShape, contextTokens: number, kvType: KvType): string | null {
  const rec = shape.recurrent;
  if (!rec) return null;
  const kinds = blockKinds(shape, rec);
  const attention = kinds.filter((k) => k === 'attention').length;
  const recurrent = kinds.filter((k) => k === 'recurrent').length;
  const stateMiB = (recurrentStateBytesPerSequence(rec) * recurrent) / 2 ** 20;
  const mixer = rec.kind === 'mamba2' ? 'Mamba-2' : 'gated delta net';
  return (
    `KV cache 2 x ${attention} attention layers x ${shape.kvHeads} KV heads x ${shape.headDim} x ${contextTokens} tokens at ${kvType}, ` +
    `plus a fixed state of ${stateMiB.toFixed(1)} MiB per sequence (${recurrent} ${mixer} layers, F32, whatever the context)`
  );
}
