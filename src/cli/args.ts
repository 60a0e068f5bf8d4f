// Option values shared by several commands, parsed once: context lengths, sizes, KV types,
// GPU layers and what-if hardware. Each mistake gets a message that says what to type.
import { KV_TYPES, type KvType } from '../shared/precision';
import type { WhatIf } from '../shared/schema';
import { parseSizeBytes, SizeParseError } from '../shared/units';
import { UsageError, type OptionSpec } from './command';

export function parseContext(text: string): number {
  const match = /^\s*(\d+)\s*(k|K)?\s*$/.exec(text);
  if (!match) throw new UsageError(`--ctx "${text}" is not a number of tokens; write e.g. 8192 or 8k.`);
  const tokens = Number(match[1]) * (match[2] ? 1024 : 1);
  if (tokens <= 0) throw new UsageError('--ctx must be at least 1 token; try 4096 or 8192.');
  return tokens;
}

function parseSizeFlag(flag: string, text: string, allowZero: boolean): number {
  if (allowZero && /^\s*0+(\.0+)?\s*[a-zA-Z]*\s*$/.test(text)) return 0;
  try {
    return parseSizeBytes(text);
  } catch (error) {
    if (error instanceof SizeParseError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

export function parseKv(text: string | undefined): KvType {
  const kvType = (text ?? 'f16') as KvType;
  if (!KV_TYPES.includes(kvType)) throw new UsageError(`--kv "${text}" is not a KV cache type; use one of ${KV_TYPES.join(', ')}.`);
  return kvType;
}

/** "RTX 3090", "2x RTX 3090" or "2 x RTX 3090": a preset name and how many of that card. */
function parseGpuFlag(text: string): { name: string; count: number } {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError('--gpu needs a GPU name, e.g. --gpu "RTX 4090" or --gpu "2x RTX 3090".');
  const counted = /^(\d+)\s*[x×]\s+(.+)$/i.exec(trimmed) ?? /^(\d+)[x×](\S.*)$/i.exec(trimmed);
  if (!counted) return { name: trimmed, count: 1 };
  const count = Number(counted[1]);
  if (count < 1 || count > 16) throw new UsageError(`--gpu "${trimmed}": from 1 to 16 cards of one kind.`);
  return { name: (counted[2] as string).trim(), count };
}

export function parseWhatIf(values: { vram?: string; ram?: string; gpu?: string[]; machine?: string }): WhatIf | undefined {
  const whatIf: WhatIf = {};
  if (values.machine !== undefined) {
    if (values.machine.trim() === '') throw new UsageError('--machine needs a preset id; `rightsize presets machines` lists them.');
    whatIf.machine = values.machine.trim();
  }
  if (values.vram !== undefined) whatIf.vramBytes = parseSizeFlag('vram', values.vram, true);
  if (values.ram !== undefined) whatIf.ramBytes = parseSizeFlag('ram', values.ram, false);
  const gpus = (values.gpu ?? []).map(parseGpuFlag);
  if (gpus.length === 1 && gpus[0]?.count === 1) whatIf.gpuName = gpus[0].name;
  else if (gpus.length > 0) {
    if (whatIf.vramBytes !== undefined)
      throw new UsageError('--vram sizes one GPU; with several --gpu cards, name catalogued cards (`rightsize presets gpus`).');
    whatIf.gpus = gpus;
  }
  return Object.keys(whatIf).length ? whatIf : undefined;
}

/** llama.cpp's -ts: "3,1" or "3/1", a share per GPU in device order. */
function parseTensorSplit(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(/[,/]/).map((x) => x.trim());
  if (parts.length > 16 || parts.some((x) => !/^\d+(\.\d+)?$/.test(x)) || !parts.some((x) => Number(x) > 0))
    throw new UsageError(`--tensor-split "${text}" must be shares per GPU in device order, e.g. 3,1 (as llama.cpp's -ts).`);
  return parts.map(Number);
}

const SPLIT_MODES = ['none', 'layer', 'row'] as const;

/** llama.cpp's --split-mode: none, layer or row. */
function parseSplitMode(text: string | undefined): (typeof SPLIT_MODES)[number] | undefined {
  if (text === undefined) return undefined;
  const mode = text.trim().toLowerCase();
  if (!(SPLIT_MODES as readonly string[]).includes(mode))
    throw new UsageError(`--split-mode "${text}" must be none, layer or row (as llama.cpp's -sm).`);
  return mode as (typeof SPLIT_MODES)[number];
}

/** llama.cpp's --main-gpu: a device index from 0; whether it exists is checked against the hardware. */
function parseMainGpu(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return parseInteger('--main-gpu', text, 0, 0, 255);
}

/** --tensor-split, --split-mode and --main-gpu as a request's fields, only those given. */
export function parseSplitOptions(values: { 'tensor-split'?: string; 'split-mode'?: string; 'main-gpu'?: string }): {
  tensorSplit?: number[];
  splitMode?: (typeof SPLIT_MODES)[number];
  mainGpu?: number;
} {
  const tensorSplit = parseTensorSplit(values['tensor-split']);
  const splitMode = parseSplitMode(values['split-mode']);
  const mainGpu = parseMainGpu(values['main-gpu']);
  return {
    ...(tensorSplit ? { tensorSplit } : {}),
    ...(splitMode ? { splitMode } : {}),
    ...(mainGpu !== undefined ? { mainGpu } : {}),
  };
}

/** llama.cpp's --n-cpu-moe: the experts of the first N blocks stay in RAM. */
export function parseNCpuMoe(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return parseInteger('--n-cpu-moe', text, 0, 0, 100_000);
}

export function parseGpuLayers(text: string | undefined): number | 'auto' {
  if (text === undefined || text === 'auto') return 'auto';
  if (!/^\d+$/.test(text)) throw new UsageError(`--gpu-layers "${text}" must be a whole number of layers or "auto".`);
  return Number(text);
}

/** A whole number in [min, max], or the fallback when not given. */
export function parseInteger(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} "${text}" must be a whole number from ${min} to ${max}.`);
  return n;
}

export const JSON_OPTION = {
  json: { type: 'boolean', help: 'Print the answer as JSON (valid against the shared schema), alone on stdout.' },
} as const satisfies Record<string, OptionSpec>;
export const COLOR_OPTIONS = {
  color: { type: 'boolean', help: 'Colour even when not writing to a terminal.' },
  'no-color': { type: 'boolean', help: 'No colour (NO_COLOR does the same).' },
} as const satisfies Record<string, OptionSpec>;
export const CONTEXT_OPTIONS = {
  ctx: { type: 'string', value: 'N', help: 'Context length in tokens (e.g. 4096, 8k).' },
  kv: { type: 'string', value: 'T', help: 'KV cache type: f16 (default), q8_0 or q4_0.' },
} as const satisfies Record<string, OptionSpec>;
export const WHAT_IF_OPTIONS = {
  vram: { type: 'string', value: 'SIZE', help: 'What-if: plan for this much VRAM (e.g. 8GiB, 12GB; 0 = no GPU).' },
  ram: { type: 'string', value: 'SIZE', help: 'What-if: plan for this much RAM (e.g. 32GiB).' },
  gpu: {
    type: 'string',
    multiple: true,
    value: 'NAME',
    help: 'What-if: plan for this GPU (e.g. "RTX 4090"; "2x RTX 3090" or repeat for several); VRAM and bandwidth from the presets.',
  },
  machine: { type: 'string', value: 'ID', help: 'What-if: plan for a whole-machine preset (rightsize presets machines).' },
} as const satisfies Record<string, OptionSpec>;
export const TENSOR_SPLIT_OPTION = {
  'tensor-split': {
    type: 'string',
    value: 'A,B',
    help: "Share of the layers per GPU, in device order, as llama.cpp's -ts (default: by free VRAM).",
  },
} as const satisfies Record<string, OptionSpec>;
export const SPLIT_MODE_OPTIONS = {
  'split-mode': {
    type: 'string',
    value: 'MODE',
    help: 'How llama.cpp spreads the model over several GPUs, as its -sm: layer (default), none (only --main-gpu) or row.',
  },
  'main-gpu': { type: 'string', value: 'N', help: "The GPU of --split-mode none, in device order from 0 (llama.cpp's -mg)." },
} as const satisfies Record<string, OptionSpec>;
export const PROFILE_OPTION = {
  profile: { type: 'string', value: 'NAME', help: 'Size for a saved profile (rightsize profiles list) instead of this machine.' },
} as const satisfies Record<string, OptionSpec>;
export const HF_TOKEN_OPTION = {
  'hf-token': {
    type: 'string',
    value: 'TOKEN',
    help: 'Hugging Face token for a gated or private repository (default: the HF_TOKEN environment variable). Sent to Hugging Face only, never printed.',
  },
} as const satisfies Record<string, OptionSpec>;

/** The environment a service gets: the CLI's, with --hf-token as HF_TOKEN where given. */
export function envWithHfToken(env: NodeJS.ProcessEnv, token: string | undefined): NodeJS.ProcessEnv {
  if (token === undefined) return env;
  if (!token.trim())
    throw new UsageError('--hf-token is empty: give the token (it starts with hf_), or leave the option out to use HF_TOKEN.');
  return { ...env, HF_TOKEN: token.trim() };
}

export const REFRESH_OPTION = {
  refresh: {
    type: 'boolean',
    help: 'Ask node-llama-cpp again and measure RAM bandwidth again, instead of using their cached answers (about a second).',
  },
} as const satisfies Record<string, OptionSpec>;
export const GPU_LAYERS_OPTION = {
  'gpu-layers': {
    type: 'string',
    value: 'N|auto',
    help: 'Layers on the GPU (llama.cpp counts the output layer); auto = the most that fit.',
  },
} as const satisfies Record<string, OptionSpec>;
export const N_CPU_MOE_OPTION = {
  'n-cpu-moe': {
    type: 'string',
    value: 'N',
    help: "MoE models: keep the experts of the first N blocks in RAM, the rest of them on the GPU (llama.cpp's --n-cpu-moe / -ncmoe); default: chosen when faster.",
  },
} as const satisfies Record<string, OptionSpec>;
