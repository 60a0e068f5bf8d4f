// `rightsize models`: the GGUF files already on this machine (LM Studio, Ollama, the Hugging Face
// cache, llama.cpp's cache, node-llama-cpp, folders named with --folder) and where it looked.
import { defineCommand, UsageError, useColor } from '../command';
import { COLOR_OPTIONS, JSON_OPTION } from '../args';

export const modelsCommand = defineCommand({
  name: 'models',
  summary:
    "GGUF models already on this machine: LM Studio, Ollama (by its names), the Hugging Face cache, llama.cpp's cache, node-llama-cpp, your folders.",
  options: {
    ...JSON_OPTION,
    folder: { type: 'string', multiple: true, value: 'DIR', help: 'Also search this folder (recursively, 6 levels); repeat for more.' },
    ...COLOR_OPTIONS,
  },
  async run({ values, io, service }) {
    const folders = values.folder ?? [];
    if (folders.some((f) => f.trim() === '')) throw new UsageError('--folder needs a folder path, e.g. --folder ~/models.');
    const result = await service({ backgroundRefresh: false }).call('listModels', { folders });
    io.stdout(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${(await import('../format/models')).formatModels(result, useColor(values, io))}\n`,
    );
    return 0;
  },
});
