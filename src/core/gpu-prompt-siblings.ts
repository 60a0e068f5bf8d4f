// A prompt rate for a GPU nobody published a llama-bench run of, from its siblings: the cards of the same
// architecture with a published run on the same backend. A card's prompt rate follows its compute, and within one
// architecture compute and memory bandwidth grow together (more SMs come with a wider bus), so the FLOPs per byte of
// bandwidth those cards reached carry to the card without a run: RTX 3070, 3080 and 3090 on CUDA read prompts at
// 77-85 FLOP per byte, Ada cards at 88-141, Blackwell at 125-129. Datasheet TFLOPS stay unused (llama.cpp's kernels
// reach very different shares of them), and another backend's runs are not borrowed. One sibling is not enough: the
// same chip is sold with faster memory (H100 PCIe and SXM, H200; A100 40 and 80 GB), where the bandwidth grows and
// the compute barely does, and two or more cards of an architecture average such pairs out. How well this carries is
// measured leave-one-out over the catalogued rates (bench/gpu-prompt-siblings.ts).
import type { GpuPreset, GpuPromptRateEntry } from '../shared/schema';
import { median } from './bench-records';

/** Fewer published siblings than this on the backend: no estimate. */
export const MIN_SIBLINGS = 2;

/**
 * Backends whose published rates do not carry between cards: on Vulkan, drivers and llama.cpp's coopmat paths move a
 * card's rate more than its architecture does (leave-one-out over the catalogue: median 0.84, 2 of 6 within 25%;
 * an RTX 3060 predicted at 2.06x, an RTX 3070 at 0.66x), so a Vulkan card gets no estimate from its siblings.
 */
export const UNSTEADY_BACKENDS: readonly string[] = ['vulkan'];

/**
 * Architectures whose cards are one chip with different memories: every Hopper part (H100 PCIe, SXM and NVL, H200 and
 * H200 NVL, GH200) is a GH100 with 114-132 SMs, and the memory goes from 2 TB/s of HBM2e to 4.9 of HBM3e. Bandwidth
 * says nothing of their compute, so an unmeasured one gets the median of its measured siblings' rates: by FLOPs per
 * byte, the H100 PCIe (66) and the H200 measured here (32) would give an H200 NVL 235 TFLOP/s against the H200's 151.
 */
export const ONE_CHIP_ARCHITECTURES: readonly string[] = ['hopper'];

type PresetFacts = Pick<GpuPreset, 'id' | 'name' | 'architecture' | 'memoryBandwidthGBps'>;

export interface SiblingRate {
  flopsPerSec: number;
  /** The median FLOPs per byte of bandwidth of the siblings. */
  flopsPerByte: number;
  siblings: Array<{ name: string; flopsPerByte: number; flopsPerSec: number }>;
}

/** The rate `preset` would read prompts at on `backend`, from its siblings' published runs; null without one. */
export function siblingPromptRate(
  preset: PresetFacts,
  backend: string,
  presets: readonly PresetFacts[],
  rates: readonly GpuPromptRateEntry[],
  /** For the bench only: estimate on an unsteady backend too. */
  options: { anyBackend?: boolean } = {},
): SiblingRate | null {
  if (!preset.architecture || (!options.anyBackend && UNSTEADY_BACKENDS.includes(backend))) return null;
  const byId = new Map(presets.map((p) => [p.id, p]));
  const siblings: SiblingRate['siblings'] = [];
  for (const rate of rates) {
    if (rate.backend !== backend || rate.presetId === preset.id) continue;
    const sibling = byId.get(rate.presetId);
    if (sibling?.architecture !== preset.architecture) continue;
    siblings.push({
      name: sibling.name,
      flopsPerByte: rate.flopsPerSec / (sibling.memoryBandwidthGBps * 1e9),
      flopsPerSec: rate.flopsPerSec,
    });
  }
  if (siblings.length < MIN_SIBLINGS) return null;
  const flopsPerByte = median(siblings.map((s) => s.flopsPerByte));
  siblings.sort((a, b) => a.name.localeCompare(b.name));
  // One chip under many memories: the siblings' own rates, not their rate per byte of bandwidth.
  const flopsPerSec = ONE_CHIP_ARCHITECTURES.includes(preset.architecture)
    ? median(siblings.map((s) => s.flopsPerSec))
    : flopsPerByte * preset.memoryBandwidthGBps * 1e9;
  return { flopsPerSec, flopsPerByte, siblings };
}

export interface SiblingCheckPoint {
  presetId: string;
  backend: string;
  /** Predicted from the others / published. */
  ratio: number;
  siblings: number;
}

/** Each catalogued rate predicted from its siblings' alone (leave one out). */
export function siblingCheck(
  presets: readonly PresetFacts[],
  rates: readonly GpuPromptRateEntry[],
  options: { anyBackend?: boolean } = {},
): SiblingCheckPoint[] {
  const byId = new Map(presets.map((p) => [p.id, p]));
  const points: SiblingCheckPoint[] = [];
  for (const rate of rates) {
    const preset = byId.get(rate.presetId);
    if (!preset) continue;
    const predicted = siblingPromptRate(preset, rate.backend, presets, rates, options);
    if (predicted)
      points.push({
        presetId: rate.presetId,
        backend: rate.backend,
        ratio: predicted.flopsPerSec / rate.flopsPerSec,
        siblings: predicted.siblings.length,
      });
  }
  return points;
}

/** "median 1.00, 43 of 54 within 25%": how the check came out. */
export function siblingCheckSummary(points: readonly SiblingCheckPoint[]): string {
  if (points.length === 0) return 'no catalogued rate has a sibling to check it against';
  const within = points.filter((p) => p.ratio >= 0.75 && p.ratio <= 1.25).length;
  return `median ${median(points.map((p) => p.ratio)).toFixed(2)}, ${within} of ${points.length} within 25%`;
}
