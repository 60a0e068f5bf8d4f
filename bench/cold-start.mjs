#!/usr/bin/env node
// Cold start of `rightsize report --json` next to node-llama-cpp's own `inspect gpu`, interleaved
// in one run (this VM moves 20-30% from minute to minute, so each round runs every command once,
// in a rotating order). Each run is a fresh process; "first run" also has an empty cache folder (no
// cached node-llama-cpp answer, no cached RAM bandwidth), "cached" reuses one. Peak memory comes
// from /usr/bin/time where it exists.
// Usage: node bench/cold-start.mjs [rounds=7]   (writes bench/results/cold-start-<date>.md)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[2] ?? 7);
const bin = join(root, 'bin/rightsize.js');
const nlc = join(root, 'node_modules/node-llama-cpp/dist/cli/cli.js');
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs once; returns wall seconds and peak RSS in MiB (null without /usr/bin/time). */
function runOnce(command, args, env) {
  const [file, argv] = gnuTime ? [gnuTime, ['-f', '%M', command, ...args]] : [command, args];
  const started = process.hrtime.bigint();
  const res = spawnSync(file, argv, {
    cwd: root,
    env: { ...process.env, RIGHTSIZE_NO_BACKGROUND_REFRESH: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${res.stderr}`);
  const kib = gnuTime ? Number(/(\d+)\s*$/.exec(res.stderr.toString())?.[1]) : NaN;
  return { seconds, rssMiB: Number.isFinite(kib) ? kib / 1024 : null };
}

/** A first run leaves a detached process asking node-llama-cpp; let it finish before the next measurement. */
function settleFirstRun(cacheDir) {
  const deadline = Date.now() + 10_000;
  while (!existsSync(join(cacheDir, 'node-llama-cpp.json')) && Date.now() < deadline) spawnSync('sleep', ['0.1']);
  spawnSync('sleep', ['0.3']);
  rmSync(cacheDir, { recursive: true, force: true });
}

const warmCache = mkdtempSync(join(tmpdir(), 'rightsize-bench-'));
const warmData = mkdtempSync(join(tmpdir(), 'rightsize-bench-data-'));
spawnSync(process.execPath, [bin, 'report', '--json', '--refresh'], {
  cwd: root,
  env: { ...process.env, RIGHTSIZE_CACHE_DIR: warmCache, RIGHTSIZE_DATA_DIR: warmData },
  stdio: 'ignore',
});

const commands = [
  {
    label: 'rightsize report --json (first run, empty cache)',
    run: () => {
      const cache = mkdtempSync(join(tmpdir(), 'rightsize-bench-'));
      const r = runOnce(process.execPath, [bin, 'report', '--json'], { RIGHTSIZE_CACHE_DIR: cache, RIGHTSIZE_DATA_DIR: warmData });
      settleFirstRun(cache);
      return r;
    },
  },
  {
    label: 'rightsize report --json (cached detection)',
    key: 'cached',
    run: () => runOnce(process.execPath, [bin, 'report', '--json'], { RIGHTSIZE_CACHE_DIR: warmCache, RIGHTSIZE_DATA_DIR: warmData }),
  },
  {
    label: 'rightsize report --json --refresh (waits for node-llama-cpp)',
    run: () =>
      runOnce(process.execPath, [bin, 'report', '--json', '--refresh'], { RIGHTSIZE_CACHE_DIR: warmCache, RIGHTSIZE_DATA_DIR: warmData }),
  },
  { label: 'node-llama-cpp inspect gpu (direct)', key: 'inspect', run: () => runOnce(process.execPath, [nlc, 'inspect', 'gpu'], {}) },
  { label: 'npx node-llama-cpp inspect gpu', run: () => runOnce('npx', ['--no', 'node-llama-cpp', 'inspect', 'gpu'], {}) },
];
const samples = commands.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < commands.length; k++) {
    const i = (k + round) % commands.length;
    samples[i].push(commands[i].run());
  }
}
rmSync(warmCache, { recursive: true, force: true });
rmSync(warmData, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = commands.map((c, i) => {
  const seconds = samples[i].map((s) => s.seconds);
  const rss = samples[i].map((s) => s.rssMiB).filter((x) => x !== null);
  return { ...c, median: median(seconds), min: Math.min(...seconds), max: Math.max(...seconds), rss: rss.length ? median(rss) : null };
});
const byKey = Object.fromEntries(rows.filter((r) => r.key).map((r) => [r.key, r]));
const lines = [
  `Cold start, ${rounds} interleaved rounds, on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} threads), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  '| command | median (s) | min (s) | max (s) | peak RSS (MiB, median) |',
  '|---|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.median.toFixed(3)} | ${r.min.toFixed(3)} | ${r.max.toFixed(3)} | ${r.rss === null ? 'n/a' : r.rss.toFixed(0)} |`,
  ),
  '',
  `rightsize report --json (cached) / node-llama-cpp inspect gpu: ${(byKey.cached.median / byKey.inspect.median).toFixed(2)}x the time` +
    (byKey.cached.rss !== null && byKey.inspect.rss !== null ? `, ${(byKey.cached.rss / byKey.inspect.rss).toFixed(2)}x the memory` : '') +
    ' (target: at most 0.5x the time).',
];
console.log(lines.join('\n'));
mkdirSync(join(root, 'bench/results'), { recursive: true });
const out = join(root, `bench/results/cold-start-${new Date().toISOString().slice(0, 10)}.md`);
writeFileSync(out, `# Cold start\n\n\`node bench/cold-start.mjs ${rounds}\`\n\n${lines.join('\n')}\n`);
console.log(`\n(written to ${out})`);
