// Where a catalog model's GGUF files come from (resources/catalog/gguf-sources.json): every rung the start-small ladder
// picks on the machine presets can be run by name, with the same repository in llama.cpp, Ollama and node-llama-cpp.
import { describe, expect, it } from 'vitest';
import { loadCatalog, loadGgufSources, loadMachinePresets } from '../../src/node/resources';
import type { Recommendation, RunCommandsResult } from '../../src/shared/schema';
import { TASKS } from '../../src/shared/ladder';
import { serviceOn } from '../helpers/service';
import { makeSnapshot } from '../helpers/hardware';

const commandOf = (r: RunCommandsResult, tool: string): string => r.commands.find((c) => c.tool === tool)!.command;

describe('GGUF sources of catalog models', () => {
  const sources = loadGgufSources();
  const catalog = new Map(loadCatalog().map((m) => [m.id, m]));

  it('name catalog models, each once, with a repository and where its files were seen', () => {
    const models = sources.map((s) => s.model);
    expect(new Set(models).size).toBe(models.length);
    for (const s of sources) {
      expect(catalog.has(s.model), s.model).toBe(true);
      expect(s.repo).toMatch(/-GGUF$/);
      // Evidence a reader can follow: an index id of the code search, or a page read by hand.
      expect(s.seen, s.model).toMatch(/index id|README/);
    }
  });

  it("every rung the ladder picks on the machine presets, for every task, has its repository's file at the rung's precision", async () => {
    const service = serviceOn(makeSnapshot({}));
    const rungs = new Map<string, string>();
    for (const machine of loadMachinePresets()) {
      for (const task of TASKS) {
        const report = await service.call('getReport', { contextTokens: 8192, kvType: 'f16', task, whatIf: { machine: machine.id } });
        const ladder: Recommendation = report.recommendation;
        for (const rung of [ladder.start, ladder.scaleUp, ladder.ceiling]) {
          if (rung) rungs.set(`${rung.modelId}/${rung.quant}`, `${machine.id} ${task}`);
        }
      }
    }
    const missing = [...rungs].filter(([key]) => {
      const [model, quant] = key.split('/') as [string, string];
      return !sources.some((s) => s.model === model && (s.quants as readonly string[]).includes(quant));
    });
    expect(rungs.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  }, 120_000);

  it("the report's rungs say where to fetch them: llama.cpp's REPO:QUANT and what Ollama pulls", async () => {
    const report = await serviceOn(makeSnapshot({})).call('getReport', {
      contextTokens: 8192,
      kvType: 'f16',
      whatIf: { machine: 'desktop-rtx-4090-64gb' },
    });
    const steps = [report.recommendation.start, report.recommendation.scaleUp, report.recommendation.ceiling].filter((s) => s !== null);
    expect(steps.length).toBe(3);
    for (const step of steps) {
      const source = sources.find((s) => s.model === step.modelId);
      // gpt-oss-120b's 60 GB at Q4_K_M is past Hugging Face's 50 GB per file: in parts, which Ollama cannot pull.
      const weights = report.rows.find((r) => r.modelId === step.modelId && r.quant === step.quant)?.memory.weightsBytes ?? 0;
      expect(step.fetch, step.modelId).toEqual({
        hf: `${source?.repo}:${step.quant}`,
        ollama: weights > 50e9 ? null : `hf.co/${source?.repo}:${step.quant}`,
      });
    }
    expect(report.recommendation.ceiling?.fetch?.ollama).toBeNull();
  });

  it('a rung model is fetched by name in every tool: -hf, hf.co/ for Ollama, hf: for node-llama-cpp, lms get for LM Studio', async () => {
    const service = serviceOn(makeSnapshot({}));
    const result = await service.call('runCommands', { model: 'qwen3-8b', quant: 'Q6_K', contextTokens: 8192 });
    expect(commandOf(result, 'llama-server')).toMatch(/^llama-server -hf bartowski\/Qwen_Qwen3-8B-GGUF:Q6_K -c 8192 -ngl 0 /);
    const ollama = result.commands.filter((c) => c.tool === 'ollama');
    expect(ollama[0]!.command).toContain('FROM hf.co/bartowski/Qwen_Qwen3-8B-GGUF:Q6_K');
    expect(ollama[1]!.command).toContain('"model":"hf.co/bartowski/Qwen_Qwen3-8B-GGUF:Q6_K"');
    expect(commandOf(result, 'node-llama-cpp')).toContain("resolveModelFile('hf:bartowski/Qwen_Qwen3-8B-GGUF:Q6_K', 'models')");
    expect(commandOf(result, 'lmstudio')).toMatch(/^lms get https:\/\/huggingface\.co\/bartowski\/Qwen_Qwen3-8B-GGUF@Q6_K\nlms load /);
    expect(result.commands.flatMap((c) => c.notes).join(' ')).not.toContain('MODEL.gguf stands for');
    // Where the repository comes from is said with the commands.
    expect(result.notes.join(' ')).toMatch(/bartowski\/Qwen_Qwen3-8B-GGUF on Hugging Face .*Seen in use: .*index ids/);
    // Ollama's own library where it has the model: Llama 3.1 8B.
    const llama = await service.call('runCommands', { model: 'llama-3.1-8b', quant: 'Q4_K_M', contextTokens: 8192, for: 'ollama' });
    expect(llama.commands[0]!.command).toContain('FROM llama3.1:8b-instruct-q4_K_M');
  });

  it("a precision past Hugging Face's 50 GB per file comes in parts: llama.cpp fetches them, Ollama is told to join them first", async () => {
    const service = serviceOn(makeSnapshot({}));
    // Llama 3.1 70B: bartowski's Q6_K (57.9 GB) is in 2 parts, its Q4_K_M (42.5 GB) one file.
    const parts = await service.call('runCommands', { model: 'llama-3.1-70b', quant: 'Q6_K', contextTokens: 8192 });
    expect(commandOf(parts, 'llama-server')).toMatch(/^llama-server -hf bartowski\/Meta-Llama-3\.1-70B-Instruct-GGUF:Q6_K /);
    const [modelfile] = parts.commands.filter((c) => c.tool === 'ollama');
    expect(modelfile!.command).not.toContain('hf.co/');
    expect(modelfile!.command).toContain('FROM MODEL.gguf');
    expect(modelfile!.notes.join(' ')).toMatch(/in parts .*ollama\/ollama#5245.*llama-gguf-split --merge FIRST-PART\.gguf MODEL\.gguf/);
    const whole = await service.call('runCommands', { model: 'llama-3.1-70b', quant: 'Q4_K_M', contextTokens: 8192, for: 'ollama' });
    expect(whole.commands[0]!.command).toContain('FROM hf.co/bartowski/Meta-Llama-3.1-70B-Instruct-GGUF:Q4_K_M');
  });

  it('a precision the repository does not hold, or a model without a source, keeps the placeholder and says what to fetch', async () => {
    const service = serviceOn(makeSnapshot({}));
    for (const request of [
      { model: 'qwen3-8b', quant: 'F32' },
      { model: 'falcon-180b', quant: 'Q4_K_M' },
    ]) {
      const result = await service.call('runCommands', { ...request, contextTokens: 2048 });
      expect(commandOf(result, 'llama-server')).toMatch(/^llama-server -m MODEL\.gguf /);
      expect(result.commands.flatMap((c) => c.notes).join(' ')).toContain(`MODEL.gguf stands for a ${request.quant} GGUF file`);
    }
  });
});
