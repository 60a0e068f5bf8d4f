// "How to run it": the commands a user copies must carry the placement rightsize sized, and every
// llama.cpp flag in them must exist in the llama.cpp that node-llama-cpp ships.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  llamaBenchCommandArgs,
  llamaCppArgs,
  lmStudioGpu,
  nodeLlamaCppBuildFor,
  runCommands,
  shellQuote,
  type RunModel,
  type RunSettings,
} from '../../src/core/run-commands';
import { RunCommandsRequestSchema, RunCommandsResultSchema } from '../../src/shared/schema';
import { HostApiSchemas } from '../../src/shared/api';
import { benchUsageFlags, flagsOf, helpFlags, readmeFlags } from '../fixtures/llama/record-flags';

const FIXTURE = new URL('../fixtures/llama/flags.json', import.meta.url);
const BUNDLE = new URL('../../node_modules/node-llama-cpp/llama/gitRelease.bundle', import.meta.url);
const NODE_LLAMA_CPP = new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url);
/** The clone of that bundle (design.md), when this checkout has one. */
const SOURCE = new URL('../../.cache/llama.cpp-src/', import.meta.url);

interface FlagsFixture {
  llamaCppCommit: string;
  nodeLlamaCpp: string;
  flags: Record<'llama-server' | 'llama-cli' | 'llama-fit-params' | 'llama-bench', string[]>;
}
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as FlagsFixture;

const catalogModel: RunModel = {
  id: 'llama-3.1-8b',
  name: 'Llama 3.1 8B Instruct',
  quant: 'Q4_K_M',
  path: null,
  moe: false,
  ggufRepo: null,
  ollamaTag: null,
};
const withSources: RunModel = {
  ...catalogModel,
  ggufRepo: 'bartowski/Meta-Llama-3.1-8B-Instruct-GGUF',
  ollamaTag: 'llama3.1:8b-instruct-q4_K_M',
};
const moeModel: RunModel = { ...catalogModel, id: 'qwen3-30b-a3b', name: 'Qwen3 30B-A3B', moe: true };
const fileModel: RunModel = {
  ...catalogModel,
  id: "file:/home/me/My Models/it's.gguf",
  name: "it's.gguf",
  quant: 'Q8_0',
  path: "/home/me/My Models/it's.gguf",
};

const fullGpu: RunSettings = {
  fit: 'gpu',
  gpuLayers: 33,
  totalLayers: 33,
  contextTokens: 8192,
  kvType: 'f16',
  threads: 8,
  gpuCount: 1,
  tensorSplit: null,
  splitMode: null,
  mainGpu: null,
  nCpuMoe: null,
};
const partial: RunSettings = { ...fullGpu, fit: 'partial', gpuLayers: 20 };
const cpuOnly: RunSettings = { ...fullGpu, fit: 'cpu', gpuLayers: 0, gpuCount: 0 };
const twoGpus: RunSettings = { ...fullGpu, totalLayers: 81, gpuLayers: 81, gpuCount: 2, tensorSplit: [3, 1] };

const commandOf = (model: RunModel, settings: RunSettings, tool: Parameters<typeof runCommands>[2]): string =>
  runCommands(model, settings, tool)[0]!.command;

