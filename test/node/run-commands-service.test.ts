// `runCommands` through the real service (detection faked) and `rightsize command` over a fake
// service: the commands carry the placement `estimate` finds, and the CLI only parses and prints.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index';
import { HostApiSchemas, type HostApiMethod } from '../../src/shared/api';
import type { RunCommandsResult } from '../../src/shared/schema';
import { UserFacingError, type Service, type ServiceOptions } from '../../src/node/service';
import { makeGpu, makeSnapshot, rtx4090 } from '../helpers/hardware';
import { serviceOn } from '../helpers/service';

const STORIES = join(import.meta.dirname, '../../../shared/models/stories260K.gguf');
const GiB = 2 ** 30;

const serverCommand = (r: RunCommandsResult): string => r.commands.find((c) => c.tool === 'llama-server')!.command;

describe('runCommands in the service', () => {
  it('writes the -ngl estimate says fits: all of Llama 3.1 8B on a 24 GB card, threads from the CPU', async () => {
    const service = serviceOn(makeSnapshot({ gpus: [rtx4090()] }));
    const request = { model: 'llama-3.1-8b', quant: 'Q4_K_M', contextTokens: 8192 };
    const [estimate, result] = await Promise.all([service.call('estimate', request), service.call('runCommands', request)]);
    expect(result.placement).toMatchObject({ fit: 'gpu', gpuLayers: estimate.gpuLayers, totalLayers: 33, threads: 8 });
    expect(serverCommand(result)).toBe(
      'llama-server -hf bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M -c 8192 -ngl 33 -ctk f16 -ctv f16 -t 8',
    );
    expect(result.commands.map((c) => c.tool)).toEqual([
      'llama-server',
      'llama-cli',
      'ollama',
      'ollama',
      'lmstudio',
      'node-llama-cpp',
      'llama-bench',
    ]);
  });

  it('a Jetson (planned here, or detected as CUDA\'s bare "Orin") is told to run in its fastest power mode; other GPUs are not', async () => {
    const request = { model: 'qwen2.5-3b', quant: 'Q4_K_M', contextTokens: 4096 };
    const planned = await serviceOn(makeSnapshot({ gpus: [rtx4090()] })).call('runCommands', {
      ...request,
      whatIf: { machine: 'jetson-orin-nano-super-8gb' },
    });
    expect(planned.notes.join(' ')).toMatch(/fastest power mode .*nvpmodel -m N.*jetson_clocks/);
    const detected = makeSnapshot({
      ramBytes: 8 * GiB,
      gpus: [makeGpu({ name: 'Orin', vendor: 'nvidia', backend: 'cuda', unifiedMemory: true, vramBytes: 7607 * 2 ** 20 })],
    });
    expect((await serviceOn(detected).call('runCommands', request)).notes.join(' ')).toContain('nvpmodel');
    const desktop = await serviceOn(makeSnapshot({ gpus: [rtx4090()] })).call('runCommands', request);
    expect(desktop.notes.join(' ')).not.toContain('nvpmodel');
  });

  it("a planned machine's commands use its CPU: its cores where the preset names them, llama.cpp's default where not", async () => {
    // This machine has 2 cores: a plan for another machine must not take them.
    const twoCores = makeSnapshot({ gpus: [rtx4090()] });
    twoCores.cpu.physicalCores = 2;
    twoCores.cpu.logicalCores = 2;
    const service = serviceOn(twoCores);
    const request = { model: 'llama-3.1-8b', quant: 'Q4_K_M', contextTokens: 8192 };
    // A DGX Spark's 20 Grace cores (at most 8 threads), not this machine's.
    const spark = await service.call('runCommands', { ...request, whatIf: { machine: 'dgx-spark-128gb' } });
    expect(spark.placement).toMatchObject({ fit: 'gpu', threads: 8, backend: 'cuda' });
    const mini = await service.call('runCommands', { ...request, whatIf: { machine: 'macbook-air-m3-16gb' } });
    expect(mini.placement.threads).toBe(8);
    // A desktop preset names no CPU: no -t, no num_thread, no threads, and the note says why.
    const desktop = await service.call('runCommands', { ...request, whatIf: { machine: 'desktop-rtx-4090-64gb' } });
    expect(desktop.placement.threads).toBeNull();
    expect(serverCommand(desktop)).not.toMatch(/ -t /);
    expect(desktop.commands.find((c) => c.tool === 'llama-server')?.notes.join(' ')).toMatch(/No -t: the planned machine names no CPU/);
    for (const c of desktop.commands) expect(c.command, c.tool).not.toMatch(/num_thread|threads:/);
    // A what-if of GPU and RAM alone keeps this machine's CPU, and its threads.
    const gpuOnly = await service.call('runCommands', { ...request, whatIf: { gpuName: 'RTX 3090' } });
    expect(gpuOnly.placement.threads).toBe(2);
  });

  it('partial offload on a small card: the same k of N as estimate, in every tool', async () => {
    const service = serviceOn(makeSnapshot({ gpus: [makeGpu({ name: 'Small GPU', vramBytes: 4 * GiB })] }));
    const request = { model: 'llama-3.1-8b', quant: 'Q8_0', contextTokens: 8192, kvType: 'q8_0' as const };
    const [estimate, result] = await Promise.all([service.call('estimate', request), service.call('runCommands', request)]);
    expect(estimate.fit).toBe('partial');
    const k = estimate.gpuLayers;
    expect(result.placement).toMatchObject({ fit: 'partial', gpuLayers: k, flashAttention: 'on' });
    expect(serverCommand(result)).toContain(` -ngl ${k} -ctk q8_0 -ctv q8_0 -fa on `);
    expect(result.commands.find((c) => c.title === 'Ollama: Modelfile')!.command).toContain(`PARAMETER num_gpu ${k}`);
    expect(result.commands.find((c) => c.tool === 'node-llama-cpp')!.command).toContain(`gpuLayers: ${k} })`);
  });

  it('a mixture of experts on a 12 GB card: the --n-cpu-moe estimate chose, with -ngl for every layer', async () => {
    const service = serviceOn(
      makeSnapshot({ ramBytes: 64 * GiB, gpus: [makeGpu({ name: 'NVIDIA GeForce RTX 3060', vramBytes: 12 * GiB })] }),
    );
    const request = { model: 'qwen3-30b-a3b', quant: 'Q4_K_M', contextTokens: 8192 };
    const [estimate, result] = await Promise.all([service.call('estimate', request), service.call('runCommands', request)]);
    expect(estimate.cpuMoeLayers).toBeGreaterThan(0);
    expect(result.placement.nCpuMoe).toBe(estimate.cpuMoeLayers);
    expect(serverCommand(result)).toContain(` -ngl ${estimate.gpuLayers} `);
    expect(serverCommand(result)).toContain(` --n-cpu-moe ${estimate.cpuMoeLayers}`);
    // Ollama and node-llama-cpp have no --n-cpu-moe: they get plain layer offload as estimate sizes it.
    const whole = await service.call('estimate', { ...request, nCpuMoe: 0 });
    expect(whole.fit).toBe('partial');
    expect(whole.gpuLayers).toBeLessThan(estimate.gpuLayers);
    expect(result.commands.find((c) => c.title === 'Ollama: Modelfile')!.command).toContain(`PARAMETER num_gpu ${whole.gpuLayers}\n`);
    expect(result.commands.find((c) => c.tool === 'node-llama-cpp')!.command).toContain(`gpuLayers: ${whole.gpuLayers} })`);
  });

  it('an MoE over two GPUs: the -ts estimate shared out so the experts of fewer blocks leave, in the llama.cpp commands', async () => {
    const rtx3090 = () => makeGpu({ name: 'NVIDIA GeForce RTX 3090', vramBytes: 24 * GiB });
    const service = serviceOn(makeSnapshot({ ramBytes: 128 * GiB, gpus: [rtx3090(), rtx3090()] }));
    const request = { model: 'qwen3-next-80b-a3b', quant: 'Q6_K', contextTokens: 8192 };
    const [estimate, result] = await Promise.all([service.call('estimate', request), service.call('runCommands', request)]);
    expect(estimate.gpuLayers).toBe(estimate.totalLayers);
    expect(estimate.cpuMoeLayers).toBeGreaterThan(0);
    expect(estimate.tensorSplit).not.toBeNull();
    expect(estimate.tensorSplit!.reduce((a, b) => a + b, 0)).toBe(estimate.totalLayers);
    expect(estimate.gpus!.every((g) => g.totalBytes <= g.budgetBytes)).toBe(true);
    expect(result.placement.tensorSplit).toEqual(estimate.tensorSplit);
    expect(serverCommand(result)).toContain(` --n-cpu-moe ${estimate.cpuMoeLayers} -ts ${estimate.tensorSplit!.join(',')}`);
  });

  it("two GPUs: -ts from each card's usable memory, or the split the user gave", async () => {
    const service = serviceOn(makeSnapshot({ gpus: [rtx4090(), makeGpu({ name: 'NVIDIA GeForce RTX 3060', vramBytes: 12 * GiB })] }));
    const byBudget = await service.call('runCommands', { model: 'llama-3.1-8b', for: 'llama-server' });
    expect(byBudget.placement.tensorSplit).toHaveLength(2);
    expect(byBudget.placement.tensorSplit![0]).toBeGreaterThan(byBudget.placement.tensorSplit![1]!);
    expect(serverCommand(byBudget)).toContain(` -ts ${byBudget.placement.tensorSplit!.join(',')}`);
    const given = await service.call('runCommands', { model: 'llama-3.1-8b', tensorSplit: [1, 1], for: 'llama-server' });
    expect(serverCommand(given)).toMatch(/ -ts 1,1$/);
    expect(given.commands).toHaveLength(1);
  });

  it('no GPU: CPU only, -ngl 0, and a GGUF file is named by its path', async () => {
    const service = serviceOn(makeSnapshot());
    const result = await service.call('runCommands', { model: STORIES });
    expect(result.placement).toMatchObject({ fit: 'cpu', gpuLayers: 0 });
    expect(result.model.path).toBe(STORIES);
    expect(serverCommand(result)).toBe(`llama-server -m ${STORIES} -c ${result.placement.contextTokens} -ngl 0 -ctk f16 -ctv f16 -t 8`);
    // Its head size (8) is smaller than a q8_0 block: llama.cpp refuses that cache at load (seen with llama-fit-params).
    const quantized = await service.call('runCommands', { model: STORIES, kvType: 'q8_0' });
    expect(quantized.notes.join(' ')).toContain(
      'llama.cpp refuses a q8_0 KV cache for this model: its head size 8 is not a multiple of 32',
    );
    expect(result.notes).toEqual([]);
  });

  it('a model it cannot find is an error the user can act on', async () => {
    const service = serviceOn(makeSnapshot());
    await expect(service.call('runCommands', { model: 'llama-9-9000b' })).rejects.toBeInstanceOf(UserFacingError);
    await expect(service.call('runCommands', { model: 'llama-3.1-8b', contextTokens: 10_000_000 })).rejects.toThrow(/maximum context/);
  });
});

