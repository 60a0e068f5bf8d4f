// `rightsize hardware`: what was detected, each figure with its source.
import { HardwareSnapshotSchema } from '../../shared/schema';
import { defineCommand, useColor } from '../command';
import { COLOR_OPTIONS, JSON_OPTION, REFRESH_OPTION } from '../args';

export const hardwareCommand = defineCommand({
  name: 'hardware',
  summary: 'The detected GPUs, VRAM, RAM and CPU, each figure with the tool it came from.',
  options: { ...JSON_OPTION, ...REFRESH_OPTION, ...COLOR_OPTIONS },
  async run({ values, io, service }) {
    const snapshot = await service({ waitForLlama: values.refresh ?? false, backgroundRefresh: false }).call('getHardware', {
      refresh: values.refresh ?? false,
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(HardwareSnapshotSchema.parse(snapshot), null, 2)}\n`
        : `${(await import('../format/report')).formatHardware(snapshot, useColor(values, io)).join('\n')}\n`,
    );
    return 0;
  },
});
