// The installed node-llama-cpp version: part of every cache key and measurement record, since a
// new build of llama.cpp can allocate, detect and run differently.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let cachedVersion: string | null = null;

/** node-llama-cpp's package.json version, or "unknown" when it cannot be found. */
export function nodeLlamaCppVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    const require = createRequire(import.meta.url);
    // The entry point lies below the package root (dist/index.js): walk up to its package.json.
    let dir = path.dirname(require.resolve('node-llama-cpp'));
    while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    cachedVersion = (require(path.join(dir, 'package.json')) as { version?: string }).version ?? 'unknown';
  } catch {
    cachedVersion = 'unknown';
  }
  return cachedVersion;
}
