// A stand-in for llama.cpp's llama-bench: an executable that answers `-o json` the way the real
// one does (rows per thread count and test), or fails, hangs or prints garbage, for tests on any
// machine. The real one is compared in bench/llama-bench-compare.ts.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FakeLlamaBenchMode = 'ok' | 'fail' | 'hang' | 'garbage' | 'pp-crash';

/** Writes `llama-bench` into a new folder and returns the folder (put it on PATH) and the file. */
export function writeFakeLlamaBench(mode: FakeLlamaBenchMode, speeds = { pp: 1000, tg: 100 }): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-llama-bench-'));
  const path = join(dir, 'llama-bench');
  const script = `#!${process.execPath}
const args = process.argv.slice(2);
const get = (flag, fallback) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : fallback; };
const mode = ${JSON.stringify(mode)};
if (mode === 'fail') { console.error('error: failed to load model'); process.exit(1); }
if (mode === 'pp-crash' && get('-p', '512') !== '0') process.kill(process.pid, 'SIGILL');
if (mode === 'hang') { setInterval(() => {}, 1000); }
else if (mode === 'garbage') { console.log('| model | size | this is the markdown table |'); }
else {
  const rows = [];
  const r = Number(get('-r', '5'));
  for (const t of get('-t', '4').split(',').map(Number)) {
    for (const [p, n, ts] of [[Number(get('-p', '512')), 0, ${speeds.pp}], [0, Number(get('-n', '128')), ${speeds.tg}]]) {
      if (p === 0 && n === 0) continue;
      const samples = Array.from({ length: r }, () => ts * t);
      const avg = samples.reduce((a, b) => a + b, 0) / r;
      rows.push({ build_commit: 'fake123', build_number: 1, backends: 'CPU', model_filename: get('-m', ''), n_threads: t, n_gpu_layers: Number(get('-ngl', '99')),
        n_prompt: p, n_gen: n, avg_ns: 1e9 / avg, stddev_ns: 0, avg_ts: avg, stddev_ts: avg * 0.01, samples_ts: samples });
    }
  }
  console.log(JSON.stringify(rows, null, 2));
}
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return { dir, path };
}
