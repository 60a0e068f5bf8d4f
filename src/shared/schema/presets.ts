// The shipped hardware presets as a face lists them: GPUs and whole machines a user can plan with
// (a what-if profile, upgrade advice), each with where its figures come from.
import { z } from 'zod';
import { GpuVendorSchema } from './hardware';

const PresetGpuSchema = z.object({
  id: z.string(),
  name: z.string(),
  vendor: GpuVendorSchema,
  /** What the card exposes to llama.cpp; null for an integrated GPU that shares RAM. */
  vramBytes: z.number().nonnegative().nullable(),
  memoryBandwidthGBps: z.number().positive(),
  unifiedMemory: z.boolean(),
  integrated: z.boolean(),
  source: z.string(),
  note: z.string().nullable(),
});

const PresetMachineSchema = z.object({
  id: z.string(),
  name: z.string(),
  ramBytes: z.number().int().positive(),
  gpus: z.array(z.object({ presetId: z.string(), name: z.string(), count: z.number().int().positive() })),
  cpu: z.string().nullable(),
  source: z.string(),
  note: z.string().nullable(),
});

export const PresetListSchema = z.object({ gpus: z.array(PresetGpuSchema), machines: z.array(PresetMachineSchema) });
export type PresetList = z.infer<typeof PresetListSchema>;
