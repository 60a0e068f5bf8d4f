// node-llama-cpp's view of the GPUs (its state object, or the text of its CLI) and llama.cpp's
// Metal init log, which gives Apple's GPU working set.
import type { GpuBackend } from '../../../shared/schema';
import { MiB } from '../../../shared/units';
import { isDict, num, observation, positive, stripAnsi, vendorFromText, type GpuObservation } from './common';

/** The GPU backends node-llama-cpp loads (its `llama.gpu`). */
const NODE_LLAMA_CPP_GPU_BACKENDS = ['cuda', 'metal', 'vulkan'] as const satisfies readonly GpuBackend[];

/** node-llama-cpp's `llama.gpu`: the backend it loaded, or false when it runs on the CPU only. */
export type NodeLlamaCppBackend = (typeof NODE_LLAMA_CPP_GPU_BACKENDS)[number] | false;

export function isNodeLlamaCppGpuBackend(value: unknown): value is Exclude<NodeLlamaCppBackend, false> {
  return (NODE_LLAMA_CPP_GPU_BACKENDS as readonly unknown[]).includes(value);
}

/** What collect.ts asks node-llama-cpp: `llama.gpu`, `getGpuDeviceNames()`, `getVramState()`. */
export interface NodeLlamaCppState {
  backend: NodeLlamaCppBackend;
  deviceNames: string[];
  vram: { total: number; used: number; free: number; unifiedSize?: number };
}

export interface NodeLlamaCppFacts {
  backend: NodeLlamaCppBackend;
  deviceNames: string[];
  /** Summed over all devices, as node-llama-cpp reports it. */
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  unifiedBytes: number | null;
  /** One per device; VRAM is attributed only when there is exactly one device. */
  gpus: GpuObservation[];
  /** From the CLI text only. */
  ramTotalBytes: number | null;
  cpuModel: string | null;
}

function llamaFacts(
  backend: NodeLlamaCppBackend,
  deviceNames: string[],
  total: number | null,
  free: number | null,
  unified: number | null,
  field: string,
): NodeLlamaCppFacts {
  const single = deviceNames.length === 1;
  const gpus = backend
    ? deviceNames.map((name) =>
        observation({
          by: 'node-llama-cpp',
          name,
          vendor: backend === 'metal' ? 'apple' : vendorFromText(name),
          vramBytes: single ? positive(total) : null,
          vramFreeBytes: single ? free : null,
          vramField: single && positive(total) !== null ? field : null,
          hints: { llamaBackend: backend, llamaUnified: backend === 'metal' || (single && unified !== null && unified > 0) },
        }),
      )
    : [];
  return {
    backend,
    deviceNames,
    vramTotalBytes: positive(total),
    vramFreeBytes: free,
    unifiedBytes: unified,
    gpus,
    ramTotalBytes: null,
    cpuModel: null,
  };
}

/** The object collect.ts stores: `{ backend, deviceNames, vram: { total, used, free, unifiedSize } }`. */
export function parseNodeLlamaCppState(state: unknown): NodeLlamaCppFacts {
  if (!isDict(state)) return llamaFacts(false, [], null, null, null, '');
  const backendRaw = state.backend ?? state.gpu;
  const backend: NodeLlamaCppBackend = isNodeLlamaCppGpuBackend(backendRaw) ? backendRaw : false;
  const deviceNames = Array.isArray(state.deviceNames)
    ? state.deviceNames.filter((n): n is string => typeof n === 'string' && n.trim() !== '')
    : [];
  const vram = isDict(state.vram) ? state.vram : {};
  const total = num(vram.total);
  const free = num(vram.free);
  const unified = num(vram.unifiedSize);
  return llamaFacts(backend, deviceNames, total, free !== null && free >= 0 ? free : null, unified, 'getVramState().total');
}

/**
 * Text of `node-llama-cpp inspect gpu` ("CUDA device: ...", "CUDA used VRAM: 0.54% (266.88MB/47.65GB)")
 * or of `node-llama-cpp chat` ("GPU  Type: Vulkan  VRAM: 7.91GB  Name: ..."). Sizes are 1024-based.
 */
