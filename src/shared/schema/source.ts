// Where a figure came from, and the readings a trusted source overruled.
import { z } from 'zod';

/** Where a figure came from. Every number shown to a user carries one. */
export const SourceSchema = z.object({
  kind: z.enum(['detected', 'catalogued', 'estimated', 'measured', 'what-if', 'assumed']),
  /** The tool, file or formula: "nvidia-smi", "systeminformation", "node-llama-cpp (cuda)", "resources/hardware/gpus.json", "estimate.weights". */
  by: z.string(),
  /** A sentence a user can read: which field, which URL, which caveat. */
  detail: z.string().optional(),
});
export type Source = z.infer<typeof SourceSchema>;

/** A value another source gave that we did not trust, kept for display. */
export const AlternativeSchema = z.object({
  field: z.string(),
  value: z.union([z.number(), z.string(), z.null()]),
  source: SourceSchema,
  why: z.string(),
});
export type Alternative = z.infer<typeof AlternativeSchema>;
