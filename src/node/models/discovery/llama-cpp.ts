// llama.cpp's own download cache (-hf and -mu): LLAMA_CACHE, else the platform's cache folder with llama.cpp in it
// (common.cpp's fs_get_cache_directory). Builds from before llama.cpp moved -hf to the Hugging Face cache keep flat
// files here (bartowski_Qwen2.5-7B-Instruct-GGUF_Qwen2.5-7B-Instruct-Q4_K_M.gguf); with LLAMA_CACHE set, newer builds
// keep the Hugging Face layout here instead (common/hf-cache.cpp reads LLAMA_CACHE first).
import path from 'node:path';
import { envPath } from './paths';
import type { ModelSource } from './search-state';
import { collectGguf } from './walk';

/** Deep enough for models--<org>--<name>/snapshots/<revision>/<folder>/<part>.gguf. */
const LLAMA_CACHE_DEPTH = 6;

export function llamaCppCacheDir(home: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const configured = envPath(env, 'LLAMA_CACHE', home);
  if (configured) return configured;
  if (platform === 'win32') return path.join(envPath(env, 'LOCALAPPDATA', home) ?? path.join(home, 'AppData', 'Local'), 'llama.cpp');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'llama.cpp');
  return path.join(envPath(env, 'XDG_CACHE_HOME', home) ?? path.join(home, '.cache'), 'llama.cpp');
}

export const llamaCppSource: ModelSource = {
  source: 'llama-cpp',
  roots: (ctx) => [llamaCppCacheDir(ctx.home, ctx.env, ctx.platform)],
  searchRoot: (ctx, report) => collectGguf(ctx, report, report.path, LLAMA_CACHE_DEPTH),
};
