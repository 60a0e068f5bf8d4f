// sizeFinetune: resolves the model (catalog id, GGUF file, discovered name or a bare parameter
// count), sizes it with the core, checks the fit on this machine or a profile, and plans the run
// on a GPU preset (resources/hardware/gpus.json): count, time, energy, cost.
import type { z } from 'zod';
import type { HostApiSchemas } from '../shared/api';
import type { FinetuneResult, Gpu, HardwareSnapshot } from '../shared/schema';
import { formatBytes } from '../shared/units';
import { computeTarget } from '../core/budget';
import {
  finetuneMemory,
  gpusForBytes,
  PEAK_TENSOR_TFLOPS,
  trainingFlops,
  trainingPlan,
  type Figure,
  type FinetuneModel,
} from '../core/finetune';
import { DEFAULT_FINETUNE_EFFICIENCY, DEFAULT_FINETUNE_EFFICIENCY_SOURCE, type GpuPreset } from '../shared/schema';
import { gpuNameTokens, matchGpuPreset, sameNameTokens } from './hardware/merge/presets';
import type { ResolvedModel } from './models/resolve';
import { unifiedGpuShare, workingSetShareLabel } from './hardware/merge/apple-working-set';
import { loadGpuPresets, loadMachinePresets } from './resources';
import { machineHolding } from '../shared/machine-presets';
import { asUserError, UserFacingError } from './user-error';

type FinetuneRequest = z.output<typeof HostApiSchemas.sizeFinetune.input>;

/**
 * The memory one GPU of a preset offers training: its VRAM, or for a GPU that shares the machine's memory (DGX Spark,
 * Strix Halo, a Mac, a Jetson) what its GPU may use: on this machine or the profile where it is one of the GPUs,
 * else in the machine preset it comes in (a DGX Spark's 128 GB), said in a note.
 */
function presetTrainingMemory(preset: GpuPreset, gpus: readonly Gpu[], notes: string[]): number {
  if (preset.vramBytes !== null && preset.vramBytes > 0) return preset.vramBytes;
  const here = gpus.find((g) => g.unifiedMemory && g.vramBytes && findPreset(g.name, [preset]));
  if (here?.vramBytes) {
    notes.push(`${preset.name} shares the machine's memory: each counts as the ${formatBytes(here.vramBytes)} its GPU may use here.`);
    return here.vramBytes;
  }
  const machine = preset.unifiedMemory ? machineHolding(preset.id, loadMachinePresets()) : undefined;
  if (!machine)
    throw new UserFacingError(
      `${preset.name} has no memory of its own to train in; name a GPU with its own VRAM, or plan the machine it is in (rightsize profiles save NAME --machine ID) and use --profile NAME.`,
      'bad-input',
    );
  const { share, why } = unifiedGpuShare(preset, machine.ramBytes);
  const bytes = Math.round(machine.ramBytes * share);
  notes.push(
    `${preset.name} shares the machine's memory: each counts as ${formatBytes(bytes)}, ${workingSetShareLabel(share)} of the ${formatBytes(machine.ramBytes)} in the ${machine.name} preset (${why}). Another size: plan it (rightsize profiles save NAME --machine ID --ram SIZE) and use --profile NAME.`,
  );
  return bytes;
}

export interface FinetuneDeps {
  resolveRef: (ref: string, quant: string | undefined, allowCatalog: boolean) => Promise<ResolvedModel>;
  sizingFor: (profile: string | undefined) => Promise<{ snapshot: HardwareSnapshot; profileName: string | null }>;
}

/** "175B", "7b", "1.5B", "350M": a model known only by its parameter count. */
const BARE_COUNT = /^\s*(\d+(?:\.\d+)?)\s*([bm])\s*$/i;

async function resolveFinetuneModel(ref: string, deps: FinetuneDeps): Promise<{ model: FinetuneModel; shapeFrom: string }> {
  const bare = BARE_COUNT.exec(ref);
  if (bare) {
    const params = Number(bare[1]) * ((bare[2] as string).toLowerCase() === 'b' ? 1e9 : 1e6);
    if (params <= 0) throw new UserFacingError(`"${ref}" is not a parameter count; write e.g. 7B or 175B.`, 'bad-input');
    return {
      model: { id: `params:${ref.trim()}`, name: `${ref.trim().toUpperCase()} parameters`, params, shape: null },
      shapeFrom: 'none: a bare parameter count (no layers or widths, so no activations and no LoRA)',
    };
  }
  const resolved = await deps.resolveRef(ref, undefined, true);
  const s = resolved.sizable;
  return {
    model: { id: s.modelId, name: s.name, params: s.paramsB * 1e9, shape: s.shape },
    shapeFrom: s.origin === 'catalog' ? "resources/catalog/models.json (the model's config.json)" : s.weightsFrom,
  };
}

