// The hardware upgrade advice sizes a model on: every whole-machine preset, and every discrete GPU
// preset put in this machine (its CPU and RAM). Built from the detected snapshot so figures the
// presets do not name (CPU, OS) stay this machine's, each swapped figure marked as what-if.
import { adviseUpgrade, type UpgradeOption, type UpgradeSettings } from '../../core/upgrade';
import type { SizableModel } from '../../core/report';
import type { GpuPreset, HardwareSnapshot, MachinePreset, SpeedCalibration, UpgradeAdvice } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { loadGpuPresets, loadMachinePresets } from '../resources';
import { gpuFromPreset, machineHardware, withHardware } from './what-if';

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
      price: machine.price ?? null,
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
      price: preset.price ?? null,
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
