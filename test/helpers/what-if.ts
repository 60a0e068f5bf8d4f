import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import type { HardwareSnapshot } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot } from './hardware';

/** A what-if machine with one catalogued GPU (by name) and this much RAM, its CPU reading 60 GB/s, as a user plans it. */
export function planGpu(gpuName: string, ramGiB: number): HardwareSnapshot {
  return applyWhatIf(
    makeSnapshot({ ramBytes: ramGiB * GiB, cpuBandwidth: 60e9 }),
    { gpuName, ramBytes: ramGiB * GiB },
    loadGpuPresets(),
    loadMachinePresets(),
  );
}
