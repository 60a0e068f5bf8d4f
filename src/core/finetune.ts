// Fine-tuning sizing: memory for full fine-tuning, LoRA and QLoRA at a sequence length and batch,
// the GPUs of one kind it takes, time from FLOPs, energy and cost. Every figure carries the rule
// that produced it (`how`), so a face can say where it came from. Pure: no I/O.
import { formatBytes } from '../shared/units';
import { elementCount, listTensors, type ModelShape, type TensorRole } from './tensors';

export type FinetuneMethod = 'full' | 'lora' | 'qlora';

/** A number and the sentence that says how it was computed. */
export interface Figure {
  value: number;
  how: string;
}

/** What sizing needs of a model: its parameter count, and its shape where known (catalog or GGUF). */
export interface FinetuneModel {
  id: string;
  name: string;
  /** All parameters (published, or counted from the file). */
  params: number;
  /** Null for a bare parameter count: full fine-tuning only, activations not sized. */
  shape: ModelShape | null;
}

export interface FinetuneOptions {
  method: FinetuneMethod;
  seqTokens: number;
  batch: number;
  /** LoRA rank r. */
  rank: number;
  /** FlashAttention / SDPA: the s x s attention scores are never stored. */
  flashAttention: boolean;
}

// ---------------------------------------------------------------- bytes per parameter

/**
 * Mixed-precision training with Adam, per trained parameter: bf16 weights 2 + bf16 gradients 2 +
 * fp32 master weights 4 + Adam's first and second moments 4 + 4 = 16 bytes (Rajbhandari et al.
 * 2020, ZeRO, section 3.1: "2Ψ + 2Ψ + KΨ" with K = 12 for mixed-precision Adam).
 */
const FULL_BYTES_PER_PARAM = { weights: 2, gradients: 2, master: 4, optimizer: 8 } as const;

/**
 * A LoRA adapter's parameter as QLoRA trains it (Dettmers et al. 2023, section 3: adapters in
 * bf16, paged AdamW with 32-bit states): bf16 weights 2 + bf16 gradients 2 + fp32 Adam m and v 8.
 * No fp32 master copy. (PEFT's default keeps adapters in fp32: 4 + 4 + 8 = 16; the adapters are a
 * few percent of the model, so the difference is small.)
 */
const ADAPTER_BYTES_PER_PARAM = { weights: 2, gradients: 2, optimizer: 8 } as const;

/** Frozen weights for LoRA: bf16. */
const FROZEN_BF16_BYTES_PER_PARAM = 2;

/**
 * NF4 with double quantization (Dettmers et al. 2023, section 3): 4 bits per weight, plus the
 * quantization constants: blocks of 64 with an 8-bit constant, and those in blocks of 256 with an
 * fp32 constant: 8/64 + 32/(64 x 256) = 0.127 bits. 4.127 bits = 0.516 bytes per parameter.
 */
export const NF4_BITS_PER_PARAM = 4 + 8 / 64 + 32 / (64 * 256);

/** The reading's rule of thumb for full training with Adam, activations included. */
export const READING_BYTES_PER_PARAM = 24;

// ---------------------------------------------------------------- what trains, what is frozen

const LINEAR_ROLES: ReadonlySet<TensorRole> = new Set([
  'attn_q',
  'attn_k',
  'attn_v',
  'attn_qkv',
  'attn_output',
  'ffn_gate',
  'ffn_up',
  'ffn_down',
]);

interface ParameterSplit {
  total: number;
  /** The attention and MLP projections: what bitsandbytes quantizes to NF4 and what LoRA adapts. */
  linear: number;
  /** Embeddings, the output head, norms, biases, routers: kept in bf16 by QLoRA. */
  other: number;
  /** Parameters used per token (MoE: the active experts only): what the FLOPs count. */
  active: number;
}

/** Splits a model's parameters from its tensors; the published total wins over the counted one. */
function splitParameters(model: FinetuneModel): ParameterSplit {
  if (!model.shape) return { total: model.params, linear: model.params, other: 0, active: model.params };
  const shape = model.shape;
  let linear = 0;
  let counted = 0;
  let inactive = 0;
  for (const t of listTensors(shape)) {
    const n = elementCount(t);
    counted += n;
    if (LINEAR_ROLES.has(t.role)) linear += n;
    if (t.experts > 1 && shape.experts) inactive += (n / t.experts) * (t.experts - shape.experts.active);
  }
  const total = model.params > 0 ? model.params : counted;
  const scale = total / counted; // published and counted totals differ by a percent or two
  linear = Math.min(total, linear * scale);
  return { total, linear, other: total - linear, active: total - inactive * scale };
}

