// Load on the web host: many pages asking for the report at once. Starts the real
// `rightsize serve` (real detection, real catalog) as a child process on 127.0.0.1, runs N workers
// that POST /api/getReport in a loop for a fixed time, then prints requests, errors, throughput,
// latency percentiles and the server's peak RSS as a markdown table, and appends it to
// bench/results/web-load-<date>.md. Needs a build (`npm run -s build`).
// Usage: npx tsx bench/web-load.ts [--seconds 30] [--concurrency 200] [--label "before cache"] [--out FILE]
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ReportSchema } from '../src/shared/schema';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '200' },
    label: { type: 'string', default: '' },
    /** Default: bench/results/web-load-<date>.md (appended to). */
    out: { type: 'string' },
  },
});
const durationSeconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
if (!Number.isFinite(durationSeconds) || durationSeconds <= 0 || durationSeconds > 600)
  throw new Error('--seconds: a number from 1 to 600');
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 2000) throw new Error('--concurrency: an integer from 1 to 2000');

const root = fileURLToPath(new URL('..', import.meta.url));
const SERVER_START_TIMEOUT_MS = 60_000;
/** One request may not take longer than this; past it, it counts as an error and the run still ends. */
const REQUEST_TIMEOUT_MS = 60_000;
const SERVER_STOP_TIMEOUT_MS = 5_000;

/** What pages ask for: the first screen, a longer context, a smaller KV cache, and a what-if GPU of 24 GiB. */
const REQUEST_BODIES: Array<{ name: string; body: string }> = [
  { name: 'default', body: '{}' },
  { name: 'contextTokens 32768', body: JSON.stringify({ contextTokens: 32768 }) },
  { name: 'kvType q8_0', body: JSON.stringify({ kvType: 'q8_0' }) },
  { name: 'what-if 24 GiB VRAM', body: JSON.stringify({ whatIf: { vramBytes: 25769803776 } }) },
];

interface Server {
  child: ChildProcess;
  port: number;
  token: string;
}

function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [join(root, 'bin/rightsize.js'), 'serve'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let printed = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rightsize serve printed no URL within ${SERVER_START_TIMEOUT_MS / 1000} s:\n${printed}`));
    }, SERVER_START_TIMEOUT_MS);
    const onOutput = (chunk: Buffer): void => {
      printed += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]+)/.exec(printed);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onOutput);
      resolve({ child, port: Number(match[1]), token: match[2]! });
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rightsize serve exited (${code}) before printing its URL:\n${printed}`));
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A /proc/<pid>/status field in bytes (Linux), or null elsewhere. */
function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds the process has used, user + system (Linux), or null elsewhere. */
function procCpuSeconds(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces) start at the closing parenthesis.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const clockTicksPerSecond = 100; // USER_HZ, 100 on every Linux build Node runs on
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

interface Answer {
  status: number;
  body: string;
}

function postReport(server: Server, agent: Agent, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/getReport',
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sortedMs: number[], p: number): number =>
  sortedMs[Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1))] ?? NaN;
