// Generation speed estimate. Generating a token reads every active weight once, so on both
// GPU and CPU it is bound by memory bandwidth: time per token = bytes read / effective bandwidth,
// summed over the devices the layers sit on.
import type { GpuVendor, Source, SpeedCalibration } from '../shared/schema';
import { GB } from '../shared/units';
import type { Placement } from './placement';
import { ggmlType } from './ggml';
import { cacheLabel } from './calibration';

/** Share of peak bandwidth llama.cpp's matrix-vector kernels reach (typical llama-bench tg128 vs spec sheets). */
export const GPU_BANDWIDTH_EFFICIENCY = 0.7;
/**
 * AMD cards reach less of their bandwidth in llama.cpp's generation: 21 published llama-bench tg128 runs
 * with every layer on one GPU (bench/gpu-speed-published.ts) put the 0.7 model at a median 0.93 of the
 * published speed on NVIDIA (9 runs, 0.78-1.23) and 0.97 on Apple (5), but 1.28 on AMD (6 runs: RX 5700 XT,
 * 6700 XT, 7900 XT, 7900 XTX, Radeon Pro W7900 on ROCm and Vulkan, 1.06-1.41). 0.55 brings AMD's median
 * to about 1.0.
 */
const GPU_BANDWIDTH_EFFICIENCY_BY_VENDOR: Readonly<Partial<Record<GpuVendor, number>>> = { amd: 0.55 };
/**
 * Architectures whose cards read more of their bandwidth than their vendor's share says, for a card without a
 * catalogued figure of its own. Ada Lovelace (RTX 40 series, the RTX Ada workstation cards, L40S, L4): at NVIDIA's 0.7
 * the 40 published runs of 10 Ada cards in a May 2024 table (bench/data/gpu-published.json) read a median 0.91 of
 * measured, and a 2026 build's Qwen3.5 runs on an RTX 4090 0.73-0.85 (bench/data/gpu-moe-tg.json; its 9B at Q8_0 read
 * 0.86 of the card's bandwidth). At 0.85 those read 1.02 (0.93-1.22, all 40 within 25%) and 0.85-0.92. Ampere's runs
 * of the same table read 0.97 at 0.7 and keep it; Blackwell's disagree (an RTX PRO 4000 SFF reads 1.04-1.12 at 0.7, a
 * 5090's 27B 0.71) and keep it too (bench/results/gpu-speed-published-2026-12-04.md).
 */
export const GENERATION_EFFICIENCY_BY_ARCHITECTURE: Readonly<Record<string, { value: number; why: string }>> = {
  ada: {
    value: 0.85,
    why: 'Ada Lovelace cards read 0.85 of their bandwidth in generation: fitted on 45 published llama-bench tg128 runs of 10 Ada cards (a May 2024 table read a median 0.91 of measured at the 0.7 NVIDIA cards share, a 2026 build on an RTX 4090 0.73-0.85; at 0.85, 1.02 and 0.85-0.92)',
  },
};
/**
 * The share of its memory bandwidth a GPU reaches in generation. The vendor figure rests on discrete
 * cards only, so a GPU sharing the system's RAM keeps the general one (Strix Halo, Apple) unless its
 * catalogue entry has its own from published runs (GpuPreset.generationEfficiency: GB10, Jetson Orin),
 * which the budget prefers.
 */
export const gpuBandwidthEfficiency = (vendor: GpuVendor | undefined, unifiedMemory = false): number =>
  (vendor && !unifiedMemory && GPU_BANDWIDTH_EFFICIENCY_BY_VENDOR[vendor]) || GPU_BANDWIDTH_EFFICIENCY;
/**
 * Float weights read nearer a GPU's bandwidth than quantized ones, which take work to unpack: at the default share, 141
 * published tg rows of GDDR NVIDIA, Apple and AMD GPUs (bench/gpu-speed-published.ts) read F16 at a median 0.83 of
 * measured (41 rows, 0.74-1.02), Q8_0 at 0.86 (20, all within 25%) and the 4-bit types at 0.94 (80). F16 and BF16 bytes
 * count at 1.13x the share, which brings those rows to 0.93 (0.82-1.15); Q8_0 at 1.09x would put two Apple rows past
 * 25%, so it stays. A GPU with its own share (fitted on its own rows: the HBM cards read F16 no nearer their bandwidth
 * than Q4_K_M) keeps it as it is.
 */
const GPU_FLOAT_EFFICIENCY_FACTOR = 1.13;

/**
 * The default GPU share for a placement's bytes: raised for the share of them in F16/BF16 matrices (a file labelled
 * F16 whose experts are MXFP4, gpt-oss's, is mostly not). A GPU with its own share keeps it.
 */
export function gpuShareFor(
  placement: Pick<Placement, 'gpuReadBytesPerToken' | 'gpuFloatReadBytesPerToken'>,
  share: number,
  own: Source | null | undefined,
): { share: number; why: string | null } {
  const floatShare = placement.gpuReadBytesPerToken > 0 ? placement.gpuFloatReadBytesPerToken / placement.gpuReadBytesPerToken : 0;
  if (own || floatShare < 0.01) return { share, why: null };
  const factor = 1 / (1 - floatShare + floatShare / GPU_FLOAT_EFFICIENCY_FACTOR);
  return {
    share: Math.round(share * factor * 100) / 100,
    why: `${share} x ${factor.toFixed(2)}: the ${Math.round(floatShare * 100)}% of these bytes in F16/BF16 matrices read nearer the bandwidth than quantized ones (${GPU_FLOAT_EFFICIENCY_FACTOR}x in published runs)`,
  };
}

