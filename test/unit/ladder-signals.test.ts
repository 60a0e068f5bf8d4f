// What the ladder reads from a score and a placement beyond the number: a score measured while the model
// reasons first (gpt-oss at high effort, DeepSeek-R1) counts only where the model runs three times the minimum
// speed; a fast small mixture of experts does not make a machine "roomy" for dense 7B-15B models; and a rung
// with the experts in RAM names --n-cpu-moe wherever its placement is written.
import { describe, expect, it } from 'vitest';
import { formatRecommendation } from '../../src/cli/format/recommend';
import { unknownWaitNotes } from '../../src/core/prompt-wait';
import { recommendLadder, THINKING_NOTE } from '../../src/core/recommend';
import { buildReport } from '../../src/core/report';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { LONG_DOCS_MAX_PROMPT_SECONDS, scoreOn, TASK_SCALES, TASKS, taskScores, THINKING_SPEED_FACTOR } from '../../src/shared/ladder';
import type { HardwareSnapshot, LadderStep, Report, WhatIf } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const catalog = loadCatalog();
const whatIf = (w: WhatIf): HardwareSnapshot =>
  applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB, cpuBandwidth: 60e9 }), w, loadGpuPresets(), loadMachinePresets());
const report = (hw: HardwareSnapshot): Report => buildReport(hw, catalog, { contextTokens: 8192, kvType: 'f16' }, { detectMs: 0 });
const modelOf = (id: string | undefined) => catalog.find((m) => m.id === id);
/** A model's score on chat's default benchmark (MMLU or MMLU-Redux). */
const chatOf = (id: string) => scoreOn(modelOf(id) ?? {}, 'chat', TASK_SCALES.chat.scales[0]);

