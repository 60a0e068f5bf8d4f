// Which whole-machine preset a GPU preset comes in: shared by the service and the faces that list what it can size.
import type { PresetList } from './schema';

/**
 * The machine preset that holds this GPU preset alone (a DGX Spark's GB10, a MacBook's chip, a Jetson): where a GPU
 * that shares its machine's memory is sized for training. Undefined when no single-GPU machine preset holds it.
 */
export function machineHolding<M extends { gpus: ReadonlyArray<{ presetId: string }> }>(
  presetId: string,
  machines: readonly M[],
): M | undefined {
  return machines.find((m) => m.gpus.length === 1 && m.gpus[0]?.presetId === presetId);
}

/** The GPU presets a training plan can be sized on: VRAM of their own, or a machine preset's memory they share. */
export function gpusToTrainOn(list: PresetList): PresetList['gpus'] {
  return list.gpus.filter(
    (g) => (g.vramBytes !== null && !g.integrated) || (g.unifiedMemory && machineHolding(g.id, list.machines) !== undefined),
  );
}