/** A service that records calls and answers runCommands from a canned result. */
function fakeCli(answer: RunCommandsResult): {
  make: (o: ServiceOptions) => Service;
  calls: Array<{ method: HostApiMethod; input: unknown }>;
} {
  const calls: Array<{ method: HostApiMethod; input: unknown }> = [];
  const service: Service = {
    async call(method, input) {
      const parsed = HostApiSchemas[method].input.parse(input);
      calls.push({ method, input: parsed });
      if (method !== 'runCommands') throw new UserFacingError(`fake: ${method} not faked`, 'fake');
      return HostApiSchemas.runCommands.output.parse(answer) as never;
    },
    onEvent: () => () => undefined,
    dispose: () => undefined,
  };
  return { make: () => service, calls };
}

async function cli(args: string[], answer: RunCommandsResult): Promise<{ code: number; stdout: string; stderr: string; calls: unknown[] }> {
  let stdout = '';
  let stderr = '';
  const fake = fakeCli(answer);
  const code = await main(
    args,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, env: {} },
    { createService: fake.make },
  );
  return { code, stdout, stderr, calls: fake.calls };
}

describe('rightsize command', () => {
  const canned: RunCommandsResult = {
    model: { id: 'llama-3.1-8b', name: 'Llama 3.1 8B Instruct', quant: 'Q4_K_M', path: null, moe: false },
    placement: {
      fit: 'gpu',
      gpuLayers: 33,
      totalLayers: 33,
      contextTokens: 8192,
      kvType: 'q8_0',
      flashAttention: 'on',
      threads: 8,
      tensorSplit: null,
      splitMode: null,
      mainGpu: null,
      nCpuMoe: null,
      backend: 'cuda',
      why: 'All 33 layers fit in 22.8 GiB of usable VRAM.',
    },
    commands: [
      { tool: 'llama-server', title: 'llama.cpp: llama-server', command: 'llama-server -m MODEL.gguf -c 8192 -ngl 33', notes: ['a note'] },
      { tool: 'ollama', title: 'Ollama: Modelfile', command: "cat > Modelfile <<'EOF'\nFROM x\nEOF", notes: [] },
    ],
    notes: ['Sized for the profile "desk": run these on that machine.'],
  };

  it('turns its flags into one runCommands call', async () => {
    const r = await cli(
      [
        'command',
        'llama-3.1-8b',
        '--quant',
        'Q4_K_M',
        '--ctx',
        '8k',
        '--kv',
        'q8_0',
        '--profile',
        'desk',
        '--for',
        'ollama',
        '--threads',
        '6',
        '--json',
      ],
      canned,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      {
        method: 'runCommands',
        input: {
          model: 'llama-3.1-8b',
          quant: 'Q4_K_M',
          contextTokens: 8192,
          kvType: 'q8_0',
          gpuLayers: 'auto',
          threads: 6,
          profile: 'desk',
          for: 'ollama',
        },
      },
    ]);
    expect(JSON.parse(r.stdout)).toEqual(canned);
  });

  it('prints each command on lines of its own, ready to copy, with its notes', async () => {
    const r = await cli(['command', 'llama-3.1-8b'], canned);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('llama-server -m MODEL.gguf -c 8192 -ngl 33');
    expect(lines).toContain('# Ollama: Modelfile');
    expect(r.stdout).toContain("cat > Modelfile <<'EOF'\nFROM x\nEOF\n");
    expect(r.stdout).toContain('  - a note');
    expect(r.stdout).toContain('Sized for the profile "desk"');
    expect(r.stdout).toContain('KV q8_0 (flash attention on), -ngl 33 of 33, 8 threads');
  });

  it('refuses an unknown tool and a missing model with usage errors', async () => {
    const badTool = await cli(['command', 'llama-3.1-8b', '--for', 'vllm'], canned);
    expect(badTool.code).toBe(2);
    expect(badTool.stderr).toContain('--for "vllm" must be one of llama-server, llama-cli, ollama, lmstudio, node-llama-cpp');
    const noModel = await cli(['command'], canned);
    expect(noModel.code).toBe(2);
    expect(badTool.calls).toEqual([]);
  });
});
