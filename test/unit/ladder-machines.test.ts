// The ladder over ten machines people plan for, from an 8 GB laptop to an H100: each machine's rungs
// for general chat (balanced priority, 8k context) are reasoned below, and every task and priority
// holds the rules users notice: nothing it cannot run, a big GPU does not start on the laptop's pick,
// and nothing below Q3_K_M.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index';
import { recommendLadder } from '../../src/core/recommend';
import { buildReport } from '../../src/core/report';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import type { Service } from '../../src/node/service';
import { HostApiSchemas } from '../../src/shared/api';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import {
  CEILING_MIN_TOK_PER_SEC,
  DEFAULT_MIN_TOK_PER_SEC,
  PRIORITIES,
  QUANT_COST,
  TASK_BENCHMARKS,
  TASKS,
  type Priority,
  type Task,
} from '../../src/shared/ladder';
import type { HardwareSnapshot, LadderStep, Recommendation, Report, WhatIf } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from '../helpers/hardware';

const catalog = loadCatalog();
const presets = loadGpuPresets();
const machinePresets = loadMachinePresets();
const paramsOf = (id: string | undefined): number => catalog.find((m) => m.id === id)?.publishedParamsB ?? 0;
const whatIf = (w: WhatIf): HardwareSnapshot =>
  applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB, cpuBandwidth: 60e9 }), w, presets, machinePresets);

function vm2Core8Gb(): HardwareSnapshot {
  // A small cloud VM: two vCPUs get a slice of the host's memory bandwidth.
  const hw = makeSnapshot({ ramBytes: 8 * GiB, cpuBandwidth: 12e9 });
  hw.cpu.physicalCores = 2;
  hw.cpu.logicalCores = 2;
  return hw;
}

interface Machine {
  name: string;
  hardware: HardwareSnapshot;
  /** Total memory a rung may use: RAM, plus VRAM for a discrete GPU. */
  memoryBytes: number;
  /** Expected chat rungs (balanced, 8k context): model ids of start, scale up and ceiling (null = none). */
  chat: [string, string | null, string];
}

