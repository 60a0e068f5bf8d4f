// "How to run it": the commands that run one model with the placement rightsize sized. Every
// llama.cpp flag written here is checked against the flag list of the llama.cpp that
// node-llama-cpp ships (test/fixtures/llama/flags.json); the other tools' options against their
// documentation (LM Studio's `lms load`, Ollama's Modelfile PARAMETERs, node-llama-cpp's .d.ts).
import type { FitLevel, KvType } from '../shared/precision';
import { RUN_TOOLS, type RunCommand, type RunTool } from '../shared/schema/commands';
import { formatTokPerSec } from '../shared/units';

/** The model as the commands name it. */
export interface RunModel {
  id: string;
  name: string;
  quant: string;
  /** Absolute path of a GGUF file; null for a catalog model (no file yet). */
  path: string | null;
  moe: boolean;
  /** A Hugging Face repository of GGUF files of this model, for llama.cpp's `-hf REPO:QUANT`. */
  ggufRepo: string | null;
  /** A GGUF's http(s) URL (sized from its header, not downloaded), for llama.cpp's `-mu URL`. */
  url?: string | null;
  /** Ollama's library tag of this model at this precision. */
  ollamaTag: string | null;
}

/** The placement the commands write out: what `estimate` found fits, or what the user forced. */
export interface RunSettings {
  fit: FitLevel;
  /** As llama.cpp's -ngl: blocks + output layer. */
  gpuLayers: number;
  totalLayers: number;
  contextTokens: number;
  kvType: KvType;
  /** CPU threads; null on a planned machine whose CPU is unknown: llama.cpp's default (its physical cores) then applies. */
  threads: number | null;
  /** GPUs the sized machine has. */
  gpuCount: number;
  /** -ts proportions, one per GPU; null: one GPU, or none. */
  tensorSplit: readonly number[] | null;
  splitMode: 'none' | 'layer' | 'row' | null;
  mainGpu: number | null;
  /** --n-cpu-moe N (MoE models only). */
  nCpuMoe: number | null;
  /**
   * With experts in RAM (nCpuMoe > 0): the placement sized without them, for the tools that offload whole
   * layers only (Ollama, LM Studio, node-llama-cpp). Absent: not sized, and those tools' notes say so.
   */
  layersOnly?: { gpuLayers: number; fits: boolean; tokPerSec: number | null; withExpertsTokPerSec: number | null } | null;
  /**
   * The GPU backend node-llama-cpp has no prebuilt binary for on the sized machine (CUDA on Linux on Arm: a DGX
   * Spark, a Jetson), which it must build from source; absent or null: its prebuilt binaries cover it.
   */
  nodeLlamaCppBuild?: 'cuda' | null;
  /** What rightsize expects at this placement, for llama-bench's rows to be compared with; absent: not sized. */
  expected?: { generationTokPerSec: number | null; promptTokPerSec: number | null } | null;
}

/** node-llama-cpp's prebuilt binaries for Linux on Arm are CPU-only: CUDA there (DGX Spark, Jetson) is built from source. */
export function nodeLlamaCppBuildFor(backend: string, arch: string): 'cuda' | null {
  return backend === 'cuda' && arch === 'arm64' ? 'cuda' : null;
}

/** Stands for the file the user downloads when a catalog model has no known source. */
const MODEL_FILE_PLACEHOLDER = 'MODEL.gguf';

/** llama.cpp needs flash attention for a quantized V cache; otherwise its default (auto) is left alone. */
export function flashAttentionFor(kvType: KvType): 'on' | 'auto' {
  return kvType === 'f16' ? 'auto' : 'on';
}

