// GGUF files found on this machine.
import { z } from 'zod';

/** Where discovery looks, in search order, which is also the order results are listed in (the specific sources first, so they win a file found twice). */
export const DiscoverySourceSchema = z.enum(['lm-studio', 'ollama', 'huggingface', 'llama-cpp', 'node-llama-cpp', 'folder']);
export type DiscoverySource = z.infer<typeof DiscoverySourceSchema>;

const SearchStatusSchema = z.enum(['ok', 'missing', 'error']);
export type SearchStatus = z.infer<typeof SearchStatusSchema>;

const DiscoveredModelSchema = z.object({
  /** Absolute path of the real file (symlinks resolved; for a split model, its first part). */
  path: z.string(),
  displayName: z.string(),
  source: DiscoverySourceSchema,
  /** Bytes on disk; for a split model, all parts found together. */
  bytes: z.number().nonnegative(),
  /** ISO time of the file's last modification (the first part's, for a split model). */
  modifiedAt: z.string(),
  /** The name Ollama shows, e.g. "llama3.1:8b" or "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M". */
  ollamaName: z.string().optional(),
  /** Hugging Face repository, e.g. "bartowski/Llama-3.2-1B-Instruct-GGUF". */
  hfRepo: z.string().optional(),
  /** LM Studio's publisher/repo folder, e.g. "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF". */
  lmStudioRepo: z.string().optional(),
  /** For a multi-part GGUF (`-00001-of-00003.gguf`): which part `path` is and how many there are. */
  shardOf: z.object({ index: z.number().int(), total: z.number().int() }).optional(),
  /** A vision projector (mmproj*.gguf) in the same folder: llama.cpp's --mmproj for reading images. */
  mmproj: z.object({ path: z.string(), bytes: z.number().nonnegative() }).optional(),
});
export type DiscoveredModel = z.infer<typeof DiscoveredModelSchema>;

const SearchedLocationSchema = z.object({
  source: DiscoverySourceSchema,
  path: z.string(),
  status: SearchStatusSchema,
  detail: z.string().optional(),
});
export type SearchedLocation = z.infer<typeof SearchedLocationSchema>;

export const ModelListSchema = z.object({
  models: z.array(DiscoveredModelSchema),
  searched: z.array(SearchedLocationSchema),
});
export type ModelList = z.infer<typeof ModelListSchema>;
