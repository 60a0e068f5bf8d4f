// `rightsize probe`: the calibration run, through the service, which keeps the result for this machine.
import { UserFacingError } from '../../node/service';
import { defineCommand } from '../command';
import { JSON_OPTION } from '../args';
import { followRun, runFailure } from '../follow-run';

export const probeCommand = defineCommand({
  name: 'probe',
  summary: 'About ten seconds of real generation on generated models: calibrates every CPU speed estimate.',
  description:
    "Measures this machine's read speed and matrix throughput per tensor type, fixed costs per token and\nlayer, and RAM speed. Saved for this machine; every later report uses it (marked calibrated). Each run is pooled with the\nlast three: every probe file's median over them counts, so one busy moment does not skew it.",
  options: {
    fresh: {
      type: 'boolean',
      help: "Forget this machine's earlier probes instead of pooling with them (after a change of RAM, power plan or BIOS).",
    },
    ...JSON_OPTION,
  },
  async run({ values, io, service: makeService }) {
    const service = makeService({ backgroundRefresh: false });
    const run = await followRun(service, io, () => service.call('startProbe', { fresh: values.fresh === true }));
    if (run.state !== 'done' || !run.calibration) throw new UserFacingError(runFailure(run, 'probe'), run.state);
    io.stdout(
      values.json
        ? `${JSON.stringify(run.calibration, null, 2)}\n`
        : `${(await import('../format/probe')).formatCalibration(run.calibration)}\n`,
    );
    return 0;
  },
});