const MACHINES: Machine[] = [
  {
    // DDR4 dual channel (38.4 GB/s), no GPU. Best at 10 tok/s is Phi-3.5 mini (MMLU 69), so the bar is the chat
    // bar itself, 65: Qwen2.5 3B (65.6) is the smallest that reaches it at ~13 tok/s (Q6_K). Phi-3.5 mini adds
    // 3.4 points at 12.5 tok/s. Llama 3.1 8B Q4_K_M (MMLU 66.7, 5.2 GiB) is the largest rated model at 2+ tok/s.
    name: 'laptop, 8 GB, no GPU',
    hardware: makeSnapshot({ ramBytes: 8 * GiB, cpuBandwidth: 38.4e9 }),
    memoryBytes: 8 * GiB,
    chat: ['qwen2.5-3b', 'phi-3.5-mini', 'llama-3.1-8b'],
  },
  {
    // Unified 16 GB at 100 GB/s, about 2/3 of it for the GPU. Qwen2.5 7B Q6_K runs at ~12 tok/s (MMLU 74.2), so
    // the bar is 66.2: Phi-3.5 mini (69) starts at ~22 tok/s; the 7B is the step up; the 14B at Q4_K_M (8 tok/s)
    // still fits the GPU budget as the ceiling.
    name: 'MacBook M2, 16 GB',
    hardware: whatIf({ gpuName: 'Apple M2', ramBytes: 16 * GiB }),
    memoryBytes: 16 * GiB,
    chat: ['phi-3.5-mini', 'qwen2.5-7b', 'qwen2.5-14b'],
  },
  {
    // 12 GB at 360 GB/s: Qwen2.5 14B Q5_K_M fits on the GPU at ~25 tok/s (79.7), so the bar is 71.7 and a 7B
    // (74.2, ~42 tok/s) starts; the 14B is +5.5 points. 70B models only run with 25 of 81 layers on the GPU at
    // ~2 tok/s (Q3_K_M): the ceiling, Llama 3.1 70B (79.3, the largest rated one that scores at least the start).
    name: 'RTX 3060 12 GB, 32 GB RAM',
    hardware: whatIf({ gpuName: 'RTX 3060', ramBytes: 32 * GiB }),
    memoryBytes: 44 * GiB,
    chat: ['qwen2.5-7b', 'qwen2.5-14b', 'llama-3.1-70b'],
  },
  {
    // 24 GB at 1 TB/s: Qwen2.5 32B Q4_K_M runs on the GPU at ~34 tok/s (83.3), so the bar is 75.3 and the start
    // is Qwen2.5 14B (79.7, ~57 tok/s at Q6_K), never the laptop's 1.5B-3B. 72B reaches 2 tok/s with 38 of 81
    // layers on the GPU and the rest in the 64 GB of RAM.
    name: 'RTX 4090 24 GB, 64 GB RAM',
    hardware: whatIf({ machine: 'desktop-rtx-4090-64gb' }),
    memoryBytes: 88 * GiB,
    chat: ['qwen2.5-14b', 'qwen2.5-32b', 'qwen2.5-72b'],
  },
  {
    // 2 x 24 GB: the same bar as the 4090 (72B only reaches 10 tok/s at Q3_K_M, which the start and step up do
    // not use), so 14B then 32B (Q6_K now fits); the ceiling is Qwen2.5 72B at Q3_K_M, all on the two GPUs.
    name: '2 x RTX 3090, 128 GB RAM',
    hardware: whatIf({ machine: 'desktop-2x-rtx-3090-128gb' }),
    memoryBytes: 176 * GiB,
    chat: ['qwen2.5-14b', 'qwen2.5-32b', 'qwen2.5-72b'],
  },
  {
    // 64 GB unified at 400 GB/s: the 32B at Q6_K runs at ~10.5 tok/s, so the bar is 75.3 again; 72B Q4_K_M fits
    // the GPU budget at ~6 tok/s as the ceiling.
    name: 'MacBook M3 Max, 64 GB',
    hardware: whatIf({ gpuName: 'Apple M3 Max', ramBytes: 64 * GiB }),
    memoryBytes: 64 * GiB,
    chat: ['qwen2.5-14b', 'qwen2.5-32b', 'qwen2.5-72b'],
  },
  {
    // 128 GB at 256 GB/s (Strix Halo's iGPU shares the RAM): 14B at ~20 tok/s, 32B at ~10 tok/s, 72B at ~5 tok/s.
    name: 'Strix Halo, 128 GB',
    hardware: whatIf({ machine: 'framework-desktop-strix-halo-128gb' }),
    memoryBytes: 128 * GiB,
    chat: ['qwen2.5-14b', 'qwen2.5-32b', 'qwen2.5-72b'],
  },
  {
    // 192 GB at 800 GB/s: the 72B runs at ~12 tok/s (86.1), so the bar rises to 78.1; the 14B (79.7) still
    // reaches it, the 32B is the step with the best gain per GiB, the 72B is the ceiling.
    name: 'Mac Studio M2 Ultra, 192 GB',
    hardware: whatIf({ gpuName: 'Apple M2 Ultra', ramBytes: 192 * GiB }),
    memoryBytes: 192 * GiB,
    chat: ['qwen2.5-14b', 'qwen2.5-32b', 'qwen2.5-72b'],
  },
  {
    // 80 GB at 3.35 TB/s: everything up to 72B runs on the GPU (72B Q4_K_M ~46 tok/s); the bar is 78.1.
    name: 'H100 SXM 80 GB, 256 GB RAM',
    hardware: whatIf({ gpuName: 'H100 SXM', ramBytes: 256 * GiB }),
    memoryBytes: 336 * GiB,
    chat: ['qwen2.5-14b', 'qwen2.5-32b', 'qwen2.5-72b'],
  },
  {
    // 2 vCPUs at 12 GB/s: only ~1 GB models reach 10 tok/s. Qwen2.5 1.5B Q4_K_M (60.9) is the best that does,
    // so it starts; nothing bigger reaches 10 tok/s (no step up); Llama 3.1 8B Q4_K_M runs at ~2.3 tok/s.
    name: '2-core VM, 8 GB',
    hardware: vm2Core8Gb(),
    memoryBytes: 8 * GiB,
    chat: ['qwen2.5-1.5b', null, 'llama-3.1-8b'],
  },
];

// One report per machine and context (its rows do not depend on the task); each ladder is recommended over its rows.
const reports = new Map<string, Report>();
function ladder(
  hw: HardwareSnapshot,
  task: Task = 'chat',
  priority: Priority = 'balanced',
  extra: { contextTokens?: number } = {},
): Report {
  const contextTokens = extra.contextTokens ?? 8192;
  const key = `${MACHINES.findIndex((m) => m.hardware === hw)}:${contextTokens}`;
  let report = reports.get(key);
  if (!report) {
    report = buildReport(hw, catalog, { contextTokens, kvType: 'f16' }, { detectMs: 0 });
    reports.set(key, report);
  }
  return { ...report, recommendation: recommendLadder(report.rows, catalog, { task, priority, contextTokens }) };
}

const rungs = (r: Recommendation): LadderStep[] => [r.start, r.scaleUp, r.ceiling].filter((s): s is LadderStep => s !== null);
const rowOf = (report: Report, s: LadderStep) => report.rows.find((x) => x.modelId === s.modelId && x.quant === s.quant);

