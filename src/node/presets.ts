// The shipped presets as listPresets gives them: every GPU, and every whole machine with its GPUs named.
import type { GpuPreset, MachinePreset, PresetList } from '../shared/schema';

export function presetList(gpus: GpuPreset[], machines: MachinePreset[]): PresetList {
  const byId = new Map(gpus.map((g) => [g.id, g]));
  return {
    gpus: gpus.map((g) => ({
      id: g.id,
      name: g.name,
      vendor: g.vendor,
      vramBytes: g.vramBytes,
      memoryBandwidthGBps: g.memoryBandwidthGBps,
      unifiedMemory: g.unifiedMemory,
      integrated: Boolean(g.integrated),
      source: g.source,
      note: g.note ?? null,
    })),
    machines: machines.map((m) => ({
      id: m.id,
      name: m.name,
      ramBytes: m.ramBytes,
      gpus: m.gpus.map((g) => ({ presetId: g.presetId, name: byId.get(g.presetId)?.name ?? g.presetId, count: g.count })),
      cpu: m.cpu ?? null,
      source: m.source,
      note: m.note ?? null,
    })),
  };
}
