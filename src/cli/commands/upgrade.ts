// `rightsize upgrade`: which presets would run one model at a wanted speed, and what this machine lacks.
import { DEFAULT_PRECISION } from '../../shared/defaults';
import { INTERACTIVE_TOK_PER_SEC } from '../../shared/ladder';
import { PRECISIONS } from '../../shared/precision';
import { defineCommand, UsageError, useColor } from '../command';
import { COLOR_OPTIONS, CONTEXT_OPTIONS, JSON_OPTION, parseContext, parseKv, PROFILE_OPTION, REFRESH_OPTION } from '../args';
import { parseMinTps } from '../ladder-args';

export const upgradeCommand = defineCommand({
  name: 'upgrade',
  summary: 'Which machine and GPU presets would run a model fast enough, smallest first, and what this machine lacks.',
  args: '[file.gguf | catalog-id | model name]',
  description: `Sizes the model (a catalog id at --quant, default ${DEFAULT_PRECISION}; a GGUF file; a name from \`rightsize models\`)\non this machine, on every whole-machine preset and on every GPU preset put in this machine, and lists\nthose that generate at least --min-tps tokens per second (default ${INTERACTIVE_TOK_PER_SEC}, reading speed).`,
  options: {
    ...JSON_OPTION,
    model: { type: 'string', value: 'MODEL', help: 'The model (or give it as the argument).' },
    quant: { type: 'string', value: 'Q', help: `Precision of a catalog model: ${PRECISIONS.join(', ')}.` },
    ...CONTEXT_OPTIONS,
    'min-tps': { type: 'string', value: 'T', help: `Generation speed a candidate must reach, tok/s (default ${INTERACTIVE_TOK_PER_SEC}).` },
    ...PROFILE_OPTION,
    ...REFRESH_OPTION,
    ...COLOR_OPTIONS,
  },
  async run({ values, positionals, io, service: makeService }) {
    const models = [...(values.model !== undefined ? [values.model] : []), ...positionals];
    if (models.length !== 1)
      throw new UsageError('upgrade needs one model: `rightsize upgrade --model llama-3.1-70b` or `rightsize upgrade llama-3.1-70b`.');
    const minTokPerSec = parseMinTps(values['min-tps']);
    const service = makeService({ waitForLlama: values.refresh ?? false, backgroundRefresh: false });
    const advice = await service.call('upgradeAdvice', {
      model: models[0] as string,
      ...(values.quant !== undefined ? { quant: values.quant } : {}),
      ...(values.ctx !== undefined ? { contextTokens: parseContext(values.ctx) } : {}),
      kvType: parseKv(values.kv),
      ...(minTokPerSec !== undefined ? { minTokPerSec } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(advice, null, 2)}\n`
        : `${(await import('../format/upgrade')).formatUpgrade(advice, useColor(values, io))}\n`,
    );
    return 0;
  },
});
