// The pool plan measured: llama.cpp's RPC backend on this machine. Two rpc-servers on 127.0.0.1 are
// the workers, llama-bench with --rpc is the head, and the same generated model runs alone (-ngl 0),
// on head + 1 worker and on head + 2 workers with the -ngl and -ts that `rightsize plan --pool`
// prints. The loopback link is measured first (TCP round trip and throughput), and the plan is made
// for it, so predicted and measured speeds compare: both the plan's own figure (speed from memory
// bandwidth) and its network model alone (this machine's measured solo speed plus the plan's hop cost).
// All three "machines" share one CPU, which runs one device at a time per token (pipeline order),
// so their compute does not overlap. Builds ggml-rpc-server and llama-bench once into .cache/.
// Usage: npx tsx bench/pool-rpc.ts [--quick] [--out bench/results/pool-rpc-DATE.md]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogModelAt } from '../src/core/report';
import { planPool, type PoolLink, type PoolMachine } from '../src/core/pool';
import type { Precision } from '../src/shared/precision';
import { detectHardware } from '../src/node/hardware/index';
import { writeGgufModel } from '../src/node/gguf-writer';
import { loadCatalog } from '../src/node/resources';
import { ensureBuilt, ROOT, startRpcServer, stopServers, toolPath } from './lib/llama-rpc';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const PORTS = [50162, 50163];
/**
 * One thread per device: all of them share this CPU, and while a worker computes the head's thread
 * spins (llama-bench's default polling; --poll 0 made generation 25x slower here), so a second core
 * stays for whichever device is working.
 */
const THREADS = 1;
const P = values.quick ? 128 : 512;
const N = values.quick ? 32 : 128;
const R = values.quick ? 2 : 3;
const ROUNDS = values.quick ? 1 : 3;

interface Speed {
  mean: number;
  sd: number;
}

