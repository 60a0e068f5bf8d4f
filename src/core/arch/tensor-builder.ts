// Shared by the architecture hooks: a tensor list in the converter's order, and the KV cell counts
// llama.cpp allocates (a hook module imports only types from index.ts, so nothing here may import it).
import type { KvType } from '../../shared/precision';
import type { TensorRole, TensorSpec } from '../tensors';

/** Bytes of one cached element (ggml_row_size: q8_0 is 34 bytes per 32, q4_0 18 per 32). */
export const KV_ELEMENT_BYTES: Record<KvType, number> = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

/** llama.cpp pads a unified KV cache to a multiple of 256 cells. */
const KV_PAD_CELLS = 256;

export const padCells = (cells: number): number => Math.ceil(cells / KV_PAD_CELLS) * KV_PAD_CELLS;

export class TensorListBuilder {
  readonly list: TensorSpec[] = [];
  add(name: string, dims: number[], layer: number | null, role: TensorRole, experts = 1): void {
    this.list.push({ name, dims, layer, role, experts });
  }
  /**
   * output_norm and (untied) output, written last as tensors.ts writes them: llama.cpp maps the span from
   * the first to the last tensor it does not repack, so where they sit moves the mapped size.
   */
  addOutput(hidden: number, vocab: number, tied: boolean): void {
    this.add('output_norm.weight', [hidden], null, 'norm');
    if (!tied) this.add('output.weight', [hidden, vocab], null, 'output');
  }
  /** A routed-expert block: router, then gate/down/up stacked over `count` experts (llama-model.cpp order). */
  /** Separate q, k and v projections with their biases (create_tensor_qkv), and the output projection. */
  addBiasedAttention(blk: string, layer: number, hidden: number, qDim: number, kvDim: number): void {
    this.add(`${blk}.attn_q.weight`, [hidden, qDim], layer, 'attn_q');
    this.add(`${blk}.attn_k.weight`, [hidden, kvDim], layer, 'attn_k');
    this.add(`${blk}.attn_v.weight`, [hidden, kvDim], layer, 'attn_v');
    this.add(`${blk}.attn_q.bias`, [qDim], layer, 'bias');
    this.add(`${blk}.attn_k.bias`, [kvDim], layer, 'bias');
    this.add(`${blk}.attn_v.bias`, [kvDim], layer, 'bias');
    this.add(`${blk}.attn_output.weight`, [qDim, hidden], layer, 'attn_output');
  }
  /** The router, with `selectionBias` its per-expert correction bias (noaux_tc routing: exp_probs_b), then the experts. */
  addRoutedExperts(blk: string, layer: number, hidden: number, ffn: number, count: number, selectionBias = false): void {
    this.add(`${blk}.ffn_gate_inp.weight`, [hidden, count], layer, 'ffn_gate_inp');
    if (selectionBias) this.add(`${blk}.exp_probs_b.bias`, [count], layer, 'bias');
    this.add(`${blk}.ffn_gate_exps.weight`, [hidden, ffn, count], layer, 'ffn_gate', count);
    this.add(`${blk}.ffn_down_exps.weight`, [ffn, hidden, count], layer, 'ffn_down', count);
    this.add(`${blk}.ffn_up_exps.weight`, [hidden, ffn, count], layer, 'ffn_up', count);
  }
  /** A gated FFN of `width` (a dense block, or the shared expert with suffix "_shexp"). */
  addGatedFfn(blk: string, layer: number, hidden: number, width: number, suffix = ''): void {
    this.add(`${blk}.ffn_gate${suffix}.weight`, [hidden, width], layer, 'ffn_gate');
    this.add(`${blk}.ffn_down${suffix}.weight`, [width, hidden], layer, 'ffn_down');
    this.add(`${blk}.ffn_up${suffix}.weight`, [hidden, width], layer, 'ffn_up');
  }
}