/** One argument for a POSIX shell: as it is when that is safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A JavaScript string literal in single quotes. */
const jsString = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** Where the llama.cpp tools and node-llama-cpp get the weights from. */
function modelSource(model: RunModel): { kind: 'file' | 'hf' | 'url' | 'placeholder'; value: string } {
  if (model.path) return { kind: 'file', value: model.path };
  if (model.ggufRepo) return { kind: 'hf', value: `${model.ggufRepo}:${model.quant}` };
  if (model.url) return { kind: 'url', value: model.url };
  return { kind: 'placeholder', value: MODEL_FILE_PLACEHOLDER };
}

const placeholderNote = (model: RunModel): string =>
  `${MODEL_FILE_PLACEHOLDER} stands for a ${model.quant} GGUF file of ${model.name}: download one (e.g. from Hugging Face) and put its path here.`;

/** Several GPUs share the offloaded layers (layer split). */
const splitsLayers = (s: RunSettings): boolean => s.gpuCount > 1 && s.gpuLayers > 0 && s.splitMode !== 'none';

/** -ts as written: the proportions, without trailing zeros. */
function formatSplit(split: readonly number[]): string {
  return split.map((x) => String(Number(x.toFixed(2)))).join(',');
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
  if (s.gpuCount > 1 && s.gpuLayers > 0) {
    if (s.splitMode === 'none') args.push(['-sm', 'none'], ['-mg', String(s.mainGpu ?? 0)]);
    else if (s.tensorSplit) args.push(['-ts', formatSplit(s.tensorSplit)]);
  }
  return args;
}

const joinArgs = (program: string, args: Array<[string, string?]>): string =>
  [program, ...args.flatMap(([flag, value]) => (value === undefined ? [flag] : [flag, shellQuote(value)]))].join(' ');

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
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0)
    notes.push(`--n-cpu-moe ${s.nCpuMoe}: the experts of the first ${s.nCpuMoe} layers stay in RAM, the rest of those layers on the GPU.`);
  if (splitsLayers(s) && s.tensorSplit)
    notes.push(`-ts ${formatSplit(s.tensorSplit)}: the share of the offloaded layers each GPU takes, in order.`);
  if (s.threads === null)
    notes.push('No -t: the planned machine names no CPU, so llama.cpp picks its own thread count there (its physical cores).');
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

/** llama-bench's -p and -n: the tests rightsize's two speeds are stated in (pp512, tg128). */
const BENCH_PROMPT_TOKENS = 512;
const BENCH_GEN_TOKENS = 128;

/**
 * llama-bench's flags for the same placement. It differs from llama-server: no -c (a test's context is
 * its own tokens), no -mu, -ts proportions separated by "/" (a comma separates values to sweep), and
 * -fa only where a quantized V cache needs it, as for the other tools.
 */
export function llamaBenchCommandArgs(model: RunModel, s: RunSettings): Array<[flag: string, value?: string]> {
  const source = modelSource(model);
  const args: Array<[string, string?]> = [
    source.kind === 'hf' ? ['-hf', source.value] : ['-m', source.kind === 'file' ? source.value : MODEL_FILE_PLACEHOLDER],
  ];
  args.push(['-ngl', String(s.gpuLayers)]);
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0) args.push(['--n-cpu-moe', String(s.nCpuMoe)]);
  if (s.kvType !== 'f16') args.push(['-ctk', s.kvType], ['-ctv', s.kvType]);
  if (flashAttentionFor(s.kvType) === 'on') args.push(['-fa', 'on']);
  if (s.threads !== null) args.push(['-t', String(s.threads)]);
  if (s.gpuCount > 1 && s.gpuLayers > 0) {
    if (s.splitMode === 'none') args.push(['-sm', 'none'], ['-mg', String(s.mainGpu ?? 0)]);
    else if (s.tensorSplit) args.push(['-ts', formatSplit(s.tensorSplit).replaceAll(',', '/')]);
  }
  args.push(['-p', String(BENCH_PROMPT_TOKENS)], ['-n', String(BENCH_GEN_TOKENS)], ['-r', '5']);
  return args;
}

