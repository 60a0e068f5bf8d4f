// A model split over several machines with llama.cpp's RPC backend: the head runs llama-server with
// --rpc, each worker an rpc-server. Layers go to the pool's devices in proportion to each device's
// usable memory (llama.cpp's default -ts, the same layer-split rule as placement.ts), and a token
// pays each device's weight reads plus, at each boundary between machines, the link's round trips and
// the activations that cross it.
import type { KvType } from '../shared/precision';
import type { GpuVendor, HardwareSnapshot } from '../shared/schema';
import { computeTarget } from './budget';
import { buildMemoryModelFromLayout } from './estimate';
import { gatedDeltaNetBlocks, gatedDeltaNetStateElementsOf, layerDevices, layerMxfp4ReadBytes } from './placement';
import type { SizableModel } from './report';
import {
  ASSUMED_CPU_BANDWIDTH_BYTES_PER_SEC,
  CPU_BANDWIDTH_EFFICIENCY,
  deviceBlockSeconds,
  mxfp4ExtraReadFactor,
  performanceCores,
  secondsPerTokenOn,
} from './speed';

export interface PoolLink {
  bytesPerSec: number;
  latencySeconds: number;
}

/**
 * Assumed link figures (not measured here): Ethernet at its line rate, Thunderbolt 4 networking at
 * about 20 Gb/s effective; one-way latency 0.2 ms for 1/2.5 GbE, 0.05 ms for 10/40 GbE and Thunderbolt.
 */
export const LINK_PRESETS = {
  '1GbE': { bytesPerSec: 125e6, latencySeconds: 0.0002 },
  '2.5GbE': { bytesPerSec: 312.5e6, latencySeconds: 0.0002 },
  '10GbE': { bytesPerSec: 1.25e9, latencySeconds: 0.00005 },
  '40GbE': { bytesPerSec: 5e9, latencySeconds: 0.00005 },
  thunderbolt: { bytesPerSec: 2.5e9, latencySeconds: 0.00005 },
} as const satisfies Record<string, PoolLink>;

/** Activations cross a hop as f32. */
const ACTIVATION_BYTES_PER_VALUE = 4;
/** llama.cpp's default batch for prompt processing. */
const PROMPT_BATCH_TOKENS = 512;
/** The rpc-server port llama.cpp uses by default. */
const RPC_PORT = 50052;

export interface PoolMachine {
  name: string;
  /** Where the workers are reached; the head's own entry is not used. */
  host: string;
  hardware: HardwareSnapshot;
}

interface PoolDevice {
  machine: number;
  cpu: boolean;
  /** llama.cpp's backend on this device: what its blocks' fixed cost per token is (deviceBlockSeconds). */
  backend: string;
  /** The GPU's vendor (undefined on a CPU): some read MXFP4 slower (speed.ts, mxfp4ExtraReadFactor). */
  vendor?: GpuVendor;
  label: string;
  usableBytes: number;
  /** The backend's context on a GPU (the CUDA context by its SMs: ComputeTarget.gpuOverheadBytes); 0 on a CPU. */
  overheadBytes: number;
  bandwidthBytesPerSec: number;
  /** Set when the bandwidth is not this device's own known figure. */
  bandwidthNote: string | null;
  /** A CPU device's threads (its machine's performance cores, llama.cpp's default): its gated-delta-net blocks' state updates. */
  cpuThreads?: number;
}

interface PoolDeviceShare {
  machine: number;
  label: string;
  layers: number;
  weightsBytes: number;
  kvBytes: number;
  computeBytes: number;
  /** The backend's context, where the device holds a layer. */
  overheadBytes: number;
  totalBytes: number;
  usableBytes: number;
  fits: boolean;
  readSecondsPerToken: number;
  /** Its blocks' fixed cost per token (kernel launches, and on a GPU routed-expert products and gated-delta-net blocks): deviceBlockSeconds. */
  blockSecondsPerToken: number;
  /** Why the read time rests on a stand-in bandwidth (unknown GPU, RAM not measured); null when it does not. */
  bandwidthNote: string | null;
}

