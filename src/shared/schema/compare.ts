// Comparing 2 to 4 machines side by side: each one's hardware and start-small ladder, and for every
// catalogued model the best precision it runs at reading speed on each.
import { z } from 'zod';
import { DEFAULT_CONTEXT_TOKENS } from '../defaults';
import { PRIORITIES, TASKS } from '../ladder';
import { FitLevelSchema, KvTypeSchema, MAX_CONTEXT_TOKENS, ReportSchema } from './report';

/** The name that means the detected machine rather than a saved profile, in any case. */
export const THIS_MACHINE = 'this machine';
export const isThisMachine = (name: string): boolean => name.trim().toLowerCase() === THIS_MACHINE;
export const MIN_COMPARED = 2;
export const MAX_COMPARED = 4;

const ComparedNameSchema = z.string().trim().min(1, 'a profile name cannot be empty').max(64, 'a profile name has at most 64 characters');

export const CompareRequestSchema = z
  .object({
    /** Saved profile names, or "this machine" for the detected one; names match in any case, so each must differ in more than case. */
    profiles: z
      .array(ComparedNameSchema)
      .min(MIN_COMPARED, `compare at least ${MIN_COMPARED} profiles`)
      .max(MAX_COMPARED, `compare at most ${MAX_COMPARED} profiles`)
      .refine((names) => new Set(names.map((n) => String(n).toLowerCase())).size === names.length, 'each profile may be named once'),
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).default(DEFAULT_CONTEXT_TOKENS),
    kvType: KvTypeSchema.default('f16'),
    /** The ladder each machine gets (absent: chat, judged by its default benchmark, balanced). */
    task: z.enum(TASKS).optional(),
    benchmark: z.string().min(1).max(64).optional(),
    priority: z.enum(PRIORITIES).optional(),
    /** The least generation speed a start or step up must reach; absent = the priority's default. */
    minTokPerSec: z.number().positive().max(10_000).optional(),
  })
  .strict();

const ComparedHardwareSchema = z.object({
  gpus: z.array(z.object({ name: z.string(), vramBytes: z.number().nullable(), backend: z.string() })),
  ramBytes: z.number().nonnegative(),
  cpu: z.string(),
  /** Speeds use the quick probe's calibration of this CPU. */
  calibrated: z.boolean(),
  whatIf: z.boolean(),
});

const ComparedMachineSchema = z.object({
  /** The profile's name as saved, or "This machine". */
  name: z.string(),
  /** null for the detected machine. */
  profile: z.string().nullable(),
  hardware: ComparedHardwareSchema,
  recommendation: ReportSchema.shape.recommendation,
});
export type ComparedMachine = z.infer<typeof ComparedMachineSchema>;

/** A model's best precision on one machine: the best quality that runs at reading speed. */
const CompareCellSchema = z.object({
  quant: z.string(),
  fit: FitLevelSchema,
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().positive(),
  totalBytes: z.number().nonnegative(),
  tokPerSec: z.number().nonnegative(),
});
export type CompareCell = z.infer<typeof CompareCellSchema>;

const ComparedModelSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  paramsB: z.number().positive(),
  /** One per machine, in the order asked; null where it does not run at reading speed. */
  cells: z.array(CompareCellSchema.nullable()),
  /** The machines that run it best (highest precision, then fastest; more than one when tied); empty when none runs it. */
  best: z.array(z.number().int().nonnegative()),
});
export type ComparedModel = z.infer<typeof ComparedModelSchema>;

export const CompareResultSchema = z.object({
  settings: z.object({ contextTokens: z.number().int().positive(), kvType: KvTypeSchema }),
  /** The reading speed (tok/s) a precision must reach to count. */
  minTokPerSec: z.number().positive(),
  machines: z.array(ComparedMachineSchema).min(MIN_COMPARED).max(MAX_COMPARED),
  /** Every catalogued model, smallest first. */
  models: z.array(ComparedModelSchema),
});
export type CompareResult = z.infer<typeof CompareResultSchema>;