function findPreset(name: string, presets: GpuPreset[]): GpuPreset | null {
  const wanted = name.trim().toLowerCase();
  return (
    presets.find((p) => p.id === wanted || p.name.toLowerCase() === wanted) ?? matchGpuPreset({ names: [name] }, presets)?.preset ?? null
  );
}

/**
 * The preset a user named (--gpu): by id, by its whole name, or by words only one preset's name holds.
 * A short name several presets share ("H100": SXM, PCIe, NVL) differs in VRAM and peak, so it is
 * refused with the choices rather than settled silently on one.
 */
function namedPreset(name: string, presets: GpuPreset[]): GpuPreset {
  const wanted = name.trim().toLowerCase();
  const exact = presets.find((p) => p.id === wanted || p.name.toLowerCase() === wanted || sameNameTokens(p.name, name));
  if (exact) return exact;
  const words = gpuNameTokens(name);
  const holding = words.length
    ? presets.filter((p) => {
        const own = new Set([...gpuNameTokens(p.name), ...p.id.split('-')]);
        return words.every((w) => own.has(w));
      })
    : [];
  if (holding.length > 1)
    throw new UserFacingError(
      `"${name}" could be ${holding.length} GPU presets: ${holding
        .slice(0, 8)
        .map((p) => `${p.name} (${p.id})`)
        .join(', ')}${holding.length > 8 ? ', ...' : ''}. Name one.`,
      'bad-input',
    );
  const preset = holding[0] ?? matchGpuPreset({ names: [name] }, presets)?.preset;
  if (!preset) throw new UserFacingError(`No GPU preset matches "${name}"; \`rightsize presets gpus\` lists them.`, 'bad-input');
  return preset;
}

