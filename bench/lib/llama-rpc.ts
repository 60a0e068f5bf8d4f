// llama.cpp's tools with the RPC backend, for the bench scripts: built once from the llama.cpp
// source node-llama-cpp ships (into .cache/llama-rpc-build), and rpc-servers on 127.0.0.1 that are
// stopped at the end, on error and on Ctrl+C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
const CACHE = join(ROOT, '.cache');
const SRC = join(CACHE, 'llama.cpp-src');
const BUILD = join(CACHE, 'llama-rpc-build');

/** The built program's path (bin/ of the build folder). */
export const toolPath = (target: string): string => join(BUILD, 'bin', target);

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/**
 * Builds the targets that are missing (ggml-rpc-server, llama-fit-params, llama-bench): about 16
 * minutes for all three on 2 cores the first time; later runs reuse them.
 */
export function ensureBuilt(targets: string[]): void {
  const missing = targets.filter((t) => !existsSync(toolPath(t)));
  if (missing.length === 0) return;
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(SRC)) run('git', ['clone', '-q', join(ROOT, 'node_modules/node-llama-cpp/llama/gitRelease.bundle'), SRC]);
  // Flags as for llama-bench (design.md), plus the RPC backend.
  const flags = ['-DCMAKE_BUILD_TYPE=Release', '-DGGML_RPC=ON', '-DBUILD_SHARED_LIBS=OFF', '-DLLAMA_OPENSSL=OFF', '-DGGML_NATIVE=ON'];
  flags.push('-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_SERVER=OFF', '-DLLAMA_BUILD_APP=OFF');
  process.stderr.write(`building ${missing.join(', ')} from the llama.cpp source node-llama-cpp ships (minutes)...\n`);
  run('cmake', ['-S', SRC, '-B', BUILD, ...flags]);
  run('cmake', ['--build', BUILD, '--target', ...missing, '-j2']);
}

/**
 * The CPU variant of node-llama-cpp's prebuilt binary that ggml loads on this machine (the best one
 * the CPU supports, e.g. "zen4"), read from its "loaded CPU backend from …libggml-cpu-zen4.so" line.
 */
export async function prebuiltCpuVariant(): Promise<string | null> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  let variant: string | null = null;
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    // ggml's INFO lines arrive at node-llama-cpp's "log" level, below "info".
    logLevel: LlamaLogLevel.debug,
    logger: (_level, message) => {
      const m = /loaded CPU backend from .*ggml-cpu-([\w.]+)\.(?:so|dll|dylib)/.exec(message);
      if (m) variant = m[1] as string;
    },
  });
  await llama.dispose();
  return variant;
}

/**
 * llama-bench compiled with the instruction sets of one of ggml's x86 CPU variants (the features
 * listed for it in ggml/src/CMakeLists.txt), so it runs the kernels node-llama-cpp's prebuilt
 * binary, llama.cpp's release binaries, Ollama and LM Studio run here. A `-DGGML_NATIVE=ON` build
 * can pick other kernels: on this VM's Zen 5 it ran F16 prompts twice as fast as the zen4 variant
 * (bench/results/speed-cpu-2026-12-02-moe2.md). Returns null for a variant this cannot map.
 */
export function ensureLlamaBenchForVariant(variant: string): string | null {
  if (!existsSync(SRC)) run('git', ['clone', '-q', join(ROOT, 'node_modules/node-llama-cpp/llama/gitRelease.bundle'), SRC]);
  const cmake = readFileSync(join(SRC, 'ggml/src/CMakeLists.txt'), 'utf8');
  const line = new RegExp(`ggml_add_cpu_backend_variant\\(\\s*${variant.replace(/[.]/g, '\\.')}\\s+([A-Z0-9_ ]+)\\)`).exec(cmake);
  const features = line?.[1]?.trim().split(/\s+/) ?? [];
  if (features.length === 0 || !features.includes('SSE42')) return null;
  const build = join(CACHE, `llama-bench-${variant}`);
  const binary = join(build, 'bin', 'llama-bench');
  if (existsSync(binary)) return binary;
  const flags = ['-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DLLAMA_OPENSSL=OFF', '-DGGML_NATIVE=OFF'];
  flags.push(...features.map((f) => `-DGGML_${f}=ON`));
  flags.push('-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_SERVER=OFF', '-DLLAMA_BUILD_APP=OFF');
  process.stderr.write(
    `building llama-bench with the ${variant} variant's flags (${features.join(' ')}), about 15 minutes on 2 cores...\n`,
  );
  run('cmake', ['-S', SRC, '-B', build, ...flags]);
  run('cmake', ['--build', build, '--target', 'llama-bench', '-j2']);
  return binary;
}

const servers: ChildProcess[] = [];
export function stopServers(): void {
  for (const s of servers.splice(0)) if (s.exitCode === null) s.kill('SIGTERM');
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopServers();
    process.exit(130);
  });
}
process.on('exit', stopServers);

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** An rpc-server on 127.0.0.1:port with its CPU backend, waited for until it listens (20 s at most). */
export async function startRpcServer(port: number, options: { threads: number; cache?: boolean }): Promise<void> {
  if (await portOpen(port)) throw new Error(`port ${port} is already in use; stop what listens there`);
  const args = ['-H', '127.0.0.1', '-p', String(port), '-t', String(options.threads), ...(options.cache ? ['-c'] : [])];
  const child = spawn(toolPath('ggml-rpc-server'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rpc-server on port ${port} exited (${child.exitCode})`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`rpc-server on port ${port} did not listen within 20 s`);
}
