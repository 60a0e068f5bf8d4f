// Upgrade advice: which whole-machine and GPU presets would run one model at a given speed, and
// what this machine lacks for it.
import { z } from 'zod';
import { INTERACTIVE_TOK_PER_SEC } from '../ladder';
import { PresetPriceSchema } from './catalog';
import { FitLevelSchema, KvTypeSchema, MAX_CONTEXT_TOKENS } from './report';
import { ModelRefSchema } from './requests';

export const UpgradeRequestSchema = z
  .object({
    /** A catalog id, a GGUF path or a name `rightsize models` found, as for estimate. */
    model: ModelRefSchema,
    /** Catalog models only (default DEFAULT_PRECISION); a file has its own types. */
    quant: z.string().min(1).max(32).optional(),
    /** Default: DEFAULT_CONTEXT_TOKENS or the model's maximum, whichever is less. */
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).optional(),
    kvType: KvTypeSchema.default('f16'),
    /** The generation speed a candidate must reach; default: reading speed. */
    minTokPerSec: z.number().positive().max(10_000).default(INTERACTIVE_TOK_PER_SEC),
    /** A saved profile's name: advise for its hardware and calibration instead of this machine's. */
    profile: z.string().min(1).max(256).optional(),
  })
  .strict();

/** One model sized on one piece of hardware: how it is placed, memory per device, speed. */
const UpgradeFitSchema = z.object({
  fit: FitLevelSchema,
  /** As llama.cpp's -ngl. */
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().positive(),
  gpuBytes: z.number().nonnegative(),
  cpuBytes: z.number().nonnegative(),
  tokPerSec: z.number().nullable(),
});
export type UpgradeFit = z.infer<typeof UpgradeFitSchema>;

const UpgradeCandidateSchema = UpgradeFitSchema.extend({
  /** The preset id (machines.json, or gpus.json for a GPU in this machine). */
  id: z.string(),
  name: z.string(),
  kind: z.enum(['machine', 'gpu']),
  /** What the candidate is: GPUs, VRAM and RAM. */
  hardware: z.string(),
  /** Dedicated VRAM (0 for unified memory, which is counted as RAM). */
  vramBytes: z.number().nonnegative(),
  ramBytes: z.number().nonnegative(),
  /** Where the preset's figures come from. */
  source: z.string(),
  note: z.string().nullable(),
  /** The preset's published price with its source and date; null where none was found. */
  price: PresetPriceSchema.nullable(),
});
export type UpgradeCandidate = z.infer<typeof UpgradeCandidateSchema>;

export const UpgradeAdviceSchema = z.object({
  model: z.object({
    id: z.string(),
    name: z.string(),
    quant: z.string(),
    paramsB: z.number().positive(),
    contextTokens: z.number().int().positive(),
    kvType: KvTypeSchema,
  }),
  minTokPerSec: z.number().positive(),
  /** The saved profile advised for; null for this machine. */
  profile: z.string().nullable().default(null),
  thisMachine: UpgradeFitSchema.extend({
    hardware: z.string(),
    /** Runs at minTokPerSec or faster. */
    runs: z.boolean(),
    /** What it lacks, as sentences; empty when it runs the model fast enough. */
    lacks: z.array(z.string()),
  }),
  /** Presets that run the model at minTokPerSec or faster, smallest first. */
  candidates: z.array(UpgradeCandidateSchema),
  /** How many presets were sized. */
  considered: z.number().int().nonnegative(),
  /** How candidates are ordered, and whether a price was published for any. */
  order: z.string(),
  /** The id of the cheapest candidate with a published price; null when none has one. */
  cheapest: z.string().nullable(),
});
export type UpgradeAdvice = z.infer<typeof UpgradeAdviceSchema>;
