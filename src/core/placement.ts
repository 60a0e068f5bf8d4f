// Where llama.cpp puts each buffer for `-ngl k`: weights, KV cache and compute per device.
// llama.cpp counts the output layer as one of the k layers and offloads it first
// (llama-model.cpp: i_gpu_start = max(n_layer + 1 - n_gpu_layers, 0); dev_output is the device of
// layer n_layer), so -ngl k puts the output layer plus the last k - 1 repeating blocks on the GPU,
// and N = blocks + 1 is full offload. The input embedding always stays on the CPU.
import type { DeviceMemory } from '../shared/schema';
import { MiB } from '../shared/units';
import type { ComputeBackend, MemoryModel } from './estimate';
import type { ModelShape } from './tensors';

/** Fixed memory a backend takes before any model buffer: driver context, kernels, library workspaces. */
const BACKEND_OVERHEAD_BYTES: Record<ComputeBackend, number> = {
  cuda: 320 * MiB,
  rocm: 320 * MiB,
  vulkan: 160 * MiB,
  metal: 64 * MiB,
  cpu: 0,
};

/**
 * The CUDA context grows with the threads the card can keep resident: each SM's share of them (the driver reserves
 * local memory for every resident thread) times its SMs. llama.cpp PR #23604 measured 555 MiB on an RTX PRO 6000 (188
 * SMs) and 107 on an RTX 4060 Ti (34). Fitted (least squares) on what llama.cpp's own memory breakdown leaves
 * unaccounted (total - free) before a model loads, on 12 Linux cards from a GTX 1080 to an H100
 * (test/fixtures/llama/cuda-context.json): 32 MiB + 1.85 KiB per resident thread, which is 2.77 MiB per SM of 1,536
 * threads (Ampere's GA10x, Ada, Blackwell's GeForce and RTX PRO), 3.7 per SM of 2,048 (Pascal, Volta, the A100,
 * Hopper, B200) and 1.85 per SM of 1,024 (Turing). A per-SM line alone read the V100 and H100 20-30% under and the T4
 * 27% over; this one has every card within 18% (the RTX 4060 Ti, 107 read 127) and 10 of 12 within 7%.
 */
const CUDA_CONTEXT_BASE_BYTES = 32 * MiB;
const CUDA_CONTEXT_BYTES_PER_RESIDENT_THREAD = 1894;
/**
 * What the process adds on the card once it runs: cuBLAS's handle and workspace, the kernels it loads, the pool of
 * temporary buffers. Breakdowns printed at exit on headless machines leave about 60 MiB more than the context line on
 * an RTX 4090, 140 on an RTX PRO 6000 Max-Q (against its own pre-load figure), and on the H200 this project measured
 * 580-730 MiB in all against a context line of 520: 100 MiB, between the first two.
 */
const CUDA_RUNTIME_EXTRA_BYTES = 100 * MiB;

/**
 * The most threads one SM keeps resident, by the architecture names of resources/hardware/gpus.json (NVIDIA's CUDA
 * programming guide, compute capabilities 6.x to 12.0). The unified-memory Jetsons and GB10 are left out: their
 * context lives in RAM and keeps the flat figure (src/core/budget.ts).
 */
export const MAX_THREADS_PER_SM_BY_ARCHITECTURE: Readonly<Record<string, number>> = {
  pascal: 2048,
  volta: 2048,
  turing: 1024,
  'turing-gtx16': 1024,
  ampere: 1536,
  'ampere-ga100': 2048,
  ada: 1536,
  hopper: 2048,
  blackwell: 1536,
  'blackwell-dc': 2048,
};

/** A card's SMs and the threads each keeps resident (Gpu.multiprocessors). */
export interface Multiprocessors {
  count: number;
  threadsPerSm: number;
}

/** The memory a GPU's backend takes before any model buffer: for CUDA by the card's resident threads where known. */
export function backendOverheadBytes(backend: ComputeBackend, sms?: Multiprocessors | null): number {
  if (backend === 'cuda' && sms && sms.count > 0 && sms.threadsPerSm > 0)
    return Math.round(
      CUDA_CONTEXT_BASE_BYTES + CUDA_CONTEXT_BYTES_PER_RESIDENT_THREAD * sms.count * sms.threadsPerSm + CUDA_RUNTIME_EXTRA_BYTES,
    );
  return BACKEND_OVERHEAD_BYTES[backend];
}