describe('llama-server and llama-cli commands', () => {
  it('full offload: every layer on the GPU with -ngl N, the context, KV types and threads', () => {
    expect(commandOf(catalogModel, fullGpu, 'llama-server')).toBe('llama-server -m MODEL.gguf -c 8192 -ngl 33 -ctk f16 -ctv f16 -t 8');
    expect(commandOf(catalogModel, fullGpu, 'llama-cli')).toBe('llama-cli -m MODEL.gguf -c 8192 -ngl 33 -ctk f16 -ctv f16 -t 8');
    const notes = runCommands(catalogModel, fullGpu, 'llama-server')[0]!.notes.join(' ');
    expect(notes).toContain('MODEL.gguf stands for a Q4_K_M GGUF file of Llama 3.1 8B Instruct');
  });

  it('partial offload writes the k of N that fits, and says the rest stays in RAM', () => {
    const [server] = runCommands(catalogModel, partial, 'llama-server');
    expect(server!.command).toContain(' -ngl 20 ');
    expect(server!.notes.join(' ')).toMatch(/20 of 33 layers .* on the GPU, the rest in RAM/);
  });

  it('CPU only: -ngl 0 (this llama.cpp would otherwise fit layers itself with -ngl auto)', () => {
    expect(commandOf(catalogModel, cpuOnly, 'llama-server')).toContain(' -ngl 0 ');
  });

  it('two GPUs: -ts with the proportions, or -sm none -mg N when one card holds it all', () => {
    expect(commandOf(catalogModel, twoGpus, 'llama-server')).toMatch(/ -ngl 81 .* -ts 3,1$/);
    const single = commandOf(catalogModel, { ...twoGpus, tensorSplit: null, splitMode: 'none', mainGpu: 1 }, 'llama-cli');
    expect(single).toMatch(/ -sm none -mg 1$/);
    expect(single).not.toContain('-ts');
    // Nothing offloaded: no split to write.
    expect(commandOf(catalogModel, { ...twoGpus, gpuLayers: 0 }, 'llama-server')).not.toContain('-ts');
  });

  it('a q8_0 or q4_0 KV cache turns flash attention on (llama.cpp needs it for a quantized V cache)', () => {
    for (const kvType of ['q8_0', 'q4_0'] as const) {
      const command = commandOf(catalogModel, { ...fullGpu, kvType }, 'llama-server');
      expect(command).toContain(`-ctk ${kvType} -ctv ${kvType} -fa on`);
    }
    expect(commandOf(catalogModel, fullGpu, 'llama-server')).not.toContain('-fa');
  });

  it('a GGUF path is quoted for the shell, spaces and quotes included', () => {
    const command = commandOf(fileModel, fullGpu, 'llama-server');
    expect(command).toBe(`llama-server -m '/home/me/My Models/it'\\''s.gguf' -c 8192 -ngl 33 -ctk f16 -ctv f16 -t 8`);
    expect(runCommands(fileModel, fullGpu, 'llama-server')[0]!.notes.join(' ')).not.toContain('MODEL.gguf');
    expect(shellQuote('/models/a-b_c.gguf')).toBe('/models/a-b_c.gguf');
  });

  it('a catalog model with a known GGUF repository is fetched with -hf REPO:QUANT', () => {
    expect(commandOf(withSources, fullGpu, 'llama-server')).toMatch(
      /^llama-server -hf bartowski\/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M -c 8192/,
    );
  });

  it('--n-cpu-moe only for a MoE model', () => {
    expect(commandOf(moeModel, { ...partial, nCpuMoe: 12 }, 'llama-server')).toContain(' --n-cpu-moe 12');
    expect(commandOf(catalogModel, { ...partial, nCpuMoe: 12 }, 'llama-server')).not.toContain('--n-cpu-moe');
  });

  it('tools without --n-cpu-moe say that all layers on the GPU bring the experts kept in RAM along', () => {
    const expertsInRam: RunSettings = { ...fullGpu, fit: 'partial', nCpuMoe: 12 };
    for (const tool of ['ollama', 'lmstudio'] as const) {
      const notes = runCommands(moeModel, expertsInRam, tool).flatMap((c) => c.notes);
      expect(notes.some((n) => n.includes('no --n-cpu-moe') && n.includes('lower the layer count'))).toBe(true);
    }
  });
});