/**
 * LoRA parameters: r x (d_in + d_out) for every attention and MLP projection (q, k, v, o, gate,
 * up, down: "all linear layers", as QLoRA does), each expert's projections counted for MoE.
 */
export function countLoraParameters(shape: ModelShape, rank: number): number {
  let adapters = 0;
  for (const t of listTensors(shape)) {
    if (!LINEAR_ROLES.has(t.role)) continue;
    const dIn = t.dims[0] ?? 0;
    const dOut = t.dims[1] ?? 0;
    adapters += rank * (dIn + dOut) * t.experts;
  }
  return adapters;
}

// ---------------------------------------------------------------- activations

const KORTHIKANTI =
  'Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", eq. 1: per layer s·b·h·(34 + 5·a·s/h) bytes at 16-bit (a GPT layer with a 4h MLP; gated MLPs store somewhat more)';

/**
 * Activation memory, Korthikanti et al. 2022 (eq. 1, no tensor or sequence parallelism): each
 * layer stores s·b·h·34 bytes (attention 11, MLP 19, layer norms 4) plus 5·a·s²·b for the
 * attention scores, softmax and dropout mask. With FlashAttention the s² term is not stored.
 * With full recomputation (gradient checkpointing, their section 4) only each layer's input is
 * kept, 2·s·b·h bytes, and one layer's activations live at a time while it is recomputed.
 * The fp32 logits for the loss (s·b·vocab·4 bytes) come on top in both cases.
 */
function activationBytes(shape: ModelShape, options: FinetuneOptions, checkpointing: boolean): Figure {
  const { seqTokens: s, batch: b, flashAttention } = options;
  const { hiddenSize: h, heads: a, layers: L, vocabSize: v } = shape;
  const scoresPerLayer = flashAttention ? 0 : 5 * a * s * s * b;
  const perLayer = 34 * s * b * h + scoresPerLayer;
  const logits = 4 * s * b * v;
  const scoresText = flashAttention ? ' (FlashAttention: the 5·a·s²·b attention-score term is not stored)' : ' + 5·a·s²·b';
  if (!checkpointing) {
    return {
      value: L * perLayer + logits,
      how: `${KORTHIKANTI}: L·s·b·h·34${scoresText} = ${L}·${s}·${b}·${h}·34${flashAttention ? '' : ` + ${L}·5·${a}·${s}²·${b}`}, plus fp32 logits s·b·vocab·4 = ${formatBytes(logits)}`,
    };
  }
  return {
    value: L * 2 * s * b * h + perLayer + logits,
    how: `${KORTHIKANTI}, full recomputation (section 4): each layer's input kept, L·2·s·b·h = ${L}·2·${s}·${b}·${h}, plus one layer recomputed at a time (${formatBytes(perLayer)}), plus fp32 logits s·b·vocab·4 = ${formatBytes(logits)}`,
  };
}

// ---------------------------------------------------------------- memory

interface MemoryItem extends Figure {
  key: 'weights' | 'gradients' | 'master' | 'optimizer' | 'adapters' | 'adapterGradients' | 'adapterOptimizer';
  label: string;
}

export interface FinetuneMemory {
  method: FinetuneMethod;
  params: ParameterSplit;
  /** Parameters that train: all of them (full) or the adapters. */
  trainableParams: Figure;
  /** Weights, gradients and optimizer states, without activations. */
  items: MemoryItem[];
  statesBytes: Figure;
  /** Null for a bare parameter count (no shape). */
  activations: { without: Figure; with: Figure } | null;
  totalWithoutCheckpointing: Figure;
  totalWithCheckpointing: Figure;
}

const sum = (xs: readonly Figure[]): number => xs.reduce((t, x) => t + x.value, 0);
const billions = (n: number): string => `${(n / 1e9).toFixed(n < 1e9 ? 3 : 2)}B`;
const millions = (n: number): string => `${(n / 1e6).toFixed(1)}M`;

