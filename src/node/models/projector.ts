// Vision projectors (mmproj*.gguf): the CLIP-style encoder llama.cpp's mtmd loads next to a model
// (`--mmproj FILE`) to read images. Found next to the model file (LM Studio and Hugging Face
// downloads keep it there) and sized: weights exactly from its tensors, the compute buffer for one
// image estimated from clip.cpp's warmup graph.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ComputeTarget } from '../../core/budget';
import { tensorBytes } from '../../core/ggml';
import type { GgufHeader, GgufValue } from '../../core/gguf-types';
import type { Source } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { readGgufHeader } from './gguf-file';
import { ModelArgError } from './resolve';

const F32_BYTES = 4;

function isProjectorFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('mmproj') && lower.endsWith('.gguf');
}

const words = (name: string): Set<string> =>
  new Set(
    name
      .toLowerCase()
      .replace(/\.gguf$/, '')
      .split(/[^a-z0-9.]+/)
      .filter((w) => w && w !== 'mmproj'),
  );

/** How many words (split on -, _, spaces) two file names share, mmproj and .gguf aside. */
function sharedWords(a: string, b: string): number {
  const other = words(b);
  return [...words(a)].filter((w) => other.has(w)).length;
}

interface FoundProjector {
  path: string;
  bytes: number;
  /** Why this one: the only one in the folder, or the one whose name is closest to the model's. */
  reason: string;
}

/** The projectors among a folder's file names, best match for `modelName` first (most shared words, then name order). */
export function rankProjectors(modelName: string, names: readonly string[]): string[] {
  return names
    .filter(isProjectorFileName)
    .map((name) => ({ name, score: sharedWords(name, modelName) }))
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((x) => x.name);
}

/** An mmproj*.gguf in the model's folder, or null when there is none (or the folder cannot be read). */
export async function findProjector(modelPath: string): Promise<FoundProjector | null> {
  const absolute = resolve(modelPath);
  const dir = dirname(absolute);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const ranked = rankProjectors(basename(absolute), names);
  const [best] = ranked;
  if (!best) return null;
  const path = join(dir, best);
  const bytes = (await stat(path)).size;
  const reason =
    ranked.length === 1
      ? `the only mmproj file next to ${basename(absolute)}`
      : `of ${ranked.length} mmproj files next to ${basename(absolute)}, the one whose name shares the most words with it (others: ${ranked.slice(1).join(', ')})`;
  return { path, bytes, reason };
}

/** One image's warmup as clip.cpp sizes it: the projector types that cap the warmup at n tokens (set_warmup_n_tokens). */
const WARMUP_TOKENS: Record<string, { tokens: number; mergeKey: string; defaultMerge: number }> = {
  qwen2vl_merger: { tokens: 46 * 46, mergeKey: 'clip.vision.spatial_merge_size', defaultMerge: 2 },
  'qwen2.5vl_merger': { tokens: 46 * 46, mergeKey: 'clip.vision.spatial_merge_size', defaultMerge: 2 },
  qwen3vl_merger: { tokens: 46 * 46, mergeKey: 'clip.vision.spatial_merge_size', defaultMerge: 2 },
  glm4v: { tokens: 46 * 46, mergeKey: 'clip.vision.spatial_merge_size', defaultMerge: 2 },
  pixtral: { tokens: 256, mergeKey: 'clip.vision.spatial_merge_size', defaultMerge: 1 },
  lightonocr: { tokens: 256, mergeKey: 'clip.vision.spatial_merge_size', defaultMerge: 1 },
  kimivl: { tokens: 256, mergeKey: 'clip.vision.projector.scale_factor', defaultMerge: 1 },
  gemma4v: { tokens: 256, mergeKey: 'clip.vision.projector.scale_factor', defaultMerge: 3 },
  phi4: { tokens: 256, mergeKey: '', defaultMerge: 1 },
};

export interface ProjectorSize {
  path: string;
  projectorType: string;
  weightsBytes: number;
  computeBytes: number;
  /** The warmup image clip.cpp reserves the compute buffer with (side x side pixels) and its patches. */
  warmup: { imageSide: number; patches: number };
  weightsSource: Source;
  computeSource: Source;
}

const num = (v: GgufValue | undefined): number | null => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);

function requireNumber(header: GgufHeader, key: string, path: string): number {
  const value = num(header.metadata.get(key));
  if (value === null || !(value > 0))
    throw new ModelArgError(`${path} is a clip file without ${key}: it is not a vision projector llama.cpp can load.`);
  return value;
}

/** llava's MLP projectors (mm.0 -> GELU -> mm.2) whose stage after the encoder can be the larger. */
const MLP_PROJECTORS = new Set(['mlp', 'mlp_norm', 'ldp', 'ldpv2']);

/**
 * The compute buffer clip.cpp reserves for its warmup image, in f32 activations. Checked against
 * clip.cpp built from this llama.cpp (CPU backend, flash attention on, zero-filled projectors with
 * real widths): the encoder's peak, patches x (n_ff + 3 x n_embd) x 4, gave gemma3 at 896 px
 * (4096 patches) 121.25 MiB for 121.25 measured, and 84.00 for 84.00 at n_embd 768; llava's MLP
 * stage, tokens x (2 x mm.0 rows + n_embd) x 4 + the f32 image, 21.54 MiB for 21.55 (336 px) and
 * 9.57 for 9.58 (224 px). At 448 px gemma3 measured up to 48% more than the encoder term (the
 * allocator's layout of a smaller graph): other image sizes and projector types are not checked.
 */
