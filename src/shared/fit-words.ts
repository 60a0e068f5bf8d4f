// The words for a fit level, written once so the terminal, the app and the ladder's reasons say the
// same thing about where a model runs.
import type { FitLevel } from './precision';
import { formatBytes } from './units';

export interface FitLegendEntry {
  fit: FitLevel;
  /** What a matrix cell shows: GPU, k/N, CPU or a dash. */
  label: string;
  description: string;
}

/** The key under the fit matrix, in order from best to worst. */
export const FIT_LEGEND: readonly FitLegendEntry[] = [
  { fit: 'gpu', label: 'GPU', description: 'all layers on the GPU' },
  {
    fit: 'partial',
    label: 'k/N',
    description:
      'k of N layers on the GPU, the rest on the CPU (GPU·E n: a mixture of experts with the experts of its first n blocks in RAM)',
  },
  { fit: 'cpu', label: 'CPU', description: 'CPU only' },
  { fit: 'none', label: '—', description: 'too large for this hardware' },
];

/**
 * The short form: GPU, 20/33, CPU or a dash. Without layer counts (a ladder step has none) a partial
 * fit reads "partial".
 */
export function fitShortLabel(fit: FitLevel, gpuLayers?: number, totalLayers?: number, cpuMoeLayers?: number): string {
  if (fit === 'partial' && cpuMoeLayers) return `GPU·E${cpuMoeLayers}`;
  if (fit === 'partial') return gpuLayers !== undefined && totalLayers !== undefined ? `${gpuLayers}/${totalLayers}` : 'partial';
  return FIT_LEGEND.find((entry) => entry.fit === fit)?.label ?? fit;
}

/** The fit in words, to sit inside a sentence: "all layers on the GPU", "20 of 33 layers on the GPU", "CPU only". */
export function fitLabel(fit: FitLevel, gpuLayers: number, totalLayers: number, cpuMoeLayers?: number, withFlag = true): string {
  if (fit === 'partial' && cpuMoeLayers)
    return `${gpuLayers} of ${totalLayers} layers on the GPU, the experts of the first ${cpuMoeLayers} blocks in RAM${withFlag ? ` (--n-cpu-moe ${cpuMoeLayers})` : ''}`;
  if (fit === 'partial') return `${gpuLayers} of ${totalLayers} layers on the GPU`;
  return FIT_LEGEND.find((entry) => entry.fit === fit)?.description ?? fit;
}

/** The same, starting a heading or a sentence. */
export function fitHeadline(fit: FitLevel, gpuLayers: number, totalLayers: number, cpuMoeLayers?: number): string {
  const text = fitLabel(fit, gpuLayers, totalLayers, cpuMoeLayers);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Why a load peak above the usable RAM is no reason to refuse a model that fits: the peak counts the
 * mapped file's pages of the matrices the CPU copies into its repacked layout, which the OS drops
 * again once the copy is made. Null where the peak is within RAM (or the model does not fit anyway).
 */
export function loadPeakNote(peakLoadBytes: number, ramNeedBytes: number, usableRamBytes: number, fits: boolean): string | null {
  if (!fits || peakLoadBytes <= usableRamBytes || ramNeedBytes > usableRamBytes) return null;
  return `The load peak is above the usable RAM (${formatBytes(usableRamBytes)}): it counts the file's pages of the matrices the CPU copies into its repacked layout, which the OS drops once the copy is made; ${formatBytes(ramNeedBytes, 2)} stays in RAM.`;
}

/** The longest context that runs here, in words: with every layer on the GPU, and at all. */
export function contextLimitsText(limits: { allOnGpuTokens: number | null; runsTokens: number | null; trainedTokens: number }): string {
  const tokens = (n: number): string => `${n.toLocaleString('en-US')} tokens${n === limits.trainedTokens ? ' (its trained maximum)' : ''}`;
  const { allOnGpuTokens: gpu, runsTokens: runs } = limits;
  if (runs === null) return 'Longest context here: none; it does not fit at any context length.';
  if (gpu === null) return `Longest context here: ${tokens(runs)}.`;
  if (gpu === 0) return `Longest context here: ${tokens(runs)}, with part of the model in RAM (it never fits the GPU whole).`;
  if (gpu === runs) return `Longest context here: ${tokens(gpu)} with every layer on the GPU.`;
  return `Longest context here: ${tokens(gpu)} with every layer on the GPU; ${tokens(runs)} with the rest in RAM.`;
}