export function parseNodeLlamaCppText(text: string): NodeLlamaCppFacts {
  const clean = stripAnsi(text);
  let backend: NodeLlamaCppBackend = false;
  let deviceNames: string[] = [];
  let total: number | null = null;
  let free: number | null = null;
  let unified: number | null = null;
  let field = '';
  const label = (name: string): NodeLlamaCppBackend => {
    const lower = name.toLowerCase();
    return isNodeLlamaCppGpuBackend(lower) ? lower : false;
  };
  for (const line of clean.split(/\r?\n/)) {
    const l = line.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(CUDA|Vulkan|Metal):\s*available/i.exec(l))) backend = backend || label(m[1] as string);
    else if ((m = /^(CUDA|Vulkan|Metal) devices?:\s*(.+)$/i.exec(l))) {
      backend = label(m[1] as string);
      deviceNames = (m[2] as string)
        .split(/,\s*(?=\S)/)
        .map((n) => n.trim())
        .filter(Boolean);
    } else if ((m = /^(CUDA|Vulkan|Metal) used VRAM:.*\(([^/]+)\/([^)]+)\)/i.exec(l))) {
      backend = backend || label(m[1] as string);
      total = parseBytesPackageSize(m[3] as string);
      field = 'inspect gpu: used VRAM total';
    } else if ((m = /^(CUDA|Vulkan|Metal) free VRAM:.*\(([^/]+)\/([^)]+)\)/i.exec(l))) {
      free = parseBytesPackageSize(m[2] as string);
      total ??= parseBytesPackageSize(m[3] as string);
    } else if ((m = /^(CUDA|Vulkan|Metal) unified memory:\s*(\S+)/i.exec(l))) {
      unified = parseBytesPackageSize(m[2] as string);
    } else if ((m = /^GPU\s+Type:\s*(\w+)\s+VRAM:\s*(\S+)\s+Name:\s*(.+)$/i.exec(l))) {
      backend = label(m[1] as string);
      total = parseBytesPackageSize(m[2] as string);
      deviceNames = [(m[3] as string).trim()];
      field = 'chat: GPU VRAM';
    }
  }
  const facts = llamaFacts(backend, deviceNames, total, free, unified, field || 'inspect gpu');
  const ram = /Used RAM:.*\(([^/]+)\/([^)]+)\)/i.exec(clean);
  facts.ramTotalBytes = ram ? parseBytesPackageSize(ram[2] as string) : null;
  facts.cpuModel = /CPU models?:\s*(.+)/i.exec(clean)?.[1]?.trim() ?? null;
  return facts;
}

// ---------------------------------------------------------------- llama.cpp Metal log

export interface MetalInitFacts {
  gpuName: string | null;
  hasUnifiedMemory: boolean | null;
  /** The printed figure ("5461.34 MB"). */
  workingSetPrintedMB: number | null;
  /** Both readings: llama.cpp divided by 2^20 until mid-2024 and by 10^6 since, under the same "MB" label. */
  workingSetCandidatesBytes: number[];
  gpu: GpuObservation | null;
}

/** llama.cpp's ggml_metal_init / ggml_metal_device_init log lines. */
export function parseMetalInitLog(text: string): MetalInitFacts {
  const clean = stripAnsi(text);
  const gpuName = /GPU name:\s*(.+)/.exec(clean)?.[1]?.trim() ?? /found device:\s*(.+)/.exec(clean)?.[1]?.trim() ?? null;
  const unified = /hasUnifiedMemory\s*=\s*(true|false)/.exec(clean)?.[1];
  const workingSet = /recommendedMaxWorkingSetSize\s*=\s*([\d.]+)\s*MB/.exec(clean)?.[1];
  const printed = workingSet ? Number(workingSet) : null;
  const candidates = printed && printed > 0 ? [Math.round(printed * MiB), Math.round(printed * 1e6)] : [];
  return {
    gpuName,
    hasUnifiedMemory: unified === undefined ? null : unified === 'true',
    workingSetPrintedMB: printed,
    workingSetCandidatesBytes: candidates,
    gpu: gpuName
      ? observation({
          by: 'llama.cpp metal log',
          name: gpuName,
          vendor: vendorFromText(gpuName) === 'other' ? 'apple' : vendorFromText(gpuName),
          hints: { metalWorkingSetCandidatesBytes: candidates, hasUnifiedMemory: unified === 'true' },
        })
      : null,
  };
}

/** Sizes as the `bytes` npm package prints them (node-llama-cpp's CLI): 1024-based, labelled "GB". */
export function parseBytesPackageSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|PB)\s*$/i.exec(text);
  if (!match) return null;
  const power = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'].indexOf((match[2] as string).toUpperCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}
