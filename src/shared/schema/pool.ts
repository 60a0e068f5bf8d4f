// Planning one model across 2 to 4 machines with llama.cpp's RPC backend: memory per node, the
// expected speed including the network, and the commands that run it.
import { z } from 'zod';
import { DEFAULT_CONTEXT_TOKENS } from '../defaults';
import { PRECISIONS } from '../precision';
import { MAX_COMPARED, MIN_COMPARED } from './compare';
import { KvTypeSchema, MAX_CONTEXT_TOKENS } from './report';

/** Link presets by name (figures in src/core/pool.ts: stated assumptions, not measurements). */
export const LINK_NAMES = ['1GbE', '2.5GbE', '10GbE', '40GbE', 'thunderbolt'] as const;

const PoolNameSchema = z.string().trim().min(1, 'a profile name cannot be empty').max(64, 'a profile name has at most 64 characters');

const PoolLinkSchema = z.union([
  z.enum(LINK_NAMES),
  z
    .object({
      /** Usable bandwidth, bytes per second (1 kB/s to 1 TB/s). */
      bytesPerSec: z.number().finite().min(1e3).max(1e12),
      /** One-way latency in milliseconds. */
      latencyMs: z.number().finite().min(0).max(1000),
    })
    .strict(),
]);

export const PoolRequestSchema = z
  .object({
    /** The head first, then the workers: saved profile names or "this machine". */
    profiles: z
      .array(PoolNameSchema)
      .min(MIN_COMPARED, `pool at least ${MIN_COMPARED} machines`)
      .max(MAX_COMPARED, `pool at most ${MAX_COMPARED} machines`)
      .refine((names) => new Set(names.map((n) => String(n).toLowerCase())).size === names.length, 'each profile may be named once'),
    /** A catalog model id. */
    model: z.string().trim().min(1).max(128),
    quant: z.enum(PRECISIONS).default('Q4_K_M'),
    contextTokens: z.number().int().positive().max(MAX_CONTEXT_TOKENS).default(DEFAULT_CONTEXT_TOKENS),
    kvType: KvTypeSchema.default('f16'),
    link: PoolLinkSchema.default('1GbE'),
  })
  .strict();

const PoolDeviceSchema = z.object({
  machine: z.number().int().nonnegative(),
  label: z.string(),
  layers: z.number().int().nonnegative(),
  weightsBytes: z.number().nonnegative(),
  kvBytes: z.number().nonnegative(),
  computeBytes: z.number().nonnegative(),
  /** The backend's context on a GPU that holds a layer (CUDA's by the card's SMs); 0 on a CPU. */
  overheadBytes: z.number().nonnegative().default(0),
  totalBytes: z.number().nonnegative(),
  usableBytes: z.number().nonnegative(),
  fits: z.boolean(),
  readSecondsPerToken: z.number().nonnegative(),
  /** Its blocks' fixed cost per token (kernel launches: 150 µs a block under Metal, 20 on other GPUs, 15 on a CPU; on a GPU also each routed-expert product and gated-delta-net block). */
  blockSecondsPerToken: z.number().nonnegative(),
  /** Why this device's read time rests on a stand-in bandwidth (an unknown GPU, RAM not measured); null when it does not. */
  bandwidthNote: z.string().nullable().default(null),
});

const PoolPlanSchema = z.object({
  machines: z.array(z.object({ name: z.string(), totalBytes: z.number(), usableBytes: z.number(), fits: z.boolean() })),
  devices: z.array(PoolDeviceSchema),
  fits: z.boolean(),
  hops: z.number().int().nonnegative(),
  hopSecondsPerToken: z.number().nonnegative(),
  /** Part of hopSecondsPerToken: the logits returning to the head when a worker runs the output layer. */
  logitsReturnSecondsPerToken: z.number().nonnegative(),
  readSecondsPerToken: z.number().nonnegative(),
  /** Fixed work per token: the devices' blocks and the head's sampling. */
  fixedSecondsPerToken: z.number().nonnegative(),
  tokPerSec: z.number().nonnegative(),
  hopSecondsPerPromptBatch: z.number().nonnegative(),
  /** The prompt speed the link alone allows (null with no hop). */
  promptTokPerSecNetworkCap: z.number().nonnegative().nullable(),
  tensorSplit: z.array(z.number().nonnegative()),
  gpuLayers: z.number().int().nonnegative(),
});

export const PoolResultSchema = z.object({
  model: z.object({ modelId: z.string(), name: z.string(), quant: z.string() }),
  settings: z.object({ contextTokens: z.number().int().positive(), kvType: KvTypeSchema }),
  link: z.object({ name: z.string().nullable(), bytesPerSec: z.number().positive(), latencySeconds: z.number().nonnegative() }),
  plan: PoolPlanSchema,
  /** The pool without its last machine, when it fits and is faster. */
  slowerThanSmaller: z.string().nullable(),
  commands: z.array(z.string()),
  /** Every catalog model at Q4_K_M on this pool. */
  models: z.array(z.object({ modelId: z.string(), name: z.string(), fits: z.boolean(), tokPerSec: z.number().nonnegative() })),
});
export type PoolResult = z.infer<typeof PoolResultSchema>;
