// Detected (or what-if) hardware: GPUs, RAM, CPU, each figure with its source; and the probe's calibration.
import { z } from 'zod';
import { AlternativeSchema, SourceSchema } from './source';

const GpuBackendSchema = z.enum(['cuda', 'metal', 'vulkan', 'rocm', 'none']);
export type GpuBackend = z.infer<typeof GpuBackendSchema>;

export const GpuVendorSchema = z.enum(['nvidia', 'amd', 'intel', 'apple', 'other']);
export type GpuVendor = z.infer<typeof GpuVendorSchema>;

const GpuSchema = z.object({
  name: z.string(),
  vendor: GpuVendorSchema,
  /** Memory the GPU can use for a model: dedicated VRAM, or for unified memory the GPU's working-set budget. Null when unknown. */
  vramBytes: z.number().nonnegative().nullable(),
  vramFreeBytes: z.number().nonnegative().nullable(),
  backend: GpuBackendSchema,
  driver: z.string().nullable(),
  integrated: z.boolean(),
  unifiedMemory: z.boolean(),
  /** For unified memory: the share of RAM the GPU may use (Apple's recommendedMaxWorkingSetSize / RAM). */
  unifiedShareOfRam: z.number().min(0).max(1).nullable(),
  /**
   * For a unified-memory GPU given memory of its own in the BIOS (Strix Halo's "dedicated graphics memory"):
   * that carve-out, which the OS does not count as RAM. The memory models share is RAM plus this.
   */
  reservedRamBytes: z.number().nonnegative().nullable().optional(),
  memoryBandwidthBytesPerSec: z.number().positive().nullable(),
  /**
   * The PCIe link the card reaches in this machine (generation, lanes), as detected: what weights kept in RAM cross to
   * it over (src/core/gpu-prompt.ts). Absent or null: not detected (a planned card, macOS, a unified-memory GPU).
   */
  pcieLink: z
    .object({ gen: z.number().int().min(1).max(6), width: z.number().int().min(1).max(32), source: SourceSchema })
    .nullable()
    .optional(),
  tdpWatts: z.number().positive().nullable(),
  /**
   * The rate this GPU reads prompts at, in dense FLOPs per second (src/core/gpu-prompt.ts), catalogued from a published
   * llama-bench run of the matching preset on its backend (resources/hardware/gpu-prompt-rates.json), or estimated from
   * the runs of its architecture's siblings there (src/core/gpu-prompt-siblings.ts); absent where neither is known.
   */
  promptRate: z.object({ flopsPerSec: z.number().positive(), source: SourceSchema }).nullable().optional(),
  /**
   * The share of its memory bandwidth this GPU reaches in generation where the catalogue has one for its preset
   * (GpuPreset.generationEfficiency, from published runs); absent or null: its vendor's figure.
   */
  generationEfficiency: z
    .object({ value: z.number().gt(0).max(1), source: SourceSchema })
    .nullable()
    .optional(),
  /**
   * An NVIDIA card's streaming multiprocessors, catalogued for its preset (GpuPreset.multiprocessors): the CUDA context
   * llama.cpp's process holds grows with the threads they keep resident (src/core/placement.ts). Absent or null: not
   * known, a flat figure applies.
   */
  multiprocessors: z
    .object({
      count: z.number().int().positive(),
      /** The most threads one SM keeps resident (by its architecture); absent in profiles saved before it was kept. */
      threadsPerSm: z.number().int().positive().optional(),
      source: SourceSchema,
    })
    .nullable()
    .optional(),
  source: SourceSchema,
  vramSource: SourceSchema,
  bandwidthSource: SourceSchema.nullable(),
  alternatives: z.array(AlternativeSchema),
  notes: z.array(z.string()),
});
export type Gpu = z.infer<typeof GpuSchema>;

const DetectionSourceIdSchema = z.enum([
  'systeminformation',
  'node-llama-cpp',
  'nvidia-smi',
  'rocm-smi',
  'windows-registry',
  'system_profiler',
  'memory-bandwidth-probe',
  'what-if',
]);
export type DetectionSourceId = z.infer<typeof DetectionSourceIdSchema>;

const SourceStatusSchema = z.object({
  id: DetectionSourceIdSchema,
  status: z.enum(['ok', 'unavailable', 'failed', 'timeout', 'cached', 'skipped']),
  detail: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
});
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