export interface PoolPlan {
  machines: Array<{ name: string; totalBytes: number; usableBytes: number; fits: boolean }>;
  devices: PoolDeviceShare[];
  fits: boolean;
  hops: number;
  /** Per token: round trips plus activation transfer over all hops, and the logits' return. */
  hopSecondsPerToken: number;
  /** Part of hopSecondsPerToken: the logits coming back to the head when a worker runs the output layer. */
  logitsReturnSecondsPerToken: number;
  readSecondsPerToken: number;
  /** Fixed work per token: the devices' blocks (kernel launches; 150 µs a block under Metal) and the head's sampling. */
  fixedSecondsPerToken: number;
  tokPerSec: number;
  /** Seconds the link adds to each 512-token prompt batch, and the prompt speed that alone caps. */
  hopSecondsPerPromptBatch: number;
  promptTokPerSecNetworkCap: number | null;
  tensorSplit: number[];
  gpuLayers: number;
}

/** Each machine's llama.cpp devices: its usable GPUs, or its CPU and RAM when it has none. */
function devicesOf(machines: readonly PoolMachine[]): PoolDevice[] {
  return machines.flatMap((m, machine): PoolDevice[] => {
    const target = computeTarget(m.hardware);
    const cpuBw = target.cpuBandwidthBytesPerSec ?? ASSUMED_CPU_BANDWIDTH_BYTES_PER_SEC;
    if (target.backend === 'cpu' || target.gpuBudgetsBytes.length === 0) {
      return [
        {
          machine,
          cpu: true,
          backend: 'cpu',
          label: `${m.name} CPU`,
          usableBytes: target.budget.ramBytes,
          overheadBytes: 0,
          bandwidthBytesPerSec: cpuBw * CPU_BANDWIDTH_EFFICIENCY,
          cpuThreads: performanceCores(m.hardware.cpu),
          bandwidthNote:
            target.cpuBandwidthBytesPerSec === null
              ? `RAM bandwidth not measured on ${m.name}: ${(ASSUMED_CPU_BANDWIDTH_BYTES_PER_SEC / 1e9).toFixed(0)} GB/s assumed`
              : null,
        },
      ];
    }
    return target.gpuBudgetsBytes.map((usableBytes, i) => ({
      machine,
      cpu: false,
      backend: target.backend,
      vendor: target.gpus[i]?.vendor,
      label: `${m.name} ${target.gpus[i]?.name ?? `GPU ${i}`}`,
      usableBytes,
      overheadBytes: target.gpuOverheadBytes[i] ?? 0,
      // The share of its bandwidth this machine's GPU reaches, as its own report reads it (by vendor, or the GPU's own).
      bandwidthBytesPerSec: (target.gpuBandwidthsBytesPerSec[i] ?? cpuBw) * target.gpuBandwidthEfficiency,
      bandwidthNote:
        target.gpuBandwidthsBytesPerSec[i] == null
          ? `memory bandwidth of ${target.gpus[i]?.name ?? `GPU ${i}`} unknown (not in the presets): ${m.name}'s RAM figure of ${(cpuBw / 1e9).toFixed(0)} GB/s used, so its speed is a floor`
          : null,
    }));
  });
}

/** One hop's cost: llama.cpp's RPC pays a round trip per graph split, then the activations cross. */
export function hopSeconds(link: PoolLink, hiddenSize: number, tokens: number): number {
  return link.latencySeconds * 2 + (hiddenSize * tokens * ACTIVATION_BYTES_PER_VALUE) / link.bytesPerSec;
}

