// `rightsize report`: the first screen in a terminal: hardware, the ladder and the fit matrix.
import { spawn } from 'node:child_process';
import { DEFAULT_CONTEXT_TOKENS } from '../../shared/defaults';
import { ReportSchema } from '../../shared/schema';
import { defineCommand, useColor } from '../command';
import {
  COLOR_OPTIONS,
  CONTEXT_OPTIONS,
  envWithHfToken,
  HF_TOKEN_OPTION,
  JSON_OPTION,
  parseContext,
  parseKv,
  parseSplitOptions,
  parseWhatIf,
  PROFILE_OPTION,
  REFRESH_OPTION,
  SPLIT_MODE_OPTIONS,
  TENSOR_SPLIT_OPTION,
  WHAT_IF_OPTIONS,
} from '../args';

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'Detected hardware, the start-small ladder and the fit matrix of every catalogued model.',
  description: `Default context ${DEFAULT_CONTEXT_TOKENS} tokens, f16 KV cache. What-if flags plan for hardware you do not have.\n--file adds GGUF files to size next to the catalog: a path, an http(s) URL, hf:ORG/REPO:QUANT, or hf:ORG/REPO for\nevery quant of a repository (remote ones from their header only, cached by URL and ETag).`,
  options: {
    ...JSON_OPTION,
    file: {
      type: 'string',
      multiple: true,
      value: 'PATH|URL|hf:REF',
      help: 'A GGUF file to size next to the catalog (repeat for several).',
    },
    ...HF_TOKEN_OPTION,
    ...CONTEXT_OPTIONS,
    ...PROFILE_OPTION,
    ...WHAT_IF_OPTIONS,
    ...TENSOR_SPLIT_OPTION,
    ...SPLIT_MODE_OPTIONS,
    ...REFRESH_OPTION,
    ...COLOR_OPTIONS,
  },
  async run({ values, io, service: makeService }) {
    const contextTokens = values.ctx !== undefined ? parseContext(values.ctx) : DEFAULT_CONTEXT_TOKENS;
    const kvType = parseKv(values.kv);
    const whatIf = parseWhatIf(values);
    const split = parseSplitOptions(values);
    const env = envWithHfToken(io.env ?? process.env, values['hf-token']);
    const service = makeService({ waitForLlama: values.refresh ?? false, backgroundRefresh: false, env });
    if (values.refresh) await service.call('getHardware', { refresh: true });
    const report = await service.call('getReport', {
      contextTokens,
      ...(values.file?.length ? { files: values.file } : {}),
      kvType,
      ...(whatIf ? { whatIf } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...split,
    });
    const llama = report.hardware.sources.find((x) => x.id === 'node-llama-cpp');
    if (llama?.status === 'skipped') refreshCacheInBackground(io.env ?? process.env);
    io.stdout(
      values.json
        ? `${JSON.stringify(ReportSchema.parse(report), null, 2)}\n`
        : `${(await import('../format/report')).formatReport(report, useColor(values, io))}\n`,
    );
    return 0;
  },
});

/**
 * node-llama-cpp takes about a second to load, too long to wait for on every run: a detached
 * process asks it and caches the answer for the next run (keyed by GPU and driver).
 */
function refreshCacheInBackground(env: NodeJS.ProcessEnv): void {
  if (env.RIGHTSIZE_NO_BACKGROUND_REFRESH || !process.argv[1]) return;
  try {
    const child = spawn(process.execPath, [process.argv[1], '__refresh-cache'], { detached: true, stdio: 'ignore', env });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The next run simply tries again.
  }
}

/** The detached child of `refreshCacheInBackground`. */
export const refreshCacheCommand = defineCommand({
  name: '__refresh-cache',
  summary: 'Asks node-llama-cpp and caches its answer (run in the background by report).',
  hidden: true,
  options: {},
  async run({ service }) {
    // Only node-llama-cpp's answer is missing. A refresh would also measure the RAM bandwidth again behind the user's
    // back, so the next run could show another figure (and another ladder) than this one did.
    await service({ waitForLlama: true, backgroundRefresh: false }).call('getHardware', { refresh: false });
    return 0;
  },
});
