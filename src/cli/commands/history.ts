// `rightsize history`: the benchmark runs saved so far, newest last.
import { defineCommand, useColor } from '../command';
import { COLOR_OPTIONS, JSON_OPTION } from '../args';

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'Benchmark runs saved so far (rightsize bench, the app), with the hardware they ran on.',
  options: { ...JSON_OPTION, ...COLOR_OPTIONS },
  async run({ values, io, service }) {
    const { records, problem } = await service({ backgroundRefresh: false }).call('listBenchHistory', {});
    if (problem) io.stderr(`! ${problem}\n`);
    io.stdout(
      values.json
        ? `${JSON.stringify({ records, problem }, null, 2)}\n`
        : `${(await import('../format/history')).formatHistory(records, useColor(values, io))}\n`,
    );
    return 0;
  },
});