/** Float matrix types, whose GPU kernels read nearer the bandwidth than quantized ones (speed.ts). */
const FLOAT_TYPES: ReadonlySet<string> = new Set(['F16', 'BF16']);
const MXFP4_TYPES: ReadonlySet<string> = new Set(['MXFP4']);
/** The process itself (runtime, llama.cpp, tokenizer, mmap bookkeeping) on the host side. */
const HOST_OVERHEAD_BYTES = 150 * MiB;

/**
 * The MXFP4 bytes block `i` reads per token (gpt-oss's experts: some GPUs read them slower, speed.ts): its routed
 * experts' at their active share, any other MXFP4 matrix whole. A single machine's placement and a pool plan count them
 * alike.
 */
export function layerMxfp4ReadBytes(weights: MemoryModel['weights'], i: number): number {
  const expertBytes = weights.layerExpertBytes[i] ?? 0;
  const expertMxfp4 = sumTypes(weights.layerExpertMatrixBytesByType[i] ?? {}, MXFP4_TYPES);
  const active = expertBytes > 0 ? (expertMxfp4 * (weights.layerExpertActiveBytes[i] ?? 0)) / expertBytes : 0;
  return sumTypes(weights.layerMatrixBytesByType[i] ?? {}, MXFP4_TYPES) - expertMxfp4 + active;
}

/** The blocks of a gated-delta-net hybrid (Qwen3-Next, Qwen3.5/3.6) that run the recurrent mixer: the rest attend (or hold only an MLP). */
export function gatedDeltaNetBlocks(shape: Pick<ModelShape, 'layers' | 'recurrent'>): Set<number> {
  const rec = shape.recurrent;
  if (rec?.kind !== 'gated-delta-net') return new Set();
  const other = new Set([...rec.attentionLayers, ...(rec.mlpLayers ?? [])]);
  const blocks = new Set<number>();
  for (let i = 0; i < shape.layers; i++) if (!other.has(i)) blocks.add(i);
  return blocks;
}

/**
 * The recurrent state one gated-delta-net block updates every token, in elements: a state_size x state_size matrix per
 * value head (ggml's GATED_DELTA_NET: S_v x S_v per head); 0 for other models.
 */
export function gatedDeltaNetStateElementsOf(shape: Pick<ModelShape, 'recurrent'>): number {
  const rec = shape.recurrent;
  return rec?.kind === 'gated-delta-net' ? rec.heads * rec.stateSize * rec.stateSize : 0;
}

/** Layers as `-ngl` counts them: the repeating blocks plus the output layer. */
export function offloadableLayers(model: MemoryModel): number {
  return model.weights.layerWeightBytes.length + 1;
}

