// Where llama.cpp puts each buffer for `-ngl k`: weights, KV cache and compute per device.
// llama.cpp counts the output layer as one of the k layers and offloads it first
// (llama-model.cpp: i_gpu_start = max(n_layer + 1 - n_gpu_layers, 0); dev_output is the device of
// layer n_layer), so -ngl k puts the output layer plus the last k - 1 repeating blocks on the GPU,
// and N = blocks + 1 is full offload. The input embedding always stays on the CPU.
import type { DeviceMemory } from '../shared/schema';
import { MiB } from '../shared/units';
import type { ComputeBackend, MemoryModel } from './estimate';

/** Fixed memory a backend takes before any model buffer: driver context, kernels, library workspaces. */
const BACKEND_OVERHEAD_BYTES: Record<ComputeBackend, number> = {
  cuda: 320 * MiB,
  rocm: 320 * MiB,
  vulkan: 160 * MiB,
  metal: 64 * MiB,
  cpu: 0,
};
/** The process itself (runtime, llama.cpp, tokenizer, mmap bookkeeping) on the host side. */
const HOST_OVERHEAD_BYTES = 150 * MiB;

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
  gpu: DeviceMemory;
  cpu: DeviceMemory;
  /** Weight bytes read per generated token on each side. */
  gpuReadBytesPerToken: number;
  cpuReadBytesPerToken: number;
  /** The CPU side's matrix bytes read per token, by ggml type (for per-type calibration). */
  cpuReadBytesByType: Record<string, number>;
  /** The same for the repeating blocks only: a prompt computes the output layer for its last token only. */
  cpuLayerReadBytesByType: Record<string, number>;
  /** Matrix rows the CPU computes per generated token. */
  cpuRowsPerToken: number;
  /** The same by ggml type, and for the repeating blocks only (a prompt's output layer runs for one token). */
  cpuRowsByType: Record<string, number>;
  cpuLayerRowsByType: Record<string, number>;
}

export interface PlacementOptions {
  /** Matrix types the CPU repacks (see repackTypesFor); empty for none. */
  repackTypes: ReadonlySet<string>;
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
  const outputOnGpu = k >= 1;
  const firstGpuLayer = n - Math.max(0, k - 1);
  let gpuWeights = 0;
  let cpuWeights = weights.tokenEmbdBytes;
  let gpuKv = 0;
  let cpuKv = 0;
  let cpuRepack = 0;
  let gpuRead = 0;
  let cpuRead = 0;
  const cpuReadByType: Record<string, number> = {};
  const cpuLayerByType: Record<string, number> = {};
  let cpuRows = 0;
  const cpuRowsByType: Record<string, number> = {};
  const cpuLayerRowsByType: Record<string, number> = {};
  const addTo = (target: Record<string, number>, byType: Record<string, number>, scale = 1): void => {
    for (const [type, value] of Object.entries(byType)) target[type] = (target[type] ?? 0) + value * scale;
  };
  for (let i = 0; i < n; i++) {
    const w = weights.layerWeightBytes[i] ?? 0;
    const kv = kvPerLayerBytes[i] ?? 0;
    const read = weights.layerActiveBytes[i] ?? 0;
    if (i >= firstGpuLayer) {
      gpuWeights += w;
      gpuKv += kv;
      gpuRead += read;
    } else {
      cpuWeights += w;
      cpuKv += kv;
      cpuRead += read;
      cpuRepack += sumTypes(weights.layerMatrixBytesByType[i] ?? {}, options.repackTypes);
      cpuRows += weights.layerActiveRows[i] ?? 0;
      addTo(cpuRowsByType, weights.layerActiveRowsByType[i] ?? {});
      addTo(cpuLayerRowsByType, weights.layerActiveRowsByType[i] ?? {});
      addTo(cpuReadByType, weights.layerMatrixBytesByType[i] ?? {}, w > 0 ? read / w : 1);
      addTo(cpuLayerByType, weights.layerMatrixBytesByType[i] ?? {}, w > 0 ? read / w : 1);
    }
  }
  // The output layer: offloaded first. A tied model's output reads the embedding table, which
  // llama.cpp duplicates into the GPU's buffer (the input copy stays on the CPU).
  const outputRead = weights.outputBytes + weights.tiedOutputBytes;
  if (outputOnGpu) {
    gpuWeights += weights.outputBytes + weights.tiedOutputBytes;
    gpuRead += outputRead;
  } else {
    cpuWeights += weights.outputBytes;
    cpuRead += outputRead;
    cpuRepack += sumTypes(weights.outputMatrixBytesByType, options.repackTypes);
    addTo(cpuReadByType, weights.outputMatrixBytesByType);
    addTo(cpuReadByType, weights.tiedOutputBytesByType);
    cpuRows += weights.outputRows;
    addTo(cpuRowsByType, weights.outputRowsByType);
  }

  const cpuBlocks = firstGpuLayer;
  const gpuBlocks = n - firstGpuLayer;
  // Fitted to llama.cpp's own figures (llama-fit-params with an rpc-server as the GPU:
  // bench/fit-params-compare.ts). The device running the output layer holds the logits of a
  // micro-batch, and a GPU never holds the input embeddings; the CPU keeps the fitted whole graph
  // when it runs the output, its blocks otherwise, and only staging when it runs no layer at all.
  const blockPhase = compute.layerPhaseBytes;
  const wholeGraph = Math.max(compute.outputPhaseBytes, blockPhase);
  const gpuCompute = !outputOnGpu ? 0 : (gpuBlocks > 0 ? wholeGraph : compute.outputPhaseBytes) - compute.inputActivationBytes;
  const cpuCompute = !outputOnGpu
    ? wholeGraph + compute.kvQuantBytes
    : cpuBlocks > 0
      ? blockPhase - compute.kvQuantBytes
      : compute.hostStagingBytes;
  const gpuOverhead = outputOnGpu ? BACKEND_OVERHEAD_BYTES[backend] : 0;
  const gpu = device(gpuWeights, 0, gpuKv, gpuCompute, 0, gpuOverhead);
  const cpu = device(cpuWeights, cpuRepack, cpuKv, cpuCompute, compute.outputBufferBytes, HOST_OVERHEAD_BYTES);
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
    gpuReadBytesPerToken: gpuRead,
    cpuReadBytesPerToken: cpuRead,
    cpuReadBytesByType: cpuReadByType,
    cpuLayerReadBytesByType: cpuLayerByType,
    cpuRowsPerToken: cpuRows,
    cpuRowsByType,
    cpuLayerRowsByType,
  };
}
