// Gemma 4 (gemma4) 31B and 26B-A4B: five sliding-window layers, then one global layer with its own head
// size and KV head count (global_head_dim, num_global_key_value_heads); with attention_k_eq_v the global
// layers have no V projection. Tensors: src/models/gemma4.cpp, load_arch_tensors; keys: load_arch_hparams
// and conversion/gemma.py (Gemma4Model) of llama.cpp 80fb11a. E2B/E4B files are sized from their own tensors
// (per-layer embeddings included) with their shared-KV layers caching nothing; their tensor list is not built here.
import type { ArchHook } from './index';
import type { KvType } from '../../shared/precision';
import type { ModelShape, TensorSpec } from '../tensors';
import { perLayerArray } from './recurrent-state';
import { KV_ELEMENT_BYTES, padCells, TensorListBuilder } from './tensor-builder';

type GlobalAttention = NonNullable<ModelShape['globalAttention']>;

const UBATCH_TOKENS = 512;

function covers(shape: ModelShape): GlobalAttention | null {
  return shape.arch === 'gemma4' && shape.globalAttention ? shape.globalAttention : null;
}

/** Global layers: the last of every sliding-window period (estimate.ts's rule), all of them without a window. */
function isGlobalLayer(shape: ModelShape, i: number): boolean {
  const sw = shape.slidingWindow;
  if (!sw || sw.period <= 0) return true;
  return i % sw.period >= sw.period - sw.globalPerPeriod;
}

function gemma4Tensors(shape: ModelShape, g: GlobalAttention): TensorSpec[] {
  const b = new TensorListBuilder();
  const h = shape.hiddenSize;
  b.add('token_embd.weight', [h, shape.vocabSize], null, 'token_embd');
  // Proportional RoPE of the global layers: one table of global_head_dim / 2 factors (generate_extra_tensors).
  b.add('rope_freqs.weight', [g.headDim / 2], null, 'other');
  const moe = shape.experts;
  for (let i = 0; i < shape.layers; i++) {
    const blk = `blk.${i}`;
    const global = isGlobalLayer(shape, i);
    const headDim = global ? g.headDim : shape.headDim;
    const kvDim = (global ? g.kvHeads : shape.kvHeads) * headDim;
    const qDim = shape.heads * headDim;
    b.add(`${blk}.attn_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.attn_q.weight`, [h, qDim], i, 'attn_q');
    b.add(`${blk}.attn_k.weight`, [h, kvDim], i, 'attn_k');
    if (!(global && g.valueFromKey)) b.add(`${blk}.attn_v.weight`, [h, kvDim], i, 'attn_v');
    b.add(`${blk}.attn_output.weight`, [qDim, h], i, 'attn_output');
    b.add(`${blk}.attn_q_norm.weight`, [headDim], i, 'norm');
    b.add(`${blk}.attn_k_norm.weight`, [headDim], i, 'norm');
    b.add(`${blk}.post_attention_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.layer_output_scale.weight`, [1], i, 'other'); // layer_scalar
    // Every block has a dense FFN; in the MoE it runs beside the experts, as a shared expert of its own width.
    const dense = moe ? (moe.sharedFfnSize ?? shape.ffnSize) : shape.ffnSize;
    b.add(`${blk}.ffn_norm.weight`, [h], i, 'norm');
    b.add(`${blk}.ffn_gate.weight`, [h, dense], i, 'ffn_gate');
    b.add(`${blk}.ffn_up.weight`, [h, dense], i, 'ffn_up');
    b.add(`${blk}.ffn_down.weight`, [dense, h], i, 'ffn_down');
    b.add(`${blk}.post_ffw_norm.weight`, [h], i, 'norm');
    if (moe) {
      const n = moe.count;
      b.add(`${blk}.ffn_gate_inp.weight`, [h, n], i, 'ffn_gate_inp');
      b.add(`${blk}.ffn_gate_inp.scale`, [h], i, 'other');
      b.add(`${blk}.pre_ffw_norm_2.weight`, [h], i, 'norm');
      b.add(`${blk}.post_ffw_norm_1.weight`, [h], i, 'norm');
      b.add(`${blk}.post_ffw_norm_2.weight`, [h], i, 'norm');
      b.add(`${blk}.ffn_gate_up_exps.weight`, [h, 2 * shape.ffnSize, n], i, 'ffn_up', n);
      b.add(`${blk}.ffn_down_exps.weight`, [shape.ffnSize, h, n], i, 'ffn_down', n);
      b.add(`${blk}.ffn_down_exps.scale`, [n], i, 'other'); // router.per_expert_scale
    }
  }
  b.add('output_norm.weight', [h], null, 'norm');
  if (!shape.tiedEmbeddings) b.add('output.weight', [h, shape.vocabSize], null, 'output');
  return b.list;
}