export function finetuneMemory(model: FinetuneModel, options: FinetuneOptions): FinetuneMemory {
  const params = splitParameters(model);
  const items: MemoryItem[] = [];
  let trainable: Figure;
  if (options.method === 'full') {
    const P = params.total;
    const f = FULL_BYTES_PER_PARAM;
    items.push(
      { key: 'weights', label: 'Weights (bf16)', value: P * f.weights, how: `${billions(P)} parameters x ${f.weights} bytes (bf16)` },
      { key: 'gradients', label: 'Gradients (bf16)', value: P * f.gradients, how: `${billions(P)} x ${f.gradients} bytes (bf16)` },
      {
        key: 'master',
        label: 'Master weights (fp32)',
        value: P * f.master,
        how: `${billions(P)} x ${f.master} bytes: the fp32 copy mixed precision updates (ZeRO, Rajbhandari et al. 2020, section 3.1)`,
      },
      {
        key: 'optimizer',
        label: 'Adam states (fp32 m, v)',
        value: P * f.optimizer,
        how: `${billions(P)} x ${f.optimizer} bytes: Adam's two fp32 moments; 16 bytes per parameter in all (ZeRO's 2 + 2 + 12)`,
      },
    );
    trainable = { value: P, how: 'every parameter trains' };
  } else {
    if (!model.shape)
      throw new Error(`LoRA adapters are counted from the model's shape, and ${model.name} has none: name a catalog model or a GGUF file.`);
    const adapters = countLoraParameters(model.shape, options.rank);
    const a = ADAPTER_BYTES_PER_PARAM;
    if (options.method === 'lora') {
      items.push({
        key: 'weights',
        label: 'Frozen weights (bf16)',
        value: params.total * FROZEN_BF16_BYTES_PER_PARAM,
        how: `${billions(params.total)} parameters x ${FROZEN_BF16_BYTES_PER_PARAM} bytes (bf16), frozen: no gradients or optimizer states`,
      });
    } else {
      const nf4 = (params.linear * NF4_BITS_PER_PARAM) / 8;
      const rest = params.other * FROZEN_BF16_BYTES_PER_PARAM;
      items.push({
        key: 'weights',
        label: 'Frozen weights (NF4 + bf16)',
        value: nf4 + rest,
        how: `${billions(params.linear)} projection parameters x ${NF4_BITS_PER_PARAM.toFixed(3)} bits (NF4 with double-quantized constants: 4 + 8/64 + 32/(64·256), Dettmers et al. 2023) = ${formatBytes(nf4)}, plus ${billions(params.other)} embedding, head and norm parameters kept in bf16 = ${formatBytes(rest)}`,
      });
    }
    const adapterHow = `r·(d_in + d_out) for q, k, v, o, gate, up and down in each of ${model.shape.layers} layers at r = ${options.rank}: ${millions(adapters)} parameters`;
    items.push(
      { key: 'adapters', label: 'Adapters (bf16)', value: adapters * a.weights, how: `${adapterHow} x ${a.weights} bytes (bf16)` },
      {
        key: 'adapterGradients',
        label: 'Adapter gradients (bf16)',
        value: adapters * a.gradients,
        how: `${millions(adapters)} x ${a.gradients} bytes`,
      },
      {
        key: 'adapterOptimizer',
        label: 'Adapter Adam states (fp32)',
        value: adapters * a.optimizer,
        how: `${millions(adapters)} x ${a.optimizer} bytes (fp32 m and v, as QLoRA's paged AdamW; no master copy: adapters train in bf16)`,
      },
    );
    trainable = { value: adapters, how: adapterHow };
  }
  const states = sum(items);
  const statesBytes: Figure = { value: states, how: items.map((i) => i.label).join(' + ') };
  const activations = model.shape
    ? { without: activationBytes(model.shape, options, false), with: activationBytes(model.shape, options, true) }
    : null;
  const total = (act: Figure | undefined): Figure =>
    act
      ? { value: states + act.value, how: `weights and states ${formatBytes(states)} + activations ${formatBytes(act.value)}` }
      : { value: states, how: `weights and states only: a bare parameter count has no shape to size activations from` };
  return {
    method: options.method,
    params,
    trainableParams: trainable,
    items,
    statesBytes,
    activations,
    totalWithoutCheckpointing: total(activations?.without),
    totalWithCheckpointing: total(activations?.with),
  };
}

// ---------------------------------------------------------------- GPUs, time, energy, cost

