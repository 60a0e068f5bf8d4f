// `rightsize measure`: loads a GGUF in the llama child process and compares llama.cpp's own
// buffers with the estimate for the same settings.
import { UserFacingError } from '../../node/service';
import { DEFAULT_MEASURE_CONTEXT_TOKENS, MEASURE_TIMEOUT_SECONDS } from '../../shared/defaults';
import { defineCommand, UsageError, useColor } from '../command';
import {
  COLOR_OPTIONS,
  CONTEXT_OPTIONS,
  GPU_LAYERS_OPTION,
  JSON_OPTION,
  parseContext,
  parseGpuLayers,
  parseInteger,
  parseKv,
} from '../args';
import { followRun, runFailure } from '../follow-run';

export const measureCommand = defineCommand({
  name: 'measure',
  summary: 'Loads a GGUF file with node-llama-cpp (child process) and shows what llama.cpp allocated next to the estimate.',
  args: '<file.gguf>',
  description: `Default context ${DEFAULT_MEASURE_CONTEXT_TOKENS} tokens (or the model maximum). Ctrl+C stops it at once.`,
  options: {
    ...JSON_OPTION,
    ...CONTEXT_OPTIONS,
    ...GPU_LAYERS_OPTION,
    threads: { type: 'string', value: 'N', help: 'CPU threads (default: the physical cores, at most 8).' },
    timeout: { type: 'string', value: 'S', help: `Time limit in seconds (default ${MEASURE_TIMEOUT_SECONDS}).` },
    ...COLOR_OPTIONS,
  },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length !== 1) throw new UsageError('measure needs one GGUF file, e.g. `rightsize measure ./model.gguf --ctx 4096`.');
    const service = makeService({ backgroundRefresh: false });
    const run = await followRun(service, io, () =>
      service.call('startMeasure', {
        path: positionals[0] as string,
        ...(values.ctx !== undefined ? { contextTokens: parseContext(values.ctx) } : {}),
        kvType: parseKv(values.kv),
        gpuLayers: parseGpuLayers(values['gpu-layers']),
        ...(values.threads !== undefined ? { threads: parseInteger('--threads', values.threads, 1, 1, 512) } : {}),
        timeoutSeconds: parseInteger('--timeout', values.timeout, MEASURE_TIMEOUT_SECONDS, 1, 86_400),
      }),
    );
    if (run.state !== 'done' || !run.measurement) throw new UserFacingError(runFailure(run, 'measure'), run.state);
    const { measurement, estimate } = run.measurement;
    io.stdout(
      values.json
        ? `${JSON.stringify({ measurement, estimate }, null, 2)}\n`
        : `${(await import('../format/estimate')).formatMeasurement(measurement, estimate, useColor(values, io))}\n`,
    );
    return 0;
  },
});