describe('scores measured while reasoning', () => {
  it('are marked in the catalog for the reasoning models and settings that produced them', () => {
    const thinking = catalog.flatMap((m) =>
      TASKS.flatMap((t) => taskScores(m, t))
        .filter((q) => q.thinking)
        .map(() => m.id),
    );
    expect(new Set(thinking)).toEqual(
      new Set([
        'gpt-oss-20b',
        'gpt-oss-120b',
        'deepseek-r1',
        'phi-4-reasoning',
        'olmo-3-32b',
        'qwq-32b',
        'magistral-small-2506',
        // The second benchmarks (MMLU-Pro, SWE-bench Verified, GPQA Diamond): 2025-2026 models publish them thinking.
        ...['gemma-4-31b', 'gemma-4-26b-a4b', 'qwen3.5-9b', 'qwen3.5-35b-a3b', 'qwen3.6-27b', 'qwen3.6-35b-a3b', 'glm-4.5', 'glm-4.5-air'],
        ...['qwen-1.5b', 'qwen-7b', 'qwen-14b', 'qwen-32b', 'llama-8b', 'llama-70b'].map((s) => `deepseek-r1-distill-${s}`),
      ]),
    );
    expect(chatOf('gpt-oss-20b')?.detail).toMatch(/high reasoning effort/);
  });

  it('count for the start and the step up only at three times the minimum speed, and the ladder says why', () => {
    // 32 GB, 40 GB/s, no GPU: gpt-oss-20b (MMLU 85.3 at high effort) runs at ~10 tok/s, a third of what it needs.
    const cpuBox = report(makeSnapshot({ ramBytes: 32 * GiB, cpuBandwidth: 40e9 }));
    const gptRow = cpuBox.rows.find((r) => r.modelId === 'gpt-oss-20b' && r.quant === 'Q5_K_M');
    expect(gptRow?.tokPerSec ?? 0).toBeGreaterThanOrEqual(10);
    expect(gptRow?.tokPerSec ?? 0).toBeLessThan(10 * THINKING_SPEED_FACTOR);
    const r = cpuBox.recommendation;
    for (const s of [r.start, r.scaleUp]) expect(s?.score?.thinking ?? false).toBe(false);
    expect(r.start?.modelId).toBe('qwen3-30b-a3b');
    expect(r.notes.join(' ')).toMatch(
      /Held back: the MMLU score of gpt-oss-20b was measured while reasoning.* from 30 tok\/s \(3x the minimum\)/,
    );
    // On two RTX 3090s QwQ-32B (MMLU-Redux 90, always thinking) runs at Q4_K_M over 30 tok/s: the step up, with the
    // caveat in its reason. (On one 4090 EXAONE 4.0 32B, scored without thinking, gives more per GiB.)
    const twin = report(whatIf({ machine: 'desktop-2x-rtx-3090-128gb' }));
    const up = twin.recommendation.scaleUp;
    expect(up?.modelId).toBe('qwq-32b');
    expect(twin.rows.find((x) => x.modelId === 'qwq-32b' && x.quant === up?.quant)?.tokPerSec ?? 0).toBeGreaterThanOrEqual(
      10 * THINKING_SPEED_FACTOR,
    );
    expect(up?.score?.thinking).toBe(true);
    expect(up?.reason).toContain(THINKING_NOTE);
    // The speed priority asks 20 tok/s, so 60 for a reasoning model: the CPU box's ladder has none either way.
    const fast = recommendLadder(cpuBox.rows, catalog, { priority: 'speed', contextTokens: 8192 });
    for (const s of [fast.start, fast.scaleUp]) expect(s?.score?.thinking ?? false).toBe(false);
  });

  it('make a ceiling only at three times its 2 tok/s: a 32B that thinks for hundreds of tokens at ~3 tok/s is no usable top', () => {
    // 24 GB, 50 GB/s, no GPU: DeepSeek-R1-Distill-Qwen 32B (MMLU-Redux 88.2 while reasoning) and Qwen3 32B both run at
    // ~2.9 tok/s at Q3_K_M; the ceiling is the one that answers directly.
    const box = report(makeSnapshot({ ramBytes: 24 * GiB, cpuBandwidth: 50e9 }));
    const distill = box.rows.find((x) => x.modelId === 'deepseek-r1-distill-qwen-32b' && x.quant === 'Q3_K_M');
    expect(distill?.tokPerSec ?? 0).toBeGreaterThan(2);
    expect(distill?.tokPerSec ?? 0).toBeLessThan(2 * THINKING_SPEED_FACTOR);
    const ceiling = box.recommendation.ceiling;
    expect(ceiling?.modelId).toBe('qwen3-32b');
    expect(ceiling?.score?.thinking ?? false).toBe(false);
    expect(ceiling?.reason).toContain('run under 2 tok/s (6 for a score measured while reasoning)');
  });

  it('do not set the bar: it comes from the best direct-answer score that runs at the minimum speed', () => {
    // RTX 3060: gpt-oss-20b (85.3 at high effort) runs at 30+ tok/s and is rated, but the bar is Phi-4's 84.8 less 8.
    const r = report(whatIf({ gpuName: 'RTX 3060', ramBytes: 32 * GiB }));
    expect(r.rows.find((x) => x.modelId === 'gpt-oss-20b' && x.quant === 'Q4_K_M')?.tokPerSec ?? 0).toBeGreaterThan(30);
    expect(r.recommendation.bar?.score).toBeCloseTo(84.8 - 8, 5);
    expect(r.recommendation.start?.reason).toMatch(/the best that runs here at 10 tok\/s, Phi-4 at 84\.8/);
  });
});

describe('MMLU-Redux where a model publishes no MMLU', () => {
  it('ranks it for chat under its own name, and a step between the two says which is which', () => {
    const exaone = chatOf('exaone-4.0-1.2b');
    expect(exaone).toMatchObject({ benchmark: 'MMLU-Redux', score: 66.9 });
    const r = report(makeSnapshot({ ramBytes: 8 * GiB, cpuBandwidth: 38.4e9 })).recommendation;
    expect(r.start?.modelId).toBe('exaone-4.0-1.2b');
    expect(r.start?.reason).toMatch(/^Smallest model with MMLU-Redux 66\.9/);
    expect(r.scaleUp?.reason).toMatch(/^\+6\.1 points \(MMLU-Redux 66\.9 → MMLU 72\.99\)/);
    // A model with an MMLU score keeps it: the variant never replaces the benchmark itself.
    for (const m of catalog) for (const q of taskScores(m, 'chat')) if (q.benchmark === 'MMLU-Redux') expect(q.detail, m.id).toBeDefined();
  });
});

describe('the ceiling', () => {
  it('passes over a bigger model that a smaller one here beats on both score and speed, and says so', () => {
    const ceiling = report(whatIf({ gpuName: 'H100 SXM', ramBytes: 256 * GiB })).recommendation.ceiling;
    expect(ceiling?.modelId).toBe('glm-4.5');
    expect(ceiling?.reason).toMatch(
      /Llama 4 Maverick 17B-128E Instruct \(400B\) also runs here, but EXAONE 4\.0 32B beats it on both score \(MMLU-Redux 89\.8 against 85\.5\) and speed/,
    );
    // Not by a score measured while reasoning: on a 16 GB M2 Magistral (86.8 reasoning) does not push out Mistral
    // Small 3.2 (80.5); Phi-4 (84.8, direct, faster) does, and Magistral is the next largest.
    const m2 = report(whatIf({ gpuName: 'Apple M2', ramBytes: 16 * GiB })).recommendation.ceiling;
    expect(m2?.reason).toMatch(/Mistral Small 3\.2 24B Instruct 2506 \(24B\) also runs here, but Phi-4 beats it/);
  });
});