export function planPool(
  machines: readonly PoolMachine[],
  model: SizableModel,
  contextTokens: number,
  kvType: KvType,
  link: PoolLink,
): PoolPlan {
  const ctx = Math.min(contextTokens, model.maxContext);
  const mem = buildMemoryModelFromLayout(model.shape, model.weights, ctx, kvType);
  const blocks = mem.weights.layerWeightBytes.length;
  const all = devicesOf(machines);
  const headDevices = all.filter((d) => d.machine === 0);
  const workerDevices = all.filter((d) => d.machine !== 0);
  const headOnCpu = headDevices.length === 1 && headDevices[0]?.cpu === true;
  // llama.cpp puts RPC devices at the front of its device list (llama.cpp: "add RPC servers at the
  // front of the list"), so a head with GPUs runs the last layers; a CPU-only head runs the first
  // ones as the layers -ngl leaves on the CPU.
  const devices = headOnCpu ? [...headDevices, ...workerDevices] : [...workerDevices, ...headDevices];
  const proportions = devices.map((d) => d.usableBytes);
  let deviceOf = layerDevices(blocks, blocks + 1, proportions);
  let gpuLayers = blocks + 1;
  let splitOver = proportions;
  if (headOnCpu) {
    // -ngl k leaves the first layers on the head's CPU; the rest split over the workers by -ts.
    gpuLayers = deviceOf.filter((d) => d !== 0).length;
    splitOver = proportions.slice(1);
    deviceOf = layerDevices(blocks, gpuLayers, splitOver).map((d) => d + 1);
  }
  const outputDevice = deviceOf[blocks] ?? devices.length - 1;
  const shares = devices.map((d) => ({
    ...d,
    layers: 0,
    blocks: 0,
    expertProducts: 0,
    gatedDeltaNetBlocks: 0,
    mxfp4ReadBytes: 0,
    weightsBytes: 0,
    kvBytes: 0,
    readBytes: 0,
  }));
  const recurrent = gatedDeltaNetBlocks(model.shape);
  const stateElements = gatedDeltaNetStateElementsOf(model.shape);
  for (let i = 0; i < blocks; i++) {
    const share = shares[deviceOf[i] ?? 0];
    if (!share) continue;
    share.layers++;
    share.blocks++;
    share.expertProducts += mem.weights.layerExpertsActive[i] ?? 0;
    if (recurrent.has(i)) share.gatedDeltaNetBlocks++;
    share.mxfp4ReadBytes += layerMxfp4ReadBytes(mem.weights, i);
    share.weightsBytes += mem.weights.layerWeightBytes[i] ?? 0;
    share.kvBytes += mem.kvPerLayerBytes[i] ?? 0;
    share.readBytes += mem.weights.layerActiveBytes[i] ?? 0;
  }
  const outputShare = shares[outputDevice];
  if (outputShare) {
    outputShare.layers++;
    outputShare.weightsBytes += mem.weights.outputBytes + mem.weights.tiedOutputBytes;
    outputShare.readBytes += mem.weights.outputBytes + mem.weights.tiedOutputBytes;
  }
  // The input embedding table stays in the head's RAM (llama.cpp never offloads it).
  const headRamShare = headOnCpu ? shares[0] : undefined;
  if (headRamShare) headRamShare.weightsBytes += mem.weights.tokenEmbdBytes;
  // Every layer on the devices (no CPU layer on the head) over more than one: llama.cpp's pipeline keeps 4 copies of
  // each split's inputs (src/core/placement.ts): 4 masks a device, and 4 copies of the activations each device after
  // the first receives (2 of the input embeddings on the first).
  const used = shares.filter((s) => s.layers > 0).length;
  const pipeline = !headOnCpu && used > 1;
  const mask = mem.compute.hostStagingBytes - 2 * mem.compute.inputActivationBytes;
  const firstUsed = shares.findIndex((s) => s.layers > 0);
  const deviceShares: PoolDeviceShare[] = shares.map((s, d) => {
    const pipelineCopies =
      pipeline && s.layers > 0
        ? d === firstUsed
          ? 3 * mask + 2 * mem.compute.inputActivationBytes
          : 4 * mask + 4 * mem.compute.inputActivationBytes
        : 0;
    const computeBytes =
      (d === outputDevice
        ? Math.max(mem.compute.outputPhaseBytes, mem.compute.layerPhaseBytes)
        : s.layers > 0
          ? mem.compute.layerPhaseBytes
          : 0) + pipelineCopies;
    // A GPU that holds a layer sets up its backend (an rpc-server's CUDA context as much as the head's).
    const overheadBytes = s.layers > 0 ? s.overheadBytes : 0;
    const totalBytes = s.weightsBytes + s.kvBytes + computeBytes + overheadBytes;
    return {
      machine: s.machine,
      label: s.label,
      layers: s.layers,
      weightsBytes: s.weightsBytes,
      kvBytes: s.kvBytes,
      computeBytes,
      overheadBytes,
      totalBytes,
      usableBytes: s.usableBytes,
      fits: totalBytes <= s.usableBytes,
      readSecondsPerToken: (s.readBytes + s.mxfp4ReadBytes * (s.cpu ? 0 : mxfp4ExtraReadFactor(s.vendor))) / s.bandwidthBytesPerSec,
      // The same fixed costs as a single machine's row: each block's launches, and on a GPU each routed-expert product
      // and gated-delta-net block (the output layer is not a block: estimateGenerationSpeed counts it in the sampling).
      blockSecondsPerToken: deviceBlockSeconds(s.backend, {
        blocks: s.blocks,
        expertProducts: s.expertProducts,
        gatedDeltaNetBlocks: s.gatedDeltaNetBlocks,
        gatedDeltaNetStateElements: stateElements,
        ...(s.cpuThreads !== undefined ? { cpuThreads: s.cpuThreads } : {}),
      }),
      bandwidthNote: s.layers > 0 ? (devices[d]?.bandwidthNote ?? null) : null,
    };
  });
  // Hops: the input embedding starts on the head, then each place where consecutive layers sit on
  // different machines.
  let hops = 0;
  let previous = 0;
  for (let i = 0; i <= blocks; i++) {
    const machine = devices[deviceOf[i] ?? 0]?.machine ?? 0;
    if (machine !== previous) hops++;
    previous = machine;
  }
  const hidden = model.shape.hiddenSize;
  // When the output layer runs on a worker, its logits (one f32 row of the vocabulary per kept
  // output: one per token in generation, one per prompt batch) come back to the head over the link.
  const outputMachine = devices[outputDevice]?.machine ?? 0;
  const logitsReturnSecondsPerToken =
    outputMachine === 0 ? 0 : link.latencySeconds * 2 + (model.shape.vocabSize * ACTIVATION_BYTES_PER_VALUE) / link.bytesPerSec;
  const hopSecondsPerToken = hops * hopSeconds(link, hidden, 1) + logitsReturnSecondsPerToken;
  const readSecondsPerToken = deviceShares.reduce((sum, d) => sum + d.readSecondsPerToken, 0);
  const fixedSecondsPerToken =
    secondsPerTokenOn(devices[outputDevice]?.backend ?? 'cpu') + deviceShares.reduce((sum, d) => sum + d.blockSecondsPerToken, 0);
  const hopSecondsPerPromptBatch = hops * hopSeconds(link, hidden, PROMPT_BATCH_TOKENS) + logitsReturnSecondsPerToken;
  const machineSummaries = machines.map((m, i) => {
    const mine = deviceShares.filter((d) => d.machine === i);
    return {
      name: m.name,
      totalBytes: mine.reduce((s, d) => s + d.totalBytes, 0),
      usableBytes: mine.reduce((s, d) => s + d.usableBytes, 0),
      fits: mine.every((d) => d.fits),
    };
  });
  const total = splitOver.reduce((a, b) => a + b, 0);
  return {
    machines: machineSummaries,
    devices: deviceShares,
    fits: deviceShares.every((d) => d.fits),
    hops,
    hopSecondsPerToken,
    logitsReturnSecondsPerToken,
    readSecondsPerToken,
    fixedSecondsPerToken,
    tokPerSec: 1 / (readSecondsPerToken + fixedSecondsPerToken + hopSecondsPerToken),
    hopSecondsPerPromptBatch,
    promptTokPerSecNetworkCap: hops > 0 ? PROMPT_BATCH_TOKENS / hopSecondsPerPromptBatch : null,
    tensorSplit: splitOver.map((p) => (total > 0 ? Math.round((p / total) * 100) / 100 : 0)),
    gpuLayers,
  };
}

