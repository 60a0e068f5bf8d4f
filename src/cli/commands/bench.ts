// `rightsize bench`: llama-bench's tests (pp512, tg128, mean +- sd) through node-llama-cpp, with a
// progress bar, a time limit, Ctrl+C that stops the child at once, and the result saved to history.
import pc from 'picocolors';
import type { BenchRecord } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { compareWithLlamaBench } from '../../shared/bench-compare';
import { UserFacingError } from '../../node/service';
import { defineCommand, UsageError } from '../command';
import { GPU_LAYERS_OPTION, parseGpuLayers, parseInteger } from '../args';
import { followRun, runFailure } from '../follow-run';

const fmt = (mean: number, sd: number): string => `${mean.toFixed(2)} ± ${sd.toFixed(2)}`;

/** llama-bench's markdown table, so results compare line by line, plus what llama-bench does not show. */
export function formatBenchMarkdown(r: BenchRecord): string {
  const backend = r.backend === 'cpu' ? 'CPU' : r.backend.toUpperCase();
  const head = `| model | size | params | backend | ngl | threads | test | t/s |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |`;
  const model = `${r.model.name} ${r.model.quant}`;
  const size = formatBytes(r.model.fileBytes, 2);
  const b = r.model.paramsB;
  const params = b >= 1 ? `${b.toFixed(2)} B` : b >= 0.001 ? `${(b * 1e3).toFixed(2)} M` : `${(b * 1e6).toFixed(2)} K`;
  const lines = [
    head,
    `| ${model} | ${size} | ${params} | ${backend} | ${r.gpuLayers} | ${r.threads.pp} | pp${r.settings.promptTokens} | ${fmt(r.pp.mean, r.pp.sd)} |`,
    `| ${model} | ${size} | ${params} | ${backend} | ${r.gpuLayers} | ${r.threads.tg} | tg${r.settings.genTokens} | ${fmt(r.tg.mean, r.tg.sd)} |`,
    ...llamaBenchLines(r),
    '',
    `time to first token (pp${r.settings.promptTokens} + 1): ${r.ttftMs.toFixed(0)} ms; load ${(r.loadMs / 1000).toFixed(2)} s; peak RSS ${formatBytes(r.peakRssBytes)}`,
    `threads: ${r.threads.sweep.length ? r.threads.sweep.map((s) => `${s.threads}t pp ${s.ppTokPerSec.toFixed(0)} / tg ${s.tgTokPerSec.toFixed(1)}`).join(', ') + ` -> pp ${r.threads.pp}, tg ${r.threads.tg}` : `${r.threads.pp} (as asked)`}`,
  ];
  if (r.predictedTgTokPerSec !== null) {
    lines.push(`estimate before measuring: tg ${r.predictedTgTokPerSec.toFixed(1)} t/s (measured / estimated = ${(r.tg.mean / r.predictedTgTokPerSec).toFixed(2)})`);
  }
  if (r.energy) {
    lines.push(
      `energy: ${r.energy.joulesPerToken.toFixed(2)} J/token at ${r.energy.watts} W (${r.energy.wattsSource.detail ?? r.energy.wattsSource.by})${r.energy.costPerMillionTokens !== null ? `; ${r.energy.costPerMillionTokens.toFixed(3)} per million tokens at ${r.energy.pricePerKwh} per kWh` : ''}`,
    );
  } else {
    lines.push('energy: no power figure for a CPU-only run (GPU runs use the GPU\'s board power)');
  }
  return lines.join('\n');
}