function sumTypes(byType: Record<string, number>, types: ReadonlySet<string>): number {
  let total = 0;
  for (const [type, bytes] of Object.entries(byType)) if (types.has(type)) total += bytes;
  return total;
}
export interface Placement {
  weightsBytes: number;
  kvBytes: number;
  /** Compute buffers plus the output (logits) buffer. */
  computeBytes: number;
  overheadBytes: number;
  /** Steady-state need: weights + KV + compute + overhead (the repacked copy replaces mapped pages the OS can drop). */
  totalBytes: number;
  gpuBytes: number;
  cpuBytes: number;
  /** RAM peak while loading: the host part plus the repacked copy made of matrices left on the CPU. */
  peakLoadBytes: number;
  /** All GPUs together (for one GPU, that GPU). */
  gpu: DeviceMemory;
  cpu: DeviceMemory;
  /** Each GPU on its own, in device order: every one must fit its own VRAM. */
  gpus: DeviceMemory[];
  /** Weight bytes read per generated token on each side. */
  gpuReadBytesPerToken: number;
  /** The same for each GPU: a token crosses the cards in turn. */
  gpuReadBytesPerTokenByDevice: number[];
  /** Of gpuReadBytesPerToken, the bytes of F16 and BF16 matrices (their kernels read nearer the bandwidth). */
  gpuFloatReadBytesPerToken: number;
  /** Of gpuReadBytesPerToken, the bytes of MXFP4 matrices (gpt-oss's experts: a GPU may read them slower, speed.ts). */
  gpuMxfp4ReadBytesPerToken: number;
  cpuReadBytesPerToken: number;
  /** The CPU side's matrix bytes read per token, by ggml type (for per-type calibration). */
  cpuReadBytesByType: Record<string, number>;
  /** The same for the repeating blocks only: a prompt computes the output layer for its last token only. */
  cpuLayerReadBytesByType: Record<string, number>;
  /** Of those, the routed experts' active bytes (a prompt runs them through mul_mat_id, slower than a dense matrix). */
  cpuLayerExpertReadBytesByType: Record<string, number>;
  /** --n-cpu-moe as applied: the blocks (from the first) whose routed experts stay in RAM. */
  cpuMoeLayers: number;
  /** Of those, the blocks that otherwise run on a GPU: each costs a GPU-to-CPU round trip per token. */
  expertsInRamGpuBlocks: number;
  /** Active expert bytes of those blocks read from RAM per token (part of cpuReadBytesPerToken). */
  expertsInRamReadBytesPerToken: number;
  /** Routed-expert products a generated token runs on the GPUs: active experts x MoE blocks whose experts are there. */
  gpuExpertProductsPerToken: number;
  /**
   * Weights left in RAM that a prompt's matrix products read: blocks not offloaded, experts kept in RAM, and the
   * output layer when it is on the CPU (the token embedding is a row lookup, not a product). Beside a GPU, llama.cpp
   * offloads a product of 32 or more tokens to the GPU weights and all (offload_op), so each micro-batch of a prompt
   * copies these bytes over the bus once.
   */
  promptUploadBytes: number;
  /** Matrix rows the CPU computes per generated token. */
  cpuRowsPerToken: number;
  /** The same by ggml type, and for the repeating blocks only (a prompt's output layer runs for one token). */
  cpuRowsByType: Record<string, number>;
  cpuLayerRowsByType: Record<string, number>;
}

export interface PlacementOptions {
  /** Matrix types the CPU repacks (see repackTypesFor); empty for none. */
  repackTypes: ReadonlySet<string>;
  /**
   * How the offloaded layers are shared between GPUs (llama.cpp's -ts, or by default each device's free
   * memory), one proportion per GPU. Absent: one GPU.
   */
  splitProportions?: readonly number[];
  /** Each GPU's backend overhead, in device order (backendOverheadBytes); absent or missing: the backend's flat figure. */
  gpuOverheadBytes?: readonly number[];
  /**
   * llama.cpp's --n-cpu-moe N: the routed-expert tensors (ffn_*_exps, weights and biases) of blocks
   * 0..N-1 stay in a CPU buffer, whatever -ngl says (common/arg.cpp adds one `blk\.i\.ffn_..._exps` = CPU
   * override per block, common/common.h llm_add_n_cpu_ffn_overrides). A block already on the CPU is
   * unchanged; a larger N than there are blocks is all of them. The CPU may repack them like any of its
   * matrices (llama-model-loader.cpp picks the CPU's extra buffer types for a CPU override).
   */
  cpuMoeLayers?: number;
  /**
   * Whether the GPU backend computes a prompt's products whose weights are in RAM (ggml's offload_op, for 32 tokens
   * or more): CUDA, ROCm, Vulkan and Metal do, an RPC device does not. Absent: by the backend.
   */
  opOffload?: boolean;
}

/** The backends with an offload_op (ggml-cuda.cu, which HIP builds too, ggml-vulkan.cpp, and ggml-metal.cpp for products). */
const OFFLOADS_PRODUCTS: ReadonlySet<ComputeBackend> = new Set(['cuda', 'rocm', 'vulkan', 'metal']);

/**
 * The device of each layer (index = block, index `blocks` = the output layer) as llama-model.cpp
 * assigns them in layer split mode: cumulative proportions normalized to split points, and layer il
 * (counted from i_gpu_start) goes to the first device whose split point exceeds
 * (il - i_gpu_start) / act_gpu_layers (std::upper_bound, in float). -1 = the CPU. The output layer,
 * last in order, lands on the last device that has a share.
 */