function llamaBench(model: RunModel, s: RunSettings): RunCommand {
  const source = modelSource(model);
  const notes: string[] = [];
  if (source.kind === 'placeholder' || source.kind === 'url')
    notes.push(
      source.kind === 'url'
        ? `llama-bench reads a local file only: download ${model.url ?? 'the file'} first and put its path in place of ${MODEL_FILE_PLACEHOLDER}.`
        : placeholderNote(model),
    );
  if (source.kind === 'hf') notes.push(`-hf downloads ${source.value} from Hugging Face on first run and caches it.`);
  const tps = (x: number | null | undefined): string | null => (x === null || x === undefined ? null : `~${formatTokPerSec(x)} tok/s`);
  const tg = tps(s.expected?.generationTokPerSec);
  const pp = tps(s.expected?.promptTokPerSec);
  if (tg || pp)
    notes.push(
      `Compare its rows with rightsize's estimate for this placement: ${[
        tg ? `tg${BENCH_GEN_TOKENS} ${tg}` : null,
        pp ? `pp${BENCH_PROMPT_TOKENS} ${pp}` : null,
      ]
        .filter(Boolean)
        .join(', ')}. Run it on the machine this was sized for, with nothing else busy.`,
    );
  notes.push(
    `It measures the speeds the estimate states: a ${BENCH_PROMPT_TOKENS}-token prompt and ${BENCH_GEN_TOKENS} generated tokens, 5 times each, as mean ± sd. Add -d ${s.contextTokens} to measure with ${s.contextTokens} tokens already in the context (generation slows as the context fills).`,
  );
  if (s.gpuLayers > 0 && s.gpuLayers < s.totalLayers)
    notes.push(`-ngl ${s.gpuLayers}: the same ${s.gpuLayers} of ${s.totalLayers} layers on the GPU as the commands above.`);
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0)
    notes.push(`--n-cpu-moe ${s.nCpuMoe}: the experts of the first ${s.nCpuMoe} layers in RAM, as in llama-server's command.`);
  if (splitsLayers(s) && s.tensorSplit) notes.push('-ts takes the same proportions as llama-server, separated by "/" here.');
  return {
    tool: 'llama-bench',
    title: 'llama.cpp: llama-bench (check the estimate)',
    command: joinArgs('llama-bench', llamaBenchCommandArgs(model, s)),
    notes,
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
  if (!model.ollamaTag && !model.path) notes.push(placeholderNote(model));
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
  if (model.path) notes.push("A file outside LM Studio's models folder must be imported first (lms import); then `lms ls` shows its key.");
  else notes.push(`MODEL_KEY stands for LM Studio's key of a ${model.quant} download of ${model.name}: \`lms ls\` lists them.`);
  if (gpu !== 'max' && gpu !== 'off')
    notes.push(`--gpu takes a fraction of the model, not a layer count: ${gpu} is about ${s.gpuLayers} of ${s.totalLayers} layers.`);
  notes.push('KV cache type, flash attention and CPU threads are load settings in the app; `lms load` has no flags for them.');
  if (s.kvType !== 'f16') notes.push(`Set the K and V cache to ${s.kvType} with flash attention on in the model's load settings.`);
  notes.push("--estimate-only prints LM Studio's own memory estimate without loading.");
  return {
    tool: 'lmstudio',
    title: 'LM Studio: lms load',
    command: `lms load ${model.path ? shellQuote(model.path) : 'MODEL_KEY'} --context-length ${s.contextTokens} --gpu ${gpu}`,
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

/** A writer for a tool without --n-cpu-moe: the placement without experts in RAM, and why. */
const layersOnlyTool =
  (tool: string, write: (model: RunModel, s: RunSettings) => RunCommand, noteIt = true) =>
  (model: RunModel, s: RunSettings): RunCommand => {
    const c = write(model, wholeLayers(model, s));
    return noteIt ? { ...c, notes: [...c.notes, ...expertsNote(tool, model, s)] } : c;
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