export function createFinetuneMethods(deps: FinetuneDeps): { sizeFinetune: (request: FinetuneRequest) => Promise<FinetuneResult> } {
  return {
    async sizeFinetune(request) {
      const { model, shapeFrom } = await asUserError(() => resolveFinetuneModel(request.model, deps));
      if (request.method !== 'full' && !model.shape)
        throw new UserFacingError(
          `${request.method === 'lora' ? 'LoRA' : 'QLoRA'} adapters are counted from the model's layers and widths; "${request.model}" is only a parameter count. Name a catalog model or a GGUF file, or use --method full.`,
          'bad-input',
        );
      const options = {
        method: request.method,
        seqTokens: request.seqTokens,
        batch: request.batch,
        rank: request.rank,
        flashAttention: request.flashAttention,
      };
      const memory = finetuneMemory(model, options);
      const needed = request.checkpointing ? memory.totalWithCheckpointing : memory.totalWithoutCheckpointing;
      const notes: string[] = [];

      // This machine or the profile: the GPUs' usable memory, as every other sizing counts it.
      const { snapshot, profileName } = await deps.sizingFor(request.profile);
      const target = computeTarget(snapshot);
      const usable = target.gpuBudgetsBytes.reduce((a, b) => a + b, 0);
      const machineName = profileName ?? 'This machine';
      const usableBytes: Figure = {
        value: usable,
        how: target.gpus.length ? target.budget.explanation : 'No GPU a training framework can use: fine-tuning on the CPU is not sized.',
      };
      if (target.gpus.length > 1)
        notes.push(
          `${machineName}'s ${target.gpus.length} GPUs are counted together: states and activations sharded across them (FSDP / ZeRO-3).`,
        );

      // The GPU preset the run is planned on: named, or this machine's.
      const presets = loadGpuPresets();
      let preset: GpuPreset | null = null;
      if (request.gpu !== undefined) {
        preset = namedPreset(request.gpu, presets);
      } else {
        for (const g of target.gpus) {
          preset = findPreset(g.name, presets);
          if (preset) break;
        }
        if (!preset) notes.push('Name a GPU (--gpu, e.g. "H100 SXM") for the GPU count, time, energy and cost.');
      }

      let gpu: FinetuneResult['gpu'] = null;
      if (preset) {
        const vram = presetTrainingMemory(preset, target.gpus, notes);
        const gpusNeeded = gpusForBytes(needed.value, vram, request.usableFraction);
        const gpusUsed = Math.max(request.gpuCount ?? gpusNeeded.value, 1);
        if (request.gpuCount !== undefined && request.gpuCount < gpusNeeded.value)
          notes.push(
            `${request.gpuCount} x ${preset.name} hold ${formatBytes(request.gpuCount * vram * request.usableFraction)}; the job needs ${gpusNeeded.value}.`,
          );
        const flops = trainingFlops(
          request.method,
          memory.params.active,
          request.method === 'full' ? 0 : memory.trainableParams.value,
          request.tokens,
          request.checkpointing,
        );
        const catalogued = PEAK_TENSOR_TFLOPS[preset.id];
        const peak: Figure | null =
          request.peakTflops !== undefined
            ? { value: request.peakTflops, how: 'given (--peak-tflops)' }
            : catalogued
              ? { value: catalogued.tflops, how: `${catalogued.source} (dense ${catalogued.precision})` }
              : null;
        if (!peak) notes.push(`No dense bf16 peak is catalogued for ${preset.name}: give one (--peak-tflops) for time, energy and cost.`);
        const watts: Figure | null =
          request.wattsPerGpu !== undefined
            ? { value: request.wattsPerGpu, how: 'given (--watts)' }
            : preset.tdpWatts !== null
              ? {
                  value: preset.tdpWatts,
                  how: `${preset.name} TDP (resources/hardware/gpus.json); the host, cooling and network come on top`,
                }
              : null;
        const plan = peak
          ? trainingPlan({
              flops: flops.value,
              gpus: gpusUsed,
              peakFlopsPerSec: peak.value * 1e12,
              efficiency: request.efficiency,
              wattsPerGpu: watts?.value ?? null,
              pricePerGpuHour: request.pricePerGpuHour ?? null,
              pricePerKwh: request.pricePerKwh ?? null,
            })
          : null;
        if (plan && request.efficiency === DEFAULT_FINETUNE_EFFICIENCY)
          notes.push(
            `Time assumes ${Math.round(DEFAULT_FINETUNE_EFFICIENCY * 100)}% of peak sustained: ${DEFAULT_FINETUNE_EFFICIENCY_SOURCE}; give your own (--efficiency).`,
          );
        if (plan && !plan.cost) notes.push('Give a price per GPU-hour or per kWh for a cost.');
        gpu = {
          presetId: preset.id,
          name: preset.name,
          vramBytes: vram,
          gpusNeeded,
          gpusUsed,
          peakTflops: peak,
          watts,
          flops,
          days: plan?.days ?? null,
          gpuHours: plan?.gpuHours ?? null,
          powerKw: plan?.powerKw ?? null,
          energyKwh: plan?.energyKwh ?? null,
          cost: plan?.cost ?? null,
          currency: request.currency ?? null,
        };
      }
      if (request.method === 'qlora')
        notes.push('QLoRA dequantizes each NF4 weight on the fly: in practice it runs slower than LoRA at the same FLOPs.');
      if (request.method === 'full' && !model.shape)
        notes.push('Activations are not counted: a bare parameter count has no layers or widths.');

      return {
        model: { id: model.id, name: model.name, params: memory.params.total, activeParams: memory.params.active, shapeFrom },
        method: request.method,
        settings: {
          seqTokens: request.seqTokens,
          batch: request.batch,
          tokens: request.tokens,
          rank: request.rank,
          flashAttention: request.flashAttention,
          checkpointing: request.checkpointing,
          efficiency: request.efficiency,
          usableFraction: request.usableFraction,
        },
        trainableParams: memory.trainableParams,
        memory: {
          items: memory.items,
          states: memory.statesBytes,
          activationsWithoutCheckpointing: memory.activations?.without ?? null,
          activationsWithCheckpointing: memory.activations?.with ?? null,
          totalWithoutCheckpointing: memory.totalWithoutCheckpointing,
          totalWithCheckpointing: memory.totalWithCheckpointing,
        },
        machine: {
          name: machineName,
          usableBytes,
          fitsWithCheckpointing: usable > 0 && memory.totalWithCheckpointing.value <= usable,
          fitsWithoutCheckpointing: usable > 0 && memory.totalWithoutCheckpointing.value <= usable,
        },
        gpu,
        notes,
      };
    },
  };
}