/** Against a measured single-thread read bandwidth, llama.cpp's CPU generation reads at about 0.9 of it (measured here). */
export const CPU_BANDWIDTH_EFFICIENCY = 0.9;
/**
 * Against every core reading RAM at once, llama.cpp's CPU generation (all physical cores) reads about 0.48 of it: 71 GB/s
 * of 149 on a 16-core Xeon VM (bench/results/cuda-2026-12-04.md, the split rows' generation). With it, that machine's
 * split rows read 0.93-1.07 of measured (0.69-0.80 at the 0.35 used before), and an RTX 2080 beside a 10-core i9-10900X
 * whose cores read ~102 GB/s together ran Qwen3-30B-A3B at --n-cpu-moe 36 at 1.03 of predicted (0.80 at 0.35;
 * bench/results/moe-experts-in-ram-2026-12-04.md). With two threads llama.cpp is held back by each thread's kernels
 * instead (this project's 2-core VM: 26 of 78-98), so the probe takes every core's read only from three threads up
 * (MIN_THREADS_FOR_ALL), and the share sets the CPU's rate only where it is more than one core's figure times
 * CPU_BANDWIDTH_EFFICIENCY, a many-core machine's case (0.48 x 149 = 72 GB/s against 0.9 x 11).
 */
export const CPU_ALL_THREADS_SHARE = 0.48;
/** When nothing is known about the RAM: dual-channel DDR4-3200's 51 GB/s at the same efficiency as a measurement. */
export const ASSUMED_CPU_BANDWIDTH_BYTES_PER_SEC = 40 * GB;
/** A layer split between the GPU and the CPU pays a synchronisation per token at the boundary. */
const SPLIT_SYNC_SECONDS = 0.0005;
/**
 * Between two GPUs, per token per boundary: the 8B Q4_K_M rows of one published table (May 2024, 11 cards, each alone
 * and in 2 to 8, layer split) lost 0.12-0.42 ms per extra card against the same card alone, median 0.25 (one outlier:
 * 4 x A100 SXM, 0.87). At 0.5 ms those setups read 0.74-0.94 of measured.
 */
const GPU_SPLIT_SYNC_SECONDS = 0.00025;
/**
 * Work per token that does not scale with bytes: kernel launches and graph bookkeeping per layer,
 * sampling and the host round trip. It caps tiny models (a 135M model does not reach thousands
 * of tok/s on a big GPU); the probe of a later version calibrates it per machine.
 */
const GPU_SECONDS_PER_TOKEN = 0.0003;
const GPU_SECONDS_PER_LAYER = 0.00002;
/**
 * Apple GPUs under Metal: each block costs about 150 µs a token on top of its bytes (the command encoding of its
 * kernels), and the bytes read at 0.92 of the memory's bandwidth, F16 or quantized alike. Fitted on llama.cpp's Apple
 * Silicon scoreboard (discussion 4167: LLaMA 7B at F16, Q8_0 and Q4_0 on 19 chips from M1 to M4 Max and M3 Ultra, 53
 * rows): each chip's rows lie on one line, 3.3-8.3 ms a token of fixed cost and 0.84-0.98 of the bandwidth; with these
 * two figures all 53 read 0.93-1.10 of measured (median 0.99), where 0.7 of the bandwidth and 20 µs a block put the
 * Ultras' Q4_0 at 1.42-1.48 (bench/results/gpu-speed-published-2026-12-04.md).
 */
const METAL_SECONDS_PER_LAYER = 0.00015;
export const APPLE_GPU_GENERATION_EFFICIENCY = 0.92;
/**
 * Each routed expert a token runs on the GPU costs a fixed time on top of its bytes: small products at scattered
 * offsets, through mul_mat_id. Fitted on 27 published llama-bench runs of MoE models all on one GPU
 * (bench/results/gpu-moe-speed-2026-12-03.md): without it the Qwen MoE family (8-10 of 128-512 small experts in 40-94
 * blocks: 320-750 expert products a token) was predicted 1.3-1.85x too fast while gpt-oss (96-144) was close; with 10 µs
 * the 27 runs read median 1.08 (0.67-1.37), 21 within 25%, in sample.
 */
export const GPU_SECONDS_PER_EXPERT_PRODUCT = 0.00001;
/**
 * CUDA's routed-expert products cost far less: 2.5-3 µs each, from the same-shape rows where little else is unknown
 * (a generated Qwen3-30B-A3B all on this project's lent H200: 303 tok/s, 162 at 10 µs; the three MoE runs of the DGX
 * Spark table; the intercept of the Quadro RTX 5000's --n-cpu-moe sweep). Metal too, once its blocks carry their own
 * cost (METAL_SECONDS_PER_LAYER): one run, an M2 Ultra's Qwen3-30B-A3B at Q8_0, reads 1.00 at 3 µs and 0.83 at 10.
 * AMD keeps 10 µs: its ROCm runs of Qwen3-30B-A3B on Strix Halo want 15-18 and its Vulkan runs about 4, and a
 * planned AMD GPU could be run either way (3 µs would put the ROCm rows at 1.28-1.35).
 */
