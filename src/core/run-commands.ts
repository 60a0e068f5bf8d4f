// "How to run it": the commands that run one model with the placement rightsize sized. Every
// llama.cpp flag written here is checked against the flag list of the llama.cpp that
// node-llama-cpp ships (test/fixtures/llama/flags.json); the other tools' options against their
// documentation (LM Studio's `lms load`, Ollama's Modelfile PARAMETERs, node-llama-cpp's .d.ts).
import { RUN_TOOLS, type RunCommand, type RunTool } from '../shared/schema/commands';
import { formatTokPerSec } from '../shared/units';
import {
  flashAttentionFor,
  formatSplit,
  joinArgs,
  MODEL_FILE_PLACEHOLDER,
  modelSource,
  placeholderNote,
  shellQuote,
  splitsLayers,
  type RunModel,
  type RunSettings,
} from './run-command-parts';
import { llamaBench } from './run-commands-bench';

export { flashAttentionFor, shellQuote, type RunModel, type RunSettings } from './run-command-parts';
export { llamaBenchCommandArgs } from './run-commands-bench';

/** A JavaScript string literal in single quotes. */
const jsString = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** node-llama-cpp's prebuilt binaries for Linux on Arm are CPU-only: CUDA there (DGX Spark, Jetson) is built from source. */
export function nodeLlamaCppBuildFor(backend: string, arch: string): 'cuda' | null {
  return backend === 'cuda' && arch === 'arm64' ? 'cuda' : null;
}

/**
 * The flags of llama-server and llama-cli, each with its value: the one list both commands and the
 * flag test read.
 */
export function llamaCppArgs(model: RunModel, s: RunSettings): Array<[flag: string, value?: string]> {
  const source = modelSource(model);
  const args: Array<[string, string?]> = [[source.kind === 'hf' ? '-hf' : source.kind === 'url' ? '-mu' : '-m', source.value]];
  args.push(['-c', String(s.contextTokens)], ['-ngl', String(s.gpuLayers)]);
  args.push(['-ctk', s.kvType], ['-ctv', s.kvType]);
  if (flashAttentionFor(s.kvType) === 'on') args.push(['-fa', 'on']);
  if (s.threads !== null) args.push(['-t', String(s.threads)]);
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0) args.push(['--n-cpu-moe', String(s.nCpuMoe)]);
  if (s.noOpOffload) args.push(['--no-op-offload']);
  if (s.gpuCount > 1 && s.gpuLayers > 0) {
    if (s.splitMode === 'none') args.push(['-sm', 'none'], ['-mg', String(s.mainGpu ?? 0)]);
    else if (s.tensorSplit) args.push(['-ts', formatSplit(s.tensorSplit)]);
  }
  return args;
}

/** What every llama.cpp command should say about its placement. */
function llamaCppNotes(model: RunModel, s: RunSettings): string[] {
  const notes: string[] = [];
  const source = modelSource(model);
  if (source.kind === 'placeholder') notes.push(placeholderNote(model));
  if (source.kind === 'hf')
    notes.push(`-hf downloads ${source.value} from Hugging Face on first run and caches it; -m with a path uses a file you have.`);
  if (source.kind === 'url')
    notes.push('-mu downloads the file from its URL on first run and caches it; -m with a path uses a file you have.');
  notes.push(
    s.gpuLayers === 0
      ? '-ngl 0 keeps every layer on the CPU (a CPU-only build ignores it).'
      : s.gpuLayers >= s.totalLayers
        ? `-ngl ${s.gpuLayers}: all ${s.totalLayers} layers (blocks + output) on the GPU.`
        : `-ngl ${s.gpuLayers}: ${s.gpuLayers} of ${s.totalLayers} layers (blocks + output) on the GPU, the rest in RAM; this llama.cpp's default (-ngl auto) would fit its own number.`,
  );
  if (flashAttentionFor(s.kvType) === 'on') notes.push(`-fa on: llama.cpp needs flash attention for a ${s.kvType} V cache.`);
  if (s.noOpOffload)
    notes.push(
      "--no-op-offload: without it llama.cpp reads prompts on the GPU even with no layer there, and the GPU cannot hold the compute buffer that takes; prompts are then read at the CPU's speed.",
    );
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0)
    notes.push(`--n-cpu-moe ${s.nCpuMoe}: the experts of the first ${s.nCpuMoe} layers stay in RAM, the rest of those layers on the GPU.`);
  if (splitsLayers(s) && s.tensorSplit)
    notes.push(`-ts ${formatSplit(s.tensorSplit)}: the share of the offloaded layers each GPU takes, in order.`);
  if (s.threads === null)
    notes.push('No -t: the planned machine names no CPU, so llama.cpp picks its own thread count there (its physical cores).');
  // -ngl 0 beside such a GPU copies every layer too, unless --no-op-offload keeps prompts on the CPU.
  const split =
    (s.gpuLayers > 0 && (s.gpuLayers < s.totalLayers || (model.moe && (s.nCpuMoe ?? 0) > 0))) || (s.gpuLayers === 0 && !s.noOpOffload);
  if (split && (s.backend === 'cuda' || s.backend === 'rocm' || s.backend === 'vulkan'))
    notes.push(
      'Long prompts: the GPU reads them, copying the weights kept in RAM for each 512-token batch. --load-mode none keeps those weights in pinned memory instead of the mapped file, which copies about 1.5x faster (21 GiB/s on an RTX 4090 against 13.6 on an RTX 4080 in published runs); loading takes longer. -ub 2048 -b 2048 copies them a quarter as often, for larger compute buffers on the GPU (lower -ngl if it then fails to load).',
    );
  return notes;
}

