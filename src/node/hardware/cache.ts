// Answers that are slow to get (node-llama-cpp, the memory-bandwidth probe) kept on disk, each
// under a key of what it depends on, so a changed machine or driver asks again.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** RIGHTSIZE_CACHE_DIR, else $XDG_CACHE_HOME/rightsize, else ~/.cache/rightsize. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (env.RIGHTSIZE_CACHE_DIR) return env.RIGHTSIZE_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'rightsize');
  return path.join(home, '.cache', 'rightsize');
}

const CACHE_SCHEMA = 1;

interface CacheFile<T> {
  schema: number;
  key: string;
  savedAt: string;
  value: T;
}

export function hashKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export async function readCache<T>(
  cacheDir: string,
  name: string,
  key: string,
  isValue: (v: unknown) => v is T,
): Promise<{ value: T; savedAt: string } | null> {
  try {
    const data = JSON.parse(await readFile(path.join(cacheDir, `${name}.json`), 'utf8')) as Partial<CacheFile<unknown>>;
    if (data.schema !== CACHE_SCHEMA || data.key !== key || typeof data.savedAt !== 'string' || !isValue(data.value)) return null;
    return { value: data.value, savedAt: data.savedAt };
  } catch {
    return null;
  }
}

/** Writes atomically (temp file, then rename); a cache that cannot be written is not an error. */
export async function writeCache<T>(cacheDir: string, name: string, key: string, value: T): Promise<boolean> {
  try {
    await mkdir(cacheDir, { recursive: true });
    const file = path.join(cacheDir, `${name}.json`);
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const body: CacheFile<T> = { schema: CACHE_SCHEMA, key, savedAt: new Date().toISOString(), value };
    await writeFile(temp, JSON.stringify(body, null, 2));
    await rename(temp, file);
    return true;
  } catch {
    return false;
  }
}
