// Vision projectors (mmproj*.gguf), the pure part: which file in a folder pairs with a model, the
// projector's size from its GGUF header (weights exactly from its tensors, the compute buffer for
// one image from clip.cpp's warmup graph), the device llama.cpp's mtmd puts it on, and the budget
// and totals with it. The node side (src/node/models/projector.ts) lists folders and reads headers.
import type { ComputeTarget } from './budget';
import { tensorBytes } from './ggml';
import type { GgufHeader, GgufValue } from './gguf-types';
import type { EstimateResult, ProjectorEstimate, Source } from '../shared/schema';
import { formatBytes } from '../shared/units';

/** A file that is not a projector llama.cpp can load; the message says what to pass instead. */
export class ProjectorFileError extends Error {}

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

/** The projectors among a folder's file names, best match for `modelName` first (most shared words, then name order). */
export function rankProjectors(modelName: string, names: readonly string[]): string[] {
  return names
    .filter(isProjectorFileName)
    .map((name) => ({ name, score: sharedWords(name, modelName) }))
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((x) => x.name);
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
    throw new ProjectorFileError(`${path} is a clip file without ${key}: it is not a vision projector llama.cpp can load.`);
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

/** A projector's size from its header: exact weights from its tensors, and the one-image compute buffer estimated. */
export function projectorSizeFromHeader(header: GgufHeader, absolute: string, fileName: string): ProjectorSize {
  const arch = header.metadata.get('general.architecture');
  if (arch !== 'clip')
    throw new ProjectorFileError(
      `${absolute} is not a vision projector: its general.architecture is "${String(arch ?? 'missing')}", and llama.cpp's --mmproj needs "clip" (an mmproj*.gguf made for the model). Pass the model itself as MODEL and its mmproj file to --mmproj.`,
    );
  if (header.metadata.get('clip.has_vision_encoder') === false)
    throw new ProjectorFileError(`${absolute} is an audio-only projector (clip.has_vision_encoder is false): it reads no images.`);
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
      detail: `the ${header.tensors.length} tensors and types in ${fileName} (clip, projector ${projectorType})`,
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

/** Adds the projector's weights and compute to the device that holds it, and to the totals. */
export function withProjectorBytes(result: EstimateResult, projector: ProjectorEstimate): EstimateResult {
  const bytes = projector.weightsBytes + projector.computeBytes;
  const device = result.devices[projector.device];
  const devices = {
    ...result.devices,
    [projector.device]: {
      ...device,
      weightsBytes: device.weightsBytes + projector.weightsBytes,
      computeBytes: device.computeBytes + projector.computeBytes,
      totalBytes: device.totalBytes + bytes,
    },
  };
  // clip.cpp initialises the first GPU device: with layers split over cards, card 0 holds it.
  const gpus =
    result.gpus && projector.device === 'gpu'
      ? result.gpus.map((g, i) =>
          i === 0
            ? {
                ...g,
                weightsBytes: g.weightsBytes + projector.weightsBytes,
                computeBytes: g.computeBytes + projector.computeBytes,
                totalBytes: g.totalBytes + bytes,
              }
            : g,
        )
      : result.gpus;
  const where = projector.device === 'gpu' ? 'on the GPU (--mmproj-offload, the default)' : 'in RAM (--no-mmproj-offload or no GPU)';
  return {
    ...result,
    devices,
    ...(gpus ? { gpus } : {}),
    totalBytes: result.totalBytes + bytes,
    why: `${result.why} The vision projector's ${formatBytes(bytes, 2)} sits ${where}, and the model was fitted to what is left there.`,
    projector,
  };
}
