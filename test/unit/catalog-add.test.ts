// `npm run catalog:add`: real Hugging Face config.json files (test/fixtures/configs) become catalog
// entries with the shape the shipped catalog holds for the same models, and the parameter count
// rebuilt from them is the published one.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addToCatalog,
  archOfConfig,
  catalogEntryFromConfig,
  CatalogConfigError,
  KNOWN_ARCHITECTURES,
  parseGgufSizeArg,
} from '../../src/core/catalog-config';
import { CatalogSchema, type CatalogModel } from '../../src/shared/schema';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(new URL(`../fixtures/configs/${name}/config.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const catalogJson: unknown = JSON.parse(fs.readFileSync(new URL('../../resources/catalog/models.json', import.meta.url), 'utf8'));
const catalog = CatalogSchema.parse(catalogJson).models;
const shipped = (id: string): CatalogModel => {
  const m = catalog.find((x) => x.id === id);
  if (!m) throw new Error(`catalog lacks ${id}`);
  return m;
};
const options = (id: string) => ({ id, source: `https://huggingface.co/example/${id}/blob/main/config.json`, released: '2025-01' });

/** The numbers sizing reads, as the shipped catalog holds them. */
const SHAPE_KEYS = [
  'arch',
  'layers',
  'hiddenSize',
  'ffnSize',
  'ffnType',
  'heads',
  'kvHeads',
  'headDim',
  'vocabSize',
  'tiedEmbeddings',
] as const;
const shapeOf = (m: CatalogModel) => ({
  ...Object.fromEntries(SHAPE_KEYS.map((k) => [k, m[k]])),
  experts: m.experts ? { count: m.experts.count, active: m.experts.active } : undefined,
  slidingWindow: m.slidingWindow,
});

/** Extras of the shape beyond SHAPE_KEYS that an architecture's entry carries. */
type ExtraKey =
  'experts' | 'mla' | 'moeLayout' | 'recurrent' | 'globalAttention' | 'nextnLayers' | 'qkNorm' | 'attentionSinks' | 'chunkedAttention';

/** The entry a config gives has the shipped entry's shape and `extras`, and its parameter count within 2% of the published one. */
function expectLikeShipped(config: Record<string, unknown>, id: string, extras: readonly ExtraKey[] = []): CatalogModel {
  const { entry, countedParams } = catalogEntryFromConfig(config, options(id));
  const shippedEntry = shipped(id);
  expect(shapeOf(entry), id).toEqual(shapeOf(shippedEntry));
  for (const key of extras) expect(entry[key], `${id} ${key}`).toEqual(shippedEntry[key]);
  expect(Math.abs(countedParams / (shippedEntry.publishedParamsB * 1e9) - 1), id).toBeLessThanOrEqual(0.02);
  return entry;
}

describe('catalogEntryFromConfig reads real config.json files', () => {
  const cases = [
    // fixture folder, the shipped entry of the same architecture, its published count
    { fixture: 'llama-3.1-8b', catalogId: 'llama-3.1-8b' },
    { fixture: 'qwen3-30b-a3b', catalogId: 'qwen3-30b-a3b' },
    { fixture: 'gemma-3-4b-it', catalogId: 'gemma-3-4b' },
    // Phi-3-mini and Phi-3.5-mini share one shape (the catalog ships 3.5).
    { fixture: 'phi-3-mini-4k-instruct', catalogId: 'phi-3.5-mini' },
  ];
  for (const c of cases) {
    it(`${c.fixture} gives the shape of the catalog's ${c.catalogId} and its parameter count`, () => {
      const { entry, countedParams } = catalogEntryFromConfig(fixture(c.fixture), options(c.fixture));
      const expected = shipped(c.catalogId);
      expect(shapeOf(entry)).toEqual(shapeOf(expected));
      expect(Math.abs(countedParams / (expected.publishedParamsB * 1e9) - 1)).toBeLessThanOrEqual(0.02);
      // Without --params-b the entry carries the rebuilt count, and says so.
      expect(entry.publishedParamsB).toBeCloseTo(countedParams / 1e9, 2);
      expect(entry.notes).toContain('No published parameter count given');
    });
  }

  it('reads Llama 3.1 8B as llama with its untied output and 131,072 positions', () => {
    const { entry } = catalogEntryFromConfig(fixture('llama-3.1-8b'), { ...options('llama-3.1-8b'), paramsB: 8.03, name: 'Llama 3.1 8B' });
    expect(entry).toMatchObject({ id: 'llama-3.1-8b', name: 'Llama 3.1 8B', arch: 'llama', publishedParamsB: 8.03, maxContext: 131072 });
    expect(entry.tiedEmbeddings).toBe(false);
  });

  it('takes the expert width from moe_intermediate_size, not intermediate_size', () => {
    const { entry } = catalogEntryFromConfig(fixture('qwen3-30b-a3b'), options('qwen3-30b-a3b'));
    expect(entry.ffnSize).toBe(768);
    expect(entry.experts).toMatchObject({ count: 128, active: 8, shared: 0, denseLayers: 0 });
    // use_sliding_window false: no window.
    expect(entry.slidingWindow).toBeUndefined();
  });

  it("fills Gemma 3's omitted keys with transformers' defaults and keeps the GGUF's 262,144 embedding rows", () => {
    const { entry, warnings } = catalogEntryFromConfig(fixture('gemma-3-4b-it'), options('gemma-3-4b-it'));
    expect(entry).toMatchObject({ arch: 'gemma3', heads: 8, kvHeads: 4, headDim: 256, vocabSize: 262144, tiedEmbeddings: true });
    expect(entry.slidingWindow).toEqual({ windowTokens: 1024, period: 6, globalPerPeriod: 1 });
    expect(warnings.join(' ')).toContain('262,208');
  });

  it("reads Gemma 3n's text_config as gemma3n, with the 262,400-row tables the converter pads to", () => {
    // The text_config keys of google/gemma-3n-E2B-it that sizing reads (its vision and audio configs go to the mmproj file).
    const config = {
      architectures: ['Gemma3nForConditionalGeneration'],
      model_type: 'gemma3n',
      text_config: {
        model_type: 'gemma3n_text',
        hidden_size: 2048,
        intermediate_size: 8192,
        num_hidden_layers: 30,
        num_attention_heads: 8,
        num_key_value_heads: 2,
        head_dim: 256,
        vocab_size: 262400,
        vocab_size_per_layer_input: 262144,
        hidden_size_per_layer_input: 256,
        num_kv_shared_layers: 10,
        sliding_window: 512,
        max_position_embeddings: 32768,
        layer_types: Array.from({ length: 30 }, (_, i) => ((i + 1) % 5 === 0 ? 'full_attention' : 'sliding_attention')),
      },
    };
    expectLikeShipped(config, 'gemma-3n-e2b');
  });

  it("reads DeepSeek-V3's latent attention, dense lead blocks and routing bias", () => {
    // The keys of deepseek-ai/DeepSeek-V3's config.json that sizing reads.
    const config = {
      architectures: ['DeepseekV3ForCausalLM'],
      model_type: 'deepseek_v3',
      hidden_size: 7168,
      intermediate_size: 18432,
      moe_intermediate_size: 2048,
      num_hidden_layers: 61,
      num_attention_heads: 128,
      num_key_value_heads: 128,
      n_shared_experts: 1,
      n_routed_experts: 256,
      num_experts_per_tok: 8,
      first_k_dense_replace: 3,
      kv_lora_rank: 512,
      q_lora_rank: 1536,
      qk_rope_head_dim: 64,
      qk_nope_head_dim: 128,
      v_head_dim: 128,
      topk_method: 'noaux_tc',
      vocab_size: 129280,
      max_position_embeddings: 163840,
      tie_word_embeddings: false,
    };
    expectLikeShipped(config, 'deepseek-v3', ['mla', 'moeLayout', 'experts']);
    // DeepSeek-V2-Lite has no query latent (q_lora_rank null) and no selection bias.
    const lite = catalogEntryFromConfig({ ...config, q_lora_rank: null, topk_method: 'greedy' }, options('v2-lite-like')).entry;
    expect(lite.mla?.qLoraRank).toBeUndefined();
    expect(lite.moeLayout).toBeUndefined();
  });

  it("reads Qwen3-Next's gated delta net and its full-attention layers", () => {
    // The keys of Qwen/Qwen3-Next-80B-A3B-Instruct's config.json that sizing reads.
    const config = {
      architectures: ['Qwen3NextForCausalLM'],
      model_type: 'qwen3_next',
      hidden_size: 2048,
      intermediate_size: 5120,
      moe_intermediate_size: 512,
      shared_expert_intermediate_size: 512,
      num_hidden_layers: 48,
      num_attention_heads: 16,
      num_key_value_heads: 2,
      head_dim: 256,
      num_experts: 512,
      num_experts_per_tok: 10,
      full_attention_interval: 4,
      linear_conv_kernel_dim: 4,
      linear_key_head_dim: 128,
      linear_value_head_dim: 128,
      linear_num_key_heads: 16,
      linear_num_value_heads: 32,
      vocab_size: 151936,
      max_position_embeddings: 262144,
      tie_word_embeddings: false,
    };
    expectLikeShipped(config, 'qwen3-next-80b-a3b', ['recurrent', 'experts']);
    // Without its linear_* keys it cannot be sized, and says so.
    const { linear_num_value_heads: _dropped, ...broken } = config;
    expect(() => catalogEntryFromConfig(broken, options('broken'))).toThrow(/linear_\* keys/);
  });

  it("reads Gemma 4's global layers (their head size, KV heads, K as V) and its MoE's dense FFN beside the experts", () => {
    // The text_config keys of google/gemma-4-31B and google/gemma-4-26B-A4B that sizing reads.
    const layerTypes = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => ((i + 1) % 6 === 0 ? 'full_attention' : 'sliding_attention'));
    const dense = {
      architectures: ['Gemma4ForConditionalGeneration'],
      model_type: 'gemma4',
      text_config: {
        model_type: 'gemma4_text',
        hidden_size: 5376,
        intermediate_size: 21504,
        num_hidden_layers: 60,
        num_attention_heads: 32,
        num_key_value_heads: 16,
        head_dim: 256,
        global_head_dim: 512,
        num_global_key_value_heads: 4,
        attention_k_eq_v: true,
        num_kv_shared_layers: 0,
        hidden_size_per_layer_input: 0,
        sliding_window: 1024,
        layer_types: layerTypes(60),
        vocab_size: 262144,
        max_position_embeddings: 262144,
        tie_word_embeddings: true,
      },
    };
    for (const [config, id] of [
      [dense, 'gemma-4-31b'],
      [
        {
          ...dense,
          text_config: {
            ...dense.text_config,
            hidden_size: 2816,
            intermediate_size: 2112,
            num_hidden_layers: 30,
            num_attention_heads: 16,
            num_key_value_heads: 8,
            num_global_key_value_heads: 2,
            layer_types: layerTypes(30),
            num_experts: 128,
            top_k_experts: 8,
            expert_intermediate_size: 704,
          },
        },
        'gemma-4-26b-a4b',
      ],
    ] as const) {
      expectLikeShipped(config, id, ['globalAttention', 'experts']);
    }
    // E2B/E4B's per-layer embeddings are not built from a config: the user is sent to the GGUF.
    const e2b = { ...dense, text_config: { ...dense.text_config, hidden_size_per_layer_input: 256 } };
    expect(() => catalogEntryFromConfig(e2b, options('e2b-like'))).toThrow(/sized from their GGUF files/);
  });

  it('reads GLM-4.5-Air (dense lead block, shared expert, MTP block) and gpt-oss (alternating windows, sinks, biased experts)', () => {
    // The keys of zai-org/GLM-4.5-Air's and openai/gpt-oss-20b's config.json that sizing reads.
    const glm = {
      architectures: ['Glm4MoeForCausalLM'],
      model_type: 'glm4_moe',
      hidden_size: 4096,
      intermediate_size: 10944,
      moe_intermediate_size: 1408,
      num_hidden_layers: 46,
      num_attention_heads: 96,
      num_key_value_heads: 8,
      head_dim: 128,
      n_routed_experts: 128,
      n_shared_experts: 1,
      num_experts_per_tok: 8,
      first_k_dense_replace: 1,
      num_nextn_predict_layers: 1,
      use_qk_norm: false,
      vocab_size: 151552,
      max_position_embeddings: 131072,
      tie_word_embeddings: false,
    };
    const gptOss = {
      architectures: ['GptOssForCausalLM'],
      model_type: 'gpt_oss',
      hidden_size: 2880,
      intermediate_size: 2880,
      num_hidden_layers: 24,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      head_dim: 64,
      num_local_experts: 32,
      experts_per_token: 4,
      sliding_window: 128,
      layer_types: Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
      vocab_size: 201088,
      max_position_embeddings: 131072,
      tie_word_embeddings: false,
      quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn', 'model.embed_tokens', 'lm_head'] },
    };
    for (const [config, id] of [
      [glm, 'glm-4.5-air'],
      [gptOss, 'gpt-oss-20b'],
    ] as const) {
      expectLikeShipped(config, id, ['experts', 'moeLayout', 'nextnLayers', 'qkNorm', 'attentionSinks']);
    }
  });

  it("reads Llama 4's interleaved MoE blocks, shared expert and chunked attention", () => {
    // The text_config keys of meta-llama/Llama-4-Scout-17B-16E-Instruct and -Maverick-17B-128E-Instruct that sizing reads.
    const scout = {
      architectures: ['Llama4ForConditionalGeneration'],
      model_type: 'llama4',
      text_config: {
        model_type: 'llama4_text',
        hidden_size: 5120,
        intermediate_size: 8192,
        intermediate_size_mlp: 16384,
        num_hidden_layers: 48,
        num_attention_heads: 40,
        num_key_value_heads: 8,
        head_dim: 128,
        num_local_experts: 16,
        num_experts_per_tok: 1,
        interleave_moe_layer_step: 1,
        attention_chunk_size: 8192,
        vocab_size: 202048,
        max_position_embeddings: 10485760,
        tie_word_embeddings: false,
      },
    };
    const maverick = {
      ...scout,
      text_config: { ...scout.text_config, num_local_experts: 128, interleave_moe_layer_step: 2, max_position_embeddings: 1048576 },
    };
    for (const [config, id] of [
      [scout, 'llama-4-scout'],
      [maverick, 'llama-4-maverick'],
    ] as const) {
      expectLikeShipped(config, id, ['experts', 'moeLayout', 'chunkedAttention']);
    }
  });

  it("reads Granite 4.0 H's Mamba-2 blocks, its attention layers and its shared expert", () => {
    // The keys of ibm-granite/granite-4.0-h-small's and -h-tiny's config.json that sizing reads.
    const layerTypes = Array.from({ length: 40 }, (_, i) => (i % 10 === 5 ? 'attention' : 'mamba'));
    const small = {
      architectures: ['GraniteMoeHybridForCausalLM'],
      model_type: 'granitemoehybrid',
      hidden_size: 4096,
      intermediate_size: 768,
      shared_intermediate_size: 1536,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_local_experts: 72,
      num_experts_per_tok: 10,
      layer_types: layerTypes,
      mamba_d_conv: 4,
      mamba_d_state: 128,
      mamba_d_head: 64,
      mamba_n_heads: 128,
      mamba_n_groups: 1,
      mamba_expand: 2,
      vocab_size: 100352,
      max_position_embeddings: 131072,
      tie_word_embeddings: true,
    };
    const tiny = {
      ...small,
      hidden_size: 1536,
      intermediate_size: 512,
      shared_intermediate_size: 1024,
      num_attention_heads: 12,
      num_key_value_heads: 4,
      num_local_experts: 64,
      num_experts_per_tok: 6,
      mamba_n_heads: 48,
    };
    expectLikeShipped(small, 'granite-4.0-h-small', ['recurrent', 'experts']);
    expectLikeShipped(tiny, 'granite-4.0-h-tiny', ['recurrent', 'experts']);
    const { mamba_n_heads: _dropped, ...broken } = small;
    expect(() => catalogEntryFromConfig(broken, options('broken'))).toThrow(/mamba_\* keys/);
  });

  it("reads Nemotron-H's block pattern: Mamba-2, attention and squared-ReLU MLP blocks", () => {
    // The keys of nvidia/Nemotron-H-8B-Base-8K's config.json that sizing reads.
    const config = {
      architectures: ['NemotronHForCausalLM'],
      model_type: 'nemotron_h',
      hidden_size: 4096,
      intermediate_size: 21504,
      num_hidden_layers: 52,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 128,
      hybrid_override_pattern: 'M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-',
      mamba_num_heads: 128,
      mamba_head_dim: 64,
      ssm_state_size: 128,
      n_groups: 8,
      conv_kernel: 4,
      mlp_hidden_act: 'relu2',
      vocab_size: 131072,
      max_position_embeddings: 8192,
      tie_word_embeddings: false,
    };
    const entry = expectLikeShipped(config, 'nemotron-h-8b', ['recurrent']);
    expect(entry.ffnType).toBe('plain');
    // The same blocks named by layers_block_type read the same.
    const kinds = { M: 'mamba', '*': 'attention', '-': 'mlp' } as Record<string, string>;
    const { hybrid_override_pattern: pattern, ...rest } = config;
    const named = { ...rest, layers_block_type: [...pattern].map((c) => kinds[c]) };
    expect(catalogEntryFromConfig(named, options('named')).entry.recurrent).toEqual(entry.recurrent);
    expect(() => catalogEntryFromConfig({ ...config, hybrid_override_pattern: 'M*-' }, options('short'))).toThrow(
      /3 blocks where num_hidden_layers is 52/,
    );
    expect(() => catalogEntryFromConfig(rest, options('broken'))).toThrow(/hybrid_override_pattern/);
    expect(() => catalogEntryFromConfig({ ...config, num_experts_per_tok: 6 }, options('moe'))).toThrow(/nemotron_h_moe/);
  });

  it("reads Qwen3.5's text_config: the gated delta net, and full attention every fourth layer", () => {
    // The keys of Qwen/Qwen3.5-9B's config.json that sizing reads (a vision-language checkpoint).
    const config = {
      architectures: ['Qwen3_5ForConditionalGeneration'],
      model_type: 'qwen3_5',
      tie_word_embeddings: false,
      text_config: {
        model_type: 'qwen3_5_text',
        hidden_size: 4096,
        intermediate_size: 12288,
        num_hidden_layers: 32,
        num_attention_heads: 16,
        num_key_value_heads: 4,
        head_dim: 256,
        layer_types: Array.from({ length: 32 }, (_, i) => (i % 4 === 3 ? 'full_attention' : 'linear_attention')),
        full_attention_interval: 4,
        linear_conv_kernel_dim: 4,
        linear_key_head_dim: 128,
        linear_value_head_dim: 128,
        linear_num_key_heads: 16,
        linear_num_value_heads: 32,
        vocab_size: 248320,
        max_position_embeddings: 262144,
      },
    };
    expectLikeShipped(config, 'qwen3.5-9b', ['recurrent']);
    // Its MoE sibling reads as qwen35moe, with its experts.
    const moe = catalogEntryFromConfig(
      {
        ...config,
        architectures: ['Qwen3_5MoeForConditionalGeneration'],
        text_config: {
          ...config.text_config,
          moe_intermediate_size: 512,
          shared_expert_intermediate_size: 512,
          num_experts: 256,
          num_experts_per_tok: 8,
        },
      },
      options('qwen3.5-moe'),
    ).entry;
    expect(moe.arch).toBe('qwen35moe');
    expect(moe.experts).toMatchObject({ count: 256, active: 8, shared: 1, sharedFfnSize: 512 });
    expect(moe.ffnSize).toBe(512);
    expect(moe.recurrent?.attentionLayers).toEqual([3, 7, 11, 15, 19, 23, 27, 31]);
  });

  it("ignores Phi-3's sliding_window, as llama.cpp does", () => {
    const { entry, warnings } = catalogEntryFromConfig(fixture('phi-3-mini-4k-instruct'), options('phi-3-mini'));
    expect(entry.slidingWindow).toBeUndefined();
    expect(warnings.join(' ')).toContain('sliding_window ignored');
  });

  it('reads sliding-window layouts from layer_types and from a pattern string', () => {
    const base = fixture('llama-3.1-8b');
    const olmo3 = {
      ...base,
      architectures: ['Olmo3ForCausalLM'],
      sliding_window: 4096,
      layer_types: Array.from({ length: 32 }, (_, i) => ((i + 1) % 4 === 0 ? 'full_attention' : 'sliding_attention')),
    };
    const fromTypes = catalogEntryFromConfig(olmo3, options('olmo3-like')).entry;
    expect(fromTypes.arch).toBe('olmo2');
    expect(fromTypes.slidingWindow).toEqual({ windowTokens: 4096, period: 4, globalPerPeriod: 1 });
    const exaone4 = { ...base, architectures: ['Exaone4ForCausalLM'], sliding_window: 4096, sliding_window_pattern: 'LLLG' };
    const fromPattern = catalogEntryFromConfig(exaone4, options('exaone4-like')).entry;
    expect(fromPattern.arch).toBe('exaone4');
    expect(fromPattern.slidingWindow).toEqual({ windowTokens: 4096, period: 4, globalPerPeriod: 1 });
  });

  it('names the architectures it knows when it meets another', () => {
    expect(() => archOfConfig({ architectures: ['MysteryForCausalLM'], model_type: 'mystery' })).toThrow(CatalogConfigError);
    expect(() => archOfConfig({ architectures: ['MysteryForCausalLM'] })).toThrow(/MysteryForCausalLM.*LlamaForCausalLM/);
    expect(KNOWN_ARCHITECTURES).toEqual(
      expect.arrayContaining(['SmolLM3ForCausalLM', 'Exaone4ForCausalLM', 'Mistral3ForConditionalGeneration']),
    );
    expect(archOfConfig({ model_type: 'qwen3_moe' })).toBe('qwen3moe');
  });
});

describe('catalog:add arguments and --write', () => {
  it('parses --gguf-size QUANT=BYTES@URL, in bytes or GB', () => {
    expect(parseGgufSizeArg('Q4_K_M=4920000000@https://huggingface.co/bartowski/x-GGUF')).toEqual({
      quant: 'Q4_K_M',
      bytes: 4_920_000_000,
      source: 'https://huggingface.co/bartowski/x-GGUF',
    });
    expect(parseGgufSizeArg('q8_0=8.54GB@https://huggingface.co/bartowski/x-GGUF').bytes).toBe(8_540_000_000);
    expect(() => parseGgufSizeArg('Q4_K_S=1@https://huggingface.co/x/y')).toThrow(/QUANT=BYTES@URL/);
    expect(() => parseGgufSizeArg('Q4_K_M=1')).toThrow(CatalogConfigError);
  });

  it('appends a new entry and leaves every other entry as it was', () => {
    const { entry } = catalogEntryFromConfig(fixture('phi-3-mini-4k-instruct'), { ...options('phi-3-mini-4k'), paramsB: 3.82 });
    const next = addToCatalog(catalogJson, entry) as { models: unknown[] };
    const before = (catalogJson as { models: unknown[] }).models;
    expect(next.models).toHaveLength(before.length + 1);
    expect(next.models.slice(0, -1)).toEqual(before);
    expect(CatalogSchema.parse(next).models.at(-1)?.id).toBe('phi-3-mini-4k');
  });

  it('refuses an id the catalog already has', () => {
    const { entry } = catalogEntryFromConfig(fixture('llama-3.1-8b'), options('llama-3.1-8b'));
    expect(() => addToCatalog(catalogJson, entry)).toThrow(/already has an entry "llama-3.1-8b"/);
  });
});