function llamaServer(model: RunModel, s: RunSettings): RunCommand {
  return {
    tool: 'llama-server',
    title: 'llama.cpp: llama-server (OpenAI-compatible API)',
    command: joinArgs('llama-server', llamaCppArgs(model, s)),
    notes: [...llamaCppNotes(model, s), "Serves http://127.0.0.1:8080 (llama.cpp's defaults; --host and --port change them)."],
  };
}

function llamaCli(model: RunModel, s: RunSettings): RunCommand {
  return {
    tool: 'llama-cli',
    title: 'llama.cpp: llama-cli (chat in the terminal)',
    command: joinArgs('llama-cli', llamaCppArgs(model, s)),
    notes: llamaCppNotes(model, s),
  };
}

/** An Ollama model name for the Modelfile's settings: lower case, letters, digits, dots and dashes. */
function ollamaModelName(model: RunModel, s: RunSettings): string {
  // A file's name usually says its precision already; a catalog id does not.
  const stem = model.path ? (model.path.split(/[\\/]/).pop() ?? model.path).replace(/\.gguf$/i, '') : `${model.id}-${model.quant}`;
  const base = `${stem}-${Math.round(s.contextTokens / 1024)}k`;
  return base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

function ollamaNotes(model: RunModel, s: RunSettings): string[] {
  const notes: string[] = [];
  if (!model.ollamaTag && !model.path && model.sharded && model.ggufRepo)
    notes.push(
      `Ollama cannot pull a GGUF that Hugging Face holds in parts (over 50 GB; ollama/ollama#5245), as ${model.ggufRepo} holds ${model.quant}: fetch the parts (llama-server -hf caches them, or \`hf download ${model.ggufRepo} --include '*${model.quant}*'\`), join them with llama.cpp's \`llama-gguf-split --merge FIRST-PART.gguf ${MODEL_FILE_PLACEHOLDER}\`, and create the model from that file.`,
    );
  else if (!model.ollamaTag && !model.path) notes.push(placeholderNote(model));
  if (!model.ollamaTag && model.path && /\s/.test(model.path))
    notes.push("The file's path has spaces: if `ollama create` refuses it, link the file to a path without spaces.");
  notes.push(
    `num_gpu ${s.gpuLayers} counts layers as llama.cpp's -ngl does (blocks + output, ${s.totalLayers} in all); num_ctx is the context.`,
  );
  if (s.kvType !== 'f16')
    notes.push(
      `Ollama sets the KV cache type for the whole server, not per model: start it as OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=${s.kvType} ollama serve.`,
    );
  if (splitsLayers(s)) notes.push('Ollama splits layers over the GPUs itself: it has no -ts.');
  return notes;
}

function ollamaModelfile(model: RunModel, s: RunSettings): RunCommand {
  const from = model.ollamaTag ?? model.path ?? MODEL_FILE_PLACEHOLDER;
  const name = ollamaModelName(model, s);
  const lines = [
    ...(model.ollamaTag ? [`ollama pull ${model.ollamaTag}`] : []),
    "cat > Modelfile <<'EOF'",
    `FROM ${from}`,
    `PARAMETER num_ctx ${s.contextTokens}`,
    `PARAMETER num_gpu ${s.gpuLayers}`,
    ...(s.threads !== null ? [`PARAMETER num_thread ${s.threads}`] : []),
    'EOF',
    `ollama create ${name} -f Modelfile`,
    `ollama run ${name}`,
  ];
  return { tool: 'ollama', title: 'Ollama: Modelfile', command: lines.join('\n'), notes: ollamaNotes(model, s) };
}

function ollamaApi(model: RunModel, s: RunSettings): RunCommand {
  const name = model.ollamaTag ?? ollamaModelName(model, s);
  const body = JSON.stringify({
    model: name,
    prompt: 'Hello',
    options: { num_ctx: s.contextTokens, num_gpu: s.gpuLayers, ...(s.threads !== null ? { num_thread: s.threads } : {}) },
  });
  return {
    tool: 'ollama',
    title: 'Ollama: API options',
    command: `curl http://localhost:11434/api/generate -d ${shellQuote(body)}`,
    notes: [
      ...(model.ollamaTag ? [] : [`${name} is the model the Modelfile above creates.`]),
      'The same options object works in /api/chat and in the Ollama client libraries.',
    ],
  };
}

/** A tool without --n-cpu-moe runs the placement sized without experts in RAM, where there is one. */
function wholeLayers(model: RunModel, s: RunSettings): RunSettings {
  if (!model.moe || s.nCpuMoe === null || s.nCpuMoe <= 0 || !s.layersOnly?.fits) return s;
  return { ...s, gpuLayers: s.layersOnly.gpuLayers, nCpuMoe: null };
}

/** Why a tool without --n-cpu-moe gets another layer count than llama-server, or what to do instead. */
function expertsNote(tool: string, model: RunModel, s: RunSettings): string[] {
  if (!model.moe || s.nCpuMoe === null || s.nCpuMoe <= 0) return [];
  const only = s.layersOnly;
  const tps = (x: number | null): string => (x === null ? '' : ` (~${formatTokPerSec(x)} tok/s)`);
  if (only?.fits)
    return [
      `${tool} has no --n-cpu-moe: this offloads ${only.gpuLayers} of ${s.totalLayers} whole layers, the most that fit without experts in RAM${tps(only.tokPerSec)}; llama-server with -ngl ${s.gpuLayers} --n-cpu-moe ${s.nCpuMoe} keeps the experts of ${s.nCpuMoe} layers in RAM instead${tps(only.withExpertsTokPerSec)}.`,
    ];
  if (only)
    return [
      `${tool} has no --n-cpu-moe, and without experts in RAM this model does not fit the sized machine: use llama-server or llama-cli (-ngl ${s.gpuLayers} --n-cpu-moe ${s.nCpuMoe}).`,
    ];
  return [
    `${tool} has no --n-cpu-moe: this command offloads whole layers only.${
      s.gpuLayers >= s.totalLayers
        ? ` With all ${s.totalLayers} layers on the GPU their experts go there too, which this placement fits only with the experts of ${s.nCpuMoe} layers in RAM: lower the layer count until it loads, or use llama-server.`
        : ''
    }`,
  ];
}

/** LM Studio's --gpu: a fraction of the model, or max / off. */
export function lmStudioGpu(s: RunSettings): string {
  if (s.gpuLayers === 0) return 'off';
  if (s.gpuLayers >= s.totalLayers) return 'max';
  return String(Math.floor((s.gpuLayers / s.totalLayers) * 100) / 100);
}

function lmStudio(model: RunModel, s: RunSettings): RunCommand {
  const gpu = lmStudioGpu(s);
  const notes: string[] = [];
  // lms get takes a Hugging Face URL and a quantization after @ (huggingface.co/docs/hub/lmstudio).
  const get = !model.path && model.ggufRepo ? `lms get https://huggingface.co/${model.ggufRepo}@${model.quant}\n` : '';
  if (model.path) notes.push("A file outside LM Studio's models folder must be imported first (lms import); then `lms ls` shows its key.");
  else
    notes.push(
      `MODEL_KEY stands for LM Studio's key of a ${model.quant} download of ${model.name}${get ? ' (the lms get line fetches one)' : ''}: \`lms ls\` lists them.`,
    );
  if (gpu !== 'max' && gpu !== 'off')
    notes.push(`--gpu takes a fraction of the model, not a layer count: ${gpu} is about ${s.gpuLayers} of ${s.totalLayers} layers.`);
  notes.push('KV cache type, flash attention and CPU threads are load settings in the app; `lms load` has no flags for them.');
  if (s.kvType !== 'f16') notes.push(`Set the K and V cache to ${s.kvType} with flash attention on in the model's load settings.`);
  notes.push("--estimate-only prints LM Studio's own memory estimate without loading.");
  return {
    tool: 'lmstudio',
    title: 'LM Studio: lms load',
    command: `${get}lms load ${model.path ? shellQuote(model.path) : 'MODEL_KEY'} --context-length ${s.contextTokens} --gpu ${gpu}`,
    notes,
  };
}

function nodeLlamaCpp(model: RunModel, s: RunSettings): RunCommand {
  const source = modelSource(model);
  const quantized = s.kvType !== 'f16';
  const kvGgml = s.kvType.toUpperCase();
  const imports = source.kind === 'hf' ? 'getLlama, resolveModelFile' : 'getLlama';
  const lines = [
    `import { ${imports} } from 'node-llama-cpp';`,
    '',
    s.nodeLlamaCppBuild ? `const llama = await getLlama({ gpu: '${s.nodeLlamaCppBuild}' });` : 'const llama = await getLlama();',
    ...(source.kind === 'hf' ? [`const modelPath = await resolveModelFile(${jsString(`hf:${source.value}`)}, 'models');`] : []),
    `const model = await llama.loadModel({ modelPath${source.kind === 'hf' ? '' : `: ${jsString(source.value)}`}, gpuLayers: ${s.gpuLayers} });`,
    'const context = await model.createContext({',
    `  contextSize: ${s.contextTokens},`,
    ...(s.threads !== null ? [`  threads: ${s.threads},`] : []),
    ...(quantized
      ? ['  flashAttention: true,', `  experimentalKvCacheKeyType: '${kvGgml}',`, `  experimentalKvCacheValueType: '${kvGgml}',`]
      : []),
    '});',
  ];
  const notes: string[] = [];
  if (source.kind === 'placeholder') notes.push(placeholderNote(model));
  if (source.kind === 'hf') notes.push(`resolveModelFile downloads ${source.value} into ./models on first run.`);
  if (s.nodeLlamaCppBuild)
    notes.push(
      `node-llama-cpp's prebuilt binary for Linux on Arm runs on the CPU only: build its CUDA one first with \`npx --no node-llama-cpp source download --gpu cuda\` (it needs the CUDA toolkit); gpu: '${s.nodeLlamaCppBuild}' makes getLlama fail rather than fall back to the CPU.`,
    );
  notes.push(
    `gpuLayers counts as llama.cpp's -ngl (${s.totalLayers} = all)${s.threads !== null ? '; threads is set because the default oversubscribes small machines' : ''}.`,
  );
  if (quantized) notes.push('node-llama-cpp marks the KV cache type options experimental.');
  if (splitsLayers(s)) notes.push('node-llama-cpp has no tensor split option: it places layers itself.');
  return { tool: 'node-llama-cpp', title: 'node-llama-cpp (Node.js)', command: lines.join('\n'), notes };
}

/** What a tool without --no-op-offload does with a GPU too small for the buffer it reads prompts in. */
function opOffloadNote(tool: string, s: RunSettings): string[] {
  return s.noOpOffload
    ? [
        `${tool} has no --no-op-offload: beside this GPU llama.cpp still reads prompts there and the load may fail for want of VRAM; hide the GPU (CUDA_VISIBLE_DEVICES= or a CPU-only build), or use llama-server or llama-cli with --no-op-offload.`,
      ]
    : [];
}

/** A writer for a tool without --n-cpu-moe or --no-op-offload: the placement without experts in RAM, and why. */
const layersOnlyTool =
  (tool: string, write: (model: RunModel, s: RunSettings) => RunCommand, noteIt = true) =>
  (model: RunModel, s: RunSettings): RunCommand => {
    const c = write(model, wholeLayers(model, s));
    return noteIt ? { ...c, notes: [...c.notes, ...expertsNote(tool, model, s), ...opOffloadNote(tool, s)] } : c;
  };

const WRITERS: Record<RunTool, Array<(model: RunModel, s: RunSettings) => RunCommand>> = {
  'llama-server': [llamaServer],
  'llama-cli': [llamaCli],
  ollama: [layersOnlyTool('Ollama', ollamaModelfile), layersOnlyTool('Ollama', ollamaApi, false)],
  lmstudio: [layersOnlyTool('`lms load`', lmStudio)],
  'node-llama-cpp': [layersOnlyTool('node-llama-cpp', nodeLlamaCpp)],
  'llama-bench': [llamaBench],
};

/** The commands for every tool (or one), in RUN_TOOLS order. */
export function runCommands(model: RunModel, settings: RunSettings, only?: RunTool): RunCommand[] {
  return RUN_TOOLS.filter((tool) => only === undefined || tool === only).flatMap((tool) =>
    WRITERS[tool].map((write) => write(model, settings)),
  );
}