describe('an MoE with experts in RAM, for the tools that offload whole layers only', () => {
  // gpt-oss-120b Q4_K_M on a 24 GB card with 64 GB RAM: llama-server -ngl 37 --n-cpu-moe 23, whole layers -ngl 14.
  const sized: RunSettings = {
    ...fullGpu,
    fit: 'partial',
    totalLayers: 37,
    gpuLayers: 37,
    nCpuMoe: 23,
    layersOnly: { gpuLayers: 14, fits: true, tokPerSec: 13.5, withExpertsTokPerSec: 16.2 },
  };

  it('llama.cpp keeps the experts in RAM; Ollama, LM Studio and node-llama-cpp get the most whole layers that fit, and say why', () => {
    expect(commandOf(moeModel, sized, 'llama-server')).toContain('-ngl 37 -ctk f16 -ctv f16 -t 8 --n-cpu-moe 23');
    const [modelfile, api] = runCommands(moeModel, sized, 'ollama');
    expect(modelfile?.command).toContain('PARAMETER num_gpu 14');
    expect(api?.command).toContain('"num_gpu":14');
    expect(commandOf(moeModel, sized, 'lmstudio')).toContain(`--gpu ${lmStudioGpu({ ...sized, gpuLayers: 14 })}`);
    expect(commandOf(moeModel, sized, 'node-llama-cpp')).toContain('gpuLayers: 14 }');
    for (const tool of ['ollama', 'lmstudio', 'node-llama-cpp'] as const) {
      const notes = runCommands(moeModel, sized, tool).flatMap((c) => c.notes);
      expect(
        notes.filter((n) => n.includes('has no --n-cpu-moe: this offloads 14 of 37 whole layers')),
        tool,
      ).toHaveLength(1);
      expect(notes.join(' ')).toContain(
        '(~14 tok/s); llama-server with -ngl 37 --n-cpu-moe 23 keeps the experts of 23 layers in RAM instead (~16 tok/s)',
      );
    }
  });

  it('where whole layers do not fit at all, the layer count stays and the note sends the user to llama-server', () => {
    const none: RunSettings = { ...sized, layersOnly: { gpuLayers: 0, fits: false, tokPerSec: null, withExpertsTokPerSec: 9.4 } };
    expect(runCommands(moeModel, none, 'ollama')[0]?.command).toContain('PARAMETER num_gpu 37');
    expect(runCommands(moeModel, none, 'ollama')[0]?.notes.join(' ')).toContain(
      'without experts in RAM this model does not fit the sized machine: use llama-server or llama-cli (-ngl 37 --n-cpu-moe 23)',
    );
  });
});

describe('a GPU too small for the buffer llama.cpp reads prompts in', () => {
  const tooSmall: RunSettings = { ...fullGpu, fit: 'cpu', gpuLayers: 0, noOpOffload: true };
  it('llama-server and llama-cli add --no-op-offload; the tools without it say what to do instead', () => {
    expect(runCommands(catalogModel, tooSmall, 'llama-server')[0]?.command).toContain(' --no-op-offload');
    for (const tool of ['ollama', 'lmstudio', 'node-llama-cpp'] as const) {
      const notes = runCommands(catalogModel, tooSmall, tool).flatMap((c) => c.notes);
      expect(notes.join(' '), tool).toMatch(/has no --no-op-offload: .*use llama-server or llama-cli with --no-op-offload/);
    }
    // Where the GPU holds it, nothing is said.
    expect(
      runCommands(catalogModel, cpuOnly, 'ollama')
        .flatMap((c) => c.notes)
        .join(' '),
    ).not.toContain('op-offload');
  });
});

