// llama-bench's line for a sized placement: the check a user runs on the machine it was sized for, in the tests
// rightsize's speeds are stated in (pp512, tg128). Its flags are checked against llama-bench's print_usage in the
// llama.cpp node-llama-cpp ships (test/fixtures/llama/flags.json).
import type { RunCommand } from '../shared/schema/commands';
import { formatTokPerSec } from '../shared/units';
import {
  flashAttentionFor,
  formatSplit,
  joinArgs,
  MODEL_FILE_PLACEHOLDER,
  modelSource,
  placeholderNote,
  splitsLayers,
  type RunModel,
  type RunSettings,
} from './run-command-parts';

/** llama-bench's -p and -n: the tests rightsize's two speeds are stated in (pp512, tg128). */
const BENCH_PROMPT_TOKENS = 512;
const BENCH_GEN_TOKENS = 128;

/**
 * llama-bench's flags for the same placement. It differs from llama-server: no -c (a test's context is
 * its own tokens), no -mu, -ts proportions separated by "/" (a comma separates values to sweep), and
 * -fa only where a quantized V cache needs it, as for the other tools.
 */
export function llamaBenchCommandArgs(model: RunModel, s: RunSettings): Array<[flag: string, value?: string]> {
  const source = modelSource(model);
  const args: Array<[string, string?]> = [
    source.kind === 'hf' ? ['-hf', source.value] : ['-m', source.kind === 'file' ? source.value : MODEL_FILE_PLACEHOLDER],
  ];
  args.push(['-ngl', String(s.gpuLayers)]);
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0) args.push(['--n-cpu-moe', String(s.nCpuMoe)]);
  // llama-bench takes a value list here (-nopo 0,1), where llama-server takes a bare switch.
  if (s.noOpOffload) args.push(['-nopo', '1']);
  if (s.kvType !== 'f16') args.push(['-ctk', s.kvType], ['-ctv', s.kvType]);
  if (flashAttentionFor(s.kvType) === 'on') args.push(['-fa', 'on']);
  if (s.threads !== null) args.push(['-t', String(s.threads)]);
  if (s.gpuCount > 1 && s.gpuLayers > 0) {
    if (s.splitMode === 'none') args.push(['-sm', 'none'], ['-mg', String(s.mainGpu ?? 0)]);
    else if (s.tensorSplit) args.push(['-ts', formatSplit(s.tensorSplit).replaceAll(',', '/')]);
  }
  args.push(['-p', String(BENCH_PROMPT_TOKENS)], ['-n', String(BENCH_GEN_TOKENS)], ['-r', '5']);
  return args;
}

export function llamaBench(model: RunModel, s: RunSettings): RunCommand {
  const source = modelSource(model);
  const notes: string[] = [];
  if (source.kind === 'placeholder' || source.kind === 'url')
    notes.push(
      source.kind === 'url'
        ? `llama-bench reads a local file only: download ${model.url ?? 'the file'} first and put its path in place of ${MODEL_FILE_PLACEHOLDER}.`
        : placeholderNote(model),
    );
  if (source.kind === 'hf') notes.push(`-hf downloads ${source.value} from Hugging Face on first run and caches it.`);
  const tps = (x: number | null | undefined): string | null => (x === null || x === undefined ? null : `~${formatTokPerSec(x)} tok/s`);
  const tg = tps(s.expected?.generationTokPerSec);
  const pp = tps(s.expected?.promptTokPerSec);
  if (tg || pp)
    notes.push(
      `Compare its rows with rightsize's estimate for this placement: ${[
        tg ? `tg${BENCH_GEN_TOKENS} ${tg}` : null,
        pp ? `pp${BENCH_PROMPT_TOKENS} ${pp}` : null,
      ]
        .filter(Boolean)
        .join(', ')}. Run it on the machine this was sized for, with nothing else busy.`,
    );
  notes.push(
    `It measures the speeds the estimate states: a ${BENCH_PROMPT_TOKENS}-token prompt and ${BENCH_GEN_TOKENS} generated tokens, 5 times each, as mean ± sd. Add -d ${s.contextTokens} to measure with ${s.contextTokens} tokens already in the context (generation slows as the context fills).`,
  );
  const large = s.expected?.largeUbatchPrompt;
  if (large)
    notes.push(
      `Weights stay in RAM, and each micro-batch of a prompt copies them to the GPU: add -p ${large.ubatchTokens} -ub ${large.ubatchTokens} -b ${large.ubatchTokens} to a second run to see the larger micro-batch's pp${large.ubatchTokens} (estimated ~${formatTokPerSec(large.tokPerSec)} tok/s, a quarter of the copies).`,
    );
  if (s.gpuLayers > 0 && s.gpuLayers < s.totalLayers)
    notes.push(`-ngl ${s.gpuLayers}: the same ${s.gpuLayers} of ${s.totalLayers} layers on the GPU as the commands above.`);
  if (model.moe && s.nCpuMoe !== null && s.nCpuMoe > 0)
    notes.push(`--n-cpu-moe ${s.nCpuMoe}: the experts of the first ${s.nCpuMoe} layers in RAM, as in llama-server's command.`);
  if (splitsLayers(s) && s.tensorSplit) notes.push('-ts takes the same proportions as llama-server, separated by "/" here.');
  return {
    tool: 'llama-bench',
    title: 'llama.cpp: llama-bench (check the estimate)',
    command: joinArgs('llama-bench', llamaBenchCommandArgs(model, s)),
    notes,
  };
}
