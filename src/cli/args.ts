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

export function parseWhatIf(values: { vram?: string; ram?: string; gpu?: string }): WhatIf | undefined {
  const whatIf: WhatIf = {};
  if (values.vram !== undefined) whatIf.vramBytes = parseSizeFlag('vram', values.vram, true);
  if (values.ram !== undefined) whatIf.ramBytes = parseSizeFlag('ram', values.ram, false);
  if (values.gpu !== undefined) {
    if (values.gpu.trim() === '') throw new UsageError('--gpu needs a GPU name, e.g. --gpu "RTX 4090".');
    whatIf.gpuName = values.gpu.trim();
  }
  return Object.keys(whatIf).length ? whatIf : undefined;
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
  gpu: { type: 'string', value: 'NAME', help: 'What-if: plan for this GPU (e.g. "RTX 4090"); VRAM and bandwidth from the presets.' },
} as const satisfies Record<string, OptionSpec>;
export const PROFILE_OPTION = {
  profile: { type: 'string', value: 'NAME', help: 'Size for a saved profile (rightsize profiles list) instead of this machine.' },
} as const satisfies Record<string, OptionSpec>;
export const REFRESH_OPTION = {
  refresh: { type: 'boolean', help: 'Ask node-llama-cpp again instead of using its cached answer (about a second).' },
} as const satisfies Record<string, OptionSpec>;
export const GPU_LAYERS_OPTION = {
  'gpu-layers': {
    type: 'string',
    value: 'N|auto',
    help: 'Layers on the GPU (llama.cpp counts the output layer); auto = the most that fit.',
  },
} as const satisfies Record<string, OptionSpec>;