describe('mixtures of experts on the ladder', () => {
  it('a 7B MoE with 1B active running fast does not lift the start to 7B on a machine where dense 7Bs are slow', () => {
    // A 16 GB M1 (68 GB/s): Granite 4.0 H Tiny reads ~38 tok/s, a dense 7B ~10.
    const m1 = report(whatIf({ gpuName: 'Apple M1', ramBytes: 16 * GiB }));
    const tiny = m1.rows.find((r) => r.modelId === 'granite-4.0-h-tiny' && r.quant === 'Q6_K');
    expect(tiny?.tokPerSec ?? 0).toBeGreaterThan(30);
    expect(m1.rows.find((r) => r.modelId === 'qwen2.5-7b' && r.quant === 'Q6_K')?.tokPerSec ?? 99).toBeLessThan(30);
    expect(modelOf(m1.recommendation.start?.modelId)?.publishedParamsB ?? 99).toBeLessThan(7);
  });

  it('a rung with the experts in RAM carries --n-cpu-moe in its reason, its step and the terminal', () => {
    // RTX 3060 with 64 GB, long documents: Qwen3-Next 80B-A3B (RULER 91.8) is the ceiling with most experts in RAM.
    const base = report(whatIf({ gpuName: 'RTX 3060', ramBytes: 64 * GiB }));
    const r: Report = { ...base, recommendation: recommendLadder(base.rows, catalog, { task: 'long-docs', contextTokens: 8192 }) };
    const ceiling = r.recommendation.ceiling;
    expect(ceiling?.modelId).toBe('qwen3-next-80b-a3b');
    const n = ceiling?.cpuMoeLayers ?? 0;
    expect(n).toBeGreaterThan(0);
    expect(ceiling?.reason).toContain(`the experts of the first ${n} blocks in RAM (-ngl ${ceiling?.gpuLayers} --n-cpu-moe ${n})`);
    expect(formatRecommendation(r, false)).toContain(`in RAM, -ngl ${ceiling?.gpuLayers} --n-cpu-moe ${n}`);
  });
});

