// The longest context a model runs at on the sized hardware: with every layer on the GPU, and at all
// (the rest in RAM). The KV cache and the compute buffers grow with the context, so each limit is one
// binary search over context lengths in steps of llama.cpp's KV padding, with the same fit as the report.
import type { ContextLimits, HardwareSnapshot } from '../shared/schema';
import type { ComputeTarget } from './budget';
import { sizeModel, type ReportSettings, type SizableModel } from './report';

/** llama.cpp pads the KV cache to 256 cells: a limit is a multiple of it (or the trained maximum). */
const STEP = 256;

/** The largest context in [STEP, max] for which `ok` holds, given that it holds for every shorter one; null if none. */
function longest(max: number, ok: (tokens: number) => boolean): number | null {
  if (ok(max)) return max;
  let lo = 1;
  let hi = Math.floor((max - 1) / STEP);
  let best: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid * STEP)) {
      best = mid * STEP;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

export function contextLimits(
  model: SizableModel,
  hardware: HardwareSnapshot,
  target: ComputeTarget,
  settings: ReportSettings,
): ContextLimits | null {
  const trained = model.maxContext;
  // A file whose header gives no usable trained length (0, negative, fractional) has nothing to search.
  if (!Number.isInteger(trained) || trained < 1) return null;
  const fitAt = (tokens: number) => sizeModel(model, hardware, target, { ...settings, contextTokens: tokens }).fit.fit;
  const hasGpu = target.backend !== 'cpu' && target.budget.gpuBytes > 0;
  return {
    trainedTokens: trained,
    allOnGpuTokens: hasGpu ? (longest(trained, (t) => fitAt(t) === 'gpu') ?? 0) : null,
    runsTokens: longest(trained, (t) => fitAt(t) !== 'none'),
  };
}
