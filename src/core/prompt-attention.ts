// What a prompt's attention costs, layer by layer. Each query of a prompt meets the keys before it: on a layer
// with full attention, half the prompt on average (plus what came before it); on a sliding-window layer at most
// its window (Gemma 2/3, gpt-oss, Mistral v0.1); on a chunked layer at most its chunk (Llama 4); and a recurrent
// block (Qwen3-Next, Qwen3.5, Granite 4.0 H, Nemotron-H) has no attention at all, its state costing the same at any
// length. Counting every layer as full attention makes a long prompt on such a model look several times slower
// than it runs: Gemma 3 4B on a DGX Spark read a 2,048-token prompt after 32K of context at 0.64 of its short-prompt
// rate, where full attention on all 34 layers predicts 0.31 and its 5 global layers 0.75
// (bench/results/gpu-prompt-depth-2026-12-03.md).
import type { ModelShape } from './tensors';

/** The attention numbers a prompt's cost needs; the optional ones are absent for a model attending fully everywhere. */
export type AttentionShape = Pick<ModelShape, 'layers' | 'heads' | 'headDim'> &
  Partial<Pick<ModelShape, 'slidingWindow' | 'chunkedAttention' | 'recurrent' | 'globalAttention'>>;

/** Average keys a query meets over a prompt of `tokens` after `depth` tokens already in the cache, within a `limit` (Infinity: full). */
function averageKeys(tokens: number, depth: number, limit: number): number {
  if (tokens <= 0) return 0;
  const end = depth + tokens;
  if (end <= limit) return depth + tokens / 2;
  if (depth >= limit) return limit;
  // Positions from depth to limit see their position; the rest see the limit.
  return ((limit * limit - depth * depth) / 2 + limit * (end - limit)) / tokens;
}

/**
 * Σ over the layers with attention of (average keys a query meets x query width): attention FLOPs per prompt token
 * are 4x this (QK and softmax x V, 2 FLOP each per element).
 */
export function promptAttentionWidth(shape: AttentionShape, tokens: number, depth = 0): number {
  const attending = shape.recurrent ? new Set(shape.recurrent.attentionLayers) : null;
  const sw = shape.slidingWindow;
  const chunked = shape.chunkedAttention;
  let width = 0;
  for (let i = 0; i < shape.layers; i++) {
    if (attending && !attending.has(i)) continue;
    // Gemma 2/3 and gpt-oss: of every `period` layers the last `globalPerPeriod` attend fully.
    const windowed = sw !== undefined && i % sw.period < sw.period - sw.globalPerPeriod;
    // Llama 4: of every `period` blocks the last attends fully, the others within their chunk.
    const inChunk = chunked !== undefined && i % chunked.period !== chunked.period - 1;
    const headDim = shape.globalAttention && !windowed ? shape.globalAttention.headDim : shape.headDim;
    const keys = windowed
      ? averageKeys(tokens, depth, (sw as NonNullable<typeof sw>).windowTokens)
      : inChunk
        ? depth + tokens <= (chunked as NonNullable<typeof chunked>).chunkTokens
          ? depth + tokens / 2
          : (chunked as NonNullable<typeof chunked>).chunkTokens / 2
        : averageKeys(tokens, depth, Infinity);
    width += keys * shape.heads * headDim;
  }
  return width;
}
