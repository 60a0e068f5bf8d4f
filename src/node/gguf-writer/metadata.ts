// The KV metadata of a GGUF model file: `general.*` and the architecture's hyperparameters, as
// llama.cpp's converter writes them and its loader (llama-model.cpp) reads them.
import type { ModelShape } from '../../core/tensors';
import { f32, str, u32, type Kv, type KvValue } from './encoding';

/** A model shape; a catalog entry is one. The optional numbers override the writer's per-family defaults. */
export type GgufWriterShape = ModelShape & {
  /** Trained context, written as `%s.context_length` unless `contextLength` is given. */
  readonly maxContext?: number;
  /** `%s.rope.freq_base`; defaults to the real family's value (10000, 500000 for Llama 3, 1e6 for Qwen, Mistral, Gemma 3). */
  readonly ropeFreqBase?: number;
  /** `%s.attention.layer_norm_rms_epsilon`; defaults to 1e-6 for Qwen and Gemma, 1e-5 otherwise. */
  readonly rmsNormEps?: number;
};

export interface ModelMetadataOptions {
  /** `general.name`. */
  readonly name: string;
  /** `general.file_type` (llama_ftype). */
  readonly fileType: number;
  readonly alignment: number;
  /** `%s.context_length`. */
  readonly contextLength: number;
}

/** The `general.*` keys, then the architecture's hyperparameters. */
export function modelMetadataKvs(shape: GgufWriterShape, { name, fileType, alignment, contextLength }: ModelMetadataOptions): Kv[] {
  return [
    { key: 'general.architecture', value: str(shape.arch) },
    { key: 'general.type', value: str('model') },
    { key: 'general.name', value: str(name) },
    { key: 'general.file_type', value: u32(fileType) },
    { key: 'general.quantization_version', value: u32(2) },
    { key: 'general.alignment', value: u32(alignment) },
    ...hparamKvs(shape, contextLength),
  ];
}

/** rope.freq_base of the real models of each family, told apart by vocabulary where one arch covers several. */
function defaultRopeBase(shape: GgufWriterShape): number {
  switch (shape.arch) {
    case 'llama':
      if (shape.vocabSize >= 128000 && shape.vocabSize < 131072) return 500000; // Llama 3.x
      if (shape.experts || shape.vocabSize === 32768 || shape.vocabSize === 131072) return 1e6; // Mistral, Mixtral
      if (shape.vocabSize === 49152) return 100000; // SmolLM2
      return 10000; // Llama 2, TinyLlama
    case 'qwen2':
    case 'qwen3':
    case 'qwen3moe':
    case 'gemma3':
    case 'mistral':
      return 1e6;
    case 'olmo2':
      return 500000;
    case 'granite':
      return 10000000;
    default:
      return 10000;
  }
}

function defaultRmsEps(shape: GgufWriterShape): number {
  return /^(qwen|gemma)/.test(shape.arch) ? 1e-6 : 1e-5;
}

/** Default sliding-window period of each loader (llama-model.cpp): the pattern key is written only when it differs. */
const LOADER_SWA_PERIOD: Partial<Record<string, number>> = { gemma2: 2, gemma3: 6 };

/** The `<arch>.*` hyperparameters the arch's loader reads, each defaulted as in the real family. */
function hparamKvs(shape: GgufWriterShape, contextLength: number): Kv[] {
  const a = shape.arch;
  const kvs: Kv[] = [];
  const add = (key: string, value: KvValue): void => void kvs.push({ key: `${a}.${key}`, value });
  const moe = shape.experts;
  add('vocab_size', u32(shape.vocabSize));
  add('context_length', u32(contextLength));
  add('embedding_length', u32(shape.hiddenSize));
  add('block_count', u32(shape.layers));
  add('feed_forward_length', u32(moe?.denseFfnSize ?? shape.ffnSize));
  add('attention.head_count', u32(shape.heads));
  add('attention.head_count_kv', u32(shape.kvHeads));
  add('attention.key_length', u32(shape.headDim));
  add('attention.value_length', u32(shape.headDim));
  if (a === 'falcon') add('attention.layer_norm_epsilon', f32(shape.rmsNormEps ?? 1e-5));
  else add('attention.layer_norm_rms_epsilon', f32(shape.rmsNormEps ?? defaultRmsEps(shape)));
  add('rope.freq_base', f32(shape.ropeFreqBase ?? defaultRopeBase(shape)));
  add('rope.dimension_count', u32(shape.headDim));
  if (moe) {
    add('expert_count', u32(moe.count));
    add('expert_used_count', u32(moe.active));
    if (a !== 'llama') add('expert_feed_forward_length', u32(shape.ffnSize));
    if ((moe.shared ?? 0) > 0) {
      add('expert_shared_count', u32(moe.shared ?? 0));
      add('expert_shared_feed_forward_length', u32(moe.sharedFfnSize ?? shape.ffnSize));
    }
    if ((moe.denseLayers ?? 0) > 0) add('leading_dense_block_count', u32(moe.denseLayers ?? 0));
  }
  const swa = shape.slidingWindow;
  if (swa) {
    add('attention.sliding_window', u32(swa.windowTokens));
    if (swa.globalPerPeriod === 1 && LOADER_SWA_PERIOD[a] !== swa.period) add('attention.sliding_window_pattern', u32(swa.period));
  }
  if (a === 'gemma2') {
    // Gemma 2's config.json: attn_logit_softcapping 50, final_logit_softcapping 30 (the converter writes both).
    add('attn_logit_softcapping', f32(50));
    add('final_logit_softcapping', f32(30));
  }
  if (a === 'gemma3') add('rope.freq_base_swa', f32(10000)); // local layers keep rope_local_base_freq 10000
  if (a === 'granite') {
    // Granite 3.x config.json multipliers; llama.cpp requires logit_scale.
    add('logit_scale', f32(shape.hiddenSize <= 2048 ? 8 : 16));
    add('residual_scale', f32(0.22));
    add('embedding_scale', f32(12));
    add('attention.scale', f32(1 / shape.headDim));
  }
  return kvs;
}
