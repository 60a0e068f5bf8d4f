// Which GPU presets a training plan can be sized on, as the service and the Fine-tune panel both read it.
import { describe, expect, it } from 'vitest';
import { gpusToTrainOn, machineHolding } from '../../src/shared/machine-presets';
import type { PresetList } from '../../src/shared/schema';

const gpu = (id: string, vramBytes: number | null, unifiedMemory: boolean, integrated: boolean): PresetList['gpus'][number] => ({
  id,
  name: id,
  vendor: 'nvidia',
  vramBytes,
  memoryBandwidthGBps: 100,
  unifiedMemory,
  integrated,
  source: 'test',
  note: null,
});
const machine = (id: string, presetIds: string[]): PresetList['machines'][number] => ({
  id,
  name: id,
  ramBytes: 2 ** 30,
  gpus: presetIds.map((presetId) => ({ presetId, name: presetId, count: 1 })),
  cpu: null,
  source: 'test',
  note: null,
});

describe('gpusToTrainOn', () => {
  it('keeps cards with VRAM and shared-memory GPUs a single-GPU machine preset holds, nothing else', () => {
    const list: PresetList = {
      gpus: [
        gpu('card', 24e9, false, false),
        gpu('spark', null, true, true),
        gpu('loose', null, true, true),
        gpu('igpu', null, false, true),
      ],
      machines: [machine('spark-box', ['spark']), machine('two-cards', ['card', 'loose'])],
    };
    expect(gpusToTrainOn(list).map((g) => g.id)).toEqual(['card', 'spark']);
    expect(machineHolding('spark', list.machines)?.id).toBe('spark-box');
    // A preset only in a machine with other GPUs is not held alone.
    expect(machineHolding('loose', list.machines)).toBeUndefined();
  });
});
