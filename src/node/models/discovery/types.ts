// What model discovery returns and takes. What it returns is the HostApi's ModelList, so its types
// come from the shared schema; the options are this adapter's own.
import { DiscoverySourceSchema, type DiscoverySource, type ModelList } from '../../../shared/schema';

export type { DiscoveredModel, DiscoverySource, SearchedLocation, SearchStatus } from '../../../shared/schema';

/** Search order, which is also the order results are listed in (the specific sources first). */
export const DISCOVERY_SOURCES: readonly DiscoverySource[] = DiscoverySourceSchema.options;

export type DiscoveryResult = ModelList;

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