export function layerDevices(blocks: number, gpuLayers: number, proportions: readonly number[] = [1]): number[] {
  const k = Math.max(0, Math.min(gpuLayers, blocks + 1));
  const firstGpu = blocks + 1 - k;
  const splitPoints: number[] = [];
  let sum = 0;
  for (const share of proportions) {
    sum = Math.fround(sum + Math.fround(Math.max(0, share)));
    splitPoints.push(sum);
  }
  const points = splitPoints.map((x) => Math.fround(x / (sum > 0 ? sum : 1)));
  const devices: number[] = [];
  for (let il = 0; il <= blocks; il++) {
    if (il < firstGpu) {
      devices.push(-1);
      continue;
    }
    const position = Math.fround((il - firstGpu) / k);
    const index = points.findIndex((point) => point > position);
    devices.push(index === -1 ? points.length - 1 : index);
  }
  return devices;
}

const device = (
  weightsBytes: number,
  repackBytes: number,
  kvBytes: number,
  computeBytes: number,
  outputBytes: number,
  overheadBytes: number,
): DeviceMemory => ({
  weightsBytes,
  repackBytes,
  kvBytes,
  computeBytes,
  outputBytes,
  overheadBytes,
  totalBytes: weightsBytes + kvBytes + computeBytes + outputBytes + overheadBytes,
});

/**
 * Memory by device for `-ngl gpuLayers` as llama.cpp reads it: 0 = CPU only; k >= 1 = the output layer
 * (output matrix, or a copy of the tied embedding table, and the final norm) plus the last k - 1 blocks
 * on the GPU; k >= blocks + 1 = everything. Backend 'cpu' means CPU only.
 */