const CUDA_AND_METAL_SECONDS_PER_EXPERT_PRODUCT = 0.000003;
/**
 * A gated-delta-net block (Qwen3-Next, Qwen3.5/3.6) on the GPU costs more than its bytes: the recurrent update and its
 * small ops. Fitted on two CUDA machines' runs of Qwen3.6-35B-A3B (30 such blocks): a Quadro RTX 5000's --n-cpu-moe
 * sweep, 2.3-2.5 ms a token over Qwen3-30B-A3B's rate (about 80 µs a block), and an RTX PRO 4000 SFF's runs all on the
 * GPU (about 105 µs). A Jetson AGX Orin paid about 600 µs; not modelled (bench/results/gpu-moe-speed-2026-12-04.md).
 */
export const GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK = 0.00009;
const CPU_SECONDS_PER_TOKEN = 0.00015;
const CPU_SECONDS_PER_LAYER = 0.000015;
/**
 * A gated-delta-net block on the CPU updates its recurrent state every token (ggml's GATED_DELTA_NET op, split over the
 * threads by head): about 3 ns per state element per thread beyond the block's bytes, measured on this project's
 * 2-thread VM (llama-bench tg32, best of 6-9, generated noise files at Q4_K_M) against the calibrated model, which read
 * a Llama 3.1 8B there at 0.99-1.06 and Qwen3-30B-A3B at 1.08 but Qwen3.5 9B at 1.14-1.18, Qwen3.6 27B at 1.15 and
 * Qwen3.6 35B-A3B at 1.47. Their gaps, 0.78 ms a block for the 9B's and 35B-A3B's 32 heads of 128 x 128 and 1.29 for
 * the 27B's 48, grow with the state, not by block: 3.0, 2.8 and 3.3 ns per element-thread. In sample; one machine.
 */
const CPU_SECONDS_PER_GATED_DELTA_NET_STATE_ELEMENT = 3e-9;

/**
 * The cores llama.cpp's CPU threads run on by default: the physical cores, less any efficiency cores known (llama.cpp
 * keeps its math threads off them). The commands' -t starts from the same count (src/node/command-methods.ts, threadsFor).
 */
export function performanceCores(cpu: { physicalCores: number; efficiencyCores?: number | null | undefined }): number {
  const e = cpu.efficiencyCores ?? 0;
  return Math.max(1, e > 0 && e < cpu.physicalCores ? cpu.physicalCores - e : cpu.physicalCores);
}

/** The CPU time per token of `blocks` gated-delta-net blocks of `stateElements` each, on `threads` threads. */
export function cpuGatedDeltaNetSeconds(blocks: number, stateElements: number, threads: number): number {
  return (blocks * stateElements * CPU_SECONDS_PER_GATED_DELTA_NET_STATE_ELEMENT) / Math.max(1, threads);
}

export interface SpeedInputs {
  gpuBandwidthBytesPerSec: number | null;
  /** Each GPU's bandwidth in device order, for a split over several cards (null where unknown). */
  gpuBandwidthsBytesPerSec?: ReadonlyArray<number | null>;
  cpuBandwidthBytesPerSec: number | null;
  cpuBandwidthSource: Source | null;
  /** The share of their bandwidth the GPUs reach (by vendor, see gpuBandwidthEfficiency); absent: GPU_BANDWIDTH_EFFICIENCY. */
  gpuEfficiency?: number;
  /** Where gpuEfficiency comes from when it is the GPU's own (catalogued from published runs of it). */
  gpuEfficiencySource?: Source | null;
  /** A probe's measurements on this machine: when present, the CPU side uses them. */
  calibration?: SpeedCalibration | null;
  /** The GPUs' backend: CUDA's and Metal's routed-expert products cost less, and Metal's blocks more. */
  gpuBackend?: string;
  /** The GPUs' vendor: some read a weight type well below their bandwidth (MXFP4_SHARE_BY_VENDOR). */
  gpuVendor?: GpuVendor;
  /** Threads the CPU's part runs on without a probe (llama.cpp's default: the physical cores); a probe's count wins. */
  cpuThreads?: number;
}

/**
 * The share of the GPU's generation rate at which a vendor's kernels read MXFP4 matrices (gpt-oss's experts), where it
 * is well below the other types'. Intel's Battlemage cards read them at about 0.2 of it, on SYCL and on Vulkan alike:
 * fitted on an Arc Pro B70's gpt-oss-20b (50.4 tok/s on SYCL; 2.55x slower than its bandwidth gave, while the same
 * table's Llama 3.1 8B and Qwen3-30B-A3B rows read 0.91-1.12), it puts an Arc Pro B50's runs of the same file, 21.9 tok/s
 * on SYCL and 19.9 on Vulkan, at 0.90 and 0.99 (were 2.52 and 2.77; bench/data/gpu-moe-tg.json). Other vendors read
 * MXFP4 like the other 4-bit types (gpt-oss on Strix Halo, a DGX Spark, an RTX PRO 6000:
 * bench/results/gpu-moe-speed-2026-12-04.md).
 */
