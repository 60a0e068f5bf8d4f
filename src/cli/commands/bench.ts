// `rightsize bench`: llama-bench's tests (pp512, tg128, mean +- sd) through node-llama-cpp, with a
// progress bar, a time limit, Ctrl+C that stops the child at once, and the result saved to history.
import { UserFacingError } from '../../node/service';
import { BENCH_REPETITIONS, BENCH_TIMEOUT_SECONDS, GEN_TOKENS, PROMPT_TOKENS } from '../../shared/defaults';
import { defineCommand, UsageError } from '../command';
import { GPU_LAYERS_OPTION, parseGpuLayers, parseInteger } from '../args';
import { followRun, runFailure } from '../follow-run';

export const benchCommand = defineCommand({
  name: 'bench',
  summary: `Prompt and generation speed in llama-bench's terms (pp${PROMPT_TOKENS}, tg${GEN_TOKENS}, mean ± sd), time to first token, load time, peak memory.`,
  args: '<file.gguf | model name>',
  description:
    'Runs in a child process with a time limit, finds the best thread count for each phase, and saves the\nresult to history. A progress bar shows where it is; Ctrl+C stops it at once.',
  options: {
    p: { type: 'string', value: 'N', help: `Prompt tokens (default ${PROMPT_TOKENS}).` },
    n: { type: 'string', value: 'N', help: `Generated tokens (default ${GEN_TOKENS}).` },
    r: { type: 'string', value: 'N', help: `Repetitions (default ${BENCH_REPETITIONS}).` },
    threads: { type: 'string', short: 't', value: 'N|auto', help: 'CPU threads; auto tries each count and keeps the fastest per phase.' },
    ...GPU_LAYERS_OPTION,
    o: { type: 'string', value: 'md|csv|json', help: "Output format (llama-bench's markdown by default)." },
    timeout: { type: 'string', value: 'S', help: `Time limit in seconds (default ${BENCH_TIMEOUT_SECONDS}).` },
    price: { type: 'string', value: 'PER_KWH', help: 'Electricity price per kWh, for cost per million tokens (GPU runs).' },
    'no-save': { type: 'boolean', help: 'Do not add the result to history.' },
    'llama-bench': {
      type: 'boolean',
      help: "Also run llama.cpp's llama-bench (PATH or RIGHTSIZE_LLAMA_BENCH) on the same file and threads.",
    },
    'llama-bench-bin': { type: 'string', value: 'PATH', help: 'The llama-bench to run (implies --llama-bench).' },
  },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length !== 1)
      throw new UsageError('bench needs one model: a .gguf path or a name from `rightsize models` (e.g. llama3.1:8b).');
    const output = values.o ?? 'md';
    if (!['md', 'csv', 'json'].includes(output)) throw new UsageError(`-o "${output}" must be md, csv or json.`);
    const threads =
      values.threads === undefined || values.threads === 'auto' ? 'auto' : parseInteger('--threads', values.threads, 1, 1, 512);
    const price = values.price === undefined ? null : Number(values.price);
    if (price !== null && !(price >= 0)) throw new UsageError(`--price "${values.price}" must be a price per kWh, e.g. 0.30.`);
    const binary = values['llama-bench-bin'];
    const service = makeService({ backgroundRefresh: false, ...(binary !== undefined ? { llamaBenchPath: binary } : {}) });
    const run = await followRun(service, io, () =>
      service.call('startBench', {
        model: positionals[0] as string,
        promptTokens: parseInteger('-p', values.p, PROMPT_TOKENS, 1, 65536),
        genTokens: parseInteger('-n', values.n, GEN_TOKENS, 1, 65536),
        repetitions: parseInteger('-r', values.r, BENCH_REPETITIONS, 1, 50),
        threads,
        gpuLayers: parseGpuLayers(values['gpu-layers']),
        pricePerKwh: price,
        withLlamaBench: Boolean(values['llama-bench'] || binary !== undefined),
        save: !values['no-save'],
        timeoutSeconds: parseInteger('--timeout', values.timeout, BENCH_TIMEOUT_SECONDS, 1, 86_400),
      }),
    );
    if (run.state !== 'done' || !run.record)
      throw new UserFacingError(`${runFailure(run, 'benchmark')} Nothing was saved to history.`, run.state);
    if (run.error) io.stderr(`! ${run.error}\n`);
    const r = run.record;
    const { formatBenchCsv, formatBenchMarkdown } = await import('../format/bench');
    io.stdout(`${output === 'json' ? JSON.stringify(r, null, 2) : output === 'csv' ? formatBenchCsv(r) : formatBenchMarkdown(r)}\n`);
    return 0;
  },
});