export function placeModel(model: MemoryModel, gpuLayers: number, backend: ComputeBackend, options: PlacementOptions): Placement {
  const { weights, kvPerLayerBytes, compute } = model;
  const n = weights.layerWeightBytes.length;
  const k = backend === 'cpu' ? 0 : Math.max(0, Math.min(gpuLayers, n + 1));
  const proportions = options.splitProportions && options.splitProportions.length > 0 ? options.splitProportions : [1];
  const deviceOf = layerDevices(n, k, proportions);
  const gpuCount = proportions.length;
  const outputDevice = deviceOf[n] ?? -1;
  const outputOnGpu = outputDevice >= 0;
  const zeros = (): number[] => new Array<number>(gpuCount).fill(0);
  const gpuWeights = zeros();
  const gpuKv = zeros();
  const gpuRead = zeros();
  const gpuBlocks = zeros();
  /** GPU blocks that run their FFN there: dense blocks, and MoE blocks whose experts are not in RAM. */
  const gpuFfnBlocks = zeros();
  const cpuMoe = Math.max(0, Math.min(Math.floor(options.cpuMoeLayers ?? 0), n));
  let expertsInRamGpuBlocks = 0;
  let expertsInRamRead = 0;
  let gpuExpertProducts = 0;
  let cpuWeights = weights.tokenEmbdBytes;
  let cpuKv = 0;
  let cpuRepack = 0;
  let cpuRead = 0;
  const cpuReadByType: Record<string, number> = {};
  const cpuLayerByType: Record<string, number> = {};
  const cpuLayerExpertByType: Record<string, number> = {};
  let cpuRows = 0;
  const cpuRowsByType: Record<string, number> = {};
  const cpuLayerRowsByType: Record<string, number> = {};
  const addTo = (target: Record<string, number>, byType: Record<string, number>, scale = 1): void => {
    for (const [type, value] of Object.entries(byType)) target[type] = (target[type] ?? 0) + value * scale;
  };
  const bump = (values: number[], index: number, by: number): void => {
    values[index] = (values[index] ?? 0) + by;
  };
  let cpuBlocks = 0;
  let gpuFloatRead = 0;
  let gpuMxfp4Read = 0;
  /** The largest matrix a prompt's products read from RAM in a block: what an offloading GPU copies at one time. */
  let largestInRam = 0;
  for (let i = 0; i < n; i++) {
    const w = weights.layerWeightBytes[i] ?? 0;
    const kv = kvPerLayerBytes[i] ?? 0;
    const read = weights.layerActiveBytes[i] ?? 0;
    const d = deviceOf[i] ?? -1;
    const expertBytes = weights.layerExpertBytes[i] ?? 0;
    if (d >= 0 && i < cpuMoe && expertBytes > 0) {
      // --n-cpu-moe: the block runs on the GPU, its routed experts on the CPU from RAM.
      const expertRead = weights.layerExpertActiveBytes[i] ?? 0;
      const expertMatrices = weights.layerExpertMatrixBytesByType[i] ?? {};
      const expertRows = weights.layerExpertActiveRowsByType[i] ?? {};
      bump(gpuWeights, d, w - expertBytes);
      bump(gpuKv, d, kv);
      bump(gpuRead, d, read - expertRead);
      gpuFloatRead += sumTypes(weights.layerMatrixBytesByType[i] ?? {}, FLOAT_TYPES) - sumTypes(expertMatrices, FLOAT_TYPES);
      bump(gpuBlocks, d, 1);
      largestInRam = Math.max(largestInRam, weights.layerLargestExpertMatrixBytes[i] ?? 0);
      expertsInRamGpuBlocks++;
      expertsInRamRead += expertRead;
      cpuWeights += expertBytes;
      cpuRead += expertRead;
      cpuRepack += sumTypes(expertMatrices, options.repackTypes);
      cpuRows += weights.layerExpertActiveRows[i] ?? 0;
      addTo(cpuRowsByType, expertRows);
      addTo(cpuLayerRowsByType, expertRows);
      const readShare = expertBytes > 0 ? expertRead / expertBytes : 1;
      addTo(cpuReadByType, expertMatrices, readShare);
      addTo(cpuLayerByType, expertMatrices, readShare);
      addTo(cpuLayerExpertByType, expertMatrices, readShare);
    } else if (d >= 0) {
      gpuExpertProducts += weights.layerExpertsActive[i] ?? 0;
      gpuFloatRead += sumTypes(weights.layerMatrixBytesByType[i] ?? {}, FLOAT_TYPES) * (w > 0 ? read / w : 1);
      gpuMxfp4Read += layerMxfp4ReadBytes(weights, i);
      bump(gpuWeights, d, w);
      bump(gpuKv, d, kv);
      bump(gpuRead, d, read);
      bump(gpuBlocks, d, 1);
      bump(gpuFfnBlocks, d, 1);
    } else {
      cpuBlocks++;
      largestInRam = Math.max(largestInRam, weights.layerLargestMatrixBytes[i] ?? 0);
      cpuWeights += w;
      cpuKv += kv;
      cpuRead += read;
      cpuRepack += sumTypes(weights.layerMatrixBytesByType[i] ?? {}, options.repackTypes);
      cpuRows += weights.layerActiveRows[i] ?? 0;
      addTo(cpuRowsByType, weights.layerActiveRowsByType[i] ?? {});
      addTo(cpuLayerRowsByType, weights.layerActiveRowsByType[i] ?? {});
      addTo(cpuReadByType, weights.layerMatrixBytesByType[i] ?? {}, w > 0 ? read / w : 1);
      addTo(cpuLayerByType, weights.layerMatrixBytesByType[i] ?? {}, w > 0 ? read / w : 1);
      if (expertBytes > 0)
        addTo(cpuLayerExpertByType, weights.layerExpertMatrixBytesByType[i] ?? {}, (weights.layerExpertActiveBytes[i] ?? 0) / expertBytes);
    }
  }
  // The output layer: offloaded first. A tied model's output reads the embedding table, which
  // llama.cpp duplicates into the GPU's buffer (the input copy stays on the CPU).
  const outputRead = weights.outputBytes + weights.tiedOutputBytes;
  if (outputOnGpu) {
    bump(gpuWeights, outputDevice, weights.outputBytes + weights.tiedOutputBytes);
    bump(gpuRead, outputDevice, outputRead);
    gpuFloatRead += sumTypes(weights.outputMatrixBytesByType, FLOAT_TYPES) + sumTypes(weights.tiedOutputBytesByType, FLOAT_TYPES);
  } else {
    cpuWeights += weights.outputBytes;
    cpuRead += outputRead;
    cpuRepack += sumTypes(weights.outputMatrixBytesByType, options.repackTypes);
    addTo(cpuReadByType, weights.outputMatrixBytesByType);
    addTo(cpuReadByType, weights.tiedOutputBytesByType);
    cpuRows += weights.outputRows;
    addTo(cpuRowsByType, weights.outputRowsByType);
  }

  // Fitted to llama.cpp's own figures (llama-fit-params with an rpc-server as the GPU:
  // bench/fit-params-compare.ts). The device running the output layer holds the logits of a
  // micro-batch, and a GPU never holds the input embeddings; the CPU keeps the fitted whole graph
  // when it runs the output, its blocks otherwise, and only staging when it runs no layer at all.
  // A GPU that runs blocks but not the output needs the block phase only.
  // With --n-cpu-moe a GPU whose blocks all leave their experts in RAM needs attention's phase only,
  // and a CPU that runs no whole block still computes those experts.
  const blockPhase = compute.layerPhaseBytes;
  const wholeGraph = Math.max(compute.outputPhaseBytes, blockPhase);
  const gpuBlockPhase = (d: number): number => ((gpuFfnBlocks[d] ?? 0) > 0 ? blockPhase : compute.layerPhaseWithoutExpertsBytes);
  const gpuComputeOf = (d: number): number => {
    if (d === outputDevice)
      return (
        ((gpuBlocks[d] ?? 0) > 0 ? Math.max(compute.outputPhaseBytes, gpuBlockPhase(d)) : compute.outputPhaseBytes) -
        compute.inputActivationBytes
      );
    return (gpuBlocks[d] ?? 0) > 0 ? gpuBlockPhase(d) : 0;
  };
  const cpuCompute = !outputOnGpu
    ? wholeGraph + compute.kvQuantBytes
    : cpuBlocks > 0
      ? blockPhase - compute.kvQuantBytes
      : expertsInRamGpuBlocks > 0
        ? Math.max(compute.hostStagingBytes, compute.expertHostPhaseBytes)
        : compute.hostStagingBytes;
  // Op offload: with weights in RAM, a prompt's products run on the first GPU all the same (ggml-backend.cpp gives a
  // product whose weight sits in a host buffer to the first backend whose offload_op takes it). Each starts a split of
  // its own whose weight is copied into that GPU's compute buffer and freed after it, so the buffer holds one block's
  // activations plus the largest such matrix, or, with the output layer in RAM (-ngl 0), a micro-batch's logits plus
  // the output matrix. The host then only stages inputs. Checked against llama.cpp's own lines on a Vulkan device
  // (test/fixtures/llama/vulkan-op-offload.json).
  const outputMatrixBytes = Object.values(weights.outputMatrixBytesByType).reduce((a, b) => a + b, 0) + weights.tiedOutputBytes;
  const offloading =
    backend !== 'cpu' && gpuCount > 0 && (options.opOffload ?? OFFLOADS_PRODUCTS.has(backend)) && (largestInRam > 0 || !outputOnGpu);
  const offloadCompute = offloading
    ? Math.max(
        largestInRam > 0 ? blockPhase + largestInRam : 0,
        outputOnGpu ? 0 : compute.outputPhaseBytes - compute.inputActivationBytes + outputMatrixBytes,
      )
    : 0;
  // The first device llama.cpp uses (with --split-mode none, the main GPU alone).
  const offloadDevice = Math.max(
    0,
    proportions.findIndex((share) => share > 0),
  );
  // Pipeline parallelism (llama-context.cpp): over several devices with every layer offloaded, in layer split and with
  // no tensor override (--n-cpu-moe is one), the scheduler keeps GGML_SCHED_MAX_COPIES = 4 copies of each split's
  // inputs so micro-batches overlap. Each device and the host then hold 4 attention masks; each device after the first
  // 4 copies of the activations it receives, the first 2 of the input embeddings. Measured on two Vulkan devices
  // (lavapipe: test/fixtures/llama/vulkan-op-offload.json) and two rpc-servers (bench/results/fit-params-*.md).
  const pipeline = backend !== 'cpu' && proportions.filter((share) => share > 0).length > 1 && k >= n + 1 && cpuMoe === 0;
  const maskBytes = compute.hostStagingBytes - 2 * compute.inputActivationBytes;
  const pipelineCopies = (d: number): number => {
    if (!pipeline || gpuComputeOf(d) === 0) return 0;
    // The compute buffer counted so far holds one mask where a block's phase sets it, none where the logits do.
    const blockSets = d !== outputDevice || gpuBlockPhase(d) > compute.outputPhaseBytes;
    return (blockSets ? 3 : 4) * maskBytes + (d === offloadDevice ? 2 : 4) * compute.inputActivationBytes;
  };
  const gpus = gpuWeights.map((weightsBytes, d) => {
    const offloadsHere = offloading && d === offloadDevice;
    const used = d === outputDevice || (gpuBlocks[d] ?? 0) > 0 || offloadsHere;
    const computeBytes = (offloadsHere ? Math.max(gpuComputeOf(d), offloadCompute) : gpuComputeOf(d)) + pipelineCopies(d);
    return device(
      weightsBytes,
      0,
      gpuKv[d] ?? 0,
      computeBytes,
      0,
      used ? (options.gpuOverheadBytes?.[d] ?? BACKEND_OVERHEAD_BYTES[backend]) : 0,
    );
  });
  const gpu = gpus.length === 1 ? (gpus[0] as DeviceMemory) : sumDevices(gpus);
  const hostCompute = (offloading ? compute.hostStagingBytes : cpuCompute) + (pipeline ? 3 * maskBytes : 0);
  const cpu = device(cpuWeights, cpuRepack, cpuKv, hostCompute, compute.outputBufferBytes, HOST_OVERHEAD_BYTES);
  return {
    weightsBytes: gpu.weightsBytes + cpu.weightsBytes,
    kvBytes: gpu.kvBytes + cpu.kvBytes,
    computeBytes: gpu.computeBytes + cpu.computeBytes + cpu.outputBytes,
    overheadBytes: gpu.overheadBytes + cpu.overheadBytes,
    totalBytes: gpu.totalBytes + cpu.totalBytes,
    gpuBytes: gpu.totalBytes,
    cpuBytes: cpu.totalBytes,
    peakLoadBytes: cpu.totalBytes + cpuRepack,
    gpu,
    cpu,
    gpus,
    gpuReadBytesPerToken: gpuRead.reduce((a, b) => a + b, 0),
    gpuFloatReadBytesPerToken: gpuFloatRead,
    gpuMxfp4ReadBytesPerToken: gpuMxfp4Read,
    gpuReadBytesPerTokenByDevice: gpuRead,
    cpuReadBytesPerToken: cpuRead,
    cpuMoeLayers: cpuMoe,
    expertsInRamGpuBlocks,
    expertsInRamReadBytesPerToken: expertsInRamRead,
    gpuExpertProductsPerToken: gpuExpertProducts,
    cpuReadBytesByType: cpuReadByType,
    cpuLayerReadBytesByType: cpuLayerByType,
    cpuLayerExpertReadBytesByType: cpuLayerExpertByType,
    promptUploadBytes: cpuWeights - weights.tokenEmbdBytes + (outputOnGpu ? 0 : weights.tiedOutputBytes),
    cpuRowsPerToken: cpuRows,
    cpuRowsByType,
    cpuLayerRowsByType,
  };
}

function sumDevices(devices: readonly DeviceMemory[]): DeviceMemory {
  const total = (key: keyof DeviceMemory): number => devices.reduce((sum, d) => sum + d[key], 0);
  return {
    weightsBytes: total('weightsBytes'),
    repackBytes: total('repackBytes'),
    kvBytes: total('kvBytes'),
    computeBytes: total('computeBytes'),
    outputBytes: total('outputBytes'),
    overheadBytes: total('overheadBytes'),
    totalBytes: total('totalBytes'),
  };
}