const MXFP4_SHARE_BY_VENDOR: Partial<Record<GpuVendor, number>> = { intel: 0.2 };

/** The extra read time of MXFP4 bytes on a vendor's GPU, as a multiple of their time at the GPU's rate (0: none). */
export function mxfp4ExtraReadFactor(vendor: GpuVendor | undefined): number {
  const share = vendor ? MXFP4_SHARE_BY_VENDOR[vendor] : undefined;
  return share === undefined ? 0 : 1 / share - 1;
}

/**
 * The fixed work a token costs per block on a device (kernel launches, graph bookkeeping): 15 µs on the CPU, 20 µs on a
 * GPU, 150 µs under Metal; deviceBlockSeconds charges it per device, for a single machine and a pool plan alike.
 */
function secondsPerBlock(backend: string): number {
  return backend === 'cpu' ? CPU_SECONDS_PER_LAYER : backend === 'metal' ? METAL_SECONDS_PER_LAYER : GPU_SECONDS_PER_LAYER;
}
/** The fixed work a token costs once (sampling, the host round trip), as estimateGenerationSpeed counts it. */
export const secondsPerTokenOn = (backend: string): number => (backend === 'cpu' ? CPU_SECONDS_PER_TOKEN : GPU_SECONDS_PER_TOKEN);

/** Seconds per routed-expert product on the GPU for a backend. */
function gpuSecondsPerExpertProduct(backend: string | undefined): number {
  return backend === 'cuda' || backend === 'metal' ? CUDA_AND_METAL_SECONDS_PER_EXPERT_PRODUCT : GPU_SECONDS_PER_EXPERT_PRODUCT;
}

/**
 * The fixed work per token of the blocks one device runs, beyond their bytes: each block's launches (secondsPerBlock)
 * and, on a GPU, each routed-expert product and each gated-delta-net block. A single machine's GPU part and each
 * device of a pool plan pay the same (src/core/pool.ts); a CPU pays its per-block cost and its gated-delta-net blocks'
 * state updates, as a CPU-only row does.
 */
export function deviceBlockSeconds(
  backend: string,
  work: {
    blocks: number;
    expertProducts: number;
    gatedDeltaNetBlocks: number;
    /** A CPU's gated-delta-net blocks: each one's state (elements) and the threads that update it (cpuGatedDeltaNetSeconds). */
    gatedDeltaNetStateElements?: number;
    cpuThreads?: number;
  },
): number {
  if (backend === 'cpu')
    return (
      work.blocks * CPU_SECONDS_PER_LAYER +
      cpuGatedDeltaNetSeconds(work.gatedDeltaNetBlocks, work.gatedDeltaNetStateElements ?? 0, work.cpuThreads ?? 1)
    );
  return (
    work.blocks * secondsPerBlock(backend) +
    work.expertProducts * gpuSecondsPerExpertProduct(backend) +
    work.gatedDeltaNetBlocks * GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK
  );
}

/** Types the probe did not measure borrow the nearest measured one (same kernel family). */
const TYPE_FAMILY: Record<string, string[]> = {
  Q4_K: ['Q4_K', 'Q5_K', 'Q6_K', 'Q3_K', 'Q2_K', 'Q8_0'],
  Q5_K: ['Q5_K', 'Q4_K', 'Q6_K', 'Q8_0'],
  Q6_K: ['Q6_K', 'Q5_K', 'Q4_K', 'Q8_0'],
  Q3_K: ['Q3_K', 'Q2_K', 'Q4_K', 'Q8_0'],
  Q2_K: ['Q2_K', 'Q3_K', 'Q4_K', 'Q8_0'],
  Q8_0: ['Q8_0', 'Q4_0', 'Q4_K'],
  Q4_0: ['Q4_0', 'Q5_0', 'Q8_0', 'Q4_K'],
  Q5_0: ['Q5_0', 'Q4_0', 'Q8_0'],
  Q5_1: ['Q5_1', 'Q5_0', 'Q8_0'],
  IQ4_NL: ['IQ4_NL', 'Q4_0', 'Q5_0'],
  // gpt-oss's experts: 32-weight blocks of 4-bit codes looked up in a table, with one scale, IQ4_NL's kind
  // of kernel; without this it took the slowest measured type.
  MXFP4: ['MXFP4', 'IQ4_NL', 'Q4_0', 'Q5_0', 'Q8_0'],
  F16: ['F16', 'BF16', 'F32'],
  BF16: ['BF16', 'F16', 'F32'],
  F32: ['F32', 'F16'],
};

/** A type's measured figure, or its nearest measured relative's; `fallback` when none is measured. */
function calibratedRate(byType: Record<string, number>, type: string, fallback?: number): number | null {
  for (const candidate of TYPE_FAMILY[type] ?? [type]) {
    const rate = byType[candidate];
    if (rate !== undefined && (rate > 0 || fallback !== undefined)) return rate;
  }
  if (fallback !== undefined) return fallback;
  const all = Object.values(byType);
  return all.length ? Math.min(...all) : null;
}

