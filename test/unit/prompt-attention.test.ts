// A prompt's attention counted layer by layer: full layers meet half the prompt (and the context before it),
// sliding-window layers at most their window, chunked layers at most their chunk, recurrent blocks nothing.
import { describe, expect, it } from 'vitest';
import { promptFlopsPerToken, promptWorkOf } from '../../src/core/gpu-prompt';
import { promptAttentionWidth } from '../../src/core/prompt-attention';
import { countActiveParameters } from '../../src/core/tensors';
import { buildReport } from '../../src/core/report';
import { loadCatalog } from '../../src/node/resources';
import { GiB } from '../../src/shared/units';
import { makeCalibration, makeSnapshot } from '../helpers/hardware';

const catalog = loadCatalog();
const model = (id: string) => catalog.find((m) => m.id === id) ?? (undefined as never);

describe('attention per prompt token, layer by layer', () => {
  it('full attention: every layer meets half the prompt, plus the context already cached', () => {
    const llama = model('llama-3.1-8b');
    const q = llama.heads * llama.headDim;
    expect(promptAttentionWidth(llama, 8192)).toBe(32 * 4096 * q);
    expect(promptAttentionWidth(llama, 2048, 32768)).toBe(32 * (32768 + 1024) * q);
  });

  it('Gemma 3: 5 of 34 layers global, the rest within their 1,024-token window', () => {
    const gemma = model('gemma-3-4b');
    const q = gemma.heads * gemma.headDim;
    // At 512 tokens the window does not bind: every layer meets 256 keys on average.
    expect(promptAttentionWidth(gemma, 512)).toBe(34 * 256 * q);
    // At 32K the 29 windowed layers meet 1,024 - 1,024^2 / (2 x 32,768) keys, the 5 global ones 16,384.
    expect(promptAttentionWidth(gemma, 32768)).toBeCloseTo((5 * 16384 + 29 * (1024 - (1024 * 1024) / (2 * 32768))) * q, 3);
    // After 32K of context every windowed query meets the full window.
    expect(promptAttentionWidth(gemma, 2048, 32768)).toBeCloseTo((5 * (32768 + 1024) + 29 * 1024) * q, 3);
  });

  it('gated delta net (Qwen3.5 9B): only its 8 attention layers of 32 meet the prompt', () => {
    const qwen = model('qwen3.5-9b');
    expect(promptAttentionWidth(qwen, 65536)).toBe(8 * 32768 * qwen.heads * qwen.headDim);
  });

  it('chunked attention (Llama 4 Scout): 12 global blocks of 48, the others within 8,192-token chunks', () => {
    const scout = model('llama-4-scout');
    const q = scout.heads * scout.headDim;
    expect(promptAttentionWidth(scout, 65536)).toBe((12 * 32768 + 36 * 4096) * q);
    expect(promptAttentionWidth(scout, 4096)).toBe(48 * 2048 * q);
  });

  it('a long prompt on a hybrid or windowed model waits far less than counting every layer would say', () => {
    for (const id of ['qwen3.5-9b', 'gemma-3-27b', 'gpt-oss-20b']) {
      const m = model(id);
      const work = promptWorkOf(countActiveParameters(m) / 1e9, m);
      const everyLayer = { ...work, shape: { layers: m.layers, heads: m.heads, headDim: m.headDim } };
      expect(promptFlopsPerToken(work, 131072), id).toBeLessThan(0.6 * promptFlopsPerToken(everyLayer, 131072));
    }
  });

  it("the report's CPU rows count it too: Qwen3.5 9B at 64K reads faster than a dense 8B of full attention", () => {
    const hw = makeSnapshot({ ramBytes: 64 * GiB, cpuBandwidth: 60e9 });
    const report = buildReport(hw, catalog, { contextTokens: 65536, kvType: 'f16', calibration: makeCalibration() }, { detectMs: 0 });
    const row = (id: string) => report.rows.find((r) => r.modelId === id && r.quant === 'Q4_K_M');
    const hybrid = row('qwen3.5-9b');
    const dense = row('llama-3.1-8b');
    expect(hybrid?.fullPromptSeconds ?? 0).toBeGreaterThan(0);
    expect(hybrid?.fullPromptSeconds ?? Infinity).toBeLessThan(dense?.fullPromptSeconds ?? 0);
  });
});
