// The HostApi method behind "How to run it": sizes the model as `estimate` does (so the commands'
// -ngl is the number rightsize says fits), then writes each tool's command from that placement.
import type { z } from 'zod';
import { DEFAULT_CONTEXT_TOKENS } from '../shared/defaults';
import type { HostApiInput, HostApiSchemas } from '../shared/api';
import type { EstimateResult, HardwareSnapshot, RunCommandsResult, SpeedCalibration } from '../shared/schema';
import { ggmlType } from '../core/ggml';
import { performanceCores } from '../core/speed';
import { flashAttentionFor, nodeLlamaCppBuildFor, runCommands, type RunModel, type RunSettings } from '../core/run-commands';
import type { ResolvedModel } from './models/resolve';
import { contextFor } from './models/refs';
import { asUserError } from './user-error';
import { plannedThreadsUnknown, withWhatIf } from './hardware/what-if';
import { matchGpuPreset } from './hardware/merge/presets';
import { loadGpuPresets } from './resources';
import { ggufFetchFor } from './gguf-fetch';

/**
 * A Jetson runs at its power mode's clocks: rightsize's speeds for one assume the fastest mode. Measured on an Orin
 * Nano Super 8 GB with llama.cpp (smolhub.com, "Tiny LLM Benchmark: Jetson Orin Nano Super 8GB", 2026-06): 25 W
 * generated 36-47% more tokens per second than 15 W, and MAXN_SUPER more again.
 */
function jetsonPowerNote(machine: HardwareSnapshot): string | null {
  const presets = loadGpuPresets();
  const jetson = machine.gpus.some(
    (g) => matchGpuPreset({ names: [g.name], vendor: g.vendor }, presets)?.preset.architecture === 'ampere-orin',
  );
  return jetson
    ? "On a Jetson, these speeds assume its fastest power mode (MAXN, or MAXN_SUPER on an Orin Nano Super): at 15 W an Orin Nano Super generated about 30% slower than at 25 W (smolhub.com's llama.cpp runs, 2026-06). `sudo nvpmodel -q` shows the mode and `sudo nvpmodel -m N` sets it (the numbers are the board's, in /etc/nvpmodel.conf); `sudo jetson_clocks` then holds the clocks at that mode's maximum."
    : null;
}

type Request = z.output<(typeof HostApiSchemas)['runCommands']['input']>;

export interface CommandMethodDeps {
  resolveRef: (ref: string, quant: string | undefined, allowCatalog: boolean) => Promise<ResolvedModel>;
  /** The hardware and calibration to size against: a saved profile's, or this machine's. */
  sizingFor: (
    profile: string | undefined,
  ) => Promise<{ snapshot: HardwareSnapshot; calibration: SpeedCalibration | null; profileName: string | null }>;
  /** The service's own estimate method. */
  estimate: (request: HostApiInput<'estimate'>) => Promise<EstimateResult>;
}

/**
 * Threads for llama.cpp on the sized machine: its physical cores (more oversubscribes), at most 8 (generation gains
 * little beyond on a desktop's two memory channels); none on a planned machine whose CPU is unknown (this machine's
 * cores would be wrong). Where every core reading RAM together set the CPU's rate (a many-core machine: a server's
 * 16 cores read 107 GB/s with 8 threads and 149 with 16), the speed estimates assume all of them, and so does -t.
 * A CPU with efficiency cores gets its performance cores only: a thread on a slow core holds the others back at every
 * step, and llama.cpp's own default leaves them out too (Intel on Linux, Apple's perflevel0).
 */
export function threadsFor(snapshot: HardwareSnapshot): number | null {
  if (plannedThreadsUnknown(snapshot)) return null;
  const { allCoresBandwidth, efficiencyCores } = snapshot.cpu;
  const cores = performanceCores(snapshot.cpu);
  if (allCoresBandwidth && efficiencyCores === 0) return cores;
  return Math.min(cores, 8);
}