describe('the flags are those of the llama.cpp node-llama-cpp ships', () => {
  const settingsMatrix: RunSettings[] = [
    fullGpu,
    partial,
    cpuOnly,
    twoGpus,
    { ...twoGpus, splitMode: 'none', mainGpu: 1 },
    { ...partial, kvType: 'q8_0', nCpuMoe: 4 },
    { ...fullGpu, kvType: 'q4_0' },
    { ...fullGpu, fit: 'cpu', gpuLayers: 0, noOpOffload: true },
  ];
  const models = [catalogModel, withSources, moeModel, fileModel];

  it("every flag written for llama-server and llama-cli is in that tool's recorded flag list", () => {
    const used = new Set<string>();
    for (const model of models)
      for (const settings of settingsMatrix) {
        const flags = llamaCppArgs(model, settings).map(([flag]) => flag);
        flags.forEach((f) => used.add(f));
        for (const tool of ['llama-server', 'llama-cli'] as const) {
          for (const flag of flags) expect(fixture.flags[tool], `${tool} ${flag}`).toContain(flag);
          // And the command as printed uses exactly those flags (its other words are values).
          const printed = runCommands(model, settings, tool)[0]!
            .command.split(' ')
            .filter((w) => /^-{1,2}[a-z]/.test(w));
          expect(printed, `${tool} ${model.id}`).toEqual(flags);
        }
      }
    // The matrix reaches every flag the generator can write.
    expect([...used].sort()).toEqual('--n-cpu-moe --no-op-offload -c -ctk -ctv -fa -hf -m -mg -ngl -sm -t -ts'.split(' '));
    // The common ones are in the --help of the built tools too.
    for (const flag of ['-c', '-ngl', '-ctk', '-ctv', '-fa', '-t', '--n-cpu-moe', '--no-op-offload', '-ts', '-sm', '-mg', '-m', '-hf'])
      expect(fixture.flags['llama-fit-params'], flag).toContain(flag);
  });

  it("every flag written for llama-bench is in llama-bench's own usage, which differs from llama-server's", () => {
    const used = new Set<string>();
    for (const model of models)
      for (const settings of settingsMatrix) {
        const flags = llamaBenchCommandArgs(model, settings).map(([flag]) => flag);
        flags.forEach((f) => used.add(f));
        for (const flag of flags) expect(fixture.flags['llama-bench'], `llama-bench ${flag}`).toContain(flag);
        const printed = runCommands(model, settings, 'llama-bench')[0]!
          .command.split(' ')
          .filter((w) => /^-{1,2}[a-z]/.test(w));
        expect(printed, `llama-bench ${model.id}`).toEqual(flags);
      }
    expect([...used].sort()).toEqual('--n-cpu-moe -ctk -ctv -fa -hf -m -mg -n -ngl -nopo -p -r -sm -t -ts'.split(' '));
    // llama-bench has no -c (each test's context is its own tokens) and no -mu (a URL).
    expect(fixture.flags['llama-bench']).not.toContain('-c');
    expect(fixture.flags['llama-bench']).not.toContain('-mu');
  });

  it('the fixture names the node-llama-cpp it was recorded from', () => {
    expect(fixture.llamaCppCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(fixture.nodeLlamaCpp).toBe((JSON.parse(readFileSync(NODE_LLAMA_CPP, 'utf8')) as { version: string }).version);
  });

  const noBundle = existsSync(BUNDLE) ? '' : ' (skipped: this install of node-llama-cpp has no llama/gitRelease.bundle)';
  it.skipIf(noBundle !== '')(
    `the fixture was recorded from the llama.cpp in node-llama-cpp's bundle (else re-record it: npx tsx test/fixtures/llama/record-flags.ts)${noBundle}`,
    () => {
      const heads = execFileSync('git', ['bundle', 'list-heads', BUNDLE.pathname], { encoding: 'utf8' });
      const head = /^([0-9a-f]{40}) HEAD$/m.exec(heads)?.[1];
      expect(head).toBe(fixture.llamaCppCommit);
    },
  );
});

describe('the flag recorder', () => {
  it('reads llama-gen-docs rows and --help lines, every alias of an option', () => {
    expect(flagsOf('-fa,   --flash-attn [on|off|auto]       set Flash Attention use')).toEqual(['-fa', '--flash-attn']);
    expect(flagsOf('-ngl,  --gpu-layers, --n-gpu-layers N   max. number of layers')).toEqual(['-ngl', '--gpu-layers', '--n-gpu-layers']);
    expect(readmeFlags('| `-ts, --tensor-split N0,N1,N2,...` | fraction |\n| Argument | Explanation |')).toEqual(['--tensor-split', '-ts']);
    expect(helpFlags('usage:\n-t,    --threads N   threads\n        (default: -1)\n')).toEqual(['--threads', '-t']);
    const usage =
      'static void print_usage(int, char ** argv) {\n    printf("  -ncmoe, --n-cpu-moe <n>   (default: %s)\\n", x);\n    printf("\\n");\n}\nint other() { printf("  -zz\\n"); }\n';
    expect(benchUsageFlags(usage)).toEqual(['--n-cpu-moe', '-ncmoe']);
  });

  const noSource = existsSync(new URL('tools/server/README.md', SOURCE))
    ? ''
    : ' (skipped: no clone of the bundle at .cache/llama.cpp-src)';
  it.skipIf(noSource !== '')(`the fixture lists what the cloned source's READMEs say${noSource}`, () => {
    expect(readmeFlags(readFileSync(new URL('tools/server/README.md', SOURCE), 'utf8'))).toEqual(fixture.flags['llama-server']);
    expect(readmeFlags(readFileSync(new URL('tools/cli/README.md', SOURCE), 'utf8'))).toEqual(fixture.flags['llama-cli']);
    expect(benchUsageFlags(readFileSync(new URL('tools/llama-bench/llama-bench.cpp', SOURCE), 'utf8'))).toEqual(
      fixture.flags['llama-bench'],
    );
  });
});

describe('Ollama, LM Studio and node-llama-cpp', () => {
  it('Ollama: a Modelfile with num_ctx, num_gpu and num_thread, and the same as API options', () => {
    const [modelfile, api] = runCommands(withSources, partial, 'ollama');
    expect(modelfile!.command.split('\n')).toEqual([
      'ollama pull llama3.1:8b-instruct-q4_K_M',
      "cat > Modelfile <<'EOF'",
      'FROM llama3.1:8b-instruct-q4_K_M',
      'PARAMETER num_ctx 8192',
      'PARAMETER num_gpu 20',
      'PARAMETER num_thread 8',
      'EOF',
      'ollama create llama-3.1-8b-q4_k_m-8k -f Modelfile',
      'ollama run llama-3.1-8b-q4_k_m-8k',
    ]);
    const body = /-d '(.*)'$/.exec(api!.command)?.[1];
    expect(JSON.parse(body!)).toEqual({
      model: 'llama3.1:8b-instruct-q4_K_M',
      prompt: 'Hello',
      options: { num_ctx: 8192, num_gpu: 20, num_thread: 8 },
    });
  });

  it('Ollama: a quantized KV cache is a server setting, said in the notes', () => {
    const [modelfile] = runCommands(withSources, { ...fullGpu, kvType: 'q8_0' }, 'ollama');
    expect(modelfile!.notes.join(' ')).toContain('OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=q8_0 ollama serve');
  });

  it('LM Studio: --gpu is max, off or the fraction of layers; --context-length the context', () => {
    expect(commandOf(catalogModel, fullGpu, 'lmstudio')).toBe('lms load MODEL_KEY --context-length 8192 --gpu max');
    expect(commandOf(catalogModel, cpuOnly, 'lmstudio')).toBe('lms load MODEL_KEY --context-length 8192 --gpu off');
    expect(lmStudioGpu(partial)).toBe('0.6'); // 20 of 33, rounded down so it never asks for more than fits
    expect(runCommands(fileModel, fullGpu, 'ollama')[0]!.command).toContain('ollama create it-s-8k -f Modelfile');
    expect(commandOf(fileModel, fullGpu, 'lmstudio')).toContain(`lms load '/home/me/My Models/it'\\''s.gguf'`);
    // With a known repository, lms get fetches that precision first (a Hugging Face URL, the quantization after @).
    expect(commandOf(withSources, fullGpu, 'lmstudio')).toBe(
      'lms get https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF@Q4_K_M\nlms load MODEL_KEY --context-length 8192 --gpu max',
    );
  });

  it('node-llama-cpp: getLlama, loadModel with modelPath and gpuLayers, createContext with contextSize and threads', () => {
    const snippet = commandOf(fileModel, { ...partial, kvType: 'q8_0' }, 'node-llama-cpp');
    expect(snippet).toContain("import { getLlama } from 'node-llama-cpp';");
    expect(snippet).toContain(`llama.loadModel({ modelPath: '/home/me/My Models/it\\'s.gguf', gpuLayers: 20 })`);
    expect(snippet).toMatch(
      /createContext\(\{\n {2}contextSize: 8192,\n {2}threads: 8,\n {2}flashAttention: true,\n {2}experimentalKvCacheKeyType: 'Q8_0',/,
    );
    const hf = commandOf(withSources, fullGpu, 'node-llama-cpp');
    expect(hf).toContain("resolveModelFile('hf:bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M', 'models')");
    expect(hf).toContain('loadModel({ modelPath, gpuLayers: 33 })');
    expect(hf).toContain('const llama = await getLlama();');
  });

  it('node-llama-cpp on CUDA on Linux on Arm (DGX Spark, Jetson): build its CUDA binary first, and ask getLlama for it', () => {
    expect(nodeLlamaCppBuildFor('cuda', 'arm64')).toBe('cuda');
    expect(nodeLlamaCppBuildFor('cuda', 'x64')).toBeNull();
    expect(nodeLlamaCppBuildFor('metal', 'arm64')).toBeNull();
    const [spark] = runCommands(catalogModel, { ...fullGpu, nodeLlamaCppBuild: 'cuda' }, 'node-llama-cpp');
    expect(spark?.command).toContain("const llama = await getLlama({ gpu: 'cuda' });");
    expect(spark?.notes.join(' ')).toContain('npx --no node-llama-cpp source download --gpu cuda');
    // The other tools are unchanged.
    expect(commandOf(catalogModel, { ...fullGpu, nodeLlamaCppBuild: 'cuda' }, 'llama-server')).toBe(
      commandOf(catalogModel, fullGpu, 'llama-server'),
    );
  });

  it('every tool in order by default, one with `for`', () => {
    expect(runCommands(catalogModel, fullGpu).map((c) => c.title)).toEqual([
      'llama.cpp: llama-server (OpenAI-compatible API)',
      'llama.cpp: llama-cli (chat in the terminal)',
      'Ollama: Modelfile',
      'Ollama: API options',
      'LM Studio: lms load',
      'node-llama-cpp (Node.js)',
      'llama.cpp: llama-bench (check the estimate)',
    ]);
    expect(runCommands(catalogModel, fullGpu, 'lmstudio').map((c) => c.tool)).toEqual(['lmstudio']);
  });
});

describe('a placement split between the GPU and RAM', () => {
  it('says long prompts copy the weights in RAM, and that --load-mode none copies them faster (CUDA, ROCm, Vulkan)', () => {
    const notes = (s: RunSettings) => runCommands(catalogModel, s, 'llama-server')[0]!.notes.join(' ');
    expect(notes({ ...partial, backend: 'cuda' })).toMatch(/--load-mode none keeps those weights in pinned memory/);
    expect(notes({ ...partial, backend: 'vulkan' })).toContain('--load-mode none');
    expect(notes({ ...partial, backend: 'cuda' })).toContain('-ub 2048 -b 2048 copies them a quarter as often');
    expect(notes({ ...fullGpu, backend: 'cuda' })).not.toContain('--load-mode');
    expect(notes({ ...partial, backend: 'metal' })).not.toContain('--load-mode');
    expect(notes({ ...cpuOnly, backend: 'cpu' })).not.toContain('--load-mode');
    // No layer on a CUDA GPU: llama.cpp still reads prompts there, copying every layer; with --no-op-offload it does not.
    expect(notes({ ...cpuOnly, backend: 'cuda' })).toContain('-ub 2048 -b 2048 copies them a quarter as often');
    expect(notes({ ...cpuOnly, backend: 'cuda', noOpOffload: true })).not.toContain('--load-mode');
    // Experts kept in RAM are a split too, with every layer on the GPU.
    expect(runCommands(moeModel, { ...fullGpu, nCpuMoe: 4, backend: 'cuda' }, 'llama-server')[0]!.notes.join(' ')).toContain(
      '--load-mode none',
    );
    // The flag is this llama.cpp's (its --mmap/--no-mmap are deprecated for it).
    for (const tool of ['llama-server', 'llama-cli'] as const)
      for (const flag of ['--load-mode', '-ub', '-b']) expect(fixture.flags[tool], `${tool} ${flag}`).toContain(flag);
  });
});

describe('llama-bench: the line that checks the estimate', () => {
  it('the same placement as llama-server, in the tests the estimate states (pp512, tg128), with the expected figures to compare', () => {
    const expected = { generationTokPerSec: 52.3, promptTokPerSec: 2150 };
    const [bench] = runCommands(withSources, { ...twoGpus, kvType: 'q8_0', expected }, 'llama-bench');
    expect(bench!.command).toBe(
      'llama-bench -hf bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M -ngl 81 -ctk q8_0 -ctv q8_0 -fa on -t 8 -ts 3/1 -p 512 -n 128 -r 5',
    );
    expect(bench!.notes.join('\n')).toMatch(/tg128 ~52 tok\/s, pp512 ~2,?150 tok\/s/);
    expect(bench!.notes.join('\n')).toContain('-d 8192');
  });

  it('experts in RAM as llama-server keeps them; a URL or a catalog model without a repository is a local file to fill in', () => {
    const [moe] = runCommands(moeModel, { ...partial, nCpuMoe: 6 }, 'llama-bench');
    expect(moe!.command).toBe('llama-bench -m MODEL.gguf -ngl 20 --n-cpu-moe 6 -t 8 -p 512 -n 128 -r 5');
    const [url] = runCommands({ ...catalogModel, url: 'https://example.org/m.gguf' }, cpuOnly, 'llama-bench');
    expect(url!.command).toBe('llama-bench -m MODEL.gguf -ngl 0 -t 8 -p 512 -n 128 -r 5');
    expect(url!.notes[0]).toContain('download https://example.org/m.gguf first');
    // Without expected figures it still says what to compare: the tests, not invented numbers.
    expect(url!.notes.join(' ')).not.toMatch(/Compare its rows/);
  });
});

describe('the runCommands schema', () => {
  it('is the HostApi method runCommands, strict, with defaults filled in', () => {
    expect(HostApiSchemas.runCommands.input).toBe(RunCommandsRequestSchema);
    expect(RunCommandsRequestSchema.parse({ model: 'llama-3.1-8b' })).toEqual({ model: 'llama-3.1-8b', kvType: 'f16', gpuLayers: 'auto' });
    expect(RunCommandsRequestSchema.safeParse({ model: 'x', for: 'vllm' }).success).toBe(false);
    expect(RunCommandsRequestSchema.safeParse({ model: 'x', extra: 1 }).success).toBe(false);
    expect(RunCommandsRequestSchema.safeParse({ model: 'x', threads: 0 }).success).toBe(false);
    expect(RunCommandsRequestSchema.safeParse({ model: 'x', for: 'node-llama-cpp', nCpuMoe: 4, quant: 'Q8_0' }).success).toBe(true);
  });

  it('accepts what the generator writes', () => {
    const { gpuCount: _gpuCount, ...placement } = fullGpu;
    const result = {
      model: { id: 'llama-3.1-8b', name: 'Llama 3.1 8B Instruct', quant: 'Q4_K_M', path: null, moe: false },
      placement: { ...placement, flashAttention: 'auto', backend: 'cuda', why: 'All 33 layers fit.' },
      commands: runCommands(catalogModel, fullGpu),
      notes: [],
    };
    expect(RunCommandsResultSchema.parse(result)).toEqual(result);
  });
});