/** llama-bench's own rows under ours, the ratios, and the cause of any gap. */
function llamaBenchLines(r: BenchRecord): string[] {
  const ref = r.llamaBench;
  if (!ref) return [];
  const c = compareWithLlamaBench(r);
  if (!c) return ['', `llama-bench (${ref.binary}) gave no figures: ${ref.error ?? 'unknown error'}`];
  const lines: string[] = [];
  if (ref.pp) lines.push(`| llama-bench ${ref.version ?? ''} | | | | ${r.gpuLayers} | ${ref.pp.threads} | pp${r.settings.promptTokens} | ${fmt(ref.pp.mean, ref.pp.sd)} |`);
  if (ref.tg) lines.push(`| llama-bench ${ref.version ?? ''} | | | | ${r.gpuLayers} | ${ref.tg.threads} | tg${r.settings.genTokens} | ${fmt(ref.tg.mean, ref.tg.sd)} |`);
  const ratio = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)}x`);
  lines.push('', `rightsize / llama-bench (same file, threads and GPU layers): pp ${ratio(c.ppRatio)}, tg ${ratio(c.tgRatio)}`);
  for (const gap of c.gaps) lines.push(`  ${gap}`);
  return lines;
}

export function formatBenchCsv(r: BenchRecord): string {
  const rows = [['model', 'quant', 'size_bytes', 'params_b', 'backend', 'ngl', 'threads', 'test', 'avg_ts', 'stddev_ts', 'samples_ts']];
  for (const [test, s, threads] of [[`pp${r.settings.promptTokens}`, r.pp, r.threads.pp], [`tg${r.settings.genTokens}`, r.tg, r.threads.tg]] as const) {
    rows.push([r.model.name, r.model.quant, String(r.model.fileBytes ?? ''), r.model.paramsB.toFixed(3), r.backend, String(r.gpuLayers), String(threads), test, s.mean.toFixed(3), s.sd.toFixed(3), s.samples.map((x) => x.toFixed(3)).join(' ')]);
  }
  return rows.map((row) => row.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\n');
}

export const benchCommand = defineCommand({
  name: 'bench',
  summary: "Prompt and generation speed in llama-bench's terms (pp512, tg128, mean ± sd), time to first token, load time, peak memory.",
  args: '<file.gguf | model name>',
  description:
    'Runs in a child process with a time limit, finds the best thread count for each phase, and saves the\nresult to history. A progress bar shows where it is; Ctrl+C stops it at once.',
  options: {
    p: { type: 'string', value: 'N', help: 'Prompt tokens (default 512).' },
    n: { type: 'string', value: 'N', help: 'Generated tokens (default 128).' },
    r: { type: 'string', value: 'N', help: 'Repetitions (default 5).' },
    threads: { type: 'string', short: 't', value: 'N|auto', help: 'CPU threads; auto tries each count and keeps the fastest per phase.' },
    ...GPU_LAYERS_OPTION,
    o: { type: 'string', value: 'md|csv|json', help: "Output format (llama-bench's markdown by default)." },
    timeout: { type: 'string', value: 'S', help: 'Time limit in seconds (default 600).' },
    price: { type: 'string', value: 'PER_KWH', help: 'Electricity price per kWh, for cost per million tokens (GPU runs).' },
    'no-save': { type: 'boolean', help: 'Do not add the result to history.' },
    'llama-bench': { type: 'boolean', help: "Also run llama.cpp's llama-bench (PATH or RIGHTSIZE_LLAMA_BENCH) on the same file and threads." },
    'llama-bench-bin': { type: 'string', value: 'PATH', help: 'The llama-bench to run (implies --llama-bench).' },
  },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length !== 1) throw new UsageError('bench needs one model: a .gguf path or a name from `rightsize models` (e.g. llama3.1:8b).');
    const output = values.o ?? 'md';
    if (!['md', 'csv', 'json'].includes(output)) throw new UsageError(`-o "${output}" must be md, csv or json.`);
    const threads = values.threads === undefined || values.threads === 'auto' ? 'auto' : parseInteger('--threads', values.threads, 1, 1, 512);
    const price = values.price === undefined ? null : Number(values.price);
    if (price !== null && !(price >= 0)) throw new UsageError(`--price "${values.price}" must be a price per kWh, e.g. 0.30.`);
    const binary = values['llama-bench-bin'];
    const service = makeService({ backgroundRefresh: false, ...(binary !== undefined ? { llamaBenchPath: binary } : {}) });
    const run = await followRun(service, io, () =>
      service.call('startBench', {
        model: positionals[0] as string,
        promptTokens: parseInteger('-p', values.p, 512, 1, 65536),
        genTokens: parseInteger('-n', values.n, 128, 1, 65536),
        repetitions: parseInteger('-r', values.r, 5, 1, 50),
        threads,
        gpuLayers: parseGpuLayers(values['gpu-layers']),
        pricePerKwh: price,
        withLlamaBench: Boolean(values['llama-bench'] || binary !== undefined),
        save: !values['no-save'],
        timeoutSeconds: parseInteger('--timeout', values.timeout, 600, 1, 86_400),
      }),
    );
    if (run.state !== 'done' || !run.record) throw new UserFacingError(`${runFailure(run, 'benchmark')} Nothing was saved to history.`, run.state);
    if (run.error) io.stderr(`${pc.yellow('!')} ${run.error}\n`);
    const r = run.record;
    io.stdout(`${output === 'json' ? JSON.stringify(r, null, 2) : output === 'csv' ? formatBenchCsv(r) : formatBenchMarkdown(r)}\n`);
    return 0;
  },
});