/** What a quick probe measured on this machine's CPU, to calibrate speed estimates. */
export const SpeedCalibrationSchema = z.object({
  /** The probe's model of a token's time; calibrations of an older model are measured again. */
  model: z.literal(2),
  /** Effective weight-read speed during generation, by ggml type (bytes per second). */
  tgBytesPerSecByType: z.record(z.string(), z.number().positive()),
  /** Cost of each matrix row during generation, by ggml type (seconds): large for some kernels (F16 on x86). */
  tgSecondsPerRowByType: z.record(z.string(), z.number().nonnegative()),
  /** Effective matrix throughput during prompt processing, by ggml type (FLOP per second). */
  ppFlopsByType: z.record(z.string(), z.number().positive()),
  /** Cost of each matrix row per prompt token, by ggml type (seconds). */
  ppSecondsPerRowByType: z.record(z.string(), z.number().nonnegative()),
  /**
   * For weights larger than the last-level cache, the share of the model read again from RAM for
   * each prompt token (matrix tiles stream the weights once per block of tokens).
   */
  ppRamReadsPerToken: z.number().nonnegative(),
  /**
   * Read speed from RAM during generation (bytes per second), from a file larger than the last-level
   * cache: a model that fits in that cache is bound by compute, a larger one by the slower of the two.
   */
  tgMemoryBytesPerSec: z.number().positive(),
  lastLevelCacheBytes: z.number().nonnegative(),
  /** Fixed cost of one generated token (graph, thread start, the JS round trip) and of each layer's ops, seconds. */
  tgSecondsPerToken: z.number().nonnegative(),
  tgSecondsPerLayer: z.number().nonnegative(),
  threads: z.object({ pp: z.number().int().positive(), tg: z.number().int().positive() }),
  measuredAt: z.string(),
  durationMs: z.number(),
  /** What the probe measured, file by file, before deriving the figures above. */
  runs: z
    .array(
      z.object({
        label: z.string(),
        readBytes: z.number(),
        layers: z.number().int(),
        rows: z.number(),
        tgTokPerSec: z.number(),
        ppTokPerSec: z.number(),
      }),
    )
    .default([]),
  /** How many probes the figures pool (each file's median run over them); absent: one. */
  pooledProbes: z.number().int().positive().optional(),
  source: SourceSchema,
});
export type SpeedCalibration = z.infer<typeof SpeedCalibrationSchema>;

export const HardwareSnapshotSchema = z.object({
  os: z.object({
    platform: z.string(),
    distro: z.string().nullable(),
    release: z.string().nullable(),
    arch: z.string(),
    source: SourceSchema,
  }),
  cpu: z.object({
    model: z.string(),
    vendor: z.string().nullable(),
    physicalCores: z.number().int().positive(),
    logicalCores: z.number().int().positive(),
    /** Of the physical cores, the efficiency cores of a hybrid CPU, where systeminformation counts them; absent: not known. */
    efficiencyCores: z.number().int().nonnegative().nullable().optional(),
    /** Upper-case SIMD flags that matter to llama.cpp: AVX, AVX2, AVX512F, AVX512_VNNI, F16C, FMA, NEON, SVE... */
    simd: z.array(z.string()),
    /** Effective read bandwidth of RAM, for CPU speed estimates. */
    memoryBandwidthBytesPerSec: z.number().positive().nullable(),
    bandwidthSource: SourceSchema.nullable(),
    /** Every core reading RAM at once, where that set the bandwidth above (a many-core machine); absent: one core's read. */
    allCoresBandwidth: z.object({ bytesPerSec: z.number().positive(), threads: z.number().int().positive() }).nullable().optional(),
    /**
     * One core's read of RAM, as this machine's probe measured it: the pace at which the driver copies weights from the
     * mapped file into pinned memory for a GPU (gpu-prompt.ts). Absent: no probe read this CPU (a preset, an old profile).
     */
    oneCoreBandwidthBytesPerSec: z.number().positive().nullable().optional(),
    source: SourceSchema,
  }),
  ram: z.object({
    totalBytes: z.number().positive(),
    availableBytes: z.number().nonnegative().nullable(),
    swapTotalBytes: z.number().nonnegative().nullable(),
    source: SourceSchema,
  }),
  gpus: z.array(GpuSchema),
  /** Status of each detection source, so a missing one is shown as unavailable, not hidden. */
  sources: z.array(SourceStatusSchema),
  whatIf: z.boolean(),
  detectedAt: z.string(),
});
export type HardwareSnapshot = z.infer<typeof HardwareSnapshotSchema>;
