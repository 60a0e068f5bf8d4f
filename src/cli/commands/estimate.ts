// `rightsize estimate`: memory per device and speed for one model, from the service.
import { DEFAULT_PRECISION } from '../../shared/defaults';
import { PRECISIONS } from '../../shared/precision';
import { defineCommand, UsageError, useColor } from '../command';
import {
  COLOR_OPTIONS,
  CONTEXT_OPTIONS,
  envWithHfToken,
  GPU_LAYERS_OPTION,
  HF_TOKEN_OPTION,
  JSON_OPTION,
  N_CPU_MOE_OPTION,
  parseContext,
  parseGpuLayers,
  parseKv,
  parseNCpuMoe,
  parseSplitOptions,
  parseWhatIf,
  PROFILE_OPTION,
  REFRESH_OPTION,
  SPLIT_MODE_OPTIONS,
  TENSOR_SPLIT_OPTION,
  WHAT_IF_OPTIONS,
} from '../args';

export const estimateCommand = defineCommand({
  name: 'estimate',
  summary: 'Memory per device (weights, repacked copy, KV, compute, output, overhead) and speed for one model.',
  args: '<file.gguf | URL | hf:ORG/REPO[:QUANT] | catalog-id | model name>',
  description: `A GGUF file is sized from its real tensors; a catalog id at --quant (default ${DEFAULT_PRECISION}); a name from\n\`rightsize models\` (e.g. llama3.1:8b) by its file. --gpu-layers auto finds the most layers that fit the\ndetected (or what-if) VRAM; for an MoE it also tries every layer on the GPU with the experts of the first\nblocks in RAM and keeps the faster. --n-cpu-moe N fixes that number as llama.cpp's does.\nA GGUF at an http(s) URL or in a Hugging Face repository (hf:ORG/REPO:QUANT) is sized before download: only\nits header is read, with range requests (a few MB at most), and kept in the cache by URL and ETag. A gated\nrepository needs --hf-token or HF_TOKEN. \`rightsize report --file hf:ORG/REPO\` sizes every quant of a repository.`,
  options: {
    ...JSON_OPTION,
    quant: { type: 'string', value: 'Q', help: `Precision of a catalog model: ${PRECISIONS.join(', ')}.` },
    ...CONTEXT_OPTIONS,
    ...GPU_LAYERS_OPTION,
    ...N_CPU_MOE_OPTION,
    ...PROFILE_OPTION,
    ...WHAT_IF_OPTIONS,
    ...TENSOR_SPLIT_OPTION,
    ...SPLIT_MODE_OPTIONS,
    mmproj: {
      type: 'string',
      value: 'auto|FILE',
      help: "Add a vision projector (llama.cpp's --mmproj): auto takes the mmproj*.gguf next to the model file.",
    },
    'no-mmproj-offload': { type: 'boolean', help: 'Keep the projector in RAM, as llama.cpp --no-mmproj-offload (default: on the GPU).' },
    ...REFRESH_OPTION,
    ...HF_TOKEN_OPTION,
    ...COLOR_OPTIONS,
  },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length !== 1)
      throw new UsageError(
        'estimate needs one model: a .gguf file, its URL, hf:ORG/REPO:QUANT or a catalog id, e.g. `rightsize estimate llama-3.1-8b --quant Q4_K_M`.',
      );
    const whatIf = parseWhatIf(values);
    const split = parseSplitOptions(values);
    const nCpuMoe = parseNCpuMoe(values['n-cpu-moe']);
    const env = envWithHfToken(io.env ?? process.env, values['hf-token']);
    const service = makeService({ waitForLlama: values.refresh ?? false, backgroundRefresh: false, env });
    const result = await service.call('estimate', {
      model: positionals[0] as string,
      ...(values.quant !== undefined ? { quant: values.quant } : {}),
      ...(values.ctx !== undefined ? { contextTokens: parseContext(values.ctx) } : {}),
      kvType: parseKv(values.kv),
      gpuLayers: parseGpuLayers(values['gpu-layers']),
      ...(whatIf ? { whatIf } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...split,
      ...(nCpuMoe !== undefined ? { nCpuMoe } : {}),
      ...(values.mmproj !== undefined ? { mmproj: values.mmproj } : {}),
      ...(values['no-mmproj-offload'] ? { mmprojOffload: false } : {}),
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${(await import('../format/estimate')).formatEstimate(result, useColor(values, io), Boolean(whatIf))}\n`,
    );
    return 0;
  },
});
