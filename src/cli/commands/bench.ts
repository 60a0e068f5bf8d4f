// `rightsize bench`: llama-bench's tests (pp512, tg128, mean +- sd) through node-llama-cpp, with a
// progress bar, a time limit, Ctrl+C that stops the child at once, and the result saved to history.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import type { BenchRecord } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { DEFAULT_BENCH, runBenchmark, type BenchSettings } from '../../node/bench/run';
import { openHistory } from '../../node/bench/history';
import { MeasureError } from '../../node/llama/measure';
import { GgufError } from '../../core/gguf-types';
import { UserFacingError } from '../../node/service';
import { findLlamaBench, LlamaBenchError } from '../../node/bench/llama-bench';
import { compareWithLlamaBench } from '../../shared/bench-compare';

export interface BenchIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserFacingError(`-${name} "${value}" must be a whole number from ${min} to ${max}.`, 'bad-input');
  return n;
}

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

export async function runBench(args: string[], io: BenchIO, resolveModel: (arg: string) => Promise<string>, hardware: () => Promise<import('../../shared/schema').HardwareSnapshot>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      p: { type: 'string', short: 'p' },
      n: { type: 'string', short: 'n' },
      r: { type: 'string', short: 'r' },
      threads: { type: 'string', short: 't' },
      'gpu-layers': { type: 'string' },
      o: { type: 'string', short: 'o' },
      timeout: { type: 'string' },
      price: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      'llama-bench': { type: 'boolean', default: false },
      'llama-bench-bin': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UserFacingError('bench needs one model: a .gguf path or a name from `rightsize models` (e.g. llama3.1:8b).', 'bad-input');
  const output = values.o ?? 'md';
  if (!['md', 'csv', 'json'].includes(output)) throw new UserFacingError(`-o "${output}" must be md, csv or json.`, 'bad-input');
  const threads = values.threads === undefined || values.threads === 'auto' ? 'auto' : intFlag('-threads', values.threads, 1, 1, 512);
  const gpuLayers = values['gpu-layers'] === undefined || values['gpu-layers'] === 'auto' ? 'auto' : intFlag('-gpu-layers', values['gpu-layers'], 0, 0, 100000);
  const price = values.price === undefined ? null : Number(values.price);
  if (price !== null && !(price >= 0)) throw new UserFacingError(`--price "${values.price}" must be a price per kWh, e.g. 0.30.`, 'bad-input');
  const settings: BenchSettings = {
    ...DEFAULT_BENCH,
    promptTokens: intFlag('p', values.p, DEFAULT_BENCH.promptTokens, 1, 65536),
    genTokens: intFlag('n', values.n, DEFAULT_BENCH.genTokens, 1, 65536),
    repetitions: intFlag('r', values.r, DEFAULT_BENCH.repetitions, 1, 100),
    threads,
    gpuLayers,
    timeoutMs: intFlag('-timeout', values.timeout, DEFAULT_BENCH.timeoutMs / 1000, 1, 86400) * 1000,
    pricePerKwh: price,
    llamaBench: null,
  };
  if (values['llama-bench'] || values['llama-bench-bin'] !== undefined) {
    try {
      const found = findLlamaBench(values['llama-bench-bin'] !== undefined ? { explicit: values['llama-bench-bin'] } : {});
      if (!found) throw new LlamaBenchError('No llama-bench on PATH. Build it from llama.cpp (the README says how), then put it on PATH, set RIGHTSIZE_LLAMA_BENCH, or pass --llama-bench-bin <path>.', 'not-found');
      settings.llamaBench = found.path;
    } catch (error) {
      if (error instanceof LlamaBenchError) throw new UserFacingError(error.message, 'no-llama-bench');
      throw error;
    }
  }
  const modelPath = await resolveModel(positionals[0] as string);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const bar = io.isTTY ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {message}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  bar?.start(100, 0, { message: 'starting' });
  let lastMessage = '';
  try {
    const record = await runBenchmark(modelPath, settings, await hardware(), {
      signal: controller.signal,
      onProgress: (p) => {
        if (bar) bar.update(Math.round(p.fraction * 100), { message: p.message });
        else if (p.message !== lastMessage) io.stderr(`${p.message}\n`);
        lastMessage = p.message;
      },
    });
    bar?.update(100, { message: 'done' });
    bar?.stop();
    if (!values['no-save']) {
      const history = openHistory();
      if (history.problem) io.stderr(`${pc.yellow('!')} ${history.problem}\n`);
      history.add(record);
    }
    io.stdout(`${output === 'json' ? JSON.stringify(record, null, 2) : output === 'csv' ? formatBenchCsv(record) : formatBenchMarkdown(record)}\n`);
    return 0;
  } catch (error) {
    bar?.stop();
    if (error instanceof GgufError) throw new UserFacingError(`${error.message} Nothing was saved to history.`, error.code);
    if (error instanceof MeasureError) {
      const label = error.code === 'cancelled' ? 'cancelled' : error.code === 'timeout' ? 'timed out' : 'failed';
      throw new UserFacingError(`benchmark ${label}: ${error.message} Nothing was saved to history.`, error.code);
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