/** When the pool without its last machine also fits and is faster, say so: more machines add hops. */
export function slowerThanSmaller(full: PoolPlan, smaller: PoolPlan | null): string | null {
  if (!smaller || !smaller.fits || smaller.tokPerSec <= full.tokPerSec) return null;
  const fewer =
    smaller.machines.length === 1 ? `${smaller.machines[0]?.name ?? 'the head'} alone` : smaller.machines.map((m) => m.name).join(' + ');
  return `Adding ${full.machines.at(-1)?.name ?? 'the last machine'} makes it slower: ${smaller.tokPerSec.toFixed(2)} tok/s on ${fewer} against ${full.tokPerSec.toFixed(2)} on all ${full.machines.length} (the added machine's layers run at its own memory speed, and each extra hop costs round trips and activation transfers; a user measured pp4096 fall from 9,553 to 5,008 tok/s going from 2 to 4 RPC devices: llama.cpp issue 18626).`;
}

/** The commands to run the plan: rpc-server on each worker, llama-server with --rpc on the head. */
export function poolCommands(machines: readonly PoolMachine[], plan: PoolPlan, contextTokens: number): string[] {
  const workers = machines.slice(1);
  return [
    ...workers.map((m) => `# on ${m.name}: rpc-server -H 0.0.0.0 -p ${RPC_PORT} -c`),
    `# on ${machines[0]?.name ?? 'the head'}: llama-server -m MODEL.gguf --rpc ${workers.map((m) => `${m.host}:${RPC_PORT}`).join(',')} -ngl ${plan.gpuLayers} -ts ${plan.tensorSplit.join(',')} -c ${contextTokens}`,
  ];
}
