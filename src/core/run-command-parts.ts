// The pieces every "How to run it" command is written from: the model and placement it names, where the
// weights come from, and how an argument is quoted. src/core/run-commands.ts writes each tool's command from them.
import type { FitLevel, KvType } from '../shared/precision';

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
  /** What Ollama pulls for this model at this precision: its library's tag, or hf.co/REPO:QUANT. */
  ollamaTag: string | null;
  /**
   * The ggufRepo's file at this precision is past Hugging Face's 50 GB per file, so it comes in parts: llama.cpp and
   * node-llama-cpp fetch every part, Ollama's hf.co/ pull refuses them (ollama/ollama#5245). Absent: one file.
   */
  sharded?: boolean;
}

/** Hugging Face's largest file: GGUFs past it are uploaded in parts (-00001-of-0000N). */
export const HF_MAX_FILE_BYTES = 50e9;

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
  /** The sized machine's GPU backend (cuda, rocm, vulkan, metal, or cpu); absent: not said. */
  backend?: string;
  /**
   * All in RAM beside a CUDA, ROCm or Vulkan GPU that cannot hold the compute buffer llama.cpp would use to read prompts
   * there (op offload): the load needs --no-op-offload. Absent: not needed.
   */
  noOpOffload?: boolean;
  /** What rightsize expects at this placement, for llama-bench's rows to be compared with; absent: not sized. */
  expected?: {
    generationTokPerSec: number | null;
    promptTokPerSec: number | null;
    /** A placement with weights in RAM beside a GPU: its prompt speed with a larger micro-batch (EstimateResult.largeUbatchPrompt). */
    largeUbatchPrompt?: { ubatchTokens: number; tokPerSec: number };
  } | null;
}

/** Stands for the file the user downloads when a catalog model has no known source. */
export const MODEL_FILE_PLACEHOLDER = 'MODEL.gguf';

/** llama.cpp needs flash attention for a quantized V cache; otherwise its default (auto) is left alone. */
export function flashAttentionFor(kvType: KvType): 'on' | 'auto' {
  return kvType === 'f16' ? 'auto' : 'on';
}

/** One argument for a POSIX shell: as it is when that is safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Where the llama.cpp tools and node-llama-cpp get the weights from. */
export function modelSource(model: RunModel): { kind: 'file' | 'hf' | 'url' | 'placeholder'; value: string } {
  if (model.path) return { kind: 'file', value: model.path };
  if (model.ggufRepo) return { kind: 'hf', value: `${model.ggufRepo}:${model.quant}` };
  if (model.url) return { kind: 'url', value: model.url };
  return { kind: 'placeholder', value: MODEL_FILE_PLACEHOLDER };
}

export const placeholderNote = (model: RunModel): string =>
  `${MODEL_FILE_PLACEHOLDER} stands for a ${model.quant} GGUF file of ${model.name}: download one (e.g. from Hugging Face) and put its path here.`;

/** Several GPUs share the offloaded layers (layer split). */
export const splitsLayers = (s: RunSettings): boolean => s.gpuCount > 1 && s.gpuLayers > 0 && s.splitMode !== 'none';

/** -ts as written: the proportions, without trailing zeros. */
export function formatSplit(split: readonly number[]): string {
  return split.map((x) => String(Number(x.toFixed(2)))).join(',');
}

/** A command line: the program, then each flag with its value quoted for the shell. */
export const joinArgs = (program: string, args: Array<[string, string?]>): string =>
  [program, ...args.flatMap(([flag, value]) => (value === undefined ? [flag] : [flag, shellQuote(value)]))].join(' ');
