// What model discovery returns and takes: the types the CLI, the service and the tests import.

export type DiscoverySource = 'lm-studio' | 'ollama' | 'huggingface' | 'node-llama-cpp' | 'folder';

/** Search order, which is also the order results are listed in (the specific sources first). */
export const DISCOVERY_SOURCES: readonly DiscoverySource[] = ['lm-studio', 'ollama', 'huggingface', 'node-llama-cpp', 'folder'];

export interface DiscoveredModel {
  /** Absolute path of the real file (symlinks resolved; for a split model, its first part). */
  path: string;
  displayName: string;
  source: DiscoverySource;
  /** Bytes on disk; for a split model, all parts found together. */
  bytes: number;
  /** ISO time of the file's last modification (the first part's, for a split model). */
  modifiedAt: string;
  /** The name Ollama shows, e.g. "llama3.1:8b" or "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M". */
  ollamaName?: string;
  /** Hugging Face repository, e.g. "bartowski/Llama-3.2-1B-Instruct-GGUF". */
  hfRepo?: string;
  /** LM Studio's publisher/repo folder, e.g. "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF". */
  lmStudioRepo?: string;
  /** For a multi-part GGUF (`-00001-of-00003.gguf`): which part `path` is and how many there are. */
  shardOf?: { index: number; total: number };
}

export type SearchStatus = 'ok' | 'missing' | 'error';

export interface SearchedLocation {
  source: DiscoverySource;
  path: string;
  status: SearchStatus;
  detail?: string;
}

export interface DiscoveryResult {
  models: DiscoveredModel[];
  searched: SearchedLocation[];
}

export interface DiscoverOptions {
  /** The user's home folder; defaults to os.homedir(). */
  home?: string;
  /** Environment to read OLLAMA_MODELS, HF_HUB_CACHE, HF_HOME... from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Decides platform-only locations (the Linux Ollama service folder, LM Studio's app settings). */
  platform?: NodeJS.Platform;
  /** More folders to walk recursively for *.gguf. */
  extraFolders?: string[];
  /** Files opened at most (GGUF candidates and Ollama manifests together). Default 500. */
  maxFiles?: number;
  /** Time limit for the whole search. Default 3000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_MAX_FILES = 500;
export const DEFAULT_TIMEOUT_MS = 3000;
