// The hardware upgrade advice sizes a model on: every whole-machine preset, and every discrete GPU
// preset put in this machine (its CPU and RAM). Built from the detected snapshot so figures the
// presets do not name (CPU, OS) stay this machine's, each swapped figure marked as what-if.
import { adviseUpgrade, type UpgradeOption, type UpgradeSettings } from '../../core/upgrade';
import type { SizableModel } from '../../core/report';
import type { Gpu, GpuPreset, HardwareSnapshot, MachinePreset, SpeedCalibration, UpgradeAdvice } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { loadGpuPresets, loadMachinePresets } from '../resources';
import { gpuFromPreset } from './what-if';

function withHardware(base: HardwareSnapshot, gpus: Gpu[], ramBytes: number, detail: string): HardwareSnapshot {
  const next = structuredClone(base);
  next.gpus = gpus;
  if (ramBytes !== base.ram.totalBytes) {
    next.ram = {
      totalBytes: ramBytes,
      availableBytes: null,
      swapTotalBytes: null,
      source: { kind: 'what-if', by: 'what-if', detail: `RAM of ${detail}` },
    };
  }
  next.whatIf = true;
  next.sources = [...next.sources.filter((s) => s.id !== 'what-if'), { id: 'what-if', status: 'ok', detail }];
  return next;
}

function machineHardware(base: HardwareSnapshot, machine: MachinePreset, byId: Map<string, GpuPreset>): HardwareSnapshot | null {
  const gpus: Gpu[] = [];
  for (const { presetId, count } of machine.gpus) {
    const preset = byId.get(presetId);
    // test/unit/presets.test.ts keeps every id resolvable; a hand-edited file loses one machine, not the advice.
    if (!preset) return null;
    for (let i = 0; i < count; i += 1) gpus.push(gpuFromPreset(preset, machine.ramBytes));
  }
  const next = withHardware(base, gpus, machine.ramBytes, machine.name);
  // An integrated or unified GPU reads the machine's RAM, so its catalogued bandwidth is the CPU's too.
  const shared = gpus.find((g) => g.integrated || g.unifiedMemory);
  next.cpu = {
    ...next.cpu,
    model: machine.cpu ?? machine.name,
    memoryBandwidthBytesPerSec: shared ? shared.memoryBandwidthBytesPerSec : next.cpu.memoryBandwidthBytesPerSec,
    bandwidthSource: shared
      ? shared.bandwidthSource
      : { kind: 'assumed', by: 'what-if', detail: "this machine's RAM bandwidth: the preset names no RAM speed" },
  };
  return next;
}

export function upgradeOptions(
  snapshot: HardwareSnapshot,
  calibration: SpeedCalibration | null,
  gpuPresets: GpuPreset[],
  machinePresets: MachinePreset[],
): UpgradeOption[] {
  const byId = new Map(gpuPresets.map((p) => [p.id, p]));
  const options: UpgradeOption[] = [];
  for (const machine of machinePresets) {
    const hardware = machineHardware(snapshot, machine, byId);
    if (!hardware) continue;
    options.push({
      id: machine.id,
      name: machine.name,
      kind: 'machine',
      source: machine.source,
      note: machine.note ?? null,
      hardware,
      calibration: null,
    });
  }
  const ram = snapshot.ram.totalBytes;
  // Integrated and unified GPUs come with their machine: only a card can go into this one.
  for (const preset of gpuPresets) {
    if (preset.integrated || preset.unifiedMemory || !preset.vramBytes) continue;
    options.push({
      id: preset.id,
      name: `${preset.name} in this machine (${formatBytes(ram)} RAM)`,
      kind: 'gpu',
      source: preset.source,
      note: preset.note ?? null,
      hardware: withHardware(snapshot, [gpuFromPreset(preset, ram)], ram, `${preset.name} in this machine`),
      calibration,
    });
  }
  return options;
}

/** Upgrade advice for this machine against the shipped presets. */
export function adviseFromPresets(
  model: SizableModel,
  snapshot: HardwareSnapshot,
  calibration: SpeedCalibration | null,
  settings: UpgradeSettings,
): UpgradeAdvice {
  const options = upgradeOptions(snapshot, calibration, loadGpuPresets(), loadMachinePresets());
  return adviseUpgrade(model, { hardware: snapshot, calibration }, options, settings);
}
