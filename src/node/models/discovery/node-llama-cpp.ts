// node-llama-cpp downloads into one flat models folder under the home folder.
import path from 'node:path';
import type { ModelSource } from './search-state';
import { collectGguf } from './walk';

/** node-llama-cpp's `cliModelsDirectory` (dist/config.js): path.join(os.homedir(), ".node-llama-cpp", "models"). */
const NODE_LLAMA_CPP_MODELS = ['.node-llama-cpp', 'models'];
const NODE_LLAMA_CPP_DEPTH = 2;

export const nodeLlamaCppSource: ModelSource = {
  source: 'node-llama-cpp',
  roots: (ctx) => [path.join(ctx.home, ...NODE_LLAMA_CPP_MODELS)],
  searchRoot: (ctx, report) => collectGguf(ctx, report, report.path, NODE_LLAMA_CPP_DEPTH),
};