function warmupComputeBytes(
  header: GgufHeader,
  g: { projectorType: string; patches: number; imageSide: number; embd: number; ff: number },
): { bytes: number; formula: string } {
  const encoder = F32_BYTES * g.patches * (g.ff + 3 * g.embd);
  let formula = `${g.patches} patches x (${g.ff} feed-forward + 3 x ${g.embd} embedding) x 4 bytes (encoder block peak)`;
  const mm0 = header.tensors.find((t) => t.name === 'mm.0.weight');
  if (!MLP_PROJECTORS.has(g.projectorType) || !mm0 || mm0.dims.length < 2) return { bytes: encoder, formula };
  const hidden = mm0.dims[1] as number;
  const imageBytes = F32_BYTES * 3 * g.imageSide * g.imageSide;
  const mlp = F32_BYTES * g.patches * (2 * hidden + g.embd) + imageBytes;
  formula = `the larger of ${formula} and the MLP stage ${g.patches} tokens x (2 x ${hidden} + ${g.embd}) x 4 + the f32 image 3 x ${g.imageSide}^2 x 4`;
  return { bytes: Math.max(encoder, mlp), formula };
}

/** Reads a projector's header: exact weights from its tensors, and the one-image compute buffer estimated. */
export async function sizeProjector(path: string): Promise<ProjectorSize> {
  const absolute = resolve(path);
  const header = await readGgufHeader(absolute);
  const arch = header.metadata.get('general.architecture');
  if (arch !== 'clip')
    throw new ModelArgError(
      `${absolute} is not a vision projector: its general.architecture is "${String(arch ?? 'missing')}", and llama.cpp's --mmproj needs "clip" (an mmproj*.gguf made for the model). Pass the model itself as MODEL and its mmproj file to --mmproj.`,
    );
  if (header.metadata.get('clip.has_vision_encoder') === false)
    throw new ModelArgError(`${absolute} is an audio-only projector (clip.has_vision_encoder is false): it reads no images.`);
  // Old llava projectors have no projector_type: clip.cpp reads them as 'mlp'.
  const projectorType = String(header.metadata.get('clip.projector_type') ?? 'mlp');
  const weightsBytes = header.tensors.reduce(
    (sum, t) =>
      sum +
      tensorBytes(
        t.typeName,
        t.dims.reduce((a, d) => a * d, 1),
      ),
    0,
  );
  const imageSize = requireNumber(header, 'clip.vision.image_size', absolute);
  const patchSize = requireNumber(header, 'clip.vision.patch_size', absolute);
  const embd = requireNumber(header, 'clip.vision.embedding_length', absolute);
  const ff = requireNumber(header, 'clip.vision.feed_forward_length', absolute);
  const capped = WARMUP_TOKENS[projectorType];
  const merge = capped ? (num(header.metadata.get(capped.mergeKey)) ?? capped.defaultMerge) : 1;
  // hparams.set_warmup_n_tokens(n): warmup side = sqrt(n) x patch x merge; otherwise the side is image_size.
  const imageSide = capped ? Math.sqrt(capped.tokens) * patchSize * merge : imageSize;
  const patches = Math.floor(imageSide / patchSize) ** 2;
  const compute = warmupComputeBytes(header, { projectorType, patches, imageSide, embd, ff });
  return {
    path: absolute,
    projectorType,
    weightsBytes,
    computeBytes: compute.bytes,
    warmup: { imageSide, patches },
    weightsSource: {
      kind: 'detected',
      by: 'gguf header',
      detail: `the ${header.tensors.length} tensors and types in ${basename(absolute)} (clip, projector ${projectorType})`,
    },
    computeSource: {
      kind: 'estimated',
      by: 'projector.compute (clip.cpp warmup graph)',
      detail: `One ${imageSide}x${imageSide} warmup image as clip.cpp reserves it${capped ? ` (${capped.tokens} tokens x merge ${merge}^2)` : ' (clip.vision.image_size)'}: ${compute.formula} = ${formatBytes(compute.bytes, 2)}, flash attention on (its auto setting on a backend that has it; without it add heads x ${patches}^2 x 4 bytes).`,
    },
  };
}

/** Where llama.cpp's mtmd puts the projector: the first GPU unless --no-mmproj-offload or there is no GPU backend. */
export function projectorDevice(target: ComputeTarget, offload: boolean): 'gpu' | 'cpu' {
  return offload && target.backend !== 'cpu' && target.gpuBudgetsBytes.length > 0 ? 'gpu' : 'cpu';
}

/**
 * Takes the projector's bytes out of the budget the fit sees, on the device that holds it (GPU 0:
 * clip.cpp initialises the first GPU device), so the model's layers fit in what is left.
 */
export function reserveForProjector(target: ComputeTarget, bytes: number, device: 'gpu' | 'cpu'): ComputeTarget {
  const budget = { ...target.budget };
  const gpuBudgetsBytes = [...target.gpuBudgetsBytes];
  const note = ` ${formatBytes(bytes, 2)} is set aside for the vision projector on the ${device === 'gpu' ? 'GPU' : 'CPU (RAM)'}.`;
  if (device === 'gpu') {
    budget.gpuBytes = Math.max(0, budget.gpuBytes - bytes);
    gpuBudgetsBytes[0] = Math.max(0, (gpuBudgetsBytes[0] ?? 0) - bytes);
    if (budget.unifiedMemory) budget.ramBytes = Math.max(0, budget.ramBytes - bytes);
  } else {
    budget.ramBytes = Math.max(0, budget.ramBytes - bytes);
  }
  budget.explanation = `${budget.explanation}${note}`;
  return { ...target, budget, gpuBudgetsBytes };
}
