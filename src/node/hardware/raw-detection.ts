// What collect.ts gathers and merge/ turns into a HardwareSnapshot: every tool's output, raw.
import type { SourceStatus } from '../../shared/schema';
import type { NodeLlamaCppState } from './parsers/node-llama-cpp';
import type { SysfsCpuTopology, SysfsDrmCard } from './parsers/sysfs';

/** Everything the collectors (or a recorded fixture) gathered. Every source is optional. */
export interface RawDetection {
  /** process.platform ("linux", "win32", "darwin"), or "unknown" for a capture that does not say. */
  platform: string;
  /** process.arch ("x64", "arm64"). */
  arch: string;
  detectedAt?: string;
  /** Node's own view (os module): the fallback when systeminformation fails. */
  os?: { totalMemBytes?: number; freeMemBytes?: number; cpuModel?: string; logicalCores?: number; release?: string };
  si?: { graphics?: unknown; mem?: unknown; cpu?: unknown; cpuFlags?: string; osInfo?: unknown };
  /** nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits] output. */
  nvidiaSmi?: string;
  rocmSmi?: { json?: unknown; csv?: string };
  /** Linux /sys/class/drm/cardN/device facts (amdgpu's mem_info_vram_total). */
  sysfsDrm?: SysfsDrmCard[];
  /** Linux's CPU types: Intel's cpu_core/cpu_atom lists and Arm's cpu_capacity per CPU (collect.ts). */
  sysfsCpu?: SysfsCpuTopology;
  /** lspci text, when captured: adds PCI ids and revisions to GPUs others named. */
  lspci?: string;
  /** HardwareInformation.qwMemorySize per adapter: parsed adapters or `reg query` text. */
  windowsRegistry?: unknown;
  systemProfiler?: { memory?: unknown; displays?: unknown };
  nodeLlamaCpp?: NodeLlamaCppState;
  /** Text of `node-llama-cpp inspect gpu` or `chat`, when that is what was captured. */
  nodeLlamaCppText?: string;
  /** llama.cpp's ggml_metal_init log lines. */
  metalLog?: string;
  /** The memory-bandwidth probe: one core's read bandwidth and, where measured, every core's at once. */
  memoryBandwidth?: { bytesPerSec: number; detail?: string; allThreads?: { bytesPerSec: number; threads: number } };
  sources: SourceStatus[];
}