/** llama-bench's JSON: one entry per test, with avg_ts and stddev_ts. */
function llamaBench(model: string, extra: string[]): { pp: Speed; tg: Speed } {
  const args = ['-m', model, '-p', String(P), '-n', String(N), '-r', String(R), '-t', String(THREADS), '-o', 'json', ...extra];
  const r = spawnSync(toolPath('llama-bench'), args, { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`llama-bench ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  const rows = JSON.parse(r.stdout) as Array<{ n_prompt: number; n_gen: number; avg_ts: number; stddev_ts: number }>;
  const pick = (test: 'pp' | 'tg'): Speed => {
    const row = rows.find((x) => (test === 'pp' ? x.n_prompt > 0 && x.n_gen === 0 : x.n_gen > 0 && x.n_prompt === 0));
    if (!row) throw new Error(`llama-bench gave no ${test} result: ${r.stdout.slice(0, 500)}`);
    return { mean: row.avg_ts, sd: row.stddev_ts };
  };
  return { pp: pick('pp'), tg: pick('tg') };
}

/**
 * The loopback link as llama.cpp's RPC sees it, measured by bench/lib/loopback.c (compiled once;
 * C, so no runtime adds to it): best of three runs of 20,000 64-byte round trips and a 256 MiB send.
 */
function measureLoopback(): PoolLink {
  const binary = join(ROOT, '.cache', 'loopback');
  if (!existsSync(binary)) {
    const cc = spawnSync('cc', ['-O2', '-pthread', '-o', binary, join(ROOT, 'bench/lib/loopback.c')], { stdio: 'inherit' });
    if (cc.status !== 0) throw new Error('could not compile bench/lib/loopback.c (is a C compiler installed?)');
  }
  let best: PoolLink = { bytesPerSec: 0, latencySeconds: Infinity };
  for (let i = 0; i < 3; i++) {
    const out = spawnSync(binary, { encoding: 'utf8', timeout: 60_000 });
    const [us, bps] = out.stdout.trim().split(/\s+/).map(Number);
    if (out.status !== 0 || !us || !bps) throw new Error(`loopback measurement failed: ${out.stderr}`);
    best = { latencySeconds: Math.min(best.latencySeconds, us / 1e6), bytesPerSec: Math.max(best.bytesPerSec, bps) };
  }
  return best;
}

const CASES: Array<[string, Precision]> = values.quick
  ? [['qwen2.5-0.5b', 'Q8_0']]
  : [
      ['qwen2.5-0.5b', 'Q8_0'],
      ['llama-3.2-1b', 'Q4_K_M'],
    ];

async function main(): Promise<void> {
  ensureBuilt(['ggml-rpc-server', 'llama-bench']);
  const hardware = await detectHardware({ timeoutMs: 10_000 });
  const link = measureLoopback();
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-pool-'));
  const lines: string[] = [];
  const say = (line: string): void => {
    console.log(line);
    lines.push(line);
  };
  say(
    `Loopback link measured: one-way latency ${(link.latencySeconds * 1e6).toFixed(1)} µs, ${(link.bytesPerSec / 1e9).toFixed(2)} GB/s. ${cpus()[0]?.model ?? 'CPU'} (${cpus().length} threads); llama-bench pp${P} / tg${N} x ${R}, ${ROUNDS} interleaved rounds (best kept), -t ${THREADS} (every device computes with one thread: they share this CPU); rpc-servers -t ${THREADS}.`,
  );
  say('');
  say(
    '| model | pool | -ngl | -ts | hops | tg measured | tg plan | tg plan (solo measured + hops) | pp measured | pp plan (solo measured + hops) |',
  );
  say('|---|---|---:|---|---:|---:|---:|---:|---:|---:|');
  const errors: number[] = [];
  try {
    for (const port of PORTS) await startRpcServer(port, { threads: THREADS, cache: false });
    for (const [id, precision] of CASES) {
      const entry = loadCatalog().find((m) => m.id === id);
      if (!entry) throw new Error(`no catalog model ${id}`);
      const path = join(dir, `${id}-${precision}.gguf`);
      await writeGgufModel(path, { shape: { ...entry }, precision, data: 'random', contextLength: 4096, name: entry.name });
      const model = catalogModelAt(entry, precision);
      const configs = [0, 1, 2].map((workers) => {
        const machines: PoolMachine[] = Array.from({ length: workers + 1 }, (_, i) => ({
          name: i === 0 ? 'head' : `worker ${i}`,
          host: '127.0.0.1',
          hardware,
        }));
        const plan = workers > 0 ? planPool(machines, model, P + N, 'f16', link) : null;
        const rpc = PORTS.slice(0, workers)
          .map((p) => `127.0.0.1:${p}`)
          .join(',');
        const args = plan ? ['--rpc', rpc, '-ngl', String(plan.gpuLayers), '-ts', plan.tensorSplit.join('/')] : ['-ngl', '0'];
        return { workers, plan, args, runs: [] as Array<{ pp: Speed; tg: Speed }> };
      });
      // Interleaved rounds (solo, +1, +2, then again), the best round of each kept: this VM's speed drifts.
      for (let round = 0; round < ROUNDS; round++) for (const c of configs) c.runs.push(llamaBench(path, c.args));
      const best = (runs: Array<{ pp: Speed; tg: Speed }>, test: 'pp' | 'tg'): Speed =>
        runs.map((r) => r[test]).reduce((a, b) => (b.mean > a.mean ? b : a));
      const spread = (runs: Array<{ pp: Speed; tg: Speed }>, test: 'pp' | 'tg'): string => {
        const means = runs.map((r) => r[test].mean);
        return `${Math.min(...means).toFixed(1)}-${Math.max(...means).toFixed(1)}`;
      };
      const f = (runs: Array<{ pp: Speed; tg: Speed }>, test: 'pp' | 'tg'): string =>
        `${best(runs, test).mean.toFixed(2)} ± ${best(runs, test).sd.toFixed(2)} (rounds ${spread(runs, test)})`;
      const solo = configs[0] as (typeof configs)[number];
      const soloTg = best(solo.runs, 'tg').mean;
      const soloPp = best(solo.runs, 'pp').mean;
      say(`| ${entry.name} ${precision} | this machine alone | 0 | — | 0 | ${f(solo.runs, 'tg')} | — | — | ${f(solo.runs, 'pp')} | — |`);
      for (const c of configs.slice(1)) {
        const plan = c.plan as NonNullable<typeof c.plan>;
        const tgNet = 1 / (1 / soloTg + plan.hopSecondsPerToken);
        const ppNet = 1 / (1 / soloPp + plan.hopSecondsPerPromptBatch / 512);
        errors.push(tgNet / best(c.runs, 'tg').mean, ppNet / best(c.runs, 'pp').mean);
        say(
          `| ${entry.name} ${precision} | head + ${c.workers} worker${c.workers > 1 ? 's' : ''} | ${plan.gpuLayers} | ${plan.tensorSplit.join('/')} | ${plan.hops} | ${f(c.runs, 'tg')} | ${plan.tokPerSec.toFixed(2)} | ${tgNet.toFixed(2)} | ${f(c.runs, 'pp')} | ${ppNet.toFixed(1)} |`,
        );
      }
      rmSync(path, { force: true });
    }
  } finally {
    stopServers();
    rmSync(dir, { recursive: true, force: true });
  }
  say('');
  say(
    `Network model (solo measured + the plan's hop cost) / measured: ${Math.min(...errors).toFixed(2)} to ${Math.max(...errors).toFixed(2)} (1.00 = exact; above 1 = the plan is optimistic).`,
  );
  const date = new Date().toISOString().slice(0, 10);
  const file = values.out ?? join(ROOT, `bench/results/pool-rpc-${date}.md`);
  const header = [
    `# Pool over llama.cpp's RPC backend, measured (${date})`,
    '',
    "`npx tsx bench/pool-rpc.ts`: two rpc-servers on 127.0.0.1 and llama-bench with `--rpc` (built from the llama.cpp source node-llama-cpp ships), running the `-ngl` / `-ts` the pool plan prints, against the plan for the measured loopback link. Every node is this one CPU (CPU backend), so the plan's own tg comes from this machine's uncalibrated memory bandwidth; the column beside it keeps only the plan's network model (the solo run's measured time per token plus the plan's hop seconds).",
    '',
  ];
  writeFileSync(file, [...header, ...lines, ''].join('\n'));
  console.log(`\nWritten to ${file}`);
}

main().catch((error: unknown) => {
  stopServers();
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