/**
 * K and V cells per layer (llama-kv-cache-iswa.cpp): global layers the padded context, sliding layers
 * GGML_PAD(min(context, window + n_ubatch), 256), node-llama-cpp asking one token more; each layer's cell
 * holds K and V of n_head_kv(il) x n_embd_head_k(il) values (llama_hparams::n_embd_k_gqa(il)). With flash
 * attention (the default) V is not transposed, so each layer keeps its own width, not the widest.
 */
export function gemma4CacheBytesPerLayer(
  shape: ModelShape,
  g: GlobalAttention,
  contextTokens: number,
  kvType: KvType,
  runtime: string,
): number[] {
  const padded = padCells(contextTokens);
  const window = shape.slidingWindow?.windowTokens ?? contextTokens;
  const ubatch = UBATCH_TOKENS + (runtime === 'node-llama-cpp' ? 1 : 0);
  const swaCells = padCells(Math.min(padded, window + ubatch));
  // llama_hparams::has_kv: layers from n_layer - shared_kv_layers on keep no cache of their own.
  const kvLayers = shape.layers - (g.kvSharedLayers ?? 0);
  return Array.from({ length: shape.layers }, (_, i) => {
    if (i >= kvLayers) return 0;
    const global = isGlobalLayer(shape, i);
    const perCell = 2 * (global ? g.kvHeads * g.headDim : shape.kvHeads * shape.headDim) * KV_ELEMENT_BYTES[kvType];
    return (global ? padded : swaCells) * perCell;
  });
}

export const gemma4Hook: ArchHook = {
  tensors(shape) {
    const g = covers(shape);
    return g ? gemma4Tensors(shape, g) : null;
  },
  cacheBytesPerLayer(shape, contextTokens, kvType, runtime) {
    const g = covers(shape);
    return g ? gemma4CacheBytesPerLayer(shape, g, contextTokens, kvType, runtime) : null;
  },
  shapeFromGguf(architecture, key, meta, tensors) {
    if (architecture !== 'gemma4') return null;
    // key_length is the global layers' head size, key_length_swa the sliding layers' (Gemma4Model.set_gguf_parameters).
    const globalHeadDim = key('attention.key_length');
    const swaHeadDim = key('attention.key_length_swa');
    const swaFlags = perLayerArray(meta.get('gemma4.attention.sliding_window_pattern'));
    const kvPerLayer = perLayerArray(meta.get('gemma4.attention.head_count_kv'));
    if (!globalHeadDim || !swaHeadDim || !swaFlags) return null;
    const firstGlobal = swaFlags.findIndex((f) => !f);
    const period = firstGlobal >= 0 ? firstGlobal + 1 : swaFlags.length;
    const kvOf = (global: boolean): number | null => {
      const i = swaFlags.findIndex((f) => (global ? !f : !!f));
      return kvPerLayer && i >= 0 ? (kvPerLayer[i] ?? null) : null;
    };
    const globalKv = kvOf(true) ?? key('attention.head_count_kv') ?? 1;
    const swaKv = kvOf(false) ?? globalKv;
    const globalV = firstGlobal >= 0 && tensors.some((t) => t.name === `blk.${firstGlobal}.attn_v.weight`);
    const denseFfn = key('feed_forward_length');
    const expertFfn = key('expert_feed_forward_length');
    const expertCount = key('expert_count') ?? 0;
    const shared = key('attention.shared_kv_layers') ?? 0;
    return {
      headDim: swaHeadDim,
      kvHeads: swaKv,
      globalAttention: {
        headDim: globalHeadDim,
        kvHeads: globalKv,
        ...(globalV ? {} : { valueFromKey: true }),
        ...(shared > 0 ? { kvSharedLayers: shared } : {}),
      },
      slidingWindow: { windowTokens: key('attention.sliding_window') ?? 1024, period, globalPerPeriod: 1 },
      ...(expertCount > 1 && expertFfn
        ? {
            ffnSize: expertFfn,
            experts: {
              count: expertCount,
              active: Math.max(1, key('expert_used_count') ?? 1),
              shared: 1,
              ...(denseFfn ? { sharedFfnSize: denseFfn } : {}),
              denseLayers: 0,
            },
          }
        : {}),
    };
  },
};