describe('the ladder on ten machines', () => {
  it.each(MACHINES.map((m) => [m.name, m] as const))('%s: chat rungs as reasoned', (_name, machine) => {
    const r = ladder(machine.hardware).recommendation;
    expect([r.start?.modelId ?? null, r.scaleUp?.modelId ?? null, r.ceiling?.modelId ?? null]).toEqual(machine.chat);
    // Each rung says why in numbers, with its placement and the published score it was judged by.
    for (const s of rungs(r)) {
      expect(s.reason).toMatch(/\d/);
      expect(s.contextTokens).toBeGreaterThan(0);
      expect(s.totalLayers).toBeGreaterThan(0);
    }
    expect(r.start?.score?.benchmark).toBe('MMLU');
    expect(r.start?.reason).toMatch(/MMLU \d/);
  });

  it('never gives a rung that cannot run, nor one below Q3_K_M, on any machine, task or priority', () => {
    for (const machine of MACHINES) {
      for (const task of TASKS) {
        for (const priority of PRIORITIES) {
          const report = ladder(machine.hardware, task, priority);
          const r = report.recommendation;
          for (const s of rungs(r)) {
            const row = rowOf(report, s);
            const where = `${machine.name} ${task}/${priority} ${s.modelId} ${s.quant}`;
            expect(row, where).toBeDefined();
            expect(row?.fit, where).not.toBe('none');
            expect(row?.memory.totalBytes ?? Infinity, where).toBeLessThanOrEqual(machine.memoryBytes);
            expect(['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_M'], where).toContain(s.quant);
            expect(s.tokPerSec ?? 0, where).toBeGreaterThanOrEqual(CEILING_MIN_TOK_PER_SEC);
          }
          for (const s of [r.start, r.scaleUp]) {
            if (s) expect(s.tokPerSec ?? 0).toBeGreaterThanOrEqual(DEFAULT_MIN_TOK_PER_SEC[priority]);
            // The start and the step up are judged by the task's benchmark, never guessed.
            if (s) expect(s.score?.benchmark).toBe(TASK_BENCHMARKS[task].benchmark);
          }
        }
      }
    }
  });

  it('no 24 GB GPU starts below 7B when an 8B to 14B runs there at good speed, for any task', () => {
    for (const machine of MACHINES.filter((m) => /4090|3090|H100/.test(m.name))) {
      for (const task of TASKS) {
        const r = ladder(machine.hardware, task).recommendation;
        expect(r.start, `${machine.name} ${task}`).not.toBeNull();
        expect(paramsOf(r.start?.modelId), `${machine.name} ${task}`).toBeGreaterThanOrEqual(7);
      }
    }
  });

  it('an 8 GB machine only gets rungs that fit its 8 GB', () => {
    for (const machine of MACHINES.filter((m) => m.memoryBytes === 8 * GiB)) {
      for (const task of TASKS) {
        const report = ladder(machine.hardware, task);
        for (const s of rungs(report.recommendation)) {
          expect(s.memoryBytes ?? Infinity).toBeLessThan(8 * GiB);
          expect(rowOf(report, s)?.fit).toBe('cpu');
        }
      }
    }
  });
});