describe("MMLU-Pro, chat's second benchmark", () => {
  const proLadder = (r: Report) => recommendLadder(r.rows, catalog, { benchmark: 'MMLU-Pro', contextTokens: 8192 });

  it('ranks the 2026 models the MMLU ladder cannot, and the MMLU ladder names them with their scores', () => {
    const r = report(whatIf({ machine: 'desktop-rtx-4090-64gb' }));
    // MMLU, the default: Gemma 4 and Qwen3.5/3.6 publish none, so they are named, best first, with the way to rank them.
    expect(r.recommendation.benchmark).toBe('MMLU');
    expect(r.recommendation.elsewhere).toEqual([{ benchmark: 'MMLU-Pro', models: expect.any(Number) as number }]);
    expect(r.recommendation.notes.join(' ')).toMatch(
      /rated on MMLU-Pro \(Qwen3\.5 35B-A3B 85\.3 \(reasoning\), Gemma 4 31B 85\.2 \(reasoning\), .*\): judge by MMLU-Pro to rank them\./,
    );
    const pro = proLadder(r);
    expect(pro.benchmark).toBe('MMLU-Pro');
    // The bar comes from direct answers: Qwen3-Next 80B-A3B Instruct's 80.6, less the balanced margin of 8.
    expect(pro.bar).toEqual({ benchmark: 'MMLU-Pro', score: expect.closeTo(80.6 - 8, 5) as number });
    // Qwen3.5 9B (82.5, thinking) runs here far above 3x the minimum: the smallest that reaches 72.6. The 4B-2507
    // (69.6) does not reach the bar.
    expect(pro.start?.modelId).toBe('qwen3.5-9b');
    expect(pro.start?.tokPerSec ?? 0).toBeGreaterThanOrEqual(30);
    expect(pro.start?.reason).toContain(THINKING_NOTE);
    for (const s of [pro.start, pro.scaleUp, pro.ceiling]) if (s) expect(s.score?.benchmark, s.modelId).toBe('MMLU-Pro');
    // No bigger model gains 3 points on 82.5 (Qwen3.5 35B-A3B 85.3 is +2.8); the ceiling is a 35B-A3B on the GPU,
    // and the bigger ones that run score below the start, which it says.
    expect(pro.scaleUp).toBeNull();
    expect(modelOf(pro.ceiling?.modelId)?.publishedParamsB).toBe(35);
    expect(pro.ceiling?.reason).toMatch(/^Largest rated MMLU-Pro model that runs here: .*Bigger ones score below the start \(/);
    // And the other way round: the MMLU-only models, gpt-oss-120b among them.
    expect(pro.notes.join(' ')).toMatch(/rated on MMLU \(.*gpt-oss-120b 90 \(reasoning\).*\): judge by MMLU to rank them\./);
  });

  it('on a 16 GB laptop without a GPU starts on a direct-answer 4B; the ceiling is a 26B with 4B active', () => {
    const r = report(whatIf({ machine: 'office-laptop-16gb' }));
    const pro = proLadder(r);
    // Qwen3.5 9B (82.5, thinking) runs under 10 tok/s here even at Q4_K_M, so the start is the 4B Instruct 2507
    // (69.6, non-thinking), the best direct answer here; the bar is that less 8.
    expect(r.rows.find((x) => x.modelId === 'qwen3.5-9b' && x.quant === 'Q4_K_M')?.tokPerSec ?? 99).toBeLessThan(10);
    expect(pro.start?.modelId).toBe('qwen3-4b-instruct-2507');
    expect(pro.start?.score).toMatchObject({ benchmark: 'MMLU-Pro', score: 69.6 });
    expect(pro.bar?.score).toBeCloseTo(69.6 - 8, 5);
    // The mixture of experts reads 4B per token: the largest rated one that runs at 2+ tok/s in 16 GB.
    expect(pro.ceiling?.modelId).toBe('gemma-4-26b-a4b');
    expect(pro.ceiling?.memoryBytes ?? Infinity).toBeLessThan(16 * GiB);
  });

  it('belongs to chat, with bars set at the same reference models as MMLU', () => {
    expect(TASK_SCALES.chat.scales.map((s) => s.benchmark)).toEqual(['MMLU', 'MMLU-Pro']);
    const pro = TASK_SCALES.chat.scales[1];
    // Balanced at Llama 3.1 8B Instruct (MMLU 66.7 against a bar of 65; MMLU-Pro 48.3 against 45), quality at
    // Qwen2.5 7B Instruct (74.2 against 74; 56.3 against 56).
    expect(chatOf('llama-3.1-8b')?.score).toBeGreaterThanOrEqual(TASK_SCALES.chat.scales[0].bar.balanced);
    expect(scoreOn(modelOf('llama-3.1-8b') ?? {}, 'chat', pro ?? TASK_SCALES.chat.scales[0])?.score).toBeGreaterThanOrEqual(
      pro?.bar.balanced ?? 99,
    );
    expect(scoreOn(modelOf('qwen2.5-7b') ?? {}, 'chat', pro ?? TASK_SCALES.chat.scales[0])?.score).toBeGreaterThanOrEqual(
      pro?.bar.quality ?? 99,
    );
    expect(() => recommendLadder([], catalog, { task: 'extraction', benchmark: 'MMLU-Pro' })).toThrow(
      /extraction is judged by IFEval, not MMLU-Pro/,
    );
  });
});

describe('the second benchmarks of coding and reasoning', () => {
  const rtx4090 = (): Report => report(whatIf({ machine: 'desktop-rtx-4090-64gb' }));

  it('coding by SWE-bench Verified on a 4090: the agentic coders of 2025-26, none of which publishes HumanEval', () => {
    const r = rtx4090();
    const humanEval = recommendLadder(r.rows, catalog, { task: 'coding', contextTokens: 8192 });
    expect(humanEval.notes.join(' ')).toMatch(
      /rated on SWE-bench Verified \(Qwen3\.6 27B 77\.2 \(reasoning\), Qwen3\.6 35B-A3B 73\.4 \(reasoning\), Qwen3\.5 35B-A3B 70 \(reasoning\), .*\): judge by SWE-bench Verified/,
    );
    const swe = recommendLadder(r.rows, catalog, { task: 'coding', benchmark: 'SWE-bench Verified', contextTokens: 8192 });
    // Bar: the task's 50 (Devstral Small 2507, 53.6, is the best direct answer here; less 8 is under 50).
    expect(swe.bar).toEqual({ benchmark: 'SWE-bench Verified', score: 50 });
    // gpt-oss-20b (60.7 at high effort, 20.9B) runs here far above 30 tok/s and is smaller than Devstral (23.6B):
    // the start. Qwen3.6 27B, dense, gains 16.5 points for the step up (more than Qwen3.6 35B-A3B's 12.7) and still
    // runs all on the card above the 30 tok/s a thinking score needs (Q5_K_M, ~31); gpt-oss-120b, with its experts
    // partly in RAM, is the largest that scores at least the start.
    expect(swe.start?.modelId).toBe('gpt-oss-20b');
    expect(swe.scaleUp?.modelId).toBe('qwen3.6-27b');
    expect(swe.scaleUp?.tokPerSec ?? 0).toBeGreaterThanOrEqual(30);
    expect(swe.ceiling?.modelId).toBe('gpt-oss-120b');
    expect(swe.ceiling?.cpuMoeLayers ?? 0).toBeGreaterThan(0);
    for (const s of [swe.start, swe.scaleUp, swe.ceiling]) expect(s?.score?.benchmark).toBe('SWE-bench Verified');
  });

  it('reasoning by GPQA Diamond on a 4090: the bar from direct answers, the start a thinking 9B that runs fast here', () => {
    const gpqa = recommendLadder(rtx4090().rows, catalog, { task: 'reasoning', benchmark: 'GPQA Diamond', contextTokens: 8192 });
    // Best direct answer that runs at 10 tok/s: Qwen3-Next 80B-A3B Instruct, 72.9; less 8.
    expect(gpqa.bar?.score).toBeCloseTo(72.9 - 8, 5);
    expect(gpqa.start?.modelId).toBe('qwen3.5-9b');
    expect(gpqa.start?.score).toMatchObject({ benchmark: 'GPQA Diamond', score: 81.7, thinking: true });
    expect(gpqa.scaleUp?.modelId).toBe('qwen3.6-35b-a3b');
  });

  it('long documents by LongBench v2 on a 256 GB Mac Studio: a thinking 9B is the best, so the ceiling is that rung again', () => {
    const mac = report(whatIf({ machine: 'mac-studio-m3-ultra-256gb' }));
    const r = recommendLadder(mac.rows, catalog, { task: 'long-docs', benchmark: 'LongBench v2', contextTokens: 8192 });
    expect(r.start?.modelId).toBe('qwen3.5-9b');
    // Nothing bigger that runs scores at least its 55.2 (DeepSeek-R1's 58.3 does not fit): the ceiling is the same
    // model at the start's own precision and placement, never the same model again at fewer bits.
    expect(r.ceiling?.modelId).toBe('qwen3.5-9b');
    expect(r.ceiling?.quant).toBe(r.start?.quant);
    expect(r.ceiling?.reason).toMatch(/Bigger ones score below the start \(/);
  });
});

describe('long documents and the wait before the first token', () => {
  // A 12 GB card with no published prompt run on its backend (Vulkan) and too few siblings there for an estimate.
  const base = report(whatIf({ gpuName: 'RX 6700 XT', ramBytes: 64 * GiB }));
  const longDocs = (rows: Report['rows']) => recommendLadder(rows, catalog, { task: 'long-docs', contextTokens: 8192 });
  const first = longDocs(base.rows).start;

  it('a rated model that takes too long to read a full context is held back where another reads it in time', () => {
    expect(first).not.toBeNull();
    const rows = base.rows.map((r) => ({ ...r, fullPromptSeconds: r.modelId === first?.modelId ? 300 : 10 }));
    const held = longDocs(rows);
    expect(held.start?.modelId).not.toBe(first?.modelId);
    expect(held.notes.join(' ')).toContain(
      `Held back for long documents: ${first?.name} ~5 min to read a prompt that fills the 8192-token context, over the ${LONG_DOCS_MAX_PROMPT_SECONDS} s`,
    );
    expect(held.start?.fullPromptSeconds).toBe(10);
    expect(held.start?.reason).toContain(
      `A prompt that fills its ${held.start?.contextTokens}-token context takes ~10 s to read before the first token.`,
    );
    expect(formatRecommendation({ ...base, recommendation: held }, false)).toContain('full prompt ~10 s');
    // Chat is not judged by the wait: the same rows give chat the same start as before.
    const chat = (rs: Report['rows']) => recommendLadder(rs, catalog, { task: 'chat', contextTokens: 8192 }).start?.modelId;
    expect(chat(rows)).toBe(chat(base.rows));
  });

  it('where every rated model is over the limit, the ladder keeps them and says what the quickest takes', () => {
    const rows = base.rows.map((r) => ({ ...r, promptTokPerSec: 100, fullPromptSeconds: r.modelId === first?.modelId ? 120 : 600 }));
    const kept = longDocs(rows);
    expect(kept.start?.modelId).toBe(first?.modelId);
    // 512 tokens in 5.1 s and 8,192 in 120 s: a·n + b·n² through both reaches 60 s at about 4,770 tokens.
    expect(kept.notes.join(' ')).toContain(
      `Every rated model that runs here takes more than ${LONG_DOCS_MAX_PROMPT_SECONDS} s to read a prompt that fills the 8192-token context (the quickest, ${first?.name}, ~2 min): expect that wait before each answer, or choose a shorter context (in 60 s it reads about 4k tokens here).`,
    );
  });

  it('rows without an estimated wait (GPU rows, an uncalibrated CPU) are neither held back nor given one, and the ladder says what would estimate it', () => {
    const plain = longDocs(base.rows);
    expect(plain.start?.fullPromptSeconds).toBeUndefined();
    expect(plain.notes.join(' ')).not.toMatch(/Held back for long documents|Every rated model that runs here takes/);
    const onGpu = plain.notes.find((n) => n.startsWith('How long'));
    expect(plain.start?.fit).toBe('gpu');
    expect(onGpu).toContain(`How long ${plain.start?.name}`);
    expect(onGpu).toContain('benchmark a model with every layer on this GPU');
    // A planned machine cannot be benchmarked or probed from here, and the note says so instead.
    const planned = recommendLadder(base.rows, catalog, { task: 'long-docs', contextTokens: 8192, planned: true });
    expect(planned.notes.join(' ')).toContain('is not estimated on a planned machine');
    expect(base.recommendation.task).toBe('chat');
    // A rung split between the GPU and the CPU has no estimate either: only a run of it measures its prompt speed.
    const split = unknownWaitNotes([{ ...(plain.start as LadderStep), fit: 'partial' }], false);
    // Experts kept in RAM cannot be benchmarked that way, on this machine or a planned one: the note says so.
    for (const onPlanned of [false, true])
      expect(unknownWaitNotes([{ ...(plain.start as LadderStep), fit: 'partial', cpuMoeLayers: 20 }], onPlanned).join(' ')).toContain(
        'with the experts in RAM is not estimated',
      );
    expect(split.join(' ')).toContain('split between the GPU and the CPU is not estimated');
    // Where every rung has its wait, nothing is added; other tasks never get the note.
    const timed = base.rows.map((r) => ({ ...r, fullPromptSeconds: 10 }));
    expect(longDocs(timed).notes.join(' ')).not.toContain('How long');
    expect(recommendLadder(base.rows, catalog, { task: 'chat', contextTokens: 8192 }).notes.join(' ')).not.toContain('How long');
  });
});

describe('a model just under the minimum speed', () => {
  const cpuBox = (bandwidth: number): Report => report(makeSnapshot({ ramBytes: 32 * GiB, cpuBandwidth: bandwidth }));

  it('is named, with how close it is and the bar it would set, where counting it would change the ladder', () => {
    // 24 GB/s: Qwen3 30B-A3B at ~9.9 tok/s misses the 10 tok/s minimum by 1%, so the bar is chat's own 65 and a 1.2B starts.
    const under = cpuBox(24e9).recommendation;
    expect(under.start?.modelId).toBe('exaone-4.0-1.2b');
    expect(under.bar?.score).toBe(65);
    const note = under.notes.find((n) => n.startsWith('Just under the minimum')) ?? '';
    expect(note).toMatch(/Qwen3 30B-A3B \(MMLU 81\.38, ~9\.9 tok\/s at Q4_K_M\)/);
    expect(note).toContain('would set the bar at MMLU 73.4 instead of 65.0');
    // 25 GB/s: it reaches 10 tok/s, sets the bar and starts; nothing is just under any more.
    const over = cpuBox(25e9).recommendation;
    expect(over.start?.modelId).toBe('qwen3-30b-a3b');
    expect(over.notes.some((n) => n.startsWith('Just under'))).toBe(false);
    // Far under (12 GB/s: ~5 tok/s), it is no near miss.
    expect(cpuBox(12e9).recommendation.notes.some((n) => n.startsWith('Just under'))).toBe(false);
  });
});
