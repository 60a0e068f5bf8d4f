// RAM read bandwidth with 1..N threads at once (worker_threads, each memchr over its own buffer), to see how a
// many-core machine's total compares with one core's: the single-thread probe alone undersells a server's CPU
// generation several times (bench/results/cuda-2026-12-04.md). Plain Node, no dependencies, so it runs on a lent
// machine from the carried Node binary. Usage: node bench/device/threads-probe.mjs [maxThreads] [rounds]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import os from 'node:os';

const MiB = 2 ** 20;
if (!isMainThread) {
  const { bytes, slice, shared } = workerData;
  const buf = Buffer.allocUnsafe(bytes).fill(1);
  const flag = new Int32Array(shared);
  parentPort.postMessage('ready');
  Atomics.wait(flag, 0, 0);
  const t0 = performance.now();
  let read = 0;
  // Read for about 150 ms, slice by slice (each slice last touched a whole buffer ago).
  for (let i = 0; performance.now() - t0 < 150; i++) {
    const start = (i % Math.floor(bytes / slice)) * slice;
    buf.indexOf(0, start);
    read += bytes - start;
  }
  parentPort.postMessage({ read, ms: performance.now() - t0 });
} else {
  const max = Number(process.argv[2] ?? os.availableParallelism());
  const rounds = Number(process.argv[3] ?? 3);
  const counts = [...new Set([1, 2, 4, 8, 16, 32, max].filter((n) => n <= max))].sort((a, b) => a - b);
  const results = [];
  for (let r = 0; r < rounds; r++)
    for (const n of counts) {
      const shared = new SharedArrayBuffer(4);
      const workers = Array.from(
        { length: n },
        () => new Worker(new URL(import.meta.url), { workerData: { bytes: 64 * MiB, slice: 16 * MiB, shared } }),
      );
      await Promise.all(workers.map((w) => new Promise((ok) => w.once('message', ok))));
      const done = workers.map((w) => new Promise((ok) => w.once('message', ok)));
      Atomics.store(new Int32Array(shared), 0, 1);
      Atomics.notify(new Int32Array(shared), 0);
      const out = await Promise.all(done);
      const gbps = out.reduce((s, o) => s + o.read / (o.ms / 1000), 0) / 1e9;
      results.push({ round: r, threads: n, gbps: Number(gbps.toFixed(1)) });
      await Promise.all(workers.map((w) => w.terminate()));
    }
  for (const n of counts) {
    const best = Math.max(...results.filter((x) => x.threads === n).map((x) => x.gbps));
    process.stdout.write(
      `threads ${n}: best ${best} GB/s (${results
        .filter((x) => x.threads === n)
        .map((x) => x.gbps)
        .join(', ')})\n`,
    );
  }
  process.stdout.write(`cpus ${os.cpus().length}, ${os.cpus()[0]?.model}\n`);
}
