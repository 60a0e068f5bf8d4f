// Mamba-2 hybrids: Granite 4.0 H (granitehybrid) and Nemotron-H (nemotron_h). Most blocks run a
// Mamba-2 mixer with a fixed state per sequence; a few run attention with a KV cache.
// Tensors: src/models/granite-hybrid.cpp and src/models/nemotron-h.cpp, load_arch_tensors (llama.cpp 80fb11a).
import type { ArchHook } from './index';
import type { ModelShape, TensorSpec } from '../tensors';
import {
  addDenseFfn,
  addMoeFfn,
  hybridCacheBytesPerLayer,
  hybridTensors,
  nonZeroLayers,
  perLayerArray,
  sharedExpertMoeFromGguf,
  type Recurrent,
} from './recurrent-state';
import type { TensorListBuilder } from './tensor-builder';

const ARCHS = new Set(['granitehybrid', 'nemotron_h']);

function covers(shape: ModelShape): Recurrent | null {
  return ARCHS.has(shape.arch) && shape.recurrent?.kind === 'mamba2' ? shape.recurrent : null;
}

/** One Mamba-2 mixer (load_arch_tensors' "ssm layers" branch, the same in both files). */
function addMamba2Mixer(b: TensorListBuilder, shape: ModelShape, rec: Recurrent, i: number): void {
  const h = shape.hiddenSize;
  const { innerSize: dInner, stateSize: dState, groups: nGroup, heads: nHead, convKernel } = rec;
  const convChannels = dInner + 2 * nGroup * dState;
  // in_proj yields z, x, B, C and dt at once: d_in_proj = 2 d_inner + 2 n_group d_state + n_head.
  const dInProj = 2 * dInner + 2 * nGroup * dState + nHead;
  const blk = `blk.${i}`;
  b.add(`${blk}.ssm_in.weight`, [h, dInProj], i, 'other');
  // The converter keeps ssm_conv1d in F32 and llama-quantize never quantizes it (llama-quant.cpp).
  b.add(`${blk}.ssm_conv1d.weight`, [convKernel, convChannels], i, 'other');
  b.add(`${blk}.ssm_conv1d.bias`, [convChannels], i, 'bias'); // mamba_conv_bias: true in every released config
  b.add(`${blk}.ssm_dt.bias`, [nHead], i, 'bias');
  b.add(`${blk}.ssm_a`, [1, nHead], i, 'other'); // no ".weight": never quantized
  b.add(`${blk}.ssm_d`, [1, nHead], i, 'other');
  b.add(`${blk}.ssm_norm.weight`, [dInner / nGroup, nGroup], i, 'norm');
  b.add(`${blk}.ssm_out.weight`, [dInner, h], i, 'other');
}

function addAttention(b: TensorListBuilder, shape: ModelShape, i: number): void {
  const h = shape.hiddenSize;
  const qDim = shape.heads * shape.headDim;
  const kvDim = shape.kvHeads * shape.headDim;
  const blk = `blk.${i}`;
  b.add(`${blk}.attn_q.weight`, [h, qDim], i, 'attn_q');
  b.add(`${blk}.attn_k.weight`, [h, kvDim], i, 'attn_k');
  b.add(`${blk}.attn_v.weight`, [h, kvDim], i, 'attn_v');
  b.add(`${blk}.attn_output.weight`, [qDim, h], i, 'attn_output');
}

function graniteHybridTensors(shape: ModelShape, rec: Recurrent): TensorSpec[] {
  return hybridTensors(shape, rec, (b, kind, i) => {
    if (kind === 'attention') addAttention(b, shape, i);
    else addMamba2Mixer(b, shape, rec, i);
    // Every block has an FFN after its mixer: MoE with one shared expert (H Small, H Tiny) or dense (H Micro).
    b.add(`blk.${i}.ffn_norm.weight`, [shape.hiddenSize], i, 'norm');
    if (shape.experts) addMoeFfn(b, shape, i, false);
    else addDenseFfn(b, shape, i);
  });
}

/** Nemotron-H: each block is one of Mamba-2 ("M"), attention ("*") or a squared-ReLU MLP ("-", up and down only). */
function nemotronHTensors(shape: ModelShape, rec: Recurrent): TensorSpec[] {
  // "all blocks use the attn norm" (hybridTensors adds it).
  return hybridTensors(shape, rec, (b, kind, i) => {
    if (kind === 'attention') addAttention(b, shape, i);
    else if (kind === 'recurrent') addMamba2Mixer(b, shape, rec, i);
    else {
      b.add(`blk.${i}.ffn_up.weight`, [shape.hiddenSize, shape.ffnSize], i, 'ffn_up');
      b.add(`blk.${i}.ffn_down.weight`, [shape.ffnSize, shape.hiddenSize], i, 'ffn_down');
    }
  });
}

export const mamba2HybridHook: ArchHook = {
  tensors(shape) {
    const rec = covers(shape);
    if (!rec) return null;
    return shape.arch === 'nemotron_h' ? nemotronHTensors(shape, rec) : graniteHybridTensors(shape, rec);
  },
  cacheBytesPerLayer(shape, contextTokens, kvType) {
    return covers(shape) ? hybridCacheBytesPerLayer(shape, contextTokens, kvType) : null;
  },
  shapeFromGguf(architecture, key, meta, tensors) {
    if (!ARCHS.has(architecture)) return null;
    const layers = key('block_count') ?? 0;
    // The converters write head_count_kv per layer, 0 on Mamba-2 blocks (granite.py, GraniteHybridModel);
    // Nemotron-H also writes feed_forward_length per layer, non-zero on MLP blocks only (nemotron-h.cpp, load_arch_hparams).
    const kvPerLayer = perLayerArray(meta.get(`${architecture}.attention.head_count_kv`));
    const ffPerLayer = architecture === 'nemotron_h' ? perLayerArray(meta.get(`${architecture}.feed_forward_length`)) : null;
    const attentionLayers = kvPerLayer ? nonZeroLayers(kvPerLayer) : Array.from({ length: layers }, (_, i) => i);
    const mlpLayers = ffPerLayer ? nonZeroLayers(ffPerLayer).filter((i) => !attentionLayers.includes(i)) : undefined;
    const recurrent: Recurrent = {
      kind: 'mamba2',
      attentionLayers,
      ...(mlpLayers ? { mlpLayers } : {}),
      convKernel: key('ssm.conv_kernel') ?? 4,
      stateSize: key('ssm.state_size') ?? 128,
      innerSize: key('ssm.inner_size') ?? 2 * (key('embedding_length') ?? 0),
      groups: key('ssm.group_count') ?? 1,
      heads: key('ssm.time_step_rank') ?? 1,
    };
    return {
      recurrent,
      ...sharedExpertMoeFromGguf(key, tensors),
    };
  },
};