/**
 * A routed expert's weights, read for one token, take longer than a dense matrix's of the same bytes:
 * the selected experts sit at scattered offsets of the file, one short stream each, where a dense
 * model streams its blocks in order. Measured on the CPU with three generated MoE shapes (top-2 of 8,
 * top-2 of 16, top-8 of 32; Q4_K_M and Q8_0) beside dense models in the same runs, with the probes
 * pooled: generation was predicted 12-28% too fast with experts read at the dense rate
 * (bench/results/speed-cpu-2026-12-02-decode-timer.md, runs 10 and 11). Their bytes count at 1 / this.
 */
export const CPU_EXPERT_READ_EFFICIENCY = 0.82;

/** The extra bytes the CPU's routed experts cost a generated token, by type: their active bytes x (1 / efficiency - 1). */
function expertExtraBytesByType(placement: Placement): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, bytes] of Object.entries(placement.cpuLayerExpertReadBytesByType))
    extra[type] = bytes * (1 / CPU_EXPERT_READ_EFFICIENCY - 1);
  return extra;
}

const sumOf = (byType: Record<string, number>): number => Object.values(byType).reduce((sum, b) => sum + b, 0);

/**
 * Seconds the CPU side of a token takes, as a roofline: the kernels' time (each type's bytes at its
 * measured speed on probe files the cache may hold, plus its cost per row) or, for weights larger
 * than the last-level cache, the time to stream them from RAM, whichever is longer.
 */
function calibratedCpuSeconds(
  placement: Placement,
  calibration: SpeedCalibration,
): { seconds: number; computeSeconds: number; memorySeconds: number; rowSeconds: number } | null {
  let computeSeconds = 0;
  const extra = expertExtraBytesByType(placement);
  for (const [type, bytes] of Object.entries(placement.cpuReadBytesByType)) {
    const rate = calibratedRate(calibration.tgBytesPerSecByType, type);
    if (!rate) return null;
    computeSeconds += (bytes + (extra[type] ?? 0)) / rate;
  }
  let rowSeconds = 0;
  for (const [type, rows] of Object.entries(placement.cpuRowsByType))
    rowSeconds += rows * (calibratedRate(calibration.tgSecondsPerRowByType, type, 0) ?? 0);
  computeSeconds += rowSeconds;
  const bytes = placement.cpuReadBytesPerToken;
  const memorySeconds = bytes > calibration.lastLevelCacheBytes ? (bytes + sumOf(extra)) / calibration.tgMemoryBytesPerSec : 0;
  return { seconds: Math.max(computeSeconds, memorySeconds), computeSeconds, memorySeconds, rowSeconds };
}

/** RAM time per prompt token for weights the last-level cache cannot hold (0 for those it can). */
function promptRamSeconds(placement: Placement, calibration: SpeedCalibration): number {
  const bytes = Object.values(placement.cpuLayerReadBytesByType).reduce((sum, b) => sum + b, 0);
  return bytes > calibration.lastLevelCacheBytes ? (calibration.ppRamReadsPerToken * bytes) / calibration.tgMemoryBytesPerSec : 0;
}

/**
 * A prompt's routed experts run through ggml's mul_mat_id, which gathers each expert's share of the
 * batch (tokens x top-k / experts rows) and multiplies it apart: a fixed cost per expert on top of
 * its FLOPs, so the fewer rows an expert gets, the lower its efficiency against the dense rate:
 * rows / (rows + CPU_PROMPT_EXPERT_OVERHEAD_ROWS). Measured on the CPU beside dense models in the
 * same runs (bench/results/speed-cpu-2026-12-02-moe2.md and -decode-timer.md): at Q4_K_M, top-2 of 8
 * and top-8 of 32 (128 rows each at a 512-token batch) ran at about 0.65 of the dense rate, and
 * top-2 of 16 (64 rows) was predicted within 10% by the same rule (run 11). Q8_0 experts run slower
 * (SGEMM_ONLY_TYPES below).
 */
const CPU_PROMPT_EXPERT_OVERHEAD_ROWS = 69;
/**
 * Types whose dense prompt products (what the probe measures) run llamafile's sgemm on x86 without a
 * repacked layout (ggml-cpu/llamafile/sgemm.cpp: F32, F16, BF16, Q8_0, Q5_0; Q4_0 and IQ4_NL are
 * repacked). mul_mat_id never calls sgemm, so their experts run the plain dot-product kernel, at about
 * a third of the dense rate whatever their rows: Q8_0 experts of top-2 of 16 (64 rows at a 512-token
 * batch) and top-2 of 8 (128 rows) ran at 0.32-0.35 and 0.35-0.44 of it in runs 11 and 12
 * (bench/results/speed-cpu-2026-12-02-decode-timer.md), while the same shapes at Q4_K_M followed the
 * rows rule above.
 */
const SGEMM_ONLY_TYPES = new Set(['F32', 'F16', 'BF16', 'Q8_0', 'Q5_0']);
export const SGEMM_ONLY_EXPERT_EFFICIENCY = 0.36;
/** The efficiency at 128 rows per expert, for a model whose expert counts are not known. */
export const CPU_PROMPT_EXPERT_EFFICIENCY = 128 / (128 + CPU_PROMPT_EXPERT_OVERHEAD_ROWS);

/** Share of the dense rate a routed expert's FLOPs run at, for a batch of `tokens` (see above). */
export function cpuPromptExpertEfficiency(tokens: number, experts?: { count: number; active: number }): number {
  if (!experts || experts.count <= 0) return CPU_PROMPT_EXPERT_EFFICIENCY;
  const rows = (Math.min(tokens, 512) * experts.active) / experts.count;
  return rows / (rows + CPU_PROMPT_EXPERT_OVERHEAD_ROWS);
}