const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
const mib = (bytes: number | null): string => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`);

async function main(): Promise<void> {
  if (!existsSync(join(root, 'out/main/cli.js')) || !existsSync(join(root, 'out/renderer/index.html')))
    throw new Error('Not built: run `npm run -s build` first.');
  const loadBefore = loadavg()[0]!;
  const server = await startServer();
  const pid = server.child.pid!;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    // Warm-up, one of each body in turn, not counted: the first report waits for detection.
    const warmUpMs: number[] = [];
    for (const { name, body } of REQUEST_BODIES) {
      const started = performance.now();
      const answer = await postReport(server, agent, body);
      warmUpMs.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`warm-up ${name}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
      ReportSchema.parse(JSON.parse(answer.body));
    }
    const responseBytes = Buffer.byteLength((await postReport(server, agent, '{}')).body);
    const rssAfterWarmUp = procStatusBytes(pid, 'VmRSS');
    const cpuBefore = procCpuSeconds(pid);

    const latenciesMs: number[] = [];
    // Each worker's first request also waits for its connection to be accepted: shown apart, see the results' notes.
    const firstRequestMs: number[] = [];
    const errors = new Map<string, number>();
    const countError = (what: string): void => void errors.set(what, (errors.get(what) ?? 0) + 1);
    const started = performance.now();
    const deadline = started + durationSeconds * 1000;
    const worker = async (index: number): Promise<void> => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        const { body } = REQUEST_BODIES[(index + iteration) % REQUEST_BODIES.length]!;
        const sent = performance.now();
        try {
          const answer = await postReport(server, agent, body);
          const tookMs = performance.now() - sent;
          if (iteration === 0) firstRequestMs.push(tookMs);
          if (answer.status === 200) latenciesMs.push(tookMs);
          else countError(`HTTP ${answer.status}: ${answer.body.slice(0, 120)}`);
        } catch (error) {
          countError(`network: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const cpuAfter = procCpuSeconds(pid);
    const peakRssBytes = procStatusBytes(pid, 'VmHWM');

    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const sortedFirst = [...firstRequestMs].sort((a, b) => a - b);
    const errorCount = [...errors.values()].reduce((sum, n) => sum + n, 0);
    const requests = sorted.length + errorCount;
    const serverCpuSeconds = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;
    const rows: Array<[string, string]> = [
      ['duration', `${elapsedSeconds.toFixed(1)} s (asked ${durationSeconds} s; in-flight requests finish)`],
      ['concurrency', `${concurrency} workers, keep-alive, maxSockets ${concurrency}`],
      ['requests', String(requests)],
      ['errors (non-200 or network)', String(errorCount)],
      ['throughput', `${(sorted.length / elapsedSeconds).toFixed(1)} req/s`],
      ['latency p50', ms(percentile(sorted, 50))],
      ['latency p90', ms(percentile(sorted, 90))],
      ['latency p99', ms(percentile(sorted, 99))],
      ['latency max', ms(sorted.at(-1) ?? NaN)],
      ['first request of each connection p50 / max', `${ms(percentile(sortedFirst, 50))} / ${ms(sortedFirst.at(-1) ?? NaN)}`],
      [
        'server CPU per request',
        serverCpuSeconds === null || requests === 0 ? 'n/a' : `${((serverCpuSeconds * 1000) / requests).toFixed(1)} ms`,
      ],
      ['server RSS after warm-up', mib(rssAfterWarmUp)],
      ['server peak RSS (VmHWM)', mib(peakRssBytes)],
      ['report size', `${(responseBytes / 1024).toFixed(0)} KiB`],
      ['warm-up (one of each body)', warmUpMs.map(ms).join(', ')],
      ['load average (1 min) before / after', `${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`],
    ];
    const now = new Date();
    const title = `## ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC${values.label ? `: ${values.label}` : ''}`;
    const command = `npx tsx bench/web-load.ts --seconds ${durationSeconds} --concurrency ${concurrency}`;
    const bodies = REQUEST_BODIES.map((b) => `\`${b.body}\``).join(', ');
    const table = ['| measure | value |', '| --- | --- |', ...rows.map(([name, value]) => `| ${name} | ${value} |`)].join('\n');
    const errorLines = [...errors].map(([what, n]) => `- ${n} x ${what}`).join('\n');
    const section = `${title}\n\n\`${command}\`: POST /api/getReport, bodies in turn: ${bodies}. Node ${process.versions.node}.\n\n${table}\n${errorLines ? `\nErrors:\n${errorLines}\n` : ''}\n`;
    process.stdout.write(section);

    const resultsDir = join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = values.out ?? join(resultsDir, `web-load-${now.toISOString().slice(0, 10)}.md`);
    if (!existsSync(file)) appendFileSync(file, '# Web host under load: 200 concurrent report requests\n\n');
    appendFileSync(file, section);
    process.stdout.write(`written to ${file}\n`);
    if (errorCount > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    await stopServer(server.child);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`web-load: ${(error as Error).message}\n`);
  process.exit(1);
});