describe('choices', () => {
  const rtx4090 = MACHINES[3]?.hardware as HardwareSnapshot;

  it('the priority moves the bar: speed starts lower and faster, quality higher', () => {
    const speed = ladder(rtx4090, 'chat', 'speed').recommendation;
    const balanced = ladder(rtx4090, 'chat', 'balanced').recommendation;
    const quality = ladder(rtx4090, 'chat', 'quality').recommendation;
    expect(speed.bar?.score ?? 0).toBeLessThan(balanced.bar?.score ?? 0);
    expect(balanced.bar?.score ?? 0).toBeLessThan(quality.bar?.score ?? 0);
    expect(speed.minTokPerSec).toBe(20);
    expect(speed.start?.tokPerSec ?? 0).toBeGreaterThan(balanced.start?.tokPerSec ?? 0);
    expect(quality.start?.score?.score ?? 0).toBeGreaterThanOrEqual(balanced.start?.score?.score ?? 0);
  });

  it('a minimum speed holds for the start and the step up', () => {
    const report = buildReport(rtx4090, catalog, { contextTokens: 8192, kvType: 'f16', minTokPerSec: 60 }, { detectMs: 0 });
    const r = report.recommendation;
    expect(r.minTokPerSec).toBe(60);
    expect(r.start, 'a 4090 has a start at 60 tok/s').not.toBeNull();
    for (const s of [r.start, r.scaleUp]) if (s) expect(s.tokPerSec ?? 0).toBeGreaterThanOrEqual(60);
  });

  it('coding is judged by HumanEval, and models without a published score are named as not ranked', () => {
    const r = ladder(rtx4090, 'coding').recommendation;
    expect(r.bar?.benchmark).toBe('HumanEval');
    for (const s of [r.start, r.scaleUp]) {
      const model = catalog.find((m) => m.id === s?.modelId);
      expect(model?.quality?.coding?.benchmark).toBe('HumanEval');
    }
    expect(r.notes.join(' ')).toMatch(/no published HumanEval score/);
  });

  it('a long context leaves out models trained for less, and a laptop without RULER-scored models gets no long-docs start', () => {
    const r = ladder(rtx4090, 'chat', 'balanced', { contextTokens: 32768 }).recommendation;
    expect(r.start, 'a 4090 has a 32k chat start').not.toBeNull();
    for (const s of [r.start, r.scaleUp]) if (s) expect(catalog.find((m) => m.id === s.modelId)?.maxContext).toBeGreaterThanOrEqual(32768);
    expect(r.notes.join(' ')).toMatch(/trained for less than 32768 tokens/);
    expect(ladder(rtx4090, 'long-docs', 'balanced', { contextTokens: 32768 }).recommendation.start?.score?.benchmark).toBe('RULER');
    const laptop = ladder(MACHINES[0]?.hardware as HardwareSnapshot, 'long-docs').recommendation;
    expect(laptop.start).toBeNull();
    expect(laptop.notes.join(' ')).toMatch(/No catalogued model with a published RULER score runs here/);
  });

  it("precision is part of quality: llama.cpp's measured cost grows as bits fall, and the start says why a bigger model at fewer bits wins", () => {
    const order = ['F16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_M', 'Q2_K'] as const;
    const klds = order.map((q) => QUANT_COST[q]?.kld ?? NaN);
    expect(klds).toEqual([...klds].sort((a, b) => a - b));
    const start = ladder(rtx4090, 'chat', 'speed').recommendation.start;
    expect(start?.precisionNote).toMatch(/KLD 0\.031 vs F16/);
    expect(start?.reason).toMatch(
      /would run at F16 here but scores [\d.]+: [\d.]+ points below, while Q4_K_M itself measured only \+2.82% perplexity/,
    );
  });
});

describe('rightsize recommend', () => {
  /** A service whose getReport sizes the 4090 desktop with the real core, recording each request. */
  function fakeService(calls: unknown[]): Service {
    return {
      async call(method, input) {
        if (method !== 'getReport') throw new Error(`not faked: ${method}`);
        const request = HostApiSchemas.getReport.input.parse(input);
        calls.push(request);
        const { contextTokens, kvType, task, priority, minTokPerSec } = request;
        const settings = {
          contextTokens,
          kvType,
          ...(task ? { task } : {}),
          ...(priority ? { priority } : {}),
          ...(minTokPerSec ? { minTokPerSec } : {}),
        };
        return HostApiSchemas.getReport.output.parse(
          buildReport(MACHINES[3]?.hardware as HardwareSnapshot, catalog, settings, { detectMs: 0 }),
        ) as never;
      },
      onEvent: () => () => undefined,
      dispose: () => undefined,
    };
  }
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; calls: unknown[] }> {
    const calls: unknown[] = [];
    let stdout = '';
    let stderr = '';
    const service = fakeService(calls);
    const code = await main(
      args,
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, env: {} },
      { createService: () => service },
    );
    return { code, stdout, stderr, calls };
  }

  it('turns its flags into one getReport call and prints the ladder with reasons', async () => {
    const r = await cli(['recommend', '--task', 'coding', '--priority', 'speed', '--min-tps', '30', '--ctx', '16k', '--no-color']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      { contextTokens: 16384, kvType: 'f16', task: 'coding', priority: 'speed', minTokPerSec: 30, files: [], includeDiscovered: true },
    ]);
    expect(r.stdout).toMatch(/coding .*judged by HumanEval.*speed priority, 30\+ tok\/s/);
    expect(r.stdout).toMatch(/1 Start here +\S.* Q\d/);
    expect(r.stdout).toMatch(/HumanEval [\d.]+: .*https:\/\//);
    expect(r.stdout).toContain('llama.cpp perplexity README');
  });

  it('--json prints the recommendation; long-docs defaults to a 32k context; a bad task never reaches the service', async () => {
    const r = await cli(['recommend', '--task', 'long-docs', '--json']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([expect.objectContaining({ contextTokens: 32768, task: 'long-docs' })]);
    const json = JSON.parse(r.stdout) as { recommendation: Recommendation };
    expect(json.recommendation.task).toBe('long-docs');
    expect(json.recommendation.bar?.benchmark).toBe('RULER');
    const bad = await cli(['recommend', '--task', 'poetry']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--task "poetry" is not one of chat, coding, reasoning, long-docs, extraction/);
    expect(bad.calls).toEqual([]);
  });
});
