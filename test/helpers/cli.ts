import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/rightsize.js');

/** A private cache folder so tests never read a developer's cached detection. */
function freshCacheDir(): string {
  return mkdtempSync(join(tmpdir(), 'rightsize-cache-'));
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        RIGHTSIZE_CACHE_DIR: freshCacheDir(),
        RIGHTSIZE_DATA_DIR: freshCacheDir(),
        RIGHTSIZE_NO_BACKGROUND_REFRESH: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rightsize ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `rightsize serve` and resolves with the URL it prints. */
export function startServe(env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        RIGHTSIZE_CACHE_DIR: freshCacheDir(),
        RIGHTSIZE_DATA_DIR: freshCacheDir(),
        // No 10 s probe by surprise: a test that wants the host's own probe passes RIGHTSIZE_NO_AUTO_PROBE: ''.
        RIGHTSIZE_NO_AUTO_PROBE: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no URL; stderr: ${err}`)), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}
