// GGUF files found on this machine.
import { z } from 'zod';

export const DiscoveredModelSchema = z.object({
  path: z.string(),
  displayName: z.string(),
  source: z.enum(['lm-studio', 'ollama', 'huggingface', 'node-llama-cpp', 'folder']),
  bytes: z.number().nonnegative(),
  modifiedAt: z.string(),
  ollamaName: z.string().optional(),
  hfRepo: z.string().optional(),
  lmStudioRepo: z.string().optional(),
  shardOf: z.object({ index: z.number().int(), total: z.number().int() }).optional(),
});
export type DiscoveredModelInfo = z.infer<typeof DiscoveredModelSchema>;

export const ModelListSchema = z.object({
  models: z.array(DiscoveredModelSchema),
  searched: z.array(z.object({ source: z.string(), path: z.string(), status: z.enum(['ok', 'missing', 'error']), detail: z.string().optional() })),
});
export type ModelList = z.infer<typeof ModelListSchema>;