/**
 * Attention over a long prompt runs at about half the rate of the F16 matrix products the probe measures (smaller
 * products per head, the softmax, the masked half of each micro-batch): on 2 vCPUs, Qwen2.5 0.5B and Llama 3.2 1B
 * slowed from pp512 to pp4096 about twice as much as the F16 rate predicts (bench/results/long-prompt-2026-12-03.md).
 */
const CPU_PROMPT_ATTENTION_EFFICIENCY = 0.5;

/** What a prompt's attention costs depends on: its length and the model's CPU layers and query width (heads x head size). */
export interface PromptShape {
  tokens: number;
  layers: number;
  queryDim: number;
  /** Routed experts (count and top-k), for their share of the batch; absent for a dense model. */
  experts?: { count: number; active: number };
  /**
   * Σ over the layers with attention of average keys met x query width (promptAttentionWidth): windows, chunks
   * and recurrent blocks counted; absent, every layer attends to the whole prompt.
   */
  attentionWidth?: number;
}

/**
 * Prompt processing speed on the CPU from a probe's per-type matrix throughput (2 FLOP per weight
 * per token) and per-type cost per row. The output layer runs for the last prompt token only.
 */
export function estimatePromptSpeedCpu(placement: Placement, calibration: SpeedCalibration, prompt?: PromptShape): number | null {
  let secondsPerToken = 0;
  if (prompt) {
    // Attention: each token's query meets, on average, half the prompt's keys and values (QK and
    // softmax x V, 2 FLOP each per element), in F16 like the KV cache. Small models feel it most.
    const attentionFlops = 4 * (prompt.attentionWidth ?? prompt.layers * (prompt.tokens / 2) * prompt.queryDim);
    const rate = calibratedRate(calibration.ppFlopsByType, 'F16');
    if (rate) secondsPerToken += attentionFlops / (rate * CPU_PROMPT_ATTENTION_EFFICIENCY);
  }
  const expertBytesByType = placement.cpuLayerExpertReadBytesByType;
  const expertEfficiency = cpuPromptExpertEfficiency(prompt?.tokens ?? 512, prompt?.experts);
  for (const [type, bytes] of Object.entries(placement.cpuLayerReadBytesByType)) {
    const rate = calibratedRate(calibration.ppFlopsByType, type);
    if (!rate) return null;
    const info = ggmlType(type);
    const weightsOf = (b: number): number => (b / info.blockBytes) * info.blockSize;
    const expertBytes = Math.min(bytes, expertBytesByType[type] ?? 0);
    secondsPerToken += (2 * weightsOf(bytes - expertBytes)) / rate;
    const efficiency = SGEMM_ONLY_TYPES.has(type) ? SGEMM_ONLY_EXPERT_EFFICIENCY : expertEfficiency;
    secondsPerToken += (2 * weightsOf(expertBytes)) / (rate * efficiency);
  }
  for (const [type, rows] of Object.entries(placement.cpuLayerRowsByType))
    secondsPerToken += rows * (calibratedRate(calibration.ppSecondsPerRowByType, type, 0) ?? 0);
  secondsPerToken += promptRamSeconds(placement, calibration);
  return secondsPerToken > 0 ? 1 / secondsPerToken : null;
}

export interface SpeedEstimate {
  tokPerSec: number;
  source: Source;
}

/**
 * `layers` counts repeating blocks (not -ngl's output layer): on the GPU, and in all; gatedDeltaNet: how many of all
 * are gated-delta-net blocks (those on the GPU taken in proportion), each holding a state of gatedDeltaNetStateElements.
 */
