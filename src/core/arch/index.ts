// Architectures whose tensors, per-layer cache or GGUF metadata differ from the llama-style block
// that tensors.ts and estimate.ts size by default. Each family lives in its own module, exports one
// ArchHook (importing only types from here) and is listed in ARCH_HOOKS; the first hook that
// answers (not null) wins.
import type { KvType } from '../../shared/precision';
import type { GgufValue } from '../gguf-types';
import type { ModelShape, TensorSpec } from '../tensors';
import { deepseek2Hook } from './deepseek2';
import { gptOssHook } from './gpt-oss';
import { llama4Hook } from './llama4';
import { mamba2HybridHook } from './mamba2-hybrid';
import { gatedDeltaNetHook } from './gated-delta-net';
import { gemma4Hook } from './gemma4';
import { gemma3nHook } from './gemma3n';
import { glm4moeHook } from './glm4moe';

/** Who creates the context (estimate.ts explains the difference). */
export type HookRuntime = 'llama.cpp' | 'node-llama-cpp';

export interface ArchHook {
  /** Every tensor of a shape, in the converter's order, or null when this hook does not cover the shape. */
  tensors?(shape: ModelShape): TensorSpec[] | null;
  /**
   * Bytes of cache each block keeps for one sequence (KV cells, or a fixed recurrent state), or
   * null to use the common rule (2 x kvHeads x headDim per cell, sliding windows applied).
   */
  cacheBytesPerLayer?(shape: ModelShape, contextTokens: number, kvType: KvType, runtime: HookRuntime): number[] | null;
  /**
   * Shape fields a GGUF file of `architecture` adds beyond the common keys (read with `key`, which
   * prefixes the architecture: key('attention.kv_lora_rank')), or null when it is not this hook's.
   */
  /**
   * Floats per micro-batch token of a block's compute peak (the attention mask apart), where the
   * common rule (FFN intermediates and four hidden-size activations) does not hold; null otherwise.
   */
  layerPhaseFloatsPerToken?(shape: ModelShape): number | null;
  shapeFromGguf?(
    architecture: string,
    key: (suffix: string) => number | null,
    meta: ReadonlyMap<string, GgufValue>,
    tensors: readonly TensorSpec[],
  ): Partial<ModelShape> | null;
}

const ARCH_HOOKS: readonly ArchHook[] = [
  deepseek2Hook,
  llama4Hook,
  gptOssHook,
  mamba2HybridHook,
  gatedDeltaNetHook,
  gemma4Hook,
  gemma3nHook,
  glm4moeHook,
];

export function archTensors(shape: ModelShape): TensorSpec[] | null {
  for (const hook of ARCH_HOOKS) {
    const list = hook.tensors?.(shape);
    if (list) return list;
  }
  return null;
}

export function archCacheBytesPerLayer(shape: ModelShape, contextTokens: number, kvType: KvType, runtime: HookRuntime): number[] | null {
  for (const hook of ARCH_HOOKS) {
    const bytes = hook.cacheBytesPerLayer?.(shape, contextTokens, kvType, runtime);
    if (bytes) return bytes;
  }
  return null;
}

export function archLayerPhaseFloatsPerToken(shape: ModelShape): number | null {
  for (const hook of ARCH_HOOKS) {
    const floats = hook.layerPhaseFloatsPerToken?.(shape);
    if (floats) return floats;
  }
  return null;
}

export function archShapeFromGguf(
  architecture: string,
  key: (suffix: string) => number | null,
  meta: ReadonlyMap<string, GgufValue>,
  tensors: readonly TensorSpec[],
): Partial<ModelShape> {
  for (const hook of ARCH_HOOKS) {
    const extra = hook.shapeFromGguf?.(architecture, key, meta, tensors);
    if (extra) return extra;
  }
  return {};
}
