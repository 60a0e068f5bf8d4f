// Gated delta net hybrids: Qwen3-Next (qwen3next), Qwen3.5 dense (qwen35) and MoE (qwen35moe). Three of
// every four blocks run linear attention (a gated delta net with a fixed state per sequence), the
// fourth gated full attention (queries twice as wide: the second half gates the output).
// Tensors: src/models/qwen3next.cpp, qwen35.cpp, qwen35moe.cpp, load_arch_tensors (llama.cpp 80fb11a).
// The converter (conversion/qwen.py) appends the MTP block as an extra block by default; published
// GGUFs of these models mostly predate that, and llama.cpp skips it unless asked, so it is left out here.
import type { ArchHook } from './index';
import type { ModelShape, TensorSpec } from '../tensors';
import {
  addDenseFfn,
  addMoeFfn,
  hybridCacheBytesPerLayer,
  hybridTensors,
  perLayerArray,
  sharedExpertMoeFromGguf,
  type Recurrent,
} from './recurrent-state';
import type { TensorListBuilder } from './tensor-builder';

const ARCHS = new Set(['qwen3next', 'qwen35', 'qwen35moe']);

function covers(shape: ModelShape): Recurrent | null {
  return ARCHS.has(shape.arch) && shape.recurrent?.kind === 'gated-delta-net' ? shape.recurrent : null;
}

function addLinearAttention(b: TensorListBuilder, shape: ModelShape, rec: Recurrent, i: number): void {
  const h = shape.hiddenSize;
  // llama.cpp derives every width from the ssm.* keys: head_k_dim = head_v_dim = d_state,
  // k heads = n_group, v heads = dt_rank (time_step_rank).
  const headDim = rec.stateSize;
  const keyDim = headDim * rec.groups;
  const valueDim = headDim * rec.heads;
  const blk = `blk.${i}`;
  b.add(`${blk}.attn_qkv.weight`, [h, 2 * keyDim + valueDim], i, 'attn_qkv');
  b.add(`${blk}.attn_gate.weight`, [h, valueDim], i, 'other'); // z
  b.add(`${blk}.ssm_conv1d.weight`, [rec.convKernel, 2 * keyDim + valueDim], i, 'other');
  b.add(`${blk}.ssm_dt.bias`, [rec.heads], i, 'bias');
  b.add(`${blk}.ssm_a`, [rec.heads], i, 'other');
  if (shape.arch === 'qwen3next') b.add(`${blk}.ssm_ba.weight`, [h, 2 * rec.heads], i, 'other');
  else {
    b.add(`${blk}.ssm_beta.weight`, [h, rec.heads], i, 'other');
    b.add(`${blk}.ssm_alpha.weight`, [h, rec.heads], i, 'other');
  }
  b.add(`${blk}.ssm_norm.weight`, [headDim], i, 'norm');
  b.add(`${blk}.ssm_out.weight`, [valueDim, h], i, 'other');
}

function addGatedAttention(b: TensorListBuilder, shape: ModelShape, i: number): void {
  const h = shape.hiddenSize;
  const qDim = shape.heads * shape.headDim;
  const kvDim = shape.kvHeads * shape.headDim;
  const blk = `blk.${i}`;
  b.add(`${blk}.attn_q.weight`, [h, 2 * qDim], i, 'attn_q'); // query and output gate
  b.add(`${blk}.attn_k.weight`, [h, kvDim], i, 'attn_k');
  b.add(`${blk}.attn_v.weight`, [h, kvDim], i, 'attn_v');
  b.add(`${blk}.attn_output.weight`, [qDim, h], i, 'attn_output');
  b.add(`${blk}.attn_q_norm.weight`, [shape.headDim], i, 'norm');
  b.add(`${blk}.attn_k_norm.weight`, [shape.headDim], i, 'norm');
}

function gatedDeltaNetTensors(shape: ModelShape, rec: Recurrent): TensorSpec[] {
  return hybridTensors(shape, rec, (b, kind, i) => {
    b.add(`blk.${i}.post_attention_norm.weight`, [shape.hiddenSize], i, 'norm');
    if (kind === 'attention') addGatedAttention(b, shape, i);
    else addLinearAttention(b, shape, rec, i);
    if (shape.experts) addMoeFfn(b, shape, i, true);
    else addDenseFfn(b, shape, i);
  });
}

/** The attention blocks for a full_attention_interval k: blocks i with (i + 1) % k == 0 (load_arch_hparams). */
function attentionLayersForInterval(layers: number, interval: number): number[] {
  return Array.from({ length: layers }, (_, i) => i).filter((i) => (i + 1) % interval === 0);
}

export const gatedDeltaNetHook: ArchHook = {
  tensors(shape) {
    const rec = covers(shape);
    return rec ? gatedDeltaNetTensors(shape, rec) : null;
  },
  cacheBytesPerLayer(shape, contextTokens, kvType) {
    return covers(shape) ? hybridCacheBytesPerLayer(shape, contextTokens, kvType) : null;
  },
  shapeFromGguf(architecture, key, meta, tensors) {
    if (!ARCHS.has(architecture)) return null;
    // Trunk blocks only: block_count includes appended MTP blocks (nextn_predict_layers).
    const layers = (key('block_count') ?? 0) - (key('nextn_predict_layers') ?? 0);
    const recurrentFlags = perLayerArray(meta.get(`${architecture}.attention.recurrent_layers`));
    const attentionLayers = recurrentFlags
      ? Array.from({ length: layers }, (_, i) => i).filter((i) => !recurrentFlags[i])
      : attentionLayersForInterval(layers, key('full_attention_interval') ?? 4);
    const recurrent: Recurrent = {
      kind: 'gated-delta-net',
      attentionLayers,
      convKernel: key('ssm.conv_kernel') ?? 4,
      stateSize: key('ssm.state_size') ?? 128,
      innerSize: key('ssm.inner_size') ?? 0,
      groups: key('ssm.group_count') ?? 1,
      heads: key('ssm.time_step_rank') ?? 1,
    };
    return {
      layers,
      recurrent,
      ...sharedExpertMoeFromGguf(key, tensors),
    };
  },
};
