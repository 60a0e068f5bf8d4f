// `rightsize command`: the commands that run one model with the placement rightsize sized
// (llama-server, llama-cli, Ollama, LM Studio, node-llama-cpp) and the llama-bench line that checks it, ready to copy.
import { DEFAULT_PRECISION } from '../../shared/defaults';
import { PRECISIONS } from '../../shared/precision';
import { RUN_TOOLS, type RunTool } from '../../shared/schema';
import { defineCommand, UsageError, useColor } from '../command';
import {
  COLOR_OPTIONS,
  CONTEXT_OPTIONS,
  GPU_LAYERS_OPTION,
  JSON_OPTION,
  parseContext,
  parseGpuLayers,
  parseInteger,
  parseKv,
  parseNCpuMoe,
  parseSplitOptions,
  parseWhatIf,
  PROFILE_OPTION,
  SPLIT_MODE_OPTIONS,
  TENSOR_SPLIT_OPTION,
  WHAT_IF_OPTIONS,
} from '../args';

function parseTool(text: string | undefined): RunTool | undefined {
  if (text === undefined) return undefined;
  if (!(RUN_TOOLS as readonly string[]).includes(text)) throw new UsageError(`--for "${text}" must be one of ${RUN_TOOLS.join(', ')}.`);
  return text as RunTool;
}

export const runCommandCommand = defineCommand({
  name: 'command',
  summary: 'How to run it: llama-server, llama-cli, Ollama, LM Studio and node-llama-cpp commands, and llama-bench to check the estimate.',
  args: '<file.gguf | catalog-id | model name>',
  description: `Sizes the model as \`estimate\` does and writes each tool's command with that placement: the -ngl that\nfits, context, KV cache type, threads and, with several GPUs, -ts. A catalog id at --quant (default ${DEFAULT_PRECISION}).`,
  options: {
    ...JSON_OPTION,
    quant: { type: 'string', value: 'Q', help: `Precision of a catalog model: ${PRECISIONS.join(', ')}.` },
    ...CONTEXT_OPTIONS,
    for: { type: 'string', value: 'TOOL', help: `One tool only: ${RUN_TOOLS.join(', ')}.` },
    ...GPU_LAYERS_OPTION,
    threads: {
      type: 'string',
      value: 'N',
      help: "CPU threads (llama.cpp's -t; default: the physical cores, at most 8 unless all of them read RAM faster together).",
    },
    'n-cpu-moe': {
      type: 'string',
      value: 'N',
      help: "MoE models: keep the experts of the first N layers in RAM (llama.cpp's --n-cpu-moe).",
    },
    ...PROFILE_OPTION,
    ...WHAT_IF_OPTIONS,
    ...TENSOR_SPLIT_OPTION,
    ...SPLIT_MODE_OPTIONS,
    ...COLOR_OPTIONS,
  },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length !== 1)
      throw new UsageError('command needs one model: a .gguf file or a catalog id, e.g. `rightsize command llama-3.1-8b --quant Q4_K_M`.');
    const tool = parseTool(values.for);
    const whatIf = parseWhatIf(values);
    const split = parseSplitOptions(values);
    const nCpuMoe = parseNCpuMoe(values['n-cpu-moe']);
    const service = makeService({ backgroundRefresh: false });
    const result = await service.call('runCommands', {
      model: positionals[0] as string,
      ...(values.quant !== undefined ? { quant: values.quant } : {}),
      ...(values.ctx !== undefined ? { contextTokens: parseContext(values.ctx) } : {}),
      kvType: parseKv(values.kv),
      gpuLayers: parseGpuLayers(values['gpu-layers']),
      ...(values.threads !== undefined ? { threads: parseInteger('--threads', values.threads, 1, 1, 512) } : {}),
      ...(nCpuMoe !== undefined ? { nCpuMoe } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...(whatIf ? { whatIf } : {}),
      ...split,
      ...(tool ? { for: tool } : {}),
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${(await import('../format/run-command')).formatRunCommands(result, useColor(values, io))}\n`,
    );
    return 0;
  },
});