/** GPUs of `vramBytes` each that hold `totalBytes`, with `usableFraction` of each card usable (states sharded, ZeRO-3/FSDP). */
export function gpusForBytes(totalBytes: number, vramBytes: number, usableFraction: number): Figure {
  const usable = vramBytes * usableFraction;
  const exact = totalBytes / usable;
  return {
    value: Math.max(1, Math.ceil(exact - 1e-9)),
    how: `${formatBytes(totalBytes)} / (${formatBytes(vramBytes)} x ${Math.round(usableFraction * 100)}% usable = ${formatBytes(usable)}) = ${exact.toFixed(2)}, rounded up; states and activations sharded evenly (ZeRO-3 / FSDP)`,
  };
}

/**
 * Training FLOPs. Full: 6·N·D (Kaplan et al. 2020: forward 2·N·D, backward 4·N·D). LoRA and
 * QLoRA: 4·N·D, an approximation: the forward pass (2·N·D) and the backward pass to the inputs
 * (2·N·D) still run through the frozen weights, but their weight gradients (the other 2·N·D) are
 * never computed; the adapters add 6·A·D. Gradient checkpointing adds one more forward (2·N·D).
 * N is the active parameter count (MoE: the experts a token uses).
 */
export function trainingFlops(
  method: FinetuneMethod,
  activeParams: number,
  adapterParams: number,
  tokens: number,
  checkpointing: boolean,
): Figure {
  const base = method === 'full' ? 6 : 4;
  const factor = base + (checkpointing ? 2 : 0);
  const adapters = method === 'full' ? 0 : 6 * adapterParams * tokens;
  const rule =
    method === 'full'
      ? '6·N·D (Kaplan et al. 2020: forward 2·N·D + backward 4·N·D)'
      : '4·N·D + 6·A·D (forward 2·N·D + backward to the inputs 2·N·D; frozen weights get no weight gradients; A = adapter parameters)';
  return {
    value: factor * activeParams * tokens + adapters,
    how: `${rule}${checkpointing ? ' + 2·N·D for the recomputed forward (gradient checkpointing)' : ''}, N = ${billions(activeParams)}, D = ${tokens.toExponential(2)} tokens`,
  };
}

export interface TrainingPlanInput {
  flops: number;
  gpus: number;
  /** Dense peak of one GPU at the training precision, FLOP/s. */
  peakFlopsPerSec: number;
  /** Model FLOPs utilization: the share of peak the run sustains. */
  efficiency: number;
  /** Power drawn per GPU (its TDP, or with its share of the server), watts. */
  wattsPerGpu: number | null;
  pricePerGpuHour?: number | null;
  pricePerKwh?: number | null;
}

export interface TrainingPlan {
  seconds: Figure;
  days: Figure;
  gpuHours: Figure;
  powerKw: Figure | null;
  energyKwh: Figure | null;
  cost: Figure | null;
}

export const PF_DAY_FLOPS = 1e15 * 86400;

export function trainingPlan(input: TrainingPlanInput): TrainingPlan {
  const { flops, gpus, peakFlopsPerSec, efficiency } = input;
  const sustained = gpus * peakFlopsPerSec * efficiency;
  const seconds = flops / sustained;
  const hours = seconds / 3600;
  const timeHow = `${(flops / PF_DAY_FLOPS).toPrecision(3)} PF/s-days / (${gpus} GPU${gpus === 1 ? '' : 's'} x ${(peakFlopsPerSec / 1e12).toFixed(1)} TFLOPS x ${Math.round(efficiency * 100)}% efficiency)`;
  const gpuHours = gpus * hours;
  const powerKw = input.wattsPerGpu !== null ? (gpus * input.wattsPerGpu) / 1000 : null;
  const kwh = powerKw !== null ? powerKw * hours : null;
  let cost: Figure | null = null;
  if (input.pricePerGpuHour != null)
    cost = {
      value: gpuHours * input.pricePerGpuHour,
      how: `${Math.round(gpuHours).toLocaleString('en-US')} GPU-hours x ${input.pricePerGpuHour} per GPU-hour`,
    };
  else if (input.pricePerKwh != null && kwh !== null)
    cost = {
      value: kwh * input.pricePerKwh,
      how: `${Math.round(kwh).toLocaleString('en-US')} kWh x ${input.pricePerKwh} per kWh (electricity only)`,
    };
  return {
    seconds: { value: seconds, how: timeHow },
    days: { value: seconds / 86400, how: timeHow },
    gpuHours: { value: gpuHours, how: `${gpus} GPU${gpus === 1 ? '' : 's'} x ${hours.toFixed(1)} hours` },
    powerKw: powerKw !== null ? { value: powerKw, how: `${gpus} GPU${gpus === 1 ? '' : 's'} x ${input.wattsPerGpu} W` } : null,
    energyKwh: kwh !== null && powerKw !== null ? { value: kwh, how: `${powerKw.toFixed(1)} kW x ${hours.toFixed(1)} hours` } : null,
    cost,
  };
}