/** -ts in GiB of each GPU's usable memory, the proportions rightsize sized with when none were given. */
function splitFromBudgets(budgetsBytes: readonly number[]): number[] {
  const gib = budgetsBytes.map((b) => Math.round((b / 2 ** 30) * 10) / 10);
  return gib.every((x) => x === gib[0]) ? gib.map(() => 1) : gib;
}

export function createCommandMethods(deps: CommandMethodDeps): { runCommands: (request: Request) => Promise<RunCommandsResult> } {
  return {
    async runCommands(request) {
      return asUserError(async () => {
        const resolved = await deps.resolveRef(request.model, request.quant, true);
        const contextTokens = contextFor(resolved, request.contextTokens, DEFAULT_CONTEXT_TOKENS);
        const sized = await deps.sizingFor(request.profile);
        // The same sizing as `estimate` (one implementation), so -ngl and --n-cpu-moe are its placement.
        const sizeAt = (placement: { gpuLayers: typeof request.gpuLayers; nCpuMoe?: number }) =>
          deps.estimate({
            model: request.model,
            ...(request.quant !== undefined ? { quant: request.quant } : {}),
            contextTokens,
            kvType: request.kvType,
            gpuLayers: placement.gpuLayers,
            ...(request.whatIf ? { whatIf: request.whatIf } : {}),
            ...(request.profile !== undefined ? { profile: request.profile } : {}),
            ...(request.tensorSplit ? { tensorSplit: request.tensorSplit } : {}),
            ...(request.splitMode !== undefined ? { splitMode: request.splitMode } : {}),
            ...(request.mainGpu !== undefined ? { mainGpu: request.mainGpu } : {}),
            ...(placement.nCpuMoe !== undefined ? { nCpuMoe: placement.nCpuMoe } : {}),
          });
        const estimate = await sizeAt({
          gpuLayers: request.gpuLayers,
          ...(request.nCpuMoe !== undefined ? { nCpuMoe: request.nCpuMoe } : {}),
        });
        const { sizable } = resolved;
        // A remote file: hf:REPO:QUANT runs with -hf (and Ollama's hf.co/ names), a URL with -mu.
        const hfRepo = resolved.remote && sizable.modelId.startsWith('hf:') ? sizable.modelId.slice(3).replace(/:[^:]*$/, '') : null;
        const moe = Boolean(sizable.shape.experts);
        // A catalog model's repository of GGUF files, where it holds this precision; a file past Hugging Face's per-file
        // limit comes in parts, which Ollama cannot pull. A remote hf: file says so itself (its header names its parts).
        const weightsBytes = estimate.devices.gpu.weightsBytes + estimate.devices.cpu.weightsBytes;
        const fetch = sizable.origin === 'catalog' ? ggufFetchFor(sizable.modelId, sizable.quant, weightsBytes) : null;
        const known = fetch?.source;
        const sharded = hfRepo ? (resolved.remote?.parts ?? 1) > 1 : (fetch?.sharded ?? false);
        const model: RunModel = {
          id: sizable.modelId,
          name: sizable.name,
          quant: sizable.quant,
          path: sizable.filePath ?? null,
          moe,
          ggufRepo: hfRepo ?? known?.repo ?? null,
          url: resolved.remote && !hfRepo ? resolved.remote.url : null,
          // Ollama's own library name where it has the model, else Ollama pulls the same repository's file.
          ollamaTag: hfRepo ? (sharded ? null : `hf.co/${hfRepo}:${sizable.quant}`) : (fetch?.ollama ?? null),
          sharded,
        };
        const gpuCount = estimate.gpus?.length ?? (estimate.budget.gpuBytes > 0 ? 1 : 0);
        const settings: RunSettings = {
          fit: estimate.fit,
          gpuLayers: estimate.gpuLayers,
          totalLayers: estimate.totalLayers,
          contextTokens: estimate.settings.contextTokens,
          kvType: request.kvType,
          // The machine the commands are for: a planned one (what-if) has its own CPU, or none named.
          threads: request.threads ?? threadsFor(withWhatIf(sized.snapshot, request.whatIf)),
          gpuCount,
          tensorSplit:
            gpuCount > 1 && request.splitMode !== 'none'
              ? (request.tensorSplit ?? estimate.tensorSplit ?? splitFromBudgets((estimate.gpus ?? []).map((g) => g.budgetBytes)))
              : null,
          splitMode: request.splitMode ?? null,
          mainGpu: request.mainGpu ?? null,
          nCpuMoe: moe ? (request.nCpuMoe ?? estimate.cpuMoeLayers ?? null) : null,
          nodeLlamaCppBuild: nodeLlamaCppBuildFor(estimate.backend, withWhatIf(sized.snapshot, request.whatIf).os.arch),
          backend: estimate.backend,
          expected: {
            generationTokPerSec: estimate.tokPerSec,
            promptTokPerSec: estimate.promptTokPerSec,
            ...(estimate.largeUbatchPrompt ? { largeUbatchPrompt: estimate.largeUbatchPrompt } : {}),
          },
          // All in RAM beside a GPU that takes nothing, not even the buffer to read prompts on (src/core/fit.ts).
          noOpOffload:
            estimate.fit === 'cpu' &&
            gpuCount > 0 &&
            ['cuda', 'rocm', 'vulkan'].includes(estimate.backend) &&
            estimate.devices.gpu.totalBytes === 0 &&
            estimate.gpuLayers === 0,
        };
        // Ollama, LM Studio and node-llama-cpp offload whole layers only: they get the most that fit without experts in RAM.
        if (settings.nCpuMoe !== null && settings.nCpuMoe > 0) {
          const whole = await sizeAt({ gpuLayers: 'auto', nCpuMoe: 0 });
          settings.layersOnly = {
            gpuLayers: whole.gpuLayers,
            fits: whole.fit !== 'none',
            tokPerSec: whole.tokPerSec,
            withExpertsTokPerSec: estimate.tokPerSec,
          };
        }
        const notes: string[] = [];
        if (estimate.fit === 'none')
          notes.push(`This does not fit the sized machine (${estimate.why}); the commands are likely to fail to load.`);
        if (sized.profileName !== null) notes.push(`Sized for the profile "${sized.profileName}": run these on that machine.`);
        if (known)
          notes.push(
            `The weights come from ${known.repo} on Hugging Face (resources/catalog/gguf-sources.json; rightsize could not list its files, so the ${sizable.quant} file is assumed from the uploader's usual set). Seen in use: ${known.seen}`,
          );
        const powerNote = jetsonPowerNote(withWhatIf(sized.snapshot, request.whatIf));
        if (powerNote) notes.push(powerNote);
        // llama.cpp refuses it at load ("K cache type q8_0 with block size 32 does not divide n_embd_head_k"): checked on stories260K.
        const kvBlockElements = ggmlType(request.kvType.toUpperCase()).blockSize;
        if (sizable.shape.headDim % kvBlockElements !== 0)
          notes.push(
            `llama.cpp refuses a ${request.kvType} KV cache for this model: its head size ${sizable.shape.headDim} is not a multiple of ${kvBlockElements} (the ${request.kvType} block); use f16.`,
          );
        if (request.nCpuMoe !== undefined && request.nCpuMoe > 0 && !moe)
          notes.push(`--n-cpu-moe applies to mixture-of-experts models only; ${sizable.name} is dense, so it is left out.`);
        return {
          model: { id: model.id, name: model.name, quant: model.quant, path: model.path, moe },
          placement: {
            fit: settings.fit,
            gpuLayers: settings.gpuLayers,
            totalLayers: settings.totalLayers,
            contextTokens: settings.contextTokens,
            kvType: settings.kvType,
            flashAttention: flashAttentionFor(settings.kvType),
            threads: settings.threads,
            tensorSplit: settings.tensorSplit ? [...settings.tensorSplit] : null,
            splitMode: settings.splitMode,
            mainGpu: settings.mainGpu,
            nCpuMoe: settings.nCpuMoe,
            backend: estimate.backend,
            why: estimate.why,
          },
          commands: runCommands(model, settings, request.for),
          notes,
        };
      });
    },
  };
}
