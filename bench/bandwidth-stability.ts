// How stable the uncalibrated RAM-bandwidth figure is from one launch to the next: launches N fresh
// processes for each method, interleaved (old, new, old, new ... in a rotating order, since this VM
// moves 20-30% from minute to minute). Each runs detectHardware() on an empty cache folder, as a
// first launch does (the bandwidth is measured alongside systeminformation and the other sources),
// and reports the bandwidth it measured and how long detection took; node-llama-cpp is left out
// (no background refresh, no wait). Prints the min, median and max of each. "old" is the method
// before 2026-12-02 (fill 128 MiB, three back-to-back reads of the whole buffer, best kept); "new" is
// measureMemoryBandwidth() (bursts of four 16 MiB reads spread over about 200 ms, best kept).
// Usage: npx tsx bench/bandwidth-stability.ts [--runs 10] [--out FILE]
//   (default out: bench/results/bandwidth-stability-<date>.md)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { detectHardware } from '../src/node/hardware/index';
import { measureMemoryBandwidth, type MemoryBandwidthMeasurement } from '../src/node/hardware/memory-bandwidth';
import { MiB } from '../src/shared/units';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, out: { type: 'string' }, child: { type: 'string' } },
});

interface Sample {
  gbPerSec: number;
  /** The bandwidth measurement alone (fill, reads, gaps). */
  measureMs: number;
  /** Filling the 128 MiB buffer, part of measureMs. */
  fillMs: number;
  /** detectHardware() on an empty cache, bandwidth included. */
  detectMs: number;
}

/** The method before 2026-12-02, kept here only to compare against. */
function measureOldWay(): MemoryBandwidthMeasurement {
  const started = performance.now();
  const bufferBytes = 128 * MiB;
  const buffer = Buffer.allocUnsafe(bufferBytes).fill(1);
  const fillMs = performance.now() - started;
  let bestMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    if (buffer.indexOf(0) !== -1) throw new Error('buffer not filled');
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  const bytesPerSec = bufferBytes / (Math.max(bestMs, 0.001) / 1000);
  return { bytesPerSec, bufferBytes, runs: 3, bestRunMs: bestMs, totalMs: performance.now() - started, fillMs };
}

if (values.child) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'rightsize-bw-'));
  let measureMs = NaN;
  let fillMs = NaN;
  const timed = async (): Promise<MemoryBandwidthMeasurement> => {
    const m = values.child === 'old' ? measureOldWay() : await measureMemoryBandwidth();
    measureMs = m.totalMs;
    fillMs = m.fillMs ?? NaN;
    return m;
  };
  const started = performance.now();
  const snapshot = await detectHardware({ cacheDir, backgroundRefresh: false, collectors: { memoryBandwidth: timed } });
  const detectMs = performance.now() - started;
  rmSync(cacheDir, { recursive: true, force: true });
  const sample: Sample = { gbPerSec: (snapshot.cpu.memoryBandwidthBytesPerSec ?? NaN) / 1e9, measureMs, fillMs, detectMs };
  process.stdout.write(JSON.stringify(sample));
  process.exit(0);
}

const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 200) throw new Error('--runs: an integer from 1 to 200');
const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const methods = ['old', 'new'] as const;
const samples: Record<(typeof methods)[number], Sample[]> = { old: [], new: [] };
const loadBefore = loadavg()[0] ?? 0;
for (let round = 0; round < runs; round++) {
  for (let k = 0; k < methods.length; k++) {
    const method = methods[(k + round) % methods.length] as (typeof methods)[number];
    const res = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', method], { cwd: root, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`child ${method} failed: ${res.stderr}`);
    samples[method].push(JSON.parse(res.stdout) as Sample);
  }
}
const loadAfter = loadavg()[0] ?? 0;

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => {
  const s = sorted(xs);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const row = (label: string, xs: Sample[]): string => {
  const gb = xs.map((s) => s.gbPerSec);
  const measure = xs.map((s) => s.measureMs);
  const fill = xs.map((s) => s.fillMs);
  const detect = xs.map((s) => s.detectMs);
  return `| ${label} | ${Math.min(...gb).toFixed(1)} | ${median(gb).toFixed(1)} | ${Math.max(...gb).toFixed(1)} | ${(Math.max(...gb) / Math.min(...gb)).toFixed(2)} | ${median(fill).toFixed(0)} | ${median(measure).toFixed(0)} | ${median(detect).toFixed(0)} | ${Math.max(...detect).toFixed(0)} |`;
};
const lines = [
  `RAM read bandwidth on a first launch (detectHardware, empty cache), ${runs} fresh processes per method, interleaved, on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} threads), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.versions.node}, load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  '| method | min (GB/s) | median (GB/s) | max (GB/s) | max/min | filling 128 MiB, median (ms) | measuring in all, median (ms) | detection, median (ms) | detection, max (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  row('old: 3 back-to-back reads of 128 MiB, best', samples.old),
  row('new: bursts of four 16 MiB reads over ~200 ms, best', samples.new),
  '',
  `old, each run (GB/s): ${samples.old.map((s) => s.gbPerSec.toFixed(1)).join(', ')}`,
  `new, each run (GB/s): ${samples.new.map((s) => s.gbPerSec.toFixed(1)).join(', ')}`,
];
console.log(lines.join('\n'));
const out = values.out ?? join(root, `bench/results/bandwidth-stability-${new Date().toISOString().slice(0, 10)}.md`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `# RAM bandwidth stability\n\n\`npx tsx bench/bandwidth-stability.ts --runs ${runs}\`\n\n${lines.join('\n')}\n`);
console.log(`\n(written to ${out})`);