export function estimateGenerationSpeed(
  placement: Placement,
  inputs: SpeedInputs,
  layers: { gpu: number; total: number; gatedDeltaNet?: number; gatedDeltaNetStateElements?: number },
): SpeedEstimate {
  const cpuBw = inputs.cpuBandwidthBytesPerSec ?? ASSUMED_CPU_BANDWIDTH_BYTES_PER_SEC;
  const gpuBw = inputs.gpuBandwidthBytesPerSec;
  const raised = gpuShareFor(placement, inputs.gpuEfficiency ?? GPU_BANDWIDTH_EFFICIENCY, inputs.gpuEfficiencySource);
  const gpuEff = raised.share;
  const effWhy = inputs.gpuEfficiencySource
    ? ` (this GPU's own share, ${inputs.gpuEfficiencySource.kind} by ${inputs.gpuEfficiencySource.by})`
    : raised.why
      ? ` (${raised.why})`
      : '';
  // With -ngl 1 only the output layer is on the GPU: no block there, yet every token runs on it.
  // Experts in RAM: the GPU part and the active experts read from RAM add up (cpuReadBytesPerToken holds them).
  const expertBlocks = placement.expertsInRamGpuBlocks;
  const expertProductSeconds = gpuSecondsPerExpertProduct(inputs.gpuBackend);
  const recurrentGpuBlocks = layers.total > 0 ? ((layers.gatedDeltaNet ?? 0) * layers.gpu) / layers.total : 0;
  const recurrentCpuBlocks = (layers.gatedDeltaNet ?? 0) - recurrentGpuBlocks;
  const cpuThreads = inputs.calibration?.threads.tg ?? inputs.cpuThreads ?? 1;
  const recurrentCpuSeconds =
    recurrentCpuBlocks > 0 ? cpuGatedDeltaNetSeconds(recurrentCpuBlocks, layers.gatedDeltaNetStateElements ?? 0, cpuThreads) : 0;
  const recurrentCpuWords =
    recurrentCpuSeconds > 0
      ? ` (${Math.round(recurrentCpuBlocks)} gated-delta-net blocks on the CPU, ${((recurrentCpuSeconds / recurrentCpuBlocks) * 1000).toFixed(2)} ms each on ${cpuThreads} thread(s) for the state they update, among them)`
      : '';
  const fixedSeconds =
    placement.gpuReadBytesPerToken > 0
      ? GPU_SECONDS_PER_TOKEN +
        deviceBlockSeconds(inputs.gpuBackend ?? 'gpu', {
          blocks: layers.gpu,
          expertProducts: placement.gpuExpertProductsPerToken,
          gatedDeltaNetBlocks: recurrentGpuBlocks,
        }) +
        // A block whose experts stay in RAM (--n-cpu-moe) hands its activations to the CPU and back every token (two
        // graph splits, a copy each way, a wait for the CPU's threads): nothing measurable beyond the CPU's own
        // per-layer cost. One machine (a Quadro RTX 5000, 6 threads) ran Qwen3-30B-A3B at three --n-cpu-moe counts with
        // its RAM at DDR5-4000 and at 4800: each extra block's time moved with the memory clock alone (1.23x for 1.20x;
        // a fixed cost would have moved it less), and the 0.1 ms per block assumed before needed a RAM read faster than
        // DDR5-4000 allows to reproduce its runs (bench/results/moe-experts-in-ram-2026-12-04.md). A 48-thread server
        // is reported paying more (ik_llama.cpp discussion 357: its split ran slower than CPU-only).
        (layers.total - layers.gpu + expertBlocks) * CPU_SECONDS_PER_LAYER +
        recurrentCpuSeconds
      : CPU_SECONDS_PER_TOKEN + layers.total * CPU_SECONDS_PER_LAYER + recurrentCpuSeconds;
  const calibration = inputs.calibration ?? null;
  const calibratedCpu = calibration && placement.gpuReadBytesPerToken === 0 ? calibratedCpuSeconds(placement, calibration) : null;
  if (calibration && calibratedCpu !== null) {
    const seconds =
      calibration.tgSecondsPerToken + calibration.tgSecondsPerLayer * layers.total + calibratedCpu.seconds + recurrentCpuSeconds;
    const bound =
      calibratedCpu.memorySeconds > calibratedCpu.computeSeconds
        ? `bound by RAM: ${(placement.cpuReadBytesPerToken / GB).toFixed(2)} GB per token, more than ${cacheLabel(calibration.lastLevelCacheBytes)}, at the measured ${(calibration.tgMemoryBytesPerSec / GB).toFixed(1)} GB/s`
        : `bound by compute: ${(placement.cpuReadBytesPerToken / GB).toFixed(2)} GB per token at this machine's measured speed of each tensor type, ${(calibratedCpu.rowSeconds * 1000).toFixed(2)} ms of it for ${Math.round(placement.cpuRowsPerToken)} matrix rows`;
    return {
      tokPerSec: 1 / seconds,
      source: {
        kind: 'estimated',
        by: 'speed.calibrated',
        detail: `Calibrated by the probe of ${calibration.measuredAt.slice(0, 16).replace('T', ' ')} (${calibration.source.detail ?? calibration.source.by}): ${bound}; plus the probe's fixed costs (${(calibration.tgSecondsPerToken * 1000).toFixed(2)} ms per token, ${(calibration.tgSecondsPerLayer * 1e6).toFixed(1)} µs per layer), ${calibration.threads.tg} thread(s)${recurrentCpuSeconds > 0 ? `, and ${(recurrentCpuSeconds * 1000).toFixed(1)} ms for the recurrent state of ${Math.round(recurrentCpuBlocks)} gated-delta-net blocks` : ''}.`,
      },
    };
  }
  const cpuExpertBytes = sumOf(placement.cpuLayerExpertReadBytesByType);
  // The CPU's part of a split (layers or experts kept in RAM) is the same kernels the probe timed on this machine: where
  // a calibration is at hand its rates time that part too, as they time a row all on the CPU. Only the GPU's part, and
  // the fixed costs of the split, stay uncalibrated.
  const splitCpu = calibration && placement.cpuReadBytesPerToken > 0 ? calibratedCpuSeconds(placement, calibration) : null;
  let seconds =
    fixedSeconds +
    (splitCpu
      ? splitCpu.seconds
      : (placement.cpuReadBytesPerToken + sumOf(expertExtraBytesByType(placement))) / (cpuBw * CPU_BANDWIDTH_EFFICIENCY));
  const parts: string[] = [];
  const cardsUsed = placement.gpuReadBytesPerTokenByDevice.filter((b) => b > 0).length;
  if (cardsUsed > 1) {
    // Layer split: a token runs through the cards one after another, each reading its own share.
    placement.gpuReadBytesPerTokenByDevice.forEach((bytes, d) => {
      if (bytes <= 0) return;
      const known = inputs.gpuBandwidthsBytesPerSec?.[d] ?? gpuBw;
      const bw = known ?? cpuBw;
      seconds += bytes / (bw * gpuEff);
      parts.push(
        `${(bytes / GB).toFixed(2)} GB on GPU ${d} at ${(bw / GB).toFixed(0)} GB/s x ${gpuEff}${effWhy}${known == null ? ' (GPU bandwidth unknown: CPU figure used)' : ''}`,
      );
    });
    seconds += (cardsUsed - 1) * GPU_SPLIT_SYNC_SECONDS;
    if (placement.cpuReadBytesPerToken > 0) seconds += SPLIT_SYNC_SECONDS;
  } else if (placement.gpuReadBytesPerToken > 0) {
    const bw = gpuBw ?? cpuBw;
    seconds += placement.gpuReadBytesPerToken / (bw * gpuEff);
    parts.push(
      `${(placement.gpuReadBytesPerToken / GB).toFixed(2)} GB on the GPU at ${(bw / GB).toFixed(0)} GB/s x ${gpuEff}${effWhy}${gpuBw === null ? ' (GPU bandwidth unknown: CPU figure used)' : ''}`,
    );
    if (placement.cpuReadBytesPerToken > 0) seconds += SPLIT_SYNC_SECONDS;
  }
  if (placement.cpuReadBytesPerToken > 0) {
    const scattered =
      cpuExpertBytes > 0
        ? `, ${(cpuExpertBytes / GB).toFixed(2)} GB of it routed experts read at ${CPU_EXPERT_READ_EFFICIENCY} of the dense rate`
        : '';
    const experts =
      expertBlocks > 0
        ? ` (${(placement.expertsInRamReadBytesPerToken / GB).toFixed(2)} GB of it the active experts of ${expertBlocks} blocks kept in RAM, each block's round trip to the CPU counted as a CPU layer)`
        : '';
    parts.push(
      splitCpu && calibration
        ? `${(placement.cpuReadBytesPerToken / GB).toFixed(2)} GB on the CPU${experts}${scattered}, timed at this machine's calibrated rates (${(splitCpu.seconds * 1000).toFixed(2)} ms: ${splitCpu.memorySeconds > splitCpu.computeSeconds ? `RAM at the measured ${(calibration.tgMemoryBytesPerSec / GB).toFixed(1)} GB/s` : "each tensor type's measured speed"}, ${calibration.threads.tg} thread(s))`
        : `${(placement.cpuReadBytesPerToken / GB).toFixed(2)} GB on the CPU${experts}${scattered} at ${(cpuBw / GB).toFixed(1)} GB/s x ${CPU_BANDWIDTH_EFFICIENCY}${inputs.cpuBandwidthBytesPerSec === null ? ' (RAM bandwidth assumed)' : ` (${inputs.cpuBandwidthSource?.kind ?? 'measured'} by ${inputs.cpuBandwidthSource?.by ?? 'probe'})`}`,
    );
  }
  const mxfp4Share = inputs.gpuVendor ? MXFP4_SHARE_BY_VENDOR[inputs.gpuVendor] : undefined;
  if (mxfp4Share !== undefined && placement.gpuMxfp4ReadBytesPerToken > 0) {
    const bw = gpuBw ?? cpuBw;
    seconds += (placement.gpuMxfp4ReadBytesPerToken * mxfp4ExtraReadFactor(inputs.gpuVendor)) / (bw * gpuEff);
    parts.push(
      `${(placement.gpuMxfp4ReadBytesPerToken / GB).toFixed(2)} GB of it MXFP4, which ${inputs.gpuVendor === 'intel' ? "Intel's" : 'these'} GPU kernels read at ${mxfp4Share} of that rate`,
    );
  }
  const calibratedWords = splitCpu
    ? ` The CPU's part calibrated by the probe of ${calibration?.measuredAt.slice(0, 16).replace('T', ' ')}; the GPU's is not (no probe times a GPU yet).`
    : ' Not calibrated by a probe yet.';
  const tokPerSec = seconds > 0 ? 1 / seconds : 0;
  return {
    tokPerSec,
    source: {
      kind: 'estimated',
      by: 'speed.memory-bound',
      detail: `Generation at short context (like llama-bench tg128) is bound by memory reads per token: ${parts.join(' + ')}, plus ${(fixedSeconds * 1000).toFixed(2)} ms per token of kernel launches and sampling${placement.gpuExpertProductsPerToken > 0 ? ` (${placement.gpuExpertProductsPerToken} routed-expert products on the GPU at ${expertProductSeconds * 1e6} µs each among them${inputs.gpuBackend === 'cuda' ? ', as on CUDA' : inputs.gpuBackend === 'metal' ? ', as on Metal' : ''})` : ''}${recurrentGpuBlocks > 0 ? ` (${Math.round(recurrentGpuBlocks)} gated-delta-net blocks on the GPU at ${GPU_SECONDS_PER_GATED_DELTA_NET_BLOCK * 1e6} µs each among them)` : ''}${recurrentCpuWords}.${calibratedWords}`,
    },
  };
}