// ---------------------------------------------------------------- peak throughput

export interface PeakThroughput {
  /** Dense (no sparsity) tensor-core TFLOPS at bf16, or fp16 where the GPU has no bf16. */
  tflops: number;
  precision: 'bf16' | 'fp16';
  source: string;
}

/**
 * Dense peaks from the makers' datasheets. Datasheets print the 2:4-sparsity figure first for
 * Ampere and later (twice the dense one); these are the dense figures. GPUs not listed here take
 * a `peakTflops` from the user.
 */
export const PEAK_TENSOR_TFLOPS: Readonly<Record<string, PeakThroughput>> = {
  'nvidia-v100-sxm2-32gb': { tflops: 125, precision: 'fp16', source: 'NVIDIA V100 datasheet: 125 TFLOPS deep learning (SXM2); no bf16' },
  'nvidia-v100-sxm2-16gb': { tflops: 125, precision: 'fp16', source: 'NVIDIA V100 datasheet: 125 TFLOPS deep learning (SXM2); no bf16' },
  'nvidia-v100-pcie-32gb': { tflops: 112, precision: 'fp16', source: 'NVIDIA V100 datasheet: 112 TFLOPS deep learning (PCIe); no bf16' },
  'nvidia-v100-pcie-16gb': { tflops: 112, precision: 'fp16', source: 'NVIDIA V100 datasheet: 112 TFLOPS deep learning (PCIe); no bf16' },
  'nvidia-a100-80gb-sxm': { tflops: 312, precision: 'bf16', source: 'NVIDIA A100 datasheet: BF16 tensor 312 TFLOPS (624 with sparsity)' },
  'nvidia-a100-80gb-pcie': { tflops: 312, precision: 'bf16', source: 'NVIDIA A100 datasheet: BF16 tensor 312 TFLOPS (624 with sparsity)' },
  'nvidia-a100-40gb-sxm': { tflops: 312, precision: 'bf16', source: 'NVIDIA A100 datasheet: BF16 tensor 312 TFLOPS (624 with sparsity)' },
  'nvidia-a100-40gb-pcie': { tflops: 312, precision: 'bf16', source: 'NVIDIA A100 datasheet: BF16 tensor 312 TFLOPS (624 with sparsity)' },
  'nvidia-h100-sxm': {
    tflops: 989,
    precision: 'bf16',
    source: 'NVIDIA H100 datasheet: BF16 tensor 1,979 TFLOPS with sparsity, 989 dense (SXM)',
  },
  'nvidia-h100-pcie': {
    tflops: 756,
    precision: 'bf16',
    source: 'NVIDIA H100 datasheet: BF16 tensor 1,513 TFLOPS with sparsity, 756 dense (PCIe)',
  },
  'nvidia-h200': {
    tflops: 989,
    precision: 'bf16',
    source: 'NVIDIA H200 datasheet: BF16 tensor 1,979 TFLOPS with sparsity, 989 dense (SXM)',
  },
  'nvidia-l40s': { tflops: 362, precision: 'bf16', source: 'NVIDIA L40S datasheet: BF16 tensor 733 TFLOPS with sparsity, 362 dense' },
  'nvidia-l4': { tflops: 121, precision: 'bf16', source: 'NVIDIA L4 datasheet: BF16 tensor 242 TFLOPS with sparsity, 121 dense' },
  'nvidia-a10': { tflops: 125, precision: 'bf16', source: 'NVIDIA A10 datasheet: BF16 tensor 250 TFLOPS with sparsity, 125 dense' },
  'nvidia-rtx-4090': {
    tflops: 165.2,
    precision: 'bf16',
    source: 'NVIDIA Ada Lovelace architecture whitepaper, appendix: RTX 4090 BF16 tensor with FP32 accumulate 165.2 TFLOPS dense',
  },
  'amd-instinct-mi300x': { tflops: 1307.4, precision: 'bf16', source: 'AMD Instinct MI300X datasheet: BF16 1,307.4 TFLOPS dense' },
};
