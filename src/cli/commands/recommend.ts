// `rightsize recommend`: the start-small ladder for a task and a priority, with the reasons in numbers.
import { DEFAULT_CONTEXT_TOKENS } from '../../shared/defaults';
import { DEFAULT_MIN_TOK_PER_SEC, LADDER_STEPS, LONG_DOCS_CONTEXT_TOKENS, TASK_SCALES, TASKS } from '../../shared/ladder';
import { ReportSchema } from '../../shared/schema';
import { defineCommand, useColor } from '../command';
import {
  COLOR_OPTIONS,
  CONTEXT_OPTIONS,
  JSON_OPTION,
  parseContext,
  parseKv,
  parseWhatIf,
  PROFILE_OPTION,
  REFRESH_OPTION,
  WHAT_IF_OPTIONS,
} from '../args';
import { LADDER_OPTIONS, parseLadderChoice } from '../ladder-args';
import type { RungCommands } from '../format/recommend';

export const recommendCommand = defineCommand({
  name: 'recommend',
  summary: 'Start here, scale up, ceiling: which model, precision and placement to run for a task, and why.',
  description: [
    `Tasks (each judged by a published benchmark, the default first): ${TASKS.map((t) => `${t} (${TASK_SCALES[t].scales.map((x) => x.benchmark).join(', ')})`).join(', ')}.`,
    `Priorities: speed (lower bar, ${DEFAULT_MIN_TOK_PER_SEC.speed}+ tok/s), balanced (default, ${DEFAULT_MIN_TOK_PER_SEC.balanced}+ tok/s), quality (higher bar).`,
    `Context: --ctx, else ${DEFAULT_CONTEXT_TOKENS} tokens (${LONG_DOCS_CONTEXT_TOKENS} for long-docs). What-if flags plan for hardware you do not have.`,
  ].join('\n'),
  options: {
    ...JSON_OPTION,
    ...LADDER_OPTIONS,
    ...CONTEXT_OPTIONS,
    ...PROFILE_OPTION,
    ...WHAT_IF_OPTIONS,
    ...REFRESH_OPTION,
    ...COLOR_OPTIONS,
  },
  async run({ values, io, service: makeService }) {
    const { task, priority, ...chosen } = parseLadderChoice(values);
    const contextTokens =
      values.ctx !== undefined ? parseContext(values.ctx) : task === 'long-docs' ? LONG_DOCS_CONTEXT_TOKENS : DEFAULT_CONTEXT_TOKENS;
    const whatIf = parseWhatIf(values);
    const service = makeService({ waitForLlama: values.refresh ?? false, backgroundRefresh: false });
    if (values.refresh) await service.call('getHardware', { refresh: true });
    const report = await service.call('getReport', {
      contextTokens,
      kvType: parseKv(values.kv),
      task,
      ...chosen,
      priority,
      ...(whatIf ? { whatIf } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
    });
    if (values.json) {
      const parsed = ReportSchema.parse(report);
      const json = { hardware: parsed.hardware, budget: parsed.budget, settings: parsed.settings, recommendation: parsed.recommendation };
      io.stdout(`${JSON.stringify({ ...json, ...(parsed.profile !== undefined ? { profile: parsed.profile } : {}) }, null, 2)}\n`);
    } else {
      // Each rung's llama-server line, sized as the rung was (its context and experts in RAM) on the same machine.
      const runLines: RungCommands = {};
      await Promise.all(
        LADDER_STEPS.map(async ({ key }) => {
          const step = report.recommendation[key];
          if (!step) return;
          try {
            const result = await service.call('runCommands', {
              model: step.modelId,
              quant: step.quant,
              contextTokens: step.contextTokens ?? contextTokens,
              kvType: parseKv(values.kv),
              ...(step.cpuMoeLayers ? { nCpuMoe: step.cpuMoeLayers } : {}),
              ...(whatIf ? { whatIf } : {}),
              ...(values.profile !== undefined ? { profile: values.profile } : {}),
              for: 'llama-server',
            });
            runLines[key] = { command: result.commands[0]?.command ?? null };
          } catch (error) {
            runLines[key] = { command: null, problem: (error as Error).message };
          }
        }),
      );
      io.stdout(`${(await import('../format/recommend')).formatRecommendation(report, useColor(values, io), runLines)}\n`);
    }
    return 0;
  },
});
